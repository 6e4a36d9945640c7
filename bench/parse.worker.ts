/**
 * The parse bench, in a worker as the app reads data: the bundled sample's train.tfrecords (the seed schema,
 * image_raw int64 × 784 + label) repeated in memory to at least 50 MB, then read by three readers:
 *  - ours on one worker: `readSplit` on a File of it (streamed by the browser, both CRCs checked, pixels into one
 *    Uint8Array);
 *  - the baseline on one worker: the File read whole (`arrayBuffer()`, the usual way), the same framing and CRC checks
 *    (our crc32c), each record decoded by protobufjs from a tf.train.Example JSON descriptor, pixels and labels copied
 *    into preallocated typed arrays (no growing: an edge for the baseline);
 *  - ours as the app reads a split (`readSplitParallel`): the file cut at record starts, this worker reading the first
 *    share and one parse worker per other core the rest.
 * The headline ratio is like for like, one worker against one worker; the parallel figure stands beside it.
 * A warm-up round, then ROUNDS rounds, the readers' order rotated each round (so none always runs first, on a cold
 * cache, or last, after the others' garbage); the median is reported, and the best. Every result is compared byte
 * for byte (count, labels, pixels) with ours on one worker's, after its clock stops: the bench fails if they differ.
 */
import '../src/lib/i18n-catalog'; // errors worded from the catalogs, as in the app's worker
import protobuf from 'protobufjs/light';
import { readSplit } from '../src/lib/tfrecord';
import { readSplitParallel } from '../src/lib/tfrecord/parallel';
import { ParsePool } from '../src/lib/worker/parse-pool';
import { maskedCrc32c } from '../src/lib/tfrecord/crc32c';

const TARGET_BYTES = 50 * 1024 * 1024;
const ROUNDS = 7;

const post = (message: { line?: string; done?: boolean; error?: string }) => self.postMessage(message);
const line = (text: string) => post({ line: text });

/** tf.train.Example (tensorflow/core/example/{example,feature}.proto) as a protobufjs JSON descriptor. */
const descriptor = {
  nested: {
    tensorflow: {
      nested: {
        Example: { fields: { features: { type: 'Features', id: 1 } } },
        Features: { fields: { feature: { keyType: 'string', type: 'Feature', id: 1 } } },
        Feature: {
          oneofs: { kind: { oneof: ['bytesList', 'floatList', 'int64List'] } },
          fields: {
            bytesList: { type: 'BytesList', id: 1 },
            floatList: { type: 'FloatList', id: 2 },
            int64List: { type: 'Int64List', id: 3 },
          },
        },
        BytesList: { fields: { value: { rule: 'repeated', type: 'bytes', id: 1 } } },
        FloatList: {
          fields: { value: { rule: 'repeated', type: 'float', id: 1, options: { packed: true } } },
        },
        Int64List: {
          fields: { value: { rule: 'repeated', type: 'int64', id: 1, options: { packed: true } } },
        },
      },
    },
  },
};
const Example = protobuf.Root.fromJSON(descriptor as protobuf.INamespace).lookupType('tensorflow.Example');

type Int64 = number | { toNumber(): number };
interface DecodedExample {
  features: { feature: Record<string, { int64List?: { value: Int64[] } }> };
}
const toNumber = (v: Int64) => (typeof v === 'number' ? v : v.toNumber());

/** What a reader gives: checked against the other readers after the clock stops. */
interface Parsed {
  count: number;
  labels: Int32Array;
  images: Uint8Array;
}

async function baseline(file: File, records: number, pixels: number): Promise<Parsed> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const images = new Uint8Array(records * pixels);
  const labels = new Int32Array(records);
  let count = 0;
  let at = 0;
  while (at < bytes.length) {
    const length = view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
    if (maskedCrc32c(bytes, at, at + 8) !== view.getUint32(at + 8, true))
      throw new Error(`length CRC at ${at}`);
    const start = at + 12;
    const end = start + length;
    if (maskedCrc32c(bytes, start, end) !== view.getUint32(end, true)) throw new Error(`data CRC at ${at}`);
    const example = Example.decode(bytes.subarray(start, end)) as unknown as DecodedExample;
    const image = example.features.feature.image_raw.int64List!.value;
    if (image.length !== pixels) throw new Error(`record ${count} has ${image.length} pixels`);
    const base = count * pixels;
    for (let i = 0; i < pixels; i++) images[base + i] = toNumber(image[i]);
    labels[count] = toNumber(example.features.feature.label.int64List!.value[0]);
    count++;
    at = end + 4;
  }
  return { count, labels, images: images.subarray(0, count * pixels) };
}

const pool = new ParsePool();

async function ours(file: File, parallel: boolean): Promise<Parsed> {
  const split = parallel ? await readSplitParallel([file], {}, pool) : await readSplit([file]);
  return { count: split.count, labels: split.labels!, images: split.images };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const bytesOf = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** The first index where two byte arrays differ (the shorter one's length if one is a prefix), or -1. */
function firstDifference(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i;
  return x.length === y.length ? -1 : n;
}

/** Where two results first differ, in words, or null when they are the same, byte for byte. */
function difference(a: Parsed, b: Parsed): string | null {
  if (a.count !== b.count) return `${a.count} against ${b.count} records`;
  const label = firstDifference(bytesOf(a.labels), bytesOf(b.labels));
  if (label >= 0)
    return `the label of record ${label >> 2}: ${a.labels[label >> 2]} against ${b.labels[label >> 2]}`;
  const pixel = firstDifference(a.images, b.images);
  if (pixel >= 0) return `pixel byte ${pixel}: ${a.images[pixel]} against ${b.images[pixel]}`;
  return null;
}

interface Reader {
  name: string;
  /** For the round lines. */
  short: string;
  read(file: File): Promise<Parsed>;
}

async function main(): Promise<void> {
  const res = await fetch('/sample/train.tfrecords');
  if (!res.ok) throw new Error(`/sample/train.tfrecords: HTTP ${res.status} (run \`npm run sample\` first)`);
  const one = new Uint8Array(await res.arrayBuffer());
  const copies = Math.ceil(TARGET_BYTES / one.length);
  const bytes = new Uint8Array(one.length * copies);
  for (let i = 0; i < copies; i++) bytes.set(one, i * one.length);
  const file = new File([bytes], 'train-x.tfrecords');
  const mb = bytes.length / 1e6;

  const first = await readSplit([new File([one], 'train.tfrecords')]);
  const records = first.count * copies;
  const pixels = first.schema.height * first.schema.width * first.schema.depth;
  line(
    `input: public/sample/train.tfrecords × ${copies} = ${mb.toFixed(1)} MB, ${records} records (seed schema)`,
  );
  line(
    `parse workers: ${pool.concurrency} besides this one (navigator.hardwareConcurrency ${navigator.hardwareConcurrency})`,
  );

  const readers: Reader[] = [
    { name: 'ours, one worker', short: 'ours', read: (f) => ours(f, false) },
    { name: 'protobufjs, one worker', short: 'protobufjs', read: (f) => baseline(f, records, pixels) },
    {
      name: `ours, parallel (this worker + ${pool.concurrency})`,
      short: 'parallel',
      read: (f) => ours(f, true),
    },
  ];
  const speeds = readers.map((): number[] => []);
  for (let round = 0; round <= ROUNDS; round++) {
    const order = readers.map((_, k) => (k + round) % readers.length);
    const results: Parsed[] = [];
    const times: number[] = [];
    for (const k of order) {
      const t0 = performance.now();
      results[k] = await readers[k].read(file);
      times[k] = (performance.now() - t0) / 1000;
    }
    if (results[0].count !== records)
      throw new Error(`${readers[0].name} read ${results[0].count} records, not ${records}`);
    for (let k = 1; k < readers.length; k++) {
      const diff = difference(results[0], results[k]);
      if (diff)
        throw new Error(`the readers disagree: ${readers[0].name} against ${readers[k].name}, ${diff}`);
    }
    if (round === 0) continue; // warm-up
    for (const [k, t] of times.entries()) speeds[k].push(mb / t);
    line(
      `round ${round} (${order.map((k) => readers[k].short).join(' → ')}): ` +
        readers.map((r, k) => `${r.name} ${(mb / times[k]).toFixed(1)} MB/s`).join(', '),
    );
  }
  line(`every round: the three results equal byte for byte (${records} records, labels and pixels)`);
  const summary = (what: string, pick: (xs: number[]) => number) => {
    const [o, b, p] = speeds.map(pick);
    line(
      `parse, one worker each (${what}): ours ${o.toFixed(1)} MB/s | protobufjs ${b.toFixed(1)} MB/s | ratio ${(o / b).toFixed(2)}×`,
    );
    line(
      `  beside it, ours as the app reads (this worker + ${pool.concurrency} parse workers): ${p.toFixed(1)} MB/s, ` +
        `${(p / b).toFixed(2)}× protobufjs on one worker, ${(p / o).toFixed(2)}× ours on one`,
    );
    return o;
  };
  const o = summary(`median of ${ROUNDS}`, median);
  summary(`best of ${ROUNDS}, the least disturbed by other load`, (xs) => Math.max(...xs));
  line(`ours on one worker: ${((o * 1e6) / (one.length / first.count)).toFixed(0)} records/s`);
}

main().then(
  () => post({ done: true }),
  (e: unknown) => post({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
);
