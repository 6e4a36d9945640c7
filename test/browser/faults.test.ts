/**
 * Faults the app survives: the worker dies (closes itself, an uncaught error) or its GPU device is lost. The page
 * says so, keeps what it showed and everything stored (the loaded data's description, the checkpoints, which stay
 * restorable), and a restart brings up a new worker that reads the data again and trains.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, trainingWorker, waitForStatus, type Session } from './harness';

let s: Session;
beforeEach(async () => {
  s = await openApp();
  await expect
    .poll(() => s.page.getByText(/^Backend: /).textContent(), { timeout: 60_000 })
    .toMatch(/^Backend: webgpu/);
  await s.page.getByRole('button', { name: 'Load sample data', exact: true }).click();
  await waitForStatus(s.page, /Loaded the MNIST sample/);
});
afterEach(async () => {
  await s?.close();
});

/** One epoch of LogisticModel (16 steps at batch 512): the run's end saves a checkpoint. */
async function trainOneEpoch(page: Page): Promise<void> {
  const done = (await page.getByRole('status').textContent())?.match(/Done training/g)?.length ?? 0;
  await page.getByLabel('Epochs', { exact: true }).fill('1');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect
    .poll(async () => (await page.getByRole('status').textContent())?.match(/Done training/g)?.length ?? 0, {
      timeout: 180_000,
    })
    .toBe(done + 1);
}

/** What the page shows of the loaded data and of the checkpoints (run name and step of each, newest first). */
async function stored(page: Page): Promise<{ splits: string[]; checkpoints: string[] }> {
  const rows = page.getByRole('table', { name: 'Checkpoints', exact: true }).locator('tbody tr');
  return {
    splits: await page.locator('.split').allTextContents(),
    checkpoints: await rows.evaluateAll((trs) =>
      trs.map((tr) => `${tr.querySelector('td')?.textContent} @ ${tr.getAttribute('data-step')}`),
    ),
  };
}

/**
 * After the fault: the banner names it; the data description and the checkpoints are still listed, also once the new
 * worker has read the checkpoints again from IndexedDB; the oldest checkpoint restores; the new worker trains.
 */
async function expectRecovery(reason: RegExp, before: { splits: string[]; checkpoints: string[] }) {
  const { page } = s;
  const banner = page.getByRole('region', { name: 'Worker stopped', exact: true });
  await banner.waitFor({ timeout: 30_000 });
  expect(await banner.textContent()).toMatch(reason);
  // What the page showed is still there.
  expect(before.splits).toHaveLength(3);
  expect(before.splits[0]).toContain('8,000 examples');
  expect(before.checkpoints.length).toBeGreaterThan(0);
  expect(await stored(page)).toEqual(before);
  await page.getByRole('button', { name: 'Restart from last checkpoint', exact: true }).click();
  await waitForStatus(
    page,
    /Restarted the worker: data read again, model restored from the checkpoint at step/,
  );
  await expect.poll(() => page.getByText(/^Backend: /).textContent()).toMatch(/^Backend: webgpu/);
  expect(await banner.count()).toBe(0);
  // Nothing stored was lost: the same checkpoints, read again from IndexedDB, and the same data.
  expect(await stored(page)).toEqual(before);
  // Each stays restorable: the oldest one restores into the new worker.
  const oldest = page.getByRole('table', { name: 'Checkpoints', exact: true }).locator('tbody tr').last();
  const step = await oldest.getAttribute('data-step');
  await oldest.getByRole('button', { name: 'Restore', exact: true }).click();
  await waitForStatus(page, new RegExp(`Restored the checkpoint at step ${step} `));
  // The new worker has the data and trains.
  await trainOneEpoch(page);
}

describe('the worker dies or loses its GPU', () => {
  test('the worker ends (as on out of memory): the page notices and restarts it', async () => {
    await trainOneEpoch(s.page);
    const before = await stored(s.page);
    await trainingWorker(s.page).evaluate(() =>
      setTimeout(() => (self as unknown as { close(): void }).close(), 0),
    );
    await expectRecovery(/stopped unexpectedly/, before);
  });

  test('an uncaught error in the worker during training', async () => {
    const { page } = s;
    await trainOneEpoch(page);
    await page.getByLabel('Start new model', { exact: true }).check();
    await page.getByLabel('Epochs', { exact: true }).fill('50');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await waitForStatus(page, /training step 30 \|/);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await waitForStatus(page, /Paused at step/);
    // Checkpoints saved so far, the running one's included (paused, so none is being written as the fault hits).
    const before = await stored(page);
    await trainingWorker(s.page).evaluate(() => {
      setTimeout(() => {
        throw new Error('injected fault');
      }, 0);
    });
    await expectRecovery(/uncaught error/, before);
  });

  test('the GPU device is lost', async () => {
    await trainOneEpoch(s.page);
    const before = await stored(s.page);
    await trainingWorker(s.page).evaluate(() =>
      (
        globalThis as unknown as { pagetrainDebug: { gpuDevice: GPUDevice } }
      ).pagetrainDebug.gpuDevice.destroy(),
    );
    await expectRecovery(/GPU device was lost/, before);
  });
});

describe('restart from the last checkpoint', () => {
  test('after training, the worker dies: the restart restores the model from its checkpoint', async () => {
    const { page } = s;
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await waitForStatus(page, /Done training/);
    await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
    const accuracy = page
      .getByRole('table', { name: 'Evaluation', exact: true })
      .locator('tbody tr')
      .filter({ hasText: /^Accuracy/ })
      .locator('td')
      .nth(1);
    await accuracy.waitFor({ timeout: 60_000 });
    const before = await accuracy.textContent();
    const kept = await stored(page);

    await trainingWorker(s.page).evaluate(() =>
      setTimeout(() => (self as unknown as { close(): void }).close(), 0),
    );
    await page.getByRole('region', { name: 'Worker stopped', exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Restart from last checkpoint', exact: true }).click();
    await waitForStatus(
      page,
      /Restarted the worker: data read again, model restored from the checkpoint at step 16/,
    );
    expect(await stored(page)).toEqual(kept);
    // The restored model evaluates to the same numbers, without training again.
    await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
    await expect.poll(() => accuracy.textContent(), { timeout: 60_000 }).toBe(before);
  });
});
