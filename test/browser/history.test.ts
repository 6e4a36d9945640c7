/**
 * One training history on the page: a restored checkpoint shows its run's loss curve up to its step —
 * on the page that trained it and after a reload — and training on from it (Start new model off) extends that
 * curve: more points, the same ones first. The validation points made during training come back with it. The
 * curves are read from what the Loss chart holds (its data-points attribute: the steps, then each series' values:
 * training loss, validation loss), not from pixels.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type Session } from './harness';

/** One series of the Loss chart as it holds it: [step, loss] for each step the series has a value at. */
async function chartCurve(page: Page, series: 'training' | 'validation'): Promise<[number, number][]> {
  const chart = page.getByRole('figure', { name: 'Loss chart', exact: true }).locator('.chart');
  const json = await chart.getAttribute('data-points');
  if (!json) return [];
  const [steps, ...values] = JSON.parse(json) as [number[], ...(number | null)[][]];
  const ys = values[series === 'training' ? 0 : 1] ?? [];
  return steps.flatMap((step, i) => (ys[i] == null ? [] : [[step, ys[i]] as [number, number]]));
}

/** The training loss as the Loss chart holds it. */
function lossCurve(page: Page): Promise<[number, number][]> {
  return chartCurve(page, 'training');
}

/** The validation loss (evaluations during training) as the Loss chart holds it. */
function validationCurve(page: Page): Promise<[number, number][]> {
  return chartCurve(page, 'validation');
}

/** Waits until the Loss chart's training series has `n` points, and returns them. */
async function curveOf(page: Page, n: number): Promise<[number, number][]> {
  await expect.poll(async () => (await lossCurve(page)).length, { timeout: 60_000 }).toBe(n);
  return lossCurve(page);
}

/** Waits until the Loss chart's validation series has `n` points, and returns them. */
async function validationOf(page: Page, n: number): Promise<[number, number][]> {
  await expect.poll(async () => (await validationCurve(page)).length, { timeout: 60_000 }).toBe(n);
  return validationCurve(page);
}

async function statusCount(page: Page, pattern: RegExp): Promise<number> {
  const lines = await page.getByRole('status').locator('div').allTextContents();
  return lines.filter((l) => pattern.test(l)).length;
}

async function train(page: Page, opts: { epochs: number; startNew: boolean }): Promise<void> {
  const before = await statusCount(page, /Done training/);
  await page.getByLabel('Epochs', { exact: true }).fill(String(opts.epochs));
  await page.getByLabel('Start new model', { exact: true }).setChecked(opts.startNew);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect
    .poll(() => statusCount(page, /Done training/), { timeout: 180_000, interval: 250 })
    .toBe(before + 1);
}

async function loadSample(page: Page): Promise<void> {
  const before = await statusCount(page, /^Loaded the MNIST sample/);
  await page.getByRole('button', { name: 'Load sample data', exact: true }).click();
  await expect
    .poll(() => statusCount(page, /^Loaded the MNIST sample/), { timeout: 120_000 })
    .toBe(before + 1);
}

async function restore(page: Page, step: number): Promise<void> {
  const before = await statusCount(page, new RegExp(`Restored the checkpoint at step ${step} `));
  await page
    .getByRole('table', { name: 'Checkpoints', exact: true })
    .locator(`tbody tr[data-step="${step}"]`)
    .first()
    .getByRole('button', { name: 'Restore', exact: true })
    .click();
  await expect
    .poll(() => statusCount(page, new RegExp(`Restored the checkpoint at step ${step} `)))
    .toBe(before + 1);
}

describe('the loss curve of a restored and continued run', () => {
  let s: Session;
  /** The first run's curve, as its Loss chart held it when training ended. */
  let trained: [number, number][];
  /** Its validation points (an evaluation every 20 steps). */
  let validated: [number, number][];

  beforeAll(async () => {
    s = await openApp();
    await s.page.getByText(/^Backend: /).waitFor({ timeout: 60_000 });
  });
  afterAll(async () => {
    await s?.close();
  });

  test('training draws a point per logged step', async () => {
    const { page } = s;
    await loadSample(page);
    const every = page.getByLabel('Checkpoint every (steps)', { exact: true });
    await every.fill('30');
    await every.blur();
    await expect.poll(() => every.inputValue()).toBe('30');
    await page.getByLabel('Batch size', { exact: true }).fill('128');
    await page.getByLabel('Evaluate every N steps', { exact: true }).fill('20');
    // 8,000 examples at batch 128: about 63 steps an epoch; a status line (and a point) every 10 steps.
    await train(page, { epochs: 2, startNew: true });
    trained = await curveOf(page, 12);
    expect(trained.map(([step]) => step)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
    expect(trained.every(([, loss]) => Number.isFinite(loss) && loss > 0)).toBe(true);
    validated = await validationOf(page, 6);
    expect(validated.map(([step]) => step)).toEqual([20, 40, 60, 80, 100, 120]);
    expect(validated.every(([, loss]) => Number.isFinite(loss) && loss > 0)).toBe(true);
  });

  test('restoring an earlier checkpoint shows its run up to that step', async () => {
    const { page } = s;
    await restore(page, 60);
    expect(await curveOf(page, 6)).toEqual(trained.slice(0, 6));
    // The validation points made up to the checkpoint come back too (they are kept in the run's record).
    expect(await validationOf(page, 3)).toEqual(validated.slice(0, 3));
  });

  test('after a reload, a restored checkpoint draws its curve so far; training on extends it', async () => {
    const { page } = s;
    await page.reload();
    await page.getByText(/^Backend: /).waitFor({ timeout: 60_000 });
    await loadSample(page);
    expect(await lossCurve(page)).toEqual([]);
    await restore(page, 60);
    const restored = await curveOf(page, 6);
    expect(restored).toEqual(trained.slice(0, 6));
    expect(await validationOf(page, 3)).toEqual(validated.slice(0, 3));

    // Epochs count from the checkpoint's (epoch 0, step 60 of about 63): two more run to the end of the second.
    await train(page, { epochs: 2, startNew: false });
    // The chart draws in a task after the last status line: wait until it holds the last logged step.
    const logged = (await page.getByRole('status').locator('div').allTextContents()).flatMap((l) => {
      // The log steps' full lines (every step has a line; every 10th has the metrics the curve draws).
      const m = /^training step (\d+) \|.* \| Hit@1: /.exec(l.trim());
      return m ? [Number(m[1])] : [];
    });
    await expect.poll(async () => (await lossCurve(page)).at(-1)?.[0]).toBe(logged.at(-1));
    const continued = await lossCurve(page);
    expect(continued.length).toBeGreaterThan(restored.length);
    expect(continued.slice(0, restored.length)).toEqual(restored);
    // The steps go on from the checkpoint's: 70, 80, … (not from 10 again).
    expect(continued[restored.length][0]).toBe(70);
    const steps = continued.map(([step]) => step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(logged.slice(-(continued.length - restored.length))).toEqual(steps.slice(restored.length));
    // The validation curve goes on from the checkpoint's points, with the restored run's every 20 steps.
    const validatedOn = await validationOf(page, 6);
    expect(validatedOn.slice(0, 3)).toEqual(validated.slice(0, 3));
    expect(validatedOn.slice(3).map(([step]) => step)).toEqual([80, 100, 120]);
  });
});
