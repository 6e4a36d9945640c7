/**
 * No user-supplied text is ever rendered as HTML: file names, feature keys and model names (saved in the editor,
 * imported in a model.json) that hold markup and script are shown as the literal text they are. A mutation observer
 * installed before the app starts records every <img>, <b> or on* handler attribute that appears anywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeExample, writeTFRecords } from '../../src/lib/tfrecord/writer';
import { openApp, waitForStatus, type Session } from './harness';

const IMG = '<img src=x onerror="window.__pwned=1">';
const BOLD = '<b>bold</b>';

/** 64 records of 28×28 images whose image feature is named IMG, with a label and an extra feature named BOLD. */
function hostileRecords(): Buffer {
  const records = Array.from({ length: 64 }, (_, i) =>
    encodeExample({
      [IMG]: { kind: 'int64', values: Array.from({ length: 784 }, (_, p) => (i * 31 + p * 7) % 256) },
      label: { kind: 'int64', values: [i % 10] },
      [BOLD]: { kind: 'int64', values: [1] },
    }),
  );
  return Buffer.from(writeTFRecords(records));
}

/** A small valid TensorFlow.js layers model (Flatten, Dense 10) whose name is markup; model.json + weights. */
async function hostileModel(): Promise<{ name: string; mimeType: string; buffer: Buffer }[]> {
  const model = tf.sequential({
    name: IMG,
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  let files: { name: string; mimeType: string; buffer: Buffer }[] = [];
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const json = {
        format: 'layers-model',
        generatedBy: 'TensorFlow.js',
        convertedBy: null,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['./model.weights.bin'], weights: a.weightSpecs }],
      };
      files = [
        { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) },
        {
          name: 'model.weights.bin',
          mimeType: 'application/octet-stream',
          buffer: Buffer.from(a.weightData as ArrayBuffer),
        },
      ];
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return files;
}

describe('user text is shown as text, never as HTML', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
    await s.context.addInitScript(() => {
      const w = window as unknown as { __created: string[] };
      w.__created = [];
      new MutationObserver((mutations) => {
        for (const m of mutations) {
          const nodes = m.type === 'attributes' ? [m.target] : [...m.addedNodes];
          for (const n of nodes) {
            if (!(n instanceof Element)) continue;
            for (const e of [n, ...n.querySelectorAll('*')]) {
              const handler = [...e.attributes].some((a) => a.name.startsWith('on'));
              if (e.tagName === 'IMG' || e.tagName === 'B' || handler)
                w.__created.push(e.outerHTML.slice(0, 200));
            }
          }
        }
      }).observe(document, { childList: true, subtree: true, attributes: true });
    });
    await s.page.reload();
  });
  afterAll(async () => {
    await s?.close();
  });

  const created = () => s.page.evaluate(() => (window as unknown as { __created: string[] }).__created);
  const pwned = () => s.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);

  test('a TFRecord file whose name and feature keys are markup', async () => {
    const { page } = s;
    await expect
      .poll(() => page.getByText(/^Backend: /).textContent(), { timeout: 60_000 })
      .toMatch(/^Backend: webgpu/);
    await page.getByLabel('Training data', { exact: true }).setInputFiles({
      name: `${IMG}.tfrecords`,
      mimeType: 'application/octet-stream',
      buffer: hostileRecords(),
    });
    await waitForStatus(page, /Loaded Training data: 64 examples/);
    const card = page.getByRole('group', { name: 'Training data split', exact: true });
    const text = (await card.textContent()) ?? '';
    // The file name, the image feature (picked as the largest list) and the other feature, literally.
    expect(text).toContain(`${IMG}.tfrecords`);
    expect(await card.locator('code').first().textContent()).toBe(IMG);
    expect(await card.locator('option').allTextContents()).toContain(`${BOLD} (int64 × 1)`);

    // A broken file with a markup name: the alert names it, literally.
    await page.getByLabel('Validation data', { exact: true }).setInputFiles({
      name: `${BOLD}.tfrecords`,
      mimeType: 'application/octet-stream',
      buffer: hostileRecords().subarray(0, 1000),
    });
    await expect.poll(() => page.getByRole('alert').textContent()).toContain(`${BOLD}.tfrecords`);
    await page.getByRole('button', { name: 'Dismiss', exact: true }).click();
  });

  test('a model saved in the layer editor under a markup name', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'New model', exact: true }).click();
    await page.getByRole('textbox', { name: 'Model name', exact: true }).fill(BOLD);
    await page.getByRole('button', { name: 'Save model', exact: true }).click();
    const select = page.getByLabel('Model', { exact: true });
    await expect.poll(() => select.locator('option').allTextContents()).toContain(BOLD);
    await expect.poll(() => page.getByText(`Saved ${BOLD}: choose it in Model`).count()).toBe(1);
  });

  test('an imported model.json whose name is markup, trained: run and checkpoint names too', async () => {
    const { page } = s;
    await page.getByLabel('Import model', { exact: true }).setInputFiles(await hostileModel());
    const select = page.getByLabel('Model', { exact: true });
    await expect.poll(() => select.inputValue(), { timeout: 30_000 }).toBe(`Imported ${IMG}`);
    expect(await select.locator('option').allTextContents()).toContain(`Imported ${IMG}`);

    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByLabel('Batch size', { exact: true }).fill('32');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await waitForStatus(page, /Done training/);
    const firstRun = page
      .getByRole('table', { name: 'Checkpoints', exact: true })
      .locator('tbody tr')
      .first()
      .locator('td')
      .first();
    await expect.poll(() => firstRun.textContent(), { timeout: 30_000 }).toMatch(/^Imported <img src=x/);
    const runName = (await firstRun.textContent())!;
    expect(runName.startsWith(`Imported ${IMG} · `)).toBe(true);
    // Compare the run: its name goes into the runs table, the settings table and the chart's legend.
    await page.getByRole('checkbox', { name: `Compare ${runName}`, exact: true }).check();
    const legend = page.getByRole('figure', { name: 'Loss curves', exact: true });
    await expect.poll(() => legend.textContent()).toContain(runName);
    expect(await page.getByRole('table', { name: 'Run settings', exact: true }).textContent()).toContain(
      `${IMG}.tfrecords`,
    );
  });

  test('no markup from any of it became an element, and no script ran', async () => {
    expect(await pwned()).toBeUndefined();
    expect(await created()).toEqual([]);
    expect(await s.page.locator('img, b, [onerror]').count()).toBe(0);
    // The literal text is on the page.
    expect(await s.page.getByText(IMG, { exact: false }).count()).toBeGreaterThan(0);
    expect(s.pageErrors.filter((e) => !/Could not load Validation data/.test(e))).toEqual([]);
  });

  test('(the observer is live: markup inserted as HTML is recorded)', async () => {
    await s.page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<b id="probe">probe</b>'));
    await expect.poll(created).toEqual(['<b id="probe">probe</b>']);
  });
});
