/**
 * The page as a person meets it: the flow's steps and their states through a whole job, progress in the tab's title,
 * notices when long jobs end, a phone-sized screen without sideways scrolling, and the dark theme.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, waitForStatus, type Session } from './harness';

const STEPS = ['data', 'model', 'train', 'evaluate', 'predict'] as const;

async function states(page: Page): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const step of STEPS) {
    out[step] = ((await page.locator(`.flow [data-step=${step}] .state`).textContent()) ?? '').trim();
  }
  return out;
}

/** Records, in the page, every progress bar's accessible name that appears, and every document.title. */
async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __bars: string[]; __titles: string[] };
    w.__bars = [];
    w.__titles = [document.title];
    const seen = () => {
      for (const p of document.querySelectorAll('progress')) {
        const name = p.getAttribute('aria-label') ?? '';
        if (!w.__bars.includes(name)) w.__bars.push(name);
      }
      if (w.__titles.at(-1) !== document.title) w.__titles.push(document.title);
    };
    new MutationObserver(seen).observe(document.documentElement, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
  });
}

const seen = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __bars: string[]; __titles: string[] };
    return { __bars: [...w.__bars], __titles: [...w.__titles] };
  });

describe('the flow, step by step', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  test('load sample, train, evaluate, predict: each step goes empty → ready → running → done', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'Train', exact: true }).waitFor();
    // A newcomer is told what to do in one line.
    expect(
      await page.getByText('Drop your TFRecord files, or load the sample', { exact: true }).count(),
    ).toBe(1);
    expect(await states(page)).toEqual({
      data: 'empty',
      model: 'empty',
      train: 'empty',
      evaluate: 'empty',
      predict: 'empty',
    });
    expect(await page.locator('.flow [aria-current=step]').getAttribute('data-step')).toBe('data');
    await expect
      .poll(() => page.getByText(/^Backend: /).textContent(), { timeout: 60_000 })
      .toMatch(/webgpu/);

    await watch(page);
    await page.getByRole('button', { name: 'Load sample data', exact: true }).click();
    await waitForStatus(page, /Loaded the MNIST sample/);
    expect(await states(page)).toEqual({
      data: 'done',
      model: 'ready',
      train: 'ready',
      evaluate: 'empty',
      predict: 'empty',
    });
    expect(
      await page.getByText('Drop your TFRecord files, or load the sample', { exact: true }).count(),
    ).toBe(0);
    expect(await page.locator('.toasts').textContent()).toContain('Data read.');
    expect((await seen(page)).__bars).toContain('Reading progress');

    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    // While training: the step says so, and the title shows the progress.
    await expect.poll(() => states(page).then((x) => x.train)).toBe('running');
    await page.waitForFunction(() => /^\d+% · Training — pagetrain$/.test(document.title), null, {
      timeout: 60_000,
    });
    await waitForStatus(page, /Done training/);
    await expect.poll(() => page.title()).toBe('pagetrain');
    expect(
      (await seen(page)).__titles.filter((t) => /^\d+% · Training — pagetrain$/.test(t)).length,
    ).toBeGreaterThan(0);
    expect(await states(page)).toEqual({
      data: 'done',
      model: 'done',
      train: 'done',
      evaluate: 'ready',
      predict: 'ready',
    });
    expect(await page.locator('.toasts').textContent()).toContain('Training done.');

    await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
    await page.getByRole('table', { name: 'Evaluation', exact: true }).waitFor({ timeout: 120_000 });
    await expect.poll(() => states(page).then((x) => x.evaluate)).toBe('done');
    expect(await page.locator('.flow [data-step=evaluate] .next').textContent()).toMatch(/^Hit@1 0\.\d{3}$/);
    await expect.poll(() => page.locator('.toasts').textContent()).toContain('Evaluation done.');

    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    const download = page.getByRole('button', { name: 'Download predictions.csv', exact: true });
    await expect.poll(() => download.isEnabled(), { timeout: 120_000 }).toBe(true);
    await expect.poll(() => states(page).then((x) => x.predict)).toBe('done');
    await expect.poll(() => page.locator('.toasts').textContent()).toContain('Prediction done');
    const { __bars, __titles } = await seen(page);
    expect(__bars).toEqual(
      expect.arrayContaining([
        'Reading progress',
        'Training progress',
        'Evaluation progress',
        'Prediction progress',
      ]),
    );
    expect(__titles.some((t) => /^\d+% · Evaluating — pagetrain$/.test(t))).toBe(true);
    expect(__titles.some((t) => /^\d+% · Predicting — pagetrain$/.test(t))).toBe(true);
    expect(await page.title()).toBe('pagetrain');
    // The log stays the page's one status region; the notices are a polite live region of their own.
    expect(await page.getByRole('status').count()).toBe(1);
    expect(await page.locator('.toasts').getAttribute('aria-live')).toBe('polite');
    expect(s.pageErrors).toEqual([]);
  });

  test('settings explain themselves and name the starter code flag, outside the accessible name', async () => {
    const { page } = s;
    const batch = page.getByRole('spinbutton', { name: 'Batch size', exact: true });
    const hint = page.locator(`#${await batch.getAttribute('aria-describedby')}`);
    expect(await hint.textContent()).toContain('--batch_size');
    for (const [name, flag] of [
      ['Learning rate', '--base_learning_rate'],
      ['Epochs', '--num_epochs'],
      ['Regularization penalty', '--regularization_penalty'],
      ['Decay examples', '--learning_rate_decay_examples'],
    ]) {
      const ids = (await page.getByLabel(name, { exact: true }).getAttribute('aria-describedby')) ?? '';
      const text = await page.evaluate(
        (list) => list.map((id) => document.getElementById(id)?.textContent ?? '').join(' '),
        ids.split(' '),
      );
      expect(text, name).toContain(flag);
    }
  });
});

describe('any screen, both themes', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  });
  afterAll(async () => {
    await s?.close();
  });

  const overflow = (page: Page) =>
    page.evaluate(() => {
      const el = document.scrollingElement!;
      return el.scrollWidth - el.clientWidth;
    });

  test('a 360 px phone: no sideways scrolling, from the first screen to the evaluation; the pad takes a finger', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'Train', exact: true }).waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.getByRole('button', { name: 'Load sample data', exact: true }).click();
    await waitForStatus(page, /Loaded the MNIST sample/);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    // After training and evaluating, the wide tables (confusion matrix, checkpoints) scroll on their own.
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await waitForStatus(page, /Done training/);
    await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
    await page.getByRole('table', { name: 'Confusion matrix', exact: true }).waitFor({ timeout: 120_000 });
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    const pad = page.getByLabel('Drawing pad', { exact: true });
    expect(await pad.evaluate((c) => getComputedStyle(c).touchAction)).toBe('none');
    const box = (await pad.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(360);
  });

  test('dark scheme: the page follows it (background, text, the charts too)', async () => {
    const { page } = s;
    const colours = () =>
      page.evaluate(() => {
        const root = getComputedStyle(document.documentElement);
        return { bg: root.backgroundColor, fg: root.color };
      });
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await colours();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await colours();
    expect(dark.bg).not.toBe(light.bg);
    expect(dark.fg).not.toBe(light.fg);
    // Contrast of the body text on the background, WCAG's formula: AA asks for 4.5:1.
    const ratio = await page.evaluate(() => {
      const rgb = (c: string) => c.match(/\d+/g)!.slice(0, 3).map(Number);
      const lum = (c: string) => {
        const [r, g, b] = rgb(c).map((v) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const css = getComputedStyle(document.documentElement);
      const [a, b] = [lum(css.color), lum(css.backgroundColor)].sort((x, y) => y - x);
      return (a + 0.05) / (b + 0.05);
    });
    expect(ratio).toBeGreaterThanOrEqual(4.5);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
  });
});
