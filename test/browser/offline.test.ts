/**
 * Offline and installable: after one visit the service worker holds the app, the worker's tfjs chunk and the
 * bundled sample, so with the network off the page reloads, loads the sample, trains and predicts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, waitForStatus, type Session } from './harness';

describe('offline after the first visit', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  test('the built page carries a same-origin Content-Security-Policy and a web manifest', async () => {
    const csp = await s.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toMatch(/https?:|\*/);
    const manifest = await s.page.evaluate(async () => {
      const href = document.querySelector('link[rel="manifest"]')?.getAttribute('href');
      return href
        ? ((await (await fetch(href)).json()) as { name: string; icons: unknown[]; display: string })
        : null;
    });
    expect(manifest?.display).toBe('standalone');
    expect(manifest?.icons.length).toBeGreaterThan(0);
  });

  test('with the network off: reload, load sample, train, predict', async () => {
    const { page, context } = s;
    // The service worker is active: its install step (precaching everything) has finished.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await context.setOffline(true);
    await page.reload();
    await expect
      .poll(() => page.getByText(/^Backend: /).textContent(), { timeout: 60_000 })
      .toMatch(/^Backend: webgpu/);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);

    await page.getByRole('button', { name: 'Load sample data', exact: true }).click();
    await waitForStatus(page, /Loaded the MNIST sample/);
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await waitForStatus(page, /Done training/);
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    await expect.poll(() => page.getByText('1,000 predictions ready.').count(), { timeout: 60_000 }).toBe(1);
    expect(s.pageErrors).toEqual([]);
  });
});
