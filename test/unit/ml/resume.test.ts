/**
 * Resume semantics on the cpu backend: a run split in two (Stop, then Train again without start_new_model) and a run
 * carried through a host snapshot (what a backend switch does) both reproduce the uninterrupted run's losses exactly:
 * same weights, same Adam moments and iteration count, global step and epoch continuing.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../../src/lib/shared/settings';
import { toDevice } from '../../../src/lib/ml/data';
import { buildModel } from '../../../src/lib/ml/models';
import { captureState, restoreState } from '../../../src/lib/ml/snapshot';
import {
  disposeTrainingState,
  newTrainingState,
  train,
  type TrainingState,
} from '../../../src/lib/ml/trainer';
import { synthetic } from './synthetic';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  batchSize: 10,
  numEpochs: 1,
  logEverySteps: 1,
  seed: 3,
};

async function losses(state: TrainingState, split: ReturnType<typeof toDevice>, cfg: TrainConfig) {
  const out: number[] = [];
  let stopAfter = cfg.maxSteps ?? Infinity;
  await train(state, split, cfg, {
    onLog: (l) => out.push(l.loss),
    between: async () => (stopAfter-- > 0 ? 'continue' : 'stop'),
  });
  return out;
}

function fresh(split: ReturnType<typeof toDevice>): TrainingState {
  const built = buildModel({
    name: 'LogisticModel',
    inputShape: split.shape,
    numClasses: 4,
    seed: config.seed,
  });
  return newTrainingState(built, config);
}

describe('resuming a model', () => {
  test('stop and train again, or move through a host snapshot: the same losses as one uninterrupted run', async () => {
    const split = toDevice(synthetic(100));
    const whole = fresh(split);
    const reference = await losses(whole, split, { ...config, numEpochs: 2 });
    expect(reference).toHaveLength(20);
    disposeTrainingState(whole);

    // Stop after 7 steps, then continue for the rest.
    const parts = fresh(split);
    const first = await losses(parts, split, { ...config, numEpochs: 2, maxSteps: 7 });
    expect(parts.globalStep).toBe(7);
    expect(parts.epochExamples).toBe(70);
    // Train again for 2 epochs: the interrupted epoch resumes at example 70 in the same order, then one more epoch.
    const second = await losses(parts, split, { ...config, numEpochs: 2, maxSteps: null });
    expect(parts.globalStep).toBe(20);
    expect([...first, ...second]).toEqual(reference);

    // One epoch, snapshot to host, rebuild, one more epoch.
    const a = fresh(split);
    const firstEpoch = await losses(a, split, config);
    const snap = await captureState(a);
    disposeTrainingState(a);
    const before = tf.memory().numTensors;
    const b = await restoreState(snap, config, { spec: a.built.spec });
    expect(b.built.spec).toEqual(a.built.spec);
    expect(b.globalStep).toBe(10);
    expect(b.epoch).toBe(1);
    const secondEpoch = await losses(b, split, config);
    expect([...firstEpoch, ...secondEpoch]).toEqual(reference);
    disposeTrainingState(b);
    expect(tf.memory().numTensors).toBe(before);
    split.dispose();
  });
});
