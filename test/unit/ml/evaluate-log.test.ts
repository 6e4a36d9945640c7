/**
 * eval.py's and inference.py's lines as ml/evaluate.ts writes them while it runs (tfjs's cpu backend in Node): one
 * line per batch of 512 / 8,192, the closing lines with the values the result holds, and the two signs of a diverged
 * model: NaN or infinite weights, and outputs that hold NaN although the weights are finite.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { toDevice } from '../../../src/lib/ml/data';
import { evaluate, nonFiniteWeights, predict } from '../../../src/lib/ml/evaluate';
import { EVAL_DONE_LINE, INFERENCE_DONE_LINE, formatEvalEpochLine } from '../../../src/lib/shared/eval-log';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 700 examples of 2×2 pixels in 3 classes: two of eval.py's batches (512 + 188). */
function split() {
  const count = 700;
  const images = new Uint8Array(count * 4);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 3;
    for (let p = 0; p < 4; p++) images[i * 4 + p] = p === labels[i] ? 200 : (i * 13 + p * 7) % 60;
  }
  return toDevice({ count, images, labels, shape: [2, 2, 1], numClasses: 3 });
}

function model(kernel: number) {
  const m = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [2, 2, 1] }),
      tf.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: 'glorotUniform',
        seed: 1,
      } as never),
    ],
  });
  if (kernel !== 1)
    m.layers[1].setWeights([tf.fill([4, 3], kernel).mul(tf.tensor2d([[1, -1, 0]])), tf.zeros([3])]);
  return m;
}

describe("eval.py's lines", () => {
  test('a line per batch of 512, then its two closing lines with the values of the result', async () => {
    const data = split();
    const lines: string[] = [];
    const run = await evaluate(model(1), data, 'CrossEntropyLoss', 2, {
      globalStep: 48,
      onLine: (l) => void lines.push(l),
    });
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^examples_processed: 512 \| global_step 48 \| Batch Hit@1: \d\.\d{3} \|/);
    expect(lines[1]).toMatch(/^examples_processed: 700 \| global_step 48 \| /);
    expect(lines[2]).toBe(EVAL_DONE_LINE);
    const m = run.result.metrics;
    expect(lines[3]).toBe(
      formatEvalEpochLine({
        globalStep: 48,
        hitAt1: m['Hit@1'],
        perr: m.PERR,
        map: m.MAP,
        gap: m.GAP,
        loss: m.Loss,
      }),
    );
    expect(run.nanExamples).toBe(0);

    const hinge = await evaluate(model(1), data, 'HingeLoss', 2);
    expect(hinge.result.metrics.Loss).not.toBeCloseTo(m.Loss, 3);
    data.dispose();
  });

  test("inference.py's line per batch of 8,192, then its last line", async () => {
    const data = split();
    const lines: string[] = [];
    await predict(model(1), data, { onLine: (l) => void lines.push(l) });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^num examples processed: 700 elapsed seconds: \d+\.\d\d$/);
    expect(lines[1]).toBe(INFERENCE_DONE_LINE);
    data.dispose();
  });
});

describe('a diverged model', () => {
  test('NaN weights are counted (NaN × 0 is NaN: the whole kernel)', async () => {
    const nan = model(NaN);
    expect(await nonFiniteWeights(nan)).toEqual({ count: 12, total: 15 });
    expect(await nonFiniteWeights(model(1))).toEqual({ count: 0, total: 15 });
  });

  test('finite weights whose outputs overflow to NaN: the examples are counted, and the lines say nan', async () => {
    // Weights of ±3e38 (float32 holds up to 3.4e38) times pixels summing past 1.2 overflow to ±Infinity; softmax of
    // Infinity is NaN (Infinity − Infinity).
    const huge = model(3e38);
    expect((await nonFiniteWeights(huge)).count).toBe(0);
    const data = split();
    const lines: string[] = [];
    const run = await evaluate(huge, data, 'CrossEntropyLoss', 2, { onLine: (l) => void lines.push(l) });
    expect(run.nanExamples).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatch(/Avg_Loss: nan$/);
    data.dispose();
  });
});
