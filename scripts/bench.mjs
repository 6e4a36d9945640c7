// `npm run bench`: speed figures measured in the real browser (headless Chromium, WebGPU through whatever adapter the
// machine has). Each page bench/<name>.html runs its measurements (in a worker where the app would) and sets
// `window.__bench = { lines: string[], done: true }`. The runner prints the lines. Nothing here asserts a speed.
//
//   npm run bench              every bench/*.html
//   npm run bench -- parse     only bench/parse.html
//   npm run bench -- bundle    only the main bundle's size (gzip), against the worker's
//   npm run bench -- train --node   the training bench in the browser, then the same cases in Node on Dawn
//   npm run bench -- node      only the Node bench (bench/node/train.ts, built into bench-node/ first)
// A plain `npm run bench` runs them all. Flags after the names go to the Node bench (--presets …, --swiftshader).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { measureBundle } from './bundle-size.mjs';
import { CHROMIUM_ARGS, ensureChromium } from './chromium.mjs';
import { buildNodeBench } from './node-bench.mjs';

const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('--'));
const only = firstFlag < 0 ? args : args.slice(0, firstFlag);
const flags = firstFlag < 0 ? [] : args.slice(firstFlag);
const nodeFlags = flags.filter((f) => f !== '--node');
const runNode = only.length === 0 || only.includes('node') || flags.includes('--node');
/** Lines each bench printed, by page name, for comparing the browser's figures with Node's. */
/** @type {Record<string, string[]>} */
const printedBy = {};

/** Examples/second by case label in a train bench's lines. @param {string[]} lines */
function figures(lines) {
  /** @type {Map<string, number>} */
  const out = new Map();
  for (const l of lines) {
    const m = /^(.+?)\s+(\d+) examples\/s/.exec(l);
    if (m) out.set(m[1].trim(), Number(m[2]));
  }
  return out;
}

/** Runs bench-node/train.mjs, printing its lines as they come; resolves to them. @returns {Promise<string[]>} */
function runNodeBench() {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['bench-node/train.mjs', ...nodeFlags], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      text += d;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolvePromise(text.split('\n')) : reject(new Error(`the Node bench exited with ${code}`)),
    );
  });
}

if (only.length === 0 || only.includes('bundle')) {
  console.log('\n== bundle (production build; gzip -9 sizes)');
  const { main, deferred } = await measureBundle();
  const kB = (/** @type {number} */ n) => `${(n / 1024).toFixed(1)} kB`;
  const sum = (/** @type {{ gzip: number }[]} */ a) => a.reduce((t, x) => t + x.gzip, 0);
  for (const a of main) console.log(`  main      ${a.file}: ${kB(a.bytes)}, gzip ${kB(a.gzip)}`);
  for (const a of deferred) console.log(`  deferred  ${a.file}: ${kB(a.bytes)}, gzip ${kB(a.gzip)}`);
  const [m, d] = [sum(main), sum(deferred)];
  console.log(`  main bundle (before the page is interactive): gzip ${kB(m)}`);
  console.log(`  loaded after it (the worker's tfjs and backends, the charts): gzip ${kB(d)}`);
  console.log(`  ratio main / (main + later): ${((100 * m) / (m + d)).toFixed(1)}%`);
  if (only.length === 1) process.exit(0);
}
const pages = readdirSync('bench')
  .filter((f) => f.endsWith('.html'))
  .map((f) => f.slice(0, -5))
  .filter((name) => only.length === 0 || only.includes(name));
if (pages.length === 0 && !only.includes('bundle') && !runNode) {
  console.log(`bench: no benchmark pages${only.length ? ` named ${only.join(', ')}` : ''} in bench/`);
  process.exit(only.length ? 1 : 0);
}

let failed = false;
if (pages.length) {
  const executablePath = ensureChromium();
  const server = await createServer({ server: { host: '127.0.0.1', port: 0 }, logLevel: 'warn' });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('bench: the dev server has no TCP address');
  const base = `http://127.0.0.1:${address.port}`;
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    for (const name of pages) {
      console.log(`\n== bench/${name}`);
      // Other work on the machine moves every figure: say how busy it was (1, 5 and 15 minute load averages).
      const load = () =>
        loadavg()
          .map((l) => l.toFixed(2))
          .join(' ');
      console.log(`load average at start: ${load()}`);
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.error(`  page error: ${e}`));
      let printed = 0;
      printedBy[name] = [];
      // PAGETRAIN_BENCH_QUERY=backends=webgpu (say) narrows a page's cases; see bench/README.md.
      await page.goto(
        `${base}/bench/${name}.html${process.env.PAGETRAIN_BENCH_QUERY ? `?${process.env.PAGETRAIN_BENCH_QUERY}` : ''}`,
      );
      for (;;) {
        /** @type {{ lines: string[]; done: boolean; error?: string } | undefined} */
        const state = await page.evaluate(() => /** @type {any} */ (window).__bench);
        const lines = state?.lines ?? [];
        for (; printed < lines.length; printed++) {
          console.log(lines[printed]);
          printedBy[name].push(lines[printed]);
        }
        if (state?.error) {
          console.error(`  failed: ${state.error}`);
          failed = true;
          break;
        }
        if (state?.done) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      console.log(`load average at end: ${load()}`);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
}
if (runNode) {
  console.log('\n== bench/node/train.ts (Node, tfjs webgpu on Dawn; no browser)');
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    const bytes = await buildNodeBench();
    console.log(`bench-node/ built: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    const node = figures(await runNodeBench());
    const browserLines = printedBy.train;
    if (browserLines) {
      console.log('\nNode on Dawn against the browser, same case, same run:');
      for (const [label, eps] of figures(browserLines)) {
        const n = node.get(label);
        if (n !== undefined)
          console.log(
            `  ${label.padEnd(40)} node ${String(n).padStart(7)}  browser ${String(eps).padStart(7)}  ${(n / eps).toFixed(2)}×`,
          );
      }
    }
  } catch (e) {
    console.error(`  failed: ${e instanceof Error ? e.message : e}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
