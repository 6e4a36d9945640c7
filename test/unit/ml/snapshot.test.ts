import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../../src/lib/shared/settings';
import { toDevice } from '../../../src/lib/ml/data';
import { buildModel } from '../../../src/lib/ml/models';
import { captureState, restoreState } from '../../../src/lib/ml/snapshot';
import { newTrainingState, train, type TrainingState } from '../../../src/lib/ml/trainer';
import type { StepLog } from '../../../src/lib/shared/step-log';
import { validateCheckpoint, weightBytes } from '../../../src/lib/store/records';
import { synthetic } from './synthetic';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  batchSize: 10,
  numEpochs: 2,
  logEverySteps: 1,
  // A decay inside the run, so the restored step must also restore the schedule.
  learningRateDecayExamples: 150,
  learningRateDecay: 0.5,
};

function fresh(): TrainingState {
  const built = buildModel({ name: 'LogisticModel', inputShape: [4, 4, 1], numClasses: 4, seed: 3 });
  return newTrainingState(built, config);
}

function dispose(state: TrainingState): void {
  state.built.model.dispose();
  state.optimizer.dispose();
}

describe('snapshot and restore of a TrainingState', () => {
  test('stop mid-epoch, snapshot, restore into a new model, train on: the same steps as never stopping', async () => {
    const split = toDevice(synthetic(95)); // 10 steps an epoch, the last one 5 examples
    const straight: StepLog[] = [];
    const a = fresh();
    await train(a, split, config, { onLog: (l) => straight.push(l), between: async () => 'continue' });
    dispose(a);
    expect(straight.map((l) => l.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    // Stop after 13 steps: epoch 1, 30 examples into it.
    const interrupted: StepLog[] = [];
    const b = fresh();
    let calls = 0;
    const outcome = await train(b, split, config, {
      onLog: (l) => interrupted.push(l),
      between: async () => (++calls > 13 ? 'stop' : 'continue'),
    });
    expect(outcome.reason).toBe('stopped');
    expect([b.globalStep, b.epoch, b.epochExamples]).toEqual([13, 1, 30]);
    const snap = await captureState(b);
    dispose(b);

    // Adam's state: the iteration count, then a first and a second moment per trainable weight.
    expect(snap.optimizer.specs.map((s) => s.name)).toEqual([
      'iter',
      expect.stringMatching(/kernel.*\/m$/),
      expect.stringMatching(/bias.*\/m$/),
      expect.stringMatching(/kernel.*\/v$/),
      expect.stringMatching(/bias.*\/v$/),
    ]);
    expect(snap.optimizer.data.byteLength).toBe(weightBytes(snap.optimizer.specs));
    expect(snap.model.weights.data.byteLength).toBe((16 * 4 + 4) * 4);
    // Plain data: survives the structured clone IndexedDB makes, and validates as a checkpoint.
    const record = structuredClone({
      version: 1,
      id: 'c',
      runId: 'r',
      ...snap,
      learningRate: 0.01,
      reason: 'stopped',
      createdAt: 1,
      pinned: false,
      metrics: null,
      config,
    });
    expect(validateCheckpoint(record).ok).toBe(true);

    const before = tf.memory().numTensors;
    const c = await restoreState(record, config);
    expect([c.globalStep, c.epoch, c.epochExamples]).toEqual([13, 1, 30]);
    const rest = { ...config, numEpochs: 1 }; // finishes epoch 1 (the rest of it)
    await train(c, split, rest, { onLog: (l) => interrupted.push(l), between: async () => 'continue' });
    expect(interrupted.map((l) => l.step)).toEqual(straight.map((l) => l.step));
    expect(interrupted.map((l) => [l.loss, l.learningRate, l.hitAt1])).toEqual(
      straight.map((l) => [l.loss, l.learningRate, l.hitAt1]),
    );
    dispose(c);
    expect(tf.memory().numTensors).toBe(before);
    split.dispose();
  });

  test('without the optimizer state the model keeps its weights and Adam starts afresh', async () => {
    const a = fresh();
    const snap = await captureState(a);
    const b = await restoreState({ model: snap.model, regularized: snap.regularized }, config);
    expect(b.globalStep).toBe(0);
    const [wa, wb] = await Promise.all([
      a.built.model.weights[0].read().data(),
      b.built.model.weights[0].read().data(),
    ]);
    expect(Array.from(wb)).toEqual(Array.from(wa));
    expect(b.built.regularized.map((r) => r.l2)).toEqual([1e-8]);
    dispose(a);
    dispose(b);
  });
});
