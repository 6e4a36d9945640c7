/**
 * The models the page offers and the layer editor's draft: presets, custom definitions saved in IndexedDB (by the
 * worker, asked through the hooks), and the definition being edited, resolved (shapes, parameters, errors) against
 * the loaded data as it changes.
 */
import {
  DEFAULT_MLP_HIDDEN,
  LOGISTIC_MODEL,
  MLP_MODEL,
  PRESET_NAMES,
  isPreset,
  logisticDefinition,
  parseHiddenSizes,
  presetDefinition,
} from '../model-spec/presets';
import {
  definition,
  newLayer,
  type LayerClass,
  type LayerSpec,
  type ModelDefinition,
} from '../model-spec/format';
import { nameProblem, parseDefinition, stringifyDefinition } from '../model-spec/json';
import { resolveModel, type ResolvedModel } from '../model-spec/resolve';
import { downloadText } from './download';
import { m } from '../../paraglide/messages.js';
import { shownError } from '../i18n-text';
import { joinTexts, text, type UserText } from '../shared/errors';
import type { SavedDefinitions } from '../shared/persist-types';

/** What the data says a model must take and give; before any data is loaded, MNIST's 28×28×1 and 10 classes. */
export interface ModelData {
  inputShape: [number, number, number];
  numClasses: number;
  /** True when these come from loaded data rather than the defaults. */
  fromData: boolean;
}

export const DEFAULT_MODEL_DATA: ModelData = { inputShape: [28, 28, 1], numClasses: 10, fromData: false };

const STARTER_LAYERS: LayerSpec[] = [
  { className: 'Conv2D', config: { filters: 8, kernelSize: 3, activation: 'relu' } },
  { className: 'MaxPooling2D', config: { poolSize: 2 } },
  { className: 'Flatten', config: {} },
  { className: 'Dense', config: { units: 32, activation: 'relu' } },
];

/** What the library needs of the page: the data's shape, where to report, and the worker's answers. */
export interface ModelLibraryHooks {
  /** What the loaded data says a model must take and give. */
  data: () => ModelData;
  /** `what` failed because of `e` (shown in the page's one alert). */
  fail: (what: () => string, e: unknown) => void;
  /** Why the backend in use cannot train `def` as `name` on such data, or null. */
  check?: (def: ModelDefinition | null, name: string, data: ModelData) => Promise<UserText | null>;
  /** The saved definitions: read, saved and deleted by the worker, which holds the database. */
  definitions: {
    list(): Promise<SavedDefinitions>;
    save(def: ModelDefinition): Promise<void>;
    remove(name: string): Promise<void>;
  };
}

export class ModelLibrary {
  #hooks: ModelLibraryHooks;

  /** Saved custom definitions, sorted by name. */
  custom = $state.raw<ModelDefinition[]>([]);
  /** The MLP preset's hidden sizes as typed ("256, 128"). */
  mlpHiddenText = $state(DEFAULT_MLP_HIDDEN.join(', '));
  mlpHidden = $derived(parseHiddenSizes(this.mlpHiddenText));
  /** The definition in the editor. */
  draft = $state<ModelDefinition>(definition('MyModel', structuredClone(STARTER_LAYERS)));
  /** A short confirmation of the last editor action ("Saved MyModel."). */
  notice = $state<string | null>(null);

  data = $derived.by(() => this.#hooks.data());
  names = $derived([...PRESET_NAMES, ...this.custom.map((d) => d.name)]);
  draftResolved = $derived(resolveModel(this.draft, this.data.inputShape, this.data.numClasses));
  draftNameProblem = $derived.by(() => this.#nameProblem(this.draft.name));

  constructor(hooks: ModelLibraryHooks) {
    this.#hooks = hooks;
  }

  #fail(what: () => string, e: unknown): void {
    this.#hooks.fail(what, e);
  }

  /**
   * Why the backend in use cannot train `name` on the loaded data (a missing kernel, a layer that does not fit), or
   * null; asked of the worker so the answer comes before Train is pressed.
   */
  async trainProblem(name: string): Promise<UserText | string | null> {
    try {
      const check = this.#hooks.check;
      if (!check) return null;
      return await check(this.definitionToTrain(name), name, $state.snapshot(this.data) as ModelData);
    } catch (e) {
      return shownError(e);
    }
  }

  #nameProblem(name: string): UserText | null {
    const p = nameProblem(name);
    if (p) return p;
    if (isPreset(name)) return text('name_is_preset', { name });
    return null;
  }

  /** Reads the saved definitions (the worker moves an old models database's in before it answers). */
  async load(): Promise<void> {
    try {
      const { definitions, skipped } = await this.#hooks.definitions.list();
      this.custom = definitions;
      if (skipped.length) this.#fail(m.saved_models_skipped, skipped.join(' '));
    } catch (e) {
      this.#fail(m.saved_models_unreadable, e);
    }
  }

  /** The definition behind `name` (LogisticModel's too, for its table), or null for an unknown name. */
  definitionOf(name: string): ModelDefinition | null {
    if (name === LOGISTIC_MODEL) return logisticDefinition();
    if (name === MLP_MODEL) return presetDefinition(name, this.mlpHidden ?? DEFAULT_MLP_HIDDEN);
    return presetDefinition(name) ?? this.custom.find((d) => d.name === name) ?? null;
  }

  resolve(name: string): ResolvedModel | null {
    const def = this.definitionOf(name);
    return def ? resolveModel(def, this.data.inputShape, this.data.numClasses) : null;
  }

  /** What the worker builds for `name`: null for LogisticModel (its own builder), else a plain definition. */
  definitionToTrain(name: string): ModelDefinition | null {
    if (name === LOGISTIC_MODEL) return null;
    if (name === MLP_MODEL && !this.mlpHidden)
      throw Object.assign(new Error(m.mlp_hidden_error()), { name: 'ModelError' });
    const def = this.definitionOf(name);
    if (!def) throw Object.assign(new Error(m.no_such_model({ name })), { name: 'ModelError' });
    return $state.snapshot(def) as ModelDefinition;
  }

  // The editor.

  addLayer(c: LayerClass): void {
    this.draft.layers.push(newLayer(c));
    this.notice = null;
  }

  removeLayer(i: number): void {
    this.draft.layers.splice(i, 1);
    this.notice = null;
  }

  /** Moves layer i by delta (−1 up, +1 down) when there is room. */
  moveLayer(i: number, delta: number): void {
    const j = i + delta;
    const layers = this.draft.layers;
    if (j < 0 || j >= layers.length) return;
    [layers[i], layers[j]] = [layers[j], layers[i]];
    this.notice = null;
  }

  setField(i: number, key: string, value: unknown): void {
    const config = this.draft.layers[i].config as Record<string, unknown>;
    if (value === undefined) delete config[key];
    else config[key] = value;
    this.notice = null;
  }

  newDraft(): void {
    this.draft = definition('MyModel', structuredClone(STARTER_LAYERS));
    this.notice = null;
  }

  /** Puts a copy of `name` in the editor: a custom model under its own name, a preset under a new one. */
  edit(name: string): void {
    const def = this.definitionOf(name);
    if (!def) return;
    const copy = $state.snapshot(def) as ModelDefinition;
    this.draft = definition(isPreset(name) ? `My${name}` : name, copy.layers, copy.description);
    this.notice = m.notice_editing({ name: this.draft.name });
  }

  /** Saves the draft under its name; refused, with the reason in the alert, when the name or any layer is invalid. */
  async save(): Promise<boolean> {
    const def = $state.snapshot(this.draft) as ModelDefinition;
    const problems = [this.draftNameProblem, ...this.draftResolved.errors].filter((p) => p !== null);
    if (problems.length) {
      this.#fail(() => m.cannot_save_model({ name: def.name }), joinTexts(problems));
      return false;
    }
    try {
      await this.#hooks.definitions.save(def);
      this.custom = [...this.custom.filter((d) => d.name !== def.name), def].sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      this.notice = m.notice_saved({ name: def.name });
      return true;
    } catch (e) {
      this.#fail(() => m.could_not_save_model({ name: def.name }), e);
      return false;
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await this.#hooks.definitions.remove(name);
      this.custom = this.custom.filter((d) => d.name !== name);
      this.notice = m.notice_deleted({ name });
    } catch (e) {
      this.#fail(() => m.could_not_delete_model({ name }), e);
    }
  }

  downloadDraft(): void {
    const def = $state.snapshot(this.draft) as ModelDefinition;
    downloadText(
      `${def.name.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'model'}.json`,
      stringifyDefinition(def),
      'application/json',
    );
  }

  /** Reads an exported definition into the editor (not saved until Save model). */
  async importFile(file: File): Promise<void> {
    try {
      if (file.size > 1_000_000)
        throw new Error(m.definition_too_big({ file: file.name, bytes: file.size.toLocaleString('en') }));
      this.draft = parseDefinition(await file.text(), file.name);
      this.notice = m.notice_imported({ name: this.draft.name, file: file.name });
    } catch (e) {
      this.#fail(m.could_not_import_definition, e);
    }
  }
}

/** The input shape and class count of the loaded data, as the worker computes them; defaults before any data. */
export function modelDataOf(
  splits: Partial<
    Record<string, { shape: [number, number, number]; hasLabels: boolean; numClasses: number }>
  >,
): ModelData {
  const loaded = Object.values(splits).filter((s) => !!s);
  const first = splits.train ?? loaded[0];
  if (!first) return DEFAULT_MODEL_DATA;
  const classes = Math.max(2, ...loaded.map((s) => (s!.hasLabels ? s!.numClasses : 0)));
  return { inputShape: first.shape, numClasses: classes, fromData: true };
}
