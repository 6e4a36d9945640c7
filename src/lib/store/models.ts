/**
 * Custom model definitions in IndexedDB: the `definitions` store of the one `pagetrain` database, one record per
 * name, read and written from the page. Records carry a version and are validated on load; one that fails is skipped
 * and reported, never trusted.
 */
import { CLOSED_FOR_UPGRADE, DB_NAME, openStore, type Db, type StoreEvents } from './db';
export { legacyModelsPending } from './db';
import { parseDefinition, stringifyDefinition } from '../model-spec/json';
import type { ModelDefinition } from '../model-spec/format';
import { PagetrainError } from '../shared/errors';

const RECORD_VERSION = 1;

let db: Promise<Db> | null = null;
/** Set when this tab closed its connection for a newer version's upgrade in another tab. */
let closed = false;
let listener: StoreEvents = {};

/**
 * Told about this (the page's) connection: the page's open is usually the first of a tab, so it is the one an
 * upgrade's `blocked` reaches (the worker's waits in the queue behind it).
 */
export function watchConnection(events: StoreEvents): void {
  listener = events;
}

function open(): Promise<Db> {
  if (closed) return Promise.reject(new PagetrainError('StorageError', CLOSED_FOR_UPGRADE));
  db ??= openStore(
    DB_NAME,
    {
      onBlocked: () => listener.onBlocked?.(),
      onBlocking: () => {
        closed = true;
        listener.onBlocking?.();
      },
      onTerminated: () => {
        db = null;
        listener.onTerminated?.();
      },
    },
    // The worker moves the old database's definitions in (see openStore); the page only reads.
    false,
  );
  db.catch(() => (db = null));
  return db;
}

function storageError(e: unknown, what: string): Error {
  const quota = e instanceof DOMException && e.name === 'QuotaExceededError';
  return Object.assign(
    new Error(
      quota
        ? `The browser's storage for this page is full, so ${what} failed. Delete saved models or checkpoints you no longer need.`
        : `${what} failed: ${(e as Error).message}`,
    ),
    { name: 'StorageError' },
  );
}

/** Every saved definition, by name; `skipped` lists records that no longer validate. */
export async function loadDefinitions(): Promise<{ definitions: ModelDefinition[]; skipped: string[] }> {
  const records = await (await open()).getAll('definitions');
  const definitions: ModelDefinition[] = [];
  const skipped: string[] = [];
  for (const r of records) {
    try {
      if (r.version !== RECORD_VERSION) throw new Error(`record version ${r.version}`);
      definitions.push(parseDefinition(stringifyDefinition(r.definition), `saved model "${r.name}"`));
    } catch (e) {
      skipped.push(`${r.name}: ${(e as Error).message}`);
    }
  }
  definitions.sort((a, b) => a.name.localeCompare(b.name));
  return { definitions, skipped };
}

export async function saveDefinition(def: ModelDefinition): Promise<void> {
  try {
    await (
      await open()
    ).put('definitions', { version: RECORD_VERSION, name: def.name, savedAt: Date.now(), definition: def });
  } catch (e) {
    throw storageError(e, `Saving the model "${def.name}"`);
  }
}

export async function deleteDefinition(name: string): Promise<void> {
  try {
    await (await open()).delete('definitions', name);
  } catch (e) {
    throw storageError(e, `Deleting the model "${name}"`);
  }
}
