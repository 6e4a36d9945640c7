/**
 * TFRecord reading for the worker and for Node tests: framing + CRC32C, `tf.train.Example` decoding, schema
 * detection, and `readSplit`, which turns one split's files into compact typed arrays.
 */
import {
  detectSchema,
  listFeatures,
  type FeatureInfo,
  type FeatureSchema,
  type SchemaOverride,
} from './schema';
import {
  SplitBuilder,
  type DecodedSplit,
  type ImageDecodeFn,
  type PieceOrigin,
  type UnlabelledRecords,
} from './split-builder';
import { TFRecordError } from './errors';
import { text } from '../shared/errors';
import { megabytes } from '../shared/format';
import { HEADER_BYTES, FOOTER_BYTES, RecordSplitter, decodedChunks, type Compression } from './records';

export { crc32c, maskCrc, maskedCrc32c } from './crc32c';
export { TFRecordError, isTFRecordError, type TFRecordErrorCode } from './errors';
export {
  DEFAULT_MAX_RECORD_BYTES,
  READ_BYTES,
  RecordSplitter,
  decodedChunks,
  detectCompression,
  readRecords,
  splitRecords,
  type Compression,
  type RecordOptions,
  type StreamOptions,
  type TFRecord,
} from './records';
export {
  WIRE_EGROUP,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_SGROUP,
  WIRE_VARINT,
  type RecordContext,
} from './protobuf';
export {
  FeatureLocator,
  countValues,
  indexExample,
  parseExample,
  readBytesList,
  readFloatInto,
  readInt64Into,
  readInt64Strings,
  readUint8Into,
  type FeatureKind,
  type FeatureRef,
  type NumericArray,
  type ParsedFeature,
  type ValueRange,
} from './example';
export {
  ID_KEYS,
  IMAGE_KEYS,
  LABEL_KEYS,
  MAX_CLASSES,
  detectSchema,
  encodedFormat,
  listFeatures,
  type FeatureInfo,
  type FeatureSchema,
  type SchemaOverride,
} from './schema';
export {
  SplitBuilder,
  type DecodedSplit,
  type ImageDecodeFn,
  type PieceOrigin,
  type RgbaImage,
  type UnlabelledRecords,
} from './split-builder';
export { PEEK_BYTES, estimateSplit, probeSplit, type SplitEstimate } from './estimate';

export interface ReadProgress {
  file: string;
  /** Bytes of this file read so far (compressed bytes for a gzip/zlib file). */
  bytesRead: number;
  /** The file's size. */
  bytesTotal: number;
  /** Records decoded so far in this file. */
  records: number;
}

export interface ReadSplitOptions {
  /** Called at the start and end of each file and about every 512 KiB in between. */
  onProgress?: (p: ReadProgress) => void;
  /**
   * Skip records whose data CRC fails instead of stopping, and, with `requireLabels`, records without a label; the
   * result counts them in `skipped`.
   */
  skipBadRecords?: boolean;
  /**
   * Every record must have a label (training and validation data): one without is a 'no-label' error, or skipped
   * with `skipBadRecords`; a split whose first record has no label feature at all is a 'no-label' error. Without it,
   * a record without a label gets -1 (test data).
   */
  requireLabels?: boolean;
  /**
   * Where the bytes read start in their file (a piece of it, see parallel.ts): added to the record index and offset
   * the decoded records are known by (errors of the records' contents, `firstOfLabel`).
   */
  origin?: PieceOrigin;
  /** Aborting stops the read between chunks and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The user's choice of image, label and id features, over what detection picks. */
  schema?: SchemaOverride;
  /** Decodes encoded (PNG/JPEG) images; without it, a split of encoded images is a 'no-image' error. */
  decodeImage?: ImageDecodeFn;
  /**
   * Refuse the split ('too-large') once it would take more than this many bytes (images and labels as stored): as
   * soon as what is stored exceeds it, or earlier, once an eighth of the files' bytes (or 8 MiB) is read, when the
   * projection to the whole split exceeds it by a quarter. For files whose size does not tell the record count
   * (compressed, encoded images); the others are best estimated before reading (`estimateSplit`).
   */
  maxBytes?: number;
  /**
   * The schema to read with, instead of detecting one from the first record (readers of a range of records, which
   * must decode exactly as the rest of their split: see parallel.ts). The user's `schema` choice is then ignored.
   */
  knownSchema?: FeatureSchema;
  /**
   * Size the storage for this many file bytes rather than the files' own: a reader of a split's first piece that
   * appends the other pieces' records after its own (see parallel.ts).
   */
  storageFor?: number;
  /** Add the records to this storage (after what it holds) instead of new storage; `knownSchema` must be its schema. */
  into?: SplitBuilder;
}

/** A split as read from its files: its decoded records, and what the reading found (files, skipped records, features). */
export interface LoadedSplit extends DecodedSplit {
  /** Records skipped for a bad data CRC or, with `requireLabels`, for having no label (only with skipBadRecords). */
  skipped: number;
  /** Each file's records in the split (skipped ones not counted). */
  files: { name: string; bytes: number; records: number }[];
  /** The features of the split's first record, to choose an override from. */
  features: FeatureInfo[];
}

const SLICE_BYTES = 512 * 1024;
/** `maxBytes`: bytes read before a projection may refuse a split (or an eighth of it), and the margin. */
const PROJECT_AFTER_BYTES = 8 * 1024 * 1024;
const PROJECTION_MARGIN = 1.25;

/**
 * Reads one split from its files, in order (several shards make one split), into compact storage. The schema is
 * detected on the first record and every record of every file must match it. Throws a TFRecordError on the first
 * problem; nothing partial is returned.
 */
export async function readSplit(files: Blob[], opts: ReadSplitOptions = {}): Promise<LoadedSplit> {
  const { builder, ...rest } = await readSplitInto(files, opts);
  return { ...builder.finish(), ...rest };
}

/** `readSplit`, up to the storage still open for more records (`SplitBuilder.append`). */
export async function readSplitInto(
  files: Blob[],
  opts: ReadSplitOptions = {},
): Promise<Omit<LoadedSplit, keyof DecodedSplit> & { builder: SplitBuilder }> {
  const { onProgress, signal } = opts;
  if (files.length === 0) throw new TFRecordError('no-records', text('tf_no_files'), '(no file)');
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const storageBytes = opts.storageFor ?? totalBytes;
  let builder: SplitBuilder | null = opts.into ?? null;
  let features: FeatureInfo[] = [];
  const decode = async () => {
    const b = builder as SplitBuilder | null;
    if (b?.pendingImages) await b.decodePending(opts.decodeImage!);
  };
  let skipped = 0;
  const unlabelled: UnlabelledRecords = !opts.requireLabels
    ? 'keep'
    : opts.skipBadRecords
      ? 'skip'
      : 'refuse';
  const origin = opts.origin ?? { record: 0, offset: 0 };
  const summaries: LoadedSplit['files'] = [];
  /** Bytes of the files already read. */
  let doneBytes = 0;
  /** Throws 'too-large' when the split will not fit in `maxBytes`; `read`: bytes of the current file read so far. */
  const checkSize = (name: string, read: number) => {
    const b = builder as SplitBuilder | null;
    if (opts.maxBytes === undefined || !b) return;
    const stored = b.size * b.recordBytes;
    const readAll = doneBytes + read;
    const projected = readAll > 0 ? (stored * totalBytes) / readAll : stored;
    const projecting = readAll >= Math.min(PROJECT_AFTER_BYTES, totalBytes / 8);
    if (stored > opts.maxBytes || (projecting && projected > opts.maxBytes * PROJECTION_MARGIN)) {
      throw new TFRecordError(
        'too-large',
        text('tf_too_large'),
        name,
        -1,
        -1,
        text('tf_hint_too_large', {
          need: megabytes(Math.max(projected, stored)),
          have: megabytes(opts.maxBytes),
          records: b.size,
        }),
      );
    }
  };

  for (const [i, blob] of files.entries()) {
    signal?.throwIfAborted();
    const name = (blob as File).name || `file ${i + 1}`;
    if (blob.size === 0) throw new TFRecordError('empty', text('tf_empty'), name, 0, 0);
    let compression: Compression = 'none';
    const splitter = new RecordSplitter(name, { skipBadRecords: opts.skipBadRecords });
    let rawBytesRead = 0;
    let reported = 0;
    const progress = () => {
      // Uncompressed, count what was decoded; compressed, what was read (the only figure comparable to the size).
      const bytesRead = compression === 'none' ? splitter.bytes : rawBytesRead;
      reported = bytesRead;
      onProgress?.({ file: name, bytesRead, bytesTotal: blob.size, records: splitter.records });
    };
    progress();

    const unlabelledBefore = builder?.unlabelledSkipped ?? 0;
    const add = (data: Uint8Array, fileIndex: number, fileOffset: number) => {
      const index = fileIndex + origin.record;
      const offset = fileOffset + origin.offset;
      if (!builder) {
        // Size the storage from the first record when the bytes are not compressed. It is a guess (it grows as
        // needed), and a safe one: every pixel takes at least one byte in the file, so it stays near the files' size.
        const framed = data.length + HEADER_BYTES + FOOTER_BYTES;
        const guess = compression === 'none' ? Math.ceil((storageBytes / framed) * 1.05) : 1024;
        const schema = opts.knownSchema ?? detectSchema(data, name, index, offset, opts.schema);
        if (schema.imageKind === 'encoded' && !opts.decodeImage) {
          throw new TFRecordError(
            'no-image',
            text('tf_encoded_images_any', { key: schema.imageKey }),
            name,
            index,
            offset,
            text('tf_hint_no_decoder'),
          );
        }
        if (schema.labelKey === null && unlabelled !== 'keep') {
          throw new TFRecordError(
            'no-label',
            text('tf_no_label_feature'),
            name,
            index,
            offset,
            text('tf_hint_no_label_feature'),
          );
        }
        features = listFeatures(data, { file: name, record: index, offset });
        builder = new SplitBuilder(schema, guess, unlabelled);
      }
      builder.add(data, name, index, offset);
    };
    /** Once the first slice is read, the records' average size there gives the count closely: reserve that. */
    let estimated = i > 0 || opts.into !== undefined;
    const chunks = decodedChunks(blob.stream(), name, {
      signal,
      onRead: (n) => (rawBytesRead = n),
      onCompression: (c) => (compression = splitter.compression = c),
    });
    for await (const chunk of chunks) {
      // A read may be several MiB (READ_BYTES): decode it in slices, to report progress and see an abort.
      for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
        splitter.push(chunk.subarray(at, at + SLICE_BYTES), add);
        if (!estimated && compression === 'none' && splitter.records > 0) {
          estimated = true;
          builder!.reserve((storageBytes / (splitter.bytes / splitter.records)) * 1.02);
        }
        await decode();
        signal?.throwIfAborted();
        checkSize(name, compression === 'none' ? splitter.bytes : rawBytesRead);
        if ((compression === 'none' ? splitter.bytes : rawBytesRead) - reported >= SLICE_BYTES) progress();
      }
    }
    splitter.end();
    await decode();
    progress();
    if (splitter.records === 0) {
      throw new TFRecordError(
        'no-records',
        text('tf_no_records'),
        name,
        -1,
        -1,
        splitter.skipped ? text('tf_hint_all_crc', { count: splitter.skipped }) : '',
      );
    }
    const leftOut = builder!.unlabelledSkipped - unlabelledBefore;
    if (splitter.records === leftOut) {
      throw new TFRecordError(
        'no-records',
        text('tf_no_records'),
        name,
        -1,
        -1,
        text('tf_hint_all_unlabelled', { count: leftOut }),
      );
    }
    skipped += splitter.skipped + leftOut;
    summaries.push({ name, bytes: blob.size, records: splitter.records - leftOut });
    doneBytes += blob.size;
    checkSize(name, 0);
  }

  // A file with no records throws above, so the builder exists here.
  return { builder: (builder as SplitBuilder | null)!, skipped, files: summaries, features };
}
