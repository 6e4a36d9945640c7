/**
 * Seeded fuzzing: readSplit on mutated files must either succeed or throw a TFRecordError — never another
 * exception, never hang. Two kinds of mutation: of the file's bytes (mostly caught by the CRCs), and of the records'
 * payloads re-framed with valid CRCs (which reach the protobuf decoder and the schema checks).
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TFRecordError, readSplit } from '../../../src/lib/tfrecord';
import { encodeExample, writeTFRecords } from '../../../src/lib/tfrecord/writer';
import { decodePngAsync, encodePng } from '../../fixtures/tfrecord/png';
import { mulberry32 } from '../../../src/lib/ml/random';

/** Seeded, so the random cases are the same on every run. */
const rng = mulberry32;

const records = [0, 1, 2, 1, 0].map((label, i) =>
  encodeExample({
    image_raw: { kind: 'int64', values: Array.from({ length: 16 }, (_, p) => (i * 50 + p * 17) % 256) },
    label: { kind: 'int64', values: [label] },
    id: { kind: 'bytes', values: [`r${i}`] },
    score: { kind: 'float', values: [0.25 * i] },
  }),
);
const file = writeTFRecords(records);

function mutate(bytes: Uint8Array, random: () => number): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  let out = bytes.slice();
  const edits = 1 + int(3);
  for (let k = 0; k < edits; k++) {
    const at = int(out.length + 1);
    switch (int(5)) {
      case 0: // flip bits of a byte
        if (out.length) out[Math.min(at, out.length - 1)] ^= 1 + int(255);
        break;
      case 1: // truncate
        out = out.slice(0, at);
        break;
      case 2: // insert random bytes
        out = new Uint8Array([
          ...out.subarray(0, at),
          ...Array.from({ length: 1 + int(8) }, () => int(256)),
          ...out.subarray(at),
        ]);
        break;
      case 3: // delete a few bytes
        out = new Uint8Array([...out.subarray(0, at), ...out.subarray(at + 1 + int(8))]);
        break;
      default: // set a byte to an edge value
        if (out.length) out[Math.min(at, out.length - 1)] = [0x00, 0x7f, 0x80, 0xff][int(4)];
    }
  }
  return out;
}

const HANG_MS = 2000;

/** 'ok', or the TFRecordError code; anything else fails the test with the seed. */
async function outcome(bytes: Uint8Array, seed: number, skipBadRecords = false): Promise<string> {
  // The test PNG decoder stands in for the browser's: a PNG that does not decode is an 'image-decode' error.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`seed ${seed}: readSplit did not settle in ${HANG_MS} ms`)),
      HANG_MS,
    );
  });
  try {
    await Promise.race([
      readSplit([new File([new Uint8Array(bytes)], `fuzz-${seed}.tfrecords`)], {
        skipBadRecords,
        decodeImage: decodePngAsync,
      }),
      hang,
    ]);
    return 'ok';
  } catch (e) {
    if (!(e instanceof TFRecordError)) throw new Error(`seed ${seed}: not a TFRecordError: ${String(e)}`);
    expect(e.message).toMatch(/^tfrecord: .+ in fuzz-\d+\.tfrecords/);
    return e.code;
  } finally {
    clearTimeout(timer);
  }
}

function tally(codes: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of codes) counts[c] = (counts[c] ?? 0) + 1;
  return counts;
}

describe('fuzz', () => {
  it('400 mutations of the file bytes', async () => {
    const codes: string[] = [];
    for (let seed = 1; seed <= 400; seed++) {
      codes.push(await outcome(mutate(file, rng(seed)), seed, seed % 4 === 0));
    }
    const counts = tally(codes);
    // The CRCs catch nearly everything; a cut exactly at a record boundary still reads.
    expect(Object.keys(counts).length).toBeGreaterThan(3);
  }, 60_000);

  it('400 mutations of record payloads, re-framed with valid CRCs', async () => {
    const codes: string[] = [];
    for (let seed = 1; seed <= 400; seed++) {
      const random = rng(1000 + seed);
      const mutated = records.map((r) => (random() < 0.4 ? mutate(r, random) : r));
      codes.push(await outcome(writeTFRecords(mutated), seed));
    }
    const counts = tally(codes);
    expect(counts['not-example']).toBeGreaterThan(0);
    expect(counts.ok).toBeGreaterThan(0);
  }, 60_000);

  it('300 mutations of encoded-PNG records, re-framed with valid CRCs', async () => {
    const pngRecords = [0, 1, 2].map((label) =>
      encodeExample({
        'image/encoded': {
          kind: 'bytes',
          values: [
            encodePng(
              3,
              2,
              label === 2 ? 3 : 1,
              Array.from({ length: label === 2 ? 18 : 6 }, (_, p) => p * 40),
            ),
          ],
        },
        'image/class/label': { kind: 'int64', values: [label] },
        'image/filename': { kind: 'bytes', values: [`${label}.png`] },
      }),
    );
    expect(await outcome(writeTFRecords(pngRecords), 0)).toBe('ok');
    const codes: string[] = [];
    for (let seed = 1; seed <= 300; seed++) {
      const random = rng(9000 + seed);
      const mutated = pngRecords.map((r) => (random() < 0.5 ? mutate(r, random) : r));
      codes.push(await outcome(writeTFRecords(mutated), seed));
    }
    const counts = tally(codes);
    expect(counts['image-decode']).toBeGreaterThan(0);
    expect(counts.ok).toBeGreaterThan(0);
  }, 60_000);

  it('100 mutations of a gzip file', async () => {
    const gz = gzipSync(file);
    const codes: string[] = [];
    for (let seed = 1; seed <= 100; seed++) codes.push(await outcome(mutate(gz, rng(5000 + seed)), seed));
    expect(tally(codes).gzip).toBeGreaterThan(0);
  }, 60_000);
});
