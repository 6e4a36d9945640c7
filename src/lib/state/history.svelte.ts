/**
 * The one training history on the page: the step logs and validation points of the model in the worker, as far as
 * its run goes. The charts, the progress line, the validation table and the runs view all read it. It is filled
 * from the worker only — a restored checkpoint's run, then each step as it is logged — and a run that continues
 * continues it; only a new model (or another model taking its place) starts it afresh.
 */
import type { RunRecord } from '../shared/snapshot-types';
import type { HistoryEntry, StepLog } from '../shared/step-log';
import type { EvalPoint } from '../shared/worker-types';
import { chartData, type ChartId, type ChartInput } from './charts';

export class TrainingHistory {
  /** One entry per logged step, in step order. */
  entries = $state.raw<HistoryEntry[]>([]);
  /** Evaluations on the validation split made during training, in step order. */
  evals = $state.raw<EvalPoint[]>([]);
  last = $derived(this.entries.at(-1));
  /** Each chart's series, derived once per change for the charts and their text summaries alike. */
  #charts = $derived(chartData(this.entries, this.evals));

  chartSeries(chart: ChartId): ChartInput {
    return this.#charts[chart];
  }

  /** The model in the worker now has this history (a restored checkpoint's run, up to its step). */
  replace(entries: readonly HistoryEntry[]): void {
    this.entries = [...entries];
    this.evals = [];
  }

  /** A new model: nothing trained yet. */
  clear(): void {
    this.replace([]);
  }

  add(log: StepLog): void {
    const { line: _line, ...entry } = log;
    this.entries = [...this.entries, entry];
  }

  addEval(point: EvalPoint): void {
    this.evals = [...this.evals, point];
  }
}

/**
 * A saved run as the runs view draws it: the run the worker trains now is drawn with the page's history when that
 * goes further than the last save (the same steps, then more), so its curve is the one the charts show. The history
 * is read for that run only, so comparing other runs does not redraw at every step.
 */
export function withLiveHistory(
  run: RunRecord,
  currentRunId: string | null,
  history: () => readonly HistoryEntry[],
): RunRecord {
  if (run.id !== currentRunId) return run;
  const saved = run.history;
  const live = history();
  if (live.length <= saved.length) return run;
  const last = saved.at(-1);
  const same = live[saved.length - 1];
  if (last && (same.step !== last.step || same.loss !== last.loss)) return run;
  return { ...run, history: [...live] };
}
