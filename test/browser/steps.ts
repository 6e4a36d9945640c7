/**
 * The user's job as a few steps on a Playwright page, driven only by the accessible names of
 * ../shared/UI-CONTRACT.md. Shared by the browser tests and `npm run screenshots` (so this file must not import
 * vitest).
 */
import type { Page } from 'playwright-core';

/** Waits until the status region shows a line matching `pattern`; returns the region's text. */
export async function waitForStatus(page: Page, pattern: RegExp, timeout = 180_000): Promise<string> {
  const status = page.getByRole('status');
  await status.filter({ hasText: pattern }).waitFor({ timeout });
  return (await status.textContent()) ?? '';
}

export async function loadSample(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Load sample data', exact: true }).click();
  await waitForStatus(page, /Loaded the MNIST sample/);
}

export async function train(page: Page, epochs = 1): Promise<void> {
  await page.getByLabel('Epochs', { exact: true }).fill(String(epochs));
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await waitForStatus(page, /Done training/);
}

export async function evaluate(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
  await page.getByRole('table', { name: 'Evaluation', exact: true }).waitFor({ timeout: 120_000 });
}

export async function predict(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Predict', exact: true }).click();
  const download = page.getByRole('button', { name: 'Download predictions.csv', exact: true });
  await download.and(page.locator(':enabled')).waitFor({ timeout: 120_000 });
}

/** The evaluation's table (`Evaluation`) as metric name → value. */
export async function evaluationTable(page: Page): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const table = page.getByRole('table', { name: 'Evaluation', exact: true });
  for (const row of await table.locator('tbody tr').all()) {
    const [name, value] = await row.locator('td').allTextContents();
    out[name] = Number(value);
  }
  return out;
}

/** Opens Train's Advanced settings (where Seed, Max steps and the kernels live) unless they are open. */
export async function openAdvanced(page: Page): Promise<void> {
  if (!(await page.getByLabel('Seed', { exact: true }).isVisible()))
    await page.getByText('Advanced', { exact: true }).click();
}

/** Sets the "Fused WebGPU kernels" setting (on by default: LogisticModel's own WebGPU kernels). */
export async function setFusedKernels(page: Page, on: boolean): Promise<void> {
  await openAdvanced(page);
  await page.getByLabel('Fused WebGPU kernels', { exact: true }).setChecked(on);
}

/** Draws a "1" on the drawing pad with the mouse: one vertical stroke down the middle. */
export async function drawOne(page: Page): Promise<void> {
  const pad = page.getByLabel('Drawing pad', { exact: true });
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let k = 1; k <= 10; k++)
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.15 + 0.07 * k));
  await page.mouse.up();
}
