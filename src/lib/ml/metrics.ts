/**
 * Evaluation metrics of the TensorFlow starter code (YouTube-8M's eval_util.py, average_precision_calculator.py and
 * mean_average_precision_calculator.py), on predictions already read back from the GPU.
 *
 * Pure TypeScript, no tfjs: every function takes `n` rows of `C` classes, row-major (`x[i * C + j]`). Labels are
 * dense, one value per (row, class), 0/1 for the usual one-hot or multi-label case; `oneHot` builds them from
 * class ids. Sums run in float64; the Python runs some of them in float32, which moves results by ~1e-7 at most.
 *
 * Where the Python leaves an order to chance, we fix it:
 * - Top-k selection (PERR, GAP, MAP) ranks by score, highest first, and among equal scores takes the lower class
 *   index first. numpy's `argpartition` picks among ties in an unspecified order.
 * - Average precision breaks ties in score by the order in which the pairs were collected: class by class (the
 *   order of the Python's `flatten`), then example by example. The Python shuffles with `random.seed(0)` before its
 *   stable sort, which is an arbitrary but fixed order too; results differ from it only when scores tie.
 * - `argmax` (Hit@1, Accuracy) takes the first maximum, like numpy, and a NaN counts as the maximum, as in numpy.
 *   Top-k selection and average precision rank NaN below every number (numpy's partition would put it first), so a
 *   NaN never hides a larger score.
 * - An empty batch (n = 0) gives 0 where the Python would return NaN.
 */

function checkShape(
  fn: string,
  values: ArrayLike<number>,
  what: string,
  n: number,
  numClasses: number,
): void {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`${fn}: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new RangeError(`${fn}: the number of classes must be a positive integer, got ${numClasses}`);
  }
  if (values.length !== n * numClasses) {
    throw new RangeError(`${fn}: ${what} holds ${values.length} values, expected ${n} × ${numClasses}`);
  }
}

function checkK(fn: string, k: number): void {
  // top_k_by_class: "k must be a positive integer."
  if (!Number.isInteger(k) || k <= 0) throw new RangeError(`${fn}: k must be a positive integer, got ${k}`);
}

/** Index of the first maximum of `x[offset, offset + length)`; a NaN wins, as in numpy.argmax. */
function argmaxRow(x: Float32Array, offset: number, length: number): number {
  let best = 0;
  let bestValue = x[offset];
  if (bestValue !== bestValue) return 0;
  for (let j = 1; j < length; j++) {
    const v = x[offset + j];
    if (v !== v) return j;
    if (v > bestValue) {
      best = j;
      bestValue = v;
    }
  }
  return best;
}

/** Top-k order: `a` ranks above `b` when it is larger, and any number ranks above NaN. */
function ranksAbove(a: number, b: number): boolean {
  return a > b || (b !== b && a === a);
}

/**
 * Writes into `out[0, k)` the indices of the `k` largest of `x[offset, offset + length)`, highest score first,
 * lower index first among equal scores, NaN below every number; returns how many were written (min(k, length)).
 * Insertion into a sorted buffer: O(length · k) at worst, O(length) when k is small, and no allocation.
 */
function topKRow(x: Float32Array, offset: number, length: number, k: number, out: Int32Array): number {
  let count = 0;
  for (let j = 0; j < length; j++) {
    const v = x[offset + j];
    let pos: number;
    if (count < k) {
      pos = count++;
    } else if (ranksAbove(v, x[offset + out[k - 1]])) {
      pos = k - 1;
    } else {
      continue;
    }
    // Strictly above: an equal score already in the buffer has a lower index and stays ahead.
    while (pos > 0 && ranksAbove(v, x[offset + out[pos - 1]])) {
      out[pos] = out[pos - 1];
      pos--;
    }
    out[pos] = j;
  }
  return count;
}

/** Dense one-hot labels (n × numClasses) from class ids. */
export function oneHot(labels: Int32Array, numClasses: number): Float32Array {
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new RangeError(`oneHot: the number of classes must be a positive integer, got ${numClasses}`);
  }
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (c < 0 || c >= numClasses) {
      throw new RangeError(`oneHot: label ${c} of example ${i} is outside [0, ${numClasses})`);
    }
    out[i * numClasses + c] = 1;
  }
  return out;
}

/** calculate_hit_at_one: the mean over rows of the label at the top prediction. */
export function hitAtOne(preds: Float32Array, labels: Float32Array, n: number, numClasses: number): number {
  checkShape('hitAtOne', preds, 'predictions', n, numClasses);
  checkShape('hitAtOne', labels, 'labels', n, numClasses);
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const offset = i * numClasses;
    sum += labels[offset + argmaxRow(preds, offset, numClasses)];
  }
  return sum / n;
}

/**
 * calculate_precision_at_equal_recall_rate (PERR): for each row with k = int(Σ labels) positives, the labels of its
 * k top predictions, counted only where the prediction is > 0, divided by k; then the mean over rows.
 *
 * A row without positives gives 0, exactly as in the Python: there k = 0, `argpartition(p, -0)[-0:]` is the whole
 * row, and the sum of its (zero) labels divided by C is 0. We reproduce that literally (all C indices, divided by C).
 * k above C (labels summing past the number of classes, which numpy rejects) is clamped to C.
 */
export function perr(preds: Float32Array, labels: Float32Array, n: number, numClasses: number): number {
  checkShape('perr', preds, 'predictions', n, numClasses);
  checkShape('perr', labels, 'labels', n, numClasses);
  if (n === 0) return 0;
  const top = new Int32Array(numClasses);
  let aggregated = 0;
  for (let i = 0; i < n; i++) {
    const offset = i * numClasses;
    let rowSum = 0;
    for (let j = 0; j < numClasses; j++) rowSum += labels[offset + j];
    const k = Math.trunc(rowSum); // Python int() truncates toward zero.
    let item = 0;
    let size: number;
    if (k <= 0 || k >= numClasses) {
      size = numClasses;
      for (let j = 0; j < numClasses; j++) if (preds[offset + j] > 0) item += labels[offset + j];
    } else {
      size = topKRow(preds, offset, numClasses, k, top);
      for (let t = 0; t < size; t++) {
        const j = top[t];
        if (preds[offset + j] > 0) item += labels[offset + j];
      }
    }
    aggregated += item / size;
  }
  return aggregated / n;
}

/**
 * AveragePrecisionCalculator.ap_at_n: the non-interpolated average precision of the list ranked by score.
 *
 * `totalPositives` is the recall denominator (default: the number of actuals > 0); 0 positives give 0. With `n`, only
 * the top n items count and the denominator is min(totalPositives, n). Ties in score keep the input order (the
 * Python breaks them by a seeded shuffle instead; see the note at the top of this file).
 */
export function averagePrecision(
  scores: ArrayLike<number>,
  actuals: ArrayLike<number>,
  totalPositives?: number,
  n?: number,
): number {
  if (scores.length !== actuals.length) {
    throw new RangeError(
      `averagePrecision: ${scores.length} scores but ${actuals.length} actuals; the shapes must match`,
    );
  }
  if (n !== undefined && (!Number.isInteger(n) || n <= 0)) {
    throw new RangeError(`averagePrecision: n must be undefined or a positive integer, got ${n}`);
  }
  const m = scores.length;
  let numpos: number;
  if (totalPositives === undefined) {
    numpos = 0;
    for (let i = 0; i < m; i++) if (actuals[i] > 0) numpos++;
  } else {
    if (!(totalPositives >= 0)) {
      throw new RangeError(`averagePrecision: totalPositives must be non-negative, got ${totalPositives}`);
    }
    numpos = totalPositives;
  }
  if (numpos === 0) return 0;
  if (n !== undefined) numpos = Math.min(numpos, n);

  const order = new Uint32Array(m);
  for (let i = 0; i < m; i++) order[i] = i;
  order.sort((a, b) => {
    const sa = scores[a];
    const sb = scores[b];
    return ranksAbove(sa, sb) ? -1 : ranksAbove(sb, sa) ? 1 : a - b;
  });

  const deltaRecall = 1 / numpos;
  let poscount = 0;
  let ap = 0;
  const r = n === undefined ? m : Math.min(m, n);
  for (let i = 0; i < r; i++) {
    if (actuals[order[i]] > 0) {
      poscount += 1;
      ap += (poscount / (i + 1)) * deltaRecall;
    }
  }
  return ap;
}

/** top_k_by_class's result, in typed arrays. */
export interface TopKByClass {
  /** Per class: the scores of the (example, class) pairs that made their example's top k, in example order. */
  readonly scores: Float32Array[];
  /** Per class: the labels of those same pairs. */
  readonly labels: Float32Array[];
  /** Per class: Σ labels over all examples, not only those in a top k (the recall denominator). */
  readonly numPositives: Float64Array;
}

/**
 * top_k_by_class: each row's top min(k, C) predictions, sorted by class. Each row adds at most one pair to a class,
 * so a class's list is in row order whatever the order inside a row's top k.
 */
export function topKByClass(
  preds: Float32Array,
  labels: Float32Array,
  n: number,
  numClasses: number,
  k: number,
): TopKByClass {
  checkShape('topKByClass', preds, 'predictions', n, numClasses);
  checkShape('topKByClass', labels, 'labels', n, numClasses);
  checkK('topKByClass', k);
  const kk = Math.min(k, numClasses);
  const picked = new Int32Array(n * kk);
  const counts = new Int32Array(numClasses);
  const buffer = new Int32Array(kk);
  for (let i = 0; i < n; i++) {
    topKRow(preds, i * numClasses, numClasses, kk, buffer);
    picked.set(buffer, i * kk);
    for (let t = 0; t < kk; t++) counts[buffer[t]]++;
  }
  const scores: Float32Array[] = [];
  const outLabels: Float32Array[] = [];
  for (let c = 0; c < numClasses; c++) {
    scores.push(new Float32Array(counts[c]));
    outLabels.push(new Float32Array(counts[c]));
  }
  const fill = new Int32Array(numClasses);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < kk; t++) {
      const c = picked[i * kk + t];
      const at = fill[c]++;
      scores[c][at] = preds[i * numClasses + c];
      outLabels[c][at] = labels[i * numClasses + c];
    }
  }
  const numPositives = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < numClasses; c++) numPositives[c] += labels[i * numClasses + c];
  }
  return { scores, labels: outLabels, numPositives };
}

/** The GAP of collected top-k lists: all classes pooled (class by class, as `flatten` does), Σ numPositives. */
export function globalAveragePrecisionOf(top: TopKByClass): number {
  let total = 0;
  for (const s of top.scores) total += s.length;
  const scores = new Float32Array(total);
  const labels = new Float32Array(total);
  let at = 0;
  for (let c = 0; c < top.scores.length; c++) {
    scores.set(top.scores[c], at);
    labels.set(top.labels[c], at);
    at += top.scores[c].length;
  }
  let positives = 0;
  for (let c = 0; c < top.numPositives.length; c++) positives += top.numPositives[c];
  // AveragePrecisionCalculator.peek_ap_at_n: an empty heap gives 0.
  if (total === 0) return 0;
  return averagePrecision(scores, labels, positives);
}

/** The per-class AP of collected top-k lists (MeanAveragePrecisionCalculator.peek_map_at_n). */
export function averagePrecisionPerClassOf(top: TopKByClass): Float64Array {
  const aps = new Float64Array(top.scores.length);
  for (let c = 0; c < aps.length; c++) {
    // peek_ap_at_n: 0 for an empty list; ap_at_n: 0 for a class without positives.
    aps[c] =
      top.scores[c].length === 0 ? 0 : averagePrecision(top.scores[c], top.labels[c], top.numPositives[c]);
  }
  return aps;
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length === 0 ? 0 : sum / values.length;
}

/** calculate_gap: the global average precision over each row's top k predictions, all classes pooled. */
export function gap(
  preds: Float32Array,
  labels: Float32Array,
  n: number,
  numClasses: number,
  k = 20,
): number {
  return globalAveragePrecisionOf(topKByClass(preds, labels, n, numClasses, k));
}

/**
 * The mean over classes of each class's AP over its top-k pairs (numpy.mean of peek_map_at_n). A class without
 * positives counts as 0 in the mean, as in the starter code's MeanAveragePrecisionCalculator (later versions of it
 * can leave such classes out; this one does not).
 */
export function meanAveragePrecision(
  preds: Float32Array,
  labels: Float32Array,
  n: number,
  numClasses: number,
  k: number,
): number {
  return mean(averagePrecisionPerClassOf(topKByClass(preds, labels, n, numClasses, k)));
}

/** The fraction of rows whose top prediction (first maximum) is their class id. */
export function accuracy(preds: Float32Array, classIds: Int32Array, n: number, numClasses: number): number {
  checkShape('accuracy', preds, 'predictions', n, numClasses);
  if (classIds.length !== n) throw new RangeError(`accuracy: ${classIds.length} class ids for ${n} rows`);
  if (n === 0) return 0;
  let correct = 0;
  for (let i = 0; i < n; i++) if (argmaxRow(preds, i * numClasses, numClasses) === classIds[i]) correct++;
  return correct / n;
}

/** C × C counts, row = true class, column = predicted class (first maximum). */
export function confusionMatrix(
  preds: Float32Array,
  classIds: Int32Array,
  n: number,
  numClasses: number,
): Int32Array {
  checkShape('confusionMatrix', preds, 'predictions', n, numClasses);
  if (classIds.length !== n)
    throw new RangeError(`confusionMatrix: ${classIds.length} class ids for ${n} rows`);
  const out = new Int32Array(numClasses * numClasses);
  for (let i = 0; i < n; i++) {
    const truth = classIds[i];
    if (truth < 0 || truth >= numClasses) {
      throw new RangeError(
        `confusionMatrix: class id ${truth} of example ${i} is outside [0, ${numClasses})`,
      );
    }
    out[truth * numClasses + argmaxRow(preds, i * numClasses, numClasses)]++;
  }
  return out;
}

export interface PrecisionRecall {
  /** Per class: true positives / predicted as that class (0 when never predicted). */
  readonly precision: Float64Array;
  /** Per class: true positives / examples of that class (0 when the class has no examples). */
  readonly recall: Float64Array;
  /** Per class: the number of examples of that class (the row sums). */
  readonly support: Int32Array;
}

/** Per-class precision and recall from a `confusionMatrix`; an empty denominator gives 0, as scikit-learn does. */
export function perClassPrecisionRecall(confusion: Int32Array, numClasses: number): PrecisionRecall {
  if (confusion.length !== numClasses * numClasses) {
    throw new RangeError(
      `perClassPrecisionRecall: the matrix holds ${confusion.length} counts, expected ${numClasses} × ${numClasses}`,
    );
  }
  const precision = new Float64Array(numClasses);
  const recall = new Float64Array(numClasses);
  const support = new Int32Array(numClasses);
  const predicted = new Int32Array(numClasses);
  for (let r = 0; r < numClasses; r++) {
    for (let c = 0; c < numClasses; c++) {
      const v = confusion[r * numClasses + c];
      support[r] += v;
      predicted[c] += v;
    }
  }
  for (let c = 0; c < numClasses; c++) {
    const tp = confusion[c * numClasses + c];
    precision[c] = predicted[c] === 0 ? 0 : tp / predicted[c];
    recall[c] = support[c] === 0 ? 0 : tp / support[c];
  }
  return { precision, recall, support };
}

/** A Float32Array that grows by doubling; `view()` is the filled part, without a copy. */
class GrowableFloat32 {
  private data = new Float32Array(64);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  view(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}

export interface BatchMetrics {
  'Hit@1': number;
  PERR: number;
  Loss: number;
}

export interface EvaluationResult {
  'Hit@1': number;
  PERR: number;
  GAP: number;
  MAP: number;
  Loss: number;
  /** argmax(prediction) = argmax(label): equal to Hit@1 for one-hot labels, computed on its own. */
  Accuracy: number;
  examples: number;
}

/**
 * eval_util.EvaluationMetrics: Hit@1, PERR and loss as example-weighted means of the batch values; GAP and MAP over
 * every example's top k pairs, kept per class (memory O(examples · k)). GAP and MAP come out the same as `gap` and
 * `meanAveragePrecision` over all the batches at once, whatever the batching.
 */
export class EvaluationMetrics {
  readonly numClasses: number;
  readonly topK: number;
  private sumHitAtOne = 0;
  private sumPerr = 0;
  private sumLoss = 0;
  private correct = 0;
  private numExamples = 0;
  private scores: GrowableFloat32[] = [];
  private labels: GrowableFloat32[] = [];
  private numPositives: Float64Array;

  constructor(numClasses: number, topK: number) {
    if (!Number.isInteger(numClasses) || numClasses <= 0) {
      throw new RangeError(`EvaluationMetrics: numClasses must be a positive integer, got ${numClasses}`);
    }
    checkK('EvaluationMetrics', topK);
    this.numClasses = numClasses;
    this.topK = topK;
    this.numPositives = new Float64Array(numClasses);
    this.clear();
  }

  /** Adds a batch of n rows; `loss` is the batch's mean loss. Returns the batch's own Hit@1, PERR and loss. */
  accumulate(preds: Float32Array, labels: Float32Array, n: number, loss: number): BatchMetrics {
    const C = this.numClasses;
    const batchHit = hitAtOne(preds, labels, n, C);
    const batchPerr = perr(preds, labels, n, C);
    const top = topKByClass(preds, labels, n, C, this.topK);
    for (let c = 0; c < C; c++) {
      const s = top.scores[c];
      const l = top.labels[c];
      const scores = this.scores[c];
      const lab = this.labels[c];
      for (let t = 0; t < s.length; t++) {
        scores.push(s[t]);
        lab.push(l[t]);
      }
      this.numPositives[c] += top.numPositives[c];
    }
    for (let i = 0; i < n; i++) {
      const offset = i * C;
      if (argmaxRow(preds, offset, C) === argmaxRow(labels, offset, C)) this.correct++;
    }
    this.numExamples += n;
    this.sumHitAtOne += batchHit * n;
    this.sumPerr += batchPerr * n;
    this.sumLoss += loss * n;
    return { 'Hit@1': batchHit, PERR: batchPerr, Loss: loss };
  }

  get(): EvaluationResult {
    if (this.numExamples <= 0) throw new RangeError('EvaluationMetrics.get: no examples were accumulated');
    const top: TopKByClass = {
      scores: this.scores.map((g) => g.view()),
      labels: this.labels.map((g) => g.view()),
      numPositives: this.numPositives,
    };
    const n = this.numExamples;
    return {
      'Hit@1': this.sumHitAtOne / n,
      PERR: this.sumPerr / n,
      GAP: globalAveragePrecisionOf(top),
      MAP: mean(averagePrecisionPerClassOf(top)),
      Loss: this.sumLoss / n,
      Accuracy: this.correct / n,
      examples: n,
    };
  }

  clear(): void {
    this.sumHitAtOne = 0;
    this.sumPerr = 0;
    this.sumLoss = 0;
    this.correct = 0;
    this.numExamples = 0;
    this.scores = Array.from({ length: this.numClasses }, () => new GrowableFloat32());
    this.labels = Array.from({ length: this.numClasses }, () => new GrowableFloat32());
    this.numPositives = new Float64Array(this.numClasses);
  }
}
