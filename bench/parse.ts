/**
 * `npm run bench -- parse`: TFRecord parse throughput of the seed schema in a real browser worker, our reader
 * against a generic protobuf-library reader (protobufjs) measured in the same run. See parse.worker.ts.
 */
import { startReport } from './report';

const report = startReport();
const worker = new Worker(new URL('./parse.worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (event: MessageEvent<{ line?: string; done?: boolean; error?: string }>) => {
  const { line, done, error } = event.data;
  if (line !== undefined) report.line(line);
  if (error !== undefined) report.fail(new Error(error));
  else if (done) report.done();
};
worker.onerror = (event) => report.fail(new Error(event.message || 'the bench worker failed to start'));
