/**
 * Evaluation during training on the fused path: eval.py's numbers for the validation split from LogisticModel's own
 * forward kernel (fused-logistic.ts) over the validation split's uint8 copy, in place of tfjs's ops (on a software
 * WebGPU adapter those take about a second per evaluation of the 1,000-example sample, a step's forward kernel a few
 * milliseconds). Same math as evaluate() in ./evaluate.ts: eval.py's batches of EVAL_BATCH, each batch's mean label
 * loss, the starter code's EvaluationMetrics; the numbers agree with it to float32 rounding.
 *
 * The kernels are queued at once and read back together without blocking the training queue behind them: the GPU
 * runs them after the steps already queued and before the steps queued later, so they see the weights of the moment
 * they were queued, while training goes on.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossName } from '../shared/settings';
import { EVAL_BATCH, evalResult, type EvalRun } from './evaluate';
import type { FusedLogistic, PackedSplit } from './fused-logistic';
import { EvaluationMetrics, oneHot } from './metrics';

/**
 * Queues the evaluation now; the promise resolves once the GPU has run it. `labels` are the split's class ids on the
 * host (the same as in `packed`).
 */
export function evaluateFused(
  fused: FusedLogistic,
  packed: PackedSplit,
  labels: Int32Array,
  lossName: LossName,
  topK = 2,
): Promise<EvalRun> {
  const count = labels.length;
  const C = fused.C;
  const order = tf.tensor1d(
    Int32Array.from({ length: count }, (_, i) => i),
    'int32',
  );
  const outs: tf.Tensor2D[] = [];
  for (let start = 0; start < count; start += EVAL_BATCH)
    outs.push(fused.forward(packed, order, start, Math.min(EVAL_BATCH, count - start), lossName));
  order.dispose();
  return Promise.all(outs.map((o) => o.data() as Promise<Float32Array>)).then((batches) => {
    for (const o of outs) o.dispose();
    const metrics = new EvaluationMetrics(C, topK);
    const all = new Float32Array(count * C);
    const w = 2 * C + 1;
    batches.forEach((out, b) => {
      const start = b * EVAL_BATCH;
      const n = Math.min(EVAL_BATCH, count - start);
      const p = new Float32Array(n * C);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        p.set(out.subarray(i * w + C, i * w + 2 * C), i * C);
        loss += out[i * w + 2 * C];
      }
      // The batch's mean label loss in float32, as tf.mean gives it to eval.py's accumulator.
      metrics.accumulate(p, oneHot(labels.subarray(start, start + n), C), n, Math.fround(loss / n));
      all.set(p, start * C);
    });
    const m = metrics.get();
    const result = evalResult(m, all, labels, count, C);
    return { result, probabilities: all };
  });
}
