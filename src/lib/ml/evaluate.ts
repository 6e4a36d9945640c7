/**
 * eval.py and inference.py: the model over a split in batches, predictions read back and scored on the host with
 * the starter code's EvaluationMetrics(num_classes, top_k = 2); predictions over the test split as class ids.
 */
import * as tf from '@tensorflow/tfjs';
import type { DeviceSplit } from './data';
import { LOSSES, type LossName } from './losses';
import { EvaluationMetrics, confusionMatrix, oneHot } from './metrics';

export interface EvalResult {
  metrics: { 'Hit@1': number; PERR: number; GAP: number; MAP: number; Loss: number; Accuracy: number };
  examples: number;
  numClasses: number;
  /** numClasses × numClasses counts, row = true class, column = predicted class. */
  confusion: Int32Array;
}

/** eval.py's batch size. */
export const EVAL_BATCH = 512;
/** inference.py's batch size. */
export const PREDICT_BATCH = 8192;

function batchIndices(start: number, end: number): tf.Tensor1D {
  const idx = new Int32Array(end - start);
  for (let i = 0; i < idx.length; i++) idx[i] = start + i;
  return tf.tensor1d(idx, 'int32');
}

export async function evaluate(
  model: tf.LayersModel,
  split: DeviceSplit,
  lossName: LossName,
  topK = 2,
  onProgress?: (done: number, total: number) => void,
): Promise<EvalResult> {
  if (!split.y || !split.labels)
    throw Object.assign(new Error('evaluate: the validation data has no labels'), { name: 'DataError' });
  const C = split.numClasses;
  const [h, w, d] = split.shape;
  const metrics = new EvaluationMetrics(C, topK);
  const allPredictions = new Float32Array(split.count * C);
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    const end = Math.min(start + EVAL_BATCH, split.count);
    const indices = batchIndices(start, end);
    const [pred, loss] = tf.tidy(() => {
      const x = tf.gather(split.x, indices).reshape([-1, h, w, d]);
      const y = tf.gather(split.y!, indices) as tf.Tensor2D;
      const p = model.predict(x) as tf.Tensor2D;
      return [p, LOSSES[lossName](y, p)] as const;
    });
    indices.dispose();
    // Reading back waits for this batch on the GPU.
    const [p, l] = await Promise.all([pred.data() as Promise<Float32Array>, loss.data()]);
    pred.dispose();
    loss.dispose();
    const n = end - start;
    metrics.accumulate(p, oneHot(split.labels.subarray(start, end), C), n, l[0]);
    allPredictions.set(p, start * C);
    onProgress?.(end, split.count);
  }
  const m = metrics.get();
  return {
    metrics: {
      'Hit@1': m['Hit@1'],
      PERR: m.PERR,
      GAP: m.GAP,
      MAP: m.MAP,
      Loss: m.Loss,
      Accuracy: m.Accuracy,
    },
    examples: m.examples,
    numClasses: C,
    confusion: confusionMatrix(allPredictions, split.labels, split.count, C),
  };
}

export interface Predictions {
  /** Predicted class per record, in record order. */
  classes: Int32Array;
  /** Probability of the predicted class. */
  confidence: Float32Array;
}

export async function predict(
  model: tf.LayersModel,
  split: DeviceSplit,
  onProgress?: (done: number, total: number) => void,
): Promise<Predictions> {
  const [h, w, d] = split.shape;
  const classes = new Int32Array(split.count);
  const confidence = new Float32Array(split.count);
  for (let start = 0; start < split.count; start += PREDICT_BATCH) {
    const end = Math.min(start + PREDICT_BATCH, split.count);
    const indices = batchIndices(start, end);
    const [top, best] = tf.tidy(() => {
      const x = tf.gather(split.x, indices).reshape([-1, h, w, d]);
      const p = model.predict(x) as tf.Tensor2D;
      return [p.argMax(1), p.max(1)] as const;
    });
    indices.dispose();
    const [c, b] = await Promise.all([
      top.data() as Promise<Int32Array>,
      best.data() as Promise<Float32Array>,
    ]);
    top.dispose();
    best.dispose();
    classes.set(c, start);
    confidence.set(b, start);
    onProgress?.(end, split.count);
  }
  return { classes, confidence };
}

/** inference.py's output: header `Id,Category`, then `id,class`; ids are 1-based record order unless given. */
export function predictionsCsv(classes: Int32Array, ids: string[] | null): string {
  const lines = ['Id,Category'];
  for (let i = 0; i < classes.length; i++) lines.push(`${ids ? csvField(ids[i]) : i + 1},${classes[i]}`);
  return lines.join('\n') + '\n';
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
