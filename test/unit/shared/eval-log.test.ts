/**
 * eval.py's and inference.py's lines: the expected strings were printed by python3 (3.11) with the starter code's own
 * format strings (utils.py's AddGlobalStepSummary and AddEpochSummary, eval.py's `"examples_processed: %d | %s"`,
 * inference.py's `"{0:.2f}"`), for these inputs, including exact ties that Python rounds to even and NaN.
 */
import { describe, expect, test } from 'vitest';
import {
  formatEvalBatchLine,
  formatEvalEpochLine,
  formatInferenceLine,
} from '../../../src/lib/shared/eval-log';

describe("eval.py's lines", () => {
  test('the per-batch line: %.3f with ties to even, nan for NaN', () => {
    expect(
      formatEvalBatchLine({
        examplesProcessed: 512,
        globalStep: 48,
        hitAt1: 0.8125,
        perr: 0.0625,
        loss: NaN,
        examplesPerSec: 10240 / 0.0375,
      }),
    ).toBe(
      'examples_processed: 512 | global_step 48 | Batch Hit@1: 0.812 | Batch PERR: 0.062 | Batch Loss: nan | ' +
        'Examples_per_sec: 273066.667',
    );
  });

  test('the closing line: Avg_Loss is {5:3f}, six decimals', () => {
    expect(
      formatEvalEpochLine({
        globalStep: 48,
        hitAt1: 0.8795,
        perr: 0.0005,
        map: 0.94149,
        gap: 0.9265,
        loss: 3.0404047,
      }),
    ).toBe(
      'epoch/eval number 48 | Avg_Hit@1: 0.879 | Avg_PERR: 0.001 | MAP: 0.941 | GAP: 0.926 | Avg_Loss: 3.040405',
    );
    expect(
      formatEvalEpochLine({ globalStep: 7, hitAt1: 1, perr: 0, map: 0.5, gap: 2.675, loss: 12345.6789125 }),
    ).toBe(
      'epoch/eval number 7 | Avg_Hit@1: 1.000 | Avg_PERR: 0.000 | MAP: 0.500 | GAP: 2.675 | Avg_Loss: 12345.678912',
    );
  });
});

test("inference.py's line: elapsed seconds as {0:.2f}", () => {
  expect(formatInferenceLine(8192, 0.125)).toBe('num examples processed: 8192 elapsed seconds: 0.12');
});
