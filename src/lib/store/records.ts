/**
 * What pagetrain keeps in IndexedDB, as plain data: runs (settings, dataset fingerprint, metric history) and
 * checkpoints (weights, Adam state, step). Pure TypeScript — no tfjs, no idb — so the worker, the page and Node tests
 * share it. Every record carries `version`; `validateRun` / `validateCheckpoint` check one read back from disk and
 * name what is wrong, so an unreadable record is reported and skipped rather than crashing the app.
 */
import {
  RECORD_VERSION,
  type CheckpointMeta,
  type CheckpointRecord,
  type FileFingerprint,
  type FingerprintMethod,
  type RunRecord,
  type WeightSpec,
} from '../shared/snapshot-types';

export function checkpointMeta(c: CheckpointRecord): CheckpointMeta {
  const { model, optimizer, ...meta } = c;
  return { ...meta, bytes: model.weights.data.byteLength + optimizer.data.byteLength };
}

const DTYPE_BYTES: Record<WeightSpec['dtype'], number> = { float32: 4, int32: 4 };

export function weightBytes(specs: WeightSpec[]): number {
  return specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[s.dtype], 0);
}

type Check = (v: unknown) => boolean;
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr: Check = (v) => typeof v === 'string' && v.length > 0;
const isNum: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isCount: Check = (v) => Number.isInteger(v) && (v as number) >= 0;
const isNumOrNull: Check = (v) => v === null || isNum(v);

function checkFields(
  where: string,
  o: Record<string, unknown>,
  fields: Record<string, Check>,
): string | null {
  for (const [k, ok] of Object.entries(fields))
    if (!ok(o[k])) return `${where}: field "${k}" is missing or invalid`;
  return null;
}

function checkWeights(where: string, w: unknown): string | null {
  if (!isObj(w) || !Array.isArray(w.specs) || !(w.data instanceof ArrayBuffer))
    return `${where}: weights are missing`;
  for (const [i, s] of w.specs.entries()) {
    if (
      !isObj(s) ||
      !isStr(s.name) ||
      !Array.isArray(s.shape) ||
      !s.shape.every(isCount) ||
      !(s.dtype === 'float32' || s.dtype === 'int32')
    )
      return `${where}: weight ${i} has an invalid name, shape or dtype`;
  }
  const want = weightBytes(w.specs as WeightSpec[]);
  if (want !== w.data.byteLength)
    return `${where}: weights hold ${w.data.byteLength} bytes but their specs need ${want}`;
  return null;
}

function checkConfig(where: string, c: unknown): string | null {
  if (!isObj(c)) return `${where}: config is missing`;
  return checkFields(`${where} config`, c, {
    model: isStr,
    labelLoss: isStr,
    batchSize: isCount,
    baseLearningRate: isNum,
    numEpochs: isCount,
    seed: Number.isInteger,
  });
}

const HISTORY_FIELDS: Record<string, Check> = {
  step: isCount,
  epoch: isCount,
  loss: isNum,
  examplesPerSec: isNum,
  hitAt1: isNum,
  perr: isNum,
  gap: isNum,
  learningRate: isNum,
};

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

function idOf(v: unknown): string {
  return isObj(v) && typeof v.id === 'string' ? v.id : '(no id)';
}

export function validateRun(v: unknown): Validated<RunRecord> {
  const where = `run ${idOf(v)}`;
  if (!isObj(v)) return { ok: false, error: `${where}: not an object` };
  if (v.version !== RECORD_VERSION)
    return { ok: false, error: `${where}: format version ${String(v.version)}, expected ${RECORD_VERSION}` };
  const error =
    checkFields(where, v, {
      id: isStr,
      name: isStr,
      createdAt: isNum,
      updatedAt: isNum,
      globalStep: isCount,
      dataset: Array.isArray,
      history: Array.isArray,
    }) ??
    checkConfig(where, v.config) ??
    (v.history as unknown[]).reduce<string | null>(
      (e, h, i) =>
        e ??
        (isObj(h)
          ? checkFields(`${where} history[${i}]`, h, HISTORY_FIELDS)
          : `${where}: history[${i}] invalid`),
      null,
    ) ??
    (v.dataset as unknown[]).reduce<string | null>(
      (e, f, i) =>
        e ??
        (isObj(f)
          ? checkFields(`${where} dataset[${i}]`, f, {
              split: isStr,
              name: isStr,
              size: isCount,
              // Records saved before the field was named for what it is called it `sha256`.
              ...('sha256' in f ? { sha256: isStr } : { fingerprint: isStr, method: isMethod }),
            })
          : `${where}: dataset[${i}] invalid`),
      null,
    ) ??
    (v.evals === undefined || Array.isArray(v.evals)
      ? (v.evals ?? []).reduce<string | null>(
          (e: string | null, p: unknown, i: number) => e ?? evalPointError(`${where} evals[${i}]`, p),
          null,
        )
      : `${where}: field "evals" is invalid`) ??
    (v.final === null || (isObj(v.final) && isCount(v.final.step) && isNumOrNull(v.final.loss))
      ? null
      : `${where}: field "final" is invalid`);
  if (error) return { ok: false, error };
  const run = v as unknown as RunRecord;
  return {
    ok: true,
    value: { ...run, dataset: run.dataset.map(currentFingerprint), evals: run.evals ?? [] },
  };
}

/** A validation point of a run: its step and epoch, and its metrics by name (numbers). */
function evalPointError(where: string, p: unknown): string | null {
  if (!isObj(p)) return `${where} invalid`;
  return (
    checkFields(where, p, { step: isCount, epoch: isCount, metrics: isObj }) ??
    (Object.values(p.metrics as Record<string, unknown>).every(isNum)
      ? null
      : `${where}: field "metrics" is invalid`)
  );
}

const METHODS: readonly FingerprintMethod[] = ['sha256', 'sha256-sample', 'unrecorded'];
const isMethod: Check = (m) => METHODS.includes(m as FingerprintMethod);

/**
 * A dataset entry as this version writes it. One saved before the fingerprint's method was kept has `sha256`: of the
 * whole file when it is small enough to have been hashed whole by every version, otherwise `unrecorded`.
 */
function currentFingerprint(f: FileFingerprint | LegacyFingerprint): FileFingerprint {
  if (!('sha256' in f)) return f;
  const { sha256, ...rest } = f;
  return {
    ...rest,
    fingerprint: sha256,
    method: f.size <= 3 * FINGERPRINT_SLICE_BYTES ? 'sha256' : 'unrecorded',
  };
}

/** A dataset entry as saved before the fingerprint's method was kept. */
type LegacyFingerprint = Omit<FileFingerprint, 'fingerprint' | 'method'> & { sha256: string };

/** The fields a checkpoint and its summary share; null when they hold. */
function checkpointFieldsError(where: string, v: Record<string, unknown>): string | null {
  return (
    checkFields(where, v, {
      id: isStr,
      runId: isStr,
      step: isCount,
      epoch: isCount,
      epochExamples: isCount,
      learningRate: isNum,
      createdAt: isNum,
      pinned: (p) => typeof p === 'boolean',
      reason: (r) => r === 'interval' || r === 'end' || r === 'stopped' || r === 'manual',
      regularized: (r) => Array.isArray(r) && r.every((x) => isObj(x) && isCount(x.index) && isNum(x.l2)),
    }) ??
    checkConfig(where, v.config) ??
    (v.metrics === null || (isObj(v.metrics) && !checkFields(where, v.metrics, HISTORY_FIELDS))
      ? null
      : `${where}: field "metrics" is invalid`)
  );
}

export function validateCheckpoint(v: unknown): Validated<CheckpointRecord> {
  const where = `checkpoint ${idOf(v)}`;
  if (!isObj(v)) return { ok: false, error: `${where}: not an object` };
  if (v.version !== RECORD_VERSION)
    return { ok: false, error: `${where}: format version ${String(v.version)}, expected ${RECORD_VERSION}` };
  const model = v.model;
  const error =
    checkpointFieldsError(where, v) ??
    (isObj(model) && isObj(model.topology) ? null : `${where}: model topology is missing`) ??
    checkWeights(`${where} model`, isObj(model) ? model.weights : undefined) ??
    checkWeights(`${where} optimizer`, v.optimizer);
  return error ? { ok: false, error } : { ok: true, value: v as unknown as CheckpointRecord };
}

/** A checkpoint's summary as lists read it (the `checkpoint-meta` store): the checkpoint's fields but its buffers. */
export function validateCheckpointMeta(v: unknown): Validated<CheckpointMeta> {
  const where = `checkpoint ${idOf(v)}`;
  if (!isObj(v)) return { ok: false, error: `${where}: not an object` };
  if (v.version !== RECORD_VERSION)
    return { ok: false, error: `${where}: format version ${String(v.version)}, expected ${RECORD_VERSION}` };
  const error =
    checkpointFieldsError(where, v) ?? (isCount(v.bytes) ? null : `${where}: field "bytes" is invalid`);
  return error ? { ok: false, error } : { ok: true, value: v as unknown as CheckpointMeta };
}

/**
 * Keep-last-K: the ids to delete so that each run keeps its `keep` latest unpinned checkpoints (by step, then
 * time). Pinned checkpoints are never deleted and do not count towards `keep`.
 */
export function checkpointsToDrop(
  checkpoints: Pick<CheckpointMeta, 'id' | 'runId' | 'step' | 'createdAt' | 'pinned'>[],
  keep: number,
): string[] {
  const byRun = new Map<string, typeof checkpoints>();
  for (const c of checkpoints) {
    if (c.pinned) continue;
    const list = byRun.get(c.runId) ?? [];
    list.push(c);
    byRun.set(c.runId, list);
  }
  const drop: string[] = [];
  for (const list of byRun.values()) {
    list.sort((a, b) => b.step - a.step || b.createdAt - a.createdAt);
    drop.push(...list.slice(Math.max(0, keep)).map((c) => c.id));
  }
  return drop;
}

/** Hex SHA-256 of a file's bytes (Web Crypto: the same in the worker and in Node). */
export async function sha256Hex(bytes: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Bytes of a file hashed for its fingerprint: the whole file up to three slices, otherwise its size and a slice at its
 * head, middle and tail. So a fingerprint costs at most 3 MiB of memory and reading, whatever the file's size (a
 * split's data budget is checked before it is read; this must not read the whole file beside it).
 */
export const FINGERPRINT_SLICE_BYTES = 1024 * 1024;

/** The bytes a fingerprint hashes (see FINGERPRINT_SLICE_BYTES). */
export async function fingerprintBytes(f: Blob): Promise<Uint8Array<ArrayBuffer>> {
  const slice = FINGERPRINT_SLICE_BYTES;
  if (f.size <= 3 * slice) return new Uint8Array(await f.arrayBuffer());
  const middle = Math.floor((f.size - slice) / 2);
  const out = new Uint8Array(8 + 3 * slice);
  new DataView(out.buffer).setFloat64(0, f.size, true);
  let at = 8;
  for (const start of [0, middle, f.size - slice]) {
    out.set(new Uint8Array(await f.slice(start, start + slice).arrayBuffer()), at);
    at += slice;
  }
  return out;
}

/**
 * Name, size and fingerprint of each file: the SHA-256 of the whole file when it is small (up to 3 MiB), otherwise of
 * its size and three 1 MiB slices (fingerprintBytes); `method` says which. Files are hashed one after another, so at
 * most one sample is held.
 */
export async function fingerprintFiles(split: string, files: Blob[]): Promise<FileFingerprint[]> {
  const out: FileFingerprint[] = [];
  for (const f of files)
    out.push({
      split,
      name: f instanceof File ? f.name : 'blob',
      size: f.size,
      fingerprint: await sha256Hex(await fingerprintBytes(f)),
      method: f.size <= 3 * FINGERPRINT_SLICE_BYTES ? 'sha256' : 'sha256-sample',
    });
  return out;
}
