/**
 * eval.py and inference.py through the page, then the pictures: evaluation during training, the confusion matrix's
 * cells showing their images, predictions.csv in both id modes and the richer form, and the drawing pad.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readSplit } from '../../src/lib/tfrecord';
import { encodeExample, writeTFRecords } from '../../src/lib/tfrecord/writer';
import { drawOne, openApp, waitForStatus, type Session } from './harness';

async function downloadCsv(s: Session): Promise<string[]> {
  const button = s.page.getByRole('button', { name: 'Download predictions.csv', exact: true });
  const [file] = await Promise.all([s.page.waitForEvent('download'), button.click()]);
  expect(file.suggestedFilename()).toBe('predictions.csv');
  return (await readFile((await file.path())!, 'utf8')).trimEnd().split('\n');
}

describe('evaluation, prediction and seeing the digits', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  test('evaluation during training adds a validation point every epoch', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'Load sample data', exact: true }).click();
    await waitForStatus(page, /Loaded the MNIST sample/);
    await page.getByLabel('Epochs', { exact: true }).fill('2');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const log = await waitForStatus(page, /Done training/);
    expect(log.match(/validation at step \d+/g)).toEqual(['validation at step 16', 'validation at step 32']);
    const rows = page
      .getByRole('table', { name: 'Validation during training', exact: true })
      .locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
  });

  test('Evaluate fills the table; a confusion-matrix cell shows exactly its images', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
    const matrix = page.getByRole('table', { name: 'Confusion matrix', exact: true });
    await matrix.waitFor({ timeout: 60_000 });
    const evalRows = await page
      .getByRole('table', { name: 'Evaluation', exact: true })
      .locator('tbody tr')
      .count();
    expect(evalRows).toBe(6);
    // The last validation point during training (step 32, made by the fused path's own forward kernel) and Evaluate
    // (tfjs's ops) score the same model: the same numbers, to the 4 decimals shown.
    const lastPoint = await page
      .getByRole('table', { name: 'Validation during training', exact: true })
      .locator('tbody tr')
      .last()
      .locator('td')
      .allTextContents();
    expect(lastPoint[0]).toBe('32');
    const evaluation: Record<string, number> = {};
    for (const row of await page
      .getByRole('table', { name: 'Evaluation', exact: true })
      .locator('tbody tr')
      .all()) {
      const cells = await row.locator('td').allTextContents();
      evaluation[cells[0]] = Number(cells[1]);
    }
    expect(Math.abs(Number(lastPoint[1]) - evaluation['Hit@1'])).toBeLessThanOrEqual(1.5e-4);
    expect(Math.abs(Number(lastPoint[2]) - evaluation.GAP)).toBeLessThanOrEqual(1.5e-4);
    expect(Math.abs(Number(lastPoint[3]) - evaluation.Loss)).toBeLessThanOrEqual(1.5e-4);
    // The per-class table is behind its "Details".
    await page.getByText('Per-class precision and recall', { exact: true }).click();
    expect(
      await page.getByRole('table', { name: 'Per-class precision and recall' }).locator('tbody tr').count(),
    ).toBe(10);

    // The off-diagonal cell with the most mistakes.
    const cells = await matrix.getByRole('button').all();
    let best = { t: -1, p: -1, v: 0 };
    for (const cell of cells) {
      const m = /^true (\d), predicted (\d): (\d+)$/.exec((await cell.getAttribute('aria-label')) ?? '')!;
      const [t, p, v] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (t !== p && v > best.v) best = { t, p, v };
    }
    expect(best.v).toBeGreaterThan(0);
    await matrix
      .getByRole('button', { name: `true ${best.t}, predicted ${best.p}: ${best.v}`, exact: true })
      .click();
    const tiles = page.locator('.examples .tile');
    await expect.poll(() => tiles.count(), { timeout: 30_000 }).toBe(Math.min(best.v, 48));
    for (const caption of await page
      .locator('.examples .tile canvas')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))) {
      expect(caption).toMatch(new RegExp(`true ${best.t}, predicted ${best.p} \\(`));
    }
    // Most confident mistakes first.
    const confidences = (await page.locator('.examples .tile small').allTextContents()).map((t) =>
      parseInt(t, 10),
    );
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    await tiles.first().click();
    await expect
      .poll(() => page.getByRole('list', { name: 'Class probabilities' }).locator('li').count())
      .toBe(10);
  });

  test('predictions.csv: 1-based ids without an id feature, and the richer form with every probability', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    await expect
      .poll(() => page.getByRole('button', { name: 'Download predictions.csv' }).isEnabled(), {
        timeout: 60_000,
      })
      .toBe(true);
    const plain = await downloadCsv(s);
    expect(plain[0]).toBe('Id,Category');
    // The predictions are kept in IndexedDB with the run and the checkpoint (step 32, the end of training) they came from.
    const saved = () =>
      page.evaluate(
        () =>
          new Promise<{ step: number; checkpointId: string | null; csv: string; runId: string }[]>(
            (resolve, reject) => {
              const open = indexedDB.open('pagetrain');
              open.onerror = () => reject(open.error);
              open.onsuccess = () => {
                const get = open.result.transaction('predictions').objectStore('predictions').getAll();
                get.onsuccess = () => resolve(get.result);
                get.onerror = () => reject(get.error);
              };
            },
          ),
      );
    await expect.poll(async () => (await saved()).length, { timeout: 30_000 }).toBe(1);
    const [record] = await saved();
    expect(record.step).toBe(32);
    expect(record.checkpointId).toMatch(/.+/);
    expect(record.csv.trimEnd().split('\n')).toEqual(plain);
    expect(plain).toHaveLength(1001);
    expect(plain[1]).toMatch(/^1,[0-9]$/);
    expect(plain[1000]).toMatch(/^1000,[0-9]$/);

    await page.getByLabel(/Include every class's probability/).check();
    const rich = await downloadCsv(s);
    expect(rich[0]).toBe('Id,Category,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9');
    expect(rich).toHaveLength(1001);
    for (const line of rich.slice(1, 50)) {
      const [id, category, ...p] = line.split(',');
      const probs = p.map(Number);
      expect(Number(id)).toBeGreaterThan(0);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
      expect(probs.indexOf(Math.max(...probs))).toBe(Number(category));
    }
    await page.getByLabel(/Include every class's probability/).uncheck();
  });

  test("predictions.csv uses the records' id feature when they carry one", async () => {
    const test = await readSplit([new Blob([await readFile('public/sample/test.tfrecords')])]);
    const records = Array.from({ length: 50 }, (_, i) =>
      encodeExample({
        image_raw: { kind: 'int64', values: test.images.subarray(i * 784, (i + 1) * 784) },
        label: { kind: 'int64', values: [test.labels![i]] },
        image_id: { kind: 'bytes', values: [`digit-${String(i).padStart(3, '0')}.png`] },
      }),
    );
    const { page } = s;
    await page.getByLabel('Test data', { exact: true }).setInputFiles({
      name: 'test-with-ids.tfrecords',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(writeTFRecords(records)),
    });
    await expect
      .poll(() => page.locator('.split').nth(2).textContent(), { timeout: 30_000 })
      .toContain('50 examples');
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    await expect.poll(() => page.getByText('50 predictions ready.').count(), { timeout: 60_000 }).toBe(1);
    const csv = await downloadCsv(s);
    expect(csv).toHaveLength(51);
    expect(csv[0]).toBe('Id,Category');
    csv
      .slice(1)
      .forEach((line, i) =>
        expect(line).toMatch(new RegExp(`^digit-${String(i).padStart(3, '0')}\\.png,[0-9]$`)),
      );
  });

  test('the drawing pad predicts what is drawn', async () => {
    const { page } = s;
    await drawOne(page);
    const prediction = page.getByLabel('Drawing prediction', { exact: true });
    await expect.poll(() => prediction.textContent(), { timeout: 30_000 }).toMatch(/^[0-9]$/);
    expect(await prediction.textContent()).toBe('1');
  });
});
