/**
 * pyFixed / pyFormatF against what python3 prints for the same doubles (test/fixtures/py-format/cases.json, made by
 * make-cases.py there).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pyFixed, pyFormatF } from '../../../src/lib/shared/py-format';

interface Case {
  x: string;
  '%.0f': string;
  '%.2f': string;
  '%.3f': string;
  '%.6f': string;
  '{:3f}': string;
}

const file = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/py-format/cases.json');
const cases = JSON.parse(readFileSync(file, 'utf8')) as Case[];

/** Python's repr of a float, read back: 'nan' and 'inf' are Python's spellings. */
function parse(repr: string): number {
  if (repr === 'nan') return NaN;
  if (repr === 'inf') return Infinity;
  if (repr === '-inf') return -Infinity;
  return Number(repr);
}

describe('pyFixed and pyFormatF print what Python prints', () => {
  it('reads every input back to a number', () => {
    expect(cases.length).toBeGreaterThan(200);
    for (const c of cases) expect(Number.isNaN(parse(c.x)) && c.x !== 'nan', c.x).toBe(false);
  });

  for (const precision of [0, 2, 3, 6] as const) {
    it(`%.${precision}f`, () => {
      for (const c of cases) expect(pyFixed(parse(c.x), precision), c.x).toBe(c[`%.${precision}f`]);
    });
  }

  it('{:3f}', () => {
    for (const c of cases) expect(pyFormatF(parse(c.x), 3), c.x).toBe(c['{:3f}']);
  });

  it('rounds an exact binary tie to even, unlike toFixed', () => {
    // 0.625 = 5/8 exactly: Python gives 0.62, toFixed 0.63. 2.675 is 2.67499999… in binary: both give 2.67.
    expect(pyFixed(0.625, 2)).toBe('0.62');
    expect((0.625).toFixed(2)).toBe('0.63');
    expect(pyFixed(0.375, 2)).toBe('0.38');
    expect(pyFixed(2.675, 2)).toBe('2.67');
    expect(pyFixed(-0.0, 2)).toBe('-0.00');
    expect(pyFixed(1e21, 2)).toBe('1000000000000000000000.00');
  });

  it('pads {:Nf} to its width', () => {
    expect(pyFormatF(NaN, 5)).toBe('  nan');
    expect(pyFormatF(0.5, 3)).toBe('0.500000');
  });

  it('rejects a precision Python would not take here', () => {
    expect(() => pyFixed(1, -1)).toThrow(RangeError);
    expect(() => pyFixed(1, 1.5)).toThrow(RangeError);
  });
});
