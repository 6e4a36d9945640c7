/**
 * A user's whole job, driven only by the accessible names of ../shared/UI-CONTRACT.md: load the bundled sample,
 * train LogisticModel for 2 epochs on WebGPU, evaluate, predict, download predictions.csv.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, waitForStatus, type Session } from './harness';

describe('the whole job on the bundled MNIST sample', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  test('runs on the webgpu backend', async () => {
    await expect
      .poll(() => s.page.getByText(/^Backend: /).textContent(), { timeout: 60_000 })
      .toMatch(/^Backend: webgpu/);
  });

  test('load sample, train 2 epochs, evaluate, predict, download predictions.csv', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'Load sample data', exact: true }).click();
    await waitForStatus(page, /Loaded the MNIST sample/);
    expect(await page.locator('.split').nth(0).textContent()).toContain('8,000 examples');
    expect(await page.locator('.split').nth(1).textContent()).toContain('1,000 examples');
    expect(await page.locator('.split').nth(2).textContent()).toContain('1,000 examples');

    await page.getByLabel('Epochs', { exact: true }).fill('2');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const log = await waitForStatus(page, /Done training/);
    // 8,000 examples at batch 512 is 16 steps an epoch: status lines at steps 10, 20 and 30.
    const lines = log.match(
      /training step \d+ \| Loss: \d+\.\d\d Examples\/sec: \d+\.\d\d \| Hit@1: \d\.\d\d PERR: \d\.\d\d GAP: \d\.\d\d/g,
    );
    expect(lines?.map((l) => Number(/step (\d+)/.exec(l)![1]))).toEqual([10, 20, 30]);
    // train.py prints a line every step (#15): the short line on the others, each step once, in order, through the page.
    const steps = [
      ...log.matchAll(/training step (\d+) \| Loss: \d+\.\d\d Examples\/sec: \d+\.\d\d( \| Hit@1)?/g),
    ].map((m) => [Number(m[1]), m[2] !== undefined]);
    expect(steps).toEqual(Array.from({ length: 32 }, (_, i) => [i + 1, (i + 1) % 10 === 0]));

    await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
    const table = page.getByRole('table', { name: 'Evaluation', exact: true });
    await table.waitFor({ timeout: 120_000 });
    const metrics: Record<string, number> = {};
    for (const row of await table.locator('tbody tr').all()) {
      const cells = await row.locator('td').allTextContents();
      metrics[cells[0]] = Number(cells[1]);
    }
    expect(Object.keys(metrics)).toEqual(['Hit@1', 'PERR', 'GAP', 'MAP', 'Loss', 'Accuracy']);
    expect(metrics.Accuracy).toBeGreaterThanOrEqual(0.85);
    expect(metrics['Hit@1']).toBeCloseTo(metrics.Accuracy, 6);

    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    const download = page.getByRole('button', { name: 'Download predictions.csv', exact: true });
    await expect.poll(() => download.isEnabled(), { timeout: 120_000 }).toBe(true);
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toBe('predictions.csv');
    const csv = (await readFile((await file.path())!, 'utf8')).trimEnd().split('\n');
    expect(csv[0]).toBe('Id,Category');
    expect(csv).toHaveLength(1001);
    csv.slice(1).forEach((line, i) => expect(line).toMatch(new RegExp(`^${i + 1},[0-9]$`)));
    // A trained model predicts every class somewhere in 1,000 balanced digits.
    expect(new Set(csv.slice(1).map((l) => l.split(',')[1])).size).toBe(10);
    // No uncaught error and no console error (a Content-Security-Policy violation would be one).
    expect(s.pageErrors).toEqual([]);
  });

  test('the page made no request to any host but its own', () => {
    const origin = new URL(s.baseURL).origin;
    const foreign = s.requests.filter(
      (u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin,
    );
    expect(s.requests.length).toBeGreaterThan(3);
    expect(foreign).toEqual([]);
  });
});
