import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { DEFAULT_TRAIN_CONFIG } from '../../../src/lib/shared/settings';
import {
  checkpointMeta,
  checkpointsToDrop,
  fingerprintFiles,
  sha256Hex,
  validateCheckpoint,
  validateCheckpointMeta,
  validateRun,
  weightBytes,
} from '../../../src/lib/store/records';
import {
  RECORD_VERSION,
  type CheckpointRecord,
  type RunRecord,
} from '../../../src/lib/shared/snapshot-types';
import { formatBytes } from '../../../src/lib/shared/format';

const entry = {
  step: 10,
  epoch: 0,
  loss: 0.5,
  examplesPerSec: 1000,
  hitAt1: 0.8,
  perr: 0.8,
  gap: 0.9,
  learningRate: 0.01,
};

function run(over: Partial<RunRecord> = {}): RunRecord {
  return {
    version: RECORD_VERSION,
    id: 'r1',
    name: 'LogisticModel · 2026-11-26 09:00',
    config: { ...DEFAULT_TRAIN_CONFIG },
    dataset: [
      { split: 'train', name: 'train.tfrecords', size: 12, fingerprint: 'ab'.repeat(32), method: 'sha256' },
    ],
    history: [entry],
    evals: [
      {
        step: 10,
        epoch: 0,
        metrics: { 'Hit@1': 0.5, PERR: 0.5, GAP: 0.6, MAP: 0.4, Loss: 1.2, Accuracy: 0.5 },
      },
    ],
    createdAt: 1,
    updatedAt: 2,
    globalStep: 10,
    final: { step: 10, loss: 0.5, hitAt1: 0.8, evaluation: null },
    ...over,
  };
}

function checkpoint(over: Partial<CheckpointRecord> = {}): CheckpointRecord {
  return {
    version: RECORD_VERSION,
    id: 'c1',
    runId: 'r1',
    step: 10,
    epoch: 0,
    epochExamples: 5120,
    learningRate: 0.01,
    reason: 'interval',
    createdAt: 3,
    pinned: false,
    metrics: entry,
    config: { ...DEFAULT_TRAIN_CONFIG },
    model: {
      topology: { class_name: 'Sequential', config: { layers: [] } },
      weights: {
        specs: [
          { name: 'logistic/kernel', shape: [784, 10], dtype: 'float32' },
          { name: 'logistic/bias', shape: [10], dtype: 'float32' },
        ],
        data: new ArrayBuffer(784 * 10 * 4 + 40),
      },
    },
    optimizer: { specs: [{ name: 'iter', shape: [], dtype: 'int32' }], data: new ArrayBuffer(4) },
    regularized: [{ index: 0, l2: 1e-8 }],
    ...over,
  };
}

describe('record validation', () => {
  test('well-formed records pass', () => {
    expect(validateRun(run())).toEqual({ ok: true, value: run() });
    expect(validateCheckpoint(checkpoint()).ok).toBe(true);
    expect(validateRun(structuredClone(run())).ok).toBe(true);
    expect(validateCheckpoint(structuredClone(checkpoint())).ok).toBe(true);
  });

  test('another format version is refused with both versions named', () => {
    const v = validateRun({ ...run(), version: 2 });
    expect(v).toEqual({ ok: false, error: 'run r1: format version 2, expected 1' });
  });

  test('a missing or mistyped field is named', () => {
    expect(validateRun({ ...run(), globalStep: -1 })).toEqual({
      ok: false,
      error: 'run r1: field "globalStep" is missing or invalid',
    });
    expect(validateRun({ ...run(), history: [{ ...entry, loss: 'x' }] })).toEqual({
      ok: false,
      error: 'run r1 history[0]: field "loss" is missing or invalid',
    });
    expect(validateRun({ ...run(), config: { ...DEFAULT_TRAIN_CONFIG, batchSize: 1.5 } })).toEqual({
      ok: false,
      error: 'run r1 config: field "batchSize" is missing or invalid',
    });
    expect(validateCheckpoint({ ...checkpoint(), pinned: 'yes' })).toEqual({
      ok: false,
      error: 'checkpoint c1: field "pinned" is missing or invalid',
    });
  });

  test('a run saved before the fingerprint was named for its method still loads, its method told by its size', () => {
    const old = (size: number) => ({
      split: 'train',
      name: 'train.tfrecords',
      size,
      sha256: 'cd'.repeat(32),
    });
    const v = validateRun({ ...run(), dataset: [old(3 * 1024 * 1024), old(3 * 1024 * 1024 + 1)] });
    expect(v.ok && v.value.dataset).toEqual([
      {
        split: 'train',
        name: 'train.tfrecords',
        size: 3 * 1024 * 1024,
        fingerprint: 'cd'.repeat(32),
        method: 'sha256',
      },
      {
        split: 'train',
        name: 'train.tfrecords',
        size: 3 * 1024 * 1024 + 1,
        fingerprint: 'cd'.repeat(32),
        method: 'unrecorded',
      },
    ]);
    const { fingerprint: _f, ...noHash } = run().dataset[0];
    expect(validateRun({ ...run(), dataset: [noHash] })).toEqual({
      ok: false,
      error: 'run r1 dataset[0]: field "fingerprint" is missing or invalid',
    });
    expect(validateRun({ ...run(), dataset: [{ ...run().dataset[0], method: 'md5' }] })).toEqual({
      ok: false,
      error: 'run r1 dataset[0]: field "method" is missing or invalid',
    });
  });

  test('a run saved before its validation points were kept loads with none; a malformed point is named', () => {
    const { evals: _evals, ...old } = run();
    expect(validateRun(old)).toEqual({ ok: true, value: { ...run(), evals: [] } });
    expect(validateRun({ ...run(), evals: 'x' })).toEqual({
      ok: false,
      error: 'run r1: field "evals" is invalid',
    });
    expect(validateRun({ ...run(), evals: [{ step: 10, epoch: 0, metrics: { Loss: 'x' } }] })).toEqual({
      ok: false,
      error: 'run r1 evals[0]: field "metrics" is invalid',
    });
    expect(validateRun({ ...run(), evals: [{ epoch: 0, metrics: {} }] })).toEqual({
      ok: false,
      error: 'run r1 evals[0]: field "step" is missing or invalid',
    });
  });

  test('weights whose bytes do not match their specs are refused', () => {
    const c = checkpoint();
    c.model.weights.data = new ArrayBuffer(100);
    expect(validateCheckpoint(c)).toEqual({
      ok: false,
      error: 'checkpoint c1 model: weights hold 100 bytes but their specs need 31400',
    });
    expect(validateCheckpoint({ ...checkpoint(), optimizer: { specs: [], data: 'nope' } })).toEqual({
      ok: false,
      error: 'checkpoint c1 optimizer: weights are missing',
    });
  });

  test('garbage is refused, not thrown on', () => {
    for (const g of [null, 42, 'x', [], {}, { version: 1 }, { version: 1, id: 'z', model: 5 }]) {
      expect(validateRun(g).ok).toBe(false);
      expect(validateCheckpoint(g).ok).toBe(false);
    }
  });

  test('checkpointMeta drops the buffers and counts their bytes', () => {
    const m = checkpointMeta(checkpoint());
    expect('model' in m || 'optimizer' in m).toBe(false);
    expect(m.bytes).toBe(31400 + 4);
    expect(weightBytes(checkpoint().model.weights.specs)).toBe(31400);
  });

  test('a checkpoint summary validates on its own, and is refused with the field named', () => {
    const m = structuredClone(checkpointMeta(checkpoint()));
    expect(validateCheckpointMeta(m)).toEqual({ ok: true, value: m });
    expect(validateCheckpointMeta({ ...m, bytes: -1 })).toEqual({
      ok: false,
      error: `checkpoint ${m.id}: field "bytes" is invalid`,
    });
    expect(validateCheckpointMeta({ ...m, step: 'ten' })).toEqual({
      ok: false,
      error: `checkpoint ${m.id}: field "step" is missing or invalid`,
    });
    expect(validateCheckpointMeta({ ...m, version: 9 }).ok).toBe(false);
    expect(validateCheckpointMeta(null).ok).toBe(false);
  });
});

describe('keep-last-K', () => {
  const c = (id: string, runId: string, step: number, pinned = false, createdAt = step) => ({
    id,
    runId,
    step,
    pinned,
    createdAt,
  });

  test('keeps the K latest unpinned checkpoints of each run', () => {
    const list = [
      c('a1', 'A', 1000),
      c('a2', 'A', 2000),
      c('a3', 'A', 3000),
      c('a4', 'A', 4000),
      c('b1', 'B', 1000),
    ];
    expect(checkpointsToDrop(list, 2).sort()).toEqual(['a1', 'a2']);
    expect(checkpointsToDrop(list, 5)).toEqual([]);
  });

  test('never deletes a pinned checkpoint, and pinned ones do not count towards K', () => {
    const list = [c('a1', 'A', 1000, true), c('a2', 'A', 2000), c('a3', 'A', 3000), c('a4', 'A', 4000, true)];
    expect(checkpointsToDrop(list, 1)).toEqual(['a2']);
  });

  test('the same step saved twice: the later one is kept', () => {
    expect(checkpointsToDrop([c('old', 'A', 50, false, 1), c('new', 'A', 50, false, 2)], 1)).toEqual(['old']);
  });
});

describe('dataset fingerprint', () => {
  test('SHA-256 matches Node crypto, and of the empty string', async () => {
    const bytes = new TextEncoder().encode('pagetrain');
    expect(await sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await sha256Hex(new Uint8Array(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  test('each file: name, size, hash', async () => {
    const a = new File([new Uint8Array([1, 2, 3])], 'train-00000.tfrecords');
    const b = new File([new Uint8Array([1, 2, 4])], 'train-00001.tfrecords');
    const fp = await fingerprintFiles('train', [a, b]);
    expect(fp.map((f) => [f.split, f.name, f.size])).toEqual([
      ['train', 'train-00000.tfrecords', 3],
      ['train', 'train-00001.tfrecords', 3],
    ]);
    expect(fp[0].fingerprint).toBe(
      createHash('sha256')
        .update(Buffer.from([1, 2, 3]))
        .digest('hex'),
    );
    expect(fp[0].fingerprint).not.toBe(fp[1].fingerprint);
  });

  test('formatBytes', () => {
    expect([formatBytes(999), formatBytes(31_404), formatBytes(2_500_000), formatBytes(10e9)]).toEqual([
      '999 B',
      '31 kB',
      '2.5 MB',
      '10 GB',
    ]);
  });
});
