/**
 * bench/train.html: starts the training bench worker and publishes its lines for scripts/bench.mjs; then, in the same
 * run, the page's own figure (./page-case.ts) beside the kernels-only one.
 */
import { startReport } from './report';
import { measurePage, PAGE_EPOCHS } from './page-case';

const report = startReport();
const params = new URLSearchParams(location.search);
// ?presets=MLPModel,LeNetModel adds those models' cases (slow on a software adapter).
const presets = params.get('presets')?.split(',').filter(Boolean) ?? [];
// ?backends=webgpu measures only those backends' kernel cases; ?page=0 leaves out the page's case.
const backends = params.get('backends')?.split(',').filter(Boolean);
const withPage = params.get('page') !== '0';

const FUSED = 'pagetrain webgpu fused kernels';

async function kernels(): Promise<string[]> {
  const lines: string[] = [];
  const worker = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<{ line?: string; done?: boolean; error?: string }>) => {
        if (e.data.line) {
          lines.push(e.data.line);
          report.line(e.data.line);
        }
        if (e.data.error) reject(new Error(e.data.error));
        else if (e.data.done) resolve();
      };
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage({ url: new URL('/sample/train.tfrecords', location.href).href, presets, backends });
    });
  } finally {
    // The page's case gets the GPU to itself.
    worker.terminate();
  }
  return lines;
}

try {
  const lines = await kernels();
  if (withPage) {
    const fusedLine = lines.find((l) => l.startsWith(FUSED));
    const fused = fusedLine ? Number(/\s(\d+) examples\/s/.exec(fusedLine)?.[1]) : NaN;
    const page = await measurePage((l) => report.line(l));
    const ratio = Number.isFinite(fused)
      ? `${(page.examplesPerSec / fused).toFixed(2)}× the fused kernels`
      : '';
    report.line(
      `${`page: app worker, defaults, ${PAGE_EPOCHS} epochs`.padEnd(40)} ${page.examplesPerSec.toFixed(0).padStart(8)} ` +
        `examples/s ${ratio}   (${page.path} path, step ${page.fromStep} to Done training in ` +
        `${page.seconds.toFixed(2)} s, ${page.lines} log lines)`,
    );
    const t = page.timing;
    if (t) {
      const ms = (x: number) => `${(x / 1000).toFixed(2)} s`;
      report.line(
        `page: the worker's run took ${ms(t.total)}: evaluations ${ms(t.evaluations)}, checkpoints ` +
          `${ms(t.checkpoints)}, read-backs awaited before those ${ms(t.drains)}, turns of the message loop ` +
          `${ms(t.turns)}, paused ${ms(t.paused)}; the rest is steps`,
      );
    }
  }
  report.done();
} catch (e) {
  report.fail(e);
}
