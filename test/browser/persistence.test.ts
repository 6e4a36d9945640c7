/**
 * Nothing a user trained is lost, in real headless Chromium with real IndexedDB: automatic checkpoints,
 * a page reload, Restore + Evaluate, Resume continuing the step count exactly, Export model loading in tfjs, Import
 * model restoring it, and a real quota failure (Chromium's own quota, lowered over CDP) mid-save. The flow runs on
 * the default training path (LogisticModel's fused WebGPU kernels); the last test repeats the exact resume on
 * tfjs's generic ops.
 * Driven by the accessible names of UI-CONTRACT.md plus this feature's own labels.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readSplit } from '../../src/lib/tfrecord';
import { EXPORTED_FILES, downloads, openApp, relativeError, waitForStatus, type Session } from './harness';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const STEP_LINE = /training step (\d+) \| Loss: (\d+\.\d\d) Examples\/sec: [\d.]+ \| (Hit@1: .*)$/;

async function statusLines(page: Page): Promise<string[]> {
  return page
    .getByRole('status')
    .locator('div')
    .allTextContents()
    .then((l) => l.map((s) => s.trim()));
}

/** Waits until the status region holds `n` lines matching `pattern`. */
async function waitForCount(page: Page, pattern: RegExp, n: number, timeout = 180_000): Promise<string[]> {
  await expect
    .poll(async () => (await statusLines(page)).filter((l) => pattern.test(l)).length, {
      timeout,
      interval: 250,
    })
    .toBeGreaterThanOrEqual(n);
  return statusLines(page);
}

function stepLines(lines: string[]): { step: number; loss: number; rest: string }[] {
  return lines.flatMap((l) => {
    const m = STEP_LINE.exec(l);
    return m ? [{ step: Number(m[1]), loss: Number(m[2]), rest: `${m[2]} ${m[3]}` }] : [];
  });
}

async function click(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name, exact: true }).click();
}

/** Clicks Evaluate and returns the Evaluation table once the new result is shown. */
async function evaluate(page: Page): Promise<Record<string, string>> {
  const before = (await statusLines(page)).filter((l) => l.startsWith('Evaluation on')).length;
  await click(page, 'Evaluate');
  await waitForCount(page, /^Evaluation on/, before + 1, 120_000);
  const table = page.getByRole('table', { name: 'Evaluation', exact: true });
  const out: Record<string, string> = {};
  for (const row of await table.locator('tbody tr').all()) {
    const [name, value] = await row.locator('td').allTextContents();
    out[name] = value;
  }
  return out;
}

async function train(page: Page, opts: { epochs: number; startNew: boolean }): Promise<string[]> {
  const before = (await statusLines(page)).filter((l) => l.includes('Done training')).length;
  await page.getByLabel('Epochs', { exact: true }).fill(String(opts.epochs));
  await page.getByLabel('Start new model', { exact: true }).setChecked(opts.startNew);
  await click(page, 'Train');
  const lines = await waitForCount(page, /Done training/, before + 1);
  const start = lines.findLastIndex((l) => l.startsWith('Training '));
  return lines.slice(start);
}

/** Steps shown in the Checkpoints table, top to bottom (newest first). */
async function checkpointSteps(page: Page): Promise<number[]> {
  const rows = page.getByRole('table', { name: 'Checkpoints', exact: true }).locator('tbody tr');
  return (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-step')))).map(Number);
}

function checkpointRow(page: Page, step: number) {
  return page
    .getByRole('table', { name: 'Checkpoints', exact: true })
    .locator(`tbody tr[data-step="${step}"]`);
}

/** Sets the "Fused WebGPU kernels" setting (on by default: LogisticModel's own WebGPU kernels). */
async function setFused(page: Page, on: boolean): Promise<void> {
  if (!(await page.getByLabel('Seed', { exact: true }).isVisible()))
    await page.getByText('Advanced', { exact: true }).click();
  await page.getByLabel('Fused WebGPU kernels', { exact: true }).setChecked(on);
}

async function loadSample(page: Page): Promise<void> {
  const before = (await statusLines(page)).filter((l) => l.startsWith('Loaded the MNIST sample')).length;
  await click(page, 'Load sample data');
  await waitForCount(page, /^Loaded the MNIST sample/, before + 1);
}

/** Adam's state in a checkpoint's files: the iteration count, and every moment (first then second) in one array. */
function adamState(files: Map<string, Buffer>): { iter: number; moments: Float32Array } {
  const state = JSON.parse(files.get('training-state.json')!.toString('utf8'));
  const names = state.optimizer.weights.map((w: { name: string }) => w.name);
  expect(names[0]).toBe('iter');
  expect(names.slice(1)).toEqual([
    expect.stringMatching(/kernel.*\/m$/),
    expect.stringMatching(/bias.*\/m$/),
    expect.stringMatching(/kernel.*\/v$/),
    expect.stringMatching(/bias.*\/v$/),
  ]);
  const bin = files.get('optimizer.weights.bin')!;
  const buf = new Uint8Array(bin).buffer;
  return { iter: new Int32Array(buf, 0, 1)[0], moments: new Float32Array(buf, 4) };
}

/** A checkpoint's files, downloaded with its row's Download button (the newest row of that step). */
async function checkpointDownload(page: Page, step: number): Promise<Map<string, Buffer>> {
  return downloads(page, 4, () =>
    checkpointRow(page, step).first().getByRole('button', { name: 'Download', exact: true }).click(),
  );
}

describe('checkpoints, reload, restore, resume, export, import, quota', () => {
  let s: Session;
  let evalAfterTraining: Record<string, string>;
  let firstRun: { step: number; loss: number; rest: string }[];
  let fusedAt10: { iter: number; moments: Float32Array };
  let fusedAt20: { iter: number; moments: Float32Array };

  beforeAll(async () => {
    s = await openApp();
    await s.page.getByText(/^Backend: webgpu/).waitFor({ timeout: 60_000 });
  });
  afterAll(async () => {
    await s?.close();
  });

  test('a run saves a checkpoint every N steps and when it ends', async () => {
    const { page } = s;
    await loadSample(page);
    const every = page.getByLabel('Checkpoint every (steps)', { exact: true });
    await every.fill('10');
    await every.blur();
    await expect.poll(() => every.inputValue()).toBe('10');
    // 8,000 examples at batch 512: 16 steps an epoch, 32 in two; checkpoints at 10, 20, 30 and the end, 32.
    const lines = await train(page, { epochs: 2, startNew: true });
    firstRun = stepLines(lines);
    expect(firstRun.map((l) => l.step)).toEqual([10, 20, 30]);
    await expect.poll(() => checkpointSteps(page), { timeout: 30_000 }).toEqual([32, 30, 20, 10]);
    // The fused kernels (the default) update Adam's moments in place on the GPU; each checkpoint must save the
    // moments of its own step. tfjs's WebGPU backend caches what a read-back downloaded, so without dropping that
    // copy every checkpoint after the first saved step 10's moments, and resuming from them diverged.
    fusedAt10 = adamState(await checkpointDownload(page, 10));
    fusedAt20 = adamState(await checkpointDownload(page, 20));
    expect([fusedAt10.iter, fusedAt20.iter]).toEqual([10, 20]);
    expect(relativeError(fusedAt10.moments, fusedAt20.moments)).toBeGreaterThan(0.01);
    evalAfterTraining = await evaluate(page);
    expect(Number(evalAfterTraining.Accuracy)).toBeGreaterThan(0.8);
    // navigator.storage.estimate(), in words.
    await expect
      .poll(() => page.getByLabel('Storage', { exact: true }).textContent())
      .toMatch(/Storage: [\d.]+ [kMG]?B used of [\d.]+ [kMGT]?B available/);
  });

  test('after a page reload the run and its checkpoints are listed; Restore + Evaluate gives the same numbers', async () => {
    const { page } = s;
    await page.reload();
    await expect.poll(() => checkpointSteps(page), { timeout: 60_000 }).toEqual([32, 30, 20, 10]);
    const runs = page.getByRole('table', { name: 'Runs', exact: true }).locator('tbody tr');
    await expect.poll(() => runs.count()).toBe(1);
    expect(await runs.first().textContent()).toContain('LogisticModel');
    await expect
      .poll(() => s.page.getByText(/^Backend: /).textContent(), { timeout: 60_000 })
      .toMatch(/^Backend: webgpu/);
    await loadSample(page);

    await checkpointRow(page, 32).getByRole('button', { name: 'Restore', exact: true }).click();
    await waitForStatus(page, /Restored the checkpoint at step 32 \(epoch 2\)/);
    expect(await page.getByLabel('Start new model', { exact: true }).isChecked()).toBe(false);
    expect(await evaluate(page)).toEqual(evalAfterTraining);
  });

  test('Resume: Train with start_new_model off continues the step count, Adam state and the loss curve exactly', async () => {
    const { page } = s;
    const resumed = stepLines(await train(page, { epochs: 1, startNew: false }));
    // Steps 33..48: the first status line after resuming is step 40, not step 10.
    expect(resumed.map((l) => l.step)).toEqual([40]);
    // The same run goes on: its checkpoints at 40 and 48 join the earlier ones; keep-last-5 drops step 10.
    await expect.poll(() => checkpointSteps(page), { timeout: 30_000 }).toEqual([48, 40, 32, 30, 20]);
    const runs = page.getByRole('table', { name: 'Runs', exact: true }).locator('tbody tr');
    expect(await runs.count()).toBe(1);

    // Exactly: three epochs from scratch in one go give the same status line at step 40 (loss and metrics).
    const straight = stepLines(await train(page, { epochs: 3, startNew: true }));
    expect(straight.map((l) => l.step)).toEqual([10, 20, 30, 40]);
    expect(straight.slice(0, 3).map((l) => l.rest)).toEqual(firstRun.map((l) => l.rest));
    expect(straight[3].rest).toBe(resumed[0].rest);
    // And the resumed curve joins up: step 40's loss sits with step 30's, far below step 10's.
    expect(resumed[0].loss).toBeLessThan(firstRun[0].loss);
    expect(resumed[0].loss).toBeLessThanOrEqual(firstRun[2].loss * 1.5);
    await expect.poll(() => runs.count()).toBe(2);

    // Compare the two runs: their curves overlaid, their settings side by side.
    for (const box of await runs.getByRole('checkbox').all()) await box.check();
    const figure = page.getByRole('figure', { name: 'Loss curves', exact: true });
    await expect.poll(() => figure.locator('canvas').count()).toBeGreaterThan(0);
    const settings = page.getByRole('table', { name: 'Run settings', exact: true });
    expect(await settings.locator('thead th').count()).toBe(3);
    const epochsRow = await settings
      .locator('tbody tr', { hasText: 'Epochs' })
      .locator('td')
      .allTextContents();
    expect(epochsRow.sort()).toEqual(['1', '3']);
  });

  test('Export model: the files load with tf.loadLayersModel and give the same predictions', async () => {
    const { page } = s;
    const evalBefore = await evaluate(page);
    await click(page, 'Predict');
    const csvButton = page.getByRole('button', { name: 'Download predictions.csv', exact: true });
    await expect.poll(() => csvButton.isEnabled(), { timeout: 120_000 }).toBe(true);
    const csv = (await downloads(page, 1, () => csvButton.click())).get('predictions.csv')!.toString('utf8');
    const pagePredictions = csv
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1]));

    const files = await downloads(page, 4, () => click(page, 'Export model'));
    expect([...files.keys()].sort()).toEqual(EXPORTED_FILES);
    const modelJson = JSON.parse(files.get('model.json')!.toString('utf8'));
    expect(modelJson.format).toBe('layers-model');
    const state = JSON.parse(files.get('training-state.json')!.toString('utf8'));
    expect(state).toMatchObject({ step: 48, epoch: 3, config: { model: 'LogisticModel' } });

    // tfjs in Node (CPU backend) through a custom IOHandler reading the downloaded files.
    await tf.setBackend('cpu');
    const handler: tf.io.IOHandler = {
      load: async () => {
        const bin = files.get('model.weights.bin')!;
        return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
          expect(manifest[0].paths).toEqual(['./model.weights.bin']);
          return [manifest[0].weights, new Uint8Array(bin).buffer];
        });
      },
    };
    const model = await tf.loadLayersModel(handler);
    const test = await readSplit([
      new File([await readFile(join(root, 'public/sample/test.tfrecords'))], 'test.tfrecords'),
    ]);
    const x = tf.tensor4d(
      Float32Array.from(test.images, (v) => v / 255),
      [test.count, 28, 28, 1],
    );
    const probs = model.predict(x) as tf.Tensor2D;
    const nodePredictions = Array.from(await probs.argMax(1).data());
    tf.dispose([x, probs]);
    model.dispose();
    expect(nodePredictions).toHaveLength(1000);
    const differing = nodePredictions.filter((c, i) => c !== pagePredictions[i]).length;
    // CPU and WebGPU round float32 sums differently: a near-tie may flip, nothing more.
    expect(differing).toBeLessThanOrEqual(1);

    // Import model: the same files become a named model in `Model`, and Evaluate gives the same numbers.
    await page.getByLabel('Import model', { exact: true }).setInputFiles(
      [...files].map(([name, buffer]) => ({
        name,
        mimeType: name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
        buffer,
      })),
    );
    await waitForStatus(page, /Loaded Imported LogisticModel with its weights \(step 48\)/);
    const select = page.getByLabel('Model', { exact: true });
    expect(await select.inputValue()).toBe('Imported LogisticModel');
    expect(await select.locator('option').allTextContents()).toContain('Imported LogisticModel');
    expect(await evaluate(page)).toEqual(evalBefore);

    // A model.json with a layer type outside the known set is refused, by name, and loses nothing.
    const bad = structuredClone(modelJson);
    bad.modelTopology.config.layers[1].class_name = 'Lambda';
    await page.getByLabel('Import model', { exact: true }).setInputFiles([
      { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) },
      {
        name: 'model.weights.bin',
        mimeType: 'application/octet-stream',
        buffer: files.get('model.weights.bin')!,
      },
    ]);
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toContain('model.json: layer "logistic" is a Lambda, which pagetrain cannot train');
    expect(await select.inputValue()).toBe('Imported LogisticModel');
    expect(await evaluate(page)).toEqual(evalBefore);
  });

  test('a quota failure mid-save is reported with what to delete, and earlier checkpoints stay loadable', async () => {
    const { page, context } = s;
    const listed = await checkpointSteps(page);
    const origin = new URL(s.baseURL).origin;
    const cdp = await context.newCDPSession(page);
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    // Chromium's own quota, lowered below what is stored (IndexedDB's compaction makes the usage figure drift by
    // more than a checkpoint, so "just above" would be flaky): every write that grows the database now fails.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: Math.floor(usage / 2) });
    try {
      // IndexedDB checks a cached "space remaining" that is refreshed only after a while: write small blobs to a
      // scratch database of the same origin until IndexedDB itself refuses one, so every later write fails too.
      const filled = await page.evaluate(async () => {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const req = indexedDB.open('quota-filler', 1);
          req.onupgradeneeded = () => req.result.createObjectStore('blobs');
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        try {
          for (let i = 0, t0 = Date.now(); Date.now() - t0 < 120_000; i++) {
            const failed = await new Promise<string | null>((resolve) => {
              const tx = db.transaction('blobs', 'readwrite');
              tx.objectStore('blobs').put(new Uint8Array(20_000).fill(i % 256), i);
              tx.oncomplete = () => resolve(null);
              tx.onabort = () => resolve(tx.error?.name ?? 'AbortError');
            });
            if (failed) return failed;
            await new Promise((r) => setTimeout(r, 250));
          }
          return 'never refused';
        } finally {
          db.close();
        }
      });
      expect(filled).toBe('QuotaExceededError');
      await page.getByLabel('Model', { exact: true }).selectOption('LogisticModel');
      await train(page, { epochs: 1, startNew: true });
      const alert = page.getByRole('alert');
      await expect
        .poll(() => alert.textContent(), { timeout: 30_000 })
        .toMatch(/storage for this page is full/);
      // It names what to delete: the oldest unpinned checkpoints, by step, run and size.
      expect(await alert.textContent()).toMatch(
        /Earlier checkpoints are intact\. Delete checkpoints you no longer need in Checkpoints, oldest first — step \d+ of LogisticModel · [^(]+\(\d+ kB\)/,
      );
      // The failed saves left nothing behind (each transaction aborted whole); the earlier ones are all there.
      await page.reload();
      await expect.poll(() => checkpointSteps(page), { timeout: 60_000 }).toEqual(listed);
    } finally {
      await cdp.send('Storage.overrideQuotaForOrigin', { origin });
      await page.evaluate(() => indexedDB.deleteDatabase('quota-filler'));
    }
    await loadSample(page);
    await checkpointRow(page, 32).getByRole('button', { name: 'Restore', exact: true }).click();
    await waitForStatus(page, /Restored the checkpoint at step 32/);
    expect(await evaluate(page)).toEqual(evalAfterTraining);
  });

  test('reloading the tab in the middle of training: the last checkpoint is there and Resume continues it exactly', async () => {
    const { page } = s;
    const at20 = page
      .getByRole('table', { name: 'Checkpoints', exact: true })
      .locator('tbody tr[data-step="20"]');
    const before = await at20.count();
    await page.getByLabel('Epochs', { exact: true }).fill('3');
    await page.getByLabel('Start new model', { exact: true }).setChecked(true);
    await click(page, 'Train');
    await expect.poll(() => at20.count(), { timeout: 120_000, interval: 100 }).toBe(before + 1);
    await page.reload(); // mid-training: step 20 of 48 is saved, the worker dies with the tab
    await expect.poll(() => at20.count(), { timeout: 60_000 }).toBe(before + 1);
    await loadSample(page);
    // Step 20 is 4 steps into epoch 1: Resume continues that epoch's shuffle at its 5th batch.
    await at20.first().getByRole('button', { name: 'Restore', exact: true }).click();
    await waitForStatus(page, /Restored the checkpoint at step 20 \(epoch 1\)/);
    const resumed = stepLines(await train(page, { epochs: 1, startNew: false }));
    expect(resumed.map((l) => l.step)).toEqual([30]);
    expect(resumed[0].rest).toBe(firstRun[2].rest);
  });
  test("on tfjs's generic ops too: the same moments as the fused kernels, and resume in a new page is exact", async () => {
    const { page } = s;
    await setFused(page, false);
    const every = page.getByLabel('Checkpoint every (steps)', { exact: true });
    await every.fill('10');
    await every.blur();
    const first = stepLines(await train(page, { epochs: 2, startNew: true }));
    expect(first.map((l) => l.step)).toEqual([10, 20, 30]);
    // Same math, other summation order: Adam's state at step 20 agrees with the fused kernels' to float32 noise,
    // far closer than step 10's does to step 20's.
    const genericAt20 = adamState(await checkpointDownload(page, 20));
    expect(genericAt20.iter).toBe(20);
    expect(relativeError(fusedAt20.moments, genericAt20.moments)).toBeLessThan(1e-3);
    expect(relativeError(fusedAt10.moments, genericAt20.moments)).toBeGreaterThan(0.01);

    await page.reload();
    await expect.poll(() => checkpointRow(page, 20).count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await loadSample(page);
    await checkpointRow(page, 20).first().getByRole('button', { name: 'Restore', exact: true }).click();
    await waitForStatus(page, /Restored the checkpoint at step 20 \(epoch 1\)/);
    // Restoring brings back the settings the checkpoint was trained with: generic ops.
    if (!(await page.getByLabel('Seed', { exact: true }).isVisible()))
      await page.getByText('Advanced', { exact: true }).click();
    expect(await page.getByLabel('Fused WebGPU kernels', { exact: true }).isChecked()).toBe(false);
    // A fresh worker, 4 steps into epoch 1: the resumed run's step 30 is the unbroken run's step 30.
    const resumed = stepLines(await train(page, { epochs: 1, startNew: false }));
    expect(resumed.map((l) => l.step)).toEqual([30]);
    expect(resumed[0].rest).toBe(first[2].rest);
  });
});
