import { describe, expect, it } from 'vitest';
import {
  MAX_CLASSES,
  SplitBuilder,
  TFRecordError,
  detectSchema,
  type FeatureSchema,
} from '../../../src/lib/tfrecord';
import { encodeExample, type ExampleSpec } from '../../../src/lib/tfrecord/writer';

const int64 = (values: (number | bigint)[]) => ({ kind: 'int64' as const, values });
const float = (values: number[]) => ({ kind: 'float' as const, values });
const bytes = (values: (Uint8Array | string)[]) => ({ kind: 'bytes' as const, values });
const range = (n: number, f: (i: number) => number = (i) => i % 256) =>
  Array.from({ length: n }, (_, i) => f(i));

function detect(spec: ExampleSpec): FeatureSchema {
  return detectSchema(encodeExample(spec), 'a.tfrecords');
}

function fails(fn: () => unknown, code: string, message = ''): TFRecordError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TFRecordError);
    expect((e as TFRecordError).code).toBe(code);
    expect((e as TFRecordError).message).toContain(message);
    return e as TFRecordError;
  }
  throw new Error(`expected a TFRecordError ${code}`);
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]);

describe('detectSchema: the image', () => {
  it('prefers image_raw, image, pixels, x, features in that order', () => {
    const all = {
      features: int64(range(4)),
      x: int64(range(4)),
      pixels: int64(range(4)),
      image: int64(range(4)),
    };
    expect(detect({ ...all, image_raw: int64(range(4)) }).imageKey).toBe('image_raw');
    expect(detect(all).imageKey).toBe('image');
    expect(detect({ features: int64(range(9)), x: int64(range(4)) }).imageKey).toBe('x');
  });

  it('skips a preferred name that holds a scalar, and takes the largest list without one', () => {
    const schema = detect({
      x: int64([3]),
      small: int64(range(4)),
      big: int64(range(16)),
      extra: float([0.5, 0.5]),
    });
    expect(schema).toMatchObject({ imageKey: 'big', height: 4, width: 4, labelKey: 'x' });
  });

  it('passes over a larger list that does not hold pixels', () => {
    expect(detect({ stamps: int64(range(100, (i) => 1000 + i)), img: int64(range(9)) }).imageKey).toBe('img');
    fails(() => detect({ stamps: int64(range(100, (i) => 1000 + i)) }), 'no-image', 'values 1000..1099');
  });

  it('reads the shape from features, else a square of depth 1, else of depth 3', () => {
    expect(detect({ image_raw: int64(range(784)) })).toMatchObject({ height: 28, width: 28, depth: 1 });
    expect(detect({ image_raw: int64(range(3072)) })).toMatchObject({ height: 32, width: 32, depth: 3 });
    const raw = bytes([new Uint8Array(60)]);
    expect(
      detect({ image_raw: raw, height: int64([5]), width: int64([4]), depth: int64([3]) }),
    ).toMatchObject({
      imageKind: 'bytes',
      height: 5,
      width: 4,
      depth: 3,
    });
    expect(detect({ image_raw: raw, height: int64([5]), width: int64([4]) })).toMatchObject({ depth: 3 });
    expect(detect({ image_raw: raw, width: int64([6]) })).toMatchObject({ height: 10, width: 6, depth: 1 });
    expect(
      detect({
        image: raw,
        'image/height': int64([2]),
        'image/width': int64([10]),
        'image/channels': int64([3]),
      }),
    ).toMatchObject({ height: 2, width: 10, depth: 3 });
    expect(detect({ image_raw: int64(range(75)), depth: int64([3]) })).toMatchObject({
      height: 5,
      width: 5,
      depth: 3,
    });
  });

  it('refuses a shape it cannot infer, or that does not fit', () => {
    fails(() => detect({ image_raw: int64(range(50)) }), 'no-image', 'cannot infer the shape');
    fails(
      () => detect({ image_raw: int64(range(50)), height: int64([7]), width: int64([7]) }),
      'image-size',
      'do not fit height 7 × width 7',
    );
    fails(() => detect({ image_raw: int64(range(4)), height: int64([0]), width: int64([4]) }), 'image-size');
  });

  it('detects the float scale: 0..1 → 255, beyond 1 → 1', () => {
    expect(detect({ image: float(range(16, (i) => i / 15)) })).toMatchObject({
      imageKind: 'float',
      floatScale: 255,
    });
    expect(detect({ image: float(range(16, (i) => i * 17)) })).toMatchObject({ floatScale: 1 });
    expect(detect({ image_raw: int64(range(16)) }).floatScale).toBe(1);
    fails(() => detect({ image: float([...range(15), -3]) }), 'no-image', 'float values -3..14');
    fails(() => detect({ image: float([...range(15), 300]) }), 'no-image');
    fails(() => detect({ image: float([...range(15), NaN]) }), 'no-image', 'NaN');
  });

  it('refuses int64 pixels outside 0..255', () => {
    fails(() => detect({ image_raw: int64([...range(15), 256]) }), 'no-image', 'values 0..256');
    fails(() => detect({ image_raw: int64([...range(15), -1]) }), 'no-image');
  });

  it('detects encoded PNG/JPEG images under image/encoded, a known or any name; the shape waits for decoding', () => {
    const encoded = { imageKind: 'encoded', height: 0, width: 0, depth: 0 };
    expect(detect({ 'image/encoded': bytes([PNG]), label: int64([1]) })).toMatchObject({
      imageKey: 'image/encoded',
      labelKey: 'label',
      ...encoded,
    });
    expect(detect({ image: bytes([JPEG]) })).toMatchObject({ imageKey: 'image', ...encoded });
    expect(detect({ data: bytes([JPEG]) })).toMatchObject({ imageKey: 'data', ...encoded });
  });

  it('refuses a bytes image of several strings, and a record with no image', () => {
    fails(
      () => detect({ image_raw: bytes([new Uint8Array(4), new Uint8Array(4)]) }),
      'no-image',
      '2 byte strings',
    );
    fails(() => detect({ label: int64([1]) }), 'no-image', 'the record has label (int64_list × 1)');
    fails(() => detectSchema(new Uint8Array(0), 'a'), 'not-example', 'record has no features');
  });
});

describe('detectSchema: label and id', () => {
  const image_raw = int64(range(4));

  it('takes label, image/class/label, class, labels, y in that order, int64 or integer float', () => {
    expect(detect({ image_raw, y: int64([1]), label: int64([2]) }).labelKey).toBe('label');
    expect(detect({ image_raw, y: int64([1]), 'image/class/label': int64([2]) }).labelKey).toBe(
      'image/class/label',
    );
    expect(detect({ image_raw, y: float([1]), class: bytes(['cat']) }).labelKey).toBe('y');
    expect(detect({ image_raw, labels: int64([1, 2]) }).labelKey).toBe('labels');
  });

  it('else any int64 scalar that is not image, shape or id; else null', () => {
    expect(
      detect({ image_raw, height: int64([2]), width: int64([2]), id: int64([9]), digit: int64([3]) }),
    ).toMatchObject({ labelKey: 'digit', idKey: 'id' });
    expect(detect({ image_raw, name: bytes(['a']), score: float([0.5]) }).labelKey).toBeNull();
  });

  it('takes id, image_id, image/filename, image/id as int64 or bytes', () => {
    expect(detect({ image_raw, image_id: int64([1]) }).idKey).toBe('image_id');
    expect(detect({ image_raw, 'image/filename': bytes(['a.png']), 'image/id': int64([1]) }).idKey).toBe(
      'image/filename',
    );
    expect(detect({ image_raw, id: float([1]) }).idKey).toBeNull();
    expect(detect({ image_raw }).idKey).toBeNull();
  });
});

describe('SplitBuilder', () => {
  const schema: FeatureSchema = {
    imageKey: 'image_raw',
    imageKind: 'int64',
    floatScale: 1,
    height: 2,
    width: 3,
    depth: 1,
    labelKey: 'label',
    idKey: 'id',
  };
  const add = (b: SplitBuilder, spec: ExampleSpec, index = 0) =>
    b.add(encodeExample(spec), 'b.tfrecords', index, 100);

  it('keeps spare capacity within 1/32 behind the view instead of copying; reserve sets the capacity', () => {
    const b = new SplitBuilder(schema, 1);
    b.reserve(65); // 64 records in the end: one spare
    for (let i = 0; i < 64; i++)
      add(b, { image_raw: int64(range(6, (p) => (i + p) % 256)), label: int64([i % 3]) }, i);
    const split = b.finish();
    expect(split.images.length).toBe(64 * 6);
    expect(split.images.buffer.byteLength).toBe(65 * 6);
    expect(split.labels!.length).toBe(64);
    expect(Array.from(split.images.subarray(6 * 63))).toEqual(range(6, (p) => (63 + p) % 256));
    // reserve below the count keeps what was added.
    const c = new SplitBuilder(schema, 100);
    for (let i = 0; i < 20; i++) add(c, { image_raw: int64(range(6, (p) => (i * 3 + p) % 256)) }, i);
    c.reserve(5);
    add(c, { image_raw: int64(range(6, () => 9)) }, 20);
    const small = c.finish();
    expect(small.count).toBe(21);
    expect(Array.from(small.images.subarray(6 * 19, 6 * 21))).toEqual([
      ...range(6, (p) => (19 * 3 + p) % 256),
      ...range(6, () => 9),
    ]);
  });

  it('grows geometrically from a small start and trims on finish', () => {
    const b = new SplitBuilder(schema, 1);
    for (let i = 0; i < 100; i++) {
      add(
        b,
        { image_raw: int64(range(6, (p) => (i * 6 + p) % 256)), label: int64([i % 7]), id: int64([i]) },
        i,
      );
    }
    const split = b.finish();
    expect(split.count).toBe(100);
    expect(split.images.length).toBe(600);
    // 128 records of room: more than 1/32 spare, so the storage is copied to its size.
    expect(split.images.buffer.byteLength).toBe(600);
    expect(Array.from(split.images.subarray(6 * 42, 6 * 43))).toEqual(range(6, (p) => (42 * 6 + p) % 256));
    expect(split.labels?.length).toBe(100);
    expect(split.labels?.[50]).toBe(50 % 7);
    expect(split.ids?.[99]).toBe('99');
    expect(split.numClasses).toBe(7);
    expect(split.classCounts).toEqual([15, 15, 14, 14, 14, 14, 14]);
  });

  it('marks missing labels -1, counts only present ones, and keeps at least 2 classes', () => {
    const b = new SplitBuilder(schema);
    add(b, { image_raw: int64(range(6)), label: int64([0]) });
    add(b, { image_raw: int64(range(6)) });
    add(b, { image_raw: int64(range(6)), label: int64([]) });
    const split = b.finish();
    expect(Array.from(split.labels!)).toEqual([0, -1, -1]);
    expect(split.ids).toEqual(['', '', '']);
    expect(split.numClasses).toBe(2);
    expect(split.classCounts).toEqual([1, 0]);
  });

  it('refuses bad labels: negative, several, bytes, non-integer, too large', () => {
    const image_raw = int64(range(6));
    const b = new SplitBuilder(schema);
    fails(
      () => add(b, { image_raw, label: int64([-2]) }, 5),
      'bad-label',
      'negative (-2) in b.tfrecords, record 5 at byte 100',
    );
    fails(() => add(b, { image_raw, label: int64([1, 2]) }), 'bad-label', 'not multi-label');
    fails(() => add(b, { image_raw, label: bytes(['cat']) }), 'bad-label', 'bytes_list');
    fails(() => add(b, { image_raw, label: float([1.5]) }), 'bad-label', 'not an integer');
    fails(() => add(b, { image_raw, label: int64([MAX_CLASSES]) }), 'bad-label', 'limit');
    add(b, { image_raw, label: float([3]) });
    expect(b.finish().labels?.[0]).toBe(3);
  });

  it('refuses images of another size, kind, or missing', () => {
    const b = new SplitBuilder(schema);
    fails(() => add(b, { image_raw: int64(range(5)) }, 3), 'image-size', 'has 5 values, expected 6 (2×3×1)');
    fails(() => add(b, { image_raw: int64(range(7)) }), 'image-size', 'has 7 values');
    fails(() => add(b, { image_raw: float(range(6)) }), 'no-image', 'float_list here but a int64_list');
    fails(() => add(b, { pixels: int64(range(6)) }), 'no-image', 'no "image_raw" feature');
    fails(
      () => add(b, { image_raw: int64([1, 2, 3, 4, 5, 256]) }),
      'no-image',
      'pixel 5 of "image_raw" is 256',
    );
    fails(() => add(b, { image_raw: int64([1, 2, 3, 4, 5, 2n ** 54n]) }), 'int64-range');
    expect(b.finish().count).toBe(0);
  });

  it('scales and rounds float images, refusing values outside the range', () => {
    const b = new SplitBuilder({
      ...schema,
      imageKind: 'float',
      floatScale: 255,
      labelKey: null,
      idKey: null,
    });
    add(b, { image_raw: float([0, 1 / 255, 0.5, 254 / 255, 1, 1.0001]) });
    expect(Array.from(b.finish().images)).toEqual([0, 1, 128, 254, 255, 255]);
    fails(() => add(b, { image_raw: float([0, 0, 0, 0, 0, 1.1]) }), 'no-image', 'outside 0..1');
    fails(() => add(b, { image_raw: float([0, 0, 0, 0, 0, NaN]) }), 'no-image');
    const b1 = new SplitBuilder({
      ...schema,
      imageKind: 'float',
      floatScale: 1,
      labelKey: null,
      idKey: null,
    });
    add(b1, { image_raw: float([0, 1.4, 1.6, 254.5, 255, 255.4]) });
    expect(Array.from(b1.finish().images)).toEqual([0, 1, 2, 255, 255, 255]);
  });

  it('copies raw bytes images and decodes string ids', () => {
    const b = new SplitBuilder({ ...schema, imageKind: 'bytes', labelKey: null });
    add(b, { image_raw: bytes([new Uint8Array([9, 8, 7, 6, 5, 4])]), id: bytes(['ünïcode.png']) });
    fails(() => add(b, { image_raw: bytes([new Uint8Array(5)]) }), 'image-size', 'has 5 values');
    fails(() => add(b, { image_raw: bytes([]) }), 'image-size', '0 byte strings');
    const split = b.finish();
    expect(Array.from(split.images)).toEqual([9, 8, 7, 6, 5, 4]);
    expect(split.ids).toEqual(['ünïcode.png']);
    expect(split.labels).toBeNull();
  });
});
