/**
 * Offline and installable: after one visit the service worker holds the app, the worker's tfjs chunk and the
 * bundled sample, so with the network off and the server stopped the page reloads, loads the sample, trains and
 * predicts, every response coming from the service worker. The app is served here by a server of this file's own
 * (the build the shared one serves), so that it can be stopped.
 */
import type { AddressInfo } from 'node:net';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, waitForStatus, type Session } from './harness';

describe('offline after the first visit', () => {
  let s: Session;
  let server: PreviewServer;
  /** Every request path the server received, in order. */
  const received: string[] = [];
  beforeAll(async () => {
    server = await preview({
      preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
      logLevel: 'warn',
      plugins: [
        {
          name: 'count-requests',
          configurePreviewServer(server) {
            server.middlewares.use((req, _res, next) => {
              received.push(req.url ?? '');
              next();
            });
          },
        },
      ],
    });
    const { port } = server.httpServer.address() as AddressInfo;
    s = await openApp({ baseURL: `http://127.0.0.1:${port}/` });
  });
  afterAll(async () => {
    await s?.close();
    await server?.close();
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
    // The first visit reached the server (the page, its scripts, the service worker's precaching).
    expect(received.length).toBeGreaterThan(0);
    await context.setOffline(true);
    // Then the server goes. Playwright's offline mode does not cover the browser's service-worker update checks
    // (sw.js and its workbox script reach the server while "offline"): with no server at all, whatever the page gets
    // can only come from the service worker.
    await server.close();
    await expect(fetch(s.baseURL)).rejects.toThrow();
    const failed: string[] = [];
    const notFromServiceWorker: string[] = [];
    context.on('requestfailed', (r) => failed.push(r.url()));
    context.on('response', (r) => {
      if (!r.fromServiceWorker()) notFromServiceWorker.push(r.url());
    });
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
    // Every request the page and its workers made was answered, and by the service worker.
    expect({ failed, notFromServiceWorker }).toEqual({ failed: [], notFromServiceWorker: [] });
  });
});
