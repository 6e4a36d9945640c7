/**
 * The log, as a user of the starter code reads it (#15): eval.py's lines on Evaluate, with its own --label_loss,
 * inference.py's on Predict, Download log with the whole session (more lines than the page shows), and an evaluation
 * of a diverged model refused with a notice rather than a table of NaN. Driven by UI-CONTRACT.md's names plus this
 * feature's own (`Evaluation loss`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SHOWN_LINES } from '../../src/lib/state/log-store';
import { downloads, openApp, waitForStatus, type Session } from './harness';
import { layersModelFiles, type UploadFile } from './layers-files';
import { evaluationTable, openAdvanced } from './steps';

const F3 = String.raw`(-?\d+\.\d{3}|nan)`;
/** eval.py's line per batch (AddGlobalStepSummary inside evaluation_loop's `"examples_processed: %d | %s"`). */
const BATCH_LINE = new RegExp(
  String.raw`^examples_processed: (\d+) \| global_step (\d+) \| Batch Hit@1: ${F3} \| Batch PERR: ${F3} \| ` +
    String.raw`Batch Loss: ${F3} \| Examples_per_sec: ${F3}$`,
);
/** eval.py's closing line (AddEpochSummary): Avg_Loss is `{5:3f}`, six decimals. */
const EPOCH_LINE = new RegExp(
  String.raw`^epoch/eval number (\d+) \| Avg_Hit@1: ${F3} \| Avg_PERR: ${F3} \| MAP: ${F3} \| GAP: ${F3} \| ` +
    String.raw`Avg_Loss: (-?\d+\.\d{6}|nan)$`,
);
const EVAL_DONE = 'Done with batched inference. Now calculating global performance metrics.';
const INFERENCE_LINE = /^num examples processed: (\d+) elapsed seconds: (\d+\.\d\d)$/;
const INFERENCE_DONE = 'Done with inference. The output file was written to predictions.csv';

async function statusLines(page: Page): Promise<string[]> {
  const lines = await page.getByRole('status').locator('div').allTextContents();
  return lines.map((s) => s.trim());
}

/**
 * The lines in `after` that were not in `before`: the page shows its last SHOWN_LINES lines, so `after` is `before` shifted
 * by the new lines (the smallest shift that lines them up; identical lines, as two equal evaluations write, are new).
 */
function newLines(before: string[], after: string[]): string[] {
  for (let shift = 0; shift <= before.length; shift++) {
    const kept = before.slice(shift);
    if (kept.length <= after.length && kept.every((l, i) => after[i] === l)) return after.slice(kept.length);
  }
  return after;
}

/** Runs `action` and returns the lines it logged, up to the first new line matching `last`. */
async function linesOf(page: Page, last: RegExp, action: () => Promise<void>): Promise<string[]> {
  const before = await statusLines(page);
  await action();
  let lines: string[] = [];
  await expect
    .poll(
      async () => {
        lines = newLines(before, await statusLines(page));
        return lines.some((l) => last.test(l));
      },
      { timeout: 180_000, interval: 250 },
    )
    .toBe(true);
  return lines.slice(0, lines.findIndex((l) => last.test(l)) + 1);
}

const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

async function evaluate(
  page: Page,
  loss?: string,
): Promise<{ lines: string[]; table: Record<string, number> }> {
  if (loss) await page.getByLabel('Evaluation loss', { exact: true }).selectOption(loss);
  // The page's own summary follows eval.py's lines once the result (and the table) is in.
  const lines = await linesOf(page, /^Evaluation on \d+ validation examples/, () =>
    button(page, 'Evaluate').click(),
  );
  return { lines: lines.slice(0, -1), table: await evaluationTable(page) };
}

async function train(page: Page, o: { batch: number; maxSteps: number; loss?: string }): Promise<void> {
  await page.getByLabel('Epochs', { exact: true }).fill('1');
  await page.getByLabel('Batch size', { exact: true }).fill(String(o.batch));
  await page.getByLabel('Start new model', { exact: true }).setChecked(true);
  if (o.loss) await page.getByLabel('Loss', { exact: true }).selectOption(o.loss);
  await openAdvanced(page);
  await page.getByLabel('Max steps', { exact: true }).fill(String(o.maxSteps));
  await linesOf(page, /Done training/, () => button(page, 'Train').click());
  expect((await page.getByRole('alert').allTextContents()).join('').trim()).toBe('');
}

/** A LogisticModel whose weights went to NaN, as TensorFlow.js layers files (made here by tfjs in Node). */
async function divergedModelFiles(): Promise<UploadFile[]> {
  await tf.setBackend('cpu');
  const model = tf.sequential({
    name: 'Diverged',
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1], name: 'flatten' }),
      tf.layers.dense({ units: 10, activation: 'softmax', name: 'logistic' }),
    ],
  });
  model.layers[1].setWeights([tf.fill([784, 10], NaN), tf.zeros([10])]);
  return layersModelFiles(model, 'diverged.bin');
}

describe('the log', () => {
  let s: Session;
  /** The first line the session logged. */
  let firstLine: string;

  beforeAll(async () => {
    s = await openApp();
    await s.page.getByText(/^Backend: webgpu/).waitFor({ timeout: 60_000 });
    await button(s.page, 'Load sample data').click();
    await waitForStatus(s.page, /^Loaded the MNIST sample/);
    const lines = await statusLines(s.page);
    expect(lines.length).toBeLessThan(10);
    firstLine = lines[0];
  });
  afterAll(async () => {
    await s?.close();
  });

  test("Evaluate writes eval.py's lines, whose closing values are the table's", async () => {
    const { page } = s;
    // Trained on SoftmaxLoss: Evaluate's loss is eval.py's own flag (CrossEntropyLoss by default), not training's.
    await train(page, { batch: 512, maxSteps: 16, loss: 'SoftmaxLoss' });
    expect(await page.getByLabel('Evaluation loss', { exact: true }).inputValue()).toBe('CrossEntropyLoss');
    const { lines, table } = await evaluate(page);
    // Which GAP is which, said beside the log: train.py's step lines at top_k 20, eval.py's at top_k 2.
    expect(await page.getByText(/GAP at top_k 20; Evaluate gives eval\.py's, at top_k 2/).isVisible()).toBe(
      true,
    );

    // 1,000 validation examples in eval.py's batches of 512: two batch lines, then its two closing lines.
    const batches = lines.filter((l) => l.startsWith('examples_processed:'));
    expect(batches).toHaveLength(2);
    const parsed = batches.map((l) => {
      const m = BATCH_LINE.exec(l);
      expect(m, l).not.toBeNull();
      return { n: Number(m![1]), step: Number(m![2]), hit: Number(m![3]), loss: Number(m![5]) };
    });
    expect(parsed.map((b) => b.n)).toEqual([512, 1000]);
    expect(parsed.map((b) => b.step)).toEqual([16, 16]);
    const closing = lines.slice(lines.indexOf(batches[1]) + 1);
    expect(closing[0]).toBe(EVAL_DONE);
    const m = EPOCH_LINE.exec(closing.at(-1)!);
    expect(m, closing.at(-1)).not.toBeNull();
    const [step, hit, perr, map, gap, loss] = m!.slice(1).map(Number);
    expect(step).toBe(16);

    // The closing line and the table show the same evaluation (the line at 3 or 6 decimals, the table at 4).
    const close = (line: number, shown: number, decimals: number) =>
      expect(Math.abs(line - shown)).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 0.5e-4 + 1e-9);
    close(hit, table['Hit@1'], 3);
    close(perr, table.PERR, 3);
    close(map, table.MAP, 3);
    close(gap, table.GAP, 3);
    close(loss, table.Loss, 6);
    // The averages are the batches' example-weighted means (eval_util's EvaluationMetrics).
    expect(Math.abs((512 * parsed[0].hit + 488 * parsed[1].hit) / 1000 - hit)).toBeLessThan(0.0015);
    expect(Math.abs((512 * parsed[0].loss + 488 * parsed[1].loss) / 1000 - loss)).toBeLessThan(0.0015);
    // CrossEntropyLoss over 10 classes after 16 steps: well under HingeLoss's range below.
    expect(loss).toBeLessThan(5);

    // HingeLoss on softmax outputs is Σ_c max(0, 1 − (2y − 1)·p) = 11 − 2·p_true per example: within [9, 11].
    const hinge = await evaluate(page, 'HingeLoss');
    const hingeLoss = Number(EPOCH_LINE.exec(hinge.lines.at(-1)!)![6]);
    expect(hingeLoss).toBeGreaterThanOrEqual(9);
    expect(hingeLoss).toBeLessThanOrEqual(11);
    close(hingeLoss, hinge.table.Loss, 6);
    // The other metrics do not depend on the loss.
    expect(hinge.table['Hit@1']).toBe(table['Hit@1']);

    // Back to CrossEntropyLoss: the same value as the first time.
    const again = await evaluate(page, 'CrossEntropyLoss');
    expect(Number(EPOCH_LINE.exec(again.lines.at(-1)!)![6])).toBe(loss);
  });

  test("Predict writes inference.py's lines", async () => {
    const { page } = s;
    const lines = await linesOf(page, /^Done with inference\./, () => button(page, 'Predict').click());
    // 1,000 test examples in inference.py's batches of 8,192: one batch line, then its last line.
    const batches = lines.filter((l) => l.startsWith('num examples processed:'));
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatch(INFERENCE_LINE);
    expect(INFERENCE_LINE.exec(batches[0])![1]).toBe('1000');
    expect(lines.at(-1)).toBe(INFERENCE_DONE);
  });

  test('Download log saves the whole session: more lines than the page holds, from its first line', async () => {
    const { page } = s;
    // Batch size 1 for 7,100 steps: a line every 10 steps (every step once each step is logged), past what the
    // page holds (SHOWN_LINES) and past a chunk moved into a Blob.
    await train(page, { batch: 1, maxSteps: 7100 });
    const shown = await statusLines(page);
    expect(shown).toHaveLength(SHOWN_LINES);
    const note = page.getByText(
      new RegExp(String.raw`^The last ${SHOWN_LINES} of [\d,]+ lines; Download log saves them all\.$`),
    );
    expect(await note.isVisible()).toBe(true);

    const files = await downloads(page, 1, () => button(page, 'Download log').click());
    const text = files.get('pagetrain-log.txt')!.toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines.length).toBeGreaterThan(Math.max(710, SHOWN_LINES));
    expect(lines[0]).toBe(firstLine);
    // What the page shows is the file's end; every step line of the run is there, in order.
    expect(lines.slice(-SHOWN_LINES)).toEqual(shown);
    // train.py's full lines (every 10th step), whether or not the short ones are logged between them.
    const steps = lines.flatMap((l) => /^training step (\d+) \|.*\| Hit@1:/.exec(l)?.[1] ?? []).map(Number);
    const run = steps.slice(steps.lastIndexOf(10));
    expect(run).toEqual(Array.from({ length: 710 }, (_, i) => 10 * (i + 1)));
    // The lines of the first tests, long gone from the page, are in the file.
    expect(lines.filter((l) => l.startsWith('epoch/eval number 16 |'))).toHaveLength(3);
    expect(lines).toContain(INFERENCE_DONE);
  });

  test('an evaluation of a diverged model says it produced NaN, in English and Korean, and shows no table', async () => {
    const { page } = s;
    await page.getByLabel('Import model', { exact: true }).setInputFiles(await divergedModelFiles());
    await waitForStatus(page, /Loaded Imported Diverged with its weights/);
    const before = await statusLines(page);
    await button(page, 'Evaluate').click();
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent(), { timeout: 60_000 })
      .toContain('The model produced NaN: 7840 of its 7850 weights are NaN or infinite at step 0.');
    // Refused before it ran: no eval.py line of meaningless numbers.
    expect(
      newLines(before, await statusLines(page)).filter((l) => /^(examples_processed|epoch\/eval)/.test(l)),
    ).toEqual([]);
    expect(await page.getByRole('table', { name: 'Evaluation', exact: true }).count()).toBe(0);
    await page.getByLabel('Language', { exact: true }).selectOption('ko');
    await expect
      .poll(() => alert.textContent())
      .toContain('모델이 NaN을 냈습니다: 스텝 0에서 가중치 7850개 중 7840개가 NaN이거나 무한대입니다.');
  });
});
