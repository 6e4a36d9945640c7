/**
 * Faults the app survives: the worker dies (closes itself, an uncaught error) or its GPU device is lost. The page
 * says so, keeps what it showed, and a restart brings up a new worker that reads the data again and trains.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Worker as PWWorker } from 'playwright-core';
import { openApp, waitForStatus, type Session } from './harness';

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

function trainingWorker(): PWWorker {
  const w = s.page.workers().find((w) => /train\.worker/.test(w.url()));
  if (!w) throw new Error(`no training worker among ${s.page.workers().map((w) => w.url())}`);
  return w;
}

async function expectRecovery(reason: RegExp) {
  const { page } = s;
  const banner = page.getByRole('region', { name: 'Worker stopped', exact: true });
  await banner.waitFor({ timeout: 30_000 });
  expect(await banner.textContent()).toMatch(reason);
  // What the page showed is still there.
  expect(await page.locator('.split').nth(0).textContent()).toContain('8,000 examples');
  await page.getByRole('button', { name: 'Restart from last checkpoint', exact: true }).click();
  await waitForStatus(page, /Restarted the worker/);
  await expect.poll(() => page.getByText(/^Backend: /).textContent()).toMatch(/^Backend: webgpu/);
  expect(await banner.count()).toBe(0);
  // The new worker has the data and trains.
  await page.getByLabel('Epochs', { exact: true }).fill('1');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await waitForStatus(page, /Done training/);
}

describe('the worker dies or loses its GPU', () => {
  test('the worker ends (as on out of memory): the page notices and restarts it', async () => {
    await trainingWorker().evaluate(() =>
      setTimeout(() => (self as unknown as { close(): void }).close(), 0),
    );
    await expectRecovery(/stopped unexpectedly/);
  });

  test('an uncaught error in the worker during training', async () => {
    const { page } = s;
    await page.getByLabel('Epochs', { exact: true }).fill('50');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await waitForStatus(page, /training step 10 \|/);
    await trainingWorker().evaluate(() => {
      setTimeout(() => {
        throw new Error('injected fault');
      }, 0);
    });
    await expectRecovery(/uncaught error/);
  });

  test('the GPU device is lost', async () => {
    await trainingWorker().evaluate(() =>
      (
        globalThis as unknown as { pagetrainDebug: { gpuDevice: GPUDevice } }
      ).pagetrainDebug.gpuDevice.destroy(),
    );
    await expectRecovery(/GPU device was lost/);
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

    await trainingWorker().evaluate(() =>
      setTimeout(() => (self as unknown as { close(): void }).close(), 0),
    );
    await page.getByRole('region', { name: 'Worker stopped', exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Restart from last checkpoint', exact: true }).click();
    await waitForStatus(
      page,
      /Restarted the worker: data read again, model restored from the checkpoint at step 16/,
    );
    // The restored model evaluates to the same numbers, without training again.
    await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
    await expect.poll(() => accuracy.textContent(), { timeout: 60_000 }).toBe(before);
  });
});
