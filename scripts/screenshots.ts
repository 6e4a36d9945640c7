// `npm run screenshots`: pictures of every step of the flow, in the light and the dark theme, at a desktop (1280×800)
// and a phone (360 px) width, and the last step in Korean, for a reviewer to look at; each whole page, and while
// training also the desktop viewport alone (what is on screen without scrolling). Prints each page's height. Builds the app as users get it, serves it on 127.0.0.1 (WebGPU needs a
// secure context), drives the real page through test/browser/steps.ts and writes PNGs to screenshots/.
//
//   npm run screenshots                 everything
//   npm run screenshots -- --no-build   reuse dist/
import { execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { chromium, type Page } from 'playwright-core';
import { build, preview } from 'vite';
import { drawOne, evaluate, loadSample, predict, waitForStatus } from '../test/browser/steps';
import { CHROMIUM_ARGS, ensureChromium } from './chromium.mjs';

const OUT = 'screenshots';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

const executablePath = ensureChromium();
execFileSync('npx', ['tsx', 'scripts/make-sample.ts', '--if-missing'], { stdio: 'inherit' });
if (!process.argv.includes('--no-build')) await build({ logLevel: 'warn' });
const server = await preview({ preview: { host: '127.0.0.1', port: 0, open: false }, logLevel: 'warn' });
const address = server.httpServer.address();
if (!address || typeof address === 'string')
  throw new Error('screenshots: the preview server has no TCP address');
const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
const written: string[] = [];
let n = 0;

const heights: string[] = [];

/** The page's height in CSS pixels (what a person scrolls through). */
const pageHeight = (page: Page) => page.evaluate(() => document.scrollingElement!.scrollHeight);

/** Pictures of the whole page per theme, at the desktop and the phone width; `viewport` adds the desktop screen alone. */
async function shoot(page: Page, step: string, viewport = false): Promise<void> {
  n++;
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const name = `${OUT}/${String(n).padStart(2, '0')}-${step}-${colorScheme}.png`;
    if (viewport) {
      const screen = name.replace('.png', '-screen.png');
      await page.screenshot({ path: screen });
      written.push(screen);
    }
    await page.screenshot({ path: name, fullPage: true });
    written.push(name);
    if (colorScheme === 'light') heights.push(`${step}: ${await pageHeight(page)} px at 1280×800`);
    await page.setViewportSize(PHONE);
    const small = name.replace('.png', '-phone.png');
    await page.screenshot({ path: small, fullPage: true });
    written.push(small);
    if (colorScheme === 'light') heights.push(`${step}: ${await pageHeight(page)} px at 360 px`);
    await page.setViewportSize(DESKTOP);
  }
}

try {
  const context = await browser.newContext({
    viewport: DESKTOP,
    baseURL: `http://127.0.0.1:${address.port}/`,
  });
  const page = await context.newPage();
  await page.goto('/');
  // The backend settled (not "starting…"), so both themes show the same page.
  await page.getByText(/^Backend: (?!starting)/).waitFor({ timeout: 60_000 });
  await shoot(page, 'start');

  await loadSample(page);
  await shoot(page, 'data');

  await page.getByLabel('Epochs', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await waitForStatus(page, /training step 10 /);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await shoot(page, 'training', true);
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await waitForStatus(page, /Done training/);
  await shoot(page, 'trained');

  await evaluate(page);
  const matrix = page.getByRole('table', { name: 'Confusion matrix', exact: true });
  await matrix.getByRole('button', { name: /^true 9, predicted 4: / }).click();
  await shoot(page, 'evaluated');

  await predict(page);
  await drawOne(page);
  await page
    .getByLabel('Drawing prediction', { exact: true })
    .filter({ hasText: /^[0-9]$/ })
    .waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shoot(page, 'predicted');

  // The same page in Korean (the worker's texts too: the status lines and notices follow the switch).
  await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('ko');
  await page.getByRole('combobox', { name: '언어', exact: true }).waitFor();
  await shoot(page, 'predicted-ko');
} finally {
  await browser.close();
  await server.close();
}
console.log(`page heights:\n${heights.map((h) => `  ${h}`).join('\n')}`);
console.log(`screenshots: ${written.length} pictures in ${OUT}/\n${written.map((f) => `  ${f}`).join('\n')}`);
