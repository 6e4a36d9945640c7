/**
 * The one IndexedDB database, `pagetrain`, typed with idb's DBSchema. It is opened in the worker, which owns it:
 * saving never blocks the page, every record is validated in one place, and no second connection can hold up a
 * version upgrade. Inside a transaction nothing but IndexedDB is awaited: callers serialise weights first.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import {
  checkpointMeta,
  checkpointsToDrop,
  validateCheckpoint,
  validateRun,
  type CheckpointMeta,
  type CheckpointRecord,
  type RunRecord,
} from './records';

export const DB_NAME = 'pagetrain';
export const DB_VERSION = 1;

/** A predictions.csv as made by Predict, tied to the run and the checkpoint (by step) its model came from. */
export interface PredictionRecord {
  version: 1;
  id: string;
  runId: string;
  /** The global step of the model that predicted. */
  step: number;
  /** The checkpoint saved at that step, when there is one. */
  checkpointId: string | null;
  createdAt: number;
  csv: string;
}

interface PagetrainDB extends DBSchema {
  runs: { key: string; value: RunRecord; indexes: { 'by-created': number } };
  checkpoints: { key: string; value: CheckpointRecord; indexes: { 'by-run': string } };
  predictions: { key: string; value: PredictionRecord; indexes: { 'by-run': string } };
}

export type Db = IDBPDatabase<PagetrainDB>;

export class StoreError extends Error {
  constructor(name: 'QuotaExceededError' | 'StoreError' | 'NotFoundError', message: string) {
    super(message);
    this.name = name;
  }
}

export async function openStore(name = DB_NAME): Promise<Db> {
  const db = await openDB<PagetrainDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      // One step per version: a database at any older version walks up through each.
      if (oldVersion < 1) {
        const runs = db.createObjectStore('runs', { keyPath: 'id' });
        runs.createIndex('by-created', 'createdAt');
        const checkpoints = db.createObjectStore('checkpoints', { keyPath: 'id' });
        checkpoints.createIndex('by-run', 'runId');
        const predictions = db.createObjectStore('predictions', { keyPath: 'id' });
        predictions.createIndex('by-run', 'runId');
      }
    },
    blocking() {
      // A newer version of the app opened the database in another tab: let it upgrade.
      db.close();
    },
  });
  return db;
}

/** The error a failed write surfaces as: a quota failure keeps its name so the page can say what to delete. */
function writeError(what: string, e: unknown, tx?: IDBTransaction | { error: DOMException | null }): Error {
  const cause = (tx?.error ?? e) as { name?: string; message?: string } | null;
  const name = cause?.name ?? '';
  if (name === 'QuotaExceededError' || (e as { name?: string })?.name === 'QuotaExceededError')
    return new StoreError('QuotaExceededError', `${what}: the browser's storage for this page is full`);
  return new StoreError('StoreError', `${what}: ${cause?.message ?? String(e)}`);
}

/**
 * Saves a checkpoint and its run in one transaction (both or neither), then applies keep-last-K to the run's
 * unpinned checkpoints in the same transaction. Returns the ids it deleted.
 */
export async function saveCheckpoint(
  db: Db,
  run: RunRecord,
  checkpoint: CheckpointRecord,
  keepLast: number,
): Promise<string[]> {
  const tx = db.transaction(['runs', 'checkpoints'], 'readwrite');
  const done = tx.done;
  try {
    const checkpoints = tx.objectStore('checkpoints');
    await tx.objectStore('runs').put(run);
    await checkpoints.put(checkpoint);
    const ofRun = await checkpoints.index('by-run').getAllKeys(run.id);
    const metas = [];
    for (const id of ofRun) {
      const c = await checkpoints.get(id);
      if (c && validateCheckpoint(c).ok)
        metas.push({ id: c.id, runId: c.runId, step: c.step, createdAt: c.createdAt, pinned: c.pinned });
    }
    const drop = checkpointsToDrop(metas, keepLast);
    for (const id of drop) await checkpoints.delete(id);
    await done;
    return drop;
  } catch (e) {
    await done.catch(() => {});
    throw writeError(`Could not save the checkpoint at step ${checkpoint.step}`, e, tx);
  }
}

export async function putPrediction(db: Db, record: PredictionRecord): Promise<void> {
  try {
    await db.put('predictions', record);
  } catch (e) {
    throw writeError(`Could not save the predictions of step ${record.step}`, e);
  }
}

/** The predictions saved for a run, oldest first. */
export async function predictionsOf(db: Db, runId: string): Promise<PredictionRecord[]> {
  const all = await db.getAllFromIndex('predictions', 'by-run', runId);
  return all
    .filter((p) => p.version === 1 && typeof p.csv === 'string')
    .sort((a, b) => a.createdAt - b.createdAt);
}

export async function putRun(db: Db, run: RunRecord): Promise<void> {
  try {
    await db.put('runs', run);
  } catch (e) {
    throw writeError(`Could not save run "${run.name}"`, e);
  }
}

export interface Listing {
  runs: RunRecord[];
  checkpoints: CheckpointMeta[];
  /** One line per record that could not be read (it is skipped, never deleted). */
  problems: string[];
}

export async function listAll(db: Db): Promise<Listing> {
  const problems: string[] = [];
  const runs: RunRecord[] = [];
  for (const r of (await db.getAll('runs')) as unknown[]) {
    const v = validateRun(r);
    if (v.ok) runs.push(v.value);
    else problems.push(v.error);
  }
  const checkpoints: CheckpointMeta[] = [];
  let cursor = await db.transaction('checkpoints').store.openCursor();
  while (cursor) {
    const v = validateCheckpoint(cursor.value);
    if (v.ok) checkpoints.push(checkpointMeta(v.value));
    else problems.push(v.error);
    cursor = await cursor.continue();
  }
  runs.sort((a, b) => b.createdAt - a.createdAt);
  checkpoints.sort((a, b) => b.createdAt - a.createdAt || b.step - a.step);
  return { runs, checkpoints, problems };
}

export async function getRun(db: Db, id: string): Promise<RunRecord | null> {
  const r = await db.get('runs', id);
  if (r === undefined) return null;
  const v = validateRun(r);
  if (!v.ok) throw new StoreError('StoreError', v.error);
  return v.value;
}

export async function getCheckpoint(db: Db, id: string): Promise<CheckpointRecord> {
  const c = await db.get('checkpoints', id);
  if (c === undefined) throw new StoreError('NotFoundError', `checkpoint ${id} is not in the database`);
  const v = validateCheckpoint(c);
  if (!v.ok) throw new StoreError('StoreError', v.error);
  return v.value;
}

export async function deleteCheckpoint(db: Db, id: string): Promise<void> {
  await db.delete('checkpoints', id);
}

export async function setPinned(db: Db, id: string, pinned: boolean): Promise<void> {
  const tx = db.transaction('checkpoints', 'readwrite');
  const c = await tx.store.get(id);
  if (c) await tx.store.put({ ...c, pinned });
  await tx.done;
}

/** Deletes a run and every checkpoint of it, pinned ones included, in one transaction. */
export async function deleteRun(db: Db, id: string): Promise<void> {
  const tx = db.transaction(['runs', 'checkpoints'], 'readwrite');
  const keys = await tx.objectStore('checkpoints').index('by-run').getAllKeys(id);
  for (const k of keys) await tx.objectStore('checkpoints').delete(k);
  await tx.objectStore('runs').delete(id);
  await tx.done;
}
