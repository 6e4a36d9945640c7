/**
 * The custom model definitions saved in this browser, for the page's model library: read, saved and deleted here, on
 * the worker's one connection to the database (the page has none of its own). Opening it first moves in the
 * definitions of the old models database, so a listing always includes them.
 */
import type { ModelDefinition } from '../model-spec/format';
import type { Db } from '../store/db';
import { deleteDefinition, loadDefinitions, saveDefinition } from '../store/models';
import type { SavedDefinitions } from '../shared/persist-types';

export class Definitions {
  readonly #open: () => Promise<Db>;

  /** `open`: the worker's connection (see Persistence.database). */
  constructor(open: () => Promise<Db>) {
    this.#open = open;
  }

  /** Every saved definition, sorted by name; records that no longer validate are skipped and named. */
  async list(): Promise<SavedDefinitions> {
    return loadDefinitions(await this.#open());
  }

  async save(def: ModelDefinition): Promise<void> {
    await saveDefinition(await this.#open(), def);
  }

  async remove(name: string): Promise<void> {
    await deleteDefinition(await this.#open(), name);
  }
}
