/**
 * The whole job without the mouse: only Tab, typing, Enter and Space. Every control the job needs is reached by Tab
 * (so it is in the tab order, in a sensible place) and shows a visible focus indicator when reached.
 */
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, waitForStatus, type Session } from './harness';

/** Presses Tab until `target` has the focus (at most one lap of the page); returns how many presses it took. */
async function tabTo(page: Page, target: Locator): Promise<number> {
  for (let presses = 1; presses <= 400; presses++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement)) return presses;
  }
  throw new Error(`Tab never reached ${String(target)}`);
}

/** The focused element draws a focus indicator (an outline or a ring), not `outline: none` alone. */
async function focusIsVisible(target: Locator): Promise<boolean> {
  return target.evaluate((el) => {
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return el.matches(':focus-visible') && (outline || style.boxShadow !== 'none');
  });
}

async function activate(page: Page, target: Locator, key: 'Enter' | 'Space' = 'Enter'): Promise<void> {
  await tabTo(page, target);
  expect(await focusIsVisible(target)).toBe(true);
  await page.keyboard.press(key);
}

describe('keyboard only', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  test('load the sample, train, evaluate, open a confusion cell, predict and download predictions.csv', async () => {
    const { page } = s;
    const button = (name: string) => page.getByRole('button', { name, exact: true });

    await activate(page, button('Load sample data'));
    await waitForStatus(page, /Loaded the MNIST sample/);

    const epochs = page.getByLabel('Epochs', { exact: true });
    await tabTo(page, epochs);
    expect(await focusIsVisible(epochs)).toBe(true);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('1');
    expect(await epochs.inputValue()).toBe('1');

    await activate(page, button('Train'));
    await waitForStatus(page, /Done training/);

    await activate(page, button('Evaluate'));
    const matrix = page.getByRole('table', { name: 'Confusion matrix', exact: true });
    await matrix.waitFor({ timeout: 120_000 });
    const cell = matrix.getByRole('button', { name: /^true 3, predicted 3: / });
    await activate(page, cell, 'Space');
    await expect.poll(() => cell.getAttribute('aria-pressed')).toBe('true');

    await activate(page, button('Predict'));
    const download = button('Download predictions.csv');
    await expect.poll(() => download.isEnabled(), { timeout: 120_000 }).toBe(true);
    await tabTo(page, download);
    const [file] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(file.suggestedFilename()).toBe('predictions.csv');
    const csv = (await readFile((await file.path())!, 'utf8')).trimEnd().split('\n');
    expect(csv[0]).toBe('Id,Category');
    expect(csv).toHaveLength(1001);
  });
});
