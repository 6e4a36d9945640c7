/**
 * train.py's loop: Adam on label loss + regularization_penalty · L2, staircase learning-rate decay over examples,
 * per-tensor gradient clipping, a status line every `logEverySteps` steps.
 *
 * Sync points: reading the loss and the batch predictions back (on log steps only) waits for the GPU. Between
 * steps the caller's `between()` hook runs; it yields to the worker's event loop so Pause/Stop messages arrive.
 *
 * Differences from the TensorFlow original, on purpose: each epoch is its own seeded shuffle of the whole split and
 * its last batch may be smaller (TF's shuffle_batch queue mixed epochs and dropped the remainder); tfjs's Adam adds
 * epsilon to sqrt(v̂) rather than folding the bias correction into the learning rate, a difference far below float32
 * noise at epsilon = 1e-8.
 */
import * as tf from '@tensorflow/tfjs';
import { learningRateAt, type TrainConfig } from './config';
import { gatherBatch, type DeviceSplit } from './data';
import { LOSSES, l2Regularization } from './losses';
import { gap, hitAtOne, oneHot, perr } from './metrics';
import type { BuiltModel } from './models';
import { epochOrder } from './random';

export interface StepLog {
  step: number;
  epoch: number;
  /** Label loss of this step's batch (train.py logs label_loss, not the regularised total). */
  loss: number;
  examplesPerSec: number;
  hitAt1: number;
  perr: number;
  gap: number;
  learningRate: number;
  /** The status line in train.py's format. */
  line: string;
}

export interface Progress {
  step: number;
  epoch: number;
  /** Steps this run will take if not stopped. */
  totalSteps: number;
  /** Steps already taken by this run. */
  runSteps: number;
}

export interface TrainHooks {
  onLog(log: StepLog): void;
  onProgress?(p: Progress): void;
  onEpochEnd?(e: { epoch: number; numTensors: number; numBytes: number }): void;
  /** Runs between steps; resolves 'stop' to end the run early (the model keeps what it learned). */
  between(): Promise<'continue' | 'stop'>;
}

export interface TrainOutcome {
  reason: 'epochs' | 'max-steps' | 'stopped';
  globalStep: number;
  epochsDone: number;
  line: string;
}

/** The state that outlives one call to train(): weights, Adam's moments, the global step and epoch. */
export interface TrainingState {
  built: BuiltModel;
  optimizer: tf.AdamOptimizer;
  globalStep: number;
  epoch: number;
  /** Examples of the current epoch already trained on: a run stopped mid-epoch resumes at the next batch. */
  epochExamples?: number;
}

export function newTrainingState(built: BuiltModel, config: TrainConfig): TrainingState {
  // TensorFlow's AdamOptimizer defaults: beta1 0.9, beta2 0.999, epsilon 1e-8 (tfjs would pick 1e-7).
  const optimizer = tf.train.adam(config.baseLearningRate, 0.9, 0.999, 1e-8);
  return { built, optimizer, globalStep: 0, epoch: 0, epochExamples: 0 };
}

export function formatStepLine(
  step: number,
  loss: number,
  eps: number,
  hit: number,
  p: number,
  g: number,
): string {
  return (
    `training step ${step} | Loss: ${loss.toFixed(2)} Examples/sec: ${eps.toFixed(2)} | ` +
    `Hit@1: ${hit.toFixed(2)} PERR: ${p.toFixed(2)} GAP: ${g.toFixed(2)}`
  );
}

/** tf.clip_by_norm: t · clip / max(‖t‖₂, clip). */
export function clipByNorm(g: tf.Tensor, clip: number): tf.Tensor {
  return g.mul(clip).div(tf.maximum(tf.norm(g), clip));
}

export async function train(
  state: TrainingState,
  data: DeviceSplit,
  config: TrainConfig,
  hooks: TrainHooks,
): Promise<TrainOutcome> {
  if (!data.y || !data.labels)
    throw Object.assign(new Error('train: the training data has no labels'), { name: 'DataError' });
  const { model, regularized } = state.built;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const labels = data.labels;
  const C = data.numClasses;
  const bs = config.batchSize;
  const stepsPerEpoch = Math.ceil(data.count / bs);
  const firstEpoch = state.epoch;
  const lastEpoch = firstEpoch + config.numEpochs;
  const totalSteps = Math.min(config.numEpochs * stepsPerEpoch, config.maxSteps ?? Infinity);
  // Adam keeps its learning rate as a plain number read at each applyGradients; the schedule sets it per step.
  const optimizer = state.optimizer as unknown as { learningRate: number } & tf.AdamOptimizer;

  let runSteps = 0;
  let lastSync = performance.now();
  let examplesSinceSync = 0;

  const finish = (reason: TrainOutcome['reason']): TrainOutcome => {
    const why =
      reason === 'stopped'
        ? 'stopped by user'
        : reason === 'max-steps'
          ? 'max steps reached'
          : 'epoch limit reached';
    return {
      reason,
      globalStep: state.globalStep,
      epochsDone: state.epoch - firstEpoch,
      line: `Done training -- ${why}. ${state.globalStep} steps, ${state.epoch} epochs.`,
    };
  };

  while (state.epoch < lastEpoch) {
    const order = epochOrder(data.count, config.seed, state.epoch);
    for (let start = state.epochExamples ?? 0; start < data.count; start += bs) {
      if ((await hooks.between()) === 'stop') return finish('stopped');
      if (runSteps >= totalSteps) return finish('max-steps');

      const batch = order.subarray(start, Math.min(start + bs, data.count));
      const n = batch.length;
      const step = state.globalStep + 1;
      const wantLog = step % config.logEverySteps === 0;
      const learningRate = learningRateAt(config, state.globalStep);
      optimizer.learningRate = learningRate;

      let kept: { labelLoss: tf.Scalar; predictions: tf.Tensor2D } | null = null;
      const indices = tf.tensor1d(batch, 'int32');
      tf.tidy(() => {
        const { x, y } = gatherBatch(data, indices);
        const { grads } = tf.variableGrads(() => {
          const predictions = model.apply(x, { training: true }) as tf.Tensor2D;
          const labelLoss = LOSSES[config.labelLoss](y!, predictions);
          if (wantLog) kept = { labelLoss: tf.keep(labelLoss), predictions: tf.keep(predictions) };
          const reg = regularized.map((r) =>
            l2Regularization(
              r.weights.map((w) => w.read()),
              r.l2,
            ),
          );
          const regLoss = reg.length ? tf.addN(reg) : tf.scalar(0);
          return labelLoss.add(regLoss.mul(config.regularizationPenalty)) as tf.Scalar;
        }, vars);
        // Adam reads each gradient by its variable's name.
        const clipped: Record<string, tf.Tensor> = {};
        for (const [name, g] of Object.entries(grads)) {
          clipped[name] = config.clipGradientNorm > 0 ? clipByNorm(g, config.clipGradientNorm) : g;
        }
        state.optimizer.applyGradients(clipped as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
      });
      indices.dispose();
      state.globalStep = step;
      state.epochExamples = start + n;
      runSteps++;
      examplesSinceSync += n;
      hooks.onProgress?.({ step, epoch: state.epoch, totalSteps, runSteps });

      if (kept) {
        const { labelLoss, predictions } = kept as { labelLoss: tf.Scalar; predictions: tf.Tensor2D };
        // Reading these back waits for the GPU to finish every step queued so far.
        const [lossV, predV] = await Promise.all([labelLoss.data(), predictions.data()]);
        labelLoss.dispose();
        predictions.dispose();
        const now = performance.now();
        const eps = (examplesSinceSync * 1000) / Math.max(now - lastSync, 1e-3);
        lastSync = now;
        examplesSinceSync = 0;
        const batchLabels = new Int32Array(n);
        for (let i = 0; i < n; i++) batchLabels[i] = labels[batch[i]];
        const dense = oneHot(batchLabels, C);
        const p = predV as Float32Array;
        const hit = hitAtOne(p, dense, n, C);
        const pe = perr(p, dense, n, C);
        const g = gap(p, dense, n, C);
        hooks.onLog({
          step,
          epoch: state.epoch,
          loss: lossV[0],
          examplesPerSec: eps,
          hitAt1: hit,
          perr: pe,
          gap: g,
          learningRate,
          line: formatStepLine(step, lossV[0], eps, hit, pe, g),
        });
      }
    }
    state.epoch++;
    state.epochExamples = 0;
    const mem = tf.memory();
    hooks.onEpochEnd?.({ epoch: state.epoch, numTensors: mem.numTensors, numBytes: mem.numBytes });
  }
  return finish('epochs');
}
