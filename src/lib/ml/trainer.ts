/**
 * train.py's loop: Adam on label loss + regularization_penalty · L2, staircase learning-rate decay over examples,
 * per-tensor gradient clipping, a status line every `logEverySteps` steps.
 *
 * Sync points: none per step. Every step's loss read-back is issued with the step and not awaited: the loop runs up
 * to READ_AHEAD steps ahead of the oldest unread one, so the GPU queue stays full, and each step's line is emitted, in
 * order, when its read-back resolves (a step or two late). Step i's time is finish(i) − finish(i−1), the instants its
 * read-backs resolved here; after the run was held (a pause, an evaluation, a checkpoint: the `between` hook drains
 * first) the clock restarts at the next step's submission, so the time it held is no step's. Between steps the
 * caller's `between()` hook runs; it yields to the worker's event loop so Pause/Stop messages arrive.
 *
 * Differences from the TensorFlow original, on purpose: each epoch is its own seeded shuffle of the whole split and
 * its last batch may be smaller (TF's shuffle_batch queue ran across epochs, and its `allow_smaller_final_batch` let
 * only the run's very last batch be smaller); tfjs's Adam adds epsilon to sqrt(v̂) rather than folding the bias
 * correction into the learning rate, a difference far below float32 noise at epsilon = 1e-8.
 */
import * as tf from '@tensorflow/tfjs';
import { learningRateAt, type TrainConfig } from '../shared/settings';
import { formatShortStepLine, withLine, type StepLine, type StepLog } from '../shared/step-log';
import type { EpochMemory, Progress, TrainOutcome } from '../shared/worker-types';
import { gatherBatch, type DeviceSplit, type TrainingSplit } from './data';
import { LOSSES, l2Regularization } from './losses';
import { gap, hitAtOne, oneHot, perr } from './metrics';
import type { BuiltModel } from './models';
import { epochOrder } from './random';
import { FusedLogistic, fusedLayout, fusedPart, packFusedState, type PackedSplit } from './fused-logistic';
import { PagetrainError, text } from '../shared/errors';

export interface TrainHooks {
  /** A log step's numbers (every `logEverySteps` steps), just before its line goes to `onStep`. */
  onLog(log: StepLog): void;
  /** Every step's line, in step order, once its loss has been read back. */
  onStep?(line: StepLine): void;
  onProgress?(p: Progress): void;
  onEpochEnd?(e: EpochMemory): void;
  /**
   * Runs between steps; resolves 'stop' to end the run early (the model keeps what it learned). Before it holds the
   * run (pauses, evaluates, writes a checkpoint) it awaits `drain()`: every step so far is read back and its line
   * emitted, and the time it then holds is counted in no step's Examples/sec.
   */
  between(drain: () => Promise<void>): Promise<'continue' | 'stop'>;
}

/** Steps the loop may run ahead of the oldest step whose loss is not read back yet. */
export const READ_AHEAD = 2;

/** What a step's read-back gives: its label loss, the batch's predictions on log steps, the instant it resolved. */
interface StepResult {
  loss: number;
  predictions: Float32Array | null;
  at: number;
}

interface InFlight {
  step: number;
  epoch: number;
  n: number;
  learningRate: number;
  /** The batch's example indices, on log steps (their labels score the predictions). */
  batch: Int32Array | null;
  submittedAt: number;
  result: Promise<StepResult>;
}

/**
 * The state that outlives one call to train(): weights, Adam's moments, the global step and epoch. While the fused
 * WebGPU path owns the model (`fused` set), Adam's moments live in its packed state, not in `optimizer`; the model's
 * weights are copied back after every run.
 */
export interface TrainingState {
  built: BuiltModel;
  optimizer: tf.AdamOptimizer;
  globalStep: number;
  epoch: number;
  /** Examples of the current epoch already trained on: a run stopped mid-epoch resumes there, same order. */
  epochExamples: number;
  fused: FusedLogistic | null;
}

export function newTrainingState(built: BuiltModel, config: TrainConfig): TrainingState {
  // TensorFlow's AdamOptimizer defaults: beta1 0.9, beta2 0.999, epsilon 1e-8 (tfjs would pick 1e-7).
  const optimizer = tf.train.adam(config.baseLearningRate, 0.9, 0.999, 1e-8);
  return { built, optimizer, globalStep: 0, epoch: 0, epochExamples: 0, fused: null };
}

export function disposeTrainingState(state: TrainingState): void {
  state.fused?.dispose();
  state.built.model.dispose();
  state.optimizer.dispose();
}

/** Which step implementation train() uses: 'auto' takes the fused kernels where they exist (LogisticModel, webgpu). */
export type TrainPath = 'auto' | 'fused' | 'generic';

export interface TrainOptions {
  path?: TrainPath;
  /** The host copy of the split, for the fused path's uint8 upload (made once, kept with the device split). */
  packed?: () => PackedSplit;
}

/**
 * The path train() takes for `state`: the fused kernels where `path` allows them and they apply, else tfjs's ops.
 * Decided before the data is uploaded, so that only the copy this path reads is made.
 */
export function chooseTrainPath(state: TrainingState, path: TrainPath = 'auto'): 'fused' | 'generic' {
  if (path === 'generic') return 'generic';
  if (fusedApplies(state)) return 'fused';
  if (path === 'fused') throw new PagetrainError('ConfigError', text('train_fused_not_applicable'));
  return 'generic';
}

export function fusedApplies(state: TrainingState): boolean {
  // The fused kernels implement exactly Flatten → Dense(softmax): a restored or imported model must have that shape.
  const { model, spec } = state.built;
  return (
    spec.name === 'LogisticModel' &&
    !spec.definition &&
    model.layers.length === 2 &&
    model.trainableWeights.length === 2 &&
    FusedLogistic.available()
  );
}

/** Adam moments of tfjs's optimizer as host arrays in variable order, or null when it has taken no step. */
async function optimizerMoments(
  state: TrainingState,
): Promise<{ m: Float32Array[]; v: Float32Array[]; iterations: number } | null> {
  const weights = await state.optimizer.getWeights();
  const iterations = (await weights[0].tensor.data())[0];
  // getWeights makes a fresh scalar for the iteration count each call.
  weights[0].tensor.dispose();
  const rest = weights.slice(1);
  if (rest.length === 0) return null;
  const half = rest.length / 2;
  const arrays = await Promise.all(rest.map((w) => w.tensor.data() as Promise<Float32Array>));
  return { m: arrays.slice(0, half), v: arrays.slice(half), iterations };
}

/** Hands the model to the fused kernels: packs weights and Adam's moments into one GPU tensor. */
async function enterFused(state: TrainingState): Promise<FusedLogistic> {
  const [kernel, bias] = state.built.model.trainableWeights.map((w) => w.read());
  const [D, C] = kernel.shape as [number, number];
  const moments = await optimizerMoments(state);
  const packed = packFusedState(fusedLayout(D, C), {
    W: (await kernel.data()) as Float32Array,
    b: (await bias.data()) as Float32Array,
    ...(moments ? { mW: moments.m[0], mb: moments.m[1], vW: moments.v[0], vb: moments.v[1] } : {}),
  });
  return new FusedLogistic(D, C, tf.tensor1d(packed), moments?.iterations ?? 0);
}

/** Copies the fused state's weights back into the model's variables (evaluate, predict and export read those). */
export function syncFusedWeights(state: TrainingState): void {
  const f = state.fused;
  if (!f) return;
  const [kernel, bias] = state.built.model.trainableWeights;
  const { D, C, W, b } = f.layout;
  tf.tidy(() => {
    kernel.write(f.params.slice(W[0], W[1] - W[0]).reshape([D, C]));
    bias.write(f.params.slice(b[0], b[1] - b[0]));
  });
}

/** Gives the model back to tfjs's optimizer: its moments and iteration count from the fused state. */
async function leaveFused(state: TrainingState): Promise<void> {
  const f = state.fused;
  if (!f) return;
  syncFusedWeights(state);
  const all = await f.read();
  const { layout } = f;
  const { D, C } = layout;
  const names = state.built.model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
  const opt = state.optimizer as unknown as {
    accumulatedFirstMoment: { variable: tf.Variable }[];
    accumulatedSecondMoment: { variable: tf.Variable }[];
  };
  // setWeights replaces the moment variables without disposing the old ones.
  for (const v of [...opt.accumulatedFirstMoment, ...opt.accumulatedSecondMoment]) v.variable.dispose();
  const values = [
    { name: 'iter', tensor: tf.scalar(f.adamSteps, 'int32') as tf.Tensor },
    { name: `${names[0]}/m`, tensor: tf.tensor2d(fusedPart(all, layout, 'mW'), [D, C]) },
    { name: `${names[1]}/m`, tensor: tf.tensor1d(fusedPart(all, layout, 'mb')) },
    { name: `${names[0]}/v`, tensor: tf.tensor2d(fusedPart(all, layout, 'vW'), [D, C]) },
    { name: `${names[1]}/v`, tensor: tf.tensor1d(fusedPart(all, layout, 'vb')) },
  ];
  await state.optimizer.setWeights(values);
  // The new variables hold their own references to the data.
  for (const v of values) v.tensor.dispose();
  f.dispose();
  state.fused = null;
}

/** tf.clip_by_norm: t · clip / max(‖t‖₂, clip). */
export function clipByNorm(g: tf.Tensor, clip: number): tf.Tensor {
  return g.mul(clip).div(tf.maximum(tf.norm(g), clip));
}

export async function train(
  state: TrainingState,
  data: TrainingSplit,
  config: TrainConfig,
  hooks: TrainHooks,
  options: TrainOptions = {},
): Promise<TrainOutcome> {
  if (!data.labels) throw new PagetrainError('DataError', text('train_no_labels'));
  const useFused = !!options.packed && chooseTrainPath(state, options.path) === 'fused';
  if (options.path === 'fused' && !useFused)
    throw new PagetrainError('ConfigError', text('train_fused_not_packed'));
  if (!useFused && (!data.x || !data.y))
    throw new PagetrainError('DataError', text('train_generic_needs_device'));
  const device = data as DeviceSplit;
  if (useFused && !state.fused) state.fused = await enterFused(state);
  if (!useFused && state.fused) await leaveFused(state);
  const packed = useFused ? options.packed!() : null;

  const { model, regularized } = state.built;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const labels = data.labels;
  const C = data.numClasses;
  const bs = config.batchSize;
  const stepsPerEpoch = Math.ceil(data.count / bs);
  const firstEpoch = state.epoch;
  const lastEpoch = firstEpoch + config.numEpochs;
  // --max_steps caps the global step, as train.py's `max_steps <= global_step` does: a continued model runs only
  // the steps left below it (none once it is reached; train.py would run one more before its check).
  const stepsLeft = config.maxSteps === null ? Infinity : Math.max(0, config.maxSteps - state.globalStep);
  const totalSteps = Math.min(config.numEpochs * stepsPerEpoch, stepsLeft);
  // Adam keeps its learning rate as a plain number read at each applyGradients; the schedule sets it per step.
  const optimizer = state.optimizer as unknown as { learningRate: number } & tf.AdamOptimizer;
  const l2 = regularized.reduce((sum, r) => sum + r.l2, 0);

  let runSteps = 0;
  let orderTensor: tf.Tensor1D | null = null;

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
      path: useFused ? 'fused' : 'generic',
    };
  };

  /**
   * Tensors (and their bytes) that steps keep until their read-back resolves: how many are alive at an epoch's end
   * depends on how far the GPU has got, so the epoch's memory figures leave them out (they stay comparable).
   */
  const held = { tensors: 0, bytes: 0 };
  const awaiting = (...ts: (tf.Tensor | null)[]) => {
    const live = ts.filter((t): t is tf.Tensor => t !== null);
    const bytes = live.reduce((sum, t) => sum + t.size * 4, 0);
    held.tensors += live.length;
    held.bytes += bytes;
    return () => {
      held.tensors -= live.length;
      held.bytes -= bytes;
    };
  };

  /** The generic path: tfjs ops and autodiff, any model, any backend. Returns its read-back, issued now. */
  const genericStep = (batch: Int32Array, wantLog: boolean): Promise<StepResult> => {
    let kept: { labelLoss: tf.Scalar; predictions: tf.Tensor2D | null } | null = null;
    const indices = tf.tensor1d(batch, 'int32');
    tf.tidy(() => {
      const { x, y } = gatherBatch(device, indices);
      const { grads } = tf.variableGrads(() => {
        const predictions = model.apply(x, { training: true }) as tf.Tensor2D;
        const labelLoss = LOSSES[config.labelLoss](y!, predictions);
        kept = { labelLoss: tf.keep(labelLoss), predictions: wantLog ? tf.keep(predictions) : null };
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
    const { labelLoss, predictions } = kept! as { labelLoss: tf.Scalar; predictions: tf.Tensor2D | null };
    const release = awaiting(labelLoss, predictions);
    // Resolves when the GPU has finished this step (and every step queued before it).
    return Promise.all([labelLoss.data(), predictions?.data() ?? null]).then(([lossV, predV]) => {
      const at = performance.now();
      release();
      labelLoss.dispose();
      predictions?.dispose();
      return { loss: lossV[0], predictions: predV as Float32Array | null, at };
    });
  };

  /** The fused path: four WebGPU kernels a step (fused-logistic.ts), same math. */
  let checked = false;
  const fusedStep = async (
    start: number,
    n: number,
    learningRate: number,
    wantLog: boolean,
  ): Promise<{ result: Promise<StepResult> }> => {
    const args = [
      packed!,
      orderTensor!,
      start,
      n,
      {
        loss: config.labelLoss,
        learningRate,
        clip: config.clipGradientNorm,
        reg: config.regularizationPenalty * l2,
      },
    ] as const;
    const out = checked ? state.fused!.step(...args) : await state.fused!.checkedStep(...args);
    checked = true;
    const release = awaiting(out);
    // Resolves when the GPU has finished this step (and every step queued before it). Wrapped: an async function
    // would otherwise wait for it.
    const result = out.data().then((data): StepResult => {
      const at = performance.now();
      release();
      out.dispose();
      const all = data as Float32Array;
      const w = 2 * C + 1;
      const predictions = wantLog ? new Float32Array(n * C) : null;
      let loss = 0;
      for (let i = 0; i < n; i++) {
        predictions?.set(all.subarray(i * w + C, i * w + 2 * C), i * C);
        loss += all[i * w + 2 * C];
      }
      // tf.mean in float32: the sum of per-example losses divided by n.
      return { loss: Math.fround(loss / n), predictions, at };
    });
    return { result };
  };

  const inFlight: InFlight[] = [];
  /** When the last emitted step's read-back resolved; null at the start and after the run was held. */
  let lastFinish: number | null = null;

  /** Waits for the oldest step's read-back and emits its line (and its log, on a log step). */
  const emitOldest = async () => {
    const f = inFlight[0];
    const r = await f.result;
    inFlight.shift();
    const ms = r.at - (lastFinish ?? f.submittedAt);
    lastFinish = r.at;
    const examplesPerSec = (f.n * 1000) / Math.max(ms, 1e-3);
    const head = { step: f.step, epoch: f.epoch, loss: r.loss, examplesPerSec };
    if (f.batch && r.predictions) {
      const batchLabels = new Int32Array(f.n);
      for (let i = 0; i < f.n; i++) batchLabels[i] = labels[f.batch[i]];
      const dense = oneHot(batchLabels, C);
      const p = r.predictions;
      const log = withLine({
        ...head,
        hitAt1: hitAtOne(p, dense, f.n, C),
        perr: perr(p, dense, f.n, C),
        gap: gap(p, dense, f.n, C),
        learningRate: f.learningRate,
      });
      hooks.onLog(log);
      hooks.onStep?.({ ...head, full: true, line: log.line });
    } else {
      hooks.onStep?.({ ...head, full: false, line: formatShortStepLine(head) });
    }
  };

  /** Reads back every step so far and emits their lines; the next step's clock starts at its submission. */
  const drain = async () => {
    while (inFlight.length) await emitOldest();
    lastFinish = null;
  };

  try {
    while (state.epoch < lastEpoch) {
      const order = epochOrder(data.count, config.seed, state.epoch);
      if (useFused) {
        orderTensor?.dispose();
        orderTensor = tf.tensor1d(order, 'int32');
      }
      // A run stopped mid-epoch left its place; a change of batch size keeps the place in examples.
      for (let start = Math.min(state.epochExamples, data.count); start < data.count; start += bs) {
        if ((await hooks.between(drain)) === 'stop') {
          await drain();
          return finish('stopped');
        }
        if (runSteps >= totalSteps) {
          await drain();
          return finish('max-steps');
        }

        const batch = order.subarray(start, Math.min(start + bs, data.count));
        const n = batch.length;
        const step = state.globalStep + 1;
        const wantLog = step % config.logEverySteps === 0;
        const learningRate = learningRateAt(config, state.globalStep);
        optimizer.learningRate = learningRate;

        const submittedAt = performance.now();
        const result = useFused
          ? (await fusedStep(start, n, learningRate, wantLog)).result
          : genericStep(batch, wantLog);
        // A failed read-back surfaces when the loop awaits it; until then it must not count as unhandled.
        result.catch(() => {});
        inFlight.push({
          step,
          epoch: state.epoch,
          n,
          learningRate,
          batch: wantLog ? batch : null,
          submittedAt,
          result,
        });
        state.globalStep = step;
        state.epochExamples = start + n;
        runSteps++;
        hooks.onProgress?.({ step, epoch: state.epoch, totalSteps, runSteps });
        while (inFlight.length > READ_AHEAD) await emitOldest();
      }
      state.epoch++;
      state.epochExamples = 0;
      const mem = tf.memory() as tf.MemoryInfo & {
        numBytesInGPU?: number;
        numBytesAllocatedInGPU?: number;
        numBytesInGPUAllocated?: number;
      };
      hooks.onEpochEnd?.({
        epoch: state.epoch,
        numTensors: mem.numTensors - held.tensors,
        numBytes: mem.numBytes - held.bytes,
        numBytesInGPU: mem.numBytesInGPU === undefined ? undefined : mem.numBytesInGPU - held.bytes,
        // webgpu names it numBytesAllocatedInGPU, webgl numBytesInGPUAllocated.
        numBytesAllocatedInGPU: mem.numBytesAllocatedInGPU ?? mem.numBytesInGPUAllocated,
      });
    }
    await drain();
    return finish('epochs');
  } finally {
    orderTensor?.dispose();
    // The model's variables are what evaluate, predict and export read: bring them up to date.
    if (useFused) syncFusedWeights(state);
  }
}
