import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readSplit, splitRecords, type FeatureSchema, type LoadedSplit } from '../../../src/lib/tfrecord';
import {
  PARALLEL_FROM_BYTES,
  readSplitParallel,
  recordStartAfter,
  type PieceOptions,
  type PieceReader,
} from '../../../src/lib/tfrecord/parallel';
import { hasRecordHeader } from '../../../src/lib/tfrecord/records';
import { encodeExample, frameRecord, writeTFRecords } from '../../../src/lib/tfrecord/writer';
import { failure } from './failure';

/** The reader the worker's pool is, in this process: `readSplit` on each piece, noting what it was given. */
class InProcess implements PieceReader {
  pieces: { size: number; name: string; first: Uint8Array; worker: number }[] = [];
  /** Pieces that failed: in a good file, a piece cut at a false record start. */
  failed = 0;
  constructor(readonly concurrency = 3) {}
  async read(piece: Blob, name: string, schema: FeatureSchema, o: PieceOptions): Promise<LoadedSplit> {
    const first = new Uint8Array(await piece.slice(0, 12).arrayBuffer());
    this.pieces.push({ size: piece.size, name, first, worker: o.worker });
    return readSplit([new File([piece], name)], {
      knownSchema: schema,
      skipBadRecords: o.skipBadRecords,
      requireLabels: o.requireLabels,
      onProgress: o.onProgress && ((p) => o.onProgress!(p.bytesRead, p.records)),
    }).catch((e: unknown) => {
      this.failed++;
      throw e;
    });
  }
}

/** A deterministic pseudo-random byte source (tests must not depend on Math.random). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
}

/**
 * `n` MNIST-like records (784 int64 pixels, label, id), about 1.2 KB each; `trap` plants a fake header in each;
 * `labelOf` overrides labels (null: no label feature).
 */
function records(
  n: number,
  seed: number,
  trap = false,
  labelOf: (i: number) => number | null | undefined = () => undefined,
): Uint8Array[] {
  const next = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const pixels = Array.from({ length: 784 }, () => next());
    // A whole valid TFRecord (header, data, CRC) inside the id: a scan for record starts meets it first.
    const id = trap
      ? frameRecord(new Uint8Array([1, 2, 3, next()]))
      : new TextEncoder().encode(`img-${seed}-${i}`);
    const label = labelOf(i);
    return encodeExample({
      image_raw: { kind: 'int64', values: pixels },
      ...(label === null
        ? {}
        : { label: { kind: 'int64' as const, values: [label ?? (i * 7 + seed) % 10] } }),
      id: { kind: 'bytes', values: [id] },
    });
  });
}

const file = (name: string, recs: Uint8Array[]) => new File([new Uint8Array(writeTFRecords(recs))], name);

const bytesOf = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

function expectSame(a: LoadedSplit, b: LoadedSplit): void {
  expect(a.count).toBe(b.count);
  expect(a.schema).toEqual(b.schema);
  expect(a.numClasses).toBe(b.numClasses);
  expect(a.classCounts).toEqual(b.classCounts);
  expect(a.skipped).toBe(b.skipped);
  expect(a.files).toEqual(b.files);
  expect(a.features).toEqual(b.features);
  expect(a.ids).toEqual(b.ids);
  expect(a.firstOfLabel).toEqual(b.firstOfLabel);
  // Compared as bytes: a deep toEqual of megabytes is slow.
  expect(bytesOf(a.labels!).equals(bytesOf(b.labels!))).toBe(true);
  expect(bytesOf(a.images).equals(bytesOf(b.images))).toBe(true);
}

describe('readSplitParallel', () => {
  const big = file('train-00000-of-00001.tfrecords', records(6000, 1));

  it('cuts a large file at record starts, reads the pieces at once and joins them as one readSplit reads it', async () => {
    expect(big.size).toBeGreaterThan(PARALLEL_FROM_BYTES);
    const reader = new InProcess(3);
    const progress: number[] = [];
    const parallel = await readSplitParallel(
      [big],
      { onProgress: (p) => progress.push(p.bytesRead) },
      reader,
    );
    expectSame(parallel, await readSplit([big]));
    expect(parallel.count).toBe(6000);
    // 7.4 MB give three shares of at least 2 MiB: this one reads the first third itself, two workers one each
    // (the third worker is left out).
    expect(reader.pieces.length).toBe(2);
    expect(reader.failed).toBe(0);
    for (const p of reader.pieces) expect(p.size / big.size).toBeCloseTo(1 / 3, 2);
    expect(reader.pieces.map((p) => p.worker).sort()).toEqual([0, 1]);
    // Every piece starts on a record: its first 12 bytes are a valid header.
    for (const p of reader.pieces) expect(hasRecordHeader(p.first)).toBe(true);
    expect(Math.max(...progress)).toBe(big.size);
  });

  it('reads several shards as one split, in order', async () => {
    const shards = [
      file('train-00000-of-00003.tfrecords', records(2500, 2)),
      file('train-00001-of-00003.tfrecords', records(1800, 3)),
      file('train-00002-of-00003.tfrecords', records(300, 4)),
    ];
    const reader = new InProcess(2);
    expectSame(await readSplitParallel(shards, {}, reader), await readSplit(shards));
    expect(new Set(reader.pieces.map((p) => p.name)).size).toBe(3);
  });

  it('is not fooled by a valid TFRecord hidden inside each record', async () => {
    const trapped = file('trapped.tfrecords', records(5000, 5, true));
    const reader = new InProcess(4);
    expectSame(await readSplitParallel([trapped], {}, reader), await readSplit([trapped]));
    expect(reader.pieces.length).toBeGreaterThan(1);
    expect(reader.failed).toBe(0);
  });

  it('finds exactly the record starts of a file from any position', async () => {
    const recs = records(40, 6, true);
    const bytes = new Uint8Array(writeTFRecords(recs));
    const blob = new Blob([bytes]);
    const starts = splitRecords(bytes, 'f').map((r) => r.offset);
    const next = random(7);
    for (let k = 0; k < 60; k++) {
      const from = Math.floor(((next() << 8) | next()) % bytes.length);
      const expected = starts.find((s) => s >= from) ?? -1;
      expect(await recordStartAfter(blob, from, bytes.length)).toBe(expected);
    }
  });

  it('a bad record in a later piece gets the same error as one readSplit gives: file, record index, offset', async () => {
    // Record 700 is in this worker's share (the first quarter), record 4321 in a worker's.
    for (const record of [4321, 700]) {
      const bytes = new Uint8Array(writeTFRecords(records(6000, 8)));
      const at = splitRecords(bytes, 'f')[record].offset;
      bytes[at + 40] ^= 0xff; // inside the record's data
      const bad = new File([bytes], 'bad.tfrecords');
      const err = await failure(readSplitParallel([bad], {}, new InProcess(3)));
      const one = await failure(readSplit([bad]));
      expect(err.message).toBe(one.message);
      expect([err.code, err.file, err.record, err.offset]).toEqual(['data-crc', 'bad.tfrecords', record, at]);

      // Skipping it: the same split as one readSplit skipping it, still read in pieces.
      const reader = new InProcess(3);
      const skipped = await readSplitParallel([bad], { skipBadRecords: true }, reader);
      expectSame(skipped, await readSplit([bad], { skipBadRecords: true }));
      expect(skipped.skipped).toBe(1);
      expect(reader.pieces.length).toBeGreaterThan(1);
      expect(reader.failed).toBe(0);
    }
    // Four whole reads of 6,000 records: about 2 s on an idle 2-core machine, past vitest's 5 s under load.
  }, 30_000);

  it("labels first seen in the workers' pieces are placed in their files; unlabelled records as one readSplit", async () => {
    // Two shards of 2,500 and 3,000 records: label 42 at record 2,000 of the second (a worker's piece), 11 at 1,900 of
    // the first, records without a label at 100 (this worker's share) and 2,600 (a worker's).
    const shards = [
      file(
        'a.tfrecords',
        records(2500, 11, false, (i) => (i === 1900 ? 11 : i === 100 ? null : undefined)),
      ),
      file(
        'b.tfrecords',
        records(3000, 12, false, (i) => (i === 2000 ? 42 : i === 2600 ? null : undefined)),
      ),
    ];
    const reader = new InProcess(3);
    const split = await readSplitParallel(shards, {}, reader);
    expectSame(split, await readSplit(shards));
    expect(reader.pieces.length).toBeGreaterThan(1);
    expect(reader.failed).toBe(0);
    const b = splitRecords(new Uint8Array(await shards[1].arrayBuffer()), 'b.tfrecords');
    expect(split.firstOfLabel.get(42)).toEqual({ file: 'b.tfrecords', record: 2000, offset: b[2000].offset });
    expect(split.firstOfLabel.get(11)?.record).toBe(1900);

    // Required: the first unlabelled record is refused as one readSplit refuses it.
    const err = await failure(readSplitParallel(shards, { requireLabels: true }, new InProcess(3)));
    expect(err.message).toBe((await failure(readSplit(shards, { requireLabels: true }))).message);
    expect([err.code, err.file, err.record]).toEqual(['no-label', 'a.tfrecords', 100]);
    // Skipped: the same split as one readSplit skipping them, still read in pieces, where the labels are.
    const skipping = new InProcess(3);
    const opts = { requireLabels: true, skipBadRecords: true };
    const skipped = await readSplitParallel(shards, opts, skipping);
    expectSame(skipped, await readSplit(shards, opts));
    expect([skipped.skipped, skipped.count]).toEqual([2, 5498]);
    expect(skipping.failed).toBe(0);
    expect(skipped.firstOfLabel.get(42)?.record).toBe(2000);
  }, 30_000);

  it('a truncated last record is reported as one readSplit reports it', async () => {
    const whole = new Uint8Array(writeTFRecords(records(5000, 9)));
    const cut = new File([whole.subarray(0, whole.length - 100)], 'cut.tfrecords');
    const err = await failure(readSplitParallel([cut], {}, new InProcess(3)));
    expect(err.code).toBe('truncated');
    expect(err.message).toBe((await failure(readSplit([cut]))).message);
    expect(err.record).toBe(4999);
  });

  it('reads GZIP files, small splits and without workers the one way', async () => {
    const reader = new InProcess(3);
    const gz = new File([new Uint8Array(gzipSync(await big.arrayBuffer()))], 'train.tfrecords.gz');
    expectSame(
      await readSplitParallel([gz], {}, reader),
      await readSplit([big]).then((r) => ({
        ...r,
        files: [{ name: 'train.tfrecords.gz', bytes: gz.size, records: 6000 }],
        firstOfLabel: new Map(
          [...r.firstOfLabel].map(([label, at]) => [label, { ...at, file: 'train.tfrecords.gz' }]),
        ),
      })),
    );
    const small = file('small.tfrecords', records(100, 10));
    await readSplitParallel([small], {}, reader);
    await readSplitParallel([big], {}, new InProcess(0)).then((r) => expect(r.count).toBe(6000));
    expect(reader.pieces).toEqual([]);
  });
});
