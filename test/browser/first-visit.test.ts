/**
 * The README's first command on a fresh clone: `npm start` (Vite's dev server, not the build the other tests use)
 * with an empty dependency cache, one visit, the whole job. Vite bundles the packages it finds before serving the
 * first page; one it finds only later (tfjs-backend-wasm, imported by the training worker) makes it bundle again and
 * reload the page under the user, who loses the sample just loaded. The page must never navigate again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { downloads, openApp, type Session } from './harness';
import { evaluate, loadSample, predict, train } from './steps';

/**
 * What `vite` (the CLI `npm start` runs) does, in a child process: the project's vite.config.ts, on 127.0.0.1, but on
 * a free port and with a new, empty dependency cache in a temporary folder (node_modules/.vite may be shared, and is
 * not ours to empty).
 */
const DEV_SERVER = `
import { createServer } from 'vite';
const server = await createServer({
  cacheDir: process.env.PAGETRAIN_DEV_CACHE,
  optimizeDeps: { force: true },
  server: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  clearScreen: false,
});
await server.listen();
console.log('dev server at ' + server.resolvedUrls.local[0]);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
`;

interface DevServer {
  url: string;
  /** Everything the dev server printed so far. */
  log: string[];
  close(): Promise<void>;
}

async function startDevServer(): Promise<DevServer> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'pagetrain-vite-cache-'));
  // The environment of a shell running `npm start`: without what vitest sets for its own runs (NODE_ENV=test, …).
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(VITEST|NODE_ENV$|TEST$|MODE$|DEV$|PROD$|SSR$|BASE_URL$)/.test(k),
    ),
  );
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', DEV_SERVER], {
    env: { ...env, PAGETRAIN_DEV_CACHE: cacheDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        log.push(line);
        const m = /dev server at (http:\/\/\S+)/.exec(line);
        if (m) resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`dev server exited (${code}):\n${log.join('\n')}`)));
  });
  return {
    url,
    log,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

describe('the first visit to `npm start` on an empty dependency cache', () => {
  let dev: DevServer;
  let s: Session;
  beforeAll(async () => {
    dev = await startDevServer();
    s = await openApp({ baseURL: dev.url });
  });
  afterAll(async () => {
    await s?.close();
    await dev?.close();
  });

  test('load sample, train 1 epoch, evaluate, predict, download predictions.csv: the page never reloads', async () => {
    const { page } = s;
    // A reload ends the test at once, with the dev server's words, rather than leaving a step to wait for its timeout.
    // It cannot come after the job: the worker's late import is held until the new bundle is ready, and the reload
    // is sent with it, so before Train can finish.
    const why = () =>
      `the page navigated: ${s.navigations.join(', ')}\ndev server's log:\n${dev.log.join('\n')}`;
    let onReload!: (e: Error) => void;
    const reloaded = new Promise<never>((_, reject) => (onReload = reject));
    reloaded.catch(() => {});
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) onReload(new Error(why()));
    });
    const step = <T>(p: Promise<T>) => Promise.race([p, reloaded]);

    await step(loadSample(page));
    await step(train(page, 1));
    await step(evaluate(page));
    await step(predict(page));
    const files = await step(
      downloads(page, 1, () =>
        page.getByRole('button', { name: 'Download predictions.csv', exact: true }).click(),
      ),
    );
    const csv = files.get('predictions.csv')!.toString('utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('Id,Category');
    expect(csv).toHaveLength(1001);

    // One load and nothing after it; what a reload would wipe is still there: the loaded splits, a trainable model.
    expect(s.navigations, why()).toEqual([dev.url]);
    expect(
      dev.log.filter((l) => /reload/i.test(l)),
      why(),
    ).toEqual([]);
    expect(await page.getByText('8,000 examples', { exact: true }).count()).toBe(1);
    expect(await page.getByText('1,000 examples', { exact: true }).count()).toBe(2);
    expect(await page.getByRole('button', { name: 'Train', exact: true }).isEnabled()).toBe(true);
    expect(s.pageErrors).toEqual([]);
  });
});
