/**
 * Examples/second of one training epoch, LogisticModel on the bundled 8,000 MNIST digits, batch 512, measured in a
 * worker as the app trains: our trainer on each backend (webgpu with the fused kernels and with tfjs's generic ops,
 * webgl, wasm, cpu), next to tfjs's own `model.fit` on webgpu measured in the same run. Each figure is the best of the
 * timed epochs after one warm-up epoch (shader compilation, uploads); the GPU is drained before the clock stops.
 */
import '../src/lib/i18n-catalog'; // errors worded from the catalogs, as in the app's worker
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/lib/ml/backend';
import type { BackendName } from '../src/lib/shared/worker-types';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/lib/shared/settings';
import { decodedToDevice } from '../src/lib/ml/data';
import { packSplit } from '../src/lib/ml/fused-logistic';
import { buildModel } from '../src/lib/ml/models';
import { disposeTrainingState, newTrainingState, train, type TrainPath } from '../src/lib/ml/trainer';
import { readSplit } from '../src/lib/tfrecord';

const TIMED_EPOCHS = 2;
const say = (line: string) => postMessage({ line });

type Loaded = Awaited<ReturnType<typeof readSplit>>;

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

async function ours(split: Loaded, backendName: BackendName, path: TrainPath): Promise<number> {
  const info = await initBackend(backendName);
  if (info.name !== backendName) throw new Error(`${backendName} did not start: ${info.reason}`);
  const { schema } = split;
  const dim = schema.height * schema.width * schema.depth;
  const data = decodedToDevice(split, 10);
  const packed = path === 'generic' ? null : packSplit(split.images, split.labels!, split.count, dim);
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, numEpochs: 1, logEverySteps: 10 };
  const state = newTrainingState(
    buildModel({ name: 'LogisticModel', inputShape: data.shape, numClasses: 10, seed: 0 }),
    config,
  );
  const hooks = { onLog: () => {}, between: async () => 'continue' as const };
  const best = await bestEpoch(split.count, async () => {
    await train(state, data, config, hooks, { path, packed: packed ? () => packed : undefined });
    await drain(state.fused ? state.fused.params : state.built.model.trainableWeights[0].read());
  });
  disposeTrainingState(state);
  packed?.dispose();
  data.dispose();
  return best;
}

async function modelFit(split: Loaded): Promise<number> {
  await initBackend('webgpu');
  const data = decodedToDevice(split, 10);
  const { model } = buildModel({ name: 'LogisticModel', inputShape: data.shape, numClasses: 10, seed: 0 });
  model.compile({ optimizer: tf.train.adam(0.01, 0.9, 0.999, 1e-8), loss: 'categoricalCrossentropy' });
  const x = data.x.reshape([-1, ...data.shape]);
  const best = await bestEpoch(split.count, async () => {
    await model.fit(x, data.y!, { batchSize: 512, epochs: 1, shuffle: true, verbose: 0 });
    await drain(model.trainableWeights[0].read());
  });
  x.dispose();
  model.dispose();
  data.dispose();
  return best;
}

onmessage = async (e: MessageEvent<{ url: string }>) => {
  try {
    const res = await fetch(e.data.url);
    const split = await readSplit([new File([await res.blob()], 'train.tfrecords')]);
    const adapter = (await initBackend('webgpu')).adapter;
    say(`LogisticModel, ${split.count} examples, batch 512, best of ${TIMED_EPOCHS} epochs after 1 warm-up`);
    say(`WebGPU adapter: ${adapter}`);
    const baseline = await modelFit(split);
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
        const eps = await ours(split, backend, path);
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
