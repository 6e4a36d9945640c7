/**
 * Which features of a `tf.train.Example` hold the image, the label and the id, read from a split's first record
 * (`detectSchema`), and the features a record offers the user to choose from (`listFeatures`). The split builder
 * (./split-builder.ts) then holds every record to the schema found here.
 *
 * Supported image features: an int64_list of pixel values 0..255 (the starter code's `image_raw`), a bytes_list
 * holding one raw uint8 pixel buffer (TensorFlow's classic `convert_to_records`, with height/width/depth features),
 * a float_list in 0..1 or 0..255, and one encoded image (PNG, JPEG, GIF, WebP) in a bytes_list (`image/encoded`, the
 * cats-vs-dogs and quickdraw starters' schema).
 *
 * Decisions:
 *  - A float image whose first record stays within 0..1 is taken as 0..1 (scale 255), else as 0..255 (scale 1).
 *  - Without height/width features the shape is a square with depth 1 (784 → 28×28×1), else a square with depth 3
 *    (3072 → 32×32×3).
 *  - Labels are int64 (or integer-valued floats), one value per record, 0 ≤ label < MAX_CLASSES.
 */
import { TFRecordError } from './errors';
import { text, type UserText } from '../shared/errors';
import {
  countValues,
  indexExample,
  readBytesList,
  readFloatInto,
  readInt64Into,
  type FeatureKind,
  type FeatureRef,
} from './example';
import type { RecordContext } from './protobuf';

export interface FeatureSchema {
  imageKey: string;
  imageKind: 'int64' | 'bytes' | 'float' | 'encoded';
  /** Multiplier from stored float values to 0..255 pixels (1 for int64 and bytes images). */
  floatScale: 1 | 255;
  height: number;
  width: number;
  depth: number;
  labelKey: string | null;
  idKey: string | null;
}

/** The user's choice of features, over what detection picks: `null` for the label or id means "none". */
export interface SchemaOverride {
  imageKey?: string;
  labelKey?: string | null;
  idKey?: string | null;
}

/** One feature of a record, as shown to the user to choose from. */
export interface FeatureInfo {
  key: string;
  kind: FeatureKind;
  /** Values in the list (byte strings for a bytes_list). */
  values: number;
}

/** Labels must be below this: a larger one is taken for a corrupt or non-class feature. */
export const MAX_CLASSES = 100_000;

export const IMAGE_KEYS = ['image_raw', 'image', 'pixels', 'x', 'features'] as const;
export const LABEL_KEYS = ['label', 'image/class/label', 'class', 'labels', 'y'] as const;
export const ID_KEYS = ['id', 'image_id', 'image/filename', 'image/id'] as const;
const HEIGHT_KEYS = ['height', 'image/height'];
const WIDTH_KEYS = ['width', 'image/width'];
const DEPTH_KEYS = ['depth', 'image/channels', 'channels', 'image/depth'];
const ENCODED_KEY = 'image/encoded';
/** Never taken for the image when picking the largest list. */
const NOT_IMAGE = new Set<string>([
  ...LABEL_KEYS,
  ...ID_KEYS,
  ...HEIGHT_KEYS,
  ...WIDTH_KEYS,
  ...DEPTH_KEYS,
  ENCODED_KEY,
  'image/format',
]);

export const LIST_NAME = { int64: 'int64_list', float: 'float_list', bytes: 'bytes_list' } as const;

export function encodedFormat(b: Uint8Array): string | null {
  const starts = (...sig: number[]) => sig.every((x, i) => b[i] === x);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'PNG';
  if (starts(0xff, 0xd8, 0xff)) return 'JPEG';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'GIF';
  if (starts(0x52, 0x49, 0x46, 0x46) && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) {
    return 'WebP';
  }
  return null;
}

export function encodedError(
  key: string,
  format: string,
  ctx: RecordContext,
  hint: UserText = text('tf_hint_no_decoder'),
): TFRecordError {
  return new TFRecordError(
    'no-image',
    text('tf_encoded_images', { key, format }),
    ctx.file,
    ctx.record,
    ctx.offset,
    hint,
  );
}

type FeatureRole = 'image' | 'label' | 'id';
const ROLE_TEXT = { image: 'tf_role_image', label: 'tf_role_label', id: 'tf_role_id' } as const;

/** The format of a bytes feature holding one or more encoded images, else null. */
function encodedFeature(bytes: Uint8Array, ref: FeatureRef, ctx: RecordContext): string | null {
  if (ref.kind !== 'bytes') return null;
  const values = readBytesList(bytes, ref, ctx);
  return values.length ? encodedFormat(values[0]) : null;
}

/** The features of a record, for the user to choose from. */
export function listFeatures(record: Uint8Array, ctx: RecordContext): FeatureInfo[] {
  return [...indexExample(record, ctx)].map(([key, ref]) => ({
    key,
    kind: ref.kind,
    values: countValues(record, ref, ctx),
  }));
}

function describeFeatures(bytes: Uint8Array, features: Map<string, FeatureRef>, ctx: RecordContext): string {
  return [...features]
    .map(([key, ref]) => `${key} (${LIST_NAME[ref.kind]} × ${countValues(bytes, ref, ctx)})`)
    .join(', ');
}

/** Number of pixel values a feature would give: its value count, or the length of its single byte string. */
function pixelCount(bytes: Uint8Array, ref: FeatureRef, ctx: RecordContext): number {
  if (ref.kind !== 'bytes') return countValues(bytes, ref, ctx);
  const values = readBytesList(bytes, ref, ctx);
  return values.length === 1 ? values[0].length : 0;
}

/** Checks that a feature holds one raw 8-bit image; returns its value count and float scale. */
function examineImage(
  bytes: Uint8Array,
  key: string,
  ref: FeatureRef,
  ctx: RecordContext,
): { size: number; floatScale: 1 | 255 } {
  const noImage = (what: UserText) => new TFRecordError('no-image', what, ctx.file, ctx.record, ctx.offset);
  if (ref.kind === 'bytes') {
    const values = readBytesList(bytes, ref, ctx);
    const format = values.length ? encodedFormat(values[0]) : null;
    if (format) throw encodedError(key, format, ctx);
    if (values.length !== 1) {
      throw noImage(text('tf_byte_strings_raw', { key, count: values.length }));
    }
    return { size: values[0].length, floatScale: 1 };
  }
  const size = countValues(bytes, ref, ctx);
  const values = new Float64Array(size);
  if (ref.kind === 'int64') readInt64Into(bytes, ref, values, 0, size, ctx);
  else readFloatInto(bytes, ref, values, 0, size, ctx);
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) throw noImage(text('tf_holds_nan', { key }));
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (ref.kind === 'int64') {
    if (min < 0 || max > 255) {
      throw noImage(text('tf_int_range', { key, min, max }));
    }
    return { size, floatScale: 1 };
  }
  if (min < -0.5 / 255 || max > 255.5) {
    throw noImage(text('tf_float_range', { key, min, max }));
  }
  return { size, floatScale: max <= 1 + 0.5 / 255 ? 255 : 1 };
}

function shapeValue(
  bytes: Uint8Array,
  features: Map<string, FeatureRef>,
  keys: string[],
  ctx: RecordContext,
): number | null {
  for (const key of keys) {
    const ref = features.get(key);
    if (!ref || ref.kind !== 'int64') continue;
    const v = new Float64Array(2);
    const n = readInt64Into(bytes, ref, v, 0, 2, ctx);
    if (n !== 1 || v[0] < 1) {
      throw new TFRecordError(
        'image-size',
        n === 1 ? text('tf_shape_value', { key, value: v[0] }) : text('tf_shape_values', { key, count: n }),
        ctx.file,
        ctx.record,
        ctx.offset,
      );
    }
    return v[0];
  }
  return null;
}

/** True if a label feature's first-record value is usable: one non-negative integer (int64 or float). */
function looksLikeLabel(
  bytes: Uint8Array,
  ref: FeatureRef,
  ctx: RecordContext,
  scalarOnly: boolean,
): boolean {
  if (ref.kind === 'bytes') return false;
  const v = new Float64Array(2);
  const n =
    ref.kind === 'int64' ? readInt64Into(bytes, ref, v, 0, 2, ctx) : readFloatInto(bytes, ref, v, 0, 2, ctx);
  if (scalarOnly) return n === 1 && Number.isInteger(v[0]);
  return n >= 1 && Number.isInteger(v[0]);
}

/** The label feature: the chosen one, a known name holding an integer, else any int64 scalar that is neither image, shape nor id. */
function pickLabel(
  record: Uint8Array,
  features: Map<string, FeatureRef>,
  imageKey: string,
  ctx: RecordContext,
  override: SchemaOverride,
  chosen: (role: FeatureRole, key: string) => FeatureRef,
): string | null {
  if (override.labelKey !== undefined) {
    if (override.labelKey === null) return null;
    if (chosen('label', override.labelKey).kind === 'bytes') {
      throw new TFRecordError(
        'bad-schema',
        text('tf_label_chosen_bytes', { key: override.labelKey }),
        ctx.file,
        ctx.record,
        ctx.offset,
      );
    }
    return override.labelKey;
  }
  const known = LABEL_KEYS.find((k) => {
    const ref = features.get(k);
    return k !== imageKey && ref !== undefined && looksLikeLabel(record, ref, ctx, false);
  });
  if (known !== undefined) return known;
  for (const [key, ref] of features) {
    if (key === imageKey || NOT_IMAGE.has(key) || ref.kind !== 'int64') continue;
    if (looksLikeLabel(record, ref, ctx, true)) return key;
  }
  return null;
}

/** The id feature: the chosen one, else a known name. */
function pickId(
  features: Map<string, FeatureRef>,
  imageKey: string,
  override: SchemaOverride,
  chosen: (role: FeatureRole, key: string) => FeatureRef,
): string | null {
  if (override.idKey !== undefined) {
    if (override.idKey !== null) chosen('id', override.idKey);
    return override.idKey;
  }
  return (
    ID_KEYS.find((k) => {
      const ref = features.get(k);
      return k !== imageKey && ref !== undefined && ref.kind !== 'float';
    }) ?? null
  );
}

/**
 * Detects the feature schema from a split's first record: which feature holds the image (and how), its shape, and
 * which features hold the label and the id. What `override` names replaces the detected choice. An encoded image's
 * shape is unknown until it is decoded: height, width and depth are 0 here. Throws 'not-example', 'no-image',
 * 'image-size' or 'bad-schema'.
 */
export function detectSchema(
  firstRecord: Uint8Array,
  file: string,
  record = 0,
  offset = 0,
  override: SchemaOverride = {},
): FeatureSchema {
  const ctx: RecordContext = { file, record, offset };
  const features = indexExample(firstRecord, ctx);
  if (features.size === 0) {
    throw new TFRecordError(
      'not-example',
      text('tf_no_features'),
      file,
      record,
      offset,
      text('tf_hint_not_example_like'),
    );
  }
  const chosen = (role: FeatureRole, key: string): FeatureRef => {
    const ref = features.get(key);
    if (ref) return ref;
    throw new TFRecordError(
      'bad-schema',
      text('tf_chosen_missing', { role: text(ROLE_TEXT[role]), key }),
      file,
      record,
      offset,
      text('tf_hint_record_has', { features: describeFeatures(firstRecord, features, ctx) }),
    );
  };

  // The image: the chosen one, a preferred name, image/encoded, else the largest list that holds 8-bit pixels.
  let imageKey: string | null = null;
  let image: { size: number; floatScale: 1 | 255 } | null = null;
  let encoded = false;
  /** An encoded image gives null: its size is known only once decoded. */
  const examine = (key: string, ref: FeatureRef) =>
    encodedFeature(firstRecord, ref, ctx) !== null ? null : examineImage(firstRecord, key, ref, ctx);
  const preferred = IMAGE_KEYS.find((k) => {
    const ref = features.get(k);
    if (ref === undefined) return false;
    // Several byte strings are no image, but under a preferred name the error should say so.
    return (
      pixelCount(firstRecord, ref, ctx) >= 2 ||
      (ref.kind === 'bytes' && countValues(firstRecord, ref, ctx) > 1)
    );
  });
  const pick = override.imageKey ?? preferred;
  if (pick !== undefined) {
    imageKey = pick;
    image = examine(pick, override.imageKey !== undefined ? chosen('image', pick) : features.get(pick)!);
    encoded = image === null;
  } else if (features.get(ENCODED_KEY)?.kind === 'bytes') {
    // Taken as encoded even without a known signature: the decoder then says what is wrong with it.
    imageKey = ENCODED_KEY;
    encoded = true;
  } else {
    const candidates = [...features]
      .filter(([key]) => !NOT_IMAGE.has(key))
      .map(([key, ref]) => ({ key, ref, size: pixelCount(firstRecord, ref, ctx) }))
      .filter((c) => c.size >= 2)
      .sort((a, b) => b.size - a.size); // stable: equal sizes keep record order
    let firstError: unknown = null;
    for (const c of candidates) {
      try {
        image = examine(c.key, c.ref);
        imageKey = c.key;
        encoded = image === null;
        break;
      } catch (e) {
        firstError ??= e;
      }
    }
    if (firstError !== null && imageKey === null) throw firstError;
  }
  if (imageKey === null || (image === null && !encoded)) {
    throw new TFRecordError(
      'no-image',
      text('tf_no_image_feature'),
      file,
      record,
      offset,
      text('tf_hint_expected_image', {
        keys: IMAGE_KEYS.join(', '),
        encoded: ENCODED_KEY,
        features: describeFeatures(firstRecord, features, ctx),
      }),
    );
  }
  const labelKey = pickLabel(firstRecord, features, imageKey, ctx, override, chosen);
  const idKey = pickId(features, imageKey, override, chosen);
  if (encoded) {
    return { imageKey, imageKind: 'encoded', floatScale: 1, height: 0, width: 0, depth: 0, labelKey, idKey };
  }
  const imageKind = features.get(imageKey)!.kind;
  const { size, floatScale } = image!;

  // The shape: from height/width/depth features, else a square.
  const h = shapeValue(firstRecord, features, HEIGHT_KEYS, ctx);
  const w = shapeValue(firstRecord, features, WIDTH_KEYS, ctx);
  const d = shapeValue(firstRecord, features, DEPTH_KEYS, ctx);
  let shape: [number, number, number] | null = null;
  if (h !== null || w !== null) {
    const depth = d ?? (h !== null && w !== null ? size / (h * w) : 1);
    const height = h ?? size / (w! * depth);
    const width = w ?? size / (h! * depth);
    if (![height, width, depth].every(Number.isInteger) || height * width * depth !== size) {
      throw new TFRecordError(
        'image-size',
        text('tf_shape_misfit', { key: imageKey, size, h: h ?? '?', w: w ?? '?', d: d ?? '?' }),
        file,
        record,
        offset,
      );
    }
    shape = [height, width, depth];
  } else {
    for (const depth of d !== null ? [d] : [1, 3]) {
      const side = Math.round(Math.sqrt(size / depth));
      if (side * side * depth === size) {
        shape = [side, side, depth];
        break;
      }
    }
    if (!shape) {
      throw new TFRecordError(
        'no-image',
        text('tf_shape_unknown', { key: imageKey, size }),
        file,
        record,
        offset,
        text('tf_hint_not_square'),
      );
    }
  }

  return {
    imageKey,
    imageKind,
    floatScale: imageKind === 'float' ? floatScale : 1,
    height: shape[0],
    width: shape[1],
    depth: shape[2],
    labelKey,
    idKey,
  };
}
