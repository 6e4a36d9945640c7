/**
 * How many bytes a split will take once read, estimated before reading it: from the files' sizes and the first
 * records' schema. A loaded split keeps each image at 1 byte per pixel and channel plus a 4-byte label, so
 *
 *   bytes ≈ (total file bytes / mean framed size of the first records) × (height × width × depth + 4).
 *
 * Only the first PEEK_BYTES of the first file (and the first and last bytes of each other file) are read. A GZIP
 * file counts with its uncompressed size, from its trailer (ISIZE: the size mod 2^32, taken up to the next multiple
 * of 2^32 at or above the compressed size); its first records are inflated from its first bytes. No estimate (null)
 * where the files say nothing about the record count: zlib streams (no size in them) and encoded images (PNG, JPEG:
 * their pixel count is known only once decoded). Those are checked while reading instead (readSplit's `maxBytes`).
 * Nor where the first record is not readable: the reader then reports the problem with its file, record and offset.
 */
import { detectSchema, type FeatureSchema, type SchemaOverride } from './schema';
import { DEFAULT_MAX_RECORD_BYTES, FOOTER_BYTES, HEADER_BYTES, detectCompression } from './records';

/** Bytes of the first file looked at: enough for a few hundred MNIST-sized records. */
export const PEEK_BYTES = 256 * 1024;

export interface SplitEstimate {
  /** Records the files hold, about. */
  records: number;
  /** Bytes the loaded split takes: images at 1 byte per pixel and channel, and labels. */
  bytes: number;
  /** Bytes one loaded record takes. */
  recordBytes: number;
}

async function head(blob: Blob, n: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(0, n).arrayBuffer());
}

/** Up to `n` bytes inflated from the start of a GZIP file (reading only what that takes). */
async function inflatedHead(blob: Blob, n: number): Promise<Uint8Array> {
  const out = blob
    .stream()
    .pipeThrough(new DecompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>)
    .getReader();
  const parts: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < n) {
      const r = await out.read();
      if (r.done) break;
      parts.push(r.value);
      length += r.value.length;
    }
  } catch {
    // Corrupt data: what was inflated so far is all there is (the reader reports the fault).
  } finally {
    out.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return bytes.subarray(0, n);
}

/** A GZIP file's uncompressed size, from its trailer. */
async function gzipSize(blob: Blob): Promise<number> {
  const tail = new DataView(await blob.slice(blob.size - 4).arrayBuffer());
  let size = tail.getUint32(0, true);
  while (size < blob.size) size += 2 ** 32;
  return size;
}

/** The first records' payloads (at least one when the file starts with a whole record) and their mean framed size. */
async function firstRecords(
  blob: Blob,
  compressed: boolean,
): Promise<{ first: Uint8Array; meanFramed: number } | null> {
  const read = (n: number) => (compressed ? inflatedHead(blob, n) : head(blob, n));
  let bytes = await read(PEEK_BYTES);
  const lengthAt = (at: number) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
    return view.getUint32(4, true) === 0 ? view.getUint32(0, true) : Infinity;
  };
  if (bytes.length < HEADER_BYTES) return null;
  const firstLength = lengthAt(0);
  if (firstLength > DEFAULT_MAX_RECORD_BYTES) return null;
  const firstFramed = HEADER_BYTES + firstLength + FOOTER_BYTES;
  if (firstFramed > bytes.length) {
    // One record larger than the peek: read just it.
    bytes = await read(firstFramed);
    if (bytes.length < firstFramed) return null;
  }
  let at = 0;
  let records = 0;
  while (at + HEADER_BYTES <= bytes.length) {
    const framed = HEADER_BYTES + lengthAt(at) + FOOTER_BYTES;
    if (at + framed > bytes.length) break;
    at += framed;
    records++;
  }
  return { first: bytes.subarray(HEADER_BYTES, HEADER_BYTES + firstLength), meanFramed: at / records };
}

export async function estimateSplit(
  files: Blob[],
  opts: { schema?: SchemaOverride } = {},
): Promise<SplitEstimate | null> {
  return (await probeSplit(files, opts)).estimate;
}

/**
 * What a split's first bytes tell before it is read: its estimate (see estimateSplit) and the schema of its first
 * record (with the user's `schema` choice applied), or null where the first record could not be read. A reader
 * given that schema (`knownSchema`) does not detect it again.
 */
export async function probeSplit(
  files: Blob[],
  opts: { schema?: SchemaOverride } = {},
): Promise<{ estimate: SplitEstimate | null; schema: FeatureSchema | null }> {
  const none = { estimate: null, schema: null };
  if (files.length === 0) return none;
  let total = 0;
  let firstGzip = false;
  for (const [i, f] of files.entries()) {
    if (f.size < HEADER_BYTES) return none;
    const compression = detectCompression(await head(f, HEADER_BYTES));
    if (compression === 'zlib') return none;
    total += compression === 'gzip' ? await gzipSize(f) : f.size;
    if (i === 0) firstGzip = compression === 'gzip';
  }
  const name = (files[0] as File).name ?? 'file 1';
  const peek = await firstRecords(files[0], firstGzip);
  if (!peek) return none;
  let schema: FeatureSchema;
  try {
    schema = detectSchema(peek.first, name, 0, 0, opts.schema);
  } catch {
    return none;
  }
  if (schema.imageKind === 'encoded') return { estimate: null, schema };
  const recordBytes = schema.height * schema.width * schema.depth + (schema.labelKey === null ? 0 : 4);
  const records = Math.round(total / peek.meanFramed);
  return { estimate: { records, bytes: records * recordBytes, recordBytes }, schema };
}
