/**
 * The run the model in this worker belongs to, and the checkpoint policy: plain bookkeeping, no tfjs and no
 * IndexedDB (persist.ts writes what this decides), so Node tests check it.
 *
 * A new model starts a new run; continuing keeps the run (its history goes on). A model restored from a checkpoint
 * earlier than its run's last step continues in a new run, forked there, so no history is rewritten. An imported
 * model belongs to no run until it trains.
 */
import type { TrainConfig } from '../shared/settings';
import type { HistoryEntry, StepLog } from '../shared/step-log';
import { text, PagetrainError } from '../shared/errors';
import { RECORD_VERSION, type FileFingerprint, type RunRecord } from '../shared/snapshot-types';
import type { PersistPolicy } from '../shared/persist-types';
import type { EvalPoint } from '../shared/worker-types';

/** The starter code exported every 1,000 steps; keep the last 5 of each run unless pinned. */
export const DEFAULT_POLICY: PersistPolicy = { everySteps: 1000, keepLast: 5 };

function history(log: StepLog): HistoryEntry {
  const { line: _line, ...entry } = log;
  return entry;
}

export class CurrentRun {
  readonly #policy: PersistPolicy = { ...DEFAULT_POLICY };
  #run: RunRecord | null = null;
  /** The step of the checkpoint the current state was restored from, or saved last. */
  #lastSavedStep = -1;
  /** Set by a restore from a checkpoint older than its run's last step: the next training forks a new run there. */
  #restoredFrom: number | null = null;

  get policy(): PersistPolicy {
    return { ...this.#policy };
  }

  /** The run, or null when the model belongs to none (none trained yet, imported, or its run deleted). */
  get run(): RunRecord | null {
    return this.#run;
  }

  setPolicy(p: Partial<PersistPolicy>): PersistPolicy {
    if (p.everySteps !== undefined && (!Number.isInteger(p.everySteps) || p.everySteps < 1))
      throw new PagetrainError('ConfigError', text('persist_every_steps'));
    if (p.keepLast !== undefined && (!Number.isInteger(p.keepLast) || p.keepLast < 1))
      throw new PagetrainError('ConfigError', text('persist_keep_last'));
    Object.assign(this.#policy, {
      ...(p.everySteps !== undefined ? { everySteps: p.everySteps } : {}),
      ...(p.keepLast !== undefined ? { keepLast: p.keepLast } : {}),
    });
    return this.policy;
  }

  /** Training starts: the run it writes to (new, continued or forked), to be saved. */
  begin(config: TrainConfig, startNew: boolean, dataset: FileFingerprint[], now = Date.now()): RunRecord {
    if (startNew || !this.#run) {
      this.#run = {
        version: RECORD_VERSION,
        id: crypto.randomUUID(),
        name: `${config.model} · ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')}`,
        config,
        dataset,
        history: [],
        evals: [],
        createdAt: now,
        updatedAt: now,
        globalStep: 0,
        final: null,
      };
      this.#lastSavedStep = 0;
    } else if (this.#restoredFrom !== null) {
      const from = this.#restoredFrom;
      const run = this.#run;
      this.#run = {
        ...run,
        id: crypto.randomUUID(),
        name: `${run.name} (from step ${from})`,
        history: run.history.filter((h) => h.step <= from),
        evals: run.evals.filter((p) => p.step <= from),
        globalStep: from,
        createdAt: now,
      };
    }
    this.#restoredFrom = null;
    this.#run.config = config;
    this.#run.updatedAt = now;
    return this.#run;
  }

  recordLog(log: StepLog): void {
    const run = this.#run;
    if (!run) return;
    run.history.push(history(log));
    run.globalStep = log.step;
    run.final = { step: log.step, loss: log.loss, hitAt1: log.hitAt1, evaluation: null };
  }

  /** An evaluation on the validation split during training: kept with the run (saved with its next checkpoint). */
  recordEvalPoint(point: EvalPoint): void {
    this.#run?.evals.push(point);
  }

  /** An evaluation of the run's model: a copy of the run to save, or null without a run. */
  recordEvaluation(metrics: Record<string, number>, step: number, now = Date.now()): RunRecord | null {
    const run = this.#run;
    if (!run) return null;
    run.final = {
      step,
      loss: run.final?.loss ?? null,
      hitAt1: run.final?.hitAt1 ?? null,
      evaluation: metrics,
    };
    run.updatedAt = now;
    return structuredClone(run);
  }

  /** Whether `step` is a checkpoint step of the policy. */
  due(step: number): boolean {
    return step > 0 && step % this.#policy.everySteps === 0;
  }

  /** Whether a checkpoint at `step` would hold anything new (there is a run, and that step is not saved yet). */
  unsaved(step: number): boolean {
    return this.#run !== null && step !== this.#lastSavedStep;
  }

  /** The last status line's numbers at or before `step`, for a checkpoint taken there. */
  metricsAt(step: number): HistoryEntry | null {
    const last = this.#run?.history.at(-1);
    return last && last.step <= step ? last : null;
  }

  /** A checkpoint at `step` is being saved: a copy of the run to save with it. */
  saved(step: number, now = Date.now()): RunRecord {
    const run = this.#run;
    if (!run) throw new Error('CurrentRun.saved: no run');
    this.#lastSavedStep = step;
    run.globalStep = step;
    run.updatedAt = now;
    return structuredClone(run);
  }

  /**
   * A checkpoint at `step` of `run` was restored: it becomes the current run. Returns the run as the page shows it,
   * its history and validation points up to that step.
   */
  restored(run: RunRecord | null, step: number): RunRecord | null {
    this.#run = run;
    this.#restoredFrom = run && run.globalStep > step ? step : null;
    this.#lastSavedStep = step;
    return run
      ? {
          ...run,
          history: run.history.filter((h) => h.step <= step),
          evals: run.evals.filter((p) => p.step <= step),
        }
      : null;
  }

  /** The model now belongs to no run (an imported one). */
  forget(): void {
    this.#run = null;
    this.#lastSavedStep = -1;
    this.#restoredFrom = null;
  }

  /** A run was deleted: if it is the current one, the model now belongs to none. */
  deleted(runId: string): void {
    if (this.#run?.id === runId) this.#run = null;
  }
}
