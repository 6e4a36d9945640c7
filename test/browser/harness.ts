/**
 * Real headless Chromium for the browser tests: the system's Chromium (never a downloaded one), WebGPU enabled
 * (SwiftShader where there is no GPU), every request the page makes recorded.
 */
import { readFile } from 'node:fs/promises';
import {
  chromium,
  type Download,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
  type Worker,
} from 'playwright-core';
import { expect, inject } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  baseURL: string;
  /** Every URL the page or its workers requested, in order. */
  requests: string[];
  /** The same requests with who made them: the service worker (its own fetches) or a page, frame or worker. */
  requestLog: RequestRecord[];
  /** Console errors and uncaught page errors. */
  pageErrors: string[];
  /** The page's main-frame navigations, in order: the first load, then any reload or navigation after it. */
  navigations: string[];
  close(): Promise<void>;
}

export interface RequestRecord {
  url: string;
  resourceType: string;
  /** Made by the service worker itself (its precaching, its fetches on the page's behalf). */
  fromServiceWorker: boolean;
}

/**
 * Opens the app in a fresh browser; `options` adds to the context's (colour scheme, locale, viewport…). The app is
 * the one global-setup serves, unless `options.baseURL` names another server.
 */
export async function openApp(options: BrowserContextOptions = {}): Promise<Session> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('No Chromium found: run `npm test`, which installs or names it.');
  const baseURL = options.baseURL ?? inject('baseURL');
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ acceptDownloads: true, baseURL, ...options });
  const requests: string[] = [];
  const requestLog: RequestRecord[] = [];
  const pageErrors: string[] = [];
  const navigations: string[] = [];
  context.on('request', (r) => {
    requests.push(r.url());
    requestLog.push({
      url: r.url(),
      resourceType: r.resourceType(),
      fromServiceWorker: r.serviceWorker() !== null,
    });
  });
  const page = await context.newPage();
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations.push(frame.url());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(baseURL);
  return {
    browser,
    context,
    page,
    baseURL,
    requests,
    requestLog,
    pageErrors,
    navigations,
    close: () => browser.close(),
  };
}

export { drawOne, waitForStatus } from './steps';

/** Runs `action`, waits for its `n` downloads and returns their contents by suggested file name. */
export async function downloads(
  page: Page,
  n: number,
  action: () => Promise<void>,
): Promise<Map<string, Buffer>> {
  const got: Download[] = [];
  const on = (d: Download) => got.push(d);
  page.on('download', on);
  await action();
  await expect.poll(() => got.length, { timeout: 60_000 }).toBe(n);
  page.off('download', on);
  const files = new Map<string, Buffer>();
  for (const d of got) files.set(d.suggestedFilename(), await readFile((await d.path())!));
  return files;
}

/** The page's training worker (train.worker), as Playwright sees it. */
export function trainingWorker(page: Page): Worker {
  const w = page.workers().find((w) => /train\.worker/.test(w.url()));
  if (!w) throw new Error(`no training worker among ${page.workers().map((w) => w.url())}`);
  return w;
}

/** Sets one of the training worker's debug hooks (`pagetrainDebug`, src/lib/worker/budget.ts); null lifts it. */
export async function setWorkerDebug(
  page: Page,
  hook: 'dataBudgetMB' | 'gpuBufferMB',
  value: number | null,
): Promise<void> {
  await expect.poll(() => page.workers().some((w) => /train\.worker/.test(w.url()))).toBe(true);
  await trainingWorker(page).evaluate(
    ([hook, value]) => {
      const g = globalThis as { pagetrainDebug?: Record<string, number | null> };
      (g.pagetrainDebug ??= {})[hook] = value;
    },
    [hook, value] as const,
  );
}

/** The files Export model downloads, in name order: the tfjs layers model and pagetrain's training state. */
export const EXPORTED_FILES = [
  'model.json',
  'model.weights.bin',
  'optimizer.weights.bin',
  'training-state.json',
];

/** ‖a − b‖ / ‖b‖ */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / n);
}
