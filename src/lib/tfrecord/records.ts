/**
 * TFRecord framing. Each record is
 *
 *   uint64 length (little-endian) | uint32 masked CRC32C of those 8 bytes | data[length] | uint32 masked CRC32C of data
 *
 * `RecordSplitter` is a push parser: it takes chunks of any size and boundary and emits whole records, verifying
 * both CRCs. A record inside one chunk is emitted as a view of that chunk (no copy); only a record that spans chunks
 * is copied, piece by piece as its bytes arrive (so the caller may reuse a chunk's memory once `push` returns), and
 * assembled once its last byte has arrived, so a corrupt length never allocates more than the file holds.
 * `readRecords` drives it from a `ReadableStream`, undoing gzip or zlib compression (TensorFlow's two
 * `TFRecordOptions` compression types) with the platform's `DecompressionStream`.
 */
import { maskedCrc32c, maskedCrc32c8, wordsOf } from './crc32c';
import { TFRecordError } from './errors';
import { text, type UserText } from '../shared/errors';
import { megabytes } from '../shared/format';

export const HEADER_BYTES = 12;
export const FOOTER_BYTES = 4;
/** Records above this size are taken for a corrupt length field rather than allocated. */
export const DEFAULT_MAX_RECORD_BYTES = 256 * 1024 * 1024;

export interface TFRecord {
  /** The record's payload. May be a view into a stream chunk: copy it to keep it past the next record. */
  data: Uint8Array;
  /** 0-based index of the record in its file, skipped records included. */
  index: number;
  /** Byte offset of the record's header in the file (in the decompressed bytes for gzip/zlib files). */
  offset: number;
}

export interface RecordOptions {
  /** Largest record accepted (default 256 MiB); a longer length field is an 'absurd-length' error. */
  maxRecordBytes?: number;
  /** Skip records whose data CRC fails (the length was intact, so the next record is still found). */
  skipBadRecords?: boolean;
  /** Called with the 'data-crc' error of each record skipped. */
  onSkip?: (err: TFRecordError) => void;
}

export type Compression = 'none' | 'gzip' | 'zlib';

export interface StreamOptions {
  signal?: AbortSignal;
  /** Called after each chunk read from the source with the total bytes read so far (compressed bytes if compressed). */
  onRead?: (bytesRead: number) => void;
  /** Called once the first bytes have shown whether the file is compressed. */
  onCompression?: (compression: Compression) => void;
}

export type RecordSink = (data: Uint8Array, index: number, offset: number) => void;

export function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    const n = Math.min(p.length, length - at);
    out.set(n === p.length ? p : p.subarray(0, n), at);
    at += n;
    if (at === length) break;
  }
  return out;
}

/** True when `bytes` holds at `at` a TFRecord header whose length CRC checks out. */
export function hasRecordHeader(bytes: Uint8Array, at = 0): boolean {
  return bytes.length - at >= HEADER_BYTES && maskedCrc32c8(bytes, at) === u32(bytes, at + 8);
}

/** The data length a header at `b[at]` declares, or -1 from 2^53 on (not even a JavaScript number). */
export function declaredLength(b: Uint8Array, at: number): number {
  const hi = u32(b, at + 4);
  // hi >= 2^21 means a length of 2^53 or more.
  return hi >= 0x20_0000 ? -1 : hi * 0x1_0000_0000 + u32(b, at);
}

/**
 * Compression from a file's first bytes (12 suffice). A valid TFRecord header wins, since its length bytes could
 * spell a gzip or zlib magic number by chance; only then the gzip magic 1f 8b and the common zlib headers 78 xx.
 */
export function detectCompression(head: Uint8Array): Compression {
  if (hasRecordHeader(head)) return 'none';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 2 && head[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(head[1])) return 'zlib';
  return 'none';
}

/** What a file's first bytes look like, for the message that says it is not a TFRecord file. */
function describeStart(head: Uint8Array): UserText | null {
  const starts = (...sig: number[]) => sig.every((b, i) => head[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return text('tf_like_png');
  if (starts(0xff, 0xd8, 0xff)) return text('tf_like_jpeg');
  if (starts(0x47, 0x49, 0x46, 0x38)) return text('tf_like_gif');
  if (starts(0x50, 0x4b, 0x03, 0x04)) return text('tf_like_zip');
  if (starts(0x42, 0x5a, 0x68)) return text('tf_like_bzip2');
  if (starts(0x25, 0x50, 0x44, 0x46)) return text('tf_like_pdf');
  if (starts(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return text('tf_like_npy');
  if (
    head.length > 0 &&
    head.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d)
  ) {
    return text('tf_like_text');
  }
  return null;
}

function notTFRecordHint(head: Uint8Array): UserText {
  const like = describeStart(head);
  return like ? text('tf_hint_not_tfrecord_like', { like }) : text('tf_hint_not_tfrecord');
}

/** Push parser for TFRecord framing; see the module comment. */
export class RecordSplitter {
  readonly file: string;
  /** Bytes consumed so far. */
  bytes = 0;
  /** Records emitted so far. */
  records = 0;
  /** Records skipped for a bad data CRC (only with skipBadRecords). */
  skipped = 0;
  /** Set by the reader when the bytes are decompressed, for the messages. */
  compression: Compression = 'none';

  private readonly maxRecordBytes: number;
  private readonly skipBadRecords: boolean;
  private readonly onSkip?: (err: TFRecordError) => void;
  private readonly header = new Uint8Array(HEADER_BYTES);
  private headerFill = 0;
  /** Data length of the record whose body is pending; -1 while reading a header. */
  private bodyLength = -1;
  private parts: Uint8Array[] = [];
  private partsFill = 0;
  private index = 0;
  private recordOffset = 0;

  constructor(file: string, opts: RecordOptions = {}) {
    this.file = file;
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.skipBadRecords = opts.skipBadRecords ?? false;
    this.onSkip = opts.onSkip;
  }

  /** Consumes one chunk, calling `emit` for each record completed in it. */
  push(chunk: Uint8Array, emit: RecordSink): void {
    const n = chunk.length;
    // For the data CRCs' word loads: one view per chunk, shared by the records inside it.
    const words = n >= 1024 ? wordsOf(chunk) : null;
    let i = 0;
    while (i < n) {
      if (this.bodyLength < 0) {
        if (this.headerFill === 0 && n - i >= HEADER_BYTES) {
          this.recordOffset = this.bytes + i;
          this.bodyLength = this.parseHeader(chunk, i);
          i += HEADER_BYTES;
        } else {
          if (this.headerFill === 0) this.recordOffset = this.bytes + i;
          const take = Math.min(HEADER_BYTES - this.headerFill, n - i);
          this.header.set(chunk.subarray(i, i + take), this.headerFill);
          this.headerFill += take;
          i += take;
          if (this.headerFill < HEADER_BYTES) break;
          this.headerFill = 0;
          this.bodyLength = this.parseHeader(this.header, 0);
        }
      }
      const need = this.bodyLength + FOOTER_BYTES;
      if (this.partsFill === 0 && n - i >= need) {
        this.finishRecord(chunk, i, emit, words);
        i += need;
      } else {
        const take = Math.min(need - this.partsFill, n - i);
        // A copy: the caller may reuse the chunk's memory once this returns (a byte stream's reader does).
        this.parts.push(chunk.slice(i, i + take));
        this.partsFill += take;
        i += take;
        if (this.partsFill < need) break;
        const body = concat(this.parts, need);
        this.parts = [];
        this.partsFill = 0;
        this.finishRecord(body, 0, emit, null);
      }
    }
    this.bytes += n;
  }

  /** Call after the last chunk: throws if the file was empty or ends inside a record. */
  end(): void {
    const plain = this.compression === 'none';
    const compression = this.compression;
    if (this.bytes === 0)
      throw new TFRecordError(
        'empty',
        plain ? text('tf_empty') : text('tf_empty_after', { compression }),
        this.file,
        0,
        0,
      );
    if (this.bodyLength >= 0) {
      throw new TFRecordError(
        'truncated',
        plain
          ? text('tf_truncated_body', { have: this.partsFill, need: this.bodyLength + FOOTER_BYTES })
          : text('tf_truncated_body_after', {
              have: this.partsFill,
              need: this.bodyLength + FOOTER_BYTES,
              compression,
            }),
        this.file,
        this.index,
        this.recordOffset,
        text('tf_hint_cut_short'),
      );
    }
    if (this.headerFill > 0) {
      const first = this.index === 0;
      throw new TFRecordError(
        'truncated',
        plain
          ? text('tf_truncated_header', { have: this.headerFill, need: HEADER_BYTES })
          : text('tf_truncated_header_after', { have: this.headerFill, need: HEADER_BYTES, compression }),
        this.file,
        this.index,
        this.recordOffset,
        first ? notTFRecordHint(this.header.subarray(0, this.headerFill)) : text('tf_hint_cut_short'),
      );
    }
  }

  private parseHeader(b: Uint8Array, at: number): number {
    if (!hasRecordHeader(b, at)) {
      const first = this.index === 0 && this.recordOffset === 0;
      throw new TFRecordError(
        'length-crc',
        text('tf_length_crc'),
        this.file,
        this.index,
        this.recordOffset,
        first ? notTFRecordHint(b.subarray(at, at + HEADER_BYTES)) : text('tf_hint_header_corrupt'),
      );
    }
    const length = declaredLength(b, at);
    if (length < 0 || length > this.maxRecordBytes) {
      const shown = length < 0 ? `${(BigInt(u32(b, at + 4)) << 32n) | BigInt(u32(b, at))}` : `${length}`;
      throw new TFRecordError(
        'absurd-length',
        text('tf_absurd_length', { length: shown, limit: `${megabytes(this.maxRecordBytes)} MiB` }),
        this.file,
        this.index,
        this.recordOffset,
        text('tf_hint_absurd_length'),
      );
    }
    return length;
  }

  private finishRecord(b: Uint8Array, at: number, emit: RecordSink, words: Int32Array | null): void {
    const length = this.bodyLength;
    const index = this.index++;
    const offset = this.recordOffset;
    this.bodyLength = -1;
    if (maskedCrc32c(b, at, at + length, words) !== u32(b, at + length)) {
      const err = new TFRecordError('data-crc', text('tf_data_crc'), this.file, index, offset);
      if (!this.skipBadRecords) throw err;
      this.skipped++;
      this.onSkip?.(err);
      return;
    }
    this.records++;
    emit(b.subarray(at, at + length), index, offset);
  }
}

/** All records of an uncompressed TFRecord file held in memory (tests, benchmarks). Records are views of `bytes`. */
export function splitRecords(bytes: Uint8Array, file: string, opts: RecordOptions = {}): TFRecord[] {
  const compression = detectCompression(bytes.subarray(0, HEADER_BYTES));
  if (compression !== 'none') {
    throw new TFRecordError(
      'gzip',
      text('tf_compressed', { compression }),
      file,
      -1,
      -1,
      text('tf_hint_split_uncompressed'),
    );
  }
  const out: TFRecord[] = [];
  const splitter = new RecordSplitter(file, opts);
  splitter.push(bytes, (data, index, offset) => out.push({ data, index, offset }));
  splitter.end();
  return out;
}

const ignore = () => {};

/** Streams being read: see the comment where one is added. */
const reading = new Set<ReadableStream<Uint8Array>>();

/**
 * Bytes asked for per read from a byte stream (a Blob's or File's). They are read into one buffer, reused for every
 * read (a "BYOB" reader): in Chromium's worker that read 53 MB about three times as fast as the default reader, which
 * hands out a new buffer per chunk (`npm run bench -- parse`).
 */
export const READ_BYTES = 4 * 1024 * 1024;

/**
 * The chunks of a TFRecord file's stream, decompressed when its first bytes show gzip or zlib. Corrupt compressed
 * data is a 'gzip' TFRecordError; an abort throws the signal's reason.
 *
 * A chunk is valid until the next one is asked for: from a byte stream the next read reuses its memory. Copy what
 * you keep.
 */
export async function* decodedChunks(
  stream: ReadableStream<Uint8Array>,
  file: string,
  opts: StreamOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { signal, onRead } = opts;
  // Held from a global while read: in Chromium a BYOB read of a File's stream that nothing but its own pending
  // promise keeps alive can be collected with that promise, and the read then never settles (seen in the bench).
  reading.add(stream);
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = stream.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream: chunks come as the source makes them.
  }
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = byob ? null : stream.getReader();
  let buffer = new ArrayBuffer(byob ? READ_BYTES : 0);
  let bytesRead = 0;
  let sourceDone = false;
  let sourceError: { error: unknown } | null = null;
  /** The next chunk; from a byte stream, read into `buffer` from `at` on. Null at the end. */
  const readRaw = async (at = 0): Promise<Uint8Array | null> => {
    signal?.throwIfAborted();
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = byob ? await byob.read(new Uint8Array(buffer, at)) : await reader!.read();
    } catch (error) {
      sourceError = { error };
      throw error;
    }
    // The read hands the buffer back, moved into the view it returns.
    if (byob && r.value) buffer = r.value.buffer as ArrayBuffer;
    if (r.done) {
      sourceDone = true;
      return null;
    }
    bytesRead += r.value.length;
    onRead?.(bytesRead);
    return r.value;
  };

  try {
    // The first bytes, enough to recognise compression: from a byte stream, all in the one buffer.
    const head: Uint8Array[] = [];
    let headLength = 0;
    while (headLength < HEADER_BYTES) {
      const chunk = await readRaw(byob ? headLength : 0);
      if (!chunk) break;
      if (!chunk.length) continue;
      if (!byob) head.push(chunk);
      headLength += chunk.length;
    }
    // Every read moves the buffer, the last one (at the end of a short file) too: view it once reading stops.
    if (byob && headLength) head.push(new Uint8Array(buffer, 0, headLength));
    const compression = detectCompression(concat(head, Math.min(headLength, HEADER_BYTES)));
    opts.onCompression?.(compression);

    if (compression === 'none') {
      yield* head;
      for (let chunk = await readRaw(); chunk; chunk = await readRaw()) {
        if (chunk.length) yield chunk;
      }
      return;
    }

    if (byob) {
      // The decompressor holds on to its input: from here on, a new buffer per chunk.
      head[0] = head[0].slice();
      byob.releaseLock();
      byob = null;
      reader = stream.getReader();
    }
    const source = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = head.shift() ?? (await readRaw());
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    // DecompressionStream is typed for ArrayBuffer-backed input; stream chunks are Uint8Arrays over any buffer.
    const inflate = new DecompressionStream(compression === 'gzip' ? 'gzip' : 'deflate');
    const inflated = source.pipeThrough(inflate as ReadableWritablePair<Uint8Array, Uint8Array>);
    const out = inflated.getReader();
    try {
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await out.read();
        } catch (e) {
          signal?.throwIfAborted();
          if (sourceError) throw (sourceError as { error: unknown }).error;
          const why = e instanceof Error ? e.message : String(e);
          throw new TFRecordError(
            'gzip',
            text('tf_gzip_corrupt', { compression }),
            file,
            -1,
            -1,
            text('tf_hint_gzip_failed', { bytes: bytesRead, why }),
          );
        }
        if (r.done) return;
        signal?.throwIfAborted();
        if (r.value.length) yield r.value;
      }
    } finally {
      out.cancel().catch(ignore);
    }
  } finally {
    reading.delete(stream);
    const source = (byob ?? reader)!;
    if (!sourceDone) source.cancel().catch(ignore);
    try {
      source.releaseLock();
    } catch {
      // A read still pending inside the decompression pipe; the cancel above ends it.
    }
  }
}

/**
 * Streams the records of one TFRecord file, gzip/zlib or not, verifying both CRCs. `data` of a record may be a view
 * into a stream chunk: copy it if you keep it.
 */
export async function* readRecords(
  stream: ReadableStream<Uint8Array>,
  file: string,
  opts: RecordOptions & StreamOptions = {},
): AsyncGenerator<TFRecord, void, undefined> {
  const splitter = new RecordSplitter(file, opts);
  const chunks = decodedChunks(stream, file, {
    ...opts,
    onCompression: (c) => {
      splitter.compression = c;
      opts.onCompression?.(c);
    },
  });
  for await (const chunk of chunks) {
    const batch: TFRecord[] = [];
    let failure: { error: unknown } | null = null;
    try {
      splitter.push(chunk, (data, index, offset) => batch.push({ data, index, offset }));
    } catch (error) {
      failure = { error };
    }
    yield* batch;
    if (failure) throw failure.error;
  }
  splitter.end();
}
