/**
 * axe-core (through Playwright) on every step of the flow, in the light and the dark theme: no serious or critical
 * violation of WCAG 2.1 A/AA. Runs the real page: sample loaded, LogisticModel trained, evaluated, predicted.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type Session } from './harness';
import { evaluate, loadSample, predict, train } from './steps';

/** The serious and critical violations in both colour schemes, one readable line per rule and element. */
async function violations(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const result = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    for (const v of result.violations) {
      if (v.impact !== 'serious' && v.impact !== 'critical') continue;
      for (const node of v.nodes) found.push(`${colorScheme} ${v.id} (${v.help}): ${node.target.join(' ')}`);
    }
  }
  return found;
}

describe('accessibility on every step (axe-core, WCAG 2.1 AA)', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  test('first screen', async () => {
    await s.page.getByRole('button', { name: 'Load sample data', exact: true }).waitFor();
    expect(await violations(s.page)).toEqual([]);
  });

  test('data loaded, with its preview', async () => {
    await loadSample(s.page);
    expect(await violations(s.page)).toEqual([]);
  });

  test('model chosen and its layers shown', async () => {
    await s.page.getByLabel('Model', { exact: true }).selectOption('LogisticModel');
    expect(await violations(s.page)).toEqual([]);
  });

  test('trained, with its charts', async () => {
    await train(s.page, 1);
    expect(await violations(s.page)).toEqual([]);
  });

  test('evaluated, with a confusion-matrix cell open', async () => {
    await evaluate(s.page);
    const matrix = s.page.getByRole('table', { name: 'Confusion matrix', exact: true });
    await matrix.getByRole('button').first().click();
    expect(await violations(s.page)).toEqual([]);
  });

  test('predicted and ready to download', async () => {
    await predict(s.page);
    expect(await violations(s.page)).toEqual([]);
  });
});
