import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  DEFAULT_TRAIN_CONFIG,
  learningRateAt,
  validateConfig,
  type TrainConfig,
} from '../../../src/lib/shared/settings';
import { english } from '../../../src/lib/i18n-text';
import { toDevice } from '../../../src/lib/ml/data';
import { predictionsCsv } from '../../../src/lib/ml/evaluate';
import { buildModel } from '../../../src/lib/ml/models';
import { epochOrder } from '../../../src/lib/ml/random';
import { clipByNorm, disposeTrainingState, newTrainingState, train } from '../../../src/lib/ml/trainer';
import type { StepLine, StepLog } from '../../../src/lib/shared/step-log';
import { synthetic } from './synthetic';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function run(
  config: Partial<TrainConfig>,
  data = synthetic(200, 7),
): Promise<{ logs: StepLog[]; tensors: number[] }> {
  const cfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    batchSize: 10,
    numEpochs: 1,
    logEverySteps: 1,
    ...config,
  };
  const split = toDevice(data);
  const built = buildModel({
    name: cfg.model,
    inputShape: split.shape,
    numClasses: split.numClasses,
    seed: cfg.seed,
  });
  const state = newTrainingState(built, cfg);
  const logs: StepLog[] = [];
  const tensors: number[] = [];
  await train(state, split, cfg, {
    onLog: (l) => logs.push(l),
    onEpochEnd: (e) => tensors.push(e.numTensors),
    between: async () => 'continue',
  });
  built.model.dispose();
  state.optimizer.dispose();
  split.dispose();
  return { logs, tensors };
}

describe('train.py’s per-step lines', () => {
  test('every step has its line, in order; every 10th the full line with its log, also after a drain', async () => {
    const cfg: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, batchSize: 10, numEpochs: 2, logEverySteps: 10 };
    const split = toDevice(synthetic(200, 7));
    const built = buildModel({
      name: cfg.model,
      inputShape: split.shape,
      numClasses: split.numClasses,
      seed: 0,
    });
    const state = newTrainingState(built, cfg);
    const lines: StepLine[] = [];
    const logs: StepLog[] = [];
    let calls = 0;
    const outcome = await train(state, split, cfg, {
      onLog: (l) => logs.push(l),
      onStep: (l) => lines.push(l),
      // Holds the run every 7th step, as a pause or an evaluation would: it drains the read-backs first.
      between: async (drain) => {
        if (++calls % 7 === 0) {
          const before = lines.length;
          await drain();
          // Every step taken so far has its line once drained.
          expect(lines.length).toBe(state.globalStep);
          expect(lines.length).toBeGreaterThanOrEqual(before);
        }
        return 'continue';
      },
    });
    expect(outcome.globalStep).toBe(40);
    expect(lines.map((l) => l.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(logs.map((l) => l.step)).toEqual([10, 20, 30, 40]);
    for (const l of lines) {
      expect(l.full).toBe(l.step % 10 === 0);
      if (l.full) {
        const log = logs.find((g) => g.step === l.step)!;
        expect(l.line).toBe(log.line);
        expect(l.line).toMatch(/^training step \d+ \| Loss: \d+\.\d\d Examples\/sec: \d+\.\d\d \| Hit@1: /);
      } else {
        expect(l.line).toMatch(/^training step \d+ \| Loss: \d+\.\d\d Examples\/sec: \d+\.\d\d$/);
      }
      expect(l.examplesPerSec).toBeGreaterThan(0);
      expect(Number.isFinite(l.examplesPerSec)).toBe(true);
    }
    disposeTrainingState(state);
    split.dispose();
  });
});

describe('learning-rate schedule (staircase exponential decay over examples)', () => {
  test('stays at the base rate until decay_examples examples, then steps by the decay factor', () => {
    const c = DEFAULT_TRAIN_CONFIG; // 0.01, ×0.95 every 4,000,000 examples, batch 512
    expect(learningRateAt(c, 0)).toBe(0.01);
    expect(learningRateAt(c, 7812)).toBe(0.01); // 7,812 × 512 = 3,999,744 examples
    expect(learningRateAt(c, 7813)).toBeCloseTo(0.0095, 12); // 4,000,256 examples: one decay
    expect(learningRateAt(c, 15625)).toBeCloseTo(0.009025, 12); // 8,000,000 examples exactly: two decays
    expect(learningRateAt(c, 15624)).toBeCloseTo(0.0095, 12);
  });
});

describe('gradient clipping (tf.clip_by_norm per tensor)', () => {
  test('scales a tensor whose norm exceeds the limit down to the limit, leaves a smaller one alone', async () => {
    const big = clipByNorm(tf.tensor1d([3, 4]), 1); // norm 5
    expect(Array.from(await big.data())).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    const small = clipByNorm(tf.tensor1d([0.3, 0.4]), 1); // norm 0.5
    expect(Array.from(await small.data())).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.4, 6)]);
    const zero = clipByNorm(tf.zeros([3]), 1);
    expect(Array.from(await zero.data())).toEqual([0, 0, 0]);
  });
});

describe('config validation', () => {
  test('the defaults are valid and match train.py', () => {
    expect(validateConfig(DEFAULT_TRAIN_CONFIG)).toEqual({});
    expect(DEFAULT_TRAIN_CONFIG).toMatchObject({
      batchSize: 512,
      baseLearningRate: 0.01,
      model: 'LogisticModel',
      labelLoss: 'CrossEntropyLoss',
      numEpochs: 100,
      maxSteps: null,
      startNewModel: false,
    });
  });
  test('out-of-range settings are refused with a message per field', () => {
    const bad = validateConfig({
      ...DEFAULT_TRAIN_CONFIG,
      batchSize: 0,
      baseLearningRate: NaN,
      numEpochs: 1e9,
    });
    expect(Object.keys(bad).sort()).toEqual(['baseLearningRate', 'batchSize', 'numEpochs']);
    expect(
      english(validateConfig({ ...DEFAULT_TRAIN_CONFIG, baseLearningRate: -1 }).baseLearningRate!),
    ).toMatch(/above 0/);
  });
});

describe('training loop', () => {
  test('each epoch is a seeded permutation', () => {
    const a = epochOrder(100, 3, 0);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(epochOrder(100, 3, 0))).toEqual(Array.from(a));
    expect(Array.from(epochOrder(100, 3, 1))).not.toEqual(Array.from(a));
  });

  test('a seeded run reproduces its first 20 losses exactly; another seed does not', async () => {
    const first = await run({ seed: 42 });
    const again = await run({ seed: 42 });
    const other = await run({ seed: 43 });
    expect(first.logs).toHaveLength(20);
    expect(again.logs.map((l) => l.loss)).toEqual(first.logs.map((l) => l.loss));
    expect(other.logs.map((l) => l.loss)).not.toEqual(first.logs.map((l) => l.loss));
  });

  test('the loss falls, the status line has train.py format, and the tensor count stays flat across epochs', async () => {
    const { logs, tensors } = await run({ numEpochs: 3, logEverySteps: 5 });
    expect(logs.map((l) => l.step)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    expect(logs.at(-1)!.loss).toBeLessThan(logs[0].loss);
    expect(logs[0].line).toMatch(
      /^training step 5 \| Loss: \d+\.\d\d Examples\/sec: \d+\.\d\d \| Hit@1: \d\.\d\d PERR: \d\.\d\d GAP: \d\.\d\d$/,
    );
    expect(tensors).toHaveLength(3);
    expect(new Set(tensors).size).toBe(1);
  });

  test('max_steps ends the run early and says so', async () => {
    const cfg: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, batchSize: 10, numEpochs: 5, maxSteps: 7 };
    const split = toDevice(synthetic(50, 1));
    const built = buildModel({ name: 'LogisticModel', inputShape: split.shape, numClasses: 4, seed: 0 });
    const state = newTrainingState(built, cfg);
    const outcome = await train(state, split, cfg, { onLog: () => {}, between: async () => 'continue' });
    expect(outcome.reason).toBe('max-steps');
    expect(outcome.globalStep).toBe(7);
    expect(outcome.line).toMatch(/^Done training/);
    split.dispose();
  });

  test('max_steps caps the global step, as in train.py: a model at step 16 continued with max steps 20 stops at 20', async () => {
    const cfg: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, batchSize: 10, numEpochs: 10, maxSteps: null };
    const split = toDevice(synthetic(50, 1));
    const built = buildModel({ name: 'LogisticModel', inputShape: split.shape, numClasses: 4, seed: 0 });
    const state = newTrainingState(built, cfg);
    let left = 16;
    await train(state, split, cfg, {
      onLog: () => {},
      between: async () => (left-- > 0 ? 'continue' : 'stop'),
    });
    expect(state.globalStep).toBe(16);
    const steps: number[] = [];
    const outcome = await train(
      state,
      split,
      { ...cfg, maxSteps: 20 },
      { onLog: () => {}, onProgress: (p) => steps.push(p.totalSteps), between: async () => 'continue' },
    );
    // On tfjs's cpu backend only the generic path can run, and the outcome says so.
    expect(outcome).toMatchObject({ reason: 'max-steps', globalStep: 20, path: 'generic' });
    // The progress bar's total is the 4 steps left, not 20.
    expect(steps).toEqual([4, 4, 4, 4]);
    // At or past the cap, Train runs no step.
    const again = await train(
      state,
      split,
      { ...cfg, maxSteps: 20 },
      { onLog: () => {}, between: async () => 'continue' },
    );
    expect(again).toMatchObject({ reason: 'max-steps', globalStep: 20 });
    disposeTrainingState(state);
    split.dispose();
  });
});

describe('predictions.csv', () => {
  test('header Id,Category, 1-based record order without ids, the id feature with them', () => {
    expect(predictionsCsv(new Int32Array([3, 0, 9]), null)).toBe('Id,Category\n1,3\n2,0\n3,9\n');
    expect(predictionsCsv(new Int32Array([1, 2]), ['a.png', 'b,"c"'])).toBe(
      'Id,Category\na.png,1\n"b,""c""",2\n',
    );
  });
});
