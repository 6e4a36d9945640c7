/**
 * Custom model definitions in IndexedDB: the `definitions` store of the one `pagetrain` database, one record per
 * name, read and written from the page. Records carry a version and are validated on load; one that fails is skipped
 * and reported, never trusted.
 */
import { Connection, writeError, type StoreEvents } from './db';
export { legacyModelsPending } from './db';
import { RECORD_VERSION } from '../shared/snapshot-types';
import { parseDefinition, stringifyDefinition } from '../model-spec/json';
import type { ModelDefinition } from '../model-spec/format';
import { text } from '../shared/errors';

let listener: StoreEvents = {};

/**
 * Told about this (the page's) connection: the page's open is usually the first of a tab, so it is the one an
 * upgrade's `blocked` reaches (the worker's waits in the queue behind it).
 */
export function watchConnection(events: StoreEvents): void {
  listener = events;
}

/** The page's connection; the worker moves the old database's definitions in (see openStore), the page only reads. */
const connection = new Connection(
  {
    onBlocked: () => listener.onBlocked?.(),
    onBlocking: () => listener.onBlocking?.(),
    onTerminated: () => listener.onTerminated?.(),
  },
  false,
);

/** Every saved definition, by name; `skipped` lists records that no longer validate. */
export async function loadDefinitions(): Promise<{ definitions: ModelDefinition[]; skipped: string[] }> {
  const records = await (await connection.open()).getAll('definitions');
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
      await connection.open()
    ).put('definitions', {
      version: RECORD_VERSION,
      name: def.name,
      savedAt: Date.now(),
      definition: def,
    });
  } catch (e) {
    throw writeError(text('store_save_definition', { name: def.name }), e);
  }
}

export async function deleteDefinition(name: string): Promise<void> {
  try {
    await (await connection.open()).delete('definitions', name);
  } catch (e) {
    throw writeError(text('store_delete_definition', { name }), e);
  }
}
