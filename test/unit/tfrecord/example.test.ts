import { describe, expect, it } from 'vitest';
import {
  TFRecordError,
  FeatureLocator,
  countValues,
  indexExample,
  parseExample,
  readFloatInto,
  readInt64Into,
  readInt64Strings,
  readUint8Into,
  type ValueRange,
} from '../../../src/lib/tfrecord';
import { encodeExample } from '../../../src/lib/tfrecord/writer';

// A hand encoder for what writer.ts does not write: unpacked fields, unknown fields, groups, malformed bytes.
function varint(v: bigint | number): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}
const tag = (field: number, wire: number) => varint((field << 3) | wire);
const len = (field: number, body: number[]) => [...tag(field, 2), ...varint(body.length), ...body];
const ascii = (s: string) => Array.from(new TextEncoder().encode(s));
const f32 = (v: number) => Array.from(new Uint8Array(new Float32Array([v]).buffer));
/** Example { features { feature { key, value: Feature } ... } } from raw Feature bodies. */
function example(features: Record<string, number[]>, extra: number[] = []): Uint8Array {
  const entries = Object.entries(features).flatMap(([key, feature]) =>
    len(1, [...len(1, ascii(key)), ...len(2, feature)]),
  );
  return new Uint8Array([...len(1, entries), ...extra]);
}

function fails(fn: () => unknown, code: string): TFRecordError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TFRecordError);
    expect((e as TFRecordError).code).toBe(code);
    return e as TFRecordError;
  }
  throw new Error(`expected a TFRecordError ${code}`);
}

describe('parseExample', () => {
  it('decodes what writer.ts encodes: int64 (negative and ±(2^53 − 1) too), float, bytes, empty lists', () => {
    const bytes = encodeExample({
      ints: {
        kind: 'int64',
        values: [0, 1, 127, 128, 255, 300, -1, -300, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1)],
      },
      floats: { kind: 'float', values: [0, 0.5, -1.25, 1e30] },
      strings: { kind: 'bytes', values: ['a', '', 'é', new Uint8Array([0, 255])] },
      'empty/int64': { kind: 'int64', values: [] },
      'empty/float': { kind: 'float', values: [] },
      'empty/bytes': { kind: 'bytes', values: [] },
    });
    const parsed = parseExample(bytes);
    expect(parsed.get('ints')).toEqual({
      kind: 'int64',
      values: [0, 1, 127, 128, 255, 300, -1, -300, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1)],
    });
    expect(parsed.get('floats')).toEqual({ kind: 'float', values: new Float32Array([0, 0.5, -1.25, 1e30]) });
    const strings = parsed.get('strings');
    expect(strings?.kind).toBe('bytes');
    expect(strings?.values).toEqual([
      new Uint8Array([97]),
      new Uint8Array([]),
      new Uint8Array([0xc3, 0xa9]),
      new Uint8Array([0, 255]),
    ]);
    expect(parsed.get('empty/int64')).toEqual({ kind: 'int64', values: [] });
    expect(parsed.get('empty/float')).toEqual({ kind: 'float', values: new Float32Array([]) });
    expect(parsed.get('empty/bytes')).toEqual({ kind: 'bytes', values: [] });
    expect([...parsed.keys()]).toEqual([
      'ints',
      'floats',
      'strings',
      'empty/int64',
      'empty/float',
      'empty/bytes',
    ]);
  });

  it('accepts unpacked and mixed packed/unpacked repeated fields', () => {
    const bytes = example({
      // int64_list: unpacked 5, packed [6, 300], unpacked -2
      i: len(3, [
        ...tag(1, 0),
        ...varint(5),
        ...len(1, [...varint(6), ...varint(300)]),
        ...tag(1, 0),
        ...varint(-2),
      ]),
      // float_list: unpacked 1.5, packed [2.5, 3.5]
      f: len(2, [...tag(1, 5), ...f32(1.5), ...len(1, [...f32(2.5), ...f32(3.5)])]),
    });
    const parsed = parseExample(bytes);
    expect(parsed.get('i')).toEqual({ kind: 'int64', values: [5, 6, 300, -2] });
    expect(parsed.get('f')).toEqual({ kind: 'float', values: new Float32Array([1.5, 2.5, 3.5]) });
    const index = indexExample(bytes);
    expect(countValues(bytes, index.get('i')!)).toBe(4);
    expect(countValues(bytes, index.get('f')!)).toBe(3);
  });

  it('skips unknown fields of every wire type, groups included, at every level', () => {
    const unknown = [
      ...tag(9, 0),
      ...varint(2n ** 63n),
      ...tag(10, 1),
      ...[1, 2, 3, 4, 5, 6, 7, 8],
      ...len(11, ascii('junk')),
      ...tag(12, 5),
      ...[1, 2, 3, 4],
      ...tag(13, 3), // group 13 { field 1 varint; group 14 {} }
      ...tag(1, 0),
      ...varint(1),
      ...tag(14, 3),
      ...tag(14, 4),
      ...tag(13, 4),
    ];
    const feature = len(3, [...unknown, ...len(1, varint(42)), ...unknown]);
    const entry = [...unknown, ...len(1, ascii('k')), ...unknown, ...len(2, [...unknown, ...feature])];
    const bytes = new Uint8Array([
      ...unknown,
      ...len(1, [...unknown, ...len(1, entry), ...unknown]),
      ...unknown,
    ]);
    expect(parseExample(bytes).get('k')).toEqual({ kind: 'int64', values: [42] });
  });

  it('keeps the last value of a repeated key (protobuf map semantics)', () => {
    const bytes = example({ k: len(3, len(1, varint(1))) });
    const twice = new Uint8Array([...bytes, ...example({ k: len(2, len(1, f32(2))) })]);
    expect(parseExample(twice).get('k')).toEqual({ kind: 'float', values: new Float32Array([2]) });
  });

  it('leaves out a feature with no kind set; an empty record has no features', () => {
    expect(parseExample(example({ none: [] })).size).toBe(0);
    expect(parseExample(new Uint8Array(0)).size).toBe(0);
  });

  it('int64 beyond ±(2^53 − 1) is an int64-range error, not a rounding', () => {
    for (const v of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 2n ** 60n]) {
      const bytes = encodeExample({ big: { kind: 'int64', values: [1, v] } });
      const err = fails(() => parseExample(bytes), 'int64-range');
      expect(err.message).toContain(`int64 value ${v} is beyond`);
    }
    // Unpacked too.
    fails(() => parseExample(example({ big: len(3, [...tag(1, 0), ...varint(2n ** 53n)]) })), 'int64-range');
  });

  it('malformed protobuf is not-example, with the record context', () => {
    const good = encodeExample({ image_raw: { kind: 'int64', values: [1, 2, 300] } });
    const ctx = { file: 'a.tfrecords', record: 4, offset: 123 };
    const cases: Uint8Array[] = [
      good.subarray(0, good.length - 1), // a length runs past the end
      new Uint8Array([...good, 0x80]), // a varint tag that never ends
      new Uint8Array([0x0f]), // wire type 7
      new Uint8Array([0x0e, 0x00]), // wire type 6
      new Uint8Array([0x00, 0x00]), // field 0
      new Uint8Array([0x0c]), // an end-group with no group
      new Uint8Array([...tag(2, 3), ...tag(3, 4)]), // a mismatched end-group
      new Uint8Array([...tag(2, 3), ...tag(1, 0), 1]), // a group without end
      new Uint8Array([...tag(2, 1), 1, 2, 3]), // a fixed64 cut short
      new Uint8Array([...tag(2, 0), ...new Array(10).fill(0xff), 1]), // an 11-byte varint
      example({ i: len(3, len(1, [0x80])) }), // a packed varint run that ends inside a value
      example({ f: len(2, len(1, [0, 0, 0])) }), // a packed float run of 3 bytes
      example({ f: len(2, [...tag(1, 5), 0, 0]) }), // an unpacked float cut short
      new TextEncoder().encode('hello world, this is not a protobuf'),
    ];
    for (const bytes of cases) {
      const err = fails(() => parseExample(bytes, ctx), 'not-example');
      expect(err).toMatchObject({ file: 'a.tfrecords', record: 4, offset: 123 });
      expect(err.message).toMatch(
        /^tfrecord: not a tf\.train\.Example protobuf \(.* at byte \d+ of the record\) in a\.tfrecords, record 4 at byte 123$/,
      );
    }
  });

  it('groups nested past the limit are not-example, not a stack overflow', () => {
    const open = new Array(10000).fill(0).flatMap(() => tag(2, 3));
    fails(() => parseExample(new Uint8Array(open)), 'not-example');
  });
});

describe('typed readers', () => {
  const pixels = Array.from({ length: 784 }, (_, i) => (i * 7) % 256);
  const bytes = encodeExample({
    label: { kind: 'int64', values: [7] },
    image_raw: { kind: 'int64', values: pixels },
    floats: { kind: 'float', values: pixels.map((p) => p / 255) },
  });
  const index = indexExample(bytes);

  it('indexExample gives kinds and list byte ranges without decoding', () => {
    expect([...index].map(([k, r]) => [k, r.kind])).toEqual([
      ['label', 'int64'],
      ['image_raw', 'int64'],
      ['floats', 'float'],
    ]);
    const ref = index.get('floats')!;
    expect(ref.end - ref.start).toBe(1 + 2 + 784 * 4); // tag, 2-byte length, packed floats
  });

  it('readInt64Into decodes straight into a typed array at an offset', () => {
    const out = new Uint8Array(10 + 784);
    expect(readInt64Into(bytes, index.get('image_raw')!, out, 10, 784)).toBe(784);
    expect(Array.from(out.subarray(10))).toEqual(pixels);
    expect(out.subarray(0, 10).every((v) => v === 0)).toBe(true);
  });

  it('readInt64Into writes at most limit values and returns the full count', () => {
    const out = new Int32Array(4).fill(-9);
    expect(readInt64Into(bytes, index.get('image_raw')!, out, 1, 2)).toBe(784);
    expect(Array.from(out)).toEqual([-9, pixels[0], pixels[1], -9]);
  });

  it('readInt64Into calls range.fail for a value outside the range', () => {
    const range: ValueRange = {
      min: 0,
      max: 100,
      fail: (value, i) => {
        throw new Error(`value ${value} at ${i}`);
      },
    };
    expect(() =>
      readInt64Into(bytes, index.get('image_raw')!, new Uint8Array(784), 0, 784, undefined, range),
    ).toThrow(`value ${pixels.findIndex((p) => p > 100) * 7} at ${pixels.findIndex((p) => p > 100)}`);
  });

  it('readUint8Into gives the same pixels and counts with and without skipping zero runs', () => {
    const ctx = { file: 'f', record: 0, offset: 0 };
    const fail = (v: number): never => {
      throw new Error(`pixel ${v}`);
    };
    const images = [
      pixels,
      Array.from({ length: 784 }, (_, i) => (i % 97 < 60 ? 0 : (i * 13) % 256)), // zero runs, like a digit
      new Array<number>(784).fill(0),
      [0, 0, 0, 255, 0, 128, 0, 0],
    ];
    for (const image of images) {
      const record = encodeExample({ image_raw: { kind: 'int64', values: image } });
      const ref = indexExample(record).get('image_raw')!;
      for (const outIsZero of [false, true]) {
        const out = new Uint8Array(3 + image.length);
        expect(readUint8Into(record, ref, out, 3, image.length, ctx, fail, outIsZero)).toBe(image.length);
        expect(Array.from(out.subarray(3))).toEqual(image);
        // A limit below the count: the full count is returned, nothing written past the limit.
        const short = new Uint8Array(image.length);
        expect(readUint8Into(record, ref, short, 0, 2, ctx, fail, outIsZero)).toBe(image.length);
        expect(short.subarray(2).every((v) => v === 0)).toBe(true);
      }
    }
  });

  it('readUint8Into takes padded, mixed packed/unpacked and out-of-range values like readInt64Into', () => {
    const ctx = { file: 'f', record: 0, offset: 0 };
    const fail = (v: number, i: number): never => {
      throw new Error(`pixel ${v} at ${i}`);
    };
    // Int64List bodies: canonical 1- and 2-byte varints, padded encodings of small values (0 as 80 00, 1 as 81 80 00,
    // 200 as c8 81 00, 255 as ff 81 80 80 00), an unpacked value between two packed runs, unknown fields.
    const padded = [0x80, 0x00, 0x81, 0x80, 0x00, 0xc8, 0x81, 0x00, 0xff, 0x81, 0x80, 0x80, 0x00];
    const bodies: [number[], number[]][] = [
      [len(1, [5, 0, 0, 0x80, 0x01, 0xff, 0x01, 127]), [5, 0, 0, 128, 255, 127]],
      [len(1, padded), [0, 1, 200, 255]],
      [len(1, [0x80, 0x01, 0x80, 0x00, 0x02]), [128, 0, 2]],
      [
        [...len(1, [0, 9]), ...tag(1, 0), 0xfe, 0x01, ...tag(7, 0), 3, ...len(1, [0x81, 0x01, 0])],
        [0, 9, 254, 129, 0],
      ],
      [
        [...tag(1, 0), 0x80, 0x00, ...tag(1, 0), 4],
        [0, 4],
      ],
      [len(1, []), []],
    ];
    for (const [body, expected] of bodies) {
      const record = example({ image_raw: len(3, body) });
      const ref = indexExample(record).get('image_raw')!;
      const reference = new Float64Array(countValues(record, ref));
      readInt64Into(record, ref, reference, 0, reference.length);
      expect(Array.from(reference)).toEqual(expected);
      for (const outIsZero of [false, true]) {
        const out = new Uint8Array(expected.length + 2).fill(outIsZero ? 0 : 7);
        expect(readUint8Into(record, ref, out, 1, expected.length, ctx, fail, outIsZero)).toBe(
          expected.length,
        );
        expect(Array.from(out)).toEqual([outIsZero ? 0 : 7, ...expected, outIsZero ? 0 : 7]);
      }
    }
    // Out of range: the exact value and its index, whether packed (2 or more bytes) or unpacked.
    const outOfRange: [number[], string][] = [
      [len(1, [1, 0x80, 0x02]), 'pixel 256 at 1'],
      [len(1, [0, 0, 0xac, 0x02]), 'pixel 300 at 2'],
      [[...len(1, [1]), ...tag(1, 0), ...varint(-1)], 'pixel -1 at 1'],
      [len(1, [...varint(2 ** 40)]), `pixel ${2 ** 40} at 0`],
    ];
    for (const [body, message] of outOfRange) {
      const record = example({ image_raw: len(3, body) });
      const ref = indexExample(record).get('image_raw')!;
      expect(() => readUint8Into(record, ref, new Uint8Array(8), 0, 8, ctx, fail, true)).toThrow(message);
    }
    // A value cut short at the end of the list: not-example, also for an unpacked tag with no value.
    for (const body of [len(1, [1, 0x80]), [...tag(1, 0)]]) {
      const record = example({ image_raw: len(3, body) });
      const ref = indexExample(record).get('image_raw')!;
      fails(() => readUint8Into(record, ref, new Uint8Array(8), 0, 8, ctx, fail, true), 'not-example');
    }
  });

  it('FeatureLocator finds the wanted features like indexExample, last entry winning', () => {
    const record = example({
      label: len(3, [...tag(1, 0), 4]),
      other: len(1, len(1, ascii('x'))),
      image_raw: len(3, len(1, [1, 2, 3])),
    });
    // A repeated key: the last entry wins; an entry with no kind set removes the key.
    const twice = new Uint8Array([
      ...record,
      ...len(1, [...len(1, [...len(1, ascii('label')), ...len(2, len(2, []))])]),
      ...len(1, [...len(1, [...len(1, ascii('other')), ...len(2, [])])]),
    ]);
    const locator = new FeatureLocator(['image_raw', 'label', 'other', 'missing', 'é']);
    for (const bytes of [record, twice]) {
      const index = indexExample(bytes);
      locator.locate(bytes, { file: 'f', record: 0, offset: 0 });
      expect(locator.found.map((ref) => ref && { ...ref })).toEqual(
        ['image_raw', 'label', 'other', 'missing', 'é'].map((k) => index.get(k) ?? null),
      );
    }
    expect(locator.found[2]).toBeNull();
    expect(locator.found[1]!.kind).toBe('float');
    fails(() => locator.locate(record.subarray(0, 20), { file: 'f', record: 0, offset: 0 }), 'not-example');
  });

  it('readFloatInto decodes into a Float32Array or a Float64Array', () => {
    const out = new Float32Array(784);
    expect(readFloatInto(bytes, index.get('floats')!, out)).toBe(784);
    expect(Array.from(out)).toEqual(Array.from(new Float32Array(pixels.map((p) => p / 255))));
    const few = new Float64Array(3);
    expect(readFloatInto(bytes, index.get('floats')!, few, 1, 2)).toBe(784);
    expect(few[0]).toBe(0);
    expect(few[2]).toBe(Math.fround(7 / 255));
  });

  it('readInt64Strings is exact over the whole int64 range', () => {
    const ids = encodeExample({
      id: { kind: 'int64', values: [2n ** 63n - 1n, -(2n ** 63n), 9007199254740993n, 5] },
    });
    const ref = indexExample(ids).get('id')!;
    expect(readInt64Strings(ids, ref)).toEqual([
      '9223372036854775807',
      '-9223372036854775808',
      '9007199254740993',
      '5',
    ]);
  });

  it('works on a record that is a view into a larger buffer', () => {
    const big = new Uint8Array(bytes.length + 13);
    big.set(bytes, 5);
    const view = big.subarray(5, 5 + bytes.length);
    const ref = indexExample(view).get('floats')!;
    const out = new Float32Array(784);
    readFloatInto(view, ref, out);
    expect(out[1]).toBe(Math.fround(7 / 255));
  });
});
