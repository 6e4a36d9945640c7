/**
 * Bad files loaded through the page: the alert names the file and what is wrong, nothing already loaded is lost,
 * and the app still trains on good data afterwards.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, waitForStatus, type Session } from './harness';

describe('a corrupt training file', () => {
  let s: Session;
  let good: Buffer;
  beforeAll(async () => {
    s = await openApp();
    good = await readFile('public/sample/validation.tfrecords');
  });
  afterAll(async () => {
    await s?.close();
  });

  const trainingSummary = () => s.page.locator('.split').nth(0).textContent();

  test('a flipped byte gives an alert naming the file, the record and the CRC; the loaded split is kept', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'Load sample data', exact: true }).click();
    await waitForStatus(page, /Loaded the MNIST sample/);
    expect(await trainingSummary()).toContain('8,000 examples');

    const flipped = Buffer.from(good);
    // Record 3's data: each record here is 12 + ~940 + 4 bytes, so byte 3,200 lies inside it.
    flipped[3200] ^= 0x40;
    await page.getByLabel('Training data', { exact: true }).setInputFiles({
      name: 'train-00001-of-00002.tfrecords',
      mimeType: 'application/octet-stream',
      buffer: flipped,
    });
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toMatch(/CRC mismatch/);
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('train-00001-of-00002.tfrecords');
    expect(text).toMatch(/record \d+ at byte \d+/);
    expect(await trainingSummary()).toContain('8,000 examples');
  });

  test('a truncated file gives an alert naming the file and the truncation', async () => {
    const { page } = s;
    await page.getByLabel('Training data', { exact: true }).setInputFiles({
      name: 'cut.tfrecords',
      mimeType: 'application/octet-stream',
      buffer: good.subarray(0, good.length - 100),
    });
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toMatch(/cut\.tfrecords/);
    expect(await alert.textContent()).toMatch(/truncated/i);
    expect(await trainingSummary()).toContain('8,000 examples');
  });

  test('the app still trains on the good data afterwards', async () => {
    const { page } = s;
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const log = await waitForStatus(page, /Done training/);
    expect(log).toMatch(/training step 10 \| Loss: /);
    expect(await page.getByRole('alert').textContent()).toBe('');
  });
});

describe('settings out of range', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  test('batch 0, a negative or empty learning rate and 1e9 epochs each get an inline message and block Train', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'Load sample data', exact: true }).click();
    await waitForStatus(page, /Loaded the MNIST sample/);
    const train = page.getByRole('button', { name: 'Train', exact: true });
    await expect.poll(() => train.isEnabled()).toBe(true);

    const cases: [string, string, RegExp][] = [
      ['Batch size', '0', /Batch size must be a whole number/],
      ['Learning rate', '-0.5', /Learning rate must be a number above 0/],
      ['Learning rate', '', /Learning rate must be a number above 0/],
      ['Epochs', '1000000000', /Epochs must be a whole number from 1 to 10000/],
    ];
    const defaults: Record<string, string> = { 'Batch size': '512', 'Learning rate': '0.01', Epochs: '100' };
    for (const [field, value, message] of cases) {
      await page.getByLabel(field, { exact: true }).fill(value);
      await expect.poll(() => page.getByText(message).count()).toBe(1);
      expect(await train.isEnabled()).toBe(false);
      await page.getByLabel(field, { exact: true }).fill(defaults[field]);
      await expect.poll(() => train.isEnabled()).toBe(true);
    }
  });
});
