/**
 * Errors made in the worker reach the page in its language: a bad TFRecord file's alert is Korean on a Korean page
 * and still names the file, the record and the byte offset; switching the language rewords the alert already shown;
 * the data-budget refusal (worker/budget.ts) is Korean too. The page is driven by the contract's controls, under
 * their Korean names as messages/ko.json words them.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { splitRecords } from '../../src/lib/tfrecord/records';
import { TFRecordError } from '../../src/lib/tfrecord/errors';
import { openApp, setWorkerDebug, type Session } from './harness';

const ko = JSON.parse(readFileSync('messages/ko.json', 'utf8')) as Record<string, string>;
const HANGUL = /[\uac00-\ud7a3]/;

/** The record index and byte offset the reader itself gives for `bytes` (the page must show the same). */
function expectedFault(bytes: Uint8Array, file: string): TFRecordError {
  try {
    splitRecords(bytes, file);
  } catch (e) {
    if (e instanceof TFRecordError) return e;
    throw e;
  }
  throw new Error(`${file} reads without error`);
}

describe('worker errors in the page language', () => {
  let s: Session;
  const good = readFileSync('public/sample/validation.tfrecords');
  beforeAll(async () => {
    s = await openApp({ locale: 'ko-KR' });
  });
  afterAll(async () => {
    await s?.close();
  });

  const alert = () => s.page.getByRole('alert');
  const alertText = async () => (await alert().textContent()) ?? '';

  test('a CRC mismatch is told in Korean with file, record and offset, and in English after a switch', async () => {
    const { page } = s;
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('ko');
    const file = 'train-00001-of-00002.tfrecords';
    const flipped = Buffer.from(good);
    flipped[3200] ^= 0x40;
    const fault = expectedFault(flipped, file);
    expect(fault.code).toBe('data-crc');
    expect(fault.record).toBeGreaterThan(0);
    expect(fault.offset).toBeGreaterThan(0);

    await page.getByLabel(ko.split_train, { exact: true }).setInputFiles({
      name: file,
      mimeType: 'application/octet-stream',
      buffer: flipped,
    });
    await expect.poll(alertText, { timeout: 30_000 }).toContain('데이터 CRC 불일치');
    const korean = await alertText();
    expect(korean).toContain(file);
    expect(korean).toContain(`레코드 ${fault.record}(바이트 ${fault.offset})`);
    expect(korean).toContain('불러오지 못했습니다');
    expect(korean).not.toMatch(/mismatch|Could not/);

    // The alert already shown follows the switch: the same fault, now worded in English.
    await page.getByRole('combobox', { name: ko.language, exact: true }).selectOption('en');
    await expect.poll(alertText).toContain(fault.message);
    expect(fault.message).toBe(
      `tfrecord: data CRC mismatch in ${file}, record ${fault.record} at byte ${fault.offset}`,
    );
    expect(await alertText()).not.toMatch(HANGUL);

    await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('ko');
    await expect.poll(alertText).toContain('데이터 CRC 불일치');
  });

  test('a file that is not a TFRecord file says so in Korean, with what it looks like', async () => {
    const { page } = s;
    const file = 'notes.txt';
    const bytes = Buffer.from('id,label\n1,7\n2,3\n'.repeat(20));
    const fault = expectedFault(bytes, file);
    expect(fault.message).toContain('does not look like a TFRecord file (it starts like text)');
    await page.getByLabel(ko.split_train, { exact: true }).setInputFiles({
      name: file,
      mimeType: 'text/plain',
      buffer: bytes,
    });
    await expect
      .poll(alertText, { timeout: 30_000 })
      .toContain('TFRecord 파일이 아닌 것 같습니다(텍스트처럼 시작합니다)');
    const korean = await alertText();
    expect(korean).toContain(file);
    expect(korean).toContain(`레코드 ${fault.record}(바이트 ${fault.offset})`);
    expect(korean).toContain('길이 CRC 불일치');
  });

  test('the data-budget refusal from the worker is Korean, with the sizes and the files', async () => {
    const { page } = s;
    const setBudget = (mb: number | null) => setWorkerDebug(page, 'dataBudgetMB', mb);
    await setBudget(1);
    try {
      await page.getByRole('button', { name: ko.load_sample, exact: true }).click();
      await expect.poll(alertText, { timeout: 30_000 }).toContain('아무것도 불러오지 않았습니다');
      const korean = await alertText();
      expect(korean).toMatch(
        /train\.tfrecords, validation\.tfrecords, test\.tfrecords에는 약 [\d.,]+ MB가 필요합니다/,
      );
      expect(korean).toMatch(/이 탭은 약 [\d.,]+ MB까지 담을 수 있습니다/);
      expect(korean).not.toMatch(/needs? about|Nothing was loaded/);
    } finally {
      await setBudget(null);
    }
  });

  test("a preset's description comes from the catalogs and follows a switch", async () => {
    const { page } = s;
    await page.getByRole('combobox', { name: ko.language, exact: true }).selectOption('ko');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('ko');
    const model = page.getByRole('combobox', { name: ko.model, exact: true });
    await model.selectOption('LeNetModel');
    await page.getByText(ko.preset_lenet, { exact: true }).waitFor();
    // The layer table's notes ("added: the output layer…") are catalog texts too: worded, never a bare key.
    await expect
      .poll(() => page.locator('main').textContent())
      .toContain('클래스마다 확률 하나를 내는 출력층');
    expect(await page.locator('body').textContent()).not.toMatch(/\b(spec|tf|worker|field)_\w+ \{/);
    await page.getByRole('combobox', { name: ko.language, exact: true }).selectOption('en');
    await page
      .getByText('LeNet-5: conv 6@5×5, pool, conv 16@5×5, pool, dense 120, dense 84.', { exact: true })
      .waitFor();
    expect(await page.getByText(ko.preset_lenet, { exact: true }).count()).toBe(0);
    await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption('LogisticModel');
  });
});
