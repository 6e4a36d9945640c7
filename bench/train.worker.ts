/**
 * Examples/second of one training epoch, LogisticModel on the bundled 8,000 MNIST digits, batch 512, measured in a
 * worker as the app trains: our trainer on each backend (webgpu with the fused kernels and with tfjs's generic ops,
 * webgl, wasm, cpu), next to tfjs's own `model.fit` on webgpu measured in the same run. Each figure is the best of the
 * timed epochs after one warm-up epoch (shader compilation, uploads); the GPU is drained before the clock stops.
 * The split is read and uploaded by the app's own part for it (src/lib/worker/splits.ts), so it is checked against
 * the data budget and the GPU's buffer limit (`pagetrainDebug`) as in the app, and each path gets only its copy.
 */
import '../src/lib/i18n-catalog'; // errors worded from the catalogs, as in the app's worker
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/lib/ml/backend';
import type { BackendName } from '../src/lib/shared/worker-types';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/lib/shared/settings';
import { buildModel } from '../src/lib/ml/models';
import { disposeTrainingState, newTrainingState, train, type TrainPath } from '../src/lib/ml/trainer';
import { parallelReader } from '../src/lib/worker/session';
import { Splits } from '../src/lib/worker/splits';

const TIMED_EPOCHS = 2;
const say = (line: string) => postMessage({ line });

let backendName: BackendName | undefined;
/** The app's splits part: read as the app reads (parse workers), uploaded as the app uploads. */
const splits = new Splits({
  read: parallelReader(),
  backend: () => backendName,
  gpu: () => (backendName === 'webgpu' ? (tf.backend() as unknown as { device: GPUDevice }).device : null),
});

async function start(name: BackendName): Promise<void> {
  const info = await initBackend(name);
  if (info.name !== name) throw new Error(`${name} did not start: ${info.reason}`);
  // Device copies belong to the backend that made them.
  splits.dropDevice();
  backendName = name;
}

async function drain(t: tf.Tensor): Promise<void> {
  await t.data();
}

/** Examples/second of the fastest of TIMED_EPOCHS runs of `epoch` after one warm-up run. */
async function bestEpoch(examples: number, epoch: () => Promise<void>): Promise<number> {
  let best = 0;
  for (let i = 0; i <= TIMED_EPOCHS; i++) {
    const t0 = performance.now();
    await epoch();
    if (i > 0) best = Math.max(best, (examples * 1000) / (performance.now() - t0));
  }
  return best;
}

async function ours(backend: BackendName, path: TrainPath): Promise<number> {
  await start(backend);
  const count = splits.require('train').count;
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, numEpochs: 1, logEverySteps: 10 };
  const state = newTrainingState(
    buildModel({ name: 'LogisticModel', inputShape: splits.shape('train'), numClasses: 10, seed: 0 }),
    config,
  );
  const { data, packed } = splits.training(10, path === 'generic' ? 'generic' : 'fused');
  const hooks = { onLog: () => {}, between: async () => 'continue' as const };
  const best = await bestEpoch(count, async () => {
    await train(state, data, config, hooks, { path, packed });
    await drain(state.fused ? state.fused.params : state.built.model.trainableWeights[0].read());
  });
  disposeTrainingState(state);
  splits.dropDevice();
  return best;
}

async function modelFit(): Promise<number> {
  await start('webgpu');
  const count = splits.require('train').count;
  const data = splits.device('train', 10);
  const { model } = buildModel({ name: 'LogisticModel', inputShape: data.shape, numClasses: 10, seed: 0 });
  model.compile({ optimizer: tf.train.adam(0.01, 0.9, 0.999, 1e-8), loss: 'categoricalCrossentropy' });
  const x = data.x.reshape([-1, ...data.shape]);
  const best = await bestEpoch(count, async () => {
    await model.fit(x, data.y!, { batchSize: 512, epochs: 1, shuffle: true, verbose: 0 });
    await drain(model.trainableWeights[0].read());
  });
  x.dispose();
  model.dispose();
  splits.dropDevice();
  return best;
}

onmessage = async (e: MessageEvent<{ url: string }>) => {
  try {
    const res = await fetch(e.data.url);
    const adapter = (await initBackend('webgpu')).adapter;
    backendName = 'webgpu';
    const split = await splits.load('train', [new File([await res.blob()], 'train.tfrecords')]);
    say(`LogisticModel, ${split.count} examples, batch 512, best of ${TIMED_EPOCHS} epochs after 1 warm-up`);
    say(`WebGPU adapter: ${adapter}`);
    const baseline = await modelFit();
    say(`baseline  tfjs model.fit webgpu        ${baseline.toFixed(0).padStart(8)} examples/s   1.00×`);
    const runs: [string, BackendName, TrainPath][] = [
      ['pagetrain webgpu fused kernels', 'webgpu', 'fused'],
      ['pagetrain webgpu generic ops  ', 'webgpu', 'generic'],
      ['pagetrain webgl               ', 'webgl', 'generic'],
      ['pagetrain wasm (SIMD, 1 thread)', 'wasm', 'generic'],
      ['pagetrain cpu                 ', 'cpu', 'generic'],
    ];
    for (const [label, backend, path] of runs) {
      try {
        const eps = await ours(backend, path);
        say(`${label} ${eps.toFixed(0).padStart(8)} examples/s ${(eps / baseline).toFixed(2).padStart(6)}×`);
      } catch (err) {
        say(`${label} unavailable: ${(err as Error).message}`);
      }
    }
    postMessage({ done: true });
  } catch (err) {
    postMessage({ error: `${(err as Error).name}: ${(err as Error).message}` });
  }
};
