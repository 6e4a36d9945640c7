/**
 * Import model: a TensorFlow.js layers model.json with its weights, made here by tfjs in Node, becomes a
 * named model in `Model`, trains in the page, evaluates, and is still there after a reload (kept in IndexedDB); a
 * model.json with a layer outside the known set is refused with an alert naming the file and the layer; one with an
 * empty weights manifest (a Keras model's architecture) trains from its layers' own initializers.
 */
import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, waitForStatus, type Session } from './harness';
import { evaluationTable, openAdvanced } from './steps';
import { layersModelFiles, type UploadFile } from './layers-files';

const byName = (page: Page, role: 'button' | 'combobox' | 'table', name: string) =>
  page.getByRole(role, { name, exact: true });

/** A small MLP as the TensorFlow.js converter would write it: model.json + one weights file. */
async function tinyMlpFiles(): Promise<UploadFile[]> {
  await tf.setBackend('cpu');
  const model = tf.sequential({
    name: 'TinyMLP',
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1], name: 'flatten' }),
      tf.layers.dense({ units: 16, activation: 'relu', name: 'hidden' }),
      tf.layers.dense({ units: 10, activation: 'softmax', name: 'out' }),
    ],
  });
  return layersModelFiles(model, 'group1-shard1of1.bin');
}

async function statusCount(page: Page, pattern: RegExp): Promise<number> {
  const lines = await page.getByRole('status').locator('div').allTextContents();
  return lines.filter((l) => pattern.test(l)).length;
}

async function trainOnce(page: Page, startNew: boolean): Promise<void> {
  const before = await statusCount(page, /Done training/);
  await page.getByLabel('Epochs', { exact: true }).fill('1');
  await page.getByLabel('Start new model', { exact: true }).setChecked(startNew);
  await byName(page, 'button', 'Train').click();
  await expect
    .poll(() => statusCount(page, /Done training/), { timeout: 180_000, interval: 250 })
    .toBe(before + 1);
  // Nothing went wrong on the way.
  expect((await page.getByRole('alert').allTextContents()).join('').trim()).toBe('');
}

async function evaluate(page: Page): Promise<Record<string, number>> {
  const before = await statusCount(page, /^Evaluation on/);
  await byName(page, 'button', 'Evaluate').click();
  await expect.poll(() => statusCount(page, /^Evaluation on/), { timeout: 120_000 }).toBe(before + 1);
  return evaluationTable(page);
}

/** Few steps on the sample: Max steps under Advanced. */
async function fewSteps(page: Page, steps: number): Promise<void> {
  await openAdvanced(page);
  await page.getByLabel('Max steps', { exact: true }).fill(String(steps));
}

describe('Import model', () => {
  let s: Session;
  let files: Awaited<ReturnType<typeof tinyMlpFiles>>;
  beforeAll(async () => {
    files = await tinyMlpFiles();
    s = await openApp();
    await s.page.getByText(/^Backend: webgpu/).waitFor({ timeout: 60_000 });
  });
  afterAll(async () => {
    await s?.close();
  });

  test('an imported model.json appears in Model, trains, and evaluates', async () => {
    const { page } = s;
    await byName(page, 'button', 'Load sample data').click();
    await waitForStatus(page, /^Loaded the MNIST sample/);
    await page.getByLabel('Import model', { exact: true }).setInputFiles(files);
    await waitForStatus(page, /Loaded Imported TinyMLP with its weights/);
    const model = byName(page, 'combobox', 'Model');
    expect(await model.inputValue()).toBe('Imported TinyMLP');
    expect(await model.locator('option').allTextContents()).toContain('Imported TinyMLP');

    await fewSteps(page, 4);
    await trainOnce(page, false);
    const m = await evaluate(page);
    expect(Object.keys(m)).toEqual(expect.arrayContaining(['Hit@1', 'PERR', 'GAP', 'Loss', 'Accuracy']));
    for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
    // Four steps of Adam at 0.01 on an MLP: well above chance (0.1).
    expect(m.Accuracy).toBeGreaterThan(0.3);
  });

  test('after a reload the imported model is still listed in Model, and trains from its saved files', async () => {
    const { page } = s;
    await page.reload();
    const model = byName(page, 'combobox', 'Model');
    await expect
      .poll(() => model.locator('option').allTextContents(), { timeout: 60_000 })
      .toContain('Imported TinyMLP');
    await page.getByText(/^Backend: webgpu/).waitFor({ timeout: 60_000 });
    await byName(page, 'button', 'Load sample data').click();
    await waitForStatus(page, /^Loaded the MNIST sample/);
    await model.selectOption('Imported TinyMLP');
    await fewSteps(page, 4);
    await trainOnce(page, true);
    expect(Number.isFinite((await evaluate(page)).Loss)).toBe(true);
  });

  test('a model.json with a layer outside the known set is refused, naming the file and the layer', async () => {
    const { page } = s;
    const json = JSON.parse(files[0].buffer.toString('utf8'));
    json.modelTopology.config.layers[1].class_name = 'Lambda';
    await page
      .getByLabel('Import model', { exact: true })
      .setInputFiles([
        { ...files[0], name: 'evil.json', buffer: Buffer.from(JSON.stringify(json)) },
        files[1],
      ]);
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toContain('evil.json: layer "hidden" is a Lambda, which pagetrain cannot train');
    // Nothing is lost: the model in use is unchanged, and no new name appeared.
    const options = await byName(page, 'combobox', 'Model').locator('option').allTextContents();
    expect(options.filter((o) => o.startsWith('Imported'))).toEqual(['Imported TinyMLP']);
  });

  test('Delete takes an imported model out of Model, also after a reload; the presets stay', async () => {
    const { page } = s;
    const model = byName(page, 'combobox', 'Model');
    await model.selectOption('Imported TinyMLP');
    const imported = page.getByRole('list', { name: 'Imported models' });
    expect(await imported.getByRole('listitem').allTextContents()).toEqual([
      expect.stringContaining('Imported TinyMLP'),
    ]);
    await byName(page, 'button', 'Delete Imported TinyMLP').click();
    await waitForStatus(page, /Deleted the imported model Imported TinyMLP/);
    expect(await model.locator('option').allTextContents()).not.toContain('Imported TinyMLP');
    expect(await model.inputValue()).toBe('LogisticModel');
    expect(await imported.count()).toBe(0);
    await page.reload();
    await page.getByText(/^Backend: webgpu/).waitFor({ timeout: 60_000 });
    await expect.poll(() => model.locator('option').allTextContents()).toContain('LogisticModel');
    expect(await model.locator('option').allTextContents()).not.toContain('Imported TinyMLP');
    expect(await page.getByRole('list', { name: 'Imported models' }).count()).toBe(0);
  });

  test('a model.json with an empty weightsManifest (a Keras architecture) imports and trains from its own initializers', async () => {
    const { page } = s;
    // The test before reloaded the page.
    await byName(page, 'button', 'Load sample data').click();
    await waitForStatus(page, /^Loaded the MNIST sample/);
    const json = JSON.parse(files[0].buffer.toString('utf8'));
    json.modelTopology.config.name = 'KerasArch';
    json.weightsManifest = [];
    await page
      .getByLabel('Import model', { exact: true })
      .setInputFiles([{ ...files[0], buffer: Buffer.from(JSON.stringify(json)) }]);
    await waitForStatus(
      page,
      /Loaded Imported KerasArch without weights: Train starts it from fresh weights/,
    );
    expect(await page.getByRole('alert').textContent()).toBe('');
    const model = byName(page, 'combobox', 'Model');
    expect(await model.inputValue()).toBe('Imported KerasArch');
    await fewSteps(page, 4);
    await trainOnce(page, true);
    const m = await evaluate(page);
    for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
    // Four steps from the layers' initializers: well above chance (0.1).
    expect(m.Accuracy).toBeGreaterThan(0.3);
  });
});
