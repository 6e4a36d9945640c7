/**
 * The page's one training history: the charts' series are derived from its step logs and validation points, and the
 * runs view draws the run in training as far as the page has seen it (never a shorter or a different curve). The
 * reactive class itself (runes) is exercised in the browser: test/browser/history.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { chartData } from '../../../src/lib/state/charts';
import { HistoryLog } from '../../../src/lib/state/history-log';
import { withLiveHistory } from '../../../src/lib/state/history.svelte';
import type { RunRecord } from '../../../src/lib/shared/snapshot-types';
import type { HistoryEntry } from '../../../src/lib/shared/step-log';
import type { EvalPoint } from '../../../src/lib/shared/worker-types';

const entry = (step: number, loss = 1 / step): HistoryEntry => ({
  step,
  epoch: 0,
  loss,
  examplesPerSec: 100 * step,
  hitAt1: step / 100,
  perr: 0,
  gap: 0,
  learningRate: 0.01,
});
const evalAt = (step: number): EvalPoint => ({
  step,
  epoch: 0,
  metrics: { Loss: 2 / step, 'Hit@1': step / 50 } as EvalPoint['metrics'],
});
const run = (id: string, history: HistoryEntry[]): RunRecord =>
  ({ id, name: id, history, globalStep: history.at(-1)?.step ?? 0 }) as RunRecord;

describe('chart data from the history', () => {
  test('each chart draws its training series from the step logs, validation from the evaluations', () => {
    const charts = chartData([entry(10), entry(20)], [evalAt(20)]);
    expect(charts.loss.map((s) => s.spec.key)).toEqual(['train-loss', 'validation-loss']);
    expect(charts.loss[0].points).toEqual({ steps: [10, 20], values: [0.1, 0.05] });
    expect(charts.loss[1].points).toEqual({ steps: [20], values: [0.1] });
    expect(charts.hit[0].points.values).toEqual([0.1, 0.2]);
    expect(charts.hit[1].points.values).toEqual([0.4]);
    expect(charts.lr[0].points).toEqual({ steps: [10, 20], values: [0.01, 0.01] });
    expect(charts.speed[0].points.values).toEqual([1000, 2000]);
  });

  test('an empty history draws empty series on every chart', () => {
    const charts = chartData([], []);
    for (const chart of Object.values(charts))
      for (const s of chart) expect(s.points).toEqual({ steps: [], values: [] });
  });
});

describe('the runs view', () => {
  const saved = [entry(10), entry(20)];
  test('the run in training is drawn as far as the page has seen it', () => {
    const live = [...saved, entry(30)];
    expect(withLiveHistory(run('a', saved), 'a', () => live).history.map((e) => e.step)).toEqual([
      10, 20, 30,
    ]);
  });
  test('other runs, a shorter live history (a restored earlier checkpoint) or another curve keep what was saved', () => {
    const live = [...saved, entry(30)];
    expect(withLiveHistory(run('b', saved), 'a', () => live).history).toBe(saved);
    expect(withLiveHistory(run('a', saved), 'a', () => [entry(10)]).history).toBe(saved);
    const other = [entry(10), entry(20, 0.7), entry(30)];
    expect(withLiveHistory(run('a', saved), 'a', () => other).history).toBe(saved);
    expect(withLiveHistory(run('a', saved), null, () => live).history).toBe(saved);
  });
  test('the history is read for the run in training only (other runs are not redrawn at each step)', () => {
    let reads = 0;
    const history = () => (reads++, [...saved, entry(30)]);
    withLiveHistory(run('b', saved), 'a', history);
    expect(reads).toBe(0);
    withLiveHistory(run('a', saved), 'a', history);
    expect(reads).toBe(1);
  });
});

describe('a long history grows in place', () => {
  test('50,000 step logs and 500 validation points: no array is ever copied, the charts hold every point', () => {
    const log = new HistoryLog();
    const arrays = () => [
      log.entries,
      log.evals,
      ...Object.values(log.charts).flatMap((c) => c.flatMap((s) => [s.points.steps, s.points.values])),
    ];
    const first = arrays();
    let replaced = 0;
    for (let step = 1; step <= 50_000; step++) {
      log.add(entry(step));
      if (step % 100 === 0) log.addEval(evalAt(step));
      // A copy leaves a new array where the old one was (and it stays there): counted every 1,000 steps.
      if (step % 1000 === 0) replaced += arrays().filter((a, i) => a !== first[i]).length;
    }
    expect(replaced).toBe(0);
    expect(log.entries.length).toBe(50_000);
    expect(log.evals.length).toBe(500);
    expect(log.charts.loss[0].points.steps.length).toBe(50_000);
    expect(log.charts.loss[1].points.steps.length).toBe(500);
    // The same series, point for point, as drawn from the whole history at once.
    expect(log.charts).toEqual(chartData(log.entries, log.evals));
  }, 60_000);

  test('a history given whole (a restored run) draws as if it had grown step by step', () => {
    const entries = [entry(10), entry(20), entry(30)];
    const evals = [evalAt(20)];
    const restored = new HistoryLog(entries, evals);
    expect(restored.entries).toEqual(entries);
    expect(restored.evals).toEqual(evals);
    expect(restored.charts).toEqual(chartData(entries, evals));
    restored.add(entry(40));
    expect(restored.charts.loss[0].points.steps).toEqual([10, 20, 30, 40]);
    expect(entries.length).toBe(3);
  });
});
