/**
 * train.py's status line: the numbers of one logged training step, and the one function that writes the line from
 * them (the worker when it logs a step, the page when it shows a saved run's history).
 */

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

/** `training step 10 | Loss: 2.30 Examples/sec: 512.00 | Hit@1: 0.10 PERR: 0.10 GAP: 0.05`, as train.py logs it. */
export function formatStepLine(
  h: Pick<StepLog, 'step' | 'loss' | 'examplesPerSec' | 'hitAt1' | 'perr' | 'gap'>,
): string {
  return (
    `training step ${h.step} | Loss: ${h.loss.toFixed(2)} Examples/sec: ${h.examplesPerSec.toFixed(2)} | ` +
    `Hit@1: ${h.hitAt1.toFixed(2)} PERR: ${h.perr.toFixed(2)} GAP: ${h.gap.toFixed(2)}`
  );
}

/** A saved history entry with its status line written back. */
export function withLine(h: HistoryEntry): StepLog {
  return { ...h, line: formatStepLine(h) };
}
