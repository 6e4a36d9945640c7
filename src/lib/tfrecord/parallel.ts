/**
 * One split read by several readers at once: the caller (the training worker) and a pool of parse workers, one per
 * other core. TFRecord files can be cut between records without an index: a record starts where 12 bytes hold a
 * length whose masked CRC32C follows it, and the record that length ends on starts with such a header too (or the
 * file ends there). A false start would need two 32-bit CRCs to match by chance.
 *
 * The split's bytes (its files one after another) are cut into one share per reader at such starts (and at the files'
 * ends). Every reader decodes with the schema of the split's first record. The caller reads the first share straight
 * into the split's storage, sized for the whole split; the workers read theirs at the same time, and their records are
 * appended after it in order. GZIP/zlib files (a stream cannot be entered in the middle), encoded images (decoded
 * where an OffscreenCanvas is) and small splits are read the one way, by `readSplit`.
 *
 * Errors: a piece knows its records' offsets but not their index in the file. So when any piece fails, or anything
 * looks wrong, the split is read again by one `readSplit`, which reports the first problem exactly as it always does
 * (file, record index, byte offset). Bad input costs a second read; good input is never read twice. Where each label
 * was first seen (`firstOfLabel`) is placed in its file when the pieces are joined: offsets from the piece's start,
 * record indexes from the records of the file's earlier pieces.
 */
import { detectSchema, listFeatures, type FeatureSchema } from './schema';
import {
  DEFAULT_MAX_RECORD_BYTES,
  FOOTER_BYTES,
  HEADER_BYTES,
  declaredLength,
  hasRecordHeader,
} from './records';
import {
  readSplit,
  readSplitInto,
  type ReadProgress,
  type ReadSplitOptions,
  type LoadedSplit,
} from './index';

/**
 * Reads one piece of a split: `readSplit([piece], { knownSchema, skipBadRecords, requireLabels, onProgress })`,
 * wherever it runs.
 */
export interface PieceReader {
  /** How many pieces it reads at once, besides the one the caller reads itself. */
  readonly concurrency: number;
  read(piece: Blob, name: string, schema: FeatureSchema, options: PieceOptions): Promise<LoadedSplit>;
}

export interface PieceOptions {
  skipBadRecords: boolean;
  requireLabels: boolean;
  /** Which of the `concurrency` readers reads it (its pieces come one after another in the split). */
  worker: number;
  /** Bytes read and records decoded in the piece so far. */
  onProgress?: (bytesRead: number, records: number) => void;
}

/** Splits smaller than this are read in one piece: a worker round trip costs more than it saves. */
export const PARALLEL_FROM_BYTES = 4 * 1024 * 1024;
/** Each reader's share of a split is at least this large. */
export const MIN_SHARE_BYTES = 2 * 1024 * 1024;
/** Bytes read at a time while looking for a record's start. */
const SCAN_BYTES = 64 * 1024;

async function bytesOf(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(start, Math.min(end, blob.size)).arrayBuffer());
}

/** The data length in the valid header at `bytes[at]`, or -1 when there is none there (or it is too long). */
function headerLength(bytes: Uint8Array, at: number): number {
  if (!hasRecordHeader(bytes, at)) return -1;
  const length = declaredLength(bytes, at);
  return length > DEFAULT_MAX_RECORD_BYTES ? -1 : length;
}

/**
 * The offset of the first record start in `blob` at or after `from` and before `before`, or -1: a valid header whose
 * record ends at the end of the blob or on another valid header.
 */
export async function recordStartAfter(blob: Blob, from: number, before: number): Promise<number> {
  for (let pos = from; pos < before; pos += SCAN_BYTES) {
    const bytes = await bytesOf(blob, pos, pos + SCAN_BYTES + HEADER_BYTES);
    const last = Math.min(SCAN_BYTES, before - pos, bytes.length - HEADER_BYTES + 1);
    for (let p = 0; p < last; p++) {
      const length = headerLength(bytes, p);
      if (length < 0) continue;
      const next = pos + p + HEADER_BYTES + length + FOOTER_BYTES;
      if (next === blob.size) return pos + p;
      if (next + HEADER_BYTES > blob.size) continue;
      const inWindow = next - pos + HEADER_BYTES <= bytes.length;
      const ok = inWindow
        ? headerLength(bytes, next - pos) >= 0
        : hasRecordHeader(await bytesOf(blob, next, next + HEADER_BYTES));
      if (ok) return pos + p;
    }
  }
  return -1;
}

interface Piece {
  file: number;
  start: number;
  end: number;
  /** Offset of `start` in the split's bytes (the files one after another). */
  at: number;
}

/**
 * Cuts the files into pieces at record starts near the given offsets in the split's bytes (the files one after
 * another), and at the files' ends. A cut with no record start before the next one is left out.
 */
async function cutPieces(files: Blob[], cuts: number[]): Promise<Piece[]> {
  // Every cut is looked for at once: each is a read of the file, and they do not depend on each other.
  let fileAt = 0;
  const perFile = files.map((blob) => {
    const inside = cuts.map((c) => c - fileAt).filter((c) => c > 0 && c < blob.size);
    fileAt += blob.size;
    return Promise.all(inside.map((cut, k) => recordStartAfter(blob, cut, inside[k + 1] ?? blob.size)));
  });
  const starts = await Promise.all(perFile);
  const pieces: Piece[] = [];
  fileAt = 0;
  for (const [file, blob] of files.entries()) {
    let start = 0;
    for (const at of starts[file]) {
      if (at <= start) continue;
      pieces.push({ file, start, end: at, at: fileAt + start });
      start = at;
    }
    pieces.push({ file, start, end: blob.size, at: fileAt + start });
    fileAt += blob.size;
  }
  return pieces;
}

/** The split's schema and features from its first record, or null if the first file does not start with one. */
async function firstRecord(
  files: Blob[],
  names: string[],
  opts: ReadSplitOptions,
): Promise<{ schema: FeatureSchema; features: ReturnType<typeof listFeatures> } | null> {
  const head = await bytesOf(files[0], 0, SCAN_BYTES);
  const length = headerLength(head, 0);
  if (length < 0) return null;
  const end = HEADER_BYTES + length;
  const bytes = end <= head.length ? head : await bytesOf(files[0], 0, end);
  if (bytes.length < end) return null;
  const data = bytes.subarray(HEADER_BYTES, end);
  const schema = opts.knownSchema ?? detectSchema(data, names[0], 0, 0, opts.schema);
  return { schema, features: listFeatures(data, { file: names[0], record: 0, offset: 0 }) };
}

/**
 * `readSplit` with the split cut in pieces read at once: the first share here, straight into the split's storage,
 * the rest by `reader`'s workers, appended in order. Same result, same errors (see the module comment); falls back
 * to one `readSplit` where pieces cannot help.
 */
export async function readSplitParallel(
  files: Blob[],
  opts: ReadSplitOptions,
  reader: PieceReader,
): Promise<LoadedSplit> {
  const sequential = () => readSplit(files, opts);
  const total = files.reduce((n, f) => n + f.size, 0);
  // What is stored never exceeds the files' bytes by much (a pixel takes at least one byte in a file): the pieces
  // from the workers are held until appended, which must fit in the budget as well.
  const fits = opts.maxBytes === undefined || 2.1 * total <= opts.maxBytes;
  if (reader.concurrency < 1 || total < PARALLEL_FROM_BYTES || !fits || files.some((f) => f.size === 0)) {
    return sequential();
  }
  const names = files.map((f, i) => (f as File).name || `file ${i + 1}`);
  let pieces: Piece[];
  let first: Awaited<ReturnType<typeof firstRecord>>;
  // One share of the split's bytes per reader, this worker's first: the workers get theirs at once, so none waits
  // for this one to hand out the next piece.
  const workers = Math.min(reader.concurrency, Math.floor(total / MIN_SHARE_BYTES) - 1);
  if (workers < 1) return sequential();
  const share = Math.ceil(total / (workers + 1));
  try {
    // Every file must start with a record header: a compressed (or foreign) file is read the one way. The first
    // file's is checked with its first record.
    const [heads, firstFound] = await Promise.all([
      Promise.all(files.slice(1).map((f) => bytesOf(f, 0, HEADER_BYTES))),
      firstRecord(files, names, opts),
    ]);
    if (!heads.every((head) => hasRecordHeader(head))) return sequential();
    first = firstFound;
    if (!first || first.schema.imageKind === 'encoded') return sequential();
    pieces = await cutPieces(
      files,
      Array.from({ length: workers }, (_, k) => (k + 1) * share),
    );
  } catch {
    return sequential();
  }
  /** The reader of a piece: 0 is this worker, k the pool's worker k − 1. */
  const readerOf = (p: Piece) => Math.min(workers, Math.floor(p.at / share));
  const mine = pieces.filter((p) => readerOf(p) === 0);
  const theirs = pieces.filter((p) => readerOf(p) > 0);
  if (theirs.length === 0) return sequential();
  const { schema, features } = first;

  const done = { bytes: pieces.map(() => 0), records: pieces.map(() => 0) };
  const progress = (i: number) => (bytes: number, records: number) => {
    done.bytes[i] = bytes;
    done.records[i] = records;
    if (!opts.onProgress) return;
    const file = pieces[i].file;
    const p: ReadProgress = { file: names[file], bytesRead: 0, bytesTotal: files[file].size, records: 0 };
    pieces.forEach((q, k) => {
      if (q.file !== file) return;
      p.bytesRead += done.bytes[k];
      p.records += done.records[k];
    });
    opts.onProgress(p);
  };
  const slice = (p: Piece) => files[p.file].slice(p.start, p.end);
  const skipBadRecords = opts.skipBadRecords ?? false;
  const requireLabels = opts.requireLabels ?? false;

  let failed = false;
  const results = theirs.map((piece) =>
    reader
      .read(slice(piece), names[piece.file], schema, {
        skipBadRecords,
        requireLabels,
        worker: readerOf(piece) - 1,
        onProgress: progress(pieces.indexOf(piece)),
      })
      .catch(() => {
        failed = true;
        return null;
      }),
  );

  /** Records per file, from this worker's pieces and then the workers'. */
  const perFile = files.map(() => 0);
  /** Records per file read so far, skipped ones included: the index of the next piece's first record. */
  const indexed = files.map(() => 0);
  let own: Awaited<ReturnType<typeof readSplitInto>> | null = null;
  let skipped = 0;
  try {
    for (const piece of mine) {
      if (failed) break;
      const before = own?.builder.size ?? 0;
      const onProgress = progress(pieces.indexOf(piece));
      own = await readSplitInto([new File([slice(piece)], names[piece.file])], {
        knownSchema: schema,
        skipBadRecords,
        requireLabels,
        origin: { record: indexed[piece.file], offset: piece.start },
        storageFor: total,
        into: own?.builder,
        signal: opts.signal,
        onProgress: (p) => onProgress(p.bytesRead, p.records),
      });
      skipped += own.skipped;
      perFile[piece.file] += own.builder.size - before;
      indexed[piece.file] += own.files[0].records + own.skipped;
    }
  } catch {
    failed = true;
  }
  const theirResults = await Promise.all(results);
  opts.signal?.throwIfAborted();
  if (failed || !own) return sequential();

  // Join: the workers' records after this worker's, in file order. A file without records is an error, which the
  // one-way read words.
  const { builder } = own;
  try {
    for (const [k, r] of (theirResults as LoadedSplit[]).entries()) {
      const { file, start } = theirs[k];
      builder.append(r, { record: indexed[file], offset: start });
      skipped += r.skipped;
      perFile[file] += r.count;
      indexed[file] += r.count + r.skipped;
    }
  } catch {
    return sequential();
  }
  if (perFile.some((n) => n === 0)) return sequential();
  return {
    ...builder.finish(),
    skipped,
    files: files.map((f, i) => ({ name: names[i], bytes: f.size, records: perFile[i] })),
    features,
  };
}
