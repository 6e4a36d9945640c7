/**
 * The training bench's cases, run where the app trains: in the browser's worker (bench/train.worker.ts) and in Node on
 * Dawn (bench/node/train.ts). Examples/second of one training epoch, LogisticModel on the bundled MNIST digits:
 * pagetrain's trainer on each backend the runtime has (webgpu with the fused kernels and with tfjs's generic ops,
 * webgl, wasm, cpu) and the presets on webgpu, next to tfjs's own `model.fit` on webgpu measured in the same run. Each
 * figure is the best of the timed epochs after one warm-up epoch (shader compilation, uploads); the GPU is drained
 * before the clock stops. The first (warm-up) epoch's time is printed too.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/lib/ml/backend';
import type { BackendName } from '../src/lib/shared/worker-types';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/lib/shared/settings';
import { decodedToDevice } from '../src/lib/ml/data';
import { packSplit } from '../src/lib/ml/fused-logistic';
import { buildModel } from '../src/lib/ml/models';
import { disposeTrainingState, newTrainingState, train, type TrainPath } from '../src/lib/ml/trainer';
import { presetDefinition } from '../src/lib/models/presets';
import type { DecodedSplit } from '../src/lib/tfrecord';

export type Split = Pick<DecodedSplit, 'count' | 'images' | 'labels' | 'schema'>;

export interface BenchOptions {
  /** Backends this runtime can start (Node has no webgl; its wasm needs files the bundle does not carry). */
  backends: BackendName[];
  /** Presets to measure on webgpu (generic ops), each at every batch size in `presetBatches`. */
  presets: string[];
  presetBatches: number[];
  /** Examples per preset epoch: convolutions on a software adapter run at tens of examples a second. */
  presetExamples: number;
  timedEpochs: number;
}

export const DEFAULT_BENCH: BenchOptions = {
  backends: ['webgpu', 'webgl', 'wasm', 'cpu'],
  presets: [],
  presetBatches: [512, 128],
  presetExamples: 512,
  timedEpochs: 2,
};

export interface CaseResult {
  label: string;
  examplesPerSec: number;
  /** Wall time of the warm-up epoch (pipelines compiled, data uploaded), ms. */
  firstEpochMs: number;
}

async function drain(t: tf.Tensor): Promise<void> {
  await t.data();
}

/** The best examples/second of `timed` runs of `epoch` after one warm-up run, and the warm-up's time. */
async function bestEpoch(
  examples: number,
  timed: number,
  epoch: () => Promise<void>,
): Promise<{ examplesPerSec: number; firstEpochMs: number }> {
  let best = 0;
  let firstEpochMs = 0;
  for (let i = 0; i <= timed; i++) {
    const t0 = performance.now();
    await epoch();
    const ms = performance.now() - t0;
    if (i === 0) firstEpochMs = ms;
    else best = Math.max(best, (examples * 1000) / ms);
  }
  return { examplesPerSec: best, firstEpochMs };
}

async function startBackend(name: BackendName): Promise<void> {
  const info = await initBackend(name);
  if (info.name !== name) throw new Error(`${name} did not start`);
}

/** The first `n` examples of a split (same schema). */
function head(split: Split, n: number): Split {
  const count = Math.min(n, split.count);
  const { height, width, depth } = split.schema;
  return {
    count,
    schema: split.schema,
    images: split.images.subarray(0, count * height * width * depth),
    labels: split.labels ? split.labels.subarray(0, count) : null,
  };
}

async function ours(
  split: Split,
  backend: BackendName,
  path: TrainPath,
  model: string,
  batchSize: number,
  timed: number,
): Promise<{ examplesPerSec: number; firstEpochMs: number }> {
  await startBackend(backend);
  const { schema } = split;
  const dim = schema.height * schema.width * schema.depth;
  const data = decodedToDevice(split, 10);
  const packed = path === 'fused' ? packSplit(split.images, split.labels!, split.count, dim) : null;
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, batchSize, numEpochs: 1, logEverySteps: 10 };
  const definition = presetDefinition(model) ?? undefined;
  const state = newTrainingState(
    buildModel({ name: model, inputShape: data.shape, numClasses: 10, seed: 0, definition }),
    config,
  );
  const hooks = { onLog: () => {}, between: async () => 'continue' as const };
  try {
    return await bestEpoch(split.count, timed, async () => {
      await train(state, data, config, hooks, { path, packed: packed ? () => packed : undefined });
      await drain(state.fused ? state.fused.params : state.built.model.trainableWeights[0].read());
    });
  } finally {
    disposeTrainingState(state);
    packed?.dispose();
    data.dispose();
  }
}

async function modelFit(
  split: Split,
  model: string,
  batchSize: number,
  timed: number,
): Promise<{ examplesPerSec: number; firstEpochMs: number }> {
  await startBackend('webgpu');
  const data = decodedToDevice(split, 10);
  const definition = presetDefinition(model) ?? undefined;
  const built = buildModel({ name: model, inputShape: data.shape, numClasses: 10, seed: 0, definition });
  built.model.compile({ optimizer: tf.train.adam(0.01, 0.9, 0.999, 1e-8), loss: 'categoricalCrossentropy' });
  const x = data.x.reshape([-1, ...data.shape]);
  try {
    return await bestEpoch(split.count, timed, async () => {
      await built.model.fit(x, data.y!, { batchSize, epochs: 1, shuffle: true, verbose: 0 });
      await drain(built.model.trainableWeights[0].read());
    });
  } finally {
    x.dispose();
    built.model.dispose();
    data.dispose();
  }
}

const row = (label: string, eps: number, baseline: number, firstMs: number): string =>
  `${label.padEnd(40)} ${eps.toFixed(0).padStart(8)} examples/s ${(eps / baseline).toFixed(2).padStart(6)}×` +
  `   first epoch ${(firstMs / 1000).toFixed(2)} s`;

/**
 * Runs every case, printing a line each through `say` as it finishes; returns the figures. A case whose backend cannot
 * start here is printed as unavailable and left out.
 */
export async function runTrainBench(
  split: Split,
  say: (line: string) => void,
  options: BenchOptions = DEFAULT_BENCH,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const timed = options.timedEpochs;
  say(`LogisticModel, ${split.count} examples, batch 512, best of ${timed} epochs after 1 warm-up`);
  const base = await modelFit(split, 'LogisticModel', 512, timed);
  const baseLabel = 'baseline  tfjs model.fit webgpu';
  results.push({ label: baseLabel, ...base });
  say(row(baseLabel, base.examplesPerSec, base.examplesPerSec, base.firstEpochMs));
  const runs: [string, BackendName, TrainPath][] = [
    ['pagetrain webgpu fused kernels', 'webgpu', 'fused'],
    ['pagetrain webgpu generic ops', 'webgpu', 'generic'],
    ['pagetrain webgl', 'webgl', 'generic'],
    ['pagetrain wasm (SIMD, 1 thread)', 'wasm', 'generic'],
    ['pagetrain cpu', 'cpu', 'generic'],
  ];
  for (const [label, backend, path] of runs) {
    if (!options.backends.includes(backend)) continue;
    try {
      const r = await ours(split, backend, path, 'LogisticModel', 512, timed);
      results.push({ label, ...r });
      say(row(label, r.examplesPerSec, base.examplesPerSec, r.firstEpochMs));
    } catch (err) {
      say(`${label.padEnd(40)} unavailable: ${(err as Error).message}`);
    }
  }
  if (options.presets.length && options.backends.includes('webgpu')) {
    const small = head(split, options.presetExamples);
    say(`presets on webgpu, ${small.count} examples, best of ${timed} epochs after 1 warm-up`);
    for (const model of options.presets) {
      for (const batch of options.presetBatches) {
        const fit = await modelFit(small, model, batch, timed);
        const fitLabel = `${model} batch ${batch} tfjs model.fit`;
        results.push({ label: fitLabel, ...fit });
        say(row(fitLabel, fit.examplesPerSec, fit.examplesPerSec, fit.firstEpochMs));
        const r = await ours(small, 'webgpu', 'generic', model, batch, timed);
        const label = `${model} batch ${batch} pagetrain`;
        results.push({ label, ...r });
        say(row(label, r.examplesPerSec, fit.examplesPerSec, r.firstEpochMs));
      }
    }
  }
  return results;
}
