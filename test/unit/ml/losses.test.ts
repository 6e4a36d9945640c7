import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LOSSES,
  crossEntropyLoss,
  hingeLoss,
  l2Regularization,
  lossOnArrays,
  softmaxLoss,
} from '../../../src/lib/ml/losses';
import { LOSS_NAMES, type LossName } from '../../../src/lib/shared/settings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function value(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0];
  t.dispose();
  return v;
}

/** Evaluates LOSSES[name] on plain rows, and the array version on the same values. */
async function both(name: LossName, labels: number[][], preds: number[][]): Promise<[number, number]> {
  const y = tf.tensor2d(labels);
  const p = tf.tensor2d(preds);
  const tensorValue = await value(LOSSES[name](y, p));
  y.dispose();
  p.dispose();
  const arrayValue = lossOnArrays(
    name,
    new Float32Array(preds.flat()),
    new Float32Array(labels.flat()),
    labels.length,
    labels[0].length,
  );
  return [tensorValue, arrayValue];
}

describe('CrossEntropyLoss', () => {
  it('matches the hand-computed value', async () => {
    // Row 0: y = [1, 0], p = [0.8, 0.1]: −log(0.8 + 1e-5) − log(1 − 0.1 + 1e-5) = 0.3284804560
    // Row 1: y = [0, 1], p = [0.3, 0.6]: −log(1 − 0.3 + 1e-5) − log(0.6 + 1e-5) = 0.8674696156
    // Mean over the batch: 0.5979750358
    const [t, a] = await both(
      'CrossEntropyLoss',
      [
        [1, 0],
        [0, 1],
      ],
      [
        [0.8, 0.1],
        [0.3, 0.6],
      ],
    );
    expect(t).toBeCloseTo(0.5979750358, 6);
    expect(a).toBeCloseTo(0.5979750358, 6);
  });

  it('stays finite at p = 0 and p = 1 (epsilon = 1e-5)', async () => {
    // Wrong and certain: −log(0 + 1e-5) − log(1 − 1 + 1e-5) = 2 · 11.5129254650 = 23.0258509299
    const [t0, a0] = await both('CrossEntropyLoss', [[1, 0]], [[0, 1]]);
    expect(t0).toBeCloseTo(23.0258509299, 5);
    expect(a0).toBeCloseTo(23.0258509299, 5);
    // Right and certain: −log(1 + 1e-5) − log(1 − 0 + 1e-5) = −1.99999e-5, slightly below 0, as in TensorFlow.
    const [t1, a1] = await both('CrossEntropyLoss', [[1, 0]], [[1, 0]]);
    expect(t1).toBeCloseTo(-1.99999e-5, 6);
    expect(a1).toBeCloseTo(-1.99999e-5, 6);
    expect(t1).toBeLessThan(0);
  });

  it('has the expected gradient through its tf.tidy', async () => {
    // d/dp −log(p + 1e-5) at p = 0.5, batch of 1 (y = 1): −1 / 0.50001 = −1.99996.
    const y = tf.tensor2d([[1]]);
    const p = tf.tensor2d([[0.5]]);
    const g = tf.grad((x: tf.Tensor) => crossEntropyLoss(y, x as tf.Tensor2D))(p);
    expect((await g.data())[0]).toBeCloseTo(-1.99996, 5);
    tf.dispose([y, p, g]);
  });
});

describe('HingeLoss', () => {
  it('matches the hand-computed value (b = 1)', async () => {
    // Row 0: y = [1, 0, 0] → signs [1, −1, −1], p = [0.8, 0.3, −0.5]:
    //   max(0, 1 − 0.8) + max(0, 1 + 0.3) + max(0, 1 − 0.5) = 0.2 + 1.3 + 0.5 = 2.0
    // Row 1: y = [0, 1, 0] → signs [−1, 1, −1], p = [0.5, 1.5, 0]:
    //   max(0, 1 + 0.5) + max(0, 1 − 1.5) + max(0, 1 − 0) = 1.5 + 0 + 1 = 2.5
    // Mean: 2.25
    const [t, a] = await both(
      'HingeLoss',
      [
        [1, 0, 0],
        [0, 1, 0],
      ],
      [
        [0.8, 0.3, -0.5],
        [0.5, 1.5, 0],
      ],
    );
    expect(t).toBeCloseTo(2.25, 6);
    expect(a).toBeCloseTo(2.25, 6);
  });

  it('takes another margin b', async () => {
    // b = 2, y = [1, 0], p = [0.5, 0.5]: (2 − 0.5) + (2 + 0.5) = 4.
    expect(await value(hingeLoss(tf.tensor2d([[1, 0]]), tf.tensor2d([[0.5, 0.5]]), 2))).toBeCloseTo(4, 6);
  });
});

describe('SoftmaxLoss', () => {
  it('matches the hand-computed value (several positives, no positive)', async () => {
    // Row 0: y = [1, 0, 0], p = [1, 2, 3]: −log softmax(p)_0 = log(e + e² + e³) − 1 = 2.4076059644
    // Row 1: y = [1, 1, 0] → ŷ = [0.5, 0.5, 0], p = [0, 0, 0]: −(0.5 + 0.5)·log(1/3) = log 3 = 1.0986122887
    // Row 2: y = 0 → ŷ = 0 / max(0, 1e-7) = 0 → 0.
    // Mean: 3.5062182531 / 3 = 1.1687394177
    const [t, a] = await both(
      'SoftmaxLoss',
      [
        [1, 0, 0],
        [1, 1, 0],
        [0, 0, 0],
      ],
      [
        [1, 2, 3],
        [0, 0, 0],
        [0.2, 0.3, 0.5],
      ],
    );
    expect(t).toBeCloseTo(1.1687394177, 6);
    expect(a).toBeCloseTo(1.1687394177, 6);
  });
});

describe('l2Regularization', () => {
  it('is l2 · Σ sum(w²) / 2, like slim.l2_regularizer', async () => {
    // (1 + 4 + 9 + 16 + 0.25) / 2 = 15.125; · 0.01 = 0.15125.
    const w = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const b = tf.tensor1d([0.5]);
    expect(await value(l2Regularization([w, b], 0.01))).toBeCloseTo(0.15125, 6);
    expect(await value(l2Regularization([], 0.01))).toBe(0);
    tf.dispose([w, b]);
  });
});

describe('the tensor and array versions', () => {
  /** mulberry32: a small seeded generator. */
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  for (const name of LOSS_NAMES) {
    it(`agree for ${name} on random batches, including p = 0 and p = 1`, async () => {
      const next = rng(name.length);
      for (const [n, c] of [
        [1, 1],
        [8, 10],
        [64, 10],
        [5, 37],
      ]) {
        const preds = Array.from({ length: n }, () =>
          Array.from({ length: c }, () => {
            const u = next();
            return u < 0.05 ? 0 : u > 0.95 ? 1 : next();
          }),
        );
        const labels = Array.from({ length: n }, () =>
          Array.from({ length: c }, () => (next() < 0.3 ? 1 : 0)),
        );
        const [t, a] = await both(name, labels, preds);
        expect(Math.abs(t - a)).toBeLessThan(1e-5 * Math.max(1, Math.abs(a)));
      }
    });
  }

  it('reject a wrong shape', () => {
    expect(() => lossOnArrays('HingeLoss', new Float32Array(3), new Float32Array(4), 2, 2)).toThrow(
      RangeError,
    );
  });
});

describe('tensor discipline', () => {
  it('leaves no tensor behind', async () => {
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const p = tf.tensor2d([
      [0.7, 0.3],
      [0.4, 0.6],
    ]);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      for (const name of LOSS_NAMES) await value(LOSSES[name](y, p));
      await value(softmaxLoss(y, p));
      await value(l2Regularization([y, p], 0.1));
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([y, p]);
  });
});
