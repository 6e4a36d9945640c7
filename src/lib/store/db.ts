/**
 * The one IndexedDB database, `pagetrain`, typed with idb's DBSchema. Only the worker opens it, on one connection:
 * runs, checkpoints, predictions, imported models, and the custom model definitions it reads and writes for the
 * page (./models.ts). Inside a transaction nothing but IndexedDB is awaited: callers serialise weights first. Lists
 * read summaries and keys, never weights.
 *
 * Two tabs: a tab whose connection stands in the way of a newer version's upgrade closes it (`blocking`) and is told
 * to reload; the newer tab waits meanwhile (`blocked`) and says so. Every write is one transaction, so a tab that
 * loses its connection mid-write leaves the record either complete or absent.
 */
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Listing } from '../shared/persist-types';
import type { ModelDefinition } from '../model-spec/format';
import { text, PagetrainError, type UserText } from '../shared/errors';
import {
  checkpointMeta,
  checkpointsToDrop,
  validateCheckpoint,
  validateCheckpointMeta,
  validateRun,
} from './records';
import type { CheckpointMeta, CheckpointRecord, RunRecord } from '../shared/snapshot-types';

export const DB_NAME = 'pagetrain';
/** 1: runs, checkpoints, predictions. 2: checkpoint summaries, custom definitions, imported models. */
export const DB_VERSION = 2;
/** Where custom model definitions lived before version 2: copied into `definitions`, then deleted. */
export const LEGACY_MODELS_DB = 'pagetrain-models';

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

/** A custom model definition saved by name (validated by the models library when read). */
export interface StoredDefinition {
  version: number;
  name: string;
  savedAt: number;
  definition: ModelDefinition;
}

/**
 * An imported TensorFlow.js model: the uploaded files it was read from (model.json, weight files, training state),
 * kept as they came so that loading it again runs the same checks the import did.
 */
export interface ImportedModelRecord {
  version: 1;
  name: string;
  importedAt: number;
  files: { name: string; data: ArrayBuffer }[];
}

interface PagetrainDB extends DBSchema {
  runs: { key: string; value: RunRecord; indexes: { 'by-created': number } };
  checkpoints: { key: string; value: CheckpointRecord; indexes: { 'by-run': string } };
  /** Each checkpoint without its buffers, written in the same transaction: what lists and keep-last-K read. */
  'checkpoint-meta': { key: string; value: CheckpointMeta; indexes: { 'by-run': string } };
  predictions: { key: string; value: PredictionRecord; indexes: { 'by-run': string } };
  definitions: { key: string; value: StoredDefinition };
  imported: { key: string; value: ImportedModelRecord };
}

export type Db = IDBPDatabase<PagetrainDB>;

export class StoreError extends PagetrainError {
  constructor(name: 'QuotaExceededError' | 'StoreError' | 'NotFoundError', t: UserText) {
    super(name, t);
  }
}

/** What a tab hears about the database's connection (two tabs, upgrades). */
export interface StoreEvents {
  /** A newer version waits for this connection: it has been closed; the page should be reloaded. */
  onBlocking?(): void;
  /** This tab's upgrade waits for another tab to close its connection. */
  onBlocked?(): void;
  /** The browser closed the connection abnormally (storage cleared, disk error). */
  onTerminated?(): void;
}

/** The message a tab shows when it gave its connection up to a newer version in another tab. */
export const CLOSED_FOR_UPGRADE = text('store_closed_for_upgrade');

/** The notice a tab shows while its upgrade waits for another tab's connection. */
export const WAITING_FOR_OTHER_TAB = text('store_waiting_for_other_tab');

/** Opens (and upgrades) the database, then moves the definitions of the old models database in (if it is there). */
export async function openStore(name = DB_NAME, events: StoreEvents = {}): Promise<Db> {
  const db = await openDB<PagetrainDB>(name, DB_VERSION, {
    async upgrade(db, oldVersion, _newVersion, tx) {
      // One step per version: a database at any older version walks up through each.
      if (oldVersion < 1) {
        const runs = db.createObjectStore('runs', { keyPath: 'id' });
        runs.createIndex('by-created', 'createdAt');
        const checkpoints = db.createObjectStore('checkpoints', { keyPath: 'id' });
        checkpoints.createIndex('by-run', 'runId');
        const predictions = db.createObjectStore('predictions', { keyPath: 'id' });
        predictions.createIndex('by-run', 'runId');
      }
      if (oldVersion < 2) {
        const meta = db.createObjectStore('checkpoint-meta', { keyPath: 'id' });
        meta.createIndex('by-run', 'runId');
        db.createObjectStore('definitions', { keyPath: 'name' });
        db.createObjectStore('imported', { keyPath: 'name' });
        // Summaries of the checkpoints saved before: read once here, never again for a list.
        let cursor = await tx.objectStore('checkpoints').openCursor();
        while (cursor) {
          const v = validateCheckpoint(cursor.value);
          if (v.ok) await meta.put(checkpointMeta(v.value));
          cursor = await cursor.continue();
        }
      }
    },
    blocked() {
      events.onBlocked?.();
    },
    blocking() {
      // A newer version of the app opened the database in another tab: let it upgrade.
      db.close();
      events.onBlocking?.();
    },
    terminated() {
      events.onTerminated?.();
    },
  });
  await migrateLegacyDefinitions(db).catch((e: unknown) =>
    console.warn('pagetrain: could not move the saved model definitions yet', e),
  );
  return db;
}

/**
 * A tab's connection to the database, opened on first use (the worker's persistence holds it). Opened again after
 * the browser closed it; refused for good once it was given up to a newer version's upgrade in another tab (the page
 * must be reloaded).
 */
export class Connection {
  readonly #events: StoreEvents & { onOpen?(db: Db): Promise<void> };
  readonly #name: string;
  #db: Promise<Db> | null = null;
  #closedForUpgrade = false;

  /** `onOpen`: runs on each new connection before it is handed out. */
  constructor(events: StoreEvents & { onOpen?(db: Db): Promise<void> } = {}, name = DB_NAME) {
    this.#events = events;
    this.#name = name;
  }

  /** Whether this side gave its connection up to a newer version's upgrade (nothing is saved after). */
  get closedForUpgrade(): boolean {
    return this.#closedForUpgrade;
  }

  open(): Promise<Db> {
    if (this.#closedForUpgrade) return Promise.reject(new StoreError('StoreError', CLOSED_FOR_UPGRADE));
    const events = this.#events;
    this.#db ??= openStore(this.#name, {
      onBlocking: () => {
        this.#closedForUpgrade = true;
        events.onBlocking?.();
      },
      onBlocked: () => events.onBlocked?.(),
      onTerminated: () => {
        this.#db = null;
        events.onTerminated?.();
      },
    }).then(async (db) => {
      await events.onOpen?.(db);
      return db;
    });
    const opening = this.#db;
    opening.catch(() => {
      if (this.#db === opening) this.#db = null;
    });
    return opening;
  }
}

/** True while the old models database is still there (its definitions may not have moved yet). */
async function legacyModelsPending(): Promise<boolean> {
  if (typeof indexedDB.databases !== 'function') return false;
  return (await indexedDB.databases()).some((d) => d.name === LEGACY_MODELS_DB);
}

/**
 * Custom definitions saved by versions before 2 lived in their own database: copy those the main one lacks, then
 * delete the old database. Runs whenever the old database is there, so an interrupted move finishes next time.
 */
async function migrateLegacyDefinitions(db: Db): Promise<void> {
  if (typeof indexedDB.databases === 'function' && !(await legacyModelsPending())) return;
  const old = await openDB(LEGACY_MODELS_DB);
  try {
    if (old.objectStoreNames.contains('definitions')) {
      const records = (await old.getAll('definitions')) as unknown[];
      const tx = db.transaction('definitions', 'readwrite');
      for (const r of records) {
        if (typeof r !== 'object' || r === null || typeof (r as { name?: unknown }).name !== 'string')
          continue;
        const name = (r as StoredDefinition).name;
        if ((await tx.store.getKey(name)) === undefined) await tx.store.put(r as StoredDefinition);
      }
      await tx.done;
    }
  } finally {
    old.close();
  }
  // An old tab still holding it open delays the deletion until it closes; nothing waits for that here.
  void deleteDB(LEGACY_MODELS_DB).catch((e: unknown) =>
    console.warn('pagetrain: could not delete the old model database', e),
  );
}

/**
 * The error a failed write surfaces as, for every store of the database: a quota failure keeps its name
 * (QuotaExceededError) and says the storage is full, so the page can say what to delete.
 */
export function writeError(
  what: UserText,
  e: unknown,
  tx?: IDBTransaction | { error: DOMException | null },
): Error {
  const cause = (tx?.error ?? e) as { name?: string; message?: string } | null;
  const name = cause?.name ?? '';
  if (name === 'QuotaExceededError' || (e as { name?: string })?.name === 'QuotaExceededError')
    return new StoreError('QuotaExceededError', text('store_quota_full', { what }));
  return new StoreError(
    'StoreError',
    text('store_write_failed', { what, error: cause?.message ?? String(e) }),
  );
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
  const tx = db.transaction(['runs', 'checkpoints', 'checkpoint-meta'], 'readwrite');
  const done = tx.done;
  try {
    const checkpoints = tx.objectStore('checkpoints');
    const meta = tx.objectStore('checkpoint-meta');
    await tx.objectStore('runs').put(run);
    await checkpoints.put(checkpoint);
    await meta.put(checkpointMeta(checkpoint));
    const metas = (await meta.index('by-run').getAll(run.id)).filter((c) => validateCheckpointMeta(c).ok);
    const drop = checkpointsToDrop(metas, keepLast);
    for (const id of drop) {
      await checkpoints.delete(id);
      await meta.delete(id);
    }
    await done;
    return drop;
  } catch (e) {
    await done.catch(() => {});
    throw writeError(text('store_save_checkpoint', { step: checkpoint.step }), e, tx);
  }
}

export async function putPrediction(db: Db, record: PredictionRecord): Promise<void> {
  try {
    await db.put('predictions', record);
  } catch (e) {
    throw writeError(text('store_save_predictions', { step: record.step }), e);
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
    throw writeError(text('store_save_run', { name: run.name }), e);
  }
}

/** Runs whole (their histories are small), checkpoints by their summaries: no weights are read. */
export async function listAll(db: Db): Promise<Listing> {
  const problems: string[] = [];
  const runs: RunRecord[] = [];
  for (const r of (await db.getAll('runs')) as unknown[]) {
    const v = validateRun(r);
    if (v.ok) runs.push(v.value);
    else problems.push(v.error);
  }
  const checkpoints: CheckpointMeta[] = [];
  for (const c of (await db.getAll('checkpoint-meta')) as unknown[]) {
    const v = validateCheckpointMeta(c);
    if (v.ok) checkpoints.push(v.value);
    else problems.push(v.error);
  }
  // A checkpoint without a summary was unreadable when the summaries were made: name it, by key only.
  const summarized = new Set(await db.getAllKeys('checkpoint-meta'));
  for (const id of await db.getAllKeys('checkpoints'))
    if (!summarized.has(id)) problems.push(`checkpoint ${id}: unreadable record, skipped`);
  runs.sort((a, b) => b.createdAt - a.createdAt);
  checkpoints.sort((a, b) => b.createdAt - a.createdAt || b.step - a.step);
  return { runs, checkpoints, problems };
}

/** The checkpoints of a run, by their summaries. */
export async function checkpointsOf(db: Db, runId: string): Promise<CheckpointMeta[]> {
  return (await db.getAllFromIndex('checkpoint-meta', 'by-run', runId)).filter(
    (c) => validateCheckpointMeta(c).ok,
  );
}

export async function getRun(db: Db, id: string): Promise<RunRecord | null> {
  const r = await db.get('runs', id);
  if (r === undefined) return null;
  const v = validateRun(r);
  if (!v.ok) throw new StoreError('StoreError', text('text_raw', { text: v.error }));
  return v.value;
}

export async function getCheckpoint(db: Db, id: string): Promise<CheckpointRecord> {
  const c = await db.get('checkpoints', id);
  if (c === undefined) throw new StoreError('NotFoundError', text('store_checkpoint_missing', { id }));
  const v = validateCheckpoint(c);
  if (!v.ok) throw new StoreError('StoreError', text('text_raw', { text: v.error }));
  return v.value;
}

export async function deleteCheckpoint(db: Db, id: string): Promise<void> {
  const tx = db.transaction(['checkpoints', 'checkpoint-meta'], 'readwrite');
  await tx.objectStore('checkpoints').delete(id);
  await tx.objectStore('checkpoint-meta').delete(id);
  await tx.done;
}

export async function setPinned(db: Db, id: string, pinned: boolean): Promise<void> {
  const tx = db.transaction(['checkpoints', 'checkpoint-meta'], 'readwrite');
  const c = await tx.objectStore('checkpoints').get(id);
  const m = await tx.objectStore('checkpoint-meta').get(id);
  if (c) await tx.objectStore('checkpoints').put({ ...c, pinned });
  if (m) await tx.objectStore('checkpoint-meta').put({ ...m, pinned });
  await tx.done;
}

/** Deletes a run and every checkpoint of it, pinned ones included, in one transaction. */
export async function deleteRun(db: Db, id: string): Promise<void> {
  const tx = db.transaction(['runs', 'checkpoints', 'checkpoint-meta'], 'readwrite');
  const keys = await tx.objectStore('checkpoint-meta').index('by-run').getAllKeys(id);
  const full = await tx.objectStore('checkpoints').index('by-run').getAllKeys(id);
  for (const k of new Set([...keys, ...full])) {
    await tx.objectStore('checkpoints').delete(k);
    await tx.objectStore('checkpoint-meta').delete(k);
  }
  await tx.objectStore('runs').delete(id);
  await tx.done;
}

// ---- Imported models: listed by key, read whole only to build one ----

export async function putImported(db: Db, record: ImportedModelRecord): Promise<void> {
  try {
    await db.put('imported', record);
  } catch (e) {
    throw writeError(text('store_save_imported', { name: record.name }), e);
  }
}

export async function importedNames(db: Db): Promise<string[]> {
  return db.getAllKeys('imported');
}

export async function getImported(db: Db, name: string): Promise<ImportedModelRecord | null> {
  const r = (await db.get('imported', name)) as unknown;
  if (r === undefined) return null;
  const o = r as Partial<ImportedModelRecord>;
  if (
    o.version !== 1 ||
    typeof o.name !== 'string' ||
    !Array.isArray(o.files) ||
    !o.files.every((f) => typeof f?.name === 'string' && f.data instanceof ArrayBuffer)
  )
    throw new StoreError('StoreError', text('store_imported_unreadable', { name }));
  return o as ImportedModelRecord;
}

export async function deleteImported(db: Db, name: string): Promise<void> {
  await db.delete('imported', name);
}
