/**
 * From `tf.train.Example` records to one compact split, given the schema ./schema.ts detected: a builder that
 * decodes every record's image into one growing `Uint8Array` (1 byte per pixel, row-major HWC) and its label into
 * one growing `Int32Array`, with no per-record arrays. Encoded images are decoded by an injected async
 * `ImageDecodeFn` (the worker's uses createImageBitmap + OffscreenCanvas; Node tests a small PNG decoder), so this
 * module stays pure.
 *
 * Decisions:
 *  - Pixel values outside 0..255 (after float scaling, ±0.5 for rounding) are a 'no-image' error: the feature does
 *    not hold 8-bit pixels. Values are never clamped or wrapped.
 *  - A record without the label feature (or with an empty list) gets the label -1 where labels may be absent (test
 *    data: the starter code's inference.py reads no label); in training and validation data (`unlabelled: 'refuse'`)
 *    it is a 'no-label' error naming the record, as the starter code's reader would have failed on it, or, with
 *    'skip', it is left out and counted.
 *  - The first record of each label is kept (file, record, offset), to name the record of a label that does not fit
 *    the other splits (see worker/splits.ts).
 *  - int64 ids are kept exact as decimal strings, also beyond 2^53 (they are names, not numbers).
 *  - Encoded images take their shape from the decoded image (not from image/height, image/width features). They
 *    are stored with depth 1 while every image so far is grayscale (R = G = B), else depth 3; a colour image after
 *    grayscale ones widens the stored ones to 3 channels. Alpha is dropped.
 */
import { TFRecordError } from './errors';
import { isUserText, text, type UserText } from '../shared/errors';
import {
  FeatureLocator,
  readBytesList,
  readFloatInto,
  readInt64Into,
  readInt64Strings,
  readUint8Into,
  type FeatureRef,
} from './example';
import type { RecordContext } from './protobuf';
import { type FeatureSchema, MAX_CLASSES, LIST_NAME, encodedError, encodedFormat } from './schema';

export interface DecodedSplit {
  count: number;
  schema: FeatureSchema;
  /** count × height × width × depth bytes, 1 byte per pixel, row-major HWC. */
  images: Uint8Array;
  /** One label per record, -1 where missing; null when the records have no label feature. */
  labels: Int32Array | null;
  /** One id per record ('' where missing); null when the records have no id feature. */
  ids: string[] | null;
  /** Largest label + 1, at least 2. */
  numClasses: number;
  /** Records per class, numClasses long (records without a label are not counted). */
  classCounts: number[];
  /** Where each label was first seen: file, 0-based record index in it, byte offset. */
  firstOfLabel: Map<number, RecordContext>;
}

/** What to do with a record that has no label: keep it (label -1), refuse the split, or skip it and count it. */
export type UnlabelledRecords = 'keep' | 'refuse' | 'skip';

/** Where a piece of a split starts in its file: added to the record index and offset of what the piece reads. */
export interface PieceOrigin {
  record: number;
  offset: number;
}

/** A decoded image: RGBA, 4 bytes per pixel, row-major (what `getImageData` gives). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** Decodes one encoded image (PNG, JPEG, …); rejects when it cannot. */
export type ImageDecodeFn = (encoded: Uint8Array) => Promise<RgbaImage>;

/**
 * Images decoded at once: createImageBitmap runs them in parallel; the bounds keep the decoded bitmaps' memory in
 * check (large photos: 2 MB of JPEG may be 50 MB of pixels). A batch holds at least one image.
 */
const DECODE_BATCH = 64;
const DECODE_BATCH_BYTES = 2 * 1024 * 1024;

/**
 * Storage cut to its `used` length. Spare capacity up to 1/32 of it stays behind the view rather than being
 * copied away: copying the 47 MB of 60,000 MNIST images took about a tenth of a load in Chromium (and, for a moment,
 * twice the memory). `readSplit` reserves close to the count, so the spare is small when the estimate was good.
 */
function trim<T extends Uint8Array | Int32Array>(storage: T, used: number): T {
  if (storage.length === used) return storage;
  return (storage.length - used <= used / 32 ? storage.subarray(0, used) : storage.slice(0, used)) as T;
}

const utf8 = new TextDecoder();
const RAW_NOT_ENCODED = text('tf_hint_raw_not_encoded');

/** True if every pixel of an RGBA image has R = G = B. */
function isGray(data: Uint8Array | Uint8ClampedArray): boolean {
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return false;
  }
  return true;
}

/**
 * Decodes the records of one split into compact storage. Storage grows geometrically; `finish` trims it.
 * Every record must match the schema: same image feature and kind, same pixel count.
 */
function maxOf(values: Int32Array): number {
  let max = -1;
  for (const v of values) if (v > max) max = v;
  return max;
}

export class SplitBuilder {
  /** A copy of the schema given; an encoded split's shape is filled in by its first decoded image. */
  readonly schema: FeatureSchema;
  private pixels: number;
  private capacity: number;
  private count = 0;
  private images: Uint8Array;
  private labels: Int32Array | null;
  private readonly ids: string[] | null;
  private maxLabel = -1;
  /** 1 for each label seen so far; `firstOfLabel` has where. */
  private readonly labelSeen = new Uint8Array(MAX_CLASSES);
  private readonly firstOfLabel = new Map<number, RecordContext>();
  private readonly unlabelled: UnlabelledRecords;
  /** Records left out for having no label (`unlabelled: 'skip'`). */
  unlabelledSkipped = 0;
  private readonly floats: Float32Array;
  private readonly scalar = new Float64Array(2);
  /** The record being added, for errors (`failPixel`'s too); one object, updated per record. */
  private readonly ctx: RecordContext = { file: '', record: -1, offset: -1 };
  /** Finds the image, label and id features of each record (in that order) without a Map per record. */
  private readonly locator: FeatureLocator;
  private readonly failPixel = (value: number, index: number): never => {
    throw this.pixelError(value, index, '0..255');
  };
  /** Encoded images read but not yet decoded, with their slot in `images`. */
  private pending: { bytes: Uint8Array; slot: number; ctx: RecordContext }[] = [];

  /**
   * @param expectedRecords initial capacity (a good guess saves copies; it grows as needed).
   * @param unlabelled what a record without a label does (see the module comment).
   */
  constructor(schema: FeatureSchema, expectedRecords = 1024, unlabelled: UnlabelledRecords = 'keep') {
    this.schema = { ...schema };
    this.unlabelled = unlabelled;
    this.pixels = schema.height * schema.width * schema.depth;
    this.capacity = Math.max(16, Math.ceil(expectedRecords));
    this.images = new Uint8Array(this.capacity * this.pixels);
    this.labels = schema.labelKey === null ? null : new Int32Array(this.capacity);
    this.ids = schema.idKey === null ? null : [];
    this.floats = new Float32Array(schema.imageKind === 'float' ? this.pixels : 0);
    this.locator = new FeatureLocator([schema.imageKey, schema.labelKey ?? '', schema.idKey ?? '']);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes one stored record takes: its image (0 until an encoded split's first image is decoded) and label. */
  get recordBytes(): number {
    return this.pixels + (this.labels ? 4 : 0);
  }

  /** Encoded images waiting for `decodePending`. */
  get pendingImages(): number {
    return this.pending.length;
  }

  add(record: Uint8Array, file: string, index: number, offset: number): void {
    const { ctx } = this;
    ctx.file = file;
    ctx.record = index;
    ctx.offset = offset;
    const { schema, pixels, locator } = this;
    locator.locate(record, ctx);
    const [ref, labelRef, idRef] = locator.found;
    if (this.count === this.capacity) this.grow();

    if (!ref) {
      throw new TFRecordError(
        'no-image',
        text('tf_missing_feature', { key: schema.imageKey }),
        file,
        index,
        offset,
        text('tf_hint_first_has'),
      );
    }
    if (ref.kind !== (schema.imageKind === 'encoded' ? 'bytes' : schema.imageKind)) {
      throw new TFRecordError(
        'no-image',
        text('tf_kind_changed', {
          key: schema.imageKey,
          kind: LIST_NAME[ref.kind],
          first: schema.imageKind === 'encoded' ? text('tf_list_encoded') : LIST_NAME[schema.imageKind],
        }),
        file,
        index,
        offset,
      );
    }
    // The label first: a record left out for having none must not have written its image into the next slot (int64
    // images are written into storage assumed zeroed).
    const label = this.labels ? this.readLabel(record, labelRef, ctx) : -1;
    if (label < 0 && this.labels && this.unlabelled !== 'keep') {
      if (this.unlabelled === 'skip') {
        this.unlabelledSkipped++;
        return;
      }
      throw new TFRecordError(
        'no-label',
        text('tf_no_label', { key: schema.labelKey ?? '' }),
        file,
        index,
        offset,
        text('tf_hint_no_label'),
      );
    }
    const at = this.count * pixels;
    let n = pixels;
    if (schema.imageKind === 'encoded') {
      const values = readBytesList(record, ref, ctx);
      if (values.length !== 1) {
        throw new TFRecordError(
          'no-image',
          text('tf_byte_strings_encoded', { key: schema.imageKey, count: values.length }),
          file,
          index,
          offset,
        );
      }
      // A copy: the record's bytes belong to a chunk that is let go once split.
      this.pending.push({ bytes: values[0].slice(), slot: this.count, ctx: { ...ctx } });
    } else if (ref.kind === 'int64') {
      // Each record's slot is written once, into storage that starts zeroed (new, or grown and copied).
      n = readUint8Into(record, ref, this.images, at, pixels, ctx, this.failPixel, true);
    } else if (ref.kind === 'float') {
      n = readFloatInto(record, ref, this.floats, 0, pixels, ctx);
      if (n === pixels) this.storeFloats(at);
    } else {
      const values = readBytesList(record, ref, ctx);
      if (values.length !== 1) {
        if (values.length && encodedFormat(values[0]))
          throw encodedError(schema.imageKey, encodedFormat(values[0])!, ctx, RAW_NOT_ENCODED);
        throw new TFRecordError(
          'image-size',
          text('tf_byte_strings_raw', { key: schema.imageKey, count: values.length }),
          file,
          index,
          offset,
        );
      }
      n = values[0].length;
      if (n === pixels) this.images.set(values[0], at);
    }
    if (n !== pixels) {
      const format = ref.kind === 'bytes' ? encodedFormat(readBytesList(record, ref, ctx)[0]) : null;
      if (format) throw encodedError(schema.imageKey, format, ctx, RAW_NOT_ENCODED);
      const { height, width, depth } = schema;
      throw new TFRecordError(
        'image-size',
        text('tf_image_values', { key: schema.imageKey, n, pixels, height, width, depth }),
        file,
        index,
        offset,
        text('tf_hint_one_size'),
      );
    }

    if (this.labels) this.labels[this.count] = label;
    if (this.ids) this.ids.push(this.readId(record, idRef, ctx));
    this.count++;
  }

  /**
   * Decodes the encoded images read so far, in order, into storage. The first sets the split's shape and depth;
   * the first to fail throws 'image-decode', one of another size 'image-size'.
   */
  async decodePending(decode: ImageDecodeFn): Promise<void> {
    while (this.pending.length) {
      let take = 1;
      let bytes = this.pending[0].bytes.length;
      while (take < Math.min(DECODE_BATCH, this.pending.length)) {
        bytes += this.pending[take].bytes.length;
        if (bytes > DECODE_BATCH_BYTES) break;
        take++;
      }
      const batch = this.pending.splice(0, take);
      const results = await Promise.allSettled(batch.map((p) => decode(p.bytes)));
      for (const [i, result] of results.entries()) {
        const { bytes, slot, ctx } = batch[i];
        if (result.status === 'fulfilled') {
          const { width, height, data } = result.value;
          if (width >= 1 && height >= 1 && data.length === width * height * 4) {
            this.place(result.value, slot, ctx);
            continue;
          }
        }
        const reason: unknown = result.status === 'rejected' ? result.reason : text('tf_hint_no_pixels');
        throw new TFRecordError(
          'image-decode',
          text('tf_image_decode', {
            key: this.schema.imageKey,
            format: encodedFormat(bytes) ?? text('tf_unknown_format'),
            bytes: bytes.length,
          }),
          ctx.file,
          ctx.record,
          ctx.offset,
          // The browser's own reason for a failed decode is in its words (English here).
          reason instanceof Error ? reason.message : isUserText(reason) ? reason : String(reason),
        );
      }
    }
  }

  private place(image: RgbaImage, slot: number, ctx: RecordContext): void {
    const { schema } = this;
    const { width, height, data } = image;
    const gray = isGray(data);
    if (this.pixels === 0) {
      schema.height = height;
      schema.width = width;
      schema.depth = gray ? 1 : 3;
      this.pixels = height * width * schema.depth;
      this.images = new Uint8Array(Math.min(this.capacity, 256) * this.pixels);
    } else if (height !== schema.height || width !== schema.width) {
      throw new TFRecordError(
        'image-size',
        text('tf_image_pixels', {
          key: schema.imageKey,
          height,
          width,
          expectedHeight: schema.height,
          expectedWidth: schema.width,
        }),
        ctx.file,
        ctx.record,
        ctx.offset,
        text('tf_hint_one_size'),
      );
    } else if (!gray && schema.depth === 1) {
      this.widen();
    }
    const { pixels } = this;
    const at = slot * pixels;
    if (at + pixels > this.images.length) {
      const grown = new Uint8Array(Math.max(2 * this.images.length, at + pixels));
      grown.set(this.images);
      this.images = grown;
    }
    const { images } = this;
    if (schema.depth === 1) {
      for (let i = 0, j = 0; i < pixels; i++, j += 4) images[at + i] = data[j];
    } else {
      for (let i = 0, j = 0; i < pixels; i += 3, j += 4) {
        images[at + i] = data[j];
        images[at + i + 1] = data[j + 1];
        images[at + i + 2] = data[j + 2];
      }
    }
  }

  /** From 1 to 3 channels: a colour image came after grayscale ones. */
  private widen(): void {
    const gray = this.images;
    const rgb = new Uint8Array(gray.length * 3);
    for (let i = 0; i < gray.length; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i];
    this.images = rgb;
    this.schema.depth = 3;
    this.pixels *= 3;
  }

  /**
   * Sets the capacity to `records` (never below the count so far): called early with a better estimate, it costs a
   * copy of the few records read so far instead of a copy of all of them later.
   */
  reserve(records: number): void {
    const capacity = Math.max(16, this.count, Math.ceil(records));
    if (capacity !== this.capacity) this.resize(capacity);
  }

  /**
   * Adds the records of `other`, decoded elsewhere with this builder's schema (a piece of the same split, see
   * parallel.ts), after the records so far. `origin`: where `other`'s piece starts in its file, to place the records
   * it names.
   */
  append(other: DecodedSplit, origin: PieceOrigin = { record: 0, offset: 0 }): void {
    const { pixels } = this;
    if (other.schema.height * other.schema.width * other.schema.depth !== pixels)
      throw new Error('SplitBuilder.append: the records have another image size');
    if ((other.labels === null) !== (this.labels === null))
      throw new Error(
        'SplitBuilder.append: the records have labels where these have none, or none where these have',
      );
    const count = this.count + other.count;
    if (count > this.capacity) this.resize(count);
    this.images.set(other.images.subarray(0, other.count * pixels), this.count * pixels);
    if (this.labels && other.labels) {
      this.labels.set(other.labels.subarray(0, other.count), this.count);
      this.maxLabel = Math.max(this.maxLabel, maxOf(other.labels.subarray(0, other.count)));
    }
    if (this.ids && other.ids) for (const id of other.ids) this.ids.push(id);
    for (const [label, at] of other.firstOfLabel) {
      if (this.labelSeen[label]) continue;
      this.labelSeen[label] = 1;
      this.firstOfLabel.set(label, {
        file: at.file,
        record: at.record + origin.record,
        offset: at.offset + origin.offset,
      });
    }
    this.count = count;
  }

  finish(): DecodedSplit {
    if (this.pending.length)
      throw new Error('SplitBuilder.finish: encoded images are still waiting to be decoded');
    const { count, pixels } = this;
    const images = trim(this.images, count * pixels);
    const labels = this.labels && trim(this.labels, count);
    const numClasses = Math.max(2, this.maxLabel + 1);
    const classCounts = new Array<number>(numClasses).fill(0);
    if (labels) for (const label of labels) if (label >= 0) classCounts[label]++;
    return {
      count,
      schema: this.schema,
      images,
      labels,
      ids: this.ids,
      numClasses,
      classCounts,
      firstOfLabel: new Map(this.firstOfLabel),
    };
  }

  private grow(): void {
    this.resize(this.capacity * 2);
  }

  private resize(capacity: number): void {
    this.capacity = capacity;
    // Decoded images grow on their own in `place`: their size is unknown when the capacity is guessed.
    if (this.schema.imageKind !== 'encoded') {
      const images = new Uint8Array(capacity * this.pixels);
      images.set(this.images.subarray(0, this.count * this.pixels));
      this.images = images;
    }
    if (this.labels) {
      const labels = new Int32Array(capacity);
      labels.set(this.labels.subarray(0, this.count));
      this.labels = labels;
    }
  }

  /** Scales and rounds the float image in `this.floats` into bytes; ±0.5 of the range is rounding, beyond is an error. */
  private storeFloats(at: number): void {
    const { floats, images, pixels } = this;
    const scale = this.schema.floatScale;
    for (let i = 0; i < pixels; i++) {
      const v = floats[i] * scale;
      if (!(v >= -0.5 && v < 255.5)) throw this.pixelError(floats[i], i, scale === 255 ? '0..1' : '0..255');
      images[at + i] = (v + 0.5) | 0;
    }
  }

  private pixelError(value: number, index: number, range: string): TFRecordError {
    const { file, record, offset } = this.ctx;
    return new TFRecordError(
      'no-image',
      text('tf_pixel_range', { index, key: this.schema.imageKey, value, range }),
      file,
      record,
      offset,
      text('tf_hint_8bit'),
    );
  }

  private readLabel(record: Uint8Array, ref: FeatureRef | null, ctx: RecordContext): number {
    if (!ref) return -1;
    // The usual label, one packed int64 below 128 (list body 0a 01 xx): read directly.
    const { start } = ref;
    if (
      ref.kind === 'int64' &&
      ref.end - start === 3 &&
      record[start] === 0x0a &&
      record[start + 1] === 1 &&
      record[start + 2] < 0x80
    ) {
      const label = record[start + 2];
      if (!this.labelSeen[label]) this.seen(label, ctx);
      return label;
    }
    const key = this.schema.labelKey ?? '';
    const bad = (what: UserText) => new TFRecordError('bad-label', what, ctx.file, ctx.record, ctx.offset);
    if (ref.kind === 'bytes') throw bad(text('tf_label_bytes', { key }));
    const v = this.scalar;
    const n =
      ref.kind === 'int64'
        ? readInt64Into(record, ref, v, 0, 2, ctx)
        : readFloatInto(record, ref, v, 0, 2, ctx);
    if (n === 0) return -1;
    if (n > 1) throw bad(text('tf_label_multi', { key, n }));
    const label = v[0];
    if (!Number.isInteger(label)) throw bad(text('tf_label_not_int', { key, label }));
    if (label < 0) throw bad(text('tf_label_negative', { key, label }));
    if (label >= MAX_CLASSES) throw bad(text('tf_label_too_big', { key, label, max: MAX_CLASSES - 1 }));
    if (!this.labelSeen[label]) this.seen(label, ctx);
    return label;
  }

  /** A label's first record (a new label also may be a new largest one). */
  private seen(label: number, ctx: RecordContext): void {
    this.labelSeen[label] = 1;
    this.firstOfLabel.set(label, { ...ctx });
    if (label > this.maxLabel) this.maxLabel = label;
  }

  private readId(record: Uint8Array, ref: FeatureRef | null, ctx: RecordContext): string {
    if (!ref) return '';
    if (ref.kind === 'bytes') {
      const values = readBytesList(record, ref, ctx);
      return values.length ? utf8.decode(values[0]) : '';
    }
    if (ref.kind === 'int64') return readInt64Strings(record, ref, ctx)[0] ?? '';
    const n = readFloatInto(record, ref, this.scalar, 0, 1, ctx);
    return n ? String(this.scalar[0]) : '';
  }
}
