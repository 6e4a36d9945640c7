import { describe, expect, it } from 'vitest';
import {
  EvaluationMetrics,
  accuracy,
  averagePrecision,
  confusionMatrix,
  gap,
  hitAtOne,
  meanAveragePrecision,
  oneHot,
  perClassPrecisionRecall,
  perr,
  topKByClass,
} from '../../../src/lib/ml/metrics';
import { mulberry32 } from '../../../src/lib/ml/random';

const f32 = (rows: number[][]): Float32Array => new Float32Array(rows.flat());

/**
 * 4 examples × 4 classes, with a tie for the top prediction (row 1), a multi-label row (row 2) and a row without
 * positives (row 3).
 */
const N = 4;
const C = 4;
const PREDS = f32([
  [0.1, 0.7, 0.2, 0.0],
  [0.5, 0.5, 0.3, 0.1],
  [0.4, 0.3, 0.2, 0.1],
  [0.0, 0.0, 0.9, 0.05],
]);
const LABELS = f32([
  [0, 1, 0, 0],
  [0, 1, 0, 0],
  [1, 0, 1, 0],
  [0, 0, 0, 0],
]);

/** Seeded, so the random cases are the same on every run. */
const rng = mulberry32;

// ---------------------------------------------------------------------------------------------------------------
// Slow, obviously correct references, line by line from eval_util.py and average_precision_calculator.py, with the
// two tie rules of metrics.ts (lower class index first inside a row's top k; stable sort instead of the shuffle).

function rowsOf(x: Float32Array, n: number, c: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * c, (i + 1) * c)));
}

function refTopKTriplets(predictions: number[], labels: number[], k: number): [number, number, number][] {
  const kk = Math.min(k, predictions.length);
  const indices = predictions
    .map((_, i) => i)
    .sort((a, b) => predictions[b] - predictions[a] || a - b)
    .slice(0, kk);
  return indices.map((index) => [index, predictions[index], labels[index]]);
}

function refTopKByClass(predictions: number[][], labels: number[][], k: number) {
  const numClasses = predictions[0].length;
  const triplets: [number, number, number][] = [];
  for (let v = 0; v < predictions.length; v++)
    triplets.push(...refTopKTriplets(predictions[v], labels[v], k));
  const outPredictions: number[][] = Array.from({ length: numClasses }, () => []);
  const outLabels: number[][] = Array.from({ length: numClasses }, () => []);
  for (const [c, p, l] of triplets) {
    outPredictions[c].push(p);
    outLabels[c].push(l);
  }
  const truePositives = Array.from({ length: numClasses }, (_, c) =>
    labels.reduce((s, row) => s + row[c], 0),
  );
  return { outPredictions, outLabels, truePositives };
}

function refApAtN(
  predictions: number[],
  actuals: number[],
  n: number | null,
  totalNumPositives: number | null,
) {
  let ap = 0;
  // Array.prototype.sort is stable: equal scores keep their input order.
  const sortidx = predictions.map((_, i) => i).sort((a, b) => predictions[b] - predictions[a]);
  let numpos = totalNumPositives ?? actuals.filter((a) => a > 0).length;
  if (numpos === 0) return 0;
  if (n !== null) numpos = Math.min(numpos, n);
  const deltaRecall = 1 / numpos;
  let poscount = 0;
  let r = sortidx.length;
  if (n !== null) r = Math.min(r, n);
  for (let i = 0; i < r; i++) {
    if (actuals[sortidx[i]] > 0) {
      poscount += 1;
      ap += (poscount / (i + 1)) * deltaRecall;
    }
  }
  return ap;
}

function refGap(predictions: number[][], labels: number[][], k: number): number {
  const { outPredictions, outLabels, truePositives } = refTopKByClass(predictions, labels, k);
  const flat = outPredictions.flat();
  if (flat.length === 0) return 0;
  return refApAtN(
    flat,
    outLabels.flat(),
    null,
    truePositives.reduce((a, b) => a + b, 0),
  );
}

function refMap(predictions: number[][], labels: number[][], k: number): number {
  const { outPredictions, outLabels, truePositives } = refTopKByClass(predictions, labels, k);
  const aps = outPredictions.map((p, c) =>
    p.length === 0 ? 0 : refApAtN(p, outLabels[c], null, truePositives[c]),
  );
  return aps.reduce((a, b) => a + b, 0) / aps.length;
}

function refPerr(predictions: number[][], labels: number[][]): number {
  let aggregated = 0;
  for (let row = 0; row < predictions.length; row++) {
    const numLabels = Math.trunc(labels[row].reduce((a, b) => a + b, 0));
    const all = predictions[row].map((_, i) => i);
    // argpartition(p, -0)[-0:] is the whole row.
    const top =
      numLabels === 0 ? all : refTopKTriplets(predictions[row], labels[row], numLabels).map((t) => t[0]);
    let item = 0;
    for (const j of top) if (predictions[row][j] > 0) item += labels[row][j];
    aggregated += item / top.length;
  }
  return aggregated / predictions.length;
}

/** n × c scores, rounded to one decimal when `ties` so that many of them are equal. */
function randomScores(next: () => number, n: number, c: number, ties: boolean): Float32Array {
  const out = new Float32Array(n * c);
  for (let i = 0; i < out.length; i++) out[i] = ties ? Math.round(next() * 10) / 10 : next();
  return out;
}

function randomLabels(next: () => number, n: number, c: number, multiLabel: boolean): Float32Array {
  if (!multiLabel) {
    return oneHot(
      Int32Array.from({ length: n }, () => Math.floor(next() * c)),
      c,
    );
  }
  const out = new Float32Array(n * c);
  for (let i = 0; i < out.length; i++) out[i] = next() < 0.3 ? 1 : 0;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

describe('oneHot', () => {
  it('puts a 1 at each class id', () => {
    expect(Array.from(oneHot(new Int32Array([2, 0]), 3))).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('rejects a class id out of range, naming the example', () => {
    expect(() => oneHot(new Int32Array([0, 3]), 3)).toThrow(/label 3 of example 1/);
  });
});

describe('hitAtOne', () => {
  it('matches the hand-computed value, ties to the first index', () => {
    // Row 0: argmax 1 → label 1. Row 1: 0.5 = 0.5, numpy takes index 0 → label 0.
    // Row 2: argmax 0 → label 1. Row 3: argmax 2 → label 0. (1 + 0 + 1 + 0) / 4 = 0.5.
    expect(hitAtOne(PREDS, LABELS, N, C)).toBe(0.5);
  });

  it('takes a NaN as the maximum, like numpy.argmax', () => {
    // argmax([0.9, NaN]) = 1 in numpy.
    expect(hitAtOne(f32([[0.9, NaN]]), f32([[0, 1]]), 1, 2)).toBe(1);
  });

  it('gives 0 for an empty batch and rejects a wrong shape', () => {
    expect(hitAtOne(new Float32Array(0), new Float32Array(0), 0, 3)).toBe(0);
    expect(() => hitAtOne(PREDS, LABELS, N, 3)).toThrow(RangeError);
  });
});

describe('perr', () => {
  it('matches the hand-computed value (ties, multi-label, no-positive row)', () => {
    // Row 0: k = 1, top [1] → 1 / 1 = 1.
    // Row 1: k = 1, 0.5 = 0.5, the lower index 0 wins → label 0 → 0.
    // Row 2: k = 2, top [0, 1] → (1 + 0) / 2 = 0.5.
    // Row 3: k = 0, the whole row, all labels 0 → 0 / 4 = 0 (the Python gives 0 too, not NaN).
    // (1 + 0 + 0.5 + 0) / 4 = 0.375 (eval_util.py on these arrays: 0.375).
    expect(perr(PREDS, LABELS, N, C)).toBe(0.375);
  });

  it('does not count a positive whose prediction is 0', () => {
    // k = 2; top 2 = index 0 (0.6), then the tie at 0 goes to index 1: label 1 but prediction 0 → (1 + 0) / 2.
    expect(perr(f32([[0.6, 0, 0, 0]]), f32([[1, 1, 0, 0]]), 1, 4)).toBe(0.5);
  });

  it('is 1 when every positive is ranked first, for several positives', () => {
    expect(perr(f32([[0.1, 0.9, 0.8, 0.2]]), f32([[0, 1, 1, 0]]), 1, 4)).toBe(1);
    // All classes positive: k = C, every index, all predictions > 0.
    expect(perr(f32([[0.1, 0.9]]), f32([[1, 1]]), 1, 2)).toBe(1);
  });

  it('matches the reference on random multi-label data', () => {
    const next = rng(7);
    for (const [n, c] of [
      [30, 5],
      [100, 10],
    ]) {
      const p = randomScores(next, n, c, true);
      const l = randomLabels(next, n, c, true);
      expect(perr(p, l, n, c)).toBeCloseTo(refPerr(rowsOf(p, n, c), rowsOf(l, n, c)), 12);
    }
  });
});

describe('averagePrecision', () => {
  it('matches ap_at_n by hand', () => {
    const s = [0.9, 0.8, 0.7, 0.6];
    const a = [1, 0, 1, 0];
    // Positives at ranks 1 and 3: (1/1 + 2/3) / 2 = 0.8333…
    expect(averagePrecision(s, a)).toBeCloseTo(5 / 6, 15);
    // Recall over 4 positives, two of them never retrieved: (1 + 2/3) / 4.
    expect(averagePrecision(s, a, 4)).toBeCloseTo(5 / 12, 15);
    // n = 2: denominator min(2, 2), only rank 1 counts: 1 / 2.
    expect(averagePrecision(s, a, undefined, 2)).toBe(0.5);
    // n = 1: denominator min(2, 1) = 1: 1 / 1.
    expect(averagePrecision(s, a, undefined, 1)).toBe(1);
  });

  it('sorts its input', () => {
    // Same ranking as above: 0.9 (+), 0.8 (−), 0.7 (+), 0.6 (−).
    expect(averagePrecision([0.6, 0.9, 0.7, 0.8], [0, 1, 1, 0])).toBeCloseTo(5 / 6, 15);
  });

  it('breaks ties by input order', () => {
    // Equal scores: the first listed ranks first. [−, +] → 1/2 at rank 2; [+, −] → 1.
    expect(averagePrecision([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(averagePrecision([0.5, 0.5], [1, 0])).toBe(1);
  });

  it('gives 0 without positives and checks its arguments', () => {
    expect(averagePrecision([0.9, 0.1], [0, 0])).toBe(0);
    expect(averagePrecision([], [])).toBe(0);
    expect(averagePrecision([0.9], [1], 0)).toBe(0);
    expect(() => averagePrecision([0.9], [1, 0])).toThrow(RangeError);
    expect(() => averagePrecision([0.9], [1], undefined, 0)).toThrow(RangeError);
  });
});

describe('topKByClass', () => {
  it('collects each row’s top k by class, and counts positives over all rows', () => {
    // k = 2. Row 0: classes 1 (0.7, +), 2 (0.2, −). Row 1: 0 (0.5, −), 1 (0.5, +) — the tie 0.5/0.5 keeps both,
    // 0.3 is out. Row 2: 0 (0.4, +), 1 (0.3, −). Row 3: 2 (0.9, −), 3 (0.05, −).
    const top = topKByClass(PREDS, LABELS, N, C, 2);
    expect(top.scores.map((s) => Array.from(s))).toEqual([
      [0.5, 0.4].map(Math.fround),
      [0.7, 0.5, 0.3].map(Math.fround),
      [0.2, 0.9].map(Math.fround),
      [0.05].map(Math.fround),
    ]);
    expect(top.labels.map((l) => Array.from(l))).toEqual([[0, 1], [1, 1, 0], [0, 0], [0]]);
    // Class 2's positive (row 2) is not in any top 2, yet counts.
    expect(Array.from(top.numPositives)).toEqual([1, 2, 1, 0]);
  });

  it('caps k at the number of classes and rejects k ≤ 0', () => {
    const top = topKByClass(PREDS, LABELS, N, C, 20);
    expect(top.scores.reduce((s, x) => s + x.length, 0)).toBe(N * C);
    expect(() => topKByClass(PREDS, LABELS, N, C, 0)).toThrow(/k must be a positive integer/);
  });
});

describe('NaN scores', () => {
  // A diverged model's NaN ranks below every number in top-k and in average precision: it never hides a larger
  // score. (numpy would rank it first; Hit@1's argmax keeps numpy's rule, tested above.)
  const P = f32([
    [NaN, 0.1, 0.9, 0.5],
    [0.2, NaN, NaN, 0.7],
  ]);
  const L = f32([
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ]);

  it('rank below every number in a row’s top k', () => {
    const top = topKByClass(P, L, 2, 4, 2);
    // Row 0: 0.9 (class 2), 0.5 (class 3). Row 1: 0.7 (class 3), 0.2 (class 0).
    expect(top.scores.map((s) => Array.from(s))).toEqual([
      [Math.fround(0.2)],
      [],
      [Math.fround(0.9)],
      [0.5, 0.7].map(Math.fround),
    ]);
    // k = 3 takes a NaN only where a row has fewer than 3 numbers (row 1), the lower class first (1, not 2).
    const three = topKByClass(P, L, 2, 4, 3);
    expect(three.scores.map((s) => s.length)).toEqual([1, 2, 1, 2]);
    expect(three.scores[1][0]).toBe(Math.fround(0.1));
    expect(Number.isNaN(three.scores[1][1])).toBe(true);
  });

  it('do not block the positive in PERR, GAP or MAP', () => {
    // Each row's one positive is its top number: PERR 1; with k = 2, GAP over 0.9 (+), 0.7 (+), 0.5 (−), 0.2 (−).
    expect(perr(P, L, 2, 4)).toBe(1);
    expect(gap(P, L, 2, 4, 2)).toBe(1);
    // Class 2: [0.9 (+)] → 1; class 3: [0.5 (−), 0.7 (+)] → 1; classes 0 and 1 have no positive → 0.
    expect(meanAveragePrecision(P, L, 2, 4, 2)).toBe(0.5);
  });

  it('rank last in average precision', () => {
    // 0.8 (+), 0.2 (−), NaN (+), NaN (−): (1/1 + 2/3) / 2.
    expect(averagePrecision([NaN, 0.2, NaN, 0.8], [1, 0, 0, 1])).toBeCloseTo(5 / 6, 15);
    expect(averagePrecision([0.8, NaN, 0.2], [1, 1, 0])).toBeCloseTo(5 / 6, 15);
  });
});

describe('gap and meanAveragePrecision', () => {
  it('match the hand-computed values', () => {
    // k = 2, the lists above pooled class by class:
    //   (0.5 −) (0.4 +) | (0.7 +) (0.5 +) (0.3 −) | (0.2 −) (0.9 −) | (0.05 −), 4 positives in all.
    // Sorted, the tie 0.5/0.5 in pooled order (class 0's − before class 1's +):
    //   0.9 −, 0.7 +, 0.5 −, 0.5 +, 0.4 +, 0.3 −, 0.2 −, 0.05 −
    //   GAP = (1/2 + 2/4 + 3/5) / 4 = 0.4.
    // (eval_util.py's seeded shuffle happens to put the + first and gives (1/2 + 2/3 + 3/5) / 4 = 0.44167; with
    // row 1 changed to 0.55/0.5 so that nothing ties, both give 0.4.)
    expect(gap(PREDS, LABELS, N, C, 2)).toBeCloseTo(0.4, 15);
    // k = 1: row tops 1 (0.7 +), 0 (0.5 −, tie to the lower index), 0 (0.4 +), 2 (0.9 −).
    //   Pooled: (0.5 −) (0.4 +) | (0.7 +) | (0.9 −); sorted 0.9 −, 0.7 +, 0.5 −, 0.4 +.
    //   GAP = (1/2 + 2/4) / 4 = 0.25 (eval_util.py: 0.25).
    expect(gap(PREDS, LABELS, N, C, 1)).toBeCloseTo(0.25, 15);
    // MAP, k = 2, per class:
    //   class 0: 0.5 −, 0.4 + with 1 positive → 1/2.
    //   class 1: 0.7 +, 0.5 +, 0.3 − with 2 positives → (1 + 1) / 2 = 1.
    //   class 2: 0.9 −, 0.2 − with 1 positive → 0.   class 3: no positive → 0.
    //   MAP = (0.5 + 1 + 0 + 0) / 4 = 0.375 (eval_util.py: 0.375).
    expect(meanAveragePrecision(PREDS, LABELS, N, C, 2)).toBeCloseTo(0.375, 15);
  });

  it('give 0 for an empty batch', () => {
    expect(gap(new Float32Array(0), new Float32Array(0), 0, 3)).toBe(0);
    expect(meanAveragePrecision(new Float32Array(0), new Float32Array(0), 0, 3, 2)).toBe(0);
  });

  const cases: [n: number, c: number][] = [
    [1, 1],
    [3, 2],
    [17, 5],
    [100, 10],
    [64, 30],
  ];
  for (const [n, c] of cases) {
    for (const k of [1, 2, 20]) {
      for (const ties of [false, true]) {
        for (const multiLabel of [false, true]) {
          it(`match the reference: n=${n} C=${c} k=${k} ties=${ties} multiLabel=${multiLabel}`, () => {
            const next = rng(n * 1000 + c * 10 + k + (ties ? 7 : 0) + (multiLabel ? 3 : 0));
            const p = randomScores(next, n, c, ties);
            const l = randomLabels(next, n, c, multiLabel);
            const pr = rowsOf(p, n, c);
            const lr = rowsOf(l, n, c);
            expect(gap(p, l, n, c, k)).toBeCloseTo(refGap(pr, lr, k), 12);
            expect(meanAveragePrecision(p, l, n, c, k)).toBeCloseTo(refMap(pr, lr, k), 12);
          });
        }
      }
    }
  }
});

describe('accuracy, confusionMatrix, perClassPrecisionRecall', () => {
  const preds = f32([
    [0.9, 0.1, 0.0], // predicted 0
    [0.2, 0.7, 0.1], // predicted 1
    [0.4, 0.4, 0.2], // tie → predicted 0
    [0.1, 0.2, 0.7], // predicted 2
    [0.6, 0.3, 0.1], // predicted 0
  ]);
  const ids = new Int32Array([0, 1, 1, 2, 2]);

  it('accuracy: 3 of 5 rows right', () => {
    expect(accuracy(preds, ids, 5, 3)).toBeCloseTo(0.6, 15);
  });

  it('confusionMatrix: row = true class, column = predicted', () => {
    // true 0 → 0; true 1 → 1, 0; true 2 → 2, 0.
    expect(Array.from(confusionMatrix(preds, ids, 5, 3))).toEqual([1, 0, 0, 1, 1, 0, 1, 0, 1]);
    expect(() => confusionMatrix(preds, new Int32Array([0, 1, 1, 2, 3]), 5, 3)).toThrow(/example 4/);
  });

  it('perClassPrecisionRecall: by hand, and 0 for an empty denominator', () => {
    const { precision, recall, support } = perClassPrecisionRecall(confusionMatrix(preds, ids, 5, 3), 3);
    // Predicted 0: 3 times, 1 right → 1/3. Predicted 1: once, right → 1. Predicted 2: once, right → 1.
    expect(Array.from(precision)).toEqual([1 / 3, 1, 1]);
    // Class 0: 1 of 1. Class 1: 1 of 2. Class 2: 1 of 2.
    expect(Array.from(recall)).toEqual([1, 0.5, 0.5]);
    expect(Array.from(support)).toEqual([1, 2, 2]);
    const never = perClassPrecisionRecall(new Int32Array([2, 0, 0, 0]), 2);
    expect(Array.from(never.precision)).toEqual([1, 0]);
    expect(Array.from(never.recall)).toEqual([1, 0]);
  });
});

describe('EvaluationMetrics', () => {
  it('reproduces the fixture over two batches', () => {
    const m = new EvaluationMetrics(C, 2);
    const first = m.accumulate(PREDS.subarray(0, 8), LABELS.subarray(0, 8), 2, 1.0);
    // Rows 0–1: Hit@1 (1 + 0) / 2, PERR (1 + 0) / 2.
    expect(first).toEqual({ 'Hit@1': 0.5, PERR: 0.5, Loss: 1.0 });
    m.accumulate(PREDS.subarray(8), LABELS.subarray(8), 2, 3.0);
    const r = m.get();
    expect(r['Hit@1']).toBe(0.5);
    expect(r.PERR).toBe(0.375);
    expect(r.GAP).toBeCloseTo(0.4, 15);
    expect(r.MAP).toBeCloseTo(0.375, 15);
    // (1.0 · 2 + 3.0 · 2) / 4.
    expect(r.Loss).toBe(2);
    // argmax(prediction) vs argmax(label): row 0 1 = 1, row 1 0 ≠ 1, row 2 0 = 0, row 3 2 ≠ 0 → 2 / 4.
    expect(r.Accuracy).toBe(0.5);
    expect(r.examples).toBe(4);
  });

  it('computes Accuracy on its own, not as Hit@1', () => {
    // Multi-label row: the top prediction (1) is a positive, so Hit@1 = 1, but the label's argmax is 0.
    const m = new EvaluationMetrics(2, 2);
    m.accumulate(f32([[0.1, 0.9]]), f32([[1, 1]]), 1, 0);
    expect(m.get()['Hit@1']).toBe(1);
    expect(m.get().Accuracy).toBe(0);
  });

  it('gives what the one-shot functions give over all the data, whatever the batching', () => {
    const next = rng(42);
    const n = 500;
    const c = 10;
    for (const k of [2, 20]) {
      const p = randomScores(next, n, c, true);
      const l = randomLabels(next, n, c, k === 20);
      const m = new EvaluationMetrics(c, k);
      let weightedLoss = 0;
      for (let start = 0; start < n;) {
        const size = Math.min(n - start, 1 + Math.floor(next() * 97));
        const loss = next();
        weightedLoss += loss * size;
        m.accumulate(
          p.subarray(start * c, (start + size) * c),
          l.subarray(start * c, (start + size) * c),
          size,
          loss,
        );
        start += size;
      }
      const r = m.get();
      expect(r.examples).toBe(n);
      expect(r['Hit@1']).toBeCloseTo(hitAtOne(p, l, n, c), 12);
      expect(r.PERR).toBeCloseTo(perr(p, l, n, c), 12);
      expect(r.GAP).toBe(gap(p, l, n, c, k));
      expect(r.MAP).toBe(meanAveragePrecision(p, l, n, c, k));
      expect(r.Loss).toBeCloseTo(weightedLoss / n, 12);
    }
  });

  it('clears, refuses get() with no examples, and validates its arguments', () => {
    const m = new EvaluationMetrics(C, 2);
    expect(() => m.get()).toThrow(/no examples/);
    m.accumulate(PREDS, LABELS, N, 1);
    m.clear();
    expect(() => m.get()).toThrow(/no examples/);
    m.accumulate(PREDS, LABELS, N, 1);
    expect(m.get().GAP).toBeCloseTo(0.4, 15);
    expect(() => new EvaluationMetrics(0, 2)).toThrow(RangeError);
    expect(() => new EvaluationMetrics(10, 0)).toThrow(RangeError);
  });

  it('handles the evaluation size (10,000 × 10, top_k 2)', () => {
    const next = rng(1);
    const n = 10_000;
    const c = 10;
    const p = randomScores(next, n, c, false);
    const l = randomLabels(next, n, c, false);
    const m = new EvaluationMetrics(c, 2);
    m.accumulate(p, l, n, 0.5);
    const r = m.get();
    // Random scores: Hit@1 near 1/10; each metric within [0, 1].
    expect(r['Hit@1']).toBeGreaterThan(0.07);
    expect(r['Hit@1']).toBeLessThan(0.13);
    for (const key of ['PERR', 'GAP', 'MAP', 'Accuracy'] as const) {
      expect(r[key]).toBeGreaterThanOrEqual(0);
      expect(r[key]).toBeLessThanOrEqual(1);
    }
  });
});
