/** A split's fingerprint reads a bounded sample of each file, never the whole of a large one. */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { FINGERPRINT_SLICE_BYTES, fingerprintFiles } from '../../../src/lib/store/records';

const MiB = 1024 * 1024;

/** A File that records the byte ranges read through it and refuses to be read whole. */
class WatchedFile extends File {
  reads: [number, number][] = [];
  override slice(start = 0, end = this.size): Blob {
    this.reads.push([start, end]);
    return super.slice(start, end);
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.reject(new Error('read whole'));
  }
}

function pattern(n: number): Uint8Array<ArrayBuffer> {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 31 + (i >> 12)) & 255;
  return a;
}

describe('fingerprintFiles on large files', () => {
  test('a 10 MiB file is read as three 1 MiB slices, not whole', async () => {
    const file = new WatchedFile([pattern(10 * MiB)], 'train.tfrecords');
    const [fp] = await fingerprintFiles('train', [file]);
    const { reads } = file;
    expect(fp.size).toBe(10 * MiB);
    expect(reads.length).toBe(3);
    expect(reads.reduce((n, [a, b]) => n + b - a, 0)).toBe(3 * FINGERPRINT_SLICE_BYTES);
    expect(reads[0][0]).toBe(0);
    expect(reads[2][1]).toBe(10 * MiB);
    expect(fp.method).toBe('sha256-sample');
  });

  test('a change in the head, middle or tail slice, or in the size, changes the fingerprint', async () => {
    const base = pattern(10 * MiB);
    const hash = async (b: Uint8Array<ArrayBuffer>) =>
      (await fingerprintFiles('t', [new File([b], 'a')]))[0].fingerprint;
    const original = await hash(base);
    for (const at of [10, 5 * MiB, 10 * MiB - 10]) {
      const changed = base.slice();
      changed[at] ^= 1;
      expect(await hash(changed), `byte ${at}`).not.toBe(original);
    }
    expect(await hash(base.subarray(0, 10 * MiB - 1))).not.toBe(original);
    // Deterministic: the same bytes, the same fingerprint.
    expect(await hash(base.slice())).toBe(original);
  });

  test('a file up to three slices is hashed whole, as before', async () => {
    const bytes = pattern(3 * MiB);
    const [fp] = await fingerprintFiles('train', [new File([bytes], 'small')]);
    expect(fp.fingerprint).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(fp.method).toBe('sha256');
  });
});
