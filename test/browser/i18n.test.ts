/**
 * English and Korean: the page follows the browser's language, switches live with the Language select, keeps the
 * choice, and switching back gives exactly the English accessible names that tests and scripts drive the page by.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, type Session } from './harness';

/** Accessible names of ../shared/UI-CONTRACT.md (and a few the tests use): role and exact name. */
const ENGLISH: [Parameters<Page['getByRole']>[0], string][] = [
  ['button', 'Load sample data'],
  ['button', 'Train'],
  ['button', 'Pause'],
  ['button', 'Resume'],
  ['button', 'Stop'],
  ['button', 'Evaluate'],
  ['button', 'Predict'],
  ['button', 'Download predictions.csv'],
  ['button', 'Export model'],
  ['combobox', 'Model'],
  ['combobox', 'Loss'],
  ['spinbutton', 'Batch size'],
  ['spinbutton', 'Learning rate'],
  ['spinbutton', 'Epochs'],
  ['checkbox', 'Start new model'],
  ['table', 'Checkpoints'],
  ['group', 'Training data split'],
];
const LABELS = ['Training data', 'Validation data', 'Test data', 'Import model', 'Drawing pad', 'Epochs'];

async function expectEnglish(page: Page) {
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  for (const [role, name] of ENGLISH) {
    expect(await page.getByRole(role, { name, exact: true }).count(), `${role} "${name}"`).toBeGreaterThan(0);
  }
  for (const label of LABELS) expect(await page.getByLabel(label, { exact: true }).count(), label).toBe(1);
  expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toBe('Data');
}

async function expectKorean(page: Page) {
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('ko');
  expect(await page.getByRole('button', { name: '학습', exact: true }).count()).toBe(1);
  expect(await page.getByRole('button', { name: '평가', exact: true }).count()).toBe(1);
  expect(await page.getByRole('button', { name: '샘플 데이터 불러오기', exact: true }).count()).toBe(1);
  expect(await page.getByRole('heading', { name: '데이터', exact: true }).count()).toBe(1);
  expect(await page.getByRole('heading', { name: '예측과 내보내기', exact: true }).count()).toBe(1);
  expect(await page.getByRole('button', { name: 'Train', exact: true }).count()).toBe(0);
  // The seed's and the metrics' names stay as they are.
  expect(await page.getByRole('combobox', { name: '모델', exact: true }).inputValue()).toBe('LogisticModel');
}

describe('bilingual page', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  test('a browser in English gets English, with the exact contract names', async () => {
    await s.page.getByRole('button', { name: 'Train', exact: true }).waitFor();
    await expectEnglish(s.page);
  });

  test('Language switches to Korean live, keeps the choice over a reload, and switches back', async () => {
    const { page } = s;
    await page.getByLabel('Epochs', { exact: true }).fill('3');
    await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('ko');
    await expectKorean(page);
    // Live: no reload, so what was typed is still there.
    expect(await page.getByRole('spinbutton', { name: '에포크', exact: true }).inputValue()).toBe('3');
    // A setting's problem is worded in the page's language too, and follows a switch.
    await page.getByRole('spinbutton', { name: '에포크', exact: true }).fill('0');
    await page.getByText('에포크는 1부터 10000까지의 정수여야 합니다.', { exact: true }).waitFor();
    await page.getByRole('combobox', { name: '언어', exact: true }).selectOption('en');
    await page.getByText('Epochs must be a whole number from 1 to 10000.', { exact: true }).waitFor();
    await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('ko');
    await page.getByRole('spinbutton', { name: '에포크', exact: true }).fill('3');
    await page.reload();
    await expectKorean(page);
    await page.getByRole('combobox', { name: '언어', exact: true }).selectOption('en');
    await expectEnglish(page);
    await page.reload();
    await expectEnglish(page);
  });

  test('a browser set to Korean starts in Korean', async () => {
    const ko = await openApp({ locale: 'ko-KR' });
    try {
      await ko.page.getByRole('button', { name: '학습', exact: true }).waitFor();
      await expectKorean(ko.page);
      expect(ko.pageErrors).toEqual([]);
    } finally {
      await ko.close();
    }
  });
});
