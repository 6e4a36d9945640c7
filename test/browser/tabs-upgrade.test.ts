/**
 * Two tabs and one IndexedDB database: a database upgrade in one tab while another writes
 * checkpoints corrupts nothing and loses nothing.
 *
 * 1. A tab of the previous version (database version 1, custom models in their own `pagetrain-models` database)
 *    keeps writing checkpoints while the app opens in a second tab and upgrades to version 2: the new tab says it
 *    waits, the old tab closes its connection when asked (as version 1 did), the upgrade moves the custom models into
 *    the one database and deletes the old one, and every checkpoint the old tab wrote is listed and readable.
 * 2. The app is the old tab: a newer version upgrading in another tab makes it close its connection and tell the
 *    user to reload, mid-training; every checkpoint it saved is complete in the upgraded database.
 *
 * The "other tab" is real code in a real page of the same origin, using IndexedDB directly as the other version does.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DEFAULT_TRAIN_CONFIG } from '../../src/lib/shared/settings';
import { DB_NAME, DB_VERSION, LEGACY_MODELS_DB } from '../../src/lib/store/db';
import { openApp, waitForStatus, type Session } from './harness';

/** Records as version 1 of the app wrote them (validated by the app when it reads them). */
const RUN = {
  version: 1,
  id: 'old-run',
  name: 'LogisticModel · from the old tab',
  config: DEFAULT_TRAIN_CONFIG,
  dataset: [],
  history: [],
  createdAt: 1,
  updatedAt: 1,
  globalStep: 0,
  final: null,
};
const DEFINITION = {
  version: 1,
  name: 'OldNet',
  savedAt: 1,
  definition: {
    format: 'pagetrain-model',
    version: 1,
    name: 'OldNet',
    layers: [{ className: 'Dense', config: { units: 8, activation: 'relu' } }],
  },
};

declare global {
  interface Window {
    oldTab: { written: number[]; askedToClose: boolean; closed: boolean; error: string | null };
  }
}

/**
 * In `page` (same origin, not the app): version 1's databases, then a checkpoint written every 50 ms. On
 * `versionchange` it goes on writing for `lingerMs`, then closes (version 1's `blocking` handler closed at once).
 */
async function startOldTab(page: Page, lingerMs: number): Promise<void> {
  await page.evaluate(
    async ({ run, def, config, lingerMs }) => {
      const req = <T>(r: IDBRequest<T>) =>
        new Promise<T>((resolve, reject) => {
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
      const open = (name: string, upgrade: (db: IDBDatabase) => void) => {
        const r = indexedDB.open(name, 1);
        r.onupgradeneeded = () => upgrade(r.result);
        return req(r);
      };
      const models = await open('pagetrain-models', (db) =>
        db.createObjectStore('definitions', { keyPath: 'name' }),
      );
      await req(models.transaction('definitions', 'readwrite').objectStore('definitions').put(def));
      // Left open, as version 1 left it (it had no handler on this database).
      const db = await open('pagetrain', (db) => {
        db.createObjectStore('runs', { keyPath: 'id' }).createIndex('by-created', 'createdAt');
        db.createObjectStore('checkpoints', { keyPath: 'id' }).createIndex('by-run', 'runId');
        db.createObjectStore('predictions', { keyPath: 'id' }).createIndex('by-run', 'runId');
      });
      await req(db.transaction('runs', 'readwrite').objectStore('runs').put(run));
      window.oldTab = { written: [], askedToClose: false, closed: false, error: null };
      const state = window.oldTab;
      db.onversionchange = () => {
        state.askedToClose = true;
        setTimeout(() => {
          state.closed = true;
          db.close();
        }, lingerMs);
      };
      const write = (step: number) =>
        new Promise<void>((resolve, reject) => {
          const tx = db.transaction('checkpoints', 'readwrite');
          const weights = {
            specs: [{ name: 'w', shape: [2, 3], dtype: 'float32' }],
            data: new ArrayBuffer(24),
          };
          new Float32Array(weights.data).fill(step);
          tx.objectStore('checkpoints').put({
            version: 1,
            id: `old-${step}`,
            runId: run.id,
            step,
            epoch: 0,
            epochExamples: step,
            learningRate: 0.01,
            reason: 'interval',
            createdAt: Date.now(),
            pinned: false,
            metrics: null,
            config,
            model: { topology: { class_name: 'Sequential' }, weights },
            optimizer: { specs: [{ name: 'iter', shape: [], dtype: 'int32' }], data: new ArrayBuffer(4) },
            regularized: [],
          });
          tx.oncomplete = () => resolve();
          tx.onabort = () => reject(tx.error);
        });
      void (async () => {
        for (let step = 1; !state.closed; step++) {
          try {
            await write(step);
            state.written.push(step);
          } catch (e) {
            state.error = String(e);
            return;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
    },
    { run: RUN, def: DEFINITION, config: DEFAULT_TRAIN_CONFIG, lingerMs },
  );
}

async function checkpointSteps(page: Page): Promise<number[]> {
  const rows = page.getByRole('table', { name: 'Checkpoints', exact: true }).locator('tbody tr');
  return (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-step'))))).sort(
    (a, b) => a - b,
  );
}

describe('two tabs, one database', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp(); // its page is left alone: the tests open their own context
  });
  afterAll(async () => {
    await s?.close();
  });

  test('a tab of version 1 writes checkpoints while the app upgrades the database in another tab', async () => {
    const context = await s.browser.newContext({ acceptDownloads: true, baseURL: s.baseURL });
    try {
      const old = await context.newPage();
      await old.goto(`${s.baseURL}/icon.svg`);
      await startOldTab(old, 1500);
      await expect.poll(() => old.evaluate(() => window.oldTab.written.length)).toBeGreaterThan(3);

      const app = await context.newPage();
      await app.goto(s.baseURL);
      // The old tab is asked to close and lingers: the new one says it waits.
      await waitForStatus(app, /Waiting for another tab of pagetrain to close its database connection/);
      expect(await old.evaluate(() => window.oldTab.askedToClose)).toBe(true);
      await expect.poll(() => old.evaluate(() => window.oldTab.closed), { timeout: 10_000 }).toBe(true);
      const oldTab = await old.evaluate(() => window.oldTab);
      // Writes went on until the connection closed, then stopped cleanly (no write failed).
      expect(oldTab.error).toBeNull();

      // Every checkpoint the old tab wrote is listed in the upgraded database, and its run.
      await expect.poll(() => checkpointSteps(app), { timeout: 30_000 }).toEqual(oldTab.written);
      const runs = app.getByRole('table', { name: 'Runs', exact: true }).locator('tbody tr');
      expect(await runs.first().textContent()).toContain('from the old tab');
      // No record was reported unreadable.
      expect((await app.getByRole('alert').allTextContents()).join('').trim()).toBe('');
      // Read whole (validated on load): the newest one downloads as model files.
      const newest = Math.max(...oldTab.written);
      const downloads: string[] = [];
      app.on('download', (d) => downloads.push(d.suggestedFilename()));
      await app
        .getByRole('table', { name: 'Checkpoints', exact: true })
        .locator(`tbody tr[data-step="${newest}"]`)
        .getByRole('button', { name: 'Download', exact: true })
        .click();
      await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(4);

      // The custom model moved into the one database and is offered in Model.
      await expect
        .poll(() => app.getByLabel('Model', { exact: true }).locator('option').allTextContents(), {
          timeout: 30_000,
        })
        .toContain('OldNet');
      // The old models database goes once the old tab (which held it open) is gone.
      await old.close();
      const databases = () => app.evaluate(async () => await indexedDB.databases());
      await expect
        .poll(async () => (await databases()).map((d) => d.name), { timeout: 30_000 })
        .not.toContain(LEGACY_MODELS_DB);
      expect((await databases()).find((d) => d.name === DB_NAME)?.version).toBe(DB_VERSION);
      // And after a reload everything is still there.
      await app.reload();
      await expect.poll(() => checkpointSteps(app), { timeout: 30_000 }).toEqual(oldTab.written);
      await expect
        .poll(() => app.getByLabel('Model', { exact: true }).locator('option').allTextContents(), {
          timeout: 30_000,
        })
        .toContain('OldNet');
    } finally {
      await context.close();
    }
  });

  test('the app in the old tab: a newer version upgrading mid-training closes it, tells it to reload, loses nothing', async () => {
    const context = await s.browser.newContext({ acceptDownloads: true, baseURL: s.baseURL });
    try {
      const app = await context.newPage();
      await app.goto(s.baseURL);
      await app.getByText(/^Backend: webgpu/).waitFor({ timeout: 60_000 });
      await app.getByRole('button', { name: 'Load sample data', exact: true }).click();
      await waitForStatus(app, /Loaded the MNIST sample/);
      const every = app.getByLabel('Checkpoint every (steps)', { exact: true });
      await every.fill('2');
      await every.blur();
      await app.getByLabel('Epochs', { exact: true }).fill('3');
      await app.getByRole('button', { name: 'Train', exact: true }).click();
      await expect.poll(() => checkpointSteps(app), { timeout: 120_000, interval: 100 }).toContain(6);
      const before = await checkpointSteps(app);

      // A newer version of the app opens the database in another tab and upgrades it.
      const newer = await context.newPage();
      await newer.goto(`${s.baseURL}/icon.svg`);
      const upgraded = newer.evaluate(
        ({ name, version }) =>
          new Promise<{ ids: string[]; metas: string[]; bad: string[] }>((resolve, reject) => {
            const r = indexedDB.open(name, version);
            r.onerror = () => reject(r.error);
            r.onsuccess = () => {
              const db = r.result;
              const tx = db.transaction(['checkpoints', 'checkpoint-meta'], 'readonly');
              const all = tx.objectStore('checkpoints').getAll();
              const metas = tx.objectStore('checkpoint-meta').getAllKeys();
              tx.oncomplete = () => {
                const bad: string[] = [];
                type Spec = { shape: number[] };
                const bytes = (specs: Spec[]) =>
                  specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
                for (const c of all.result) {
                  if (c.model.weights.data.byteLength !== bytes(c.model.weights.specs))
                    bad.push(`${c.id} model`);
                  if (c.optimizer.data.byteLength !== bytes(c.optimizer.specs)) bad.push(`${c.id} optimizer`);
                }
                db.close();
                resolve({ ids: all.result.map((c) => c.id), metas: metas.result.map(String), bad });
              };
            };
          }),
        { name: DB_NAME, version: DB_VERSION + 1 },
      );
      // The app closed its connection at once (else the upgrade would wait) and says to reload.
      const got = await upgraded;
      await expect
        .poll(() => app.getByRole('alert').textContent(), { timeout: 30_000 })
        .toContain('opened in a newer version in another tab');
      expect(await app.getByRole('alert').textContent()).toContain('Reload this page to keep saving');
      // Nothing saved was lost or half-written: every checkpoint is whole and has its summary.
      expect(got.bad).toEqual([]);
      expect(got.ids.length).toBeGreaterThanOrEqual(before.length);
      expect([...got.metas].sort()).toEqual([...got.ids].sort());
      // Training itself goes on to its end.
      await waitForStatus(app, /Done training/);
    } finally {
      await context.close();
    }
  });
});
