/**
 * The worker's splits part, on tfjs's cpu backend with the one-pass reader: what it holds, what it uploads for each
 * training path, and that a refused or failed load keeps what was loaded.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readSplit, splitRecords, type ReadSplitOptions } from '../../../src/lib/tfrecord';
import { encodeExample, writeTFRecords } from '../../../src/lib/tfrecord/writer';
import { debugHandle } from '../../../src/lib/worker/budget';
import { Splits } from '../../../src/lib/worker/splits';

const MiB = 1024 * 1024;

/** `count` 4×4 records with labels `i % classes`, as one file. */
function file(name: string, count: number, classes: number, seed = 1): File {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  const bytes = writeTFRecords(
    Array.from({ length: count }, (_, i) =>
      encodeExample({
        image_raw: { kind: 'int64', values: Array.from({ length: 16 }, () => next() % 256) },
        label: { kind: 'int64', values: [i % classes] },
      }),
    ),
  );
  return new File([new Uint8Array(bytes)], name);
}

/** 4×4 records labelled by `labels` (null: no label feature), as one file. */
function labelled(name: string, labels: (number | null)[]): File {
  const bytes = writeTFRecords(
    labels.map((label, i) =>
      encodeExample({
        image_raw: { kind: 'int64', values: Array.from({ length: 16 }, (_, p) => (i + p) % 256) },
        ...(label === null ? {} : { label: { kind: 'int64' as const, values: [label] } }),
      }),
    ),
  );
  return new File([new Uint8Array(bytes)], name);
}

const digits = (n: number) => Array.from({ length: n }, (_, i) => i % 10);

function make(): { splits: Splits; reads: ReadSplitOptions[] } {
  const reads: ReadSplitOptions[] = [];
  const splits = new Splits({
    read: (files, opts) => {
      reads.push(opts);
      return readSplit(files, opts);
    },
    backend: () => 'cpu',
    gpu: () => null,
  });
  return { splits, reads };
}

beforeEach(() => {
  debugHandle().dataBudgetMB = 64;
  debugHandle().gpuBufferMB = null;
});
afterEach(() => {
  debugHandle().dataBudgetMB = null;
  debugHandle().gpuBufferMB = null;
});

describe('Splits: the loaded splits and their device copies', () => {
  test('holds each split, its bytes, its class count and its files’ fingerprints', async () => {
    const { splits } = make();
    const summary = await splits.load('train', [file('train.tfrecords', 30, 3)]);
    expect(summary).toMatchObject({ split: 'train', count: 30, numClasses: 3, hasLabels: true });
    expect(summary.shape).toEqual([4, 4, 1]);
    await splits.load('validation', [file('validation.tfrecords', 10, 5)]);
    expect(splits.hostBytes()).toBe(30 * (16 + 4) + 10 * (16 + 4));
    expect(splits.hostBytes('train')).toBe(10 * (16 + 4));
    // The model's classes: the most any labelled split needs.
    expect(splits.numClasses()).toBe(5);
    expect(splits.fingerprints().map((f) => [f.split, f.name])).toEqual([
      ['train', 'train.tfrecords'],
      ['validation', 'validation.tfrecords'],
    ]);
  });

  test('the schema found by the budget check is handed to the reader, which does not detect it again', async () => {
    const { splits, reads } = make();
    const summary = await splits.load('train', [file('train.tfrecords', 20, 2)]);
    expect(reads).toHaveLength(1);
    expect(reads[0].knownSchema).toEqual(summary.schema);
    // Read again from the same files (another skip choice): checked and read once more, the same way.
    await splits.reload('train', { skipBadRecords: true });
    expect(reads).toHaveLength(2);
    expect(reads[1]).toMatchObject({ skipBadRecords: true, knownSchema: summary.schema });
  });

  test('the fused path uploads only the uint8 copy; tfjs’s ops only the float32 one', async () => {
    const { splits } = make();
    await splits.load('train', [file('train.tfrecords', 40, 4)]);
    const fused = splits.training(4, 'fused');
    expect(fused.data.x).toBeNull();
    expect(fused.data.y).toBeNull();
    expect(Array.from(fused.data.labels!.subarray(0, 5))).toEqual([0, 1, 2, 3, 0]);
    expect(fused.packed!().dim).toBe(16);
    expect(splits.onDevice()).toEqual({ float32: [], packed: true });
    const generic = splits.training(4, 'generic');
    expect(generic.packed).toBeUndefined();
    expect(generic.data.x!.shape).toEqual([40, 16]);
    expect(splits.onDevice()).toEqual({ float32: ['train'], packed: true });
    splits.dropDevice();
    expect(splits.onDevice()).toEqual({ float32: [], packed: false });
  });

  test('the GPU buffer limit is checked at the size the chosen path uploads', async () => {
    const { splits } = make();
    await splits.load('train', [file('train.tfrecords', 100, 2)]);
    // 100 × 16 bytes fit in 2,000 bytes; 100 × 16 float32s (6,400 bytes) do not.
    debugHandle().gpuBufferMB = 2000 / MiB;
    expect(() => splits.training(2, 'fused')).not.toThrow();
    expect(() => splits.training(2, 'generic')).toThrow(
      expect.objectContaining({ name: 'DataTooLargeError' }),
    );
    expect(splits.onDevice().float32).toEqual([]);
  });

  test('replacing a split frees its device copies; the tensor count comes back', async () => {
    const { splits } = make();
    const before = tf.memory().numTensors;
    await splits.load('train', [file('a.tfrecords', 20, 2)]);
    const first = splits.device('train', 2);
    splits.packed();
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    await splits.load('train', [file('b.tfrecords', 25, 2, 7)]);
    expect(tf.memory().numTensors).toBe(before);
    expect(splits.onDevice()).toEqual({ float32: [], packed: false });
    expect(splits.device('train', 2)).not.toBe(first);
    expect(splits.device('train', 2).count).toBe(25);
    splits.dropDevice();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a split that does not fit is refused before it is read, and what was loaded stays', async () => {
    const { splits, reads } = make();
    await splits.load('train', [file('train.tfrecords', 30, 3)]);
    debugHandle().dataBudgetMB = 1000 / MiB;
    await expect(splits.load('validation', [file('validation.tfrecords', 200, 3)])).rejects.toMatchObject({
      name: 'DataTooLargeError',
    });
    expect(reads).toHaveLength(1);
    expect(splits.host('validation')).toBeUndefined();
    expect(splits.host('train')!.count).toBe(30);
  });

  test('a file that fails to read keeps the split it replaces', async () => {
    const { splits } = make();
    await splits.load('train', [file('train.tfrecords', 30, 3)]);
    const broken = new File(
      [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])],
      'bad.tfrecords',
    );
    await expect(splits.load('train', [broken])).rejects.toMatchObject({ name: 'TFRecordError' });
    expect(splits.host('train')!.count).toBe(30);
    expect(splits.fingerprints().map((f) => f.name)).toEqual(['train.tfrecords']);
  });

  test('training and device copies need the split: a DataError names it', () => {
    const { splits } = make();
    expect(() => splits.training(2, 'fused')).toThrow(expect.objectContaining({ name: 'DataError' }));
    expect(() => splits.device('test', 2)).toThrow(/test/);
  });
});

describe('Splits: labels', () => {
  test('training and validation records need a label; test records need none; a refused load keeps the split', async () => {
    const { splits, reads } = make();
    await splits.load('train', [labelled('train.tfrecords', digits(20))]);
    const unlabelled = [...digits(5), null, ...digits(4)];
    for (const split of ['train', 'validation'] as const) {
      await expect(splits.load(split, [labelled('gaps.tfrecords', unlabelled)])).rejects.toMatchObject({
        name: 'TFRecordError',
        code: 'no-label',
        file: 'gaps.tfrecords',
        record: 5,
      });
    }
    expect(splits.host('train')!.count).toBe(20);
    expect(splits.host('validation')).toBeUndefined();
    const test = await splits.load('test', [labelled('gaps.tfrecords', unlabelled)]);
    expect(test.count).toBe(10);
    expect(reads.map((r) => r.requireLabels)).toEqual([true, true, true, false]);
    // Skip bad records: left out and counted.
    const skipped = await splits.load('validation', [labelled('gaps.tfrecords', unlabelled)], {
      skipBadRecords: true,
    });
    expect([skipped.count, skipped.skipped]).toEqual([9, 1]);
  });

  test('a label beyond the classes of the other splits is named: file, record, label, the classes they have', async () => {
    const { splits } = make();
    const train = [...digits(30)];
    train[17] = 42;
    const first = await splits.load('train', [labelled('train.tfrecords', train)]);
    // Nothing to compare with yet.
    expect(first.labelMisfit).toBeNull();
    const summary = await splits.load('validation', [labelled('validation.tfrecords', digits(20))]);
    const offset = splitRecords(
      new Uint8Array(await labelled('train.tfrecords', train).arrayBuffer()),
      'train.tfrecords',
    )[17].offset;
    expect(summary.labelMisfit).toEqual({
      split: 'train',
      file: 'train.tfrecords',
      record: 17,
      offset,
      label: 42,
      count: 1,
      others: ['validation'],
      classes: 10,
    });
    // The rule stays: the largest label + 1 classes.
    expect(splits.numClasses()).toBe(43);
    // Fixed data: no misfit.
    expect((await splits.load('train', [labelled('train.tfrecords', digits(30))])).labelMisfit).toBeNull();
    // Validation labels beyond training's are named on the load that makes them so, not again on a test load, which
    // does not change them.
    const wider = await splits.load('validation', [labelled('validation.tfrecords', [...digits(20), 11])]);
    expect(wider.labelMisfit).toMatchObject({ split: 'validation', label: 11, others: ['train'] });
    expect((await splits.load('test', [labelled('test.tfrecords', [0, 5])])).labelMisfit).toBeNull();
    await splits.load('validation', [labelled('validation.tfrecords', digits(20))]);
    // Test labels are checked, not compared with (they may be dummies: all 0 here).
    expect((await splits.load('test', [labelled('test.tfrecords', [0, 0, 0])])).labelMisfit).toBeNull();
    const test = await splits.load('test', [labelled('test.tfrecords', [1, 10, 3, 12])]);
    expect(test.labelMisfit).toMatchObject({
      split: 'test',
      record: 3,
      label: 12,
      count: 2,
      others: ['train', 'validation'],
      classes: 10,
    });
  });
});
