/**
 * The training bench's cases, run where the app trains: in the browser's worker (bench/train.worker.ts) and in Node on
 * Dawn (bench/node/train.ts). Examples/second of one training epoch, LogisticModel on the bundled MNIST digits:
 * pagetrain's trainer on each backend the runtime has (webgpu with the fused kernels and with tfjs's generic ops,
 * webgl, wasm, cpu) and the presets on webgpu, next to tfjs's own `model.fit` on webgpu.
 *
 * Cases that share a backend are measured interleaved: each is set up and run once as a warm-up (shader compilation,
 * uploads: its time is printed), then every round runs one timed epoch of each case, the order rotated from round to
 * round, so load that comes and goes on a shared machine falls on all of them alike. The median round is the figure,
 * the best beside it. The GPU is drained before each clock stops. The data is read and uploaded by the app's own part
 * for it (src/lib/worker/splits.ts): checked against the data budget and the GPU's buffer limit as in the app, and
 * each path gets only the copy it reads.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/lib/ml/backend';
import type { BackendName } from '../src/lib/shared/worker-types';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/lib/shared/settings';
import { buildModel } from '../src/lib/ml/models';
import { disposeTrainingState, newTrainingState, train, type TrainPath } from '../src/lib/ml/trainer';
import { presetDefinition } from '../src/lib/model-spec/presets';
import { Splits, type SplitReader } from '../src/lib/worker/splits';
import { RunControl } from '../src/lib/worker/control';

export interface BenchOptions {
  /** Backends this runtime can start (Node has no webgl; its wasm needs files the bundle does not carry). */
  backends: BackendName[];
  /** Presets to measure on webgpu (generic ops), each at every batch size in `presetBatches`. */
  presets: string[];
  presetBatches: number[];
  /** Examples per preset epoch: convolutions on a software adapter run at tens of examples a second. */
  presetExamples: number;
  /** Timed rounds after the warm-up; each round times one epoch of every case of a backend. */
  rounds: number;
  /** Only the cases with these labels (all when absent). */
  only?: string[];
}

export const DEFAULT_BENCH: BenchOptions = {
  backends: ['webgpu', 'webgl', 'wasm', 'cpu'],
  presets: [],
  presetBatches: [512, 128],
  presetExamples: 512,
  rounds: 3,
};

export interface CaseResult {
  label: string;
  /** Median over the rounds. */
  examplesPerSec: number;
  best: number;
  /** Wall time of the warm-up epoch (pipelines compiled, data uploaded), ms. */
  firstEpochMs: number;
}

/** One case ready to run: an epoch as the clock sees it (GPU drained), and what to free after. */
interface Runner {
  epoch(): Promise<void>;
  dispose(): void;
}

interface Case {
  label: string;
  /** The case whose figure is the 1.00× of this one's ratio (tfjs's model.fit on the same model and batch). */
  baseline?: string;
  examples: number;
  setup(): Runner;
}

async function drain(t: tf.Tensor): Promise<void> {
  await t.data();
}

async function startBackend(name: BackendName, splits: Splits[]): Promise<void> {
  const info = await initBackend(name);
  if (info.name !== name) throw new Error(`${name} did not start`);
  // Device copies belong to the backend that made them.
  for (const s of splits) s.dropDevice();
  backendName = name;
}

/** The first `n` records of an uncompressed TFRecord file (each: 8-byte length, 4-byte CRC, data, 4-byte CRC). */
function firstRecords(file: Uint8Array, n: number): File {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let at = 0;
  for (let i = 0; i < n && at + 12 <= file.length; i++) at += 16 + Number(view.getBigUint64(at, true));
  return new File([file.slice(0, Math.min(at, file.length))], 'train.tfrecords');
}

let backendName: BackendName | undefined;

/**
 * Every case steps as the app trains: between two steps it awaits the app's own hook (worker/control.ts's
 * `RunControl.between`, one turn of the event loop so Pause/Stop can arrive), ours through the trainer's `between`,
 * tfjs's `model.fit` through `onBatchEnd`.
 */
const control = new RunControl();
control.begin();

/** The app's splits part over one training file, read with `read` (the app's parse workers, or one reader in Node). */
async function trainingSplits(read: SplitReader, file: File): Promise<Splits> {
  const splits = new Splits({
    read,
    backend: () => backendName,
    gpu: () => (backendName === 'webgpu' ? (tf.backend() as unknown as { device: GPUDevice }).device : null),
  });
  await splits.load('train', [file]);
  return splits;
}

function ours(splits: Splits, path: TrainPath, model: string, batchSize: number): Runner {
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, batchSize, numEpochs: 1, logEverySteps: 10 };
  const definition = presetDefinition(model) ?? undefined;
  const state = newTrainingState(
    buildModel({ name: model, inputShape: splits.shape('train'), numClasses: 10, seed: 0, definition }),
    config,
  );
  const { data, packed } = splits.training(10, path === 'generic' ? 'generic' : 'fused');
  const hooks = { onLog: () => {}, between: () => control.between() };
  return {
    async epoch() {
      await train(state, data, config, hooks, { path, packed });
      await drain(state.fused ? state.fused.params : state.built.model.trainableWeights[0].read());
    },
    dispose() {
      disposeTrainingState(state);
    },
  };
}

function modelFit(splits: Splits, model: string, batchSize: number): Runner {
  const data = splits.device('train', 10);
  const definition = presetDefinition(model) ?? undefined;
  const built = buildModel({ name: model, inputShape: data.shape, numClasses: 10, seed: 0, definition });
  built.model.compile({ optimizer: tf.train.adam(0.01, 0.9, 0.999, 1e-8), loss: 'categoricalCrossentropy' });
  const x = data.x.reshape([-1, ...data.shape]);
  return {
    async epoch() {
      await built.model.fit(x, data.y!, {
        batchSize,
        epochs: 1,
        shuffle: true,
        verbose: 0,
        callbacks: { onBatchEnd: async () => void (await control.between()) },
      });
      await drain(built.model.trainableWeights[0].read());
    },
    dispose() {
      x.dispose();
      built.model.dispose();
    },
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Warm-up, then `rounds` interleaved rounds of the cases (one backend, already started). */
async function measure(cases: Case[], rounds: number): Promise<CaseResult[]> {
  const runners = cases.map((c) => c.setup());
  try {
    const first: number[] = [];
    for (const r of runners) {
      const t0 = performance.now();
      await r.epoch();
      first.push(performance.now() - t0);
    }
    const rates: number[][] = cases.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < cases.length; k++) {
        const i = (k + round) % cases.length;
        const t0 = performance.now();
        await runners[i].epoch();
        rates[i].push((cases[i].examples * 1000) / (performance.now() - t0));
      }
    }
    return cases.map((c, i) => ({
      label: c.label,
      examplesPerSec: median(rates[i]),
      best: Math.max(...rates[i]),
      firstEpochMs: first[i],
    }));
  } finally {
    for (const r of runners) r.dispose();
  }
}

function row(r: CaseResult, baseline: CaseResult | undefined): string {
  const ratio = baseline
    ? `${(r.examplesPerSec / baseline.examplesPerSec).toFixed(2).padStart(6)}×`
    : '       ';
  return (
    `${r.label.padEnd(40)} ${r.examplesPerSec.toFixed(0).padStart(8)} examples/s ${ratio}` +
    `   best ${r.best.toFixed(0)}, first epoch ${(r.firstEpochMs / 1000).toFixed(2)} s`
  );
}

const MODEL_FIT = 'baseline  tfjs model.fit webgpu';

/**
 * Runs every case, printing a line each through `say` as its backend finishes; returns the figures. A backend that
 * cannot start here is printed as unavailable and left out.
 */
export async function runTrainBench(
  read: SplitReader,
  file: File,
  say: (line: string) => void,
  options: BenchOptions = DEFAULT_BENCH,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const splits = await trainingSplits(read, file);
  const split = splits.require('train');
  const find = (label?: string) => results.find((r) => r.label === label);
  const { rounds } = options;
  say(
    `LogisticModel, ${split.count} examples, batch 512: median of ${rounds} interleaved rounds after 1 warm-up ` +
      `(ratio against tfjs model.fit on webgpu)`,
  );
  const logistic =
    (path: TrainPath): Case['setup'] =>
    () =>
      ours(splits, path, 'LogisticModel', 512);
  const groups: [BackendName, Case[]][] = [
    [
      'webgpu',
      [
        { label: MODEL_FIT, examples: split.count, setup: () => modelFit(splits, 'LogisticModel', 512) },
        {
          label: 'pagetrain webgpu fused kernels',
          baseline: MODEL_FIT,
          examples: split.count,
          setup: logistic('fused'),
        },
        {
          label: 'pagetrain webgpu generic ops',
          baseline: MODEL_FIT,
          examples: split.count,
          setup: logistic('generic'),
        },
      ],
    ],
    [
      'webgl',
      [{ label: 'pagetrain webgl', baseline: MODEL_FIT, examples: split.count, setup: logistic('generic') }],
    ],
    [
      'wasm',
      [
        {
          label: 'pagetrain wasm (SIMD, 1 thread)',
          baseline: MODEL_FIT,
          examples: split.count,
          setup: logistic('generic'),
        },
      ],
    ],
    [
      'cpu',
      [{ label: 'pagetrain cpu', baseline: MODEL_FIT, examples: split.count, setup: logistic('generic') }],
    ],
  ];
  for (const [backend, all] of groups) {
    const cases = all.filter((c) => !options.only || options.only.includes(c.label));
    if (!options.backends.includes(backend) || !cases.length) continue;
    try {
      await startBackend(backend, [splits]);
      results.push(...(await measure(cases, rounds)));
      for (const c of cases) say(row(find(c.label)!, find(c.baseline ?? c.label)));
    } catch (err) {
      for (const c of cases) say(`${c.label.padEnd(40)} unavailable: ${(err as Error).message}`);
    }
  }
  if (options.presets.length && options.backends.includes('webgpu')) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const smallSplits = await trainingSplits(read, firstRecords(bytes, options.presetExamples));
    const small = smallSplits.require('train');
    say(`presets on webgpu, ${small.count} examples: median of ${rounds} interleaved rounds after 1 warm-up`);
    await startBackend('webgpu', [splits, smallSplits]);
    for (const model of options.presets) {
      for (const batch of options.presetBatches) {
        const fit = `${model} batch ${batch} tfjs model.fit`;
        const cases: Case[] = [
          { label: fit, examples: small.count, setup: () => modelFit(smallSplits, model, batch) },
          {
            label: `${model} batch ${batch} pagetrain`,
            baseline: fit,
            examples: small.count,
            setup: () => ours(smallSplits, 'generic', model, batch),
          },
        ];
        results.push(...(await measure(cases, rounds)));
        for (const c of cases) say(row(find(c.label)!, find(c.baseline ?? c.label)));
      }
    }
  }
  return results;
}
