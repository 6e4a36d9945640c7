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
// ?only=<case label>,… measures only those kernel cases (say, only the fused kernels beside the page).
const onlyCases = params.get('only')?.split(',').filter(Boolean);

const FUSED = 'pagetrain webgpu fused kernels';

async function kernels(only?: { backends: string[]; only: string[] }): Promise<string[]> {
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
      worker.postMessage({
        url: new URL('/sample/train.tfrecords', location.href).href,
        presets: only ? [] : presets,
        backends: only?.backends ?? backends,
        only: only?.only ?? onlyCases,
      });
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
    const figureOf = (ls: string[]) => {
      const line = ls.find((l) => l.startsWith(FUSED));
      return line ? Number(/\s(\d+) examples\/s/.exec(line)?.[1]) : NaN;
    };
    const before = figureOf(lines);
    const page = await measurePage((l) => report.line(l));
    // The fused case again right after, so load that came or went during the page's run shows.
    report.line('the fused kernels again, right after the page:');
    const after = figureOf(await kernels({ backends: ['webgpu'], only: [FUSED] }));
    const fused = [before, after].filter(Number.isFinite);
    const mean = fused.reduce((a, b) => a + b, 0) / fused.length;
    const ratio = fused.length
      ? `${(page.examplesPerSec / mean).toFixed(2)}× the fused kernels (mean of before and after)`
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
