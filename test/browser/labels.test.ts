/**
 * Labels through the page, as the starter code needs them: a training or validation record without a label is refused
 * with an alert naming the file, the record and its byte (or skipped and counted with Skip bad records), test records
 * may have none; a label beyond the classes of the other splits is loaded with a warning in the alert naming the file,
 * the record, the label and those classes, in English and in Korean, and training goes on.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readSplit, splitRecords } from '../../src/lib/tfrecord';
import { encodeExample, writeTFRecords } from '../../src/lib/tfrecord/writer';
import { openApp, waitForStatus, type Session } from './harness';

/** `labels.length` 28×28 records made from the sample's validation images; null: no label feature. */
async function records(labels: (number | null)[]): Promise<Buffer> {
  const sample = await readSplit([new Blob([await readFile('public/sample/validation.tfrecords')])]);
  return Buffer.from(
    writeTFRecords(
      labels.map((label, i) =>
        encodeExample({
          image_raw: { kind: 'int64', values: sample.images.subarray(i * 784, (i + 1) * 784) },
          ...(label === null ? {} : { label: { kind: 'int64' as const, values: [label] } }),
        }),
      ),
    ),
  );
}

const offsetOf = (buffer: Buffer, record: number) => splitRecords(new Uint8Array(buffer), 'f')[record].offset;

const digits = (n: number) => Array.from({ length: n }, (_, i) => i % 10);

const summary = (page: Page, split: string) =>
  page
    .getByRole('group', { name: `${split} split`, exact: true })
    .locator('.summary')
    .textContent();

describe('labels the starter code would not have taken', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
    await s.page.getByRole('button', { name: 'Load sample data', exact: true }).click();
    await waitForStatus(s.page, /Loaded the MNIST sample/);
  });
  afterAll(async () => {
    await s?.close();
  });

  test('a training or validation record without a label: an alert naming the file, record and byte; the split stays', async () => {
    const { page } = s;
    const labels = [...digits(13), null, ...digits(46)];
    const buffer = await records(labels);
    const at = offsetOf(buffer, 13);
    const alert = page.getByRole('alert');
    for (const split of ['Training data', 'Validation data']) {
      await page
        .getByLabel(split, { exact: true })
        .setInputFiles({ name: 'unlabelled.tfrecords', mimeType: 'application/octet-stream', buffer });
      await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toContain('no label');
      expect(await alert.textContent()).toContain(`unlabelled.tfrecords, record 13 at byte ${at}`);
      await alert.getByRole('button', { name: 'Dismiss', exact: true }).click();
    }
    expect(await summary(page, 'Training data')).toContain('8,000 examples');
    expect(await summary(page, 'Validation data')).toContain('1,000 examples');

    // Test data may have records without a label.
    await page
      .getByLabel('Test data', { exact: true })
      .setInputFiles({ name: 'unlabelled.tfrecords', mimeType: 'application/octet-stream', buffer });
    await waitForStatus(page, /Loaded Test data: 60 examples/);
    expect(await alert.textContent()).toBe('');

    // Skip bad records: the record is left out and counted.
    await page.getByLabel('Skip bad records').check();
    await page
      .getByLabel('Validation data', { exact: true })
      .setInputFiles({ name: 'unlabelled.tfrecords', mimeType: 'application/octet-stream', buffer });
    await waitForStatus(page, /Loaded Validation data: 59 examples from 1 file, 1 bad records skipped/);
    expect(await summary(page, 'Validation data')).toContain('1 bad records skipped');
    await page.getByLabel('Skip bad records').uncheck();
  });

  test('a label beyond the other splits’ classes: an alert naming file, record, label and classes; training goes on', async () => {
    const { page } = s;
    const labels = digits(60);
    labels[21] = 42;
    const buffer = await records(labels);
    const at = offsetOf(buffer, 21);
    await page
      .getByLabel('Validation data', { exact: true })
      .setInputFiles({ name: 'validation-42.tfrecords', mimeType: 'application/octet-stream', buffer });
    await waitForStatus(page, /Loaded Validation data: 60 examples/);
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toContain(
        `Labels that do not fit: validation-42.tfrecords, record 21 at byte ${at} is labelled 42, but Training data have classes 0–9 (records of Validation data beyond them: 1). The model will have 43 classes`,
      );
    // The split is loaded all the same.
    expect(await summary(page, 'Validation data')).toContain('60 examples');

    // In Korean too, following the switch.
    const language = page.getByRole('combobox', { name: 'Language', exact: true });
    await language.selectOption('ko');
    await expect
      .poll(() => alert.textContent())
      .toContain('맞지 않는 레이블: validation-42.tfrecords의 레코드 21');
    expect(await alert.textContent()).toContain('레이블이 42인데');
    await page.getByRole('combobox', { name: '언어', exact: true }).selectOption('en');
    await expect.poll(() => alert.textContent()).toContain('Labels that do not fit');

    // Going on: Train makes the 43-class model the rule gives, and trains it.
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByLabel('Start new model', { exact: true }).check();
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await waitForStatus(page, /Done training/);
    expect(await alert.textContent()).toBe('');
  });
});
