/**
 * The page as a workbench at 1280×800 (issue 18): the first visit is at most two screens tall and the page after the
 * whole job (sample, train, evaluate, predict) at most three; the layer editor stays closed until asked for and keeps
 * its draft; after Train is pressed, Pause, the training progress and the latest log line are on screen together
 * without scrolling; notices never cover a control; the log can be downloaded; the per-class table (behind Details)
 * is still found by its UI-CONTRACT name. On a phone, finished steps fold.
 */
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, waitForStatus, type Session } from './harness';
import { evaluate, loadSample, predict, train } from './steps';

const VIEWPORT = { width: 1280, height: 800 };

const pageHeight = (page: Page) => page.evaluate(() => document.scrollingElement!.scrollHeight);

/**
 * Whether the element is on screen now, as a person sees it: inside the viewport, and its centre not hidden by
 * anything (another element on top, or the end of a scrolled box it sits in).
 */
function onScreen(target: Locator): Promise<boolean> {
  return target.evaluate((el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return false;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && (hit === el || el.contains(hit));
  });
}

/** Buttons inside the viewport whose centre something else covers (a notice, say). */
function coveredButtons(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('button')]
      .filter((b) => {
        if (!b.checkVisibility()) return false;
        const r = b.getBoundingClientRect();
        if (r.width === 0 || r.top < 0 || r.bottom > innerHeight || r.left < 0 || r.right > innerWidth)
          return false;
        // Inside a scrolled box, a button may be scrolled out of that box's view: that is not covering.
        const box = b.closest('.live, .table-scroll, .log-scroll, .history-scroll');
        if (box) {
          const c = box.getBoundingClientRect();
          if (r.top < c.top || r.bottom > c.bottom) return false;
        }
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !(hit && (hit === b || b.contains(hit)));
      })
      .map((b) => b.textContent ?? ''),
  );
}

describe('a workbench at 1280×800', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp({ viewport: VIEWPORT });
  });
  afterAll(async () => {
    await s?.close();
  });

  test('the first visit is at most two screens tall, with the layer editor closed until asked for', async () => {
    const { page } = s;
    await page.getByText(/^Backend: /).waitFor({ timeout: 60_000 });
    const height = await pageHeight(page);
    console.log(`workbench: first visit ${height} px tall at 1280×800`);
    expect(height).toBeLessThanOrEqual(2 * VIEWPORT.height);

    const editor = page.getByRole('group', { name: 'Layer editor', exact: true });
    expect(await editor.count()).toBe(0);
    expect(await page.getByRole('combobox', { name: 'Layer type', exact: true }).count()).toBe(0);
    // Asked for from Model; closed again, its draft is kept.
    const toggle = page.getByRole('button', { name: 'Layer editor', exact: true });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    await editor.waitFor();
    await page.getByRole('textbox', { name: 'Model name', exact: true }).fill('KeptDraft');
    await page.getByRole('button', { name: 'Close the layer editor', exact: true }).click();
    expect(await editor.count()).toBe(0);
    await toggle.click();
    expect(await page.getByRole('textbox', { name: 'Model name', exact: true }).inputValue()).toBe(
      'KeptDraft',
    );
    await toggle.click();
    expect(await editor.count()).toBe(0);
  });

  test('a notice never covers a control', async () => {
    const { page } = s;
    await loadSample(page);
    await expect.poll(() => page.locator('.toasts').textContent()).toContain('Data read.');
    expect(await coveredButtons(page)).toEqual([]);
    // Scrolled half-way too.
    await page.evaluate(() => window.scrollTo(0, 400));
    expect(await coveredButtons(page)).toEqual([]);
  });

  test('after Train is pressed, Pause, the progress and the latest log line are on screen together', async () => {
    const { page } = s;
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByLabel('Epochs', { exact: true }).fill('3');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await waitForStatus(page, /training step \d+ /);
    const pause = page.getByRole('button', { name: 'Pause', exact: true });
    const progress = page.getByRole('progressbar', { name: 'Training progress', exact: true });
    const latest = page.getByRole('status').locator('div').last();
    // Checked while the run goes on: Pause still enabled, and no scroll made between the press and the check.
    const scrolled = await page.evaluate(() => window.scrollY);
    expect(await pause.isEnabled()).toBe(true);
    expect(await onScreen(pause)).toBe(true);
    expect(await onScreen(progress)).toBe(true);
    expect(await latest.textContent()).toMatch(/training step \d+ /);
    expect(await onScreen(latest)).toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
    await waitForStatus(page, /Done training/);
  });

  test('after the whole job the page is at most three screens tall; the full log opens and downloads', async () => {
    const { page } = s;
    await evaluate(page);
    await predict(page);
    const height = await pageHeight(page);
    console.log(`workbench: after sample, train, evaluate, predict ${height} px tall at 1280×800`);
    expect(height).toBeLessThanOrEqual(3 * VIEWPORT.height);
    // UI-CONTRACT's "Per-class precision and recall" is found by its name without opening anything; it takes no
    // room on screen until its Details opens.
    const perClass = page.getByRole('table', { name: 'Per-class precision and recall', exact: true });
    expect(await perClass.locator('tbody tr').count()).toBe(10);
    const room = () =>
      page.locator('#evaluate .per-class').evaluate((el) => el.getBoundingClientRect().height);
    expect(await room()).toBeLessThanOrEqual(1);
    await page.getByText('Per-class precision and recall', { exact: true }).click();
    expect(await room()).toBeGreaterThan(100);
    expect(await perClass.locator('tbody tr').count()).toBe(10);
    await page.getByText('Per-class precision and recall', { exact: true }).click();
    expect(await room()).toBeLessThanOrEqual(1);

    // Nothing folds on a wide screen: every step shows, and no Show/Hide is offered.
    for (const name of ['Show Data', 'Hide Data', 'Show Evaluate', 'Hide Predict & export'])
      expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);

    const full = page.getByRole('button', { name: 'Full log', exact: true });
    const box = page.locator('.log-scroll');
    const folded = (await box.boundingBox())!.height;
    await full.click();
    expect(await full.getAttribute('aria-expanded')).toBe('true');
    expect((await box.boundingBox())!.height).toBeGreaterThan(folded);

    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download log', exact: true }).click(),
    ]);
    const text = await readFile((await file.path())!, 'utf8');
    const lines = await page.getByRole('status').locator('div').allTextContents();
    expect(text.trimEnd().split('\n')).toEqual(lines);
    expect(text).toContain('Done training');
    expect(text).toContain('Predicted 1000 test examples');
    expect(s.pageErrors).toEqual([]);
  });
});

/**
 * A phone: one column, the steps first and the live view after them. A finished step folds to its heading and one
 * line (the one it had in the steps bar) once the person has moved on, so the page after the whole job is the step in
 * hand, the live view (progress and log, the two charts, the pad with its probabilities, the mistakes) and the saved
 * checkpoints and runs. Each of those is about one phone screen: PHONE_SCREENS screens at most, against 7,768 px (10.5
 * screens) with every step open.
 */
const PHONE = { width: 360, height: 740 };
const PHONE_SCREENS = 4.5;

describe('a 360 px phone', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp({ viewport: PHONE, hasTouch: true, isMobile: true });
  });
  afterAll(async () => {
    await s?.close();
  });

  test('one column: the steps first, the live view after them', async () => {
    const { page } = s;
    await loadSample(page);
    const data = (await page.locator('#data').boundingBox())!;
    const live = (await page.locator('.live').boundingBox())!;
    expect(live.y).toBeGreaterThan(data.y + data.height);
    expect(Math.abs(live.x - data.x)).toBeLessThan(2);
    console.log(`workbench: phone, sample loaded, ${await pageHeight(page)} px tall at 360 px`);
  });

  test('after the whole job finished steps are folded and the page is a few screens; Show unfolds one', async () => {
    const { page } = s;
    await train(page, 2);
    await evaluate(page);
    await predict(page);
    const height = await pageHeight(page);
    console.log(`workbench: phone, after sample, train, evaluate, predict ${height} px tall at 360×740`);
    expect(height).toBeLessThanOrEqual(PHONE_SCREENS * PHONE.height);

    // Data, Model, Train and Evaluate are done and left behind: folded, each with Show and its line.
    for (const [step, id] of [
      ['Data', 'data'],
      ['Model', 'models'],
      ['Train', 'train'],
      ['Evaluate', 'evaluate'],
    ] as const) {
      const show = page.getByRole('button', { name: `Show ${step}`, exact: true });
      expect(await show.getAttribute('aria-expanded'), step).toBe('false');
      expect(await show.getAttribute('aria-controls'), step).toBe(id);
    }
    expect(await page.locator('#data .fold-summary').textContent()).toBe('Loaded: go on to the model');
    // Predict, where the person is, stays open.
    expect(
      await page.getByRole('button', { name: 'Download predictions.csv', exact: true }).isVisible(),
    ).toBe(true);
    expect(await page.getByRole('button', { name: 'Hide Predict & export', exact: true }).isVisible()).toBe(
      true,
    );

    // Folded, a step's controls are out of sight; Show brings them back, Hide folds again.
    const matrix = page.getByRole('table', { name: 'Confusion matrix', exact: true });
    expect(await matrix.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Show Evaluate', exact: true }).click();
    expect(await matrix.isVisible()).toBe(true);
    expect(await pageHeight(page)).toBeGreaterThan(height);
    await page.getByRole('button', { name: 'Hide Evaluate', exact: true }).click();
    expect(await matrix.isVisible()).toBe(false);

    // A link of the steps bar unfolds the step it goes to.
    const input = page.getByLabel('Training data', { exact: true });
    expect(await input.isVisible()).toBe(false);
    await page
      .getByRole('navigation', { name: 'Steps', exact: true })
      .getByRole('link', { name: '1. Data' })
      .click();
    await expect.poll(() => input.isVisible()).toBe(true);
    expect(s.pageErrors).toEqual([]);
  });
});
