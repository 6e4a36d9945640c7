/**
 * Custom model definitions in IndexedDB: the `definitions` store of the one `pagetrain` database, one record per
 * name. Read and written by the worker (worker/definitions.ts) for the page's model library, on the worker's
 * connection. Records carry a version and are validated on load; one that fails is skipped and reported, never
 * trusted.
 */
import { writeError, type Db } from './db';
import { RECORD_VERSION } from '../shared/snapshot-types';
import { parseDefinition, stringifyDefinition } from '../model-spec/json';
import type { ModelDefinition } from '../model-spec/format';
import { text } from '../shared/errors';

/** Every saved definition, by name; `skipped` lists records that no longer validate. */
export async function loadDefinitions(
  db: Db,
): Promise<{ definitions: ModelDefinition[]; skipped: string[] }> {
  const records = await db.getAll('definitions');
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

export async function saveDefinition(db: Db, def: ModelDefinition): Promise<void> {
  try {
    await db.put('definitions', {
      version: RECORD_VERSION,
      name: def.name,
      savedAt: Date.now(),
      definition: def,
    });
  } catch (e) {
    throw writeError(text('store_save_definition', { name: def.name }), e);
  }
}

export async function deleteDefinition(db: Db, name: string): Promise<void> {
  try {
    await db.delete('definitions', name);
  } catch (e) {
    throw writeError(text('store_delete_definition', { name }), e);
  }
}
