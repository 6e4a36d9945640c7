/**
 * eval.py and inference.py: the model over a split in batches, predictions read back and scored on the host with
 * the starter code's EvaluationMetrics(num_classes, top_k = 2); predictions over the test split as class ids.
 */
import * as tf from '@tensorflow/tfjs';
import type { DeviceSplit } from './data';
import type { LossName } from '../shared/settings';
import { LOSSES } from './losses';
import type { EvalResult } from '../shared/worker-types';
import { EvaluationMetrics, confusionMatrix, oneHot, perClassPrecisionRecall } from './metrics';
import { PagetrainError, text } from '../shared/errors';
import {
  EVAL_DONE_LINE,
  INFERENCE_DONE_LINE,
  formatEvalBatchLine,
  formatEvalEpochLine,
  formatInferenceLine,
  type JobHooks,
} from '../shared/eval-log';

/** An evaluation with the model's outputs kept (n × numClasses), for looking at individual examples. */
export interface EvalRun {
  result: EvalResult;
  probabilities: Float32Array;
}

/** eval.py's run over a split: also how many examples' predictions hold a NaN (their metrics mean nothing). */
export interface ScriptEvalRun extends EvalRun {
  nanExamples: number;
}

/** What an evaluation reports while it runs. */
export interface EvalHooks extends JobHooks {
  /** The model's global step, for eval.py's lines (eval.py read it from the checkpoint's name). */
  globalStep?: number;
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
  hooks: EvalHooks = {},
): Promise<ScriptEvalRun> {
  const { globalStep = 0, onProgress, onLine } = hooks;
  if (!split.y || !split.labels) throw new PagetrainError('DataError', text('eval_no_labels'));
  const C = split.numClasses;
  const [h, w, d] = split.shape;
  const metrics = new EvaluationMetrics(C, topK);
  const allPredictions = new Float32Array(split.count * C);
  let nanExamples = 0;
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    // eval.py times each batch from before its session run to after the values are back.
    const batchStart = performance.now();
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
    const seconds = (performance.now() - batchStart) / 1000;
    const n = end - start;
    nanExamples += countNaNRows(p, n, C);
    const batch = metrics.accumulate(p, oneHot(split.labels.subarray(start, end), C), n, l[0]);
    allPredictions.set(p, start * C);
    await onLine?.(
      formatEvalBatchLine({
        examplesProcessed: end,
        globalStep,
        hitAt1: batch['Hit@1'],
        perr: batch.PERR,
        loss: batch.Loss,
        examplesPerSec: n / seconds,
      }),
    );
    onProgress?.(end, split.count);
  }
  await onLine?.(EVAL_DONE_LINE);
  const m = metrics.get();
  await onLine?.(
    formatEvalEpochLine({
      globalStep,
      hitAt1: m['Hit@1'],
      perr: m.PERR,
      map: m.MAP,
      gap: m.GAP,
      loss: m.Loss,
    }),
  );
  const result = evalResult(m, allPredictions, split.labels, split.count, C);
  return { result, probabilities: allPredictions, nanExamples };
}

/**
 * The model's weight values that are NaN or infinite (a diverged model), of how many: checked before the model runs,
 * so a diverged model is refused with what is wrong rather than evaluated. (On webgpu its outputs do come back NaN,
 * but the loss computed from them in shaders need not: SwiftShader gave a CrossEntropyLoss of −891.)
 */
export async function nonFiniteWeights(model: tf.LayersModel): Promise<{ count: number; total: number }> {
  let count = 0;
  let total = 0;
  for (const w of model.weights) {
    // Reading back waits for the GPU; `read()` is the variable's own tensor, not a copy to dispose.
    const values = await w.read().data();
    total += values.length;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) count++;
  }
  return { count, total };
}

/** Rows of an n × C batch with a NaN among their C outputs. */
function countNaNRows(p: Float32Array, n: number, C: number): number {
  let rows = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      if (Number.isNaN(p[i * C + c])) {
        rows++;
        break;
      }
    }
  }
  return rows;
}

export interface Predictions {
  /** Predicted class per record, in record order. */
  classes: Int32Array;
  /** Probability of the predicted class. */
  confidence: Float32Array;
  /** Every class's probability, count × numClasses. */
  probabilities: Float32Array;
  numClasses: number;
}

export async function predict(
  model: tf.LayersModel,
  split: DeviceSplit,
  hooks: JobHooks = {},
): Promise<Predictions> {
  const { onProgress, onLine } = hooks;
  // inference.py's elapsed seconds count from just before its loop.
  const loopStart = performance.now();
  const [h, w, d] = split.shape;
  const C = model.outputs[0].shape[1] as number;
  const classes = new Int32Array(split.count);
  const confidence = new Float32Array(split.count);
  const probabilities = new Float32Array(split.count * C);
  for (let start = 0; start < split.count; start += PREDICT_BATCH) {
    const end = Math.min(start + PREDICT_BATCH, split.count);
    const indices = batchIndices(start, end);
    const [probs, top] = tf.tidy(() => {
      const x = tf.gather(split.x, indices).reshape([-1, h, w, d]);
      const p = model.predict(x) as tf.Tensor2D;
      return [p, p.argMax(1)] as const;
    });
    indices.dispose();
    // Reading back waits for this batch on the GPU.
    const [p, c] = await Promise.all([
      probs.data() as Promise<Float32Array>,
      top.data() as Promise<Int32Array>,
    ]);
    probs.dispose();
    top.dispose();
    classes.set(c, start);
    probabilities.set(p, start * C);
    for (let i = 0; i < c.length; i++) confidence[start + i] = p[i * C + c[i]];
    await onLine?.(formatInferenceLine(end, (performance.now() - loopStart) / 1000));
    onProgress?.(end, split.count);
  }
  await onLine?.(INFERENCE_DONE_LINE);
  return { classes, confidence, probabilities, numClasses: C };
}

/** The model's class probabilities for one image of `shape`, given as bytes 0..255 (the drawing pad's digit). */
export async function predictPixels(
  model: tf.LayersModel,
  pixels: Uint8Array,
  shape: [number, number, number],
): Promise<Float32Array> {
  const out = tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(pixels), [1, ...shape]).div(255);
    return model.predict(x) as tf.Tensor2D;
  });
  const p = (await out.data()) as Float32Array;
  out.dispose();
  return p;
}

/**
 * inference.py's output: header `Id,Category`, then `id,class`; ids are 1-based record order unless given.
 * With `probabilities` (count × numClasses), the richer form: `Id,Category,p0,…,p{C-1}`.
 */
export function predictionsCsv(
  classes: Int32Array,
  ids: string[] | null,
  probabilities?: { values: Float32Array; numClasses: number },
): string {
  const C = probabilities?.numClasses ?? 0;
  const header = ['Id', 'Category', ...Array.from({ length: C }, (_, c) => `p${c}`)];
  const lines = [header.join(',')];
  for (let i = 0; i < classes.length; i++) {
    let line = `${ids ? csvField(ids[i]) : i + 1},${classes[i]}`;
    for (let c = 0; c < C; c++) line += `,${formatProbability(probabilities!.values[i * C + c])}`;
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

/** Six significant digits: enough to rank, short enough to read; exact 0 and 1 stay short. */
function formatProbability(p: number): string {
  return p === 0 || p === 1 ? String(p) : Number(p.toPrecision(6)).toString();
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Evaluate's result from eval.py's accumulated metrics and every example's probabilities (both evaluation paths). */
export function evalResult(
  m: ReturnType<EvaluationMetrics['get']>,
  predictions: Float32Array,
  labels: Int32Array,
  count: number,
  C: number,
): EvalResult {
  const confusion = confusionMatrix(predictions, labels, count, C);
  const pr = perClassPrecisionRecall(confusion, C);
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
    confusion,
    perClass: {
      precision: Array.from(pr.precision),
      recall: Array.from(pr.recall),
      support: Array.from(pr.support),
    },
  };
}
