/** Two tabs of the app at once: the second is told while the first trains, and the notice goes when it ends. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, waitForStatus, type Session } from './harness';

describe('two tabs', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  test('the second tab is told the first is training', async () => {
    const first = s.page;
    const second = await s.context.newPage();
    await second.goto(s.baseURL);
    const notice = second.getByText(/Another pagetrain tab is training/);
    expect(await notice.count()).toBe(0);

    await first.getByRole('button', { name: 'Load sample data', exact: true }).click();
    await waitForStatus(first, /Loaded the MNIST sample/);
    await first.getByLabel('Epochs', { exact: true }).fill('1');
    await first.getByRole('button', { name: 'Train', exact: true }).click();
    await expect.poll(() => notice.count(), { timeout: 30_000 }).toBe(1);
    await waitForStatus(first, /Done training/);
    await expect.poll(() => notice.count(), { timeout: 30_000 }).toBe(0);
  });
});
