import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { estimateSplit, readSplit } from '../../../src/lib/tfrecord';
import { encodeExample, writeTFRecords } from '../../../src/lib/tfrecord/writer';
import { decodePngAsync, encodePng } from '../../fixtures/tfrecord/png';
import { failure } from './failure';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const sample = join(root, 'public', 'sample', 'train.tfrecords');

const bytesOf = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

/** `count` records of `pixels` pseudo-random int64 pixels (MNIST-like varint sizes: 1 or 2 bytes each). */
function records(count: number, pixels: number, seed = 1): Uint8Array<ArrayBuffer> {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  return bytesOf(
    writeTFRecords(
      Array.from({ length: count }, (_, i) =>
        encodeExample({
          image_raw: { kind: 'int64', values: Array.from({ length: pixels }, () => next() % 256) },
          label: { kind: 'int64', values: [i % 10] },
        }),
      ),
    ),
  );
}

describe('estimateSplit: the bytes a split takes, before reading it', () => {
  it('the bundled sample: within 2% of what reading it takes', async () => {
    // public/sample is made by `npm test` (and the readSplit tests) before the unit tests run.
    expect(existsSync(sample)).toBe(true);
    const file = new File([readFileSync(sample)], 'train.tfrecords');
    const estimate = await estimateSplit([file]);
    const split = await readSplit([file]);
    const actual = split.images.byteLength + split.labels!.byteLength;
    expect(estimate).not.toBeNull();
    expect(estimate!.recordBytes).toBe(784 + 4);
    expect(Math.abs(estimate!.records - 8000) / 8000).toBeLessThan(0.02);
    expect(Math.abs(estimate!.bytes - actual) / actual).toBeLessThan(0.02);
  });

  it('several shards make one split: their sizes add up', async () => {
    const shards = [0, 1, 2].map((i) => new File([records(300, 100, i + 1)], `train-0000${i}`));
    const estimate = await estimateSplit(shards);
    expect(estimate!.records).toBeGreaterThan(880);
    expect(estimate!.records).toBeLessThan(920);
    expect(estimate!.bytes).toBe(estimate!.records * 104);
  });

  it('a record larger than the first read is read whole', async () => {
    const big = new File([records(3, 500 * 500)], 'big.tfrecords');
    expect(big.size).toBeGreaterThan(3 * 256 * 1024);
    const estimate = await estimateSplit([big]);
    expect(estimate!.records).toBe(3);
    expect(estimate!.bytes).toBe(3 * (500 * 500 + 4));
  });

  it('GZIP files: their uncompressed size from the trailer, the first records inflated', async () => {
    const plain = records(3000, 784);
    const estimate = await estimateSplit([new File([gzipSync(plain)], 'train.tfrecords.gz')]);
    const fromPlain = await estimateSplit([new File([plain], 'train.tfrecords')]);
    expect(estimate).toEqual(fromPlain);
    expect(Math.abs(estimate!.records - 3000) / 3000).toBeLessThan(0.02);
  });

  it('no estimate for zlib streams, encoded images, or what is not a TFRecord file', async () => {
    expect(await estimateSplit([new File([deflateSync(records(10, 100))], 'a.z')])).toBeNull();
    const png = encodePng(4, 4, 1, new Uint8Array(16).fill(7));
    const encoded = bytesOf(
      writeTFRecords([encodeExample({ 'image/encoded': { kind: 'bytes', values: [png] } })]),
    );
    expect(await estimateSplit([new File([encoded], 'png.tfrecords')])).toBeNull();
    expect(await estimateSplit([new File(['hello, world, not a record'], 'x.txt')])).toBeNull();
    expect(await estimateSplit([])).toBeNull();
  });
});

/** A split of `count` encoded 28×28 PNG images: its size is known only once decoded. */
function pngSplit(count: number): File {
  const images = Array.from({ length: count }, (_, i) =>
    encodeExample({
      'image/encoded': {
        kind: 'bytes',
        values: [
          encodePng(
            28,
            28,
            1,
            Uint8Array.from({ length: 784 }, (_, p) => (i * 7 + p * 13) % 256),
          ),
        ],
      },
      label: { kind: 'int64', values: [i % 10] },
    }),
  );
  return new File([bytesOf(writeTFRecords(images))], 'digits.tfrecords');
}

describe('readSplit maxBytes: refusing a split that does not fit, while reading', () => {
  const needs = 2000 * (784 + 4);

  it('encoded images over the limit: refused with the size the split needs, naming the file', async () => {
    const err = await failure(
      readSplit([pngSplit(2000)], { maxBytes: 200_000, decodeImage: decodePngAsync }),
    );
    expect(err.code).toBe('too-large');
    expect(err.file).toBe('digits.tfrecords');
    const m = /needs about ([\d.]+) MB, this tab can hold about ([\d.]+) MB/.exec(err.message);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBe(0.2);
    // The projection from the part read is near the true size (1.5 MB).
    expect(Math.abs(Number(m![1]) * 1024 * 1024 - needs) / needs).toBeLessThan(0.1);
    const records = Number(/reading stopped after (\d+) records/.exec(err.message)![1]);
    expect(records).toBeLessThan(2000);
  });

  it('a zlib stream over the limit is refused', async () => {
    const z = new File([deflateSync(records(2000, 784))], 'train.tfrecords.z');
    const err = await failure(readSplit([z], { maxBytes: 200_000 }));
    expect(err.code).toBe('too-large');
    expect(err.message).toMatch(
      /train\.tfrecords\.z: the split needs about [\d.]+ MB, this tab can hold about 0\.2 MB/,
    );
  });

  it('a split within the limit reads whole', async () => {
    const split = await readSplit([pngSplit(2000)], { maxBytes: needs, decodeImage: decodePngAsync });
    expect(split.count).toBe(2000);
  });
});
