import { describe, expect, test } from 'vitest';
import { etaSeconds, formatDuration, tensorGrowth } from '../../../src/lib/shared/eta';

describe('etaSeconds', () => {
  test('remaining steps over the recent step rate', () => {
    // 10 steps in 2 s = 5 steps/s; 90 steps left → 18 s.
    const samples = [
      { time: 0, runSteps: 0 },
      { time: 1000, runSteps: 5 },
      { time: 2000, runSteps: 10 },
    ];
    expect(etaSeconds(samples, 100)).toBeCloseTo(18, 10);
  });

  test('looks back only over the window, so a slow start does not linger', () => {
    const samples = [
      { time: 0, runSteps: 0 },
      { time: 60_000, runSteps: 1 }, // a minute for the first step (shader compilation)
      { time: 61_000, runSteps: 11 },
      { time: 62_000, runSteps: 21 },
    ];
    // Window of 20 s keeps the last three samples: 20 steps in 2 s = 10 steps/s; 79 left → 7.9 s.
    expect(etaSeconds(samples, 100)).toBeCloseTo(7.9, 10);
  });

  test('no estimate from fewer than two samples, under 200 ms, or no progress', () => {
    expect(etaSeconds([], 10)).toBeNull();
    expect(etaSeconds([{ time: 0, runSteps: 1 }], 10)).toBeNull();
    expect(
      etaSeconds(
        [
          { time: 0, runSteps: 1 },
          { time: 100, runSteps: 2 },
        ],
        10,
      ),
    ).toBeNull();
    expect(
      etaSeconds(
        [
          { time: 0, runSteps: 3 },
          { time: 5000, runSteps: 3 },
        ],
        10,
      ),
    ).toBeNull();
  });

  test('zero once every step is done', () => {
    expect(
      etaSeconds(
        [
          { time: 0, runSteps: 0 },
          { time: 1000, runSteps: 16 },
        ],
        16,
      ),
    ).toBe(0);
  });
});

describe('formatDuration', () => {
  test.each([
    [0, '0 s'],
    [42.4, '42 s'],
    [185, '3 min 05 s'],
    [3720, '1 h 02 min'],
    [-3, '0 s'],
  ])('%s s → %s', (s, text) => expect(formatDuration(s)).toBe(text));
});

describe('tensorGrowth', () => {
  test('flat or falling counts are fine; the first rise is reported', () => {
    expect(tensorGrowth([])).toBeNull();
    expect(tensorGrowth([11, 11, 11])).toBeNull();
    expect(tensorGrowth([12, 11, 11])).toBeNull();
    expect(tensorGrowth([11, 11, 14, 20])).toEqual({ from: 11, to: 14 });
  });
});
