/**
 * metrics.ts against numbers computed by the starter code's own eval_util.py (and its average precision
 * calculators) on the same inputs: test/fixtures/metrics, made by make-fixtures.py there (see its README).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  EvaluationMetrics,
  averagePrecisionPerClassOf,
  gap,
  hitAtOne,
  meanAveragePrecision,
  perr,
  topKByClass,
} from '../../../src/lib/ml/metrics';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/metrics');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;

interface Case {
  name: string;
  n: number;
  numClasses: number;
  predictions: number[][];
  labels: number[][];
  expected: Record<'Hit@1' | 'PERR' | 'GAP@20' | 'GAP@2' | 'MAP@20' | 'MAP@2', number> & {
    'APs@20': number[];
    'APs@2': number[];
  };
}

interface Batches {
  numClasses: number;
  topK: number;
  batches: {
    n: number;
    predictions: number[][];
    labels: number[][];
    loss: number[];
    expected: { 'Hit@1': number; PERR: number; Loss: number };
  }[];
  expected: { 'Hit@1': number; PERR: number; Loss: number; GAP: number; MAP: number; APs: number[] };
}

// Float32 inputs, float64 sums on both sides (see make-fixtures.py); only the order of additions can differ.
const DIGITS = 12;
const f32 = (rows: number[][]): Float32Array => new Float32Array(rows.flat());

describe('metrics equal eval_util on the same predictions', () => {
  const cases = load<Case[]>('eval-util.json');

  it('has the cases the README lists', () => {
    expect(cases.map((c) => c.name)).toEqual(['mnist-like', 'multi-label', 'ties']);
  });

  for (const c of cases) {
    describe(c.name, () => {
      const p = f32(c.predictions);
      const l = f32(c.labels);
      const { n, numClasses: C, expected } = c;

      it('Hit@1 and PERR', () => {
        expect(hitAtOne(p, l, n, C)).toBeCloseTo(expected['Hit@1'], DIGITS);
        expect(perr(p, l, n, C)).toBeCloseTo(expected.PERR, DIGITS);
      });

      for (const k of [20, 2] as const) {
        it(`GAP and MAP with top_k ${k}`, () => {
          expect(gap(p, l, n, C, k)).toBeCloseTo(expected[`GAP@${k}`], DIGITS);
          expect(meanAveragePrecision(p, l, n, C, k)).toBeCloseTo(expected[`MAP@${k}`], DIGITS);
          const aps = averagePrecisionPerClassOf(topKByClass(p, l, n, C, k));
          expect(aps.length).toBe(C);
          aps.forEach((ap, j) => expect(ap, `class ${j}`).toBeCloseTo(expected[`APs@${k}`][j], DIGITS));
        });
      }
    });
  }

  it('includes a class without positives (AP 0) in every case', () => {
    for (const c of cases) {
      const positives = Array.from({ length: c.numClasses }, (_, j) =>
        c.labels.reduce((s, row) => s + row[j], 0),
      );
      const empty = positives.indexOf(0);
      expect(empty, c.name).toBeGreaterThanOrEqual(0);
      expect(c.expected['APs@20'][empty]).toBe(0);
    }
  });
});

describe('EvaluationMetrics equals eval_util.EvaluationMetrics over batches', () => {
  const fixture = load<Batches>('evaluation-metrics.json');

  it('per batch and for the whole evaluation', () => {
    const m = new EvaluationMetrics(fixture.numClasses, fixture.topK);
    for (const [i, b] of fixture.batches.entries()) {
      // eval.py hands accumulate the per-example losses and reports their mean.
      const loss = b.loss.reduce((s, v) => s + v, 0) / b.loss.length;
      const got = m.accumulate(f32(b.predictions), f32(b.labels), b.n, loss);
      expect(got['Hit@1'], `batch ${i}`).toBeCloseTo(b.expected['Hit@1'], DIGITS);
      expect(got.PERR, `batch ${i}`).toBeCloseTo(b.expected.PERR, DIGITS);
      expect(got.Loss, `batch ${i}`).toBeCloseTo(b.expected.Loss, DIGITS);
    }
    const r = m.get();
    expect(r['Hit@1']).toBeCloseTo(fixture.expected['Hit@1'], DIGITS);
    expect(r.PERR).toBeCloseTo(fixture.expected.PERR, DIGITS);
    expect(r.Loss).toBeCloseTo(fixture.expected.Loss, DIGITS);
    expect(r.GAP).toBeCloseTo(fixture.expected.GAP, DIGITS);
    expect(r.MAP).toBeCloseTo(fixture.expected.MAP, DIGITS);
    expect(r.examples).toBe(fixture.batches.reduce((s, b) => s + b.n, 0));
  });
});
