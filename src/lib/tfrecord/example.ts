/**
 * `tf.train.Example` decoding, by hand (the schema is tiny and fixed):
 *
 *   Example   { Features features = 1; }
 *   Features  { map<string, Feature> feature = 1; }        // entry: string key = 1; Feature value = 2
 *   Feature   { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
 *   BytesList { repeated bytes value = 1; }
 *   FloatList { repeated float value = 1 [packed = true]; }
 *   Int64List { repeated int64 value = 1 [packed = true]; }
 *
 * Built for speed over tens of thousands of 784-pixel records: `indexExample` is a first pass that returns, for
 * each feature key, its kind and the byte range of its list message, without decoding values; the typed readers
 * (`readInt64Into`, `readFloatInto`) then decode one list straight into a typed array at an offset, with no JS array
 * per value. Packed and unpacked repeated fields are both accepted (also mixed), unknown fields are skipped, int64
 * values beyond ±(2^53 − 1) are an 'int64-range' error rather than a silent rounding, and any malformed protobuf is a
 * 'not-example' error. `parseExample` decodes everything generically, for schema detection and tests.
 */
import { ProtoReader, WIRE_I32, WIRE_LEN, WIRE_VARINT, malformed, type RecordContext } from './protobuf';

/** Field numbers of the messages above. */
const EXAMPLE_FEATURES: number = 1;
const FEATURES_FEATURE: number = 1;
const ENTRY_KEY: number = 1;
const ENTRY_VALUE: number = 2;
const FEATURE_BYTES_LIST: number = 1;
const FEATURE_FLOAT_LIST: number = 2;
const FEATURE_INT64_LIST: number = 3;
const LIST_VALUE: number = 1;

const NO_CONTEXT: RecordContext = { file: '(bytes)', record: -1, offset: -1 };

export type FeatureKind = 'bytes' | 'float' | 'int64';

/** One feature of a record: its kind and the byte range of its list message (BytesList/FloatList/Int64List) body. */
export interface FeatureRef {
  kind: FeatureKind;
  start: number;
  end: number;
}

export type ParsedFeature =
  | { kind: 'int64'; values: number[] }
  | { kind: 'float'; values: Float32Array }
  | { kind: 'bytes'; values: Uint8Array[] };

export type NumericArray =
  Uint8Array | Uint8ClampedArray | Int32Array | Uint32Array | Float32Array | Float64Array;

/** A value range a caller requires; `fail` throws the caller's own error for a value outside it. */
export interface ValueRange {
  min: number;
  max: number;
  fail: (value: number, index: number) => never;
}

const utf8 = new TextDecoder();

/**
 * Feature keys repeat in every record of a file: the last few decoded are kept with their bytes, and a key whose
 * bytes match one of them is that string again, without building a new one (which was a good part of the
 * garbage made per record).
 */
const KEY_CACHE_SIZE = 16;
const keyCache: { bytes: Uint8Array; key: string }[] = [];
let keyCacheNext = 0;

function decodeKey(b: Uint8Array, start: number, end: number): string {
  const length = end - start;
  search: for (const entry of keyCache) {
    const known = entry.bytes;
    if (known.length !== length) continue;
    for (let i = 0; i < length; i++) if (known[i] !== b[start + i]) continue search;
    return entry.key;
  }
  const key = utf8.decode(b.subarray(start, end));
  if (length <= 64) {
    keyCache[keyCacheNext] = { bytes: b.slice(start, end), key };
    keyCacheNext = (keyCacheNext + 1) % KEY_CACHE_SIZE;
  }
  return key;
}

/** Called for each map entry of an Example's features: the key's byte range and the feature (kind null: none set). */
type EntryVisitor = (
  keyStart: number,
  keyEnd: number,
  kind: FeatureKind | null,
  start: number,
  end: number,
) => void;

/**
 * The walk over a serialized `tf.train.Example` that `indexExample` and `FeatureLocator` share: each map entry of
 * `features`, in order, with its key's byte range and its list's kind and byte range; values are not decoded.
 * Throws 'not-example' on malformed bytes.
 */
function walkFeatures(r: ProtoReader, visit: EntryVisitor): void {
  const end = r.bytes.length;
  while (r.next(end)) {
    if (r.field !== EXAMPLE_FEATURES || r.wire !== WIRE_LEN) {
      r.skip(end);
      continue;
    }
    const featuresEnd = r.lenEnd(end);
    while (r.next(featuresEnd)) {
      if (r.field !== FEATURES_FEATURE || r.wire !== WIRE_LEN) {
        r.skip(featuresEnd);
        continue;
      }
      const entryEnd = r.lenEnd(featuresEnd);
      let keyStart = 0;
      let keyEnd = 0;
      let kind: FeatureKind | null = null;
      let start = 0;
      let listEnd = 0;
      while (r.next(entryEnd)) {
        if (r.field === ENTRY_KEY && r.wire === WIRE_LEN) {
          keyEnd = r.lenEnd(entryEnd);
          keyStart = r.pos;
          r.pos = keyEnd;
        } else if (r.field === ENTRY_VALUE && r.wire === WIRE_LEN) {
          const featureEnd = r.lenEnd(entryEnd);
          while (r.next(featureEnd)) {
            const k: FeatureKind | null =
              r.wire !== WIRE_LEN
                ? null
                : r.field === FEATURE_BYTES_LIST
                  ? 'bytes'
                  : r.field === FEATURE_FLOAT_LIST
                    ? 'float'
                    : r.field === FEATURE_INT64_LIST
                      ? 'int64'
                      : null;
            if (k === null) {
              r.skip(featureEnd);
              continue;
            }
            kind = k;
            listEnd = r.lenEnd(featureEnd);
            start = r.pos;
            r.pos = listEnd;
          }
        } else {
          r.skip(entryEnd);
        }
      }
      visit(keyStart, keyEnd, kind, start, listEnd);
    }
  }
}

/**
 * First pass over a serialized `tf.train.Example`: each feature key with its kind and the byte range of its list.
 * Map entries follow protobuf semantics (a repeated key keeps the last value); a Feature with no kind set is left
 * out. Throws 'not-example' on malformed bytes.
 */
export function indexExample(bytes: Uint8Array, ctx: RecordContext = NO_CONTEXT): Map<string, FeatureRef> {
  const features = new Map<string, FeatureRef>();
  walkFeatures(new ProtoReader(bytes, 0, ctx), (keyStart, keyEnd, kind, start, end) => {
    const key = decodeKey(bytes, keyStart, keyEnd);
    if (kind) features.set(key, { kind, start, end });
    else features.delete(key);
  });
  return features;
}

const utf8Encoder = new TextEncoder();

/**
 * `indexExample` for the hot loop over a split's records, when the keys wanted are known: finds those features
 * with no Map, no key strings and no objects per record (keys are compared as bytes). The same walk, so the same
 * semantics: the last entry of a key wins, an entry with no kind set removes the key.
 */
export class FeatureLocator {
  /** The features found by the last `locate`, in the order of the keys given; null where absent. */
  readonly found: (FeatureRef | null)[];
  private readonly keys: Uint8Array[];
  private readonly refs: FeatureRef[];
  private readonly reader = new ProtoReader(new Uint8Array(0), 0, NO_CONTEXT);
  private bytes: Uint8Array = new Uint8Array(0);
  private readonly visit: EntryVisitor = (keyStart, keyEnd, kind, start, end) => {
    const { keys, bytes } = this;
    const length = keyEnd - keyStart;
    search: for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key.length !== length) continue;
      for (let j = 0; j < length; j++) if (key[j] !== bytes[keyStart + j]) continue search;
      if (kind === null) {
        this.found[i] = null;
      } else {
        const ref = this.refs[i];
        ref.kind = kind;
        ref.start = start;
        ref.end = end;
        this.found[i] = ref;
      }
    }
  };

  constructor(keys: string[]) {
    this.keys = keys.map((k) => utf8Encoder.encode(k));
    this.refs = keys.map(() => ({ kind: 'int64', start: 0, end: 0 }));
    this.found = keys.map(() => null);
  }

  /** Finds the keys in `bytes`; the refs in `found` are reused by the next call. */
  locate(bytes: Uint8Array, ctx: RecordContext): void {
    this.found.fill(null);
    this.bytes = bytes;
    walkFeatures(this.reader.reset(bytes, 0, ctx), this.visit);
  }
}

/** Number of values in a feature's list, without decoding them (bytes: number of byte strings). */
export function countValues(bytes: Uint8Array, ref: FeatureRef, ctx: RecordContext = NO_CONTEXT): number {
  const r = new ProtoReader(bytes, ref.start, ctx);
  let n = 0;
  while (r.next(ref.end)) {
    if (r.field !== LIST_VALUE) {
      r.skip(ref.end);
    } else if (ref.kind === 'bytes') {
      if (r.wire !== WIRE_LEN) r.skip(ref.end);
      else {
        r.pos = r.lenEnd(ref.end);
        n++;
      }
    } else if (r.wire === WIRE_LEN) {
      const e = r.lenEnd(ref.end);
      if (ref.kind === 'float') {
        if ((e - r.pos) % 4) malformed(ctx, 'packed float list length not a multiple of 4', r.pos);
        n += (e - r.pos) / 4;
      } else {
        // Every varint ends with exactly one byte below 0x80.
        if (e > r.pos && bytes[e - 1] >= 0x80)
          malformed(ctx, 'packed varint list ends inside a value', e - 1);
        for (let p = r.pos; p < e; p++) if (bytes[p] < 0x80) n++;
      }
      r.pos = e;
    } else if (
      (ref.kind === 'float' && r.wire === WIRE_I32) ||
      (ref.kind === 'int64' && r.wire === WIRE_VARINT)
    ) {
      r.skip(ref.end);
      n++;
    } else {
      r.skip(ref.end);
    }
  }
  return n;
}

/**
 * Decodes an int64 list into `out[at …]`, writing at most `limit` values; returns how many values the list holds
 * (which may exceed `limit`: compare it with what you expected). Values outside `range` call `range.fail`.
 */
export function readInt64Into(
  bytes: Uint8Array,
  ref: FeatureRef,
  out: NumericArray,
  at = 0,
  limit = out.length - at,
  ctx: RecordContext = NO_CONTEXT,
  range?: ValueRange,
): number {
  const min = range ? range.min : -Infinity;
  const max = range ? range.max : Infinity;
  const r = new ProtoReader(bytes, ref.start, ctx);
  const end = ref.end;
  let n = 0;
  while (r.next(end)) {
    if (r.field !== LIST_VALUE) {
      r.skip(end);
    } else if (r.wire === WIRE_LEN) {
      const e = r.lenEnd(end);
      if (e > r.pos && bytes[e - 1] >= 0x80) malformed(ctx, 'packed varint list ends inside a value', e - 1);
      // The run's last byte is below 0x80, so every varint in it ends inside it: no bounds check per byte.
      let p = r.pos;
      while (p < e) {
        const b0 = bytes[p];
        let v: number;
        if (b0 < 0x80) {
          v = b0;
          p++;
        } else if (bytes[p + 1] < 0x80) {
          v = (b0 & 0x7f) | (bytes[p + 1] << 7);
          p += 2;
        } else {
          r.pos = p;
          v = r.int64(e);
          p = r.pos;
        }
        if (v < min || v > max) range!.fail(v, n);
        if (n < limit) out[at + n] = v;
        n++;
      }
      r.pos = e;
    } else if (r.wire === WIRE_VARINT) {
      const v = r.int64(end);
      if (v < min || v > max) range!.fail(v, n);
      if (n < limit) out[at + n] = v;
      n++;
    } else {
      r.skip(end);
    }
  }
  return n;
}

/**
 * `readInt64Into` specialised for 8-bit pixels, the hot path of loading a split: values 0..255 go straight into a
 * Uint8Array; anything else calls `outOfRange` with the exact value. `out[at, at + limit)` is overwritten (zeros
 * past the list's end). With `outIsZero` (the caller vouches that those bytes are zeros already) runs of 0
 * pixels, most of a digit, are skipped without being written.
 *
 * A packed list of 8-bit pixels is one or two bytes per value: 0..127 is one byte, 128..255 the low seven bits
 * with the high bit set, then 0x01. A loop over the packed bytes takes exactly those; any other value (larger,
 * negative, or padded to more bytes) leaves it for the one exact per-value decode, which unpacked values also use.
 */
export function readUint8Into(
  bytes: Uint8Array,
  ref: FeatureRef,
  out: Uint8Array,
  at: number,
  limit: number,
  ctx: RecordContext,
  outOfRange: (value: number, index: number) => never,
  outIsZero = false,
): number {
  const room = Math.max(0, Math.min(limit, out.length - at));
  if (!outIsZero) out.fill(0, at, at + room);
  const r = new ProtoReader(bytes, ref.start, ctx);
  const end = ref.end;
  let n = 0;
  while (r.next(end)) {
    if (r.field !== LIST_VALUE) {
      r.skip(end);
    } else if (r.wire === WIRE_VARINT) {
      const v = exactPixel(r, end, n, outOfRange);
      if (n < room) out[at + n] = v;
      n++;
    } else if (r.wire === WIRE_LEN) {
      const e = r.lenEnd(end);
      // The run's last byte is below 0x80, so every varint in it ends inside it: no bounds check per byte.
      if (e > r.pos && bytes[e - 1] >= 0x80) malformed(ctx, 'packed varint list ends inside a value', e - 1);
      let p = r.pos;
      for (;;) {
        while (p < e) {
          const x = bytes[p];
          if (x === 0) {
            const run = p;
            while (++p < e && bytes[p] === 0);
            n += p - run;
            continue;
          }
          if (x >= 0x80 && bytes[p + 1] !== 1) break;
          if (n < room) out[at + n] = x; // 128..255: the low seven bits and the high bit are x itself
          p += 1 + (x >>> 7);
          n++;
        }
        if (p === e) break;
        r.pos = p;
        const v = exactPixel(r, e, n, outOfRange);
        if (n < room) out[at + n] = v;
        n++;
        p = r.pos;
      }
      r.pos = e;
    } else {
      r.skip(end);
    }
  }
  return n;
}

/** One pixel value decoded exactly: what the packed loop leaves, and every unpacked value. */
function exactPixel(
  r: ProtoReader,
  end: number,
  index: number,
  outOfRange: (value: number, index: number) => never,
): number {
  const v = r.int64(end);
  if (v < 0 || v > 255) outOfRange(v, index);
  return v;
}

/** Decodes a float list into `out[at …]`, writing at most `limit` values; returns how many values the list holds. */
export function readFloatInto(
  bytes: Uint8Array,
  ref: FeatureRef,
  out: NumericArray,
  at = 0,
  limit = out.length - at,
  ctx: RecordContext = NO_CONTEXT,
): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new ProtoReader(bytes, ref.start, ctx);
  const end = ref.end;
  let n = 0;
  while (r.next(end)) {
    if (r.field !== LIST_VALUE) {
      r.skip(end);
    } else if (r.wire === WIRE_LEN) {
      const e = r.lenEnd(end);
      if ((e - r.pos) % 4) malformed(ctx, 'packed float list length not a multiple of 4', r.pos);
      const stop = Math.min(e, r.pos + Math.max(0, limit - n) * 4);
      for (let p = r.pos; p < stop; p += 4) out[at + n++] = view.getFloat32(p, true);
      n += (e - stop) / 4;
      r.pos = e;
    } else if (r.wire === WIRE_I32) {
      if (end - r.pos < 4) malformed(ctx, 'float runs past the end of its message', r.pos);
      if (n < limit) out[at + n] = view.getFloat32(r.pos, true);
      n++;
      r.pos += 4;
    } else {
      r.skip(end);
    }
  }
  return n;
}

/** The byte strings of a bytes list, as views of `bytes`. */
export function readBytesList(
  bytes: Uint8Array,
  ref: FeatureRef,
  ctx: RecordContext = NO_CONTEXT,
): Uint8Array[] {
  const r = new ProtoReader(bytes, ref.start, ctx);
  const values: Uint8Array[] = [];
  while (r.next(ref.end)) {
    if (r.field === LIST_VALUE && r.wire === WIRE_LEN) {
      const e = r.lenEnd(ref.end);
      values.push(bytes.subarray(r.pos, e));
      r.pos = e;
    } else {
      r.skip(ref.end);
    }
  }
  return values;
}

/** An int64 list's values as exact decimal strings (no 2^53 limit): for ids, which may be 64-bit hashes. */
export function readInt64Strings(
  bytes: Uint8Array,
  ref: FeatureRef,
  ctx: RecordContext = NO_CONTEXT,
): string[] {
  const r = new ProtoReader(bytes, ref.start, ctx);
  const values: string[] = [];
  const exact = (end: number): string => {
    let v = 0n;
    let shift = 0n;
    const start = r.pos;
    for (let i = 0; i < 10; i++) {
      if (r.pos >= end) malformed(ctx, 'varint runs past the end of its message', r.pos);
      const x = bytes[r.pos++];
      v |= BigInt(x & 0x7f) << shift;
      if (x < 0x80) return BigInt.asIntN(64, v).toString();
      shift += 7n;
    }
    return malformed(ctx, 'varint longer than 10 bytes', start);
  };
  while (r.next(ref.end)) {
    if (r.field !== LIST_VALUE) {
      r.skip(ref.end);
    } else if (r.wire === WIRE_LEN) {
      const e = r.lenEnd(ref.end);
      while (r.pos < e) values.push(exact(e));
    } else if (r.wire === WIRE_VARINT) {
      values.push(exact(ref.end));
    } else {
      r.skip(ref.end);
    }
  }
  return values;
}

/** Decodes every feature of a record into plain values (schema detection, tests, debugging). */
export function parseExample(bytes: Uint8Array, ctx: RecordContext = NO_CONTEXT): Map<string, ParsedFeature> {
  const out = new Map<string, ParsedFeature>();
  for (const [key, ref] of indexExample(bytes, ctx)) {
    if (ref.kind === 'bytes') {
      out.set(key, { kind: 'bytes', values: readBytesList(bytes, ref, ctx) });
    } else if (ref.kind === 'float') {
      const values = new Float32Array(countValues(bytes, ref, ctx));
      readFloatInto(bytes, ref, values, 0, values.length, ctx);
      out.set(key, { kind: 'float', values });
    } else {
      const values = new Float64Array(countValues(bytes, ref, ctx));
      readInt64Into(bytes, ref, values, 0, values.length, ctx);
      out.set(key, { kind: 'int64', values: Array.from(values) });
    }
  }
  return out;
}
