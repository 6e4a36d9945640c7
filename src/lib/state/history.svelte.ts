/**
 * The one training history on the page: the step logs and validation points of the model in the worker, as far as
 * its run goes. The charts, the progress line, the validation table and the runs view all read it. It is filled
 * from the worker only — a restored checkpoint's run, then each step as it is logged — and a run that continues
 * continues it; only a new model (or another model taking its place) starts it afresh.
 */
import type { RunRecord } from '../shared/snapshot-types';
import type { HistoryEntry, StepLog } from '../shared/step-log';
import type { EvalPoint } from '../shared/worker-types';
import type { ChartId, ChartInput } from './charts';
import { HistoryLog } from './history-log';

export class TrainingHistory {
  /**
   * The history itself, appended in place (history-log.ts): a step costs one element per array, not a copy of the
   * run so far. `#version` is what readers depend on: it changes whenever the history does, so the getters below
   * (and everything derived from them: the charts, the log, the runs view) update although the arrays stay the same.
   */
  #log = new HistoryLog();
  #version = $state(0);

  /** One entry per logged step, in step order (read-only: the history grows through `add`). */
  get entries(): readonly HistoryEntry[] {
    void this.#version;
    return this.#log.entries;
  }

  /** Evaluations on the validation split made during training, in step order. */
  get evals(): readonly EvalPoint[] {
    void this.#version;
    return this.#log.evals;
  }

  get last(): HistoryEntry | undefined {
    void this.#version;
    return this.#log.entries.at(-1);
  }

  /** A chart's series, for the charts and their text summaries alike (the same arrays, grown in place). */
  chartSeries(chart: ChartId): ChartInput {
    void this.#version;
    return this.#log.charts[chart];
  }

  /** The model in the worker now has this history (a restored checkpoint's run, up to its step). */
  replace(entries: readonly HistoryEntry[], evals: readonly EvalPoint[] = []): void {
    this.#log = new HistoryLog(entries, evals);
    this.#version++;
  }

  /** A new model: nothing trained yet. */
  clear(): void {
    this.replace([]);
  }

  add(log: StepLog): void {
    const { line: _line, ...entry } = log;
    this.#log.add(entry);
    this.#version++;
  }

  addEval(point: EvalPoint): void {
    this.#log.addEval(point);
    this.#version++;
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
  // The page's own array, not a copy: the runs view only reads it, and is told of each step by the history's version.
  return { ...run, history: live as HistoryEntry[] };
}
