/**
 * The model in this worker and its training state (weights, Adam's moments, step and epoch), the settings it was
 * last trained with, and what its last evaluation and prediction gave, kept for looking at examples and the CSV.
 * A model is replaced whole: the old one's tensors are freed, and what it evaluated goes with it.
 */
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../shared/settings';
import type { Predictions } from '../ml/evaluate';
import { captureState, restoreState } from '../ml/snapshot';
import { disposeTrainingState, type TrainingState } from '../ml/trainer';
import type { ModelDefinition } from '../model-spec/format';
import { text, PagetrainError } from '../shared/errors';
import { definitionFor, definitionKey } from './models';

export class CurrentModel {
  #state: TrainingState | null = null;
  #config: TrainConfig | null = null;
  /** What the model was built from (name and layers): a changed definition starts fresh weights. */
  #key = '';
  /** The definition the page sent for the model `Model` names (null: LogisticModel). */
  #definition: ModelDefinition | null = null;
  /** The last evaluation's class probabilities (validation split) and the last prediction (test split). */
  lastValidation: Float32Array | null = null;
  lastTest: Predictions | null = null;

  get state(): TrainingState | null {
    return this.#state;
  }

  /** The settings the model was last trained, restored or imported with. */
  get config(): TrainConfig | null {
    return this.#config;
  }

  /** The model, or a StateError when there is none yet. */
  require(): TrainingState {
    if (!this.#state) throw new PagetrainError('StateError', text('worker_no_model'));
    return this.#state;
  }

  /** The class count of the model's output. */
  classes(): number {
    return this.require().built.model.outputs[0].shape[1] as number;
  }

  /** The input shape the model takes, [height, width, depth], or null before there is a model. */
  inputShape(): [number, number, number] | null {
    if (!this.#state) return null;
    const [, h, w, d] = this.#state.built.model.inputs[0].shape as number[];
    return [h, w, d];
  }

  /** Remembers the definition the next run of `def.name` builds (null: LogisticModel). */
  useDefinition(def: ModelDefinition | null): void {
    this.#definition = def ? structuredClone(def) : null;
  }

  /** The definition a run of `name` builds: see models.ts's definitionFor. */
  definitionFor(name: string): ModelDefinition | undefined {
    return definitionFor(name, this.#definition);
  }

  /** Whether a run of `config` with the model `key` over `classes` classes must start from a new model. */
  needsNew(config: TrainConfig, key: string, classes: number): boolean {
    const s = this.#state;
    return (
      config.startNewModel ||
      !s ||
      this.#config?.model !== config.model ||
      this.#key !== key ||
      s.built.model.outputs[0].shape[1] !== classes
    );
  }

  /**
   * Makes `next` the model (built from `key`, trained with `config`), freeing the old one's tensors. `key`: for a
   * restored or imported model, its name when it is imported, else its definition's key.
   */
  replace(next: TrainingState, config: TrainConfig, key: string): void {
    if (this.#state && this.#state !== next) disposeTrainingState(this.#state);
    this.#state = next;
    this.#key = key;
    this.trainedWith(config);
  }

  /** The key a restored or imported model of `config.model` has; `imported`: the imported models' names. */
  keyFor(config: TrainConfig, imported: string[]): string {
    return imported.includes(config.model)
      ? config.model
      : definitionKey(config.model, this.definitionFor(config.model));
  }

  /** A run starts with `config`: what the model evaluated before goes. */
  trainedWith(config: TrainConfig): void {
    this.#config = config;
    this.lastValidation = null;
    this.lastTest = null;
  }

  /**
   * Moves the model across `move` (a backend switch): read back to the host, freed, and made again once `move` is
   * done (or has failed), with its weights, Adam's state and step.
   */
  async across<T>(move: () => Promise<T>): Promise<T> {
    const s = this.#state;
    const snapshot = s ? await captureState(s) : null;
    const spec = s?.built.spec;
    if (s) disposeTrainingState(s);
    this.#state = null;
    try {
      return await move();
    } finally {
      if (snapshot)
        this.#state = await restoreState(snapshot, this.#config ?? DEFAULT_TRAIN_CONFIG, { spec });
    }
  }
}
