/**
 * Looking at individual examples after evaluation or prediction: which records a confusion-matrix cell holds, the
 * mistakes, most confident first, and their images. Plain arrays only (no tfjs): the probabilities were read back.
 */
import type { ExampleBatch, ExampleItem, ExampleQuery } from '../shared/worker-types';

export interface Scored {
  /** count × numClasses probabilities. */
  probabilities: Float32Array;
  numClasses: number;
  /** True class per record (-1: none), or null for unlabelled data. */
  labels: Int32Array | null;
  images: Uint8Array;
  shape: [number, number, number];
}

function argmax(p: Float32Array, row: number, C: number): number {
  let best = 0;
  for (let c = 1; c < C; c++) if (p[row * C + c] > p[row * C + best]) best = c;
  return best;
}

export function queryExamples(scored: Scored, q: ExampleQuery): ExampleBatch {
  const { probabilities: p, numClasses: C, labels, images, shape } = scored;
  const n = p.length / C;
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) predicted[i] = argmax(p, i, C);
  const label = (i: number) => (labels ? labels[i] : -1);

  let chosen: number[] = [];
  const f = q.filter;
  if (f.kind === 'all') {
    chosen = Array.from({ length: n }, (_, i) => i);
  } else {
    for (let i = 0; i < n; i++) {
      const t = label(i);
      if (t < 0) continue;
      if (f.kind === 'cell' ? t === f.truth && predicted[i] === f.predicted : t !== predicted[i])
        chosen.push(i);
    }
    // Most confident first: for mistakes, the ones the model was surest about are the most telling.
    chosen.sort((a, b) => p[b * C + predicted[b]] - p[a * C + predicted[a]] || a - b);
  }

  const page = chosen.slice(q.offset, q.offset + q.limit);
  const size = shape[0] * shape[1] * shape[2];
  const pixels = new Uint8Array(page.length * size);
  const items: ExampleItem[] = page.map((i, k) => {
    pixels.set(images.subarray(i * size, (i + 1) * size), k * size);
    return {
      index: i,
      label: label(i),
      predicted: predicted[i],
      confidence: p[i * C + predicted[i]],
      probabilities: Array.from(p.subarray(i * C, (i + 1) * C)),
    };
  });
  return { total: chosen.length, shape, items, pixels };
}
