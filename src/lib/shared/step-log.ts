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
    `training step ${h.step} | Loss: ${pyFixed(h.loss, 2)} Examples/sec: ${pyFixed(h.examplesPerSec, 2)} | ` +
    `Hit@1: ${pyFixed(h.hitAt1, 2)} PERR: ${pyFixed(h.perr, 2)} GAP: ${pyFixed(h.gap, 2)}`
  );
}

/** A saved history entry with its status line written back. */
export function withLine(h: HistoryEntry): StepLog {
  return { ...h, line: formatStepLine(h) };
}
