import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import {
  TFRecordError,
  isTFRecordError,
  maskedCrc32c,
  READ_BYTES,
  readRecords,
  splitRecords,
  type RecordOptions,
  type StreamOptions,
  type TFRecord,
} from '../../../src/lib/tfrecord';
import { writeTFRecords } from '../../../src/lib/tfrecord/writer';
import { mulberry32 } from '../../../src/lib/ml/random';
import { failure } from './failure';

/** A stream of `bytes` in chunks of `size` (each a copy, as a real source would hand out). */
function chunked(bytes: Uint8Array, size: number | (() => number)): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const n = typeof size === 'number' ? size : size();
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

async function collect(
  bytes: Uint8Array,
  size: number | (() => number) = 4096,
  opts: RecordOptions & StreamOptions = {},
  file = 'f.tfrecords',
): Promise<TFRecord[]> {
  const out: TFRecord[] = [];
  for await (const r of readRecords(chunked(bytes, size), file, opts))
    out.push({ ...r, data: r.data.slice() });
  return out;
}

/** Byte equality without vitest's element-by-element deep equal, which is slow on large arrays. */
function sameRecords(got: TFRecord[], expected: Uint8Array[]): boolean {
  return (
    got.length === expected.length &&
    got.every((r, i) => Buffer.from(r.data).equals(Buffer.from(expected[i])))
  );
}

/** Seeded, so the random cases are the same on every run. */
const rng = mulberry32;

const random = rng(7);
// Lengths 0 and 1, header-sized, around the 4096 chunk, and larger than it.
const lengths = [0, 1, 11, 12, 16, 100, 4079, 4080, 4095, 4096, 5000, 9000, 3, 0, 777];
const records = lengths.map((n) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256)));
const file = writeTFRecords(records);
const offsets = records.map((_, i) => records.slice(0, i).reduce((n, r) => n + r.length + 16, 0));

describe('framing round trip', () => {
  it('splitRecords gives every record with its index and offset', () => {
    const got = splitRecords(file, 'f');
    expect(got.map((r) => r.index)).toEqual(records.map((_, i) => i));
    expect(got.map((r) => r.offset)).toEqual(offsets);
    expect(sameRecords(got, records)).toBe(true);
  });

  it.each([1, 7, 12, 16, 4096, 1 << 20])('readRecords with chunks of %i bytes', async (size) => {
    const got = await collect(file, size);
    expect(got.map((r) => r.index)).toEqual(records.map((_, i) => i));
    expect(got.map((r) => r.offset)).toEqual(offsets);
    expect(sameRecords(got, records)).toBe(true);
  });

  it('readRecords with random chunk sizes, 20 seeds', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const next = rng(seed);
      const got = await collect(file, () => 1 + Math.floor(next() * 300));
      expect(sameRecords(got, records)).toBe(true);
    }
  });

  it('reads a byte stream into one reused buffer, records spanning reads of any size included', async () => {
    /** A byte stream that answers each read with 1 to `max` bytes, into the reader's buffer when it gives one. */
    function byteStream(bytes: Uint8Array, max: number, next: () => number) {
      let at = 0;
      const sizes = new Set<number>();
      const stream = new ReadableStream({
        type: 'bytes',
        pull(controller) {
          const request = controller.byobRequest;
          const room = request ? request.view!.byteLength : Infinity;
          const n = Math.min(room, bytes.length - at, 1 + Math.floor(next() * max));
          if (n === 0) {
            controller.close();
            request?.respond(0);
            return;
          }
          if (request) {
            sizes.add(request.view!.buffer.byteLength);
            new Uint8Array(request.view!.buffer, request.view!.byteOffset, n).set(bytes.subarray(at, at + n));
            request.respond(n);
          } else {
            controller.enqueue(bytes.slice(at, at + n));
          }
          at += n;
        },
      });
      return { stream, sizes };
    }
    for (const [seed, max] of [
      [1, 40],
      [2, 300],
      [3, 5000],
      [4, 1 << 23],
    ]) {
      const next = rng(seed);
      // A copy of zlib's Buffer: Buffer#slice is a view, and enqueue would detach the whole of it.
      for (const bytes of [file, new Uint8Array(gzipSync(file))]) {
        const { stream, sizes } = byteStream(bytes, max, next);
        const got: TFRecord[] = [];
        for await (const r of readRecords(stream, 'f')) got.push({ ...r, data: r.data.slice() });
        expect(got.map((r) => r.offset)).toEqual(offsets);
        expect(sameRecords(got, records)).toBe(true);
        // Read into the reader's own buffer of READ_BYTES (the compressed bytes, after the first, as they come).
        expect([...sizes]).toEqual([READ_BYTES]);
      }
    }
  });

  it('reads gzip and zlib compressed files, with offsets in the decompressed bytes', async () => {
    for (const packed of [gzipSync(file), deflateSync(file)]) {
      const onCompression = vi.fn();
      const got = await collect(packed, 7, { onCompression });
      expect(onCompression).toHaveBeenCalledWith(packed[0] === 0x1f ? 'gzip' : 'zlib');
      expect(got.map((r) => r.offset)).toEqual(offsets);
      expect(sameRecords(got, records)).toBe(true);
    }
  });

  it('reports raw bytes read through onRead', async () => {
    const packed = gzipSync(file);
    const onRead = vi.fn();
    await collect(packed, 1000, { onRead });
    expect(onRead).toHaveBeenLastCalledWith(packed.length);
  });

  it('stops reading and cancels the source when the consumer breaks early', async () => {
    const cancel = vi.fn();
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(file.slice(0, 64 * 1024));
      },
      cancel,
    });
    for await (const r of readRecords(stream, 'f')) {
      expect(r.index).toBe(0);
      break;
    }
    expect(cancel).toHaveBeenCalled();
    expect(pulls).toBeLessThan(4);
  });

  it('rejects with the abort reason when the signal aborts', async () => {
    const controller = new AbortController();
    const reading = collect(file, 1, {
      signal: controller.signal,
      onRead: (n) => n > 100 && controller.abort(),
    });
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('framing errors', () => {
  const flip = (bytes: Uint8Array, i: number) => {
    const out = bytes.slice();
    out[i] ^= 0x01;
    return out;
  };

  it('a flipped data byte is a data CRC mismatch naming the file, record and offset', async () => {
    for (const size of [1, 7, 4096]) {
      const err = await failure(collect(flip(file, offsets[5] + 12 + 50), size, {}, 'train-00001.tfrecords'));
      expect(err).toMatchObject({
        code: 'data-crc',
        record: 5,
        offset: offsets[5],
        file: 'train-00001.tfrecords',
      });
      expect(err.name).toBe('TFRecordError');
      expect(err.message).toBe(
        `tfrecord: data CRC mismatch in train-00001.tfrecords, record 5 at byte ${offsets[5]}`,
      );
    }
  });

  it('a flipped data-CRC byte is a data CRC mismatch too', () => {
    const end = offsets[3] + 12 + records[3].length;
    expect(() => splitRecords(flip(file, end + 2), 'f')).toThrow(
      expect.objectContaining({ code: 'data-crc', record: 3 }),
    );
  });

  it('a flipped length or length-CRC byte is a length CRC mismatch', async () => {
    for (const at of [0, 5, 8, 11]) {
      const err = await failure(collect(flip(file, offsets[4] + at), 7));
      expect(err).toMatchObject({ code: 'length-crc', record: 4, offset: offsets[4] });
      expect(err.message).toContain('record header is corrupt');
    }
  });

  it('a file cut inside a record body or header is truncated', async () => {
    for (const cut of [offsets[6] + 12, offsets[6] + 12 + 100, offsets[7] - 1]) {
      const err = await failure(collect(file.subarray(0, cut), 7));
      expect(err).toMatchObject({ code: 'truncated', record: 6, offset: offsets[6] });
      expect(err.message).toContain('ends inside a record body');
    }
    for (const cut of [offsets[6] + 1, offsets[6] + 11]) {
      const err = await failure(collect(file.subarray(0, cut), 4096));
      expect(err).toMatchObject({ code: 'truncated', record: 6, offset: offsets[6] });
      expect(err.message).toContain('ends inside a record header');
    }
  });

  it('an empty file is empty', async () => {
    expect(await failure(collect(new Uint8Array(0)))).toMatchObject({ code: 'empty', record: 0, offset: 0 });
    expect(() => splitRecords(new Uint8Array(0), 'e')).toThrow(expect.objectContaining({ code: 'empty' }));
  });

  function header(lo: number, hi: number): Uint8Array {
    const h = new Uint8Array(12);
    const view = new DataView(h.buffer);
    view.setUint32(0, lo, true);
    view.setUint32(4, hi, true);
    view.setUint32(8, maskedCrc32c(h, 0, 8), true);
    return h;
  }

  it('a length of 2^40 or 2^60 (valid CRC) is absurd, thrown before any allocation', async () => {
    for (const [lo, hi, shown] of [
      [0, 2 ** 8, '1099511627776'],
      [0, 2 ** 28, '1152921504606846976'],
      [0xffffffff, 0xffffffff, '18446744073709551615'],
    ] as const) {
      const bytes = new Uint8Array([...file.subarray(0, offsets[2]), ...header(lo, hi), 1, 2, 3]);
      const err = await failure(collect(bytes, 5));
      expect(err).toMatchObject({ code: 'absurd-length', record: 2, offset: offsets[2] });
      expect(err.message).toContain(`record length ${shown} bytes exceeds the 256 MiB limit`);
    }
  });

  it('maxRecordBytes lowers the limit', async () => {
    const err = await failure(collect(file, 4096, { maxRecordBytes: 4096 }));
    expect(err).toMatchObject({ code: 'absurd-length', record: 10 });
  });

  it('a plausible length (100 MiB, valid CRC) in a tiny file is truncated without allocating it', async () => {
    const bytes = new Uint8Array([...header(100 * 1024 * 1024, 0), ...new Uint8Array(1000)]);
    const before = process.memoryUsage().arrayBuffers;
    const err = await failure(collect(bytes, 7));
    expect(err).toMatchObject({ code: 'truncated', record: 0, offset: 0 });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50 * 1024 * 1024);
  });

  it('a PNG, a text file or a few bytes say the file does not look like a TFRecord file', async () => {
    const png = new Uint8Array([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
    ]);
    const err = await failure(collect(png, 4096, {}, 'digit.png'));
    expect(err).toMatchObject({ code: 'length-crc', record: 0, offset: 0 });
    expect(err.message).toBe(
      'tfrecord: length CRC mismatch in digit.png, record 0 at byte 0: the file does not look like a TFRecord file (it starts like a PNG image)',
    );
    const text = await failure(collect(new TextEncoder().encode('hello, this is not a TFRecord\n'), 3));
    expect(text.message).toContain('does not look like a TFRecord file (it starts like text)');
    const short = await failure(collect(new TextEncoder().encode('hi\n'), 3));
    expect(short).toMatchObject({ code: 'truncated', record: 0 });
    expect(short.message).toContain('does not look like a TFRecord file');
  });

  it('corrupt or truncated gzip is a gzip error; splitRecords refuses compressed bytes', async () => {
    const gz = gzipSync(file);
    const corrupt = (i: number) => {
      const out = gz.slice();
      out[i] ^= 0xff;
      return out;
    };
    // The gzip header's compression method, the trailer's CRC-32: the TFRecord data itself is intact.
    for (const i of [2, gz.length - 6]) {
      expect(await failure(collect(corrupt(i), 100))).toMatchObject({ code: 'gzip', record: -1 });
    }
    // Inside the deflate data, whichever check fires first: inflate's own, or a TFRecord CRC on the output.
    const err = await failure(collect(corrupt(gz.length >> 1), 100));
    expect(['gzip', 'data-crc', 'length-crc', 'absurd-length', 'truncated']).toContain(err.code);
    expect(await failure(collect(gz.subarray(0, gz.length - 20), 100))).toMatchObject({ code: 'gzip' });
    expect(await failure(collect(gz.subarray(0, 11), 100))).toMatchObject({ code: 'gzip' });
    expect(() => splitRecords(gz, 'f.gz')).toThrow(expect.objectContaining({ code: 'gzip' }));
  });

  it('gzip of an empty file is empty after decompression', async () => {
    const err = await failure(collect(gzipSync(new Uint8Array(0))));
    expect(err.code).toBe('empty');
    expect(err.message).toContain('after gzip decompression');
  });

  it('an error from the source passes through unchanged, compressed or not', async () => {
    for (const bytes of [file, gzipSync(file)]) {
      let sent = false;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new Error('disk gone'));
          sent = true;
          controller.enqueue(bytes.slice(0, 1000));
        },
      });
      await expect(collectStream(stream)).rejects.toThrow('disk gone');
    }
  });

  async function collectStream(stream: ReadableStream<Uint8Array>): Promise<number> {
    let n = 0;
    for await (const _ of readRecords(stream, 'f')) n++;
    return n;
  }

  it('skipBadRecords skips data-CRC failures only, reporting each', async () => {
    const bad = flip(flip(file, offsets[2] + 12 + 5), offsets[9] + 12 + 1000);
    const onSkip = vi.fn();
    const got = await collect(bad, 7, { skipBadRecords: true, onSkip });
    expect(got.map((r) => r.index)).toEqual(records.map((_, i) => i).filter((i) => i !== 2 && i !== 9));
    expect(onSkip).toHaveBeenCalledTimes(2);
    expect(onSkip.mock.calls.map(([e]) => [e.code, e.record])).toEqual([
      ['data-crc', 2],
      ['data-crc', 9],
    ]);
    // A corrupt length is not skippable: the next record cannot be found.
    const err = await failure(collect(flip(file, offsets[2] + 1), 7, { skipBadRecords: true }));
    expect(err.code).toBe('length-crc');
  });

  it('records before an error are still delivered', async () => {
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const r of readRecords(chunked(flip(file, offsets[3] + 12), 1 << 20), 'f'))
          got.push(r.index);
      })(),
    ).rejects.toMatchObject({ code: 'data-crc', record: 3 });
    expect(got).toEqual([0, 1, 2]);
  });
});

describe('TFRecordError', () => {
  it('puts the kind in name, so it survives a Comlink boundary as { name, message }', () => {
    const err = new TFRecordError('data-crc', 'data CRC mismatch', 'train-00001.tfrecords', 17, 40960);
    expect(err.message).toBe('tfrecord: data CRC mismatch in train-00001.tfrecords, record 17 at byte 40960');
    expect(err).toBeInstanceOf(Error);
    expect(isTFRecordError(err)).toBe(true);
    const crossed = JSON.parse(JSON.stringify({ name: err.name, message: err.message }));
    expect(isTFRecordError(crossed)).toBe(true);
    expect(isTFRecordError(new Error('x'))).toBe(false);
    expect(isTFRecordError(null)).toBe(false);
    expect(isTFRecordError('TFRecordError')).toBe(false);
  });

  it('leaves out the record and offset when they do not apply, and appends the hint', () => {
    expect(new TFRecordError('no-records', 'no files given', '(no file)').message).toBe(
      'tfrecord: no files given in (no file)',
    );
    expect(new TFRecordError('gzip', 'corrupt gzip data', 'a.gz', -1, -1, 'details').message).toBe(
      'tfrecord: corrupt gzip data in a.gz: details',
    );
  });
});
