/**
 * The parse bench, in a worker as the app reads data: the bundled sample's train.tfrecords (the seed schema,
 * image_raw int64 × 784 + label) repeated in memory to at least 50 MB, then read
 *  - by ours: `readSplit` on a File of it (streamed by the browser, both CRCs checked, pixels into one Uint8Array);
 *  - by the baseline: the File read whole (`arrayBuffer()`, the usual way), the same framing and CRC checks (our
 *    crc32c), each record decoded by protobufjs from a tf.train.Example JSON descriptor, pixels and labels copied
 *    into preallocated typed arrays (no growing: an edge for the baseline).
 * Both decode every record; each is checked (after its clock stops) to give the same count, labels and pixel sum.
 * A warm-up round each, then ROUNDS alternating rounds; the median is reported.
 *
 * Ours is measured twice: as the app reads a split (`readSplitParallel`: the file cut at record starts, this worker
 * reading the first share and one parse worker per other core the rest) and on this one worker alone (`readSplit`).
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

function pixelSum(p: Parsed): number {
  let sum = 0;
  for (let i = 0; i < p.images.length; i++) sum += p.images[i];
  return sum;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

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

  const time = async (run: () => Parsed | Promise<Parsed>): Promise<[number, Parsed]> => {
    const t0 = performance.now();
    const parsed = await run();
    return [(performance.now() - t0) / 1000, parsed];
  };
  line(
    `parse workers: ${pool.concurrency} besides this one (navigator.hardwareConcurrency ${navigator.hardwareConcurrency})`,
  );
  const oursMBs: number[] = [];
  const oneMBs: number[] = [];
  const baseMBs: number[] = [];
  const same = (a: Parsed, b: Parsed) =>
    a.count === records &&
    a.images.length === b.images.length &&
    pixelSum(a) === pixelSum(b) &&
    a.labels.every((l, i) => l === b.labels[i]);
  for (let round = 0; round <= ROUNDS; round++) {
    const [tOurs, a] = await time(() => ours(file, true));
    const [tOne, c] = await time(() => ours(file, false));
    const [tBase, b] = await time(() => baseline(file, records, pixels));
    if (b.count !== records || !same(a, b) || !same(c, b)) {
      throw new Error(
        `the readers disagree: ${a.count} / ${c.count} / ${b.count} records, pixel sums ${pixelSum(a)} / ${pixelSum(c)} / ${pixelSum(b)}`,
      );
    }
    if (round === 0) continue; // warm-up
    oursMBs.push(mb / tOurs);
    oneMBs.push(mb / tOne);
    baseMBs.push(mb / tBase);
    line(
      `round ${round}: ours ${(mb / tOurs).toFixed(1)} MB/s, ours on one worker ${(mb / tOne).toFixed(1)} MB/s, protobufjs ${(mb / tBase).toFixed(1)} MB/s`,
    );
  }
  const summary = (what: string, pick: (xs: number[]) => number) => {
    const [o, s, b] = [pick(oursMBs), pick(oneMBs), pick(baseMBs)];
    line(
      `parse (${what}): ours ${o.toFixed(1)} MB/s | baseline protobufjs ${b.toFixed(1)} MB/s | ratio ${(o / b).toFixed(2)}× ` +
        `(ours on one worker ${s.toFixed(1)} MB/s, ${(s / b).toFixed(2)}×)`,
    );
    return o;
  };
  const o = summary(`median of ${ROUNDS}`, median);
  summary(`best of ${ROUNDS}, the least disturbed by other load`, (xs) => Math.max(...xs));
  line(`ours: ${((o * 1e6) / (one.length / first.count)).toFixed(0)} records/s`);
}

main().then(
  () => post({ done: true }),
  (e: unknown) => post({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
);
