/**
 * `npm run bench -- train` in the browser: the training bench's cases (bench/train-cases.ts) in a worker, the split
 * read as the app reads it (the parse workers). The same cases run in Node on Dawn: bench/node/train.ts.
 */
import '../src/lib/i18n-catalog'; // errors worded from the catalogs, as in the app's worker
import { initBackend } from '../src/lib/ml/backend';
import { parallelReader } from '../src/lib/worker/session';
import type { BackendName } from '../src/lib/shared/worker-types';
import { DEFAULT_BENCH, runTrainBench } from './train-cases';

const say = (line: string) => postMessage({ line });

onmessage = async (
  e: MessageEvent<{ url: string; presets: string[]; backends?: BackendName[]; only?: string[] }>,
) => {
  try {
    const res = await fetch(e.data.url);
    const file = new File([await res.blob()], 'train.tfrecords');
    say(`WebGPU adapter: ${(await initBackend('webgpu')).adapter}`);
    await runTrainBench(parallelReader(), file, say, {
      ...DEFAULT_BENCH,
      presets: e.data.presets,
      backends: e.data.backends ?? DEFAULT_BENCH.backends,
      only: e.data.only,
    });
    postMessage({ done: true });
  } catch (err) {
    postMessage({ error: `${(err as Error).name}: ${(err as Error).message}` });
  }
};
