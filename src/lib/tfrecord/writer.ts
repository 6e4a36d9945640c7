/**
 * TFRecord writing: the inverse of the reader, used to build the bundled sample, test fixtures and benchmark data.
 * Encodes `tf.train.Example` protos by hand (the schema is tiny and fixed).
 */
import { maskedCrc32c } from './crc32c';

export type FeatureValue =
  | { kind: 'int64'; values: ArrayLike<number | bigint> }
  | { kind: 'float'; values: ArrayLike<number> }
  | { kind: 'bytes'; values: (Uint8Array | string)[] };

export type ExampleSpec = Record<string, FeatureValue>;

class ByteSink {
  private buf = new Uint8Array(1024);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  varint(v: number | bigint): void {
    // int64 values are written as two's-complement 64-bit varints, as protobuf does for negative numbers.
    let x = BigInt.asUintN(64, BigInt(v));
    if (x < 0x80n) {
      this.byte(Number(x));
      return;
    }
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }
  smallVarint(v: number): void {
    while (v >= 0x80) {
      this.byte((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.byte(v);
  }
  tag(field: number, wireType: number): void {
    this.smallVarint((field << 3) | wireType);
  }
  lengthDelimited(field: number, body: Uint8Array): void {
    this.tag(field, 2);
    this.smallVarint(body.length);
    this.bytes(body);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8 = new TextEncoder();

function encodeFeature(f: FeatureValue): Uint8Array {
  const list = new ByteSink();
  if (f.kind === 'int64') {
    const packed = new ByteSink();
    for (let i = 0; i < f.values.length; i++) packed.varint(f.values[i]);
    if (f.values.length) list.lengthDelimited(1, packed.result());
  } else if (f.kind === 'float') {
    const floats = new Float32Array(Array.from(f.values));
    if (floats.length) list.lengthDelimited(1, new Uint8Array(floats.buffer));
  } else {
    for (const v of f.values) list.lengthDelimited(1, typeof v === 'string' ? utf8.encode(v) : v);
  }
  const feature = new ByteSink();
  // Feature.oneof kind: bytes_list = 1, float_list = 2, int64_list = 3.
  feature.lengthDelimited(f.kind === 'bytes' ? 1 : f.kind === 'float' ? 2 : 3, list.result());
  return feature.result();
}

/** Serialises a `tf.train.Example` { features { feature { key: value } } }. */
export function encodeExample(spec: ExampleSpec): Uint8Array {
  const features = new ByteSink();
  for (const [key, value] of Object.entries(spec)) {
    const entry = new ByteSink();
    entry.lengthDelimited(1, utf8.encode(key));
    entry.lengthDelimited(2, encodeFeature(value));
    features.lengthDelimited(1, entry.result());
  }
  const example = new ByteSink();
  example.lengthDelimited(1, features.result());
  return example.result();
}

/** Frames one record: uint64 length, masked CRC32C of the length, data, masked CRC32C of the data. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, true);
  view.setUint32(4, 0, true);
  view.setUint32(8, maskedCrc32c(out, 0, 8), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** Concatenates framed records into one TFRecord file's bytes. */
export function writeTFRecords(records: Uint8Array[]): Uint8Array {
  const framed = records.map(frameRecord);
  const out = new Uint8Array(framed.reduce((n, r) => n + r.length, 0));
  let offset = 0;
  for (const r of framed) {
    out.set(r, offset);
    offset += r.length;
  }
  return out;
}
