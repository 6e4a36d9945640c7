/**
 * Real headless Chromium for the browser tests: the system's Chromium (never a downloaded one), WebGPU enabled
 * (SwiftShader where there is no GPU), every request the page makes recorded.
 */
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';
import { inject } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  baseURL: string;
  /** Every URL the page or its workers requested, in order. */
  requests: string[];
  /** Console errors and uncaught page errors. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** `options` go to the browser context (e.g. `locale: 'ko-KR'`, `viewport`, `colorScheme`). */
export async function openApp(options: BrowserContextOptions = {}): Promise<Session> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('No Chromium found: run `npm test`, which installs or names it.');
  const baseURL = inject('baseURL');
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ acceptDownloads: true, baseURL, ...options });
  const requests: string[] = [];
  const pageErrors: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
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
    pageErrors,
    close: () => browser.close(),
  };
}

/** Waits until the status region shows a line matching `pattern`; returns the region's text. */
export async function waitForStatus(page: Page, pattern: RegExp, timeout = 180_000): Promise<string> {
  const status = page.getByRole('status');
  await status.filter({ hasText: pattern }).waitFor({ timeout });
  return (await status.textContent()) ?? '';
}
