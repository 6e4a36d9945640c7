import { describe, expect, it } from 'vitest';
import { formatShortStepLine, formatStepLine } from '../../../src/lib/shared/step-log';

describe('formatStepLine', () => {
  it('prints train.py’s line with Python’s %.2f (exact ties to even, nan)', () => {
    // What python3 prints for the same values: "%.2f" % 0.625 is 0.62, 0.375 is 0.38, 2.675 is 2.67.
    expect(
      formatStepLine({ step: 10, loss: 0.625, examplesPerSec: 2.675, hitAt1: 0.375, perr: NaN, gap: 1 }),
    ).toBe('training step 10 | Loss: 0.62 Examples/sec: 2.67 | Hit@1: 0.38 PERR: nan GAP: 1.00');
  });
});

describe('formatShortStepLine', () => {
  it('prints train.py’s per-step line, the full line’s head', () => {
    expect(formatShortStepLine({ step: 11, loss: 0.625, examplesPerSec: 2.675 })).toBe(
      'training step 11 | Loss: 0.62 Examples/sec: 2.67',
    );
  });
});
