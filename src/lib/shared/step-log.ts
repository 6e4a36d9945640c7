/**
 * train.py's status line: the numbers of one logged training step, and the one function that writes the line from
 * them (the worker when it logs a step, the page when it shows a saved run's history).
 */

import { pyFixed } from './py-format';

export interface StepLog {
  step: number;
  epoch: number;
  /** Label loss of this step's batch (train.py logs label_loss, not the regularised total). */
  loss: number;
  examplesPerSec: number;
  hitAt1: number;
  perr: number;
  gap: number;
  learningRate: number;
  /** The status line in train.py's format. */
  line: string;
}

/**
 * Every training step's line, as train.py prints it each step: `training step N | Loss: %.2f Examples/sec: %.2f`, and
 * on log steps the full line (formatStepLine). Examples/sec is that step's batch over that step's time.
 */
export interface StepLine {
  step: number;
  epoch: number;
  loss: number;
  examplesPerSec: number;
  /** Whether `line` is the full line of a log step (a StepLog with the same step goes with it). */
  full: boolean;
  line: string;
}

/** What crosses to the page at once: the lines of the steps since the last batch, in step order, and the log steps' numbers among them. */
export interface StepBatch {
  lines: StepLine[];
  logs: StepLog[];
}

/** A status line's numbers without the formatted line (the line is rebuilt from them when needed). */
export type HistoryEntry = Omit<StepLog, 'line'>;

/**
 * `training step 10 | Loss: 2.30 Examples/sec: 512.00 | Hit@1: 0.10 PERR: 0.10 GAP: 0.05`, as train.py logs it, with
 * Python's `%.2f` (py-format.ts: 0.625 prints 0.62).
 */
export function formatStepLine(
  h: Pick<StepLog, 'step' | 'loss' | 'examplesPerSec' | 'hitAt1' | 'perr' | 'gap'>,
): string {
  return (
    `${formatShortStepLine(h)} | ` +
    `Hit@1: ${pyFixed(h.hitAt1, 2)} PERR: ${pyFixed(h.perr, 2)} GAP: ${pyFixed(h.gap, 2)}`
  );
}

/** `training step 11 | Loss: 2.30 Examples/sec: 512.00`: train.py's line on a step that is not a log step. */
export function formatShortStepLine(h: Pick<StepLog, 'step' | 'loss' | 'examplesPerSec'>): string {
  return `training step ${h.step} | Loss: ${pyFixed(h.loss, 2)} Examples/sec: ${pyFixed(h.examplesPerSec, 2)}`;
}

/** A saved history entry with its status line written back. */
export function withLine(h: HistoryEntry): StepLog {
  return { ...h, line: formatStepLine(h) };
}
