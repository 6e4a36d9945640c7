import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readSplit, type ReadProgress } from '../../../src/lib/tfrecord';
import { encodeExample, writeTFRecords } from '../../../src/lib/tfrecord/writer';
import { decodePngAsync, encodePng } from '../../fixtures/tfrecord/png';
import { failure } from './failure';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const sample = (split: string) => join(root, 'public', 'sample', `${split}.tfrecords`);

function shard(name: string, pixels: number, labels: number[], start = 0): File {
  const records = labels.map((label, i) =>
    encodeExample({
      image_raw: { kind: 'int64', values: Array.from({ length: pixels }, (_, p) => (start + i + p) % 256) },
      label: { kind: 'int64', values: [label] },
    }),
  );
  return new File([new Uint8Array(writeTFRecords(records))], name);
}

describe('readSplit on the bundled sample', () => {
  beforeAll(() => {
    // public/sample is generated (npm run sample; prestart/prebuild do it too): make it if this checkout lacks it.
    if (!['train', 'validation', 'test'].every((s) => existsSync(sample(s)))) {
      execFileSync('npx', ['tsx', 'scripts/make-sample.ts', '--if-missing'], { cwd: root, stdio: 'inherit' });
    }
  }, 120_000);

  it('train.tfrecords: 8000 records, 28×28×1, 10 classes, pixel max 255', async () => {
    const progress: ReadProgress[] = [];
    const bytes = readFileSync(sample('train'));
    const split = await readSplit([new File([bytes], 'train.tfrecords')], {
      onProgress: (p) => progress.push(p),
    });
    expect(split.count).toBe(8000);
    expect(split.schema).toEqual({
      imageKey: 'image_raw',
      imageKind: 'int64',
      floatScale: 1,
      height: 28,
      width: 28,
      depth: 1,
      labelKey: 'label',
      idKey: null,
    });
    expect(split.numClasses).toBe(10);
    expect(split.classCounts.reduce((a, b) => a + b, 0)).toBe(8000);
    expect(Math.min(...split.classCounts)).toBeGreaterThan(600);
    expect(split.images.length).toBe(8000 * 784);
    // 1 byte per pixel, and spare capacity behind the view within 1/32 (readSplit reserves the count it estimates
    // from the first records' size): 60,000 such images take 47,040,000 bytes, and less than 48.5 MB in all.
    expect(split.images.buffer.byteLength).toBeGreaterThanOrEqual(8000 * 784);
    expect(split.images.buffer.byteLength).toBeLessThanOrEqual(8000 * 784 * (1 + 1 / 32));
    expect(split.labels!.buffer.byteLength).toBeLessThanOrEqual(8000 * 4 * (1 + 1 / 32));
    expect(split.images.reduce((m, v) => Math.max(m, v), 0)).toBe(255);
    expect(split.labels!.every((l) => l >= 0 && l < 10)).toBe(true);
    expect(split.ids).toBeNull();
    expect(split.skipped).toBe(0);
    expect(split.files).toEqual([{ name: 'train.tfrecords', bytes: bytes.length, records: 8000 }]);
    expect(progress[0]).toEqual({
      file: 'train.tfrecords',
      bytesRead: 0,
      bytesTotal: bytes.length,
      records: 0,
    });
    expect(progress.at(-1)).toEqual({
      file: 'train.tfrecords',
      bytesRead: bytes.length,
      bytesTotal: bytes.length,
      records: 8000,
    });
    expect(progress.length).toBeGreaterThan(3);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].bytesRead).toBeGreaterThanOrEqual(progress[i - 1].bytesRead);
      expect(progress[i].records).toBeGreaterThanOrEqual(progress[i - 1].records);
    }
  });

  it('validation and test: 1000 records each, the same schema', async () => {
    for (const s of ['validation', 'test']) {
      const split = await readSplit([new File([readFileSync(sample(s))], `${s}.tfrecords`)]);
      expect(split.count).toBe(1000);
      expect(split.numClasses).toBe(10);
      expect(split.schema.height * split.schema.width).toBe(784);
    }
  });

  it('a gzip copy of validation decodes identically', async () => {
    const bytes = readFileSync(sample('validation'));
    const plain = await readSplit([new File([bytes], 'v.tfrecords')]);
    const packed = await readSplit([new File([gzipSync(bytes)], 'v.tfrecords.gz')]);
    expect(Buffer.from(packed.images).equals(Buffer.from(plain.images))).toBe(true);
    expect(Array.from(packed.labels!)).toEqual(Array.from(plain.labels!));
  });
});

describe('readSplit', () => {
  it('reads shards in order as one split', async () => {
    const split = await readSplit([shard('a-0', 4, [0, 1], 0), shard('a-1', 4, [2, 2, 2], 2)]);
    expect(split.count).toBe(5);
    expect(Array.from(split.labels!)).toEqual([0, 1, 2, 2, 2]);
    expect(split.images[4 * 4]).toBe(4); // record 4 = shard 2's third, pixel 0 = start 2 + i 2
    expect(split.files).toEqual([
      { name: 'a-0', bytes: expect.any(Number), records: 2 },
      { name: 'a-1', bytes: expect.any(Number), records: 3 },
    ]);
    expect(split.classCounts).toEqual([1, 1, 3]);
  });

  it('names the shard whose schema differs', async () => {
    const err = await failure(readSplit([shard('a-0', 4, [0]), shard('a-1', 9, [1])]));
    expect(err).toMatchObject({ code: 'image-size', file: 'a-1', record: 0, offset: 0 });
    const other = new File(
      [new Uint8Array(writeTFRecords([encodeExample({ pixels: { kind: 'int64', values: [1, 2, 3, 4] } })]))],
      'b',
    );
    expect(await failure(readSplit([shard('a-0', 4, [0]), other]))).toMatchObject({
      code: 'no-image',
      file: 'b',
    });
  });

  it('gives unnamed Blobs a name, and refuses no files and empty files', async () => {
    const blob = new Blob([new Uint8Array(20)]);
    expect(await failure(readSplit([shard('a', 4, [0]), blob]))).toMatchObject({
      code: 'length-crc',
      file: 'file 2',
    });
    expect(await failure(readSplit([]))).toMatchObject({ code: 'no-records' });
    expect(await failure(readSplit([shard('a', 4, [0]), new File([], 'e')]))).toMatchObject({
      code: 'empty',
      file: 'e',
    });
  });

  it('a file whose every record is skipped has no records', async () => {
    const bytes = new Uint8Array(await shard('a', 4, [0]).arrayBuffer());
    bytes[14] ^= 1;
    const err = await failure(readSplit([new File([bytes], 'a')], { skipBadRecords: true }));
    expect(err).toMatchObject({ code: 'no-records', file: 'a' });
    expect(err.message).toContain('all 1 records failed their data CRC');
  });

  it('counts skipped records over all shards', async () => {
    const corrupt = async (f: File, at: number) => {
      const bytes = new Uint8Array(await f.arrayBuffer());
      bytes[at] ^= 1;
      return new File([bytes], f.name);
    };
    const a = await corrupt(shard('a', 4, [0, 1, 1]), 14);
    const b = await corrupt(shard('b', 4, [1, 0]), 14);
    const split = await readSplit([a, b], { skipBadRecords: true });
    expect(split.skipped).toBe(2);
    expect(split.count).toBe(3);
    expect(split.files.map((f) => f.records)).toEqual([2, 1]);
  });

  it('stops with the abort reason when the signal aborts, also before starting', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(readSplit([shard('a', 4, [0])], { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    const late = new AbortController();
    const onProgress = vi.fn(() => late.abort());
    await expect(
      readSplit([shard('a', 4, [0]), shard('b', 4, [0])], { signal: late.signal, onProgress }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('readSplit on encoded images', () => {
  it('without an image decoder, names the feature and says no decoder is available', async () => {
    const png = encodePng(2, 2, 1, [0, 1, 2, 3]);
    const records = [encodeExample({ 'image/encoded': { kind: 'bytes', values: [png] } })];
    const err = await failure(
      readSplit([new File([new Uint8Array(writeTFRecords(records))], 'e.tfrecords')]),
    );
    expect(err.code).toBe('no-image');
    expect(err.message).toContain('no image decoder is available here');
  });

  it('decodes many images in batches, in record order, across chunk boundaries', async () => {
    const images = Array.from({ length: 300 }, (_, i) => [i % 256, (i * 7) % 256, 3, 4]);
    const records = images.map((img, i) =>
      encodeExample({
        'image/encoded': { kind: 'bytes', values: [encodePng(2, 2, 1, img)] },
        'image/class/label': { kind: 'int64', values: [i % 3] },
      }),
    );
    const split = await readSplit([new File([new Uint8Array(writeTFRecords(records))], 'e.tfrecords')], {
      decodeImage: decodePngAsync,
    });
    expect(split.count).toBe(300);
    expect(split.schema).toMatchObject({ imageKind: 'encoded', height: 2, width: 2, depth: 1 });
    expect(Array.from(split.images)).toEqual(images.flat());
    expect(split.classCounts).toEqual([100, 100, 100]);
  });
});
