/** bench/train.html: starts the training bench worker and publishes its lines for scripts/bench.mjs. */
import { startReport } from './report';

const report = startReport();
const worker = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (e: MessageEvent<{ line?: string; done?: boolean; error?: string }>) => {
  if (e.data.line) report.line(e.data.line);
  if (e.data.error) report.fail(new Error(e.data.error));
  else if (e.data.done) report.done();
};
worker.onerror = (e) => report.fail(new Error(e.message));
// ?presets=MLPModel,LeNetModel adds those models' cases (slow on a software adapter).
const presets = new URLSearchParams(location.search).get('presets')?.split(',').filter(Boolean) ?? [];
worker.postMessage({ url: new URL('/sample/train.tfrecords', location.href).href, presets });
