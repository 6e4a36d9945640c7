/**
 * The training history as plain data, appended in place: a step log or a validation point adds one element to each
 * array it feeds (the entries, and each chart series' steps and values), so a run of n steps costs O(n) in all, not
 * a copy of everything so far at each step. No runes: the page's TrainingHistory (history.svelte.ts) wraps it with
 * a version counter that tells readers when it grew; Node tests use it directly.
 */
import type { HistoryEntry } from '../shared/step-log';
import type { EvalPoint } from '../shared/worker-types';
import { chartSeries, type ChartId, type ChartInput } from './charts';

export class HistoryLog {
  /** One entry per logged step, in step order. */
  readonly entries: HistoryEntry[] = [];
  /** Evaluations on the validation split made during training, in step order. */
  readonly evals: EvalPoint[] = [];
  readonly #series = chartSeries();

  constructor(entries: readonly HistoryEntry[] = [], evals: readonly EvalPoint[] = []) {
    for (const e of entries) this.add(e);
    for (const p of evals) this.addEval(p);
  }

  /** Each chart's series (chartData's shape), their arrays appended to as the history grows. */
  get charts(): Record<ChartId, ChartInput> {
    return this.#series.charts;
  }

  add(entry: HistoryEntry): void {
    this.entries.push(entry);
    this.#series.add(entry);
  }

  addEval(point: EvalPoint): void {
    this.evals.push(point);
    this.#series.addEval(point);
  }
}
