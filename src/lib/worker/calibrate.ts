/**
 * Backend calibration (#19), in its own worker (./calibrate.worker.ts) so that the training worker's backend, model
 * and data stay as they are: a few training steps of the chosen model on each backend that can train it, on
 * synthetic data of the model's input shape, with the trainer the app trains with (the fused kernels on webgpu where
 * a run would use them). One warm-up step (shaders compiled, data uploaded), then steps until about a second has
 * passed (at least 3, at most 20), the GPU drained before the clock stops.
 */
import * as tf from '@tensorflow/tfjs';
import { cannotTrainOnText, initBackend } from '../ml/backend';
import { toDevice, type DeviceSplit } from '../ml/data';
import { packSplit, type PackedSplit } from '../ml/fused-logistic';
import { buildModel } from '../ml/models';
import { chooseTrainPath, disposeTrainingState, newTrainingState, train } from '../ml/trainer';
import type { ModelDefinition } from '../model-spec/format';
import {
  adapterLabel,
  CALIBRATED,
  type BackendFigure,
  type Calibration,
  type CalibrationSpec,
} from '../shared/calibration';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../shared/settings';
import type { BackendName } from '../shared/worker-types';

const TIMED_MS = 1000;
const MIN_STEPS = 3;
const MAX_STEPS = 20;
/** A warm-up step slower than this is the figure itself (a convolution on the CPU): no more steps are timed. */
const SLOW_STEP_MS = 10_000;

/** Random pixels and labels (a fixed seed): speed does not depend on what the digits look like. */
function syntheticSplit(spec: CalibrationSpec): { images: Uint8Array; labels: Int32Array; count: number } {
  const [h, w, d] = spec.inputShape;
  const count = spec.batchSize * 2;
  const images = new Uint8Array(count * h * w * d);
  let s = 12345;
  for (let i = 0; i < images.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    images[i] = s >>> 24;
  }
  const labels = Int32Array.from({ length: count }, (_, i) => i % spec.numClasses);
  return { images, labels, count };
}

async function measureOn(
  backend: BackendName,
  spec: CalibrationSpec,
  definition: ModelDefinition | undefined,
): Promise<BackendFigure> {
  let info;
  try {
    info = await initBackend(backend);
  } catch (e) {
    return { backend, examplesPerSec: null, steps: 0, reason: (e as Error).message };
  }
  if (info.name !== backend) return { backend, examplesPerSec: null, steps: 0, reason: info.reason ?? '' };
  const built = buildModel({
    name: spec.model,
    inputShape: spec.inputShape,
    numClasses: spec.numClasses,
    seed: 0,
    definition,
  });
  const unsupported = cannotTrainOnText(backend, built.model);
  if (unsupported) {
    built.model.dispose();
    return { backend, examplesPerSec: null, steps: 0, reason: unsupported };
  }
  const config: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    model: spec.model,
    batchSize: spec.batchSize,
    numEpochs: 1000,
    fusedKernels: spec.fusedKernels,
  };
  const state = newTrainingState(built, config);
  const host = syntheticSplit(spec);
  const path = chooseTrainPath(state, spec.fusedKernels ? 'auto' : 'generic');
  const dim = host.images.length / host.count;
  let device: DeviceSplit | null = null;
  let packed: PackedSplit | null = null;
  try {
    const base = {
      count: host.count,
      shape: spec.inputShape,
      numClasses: spec.numClasses,
      labels: host.labels,
    };
    let split;
    if (path === 'fused') {
      packed = packSplit(host.images, host.labels, host.count, dim);
      split = { ...base, x: null, y: null };
    } else {
      device = toDevice({ ...base, images: host.images });
      split = device;
    }
    const options = { path, packed: packed ? () => packed! : undefined } as const;
    const run = (between: () => 'continue' | 'stop') =>
      train(state, split, config, { onLog: () => {}, between: async () => between() }, options);
    // Warm-up: one step, read back (train drains before it returns).
    const t0 = performance.now();
    let warm = 0;
    await run(() => (warm++ < 1 ? 'continue' : 'stop'));
    const warmMs = performance.now() - t0;
    if (warmMs > SLOW_STEP_MS) return { backend, examplesPerSec: (spec.batchSize * 1000) / warmMs, steps: 1 };
    let steps = 0;
    const start = performance.now();
    await run(() => {
      const enough = steps >= MIN_STEPS && (performance.now() - start >= TIMED_MS || steps >= MAX_STEPS);
      if (enough) return 'stop';
      steps++;
      return 'continue';
    });
    const ms = performance.now() - start;
    return { backend, examplesPerSec: (steps * spec.batchSize * 1000) / ms, steps };
  } catch (e) {
    return { backend, examplesPerSec: null, steps: 0, reason: (e as Error).message };
  } finally {
    device?.dispose();
    packed?.dispose();
    disposeTrainingState(state);
  }
}

/** Measures every backend in turn; `onFigure` hears each as it is made. */
export async function calibrate(
  spec: CalibrationSpec,
  definition?: ModelDefinition,
  onFigure?: (f: BackendFigure) => void,
): Promise<Calibration> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const adapter = gpu
    ? adapterLabel((await gpu.requestAdapter({ powerPreference: 'high-performance' }))?.info ?? null)
    : '';
  const figures: BackendFigure[] = [];
  for (const backend of CALIBRATED) {
    const f = await measureOn(backend, spec, definition);
    figures.push(f);
    onFigure?.(f);
  }
  tf.disposeVariables();
  return { adapter, model: spec.model, batchSize: spec.batchSize, figures, at: Date.now() };
}
