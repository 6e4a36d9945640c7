/**
 * eval.py's and inference.py's log lines, as the starter code writes them (utils.py's AddGlobalStepSummary and
 * AddEpochSummary, eval.py's evaluation_loop, inference.py's inference), with Python's rounding (py-format.ts). The
 * worker writes them while it evaluates and predicts; they are script-read lines, the same in every language.
 */
import { pyFixed, pyFormatF } from './py-format';

/** One batch of eval.py's loop: its own Hit@1, PERR and mean loss, and its examples over its time. */
export interface EvalBatchLog {
  /** Examples evaluated so far, this batch included. */
  examplesProcessed: number;
  globalStep: number;
  hitAt1: number;
  perr: number;
  loss: number;
  examplesPerSec: number;
}

/** eval.py's summary of the whole split (EvaluationMetrics.get(), MAP as numpy.mean of the per-class APs). */
export interface EvalEpochLog {
  globalStep: number;
  hitAt1: number;
  perr: number;
  map: number;
  gap: number;
  loss: number;
}

/**
 * `examples_processed: 512 | global_step 48 | Batch Hit@1: 0.871 | Batch PERR: 0.871 | Batch Loss: 3.094 |
 * Examples_per_sec: 10240.000`: eval.py's `"examples_processed: %d | %s"` around AddGlobalStepSummary's
 * `{1:.3f}`…`{4:.3f}`.
 */
export function formatEvalBatchLine(b: EvalBatchLog): string {
  return (
    `examples_processed: ${b.examplesProcessed} | global_step ${b.globalStep} | ` +
    `Batch Hit@1: ${pyFixed(b.hitAt1, 3)} | Batch PERR: ${pyFixed(b.perr, 3)} | ` +
    `Batch Loss: ${pyFixed(b.loss, 3)} | Examples_per_sec: ${pyFixed(b.examplesPerSec, 3)}`
  );
}

/** eval.py's line between the batches and the summary (its OutOfRangeError handler). */
export const EVAL_DONE_LINE = 'Done with batched inference. Now calculating global performance metrics.';

/**
 * `epoch/eval number 48 | Avg_Hit@1: 0.880 | Avg_PERR: 0.880 | MAP: 0.941 | GAP: 0.927 | Avg_Loss: 3.040404`:
 * AddEpochSummary's format. Its Avg_Loss is `{5:3f}` — a width of 3, not a precision — so six decimals.
 */
export function formatEvalEpochLine(e: EvalEpochLog): string {
  return (
    `epoch/eval number ${e.globalStep} | Avg_Hit@1: ${pyFixed(e.hitAt1, 3)} | Avg_PERR: ${pyFixed(e.perr, 3)} | ` +
    `MAP: ${pyFixed(e.map, 3)} | GAP: ${pyFixed(e.gap, 3)} | Avg_Loss: ${pyFormatF(e.loss, 3)}`
  );
}

/** inference.py's line per batch: examples so far and seconds since the loop started (`{0:.2f}`). */
export function formatInferenceLine(examplesProcessed: number, elapsedSeconds: number): string {
  return `num examples processed: ${examplesProcessed} elapsed seconds: ${pyFixed(elapsedSeconds, 2)}`;
}

/** inference.py's last line; the file is the one Download predictions.csv gives. */
export const INFERENCE_DONE_LINE = 'Done with inference. The output file was written to predictions.csv';

/**
 * What Evaluate and Predict report to the page while they run: examples done, and the script's lines. A line's
 * delivery is awaited (over Comlink, a promise that settles once the page has it), so the lines reach the page in
 * order and before the job's result.
 */
export interface JobHooks {
  onProgress?: (done: number, total: number) => void;
  onLine?: (line: string) => void | Promise<void>;
}
