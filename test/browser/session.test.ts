/**
 * Nothing leaves the tab, for a whole session: load the sample, train, evaluate, predict, download predictions.csv,
 * export the model, import the exported files, restore a checkpoint, predict a drawn digit, switch to the webgl and
 * wasm backends (wasm fetches its .wasm binary), and reload offline from the service worker. Every request the
 * browser context saw — the page's, the training worker's, the service worker's own — is same-origin (blob: and
 * data: URLs allowed).
 */
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXPORTED_FILES, downloads, drawOne, openApp, waitForStatus, type Session } from './harness';

const click = (page: Page, name: string) => page.getByRole('button', { name, exact: true }).click();

describe('a whole session stays on the app’s own origin', () => {
  let s: Session;
  /** Requests the page reported itself (page.on('request')): a subset of the context's. */
  const pageRequests: string[] = [];
  beforeAll(async () => {
    s = await openApp();
    s.page.on('request', (r: Request) => pageRequests.push(r.url()));
  });
  afterAll(async () => {
    await s?.close();
  });

  test('load, train, evaluate, predict, download predictions.csv', async () => {
    const { page } = s;
    await expect
      .poll(() => page.getByText(/^Backend: /).textContent(), { timeout: 60_000 })
      .toMatch(/^Backend: webgpu/);
    await click(page, 'Load sample data');
    await waitForStatus(page, /Loaded the MNIST sample/);
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await click(page, 'Train');
    await waitForStatus(page, /Done training/);
    await click(page, 'Evaluate');
    await page.getByRole('table', { name: 'Evaluation', exact: true }).waitFor({ timeout: 60_000 });
    await click(page, 'Predict');
    const csvButton = page.getByRole('button', { name: 'Download predictions.csv', exact: true });
    await expect.poll(() => csvButton.isEnabled(), { timeout: 60_000 }).toBe(true);
    const csv = await downloads(page, 1, () => csvButton.click());
    expect(csv.get('predictions.csv')!.toString('utf8')).toMatch(/^Id,Category\n1,\d\n/);
  });

  test('export the model, import the exported files, restore a checkpoint', async () => {
    const { page } = s;
    const files = await downloads(page, 4, () => click(page, 'Export model'));
    expect([...files.keys()].sort()).toEqual(EXPORTED_FILES);
    await page.getByLabel('Import model', { exact: true }).setInputFiles(
      [...files].map(([name, buffer]) => ({
        name,
        mimeType: name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
        buffer,
      })),
    );
    await waitForStatus(page, /Loaded Imported LogisticModel with its weights/);
    const row = page.getByRole('table', { name: 'Checkpoints', exact: true }).locator('tbody tr').first();
    const step = await row.getAttribute('data-step');
    await row.getByRole('button', { name: 'Restore', exact: true }).click();
    await waitForStatus(page, new RegExp(`Restored the checkpoint at step ${step} `));
  });

  test('the drawing pad predicts a drawn digit', async () => {
    const { page } = s;
    await drawOne(page);
    const prediction = page.getByLabel('Drawing prediction', { exact: true });
    await expect.poll(() => prediction.textContent(), { timeout: 30_000 }).toMatch(/^[0-9]$/);
  });

  test('switch to webgl, then wasm (its binary comes from the app), and evaluate there', async () => {
    const { page } = s;
    const backend = page.getByLabel('Backend', { exact: true });
    await backend.selectOption('webgl');
    await waitForStatus(page, /Switched to the webgl backend/);
    await backend.selectOption('wasm');
    await waitForStatus(page, /Switched to the wasm backend/);
    expect(await page.getByText(/^Backend: /).textContent()).toBe('Backend: wasm');
    await click(page, 'Evaluate');
    await waitForStatus(
      page,
      /Evaluation on 1000 validation examples[\s\S]*Evaluation on 1000 validation examples/,
    );
  });

  test('reload offline: the service worker serves the app, the worker and the sample', async () => {
    const { page, context } = s;
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await context.setOffline(true);
    try {
      await page.reload();
      await expect
        .poll(() => page.getByText(/^Backend: /).textContent(), { timeout: 60_000 })
        .toMatch(/^Backend: webgpu/);
      await click(page, 'Load sample data');
      await waitForStatus(page, /Loaded the MNIST sample/);
    } finally {
      await context.setOffline(false);
    }
  });

  test('every request of the session was to the app’s own origin', () => {
    const origin = new URL(s.baseURL).origin;
    const foreign = (urls: string[]) =>
      urls.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin);
    expect(foreign(s.requests)).toEqual([]);
    expect(foreign(pageRequests)).toEqual([]);
    // The record is complete: it holds the training worker's own fetches (the sample, online and offline; the wasm
    // binary) and the service worker's (its precaching of the same files).
    const by = (sw: boolean, pattern: RegExp) =>
      s.requestLog.filter((r) => r.fromServiceWorker === sw && pattern.test(new URL(r.url).pathname));
    expect(by(false, /\/sample\/train\.tfrecords$/).length).toBeGreaterThanOrEqual(2);
    expect(by(false, /\.wasm$/).length).toBeGreaterThanOrEqual(1);
    expect(by(true, /\/sample\/train\.tfrecords$/).length).toBeGreaterThanOrEqual(1);
    expect(by(true, /\.wasm$/).length).toBeGreaterThanOrEqual(1);
    expect(by(false, /train\.worker.*\.js$/).length).toBeGreaterThanOrEqual(2);
    expect(s.pageErrors).toEqual([]);
  });
});
