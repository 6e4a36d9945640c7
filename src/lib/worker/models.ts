/**
 * The worker's side of custom models: which definition a run of `Model` builds (the page sends it before each run;
 * the session keeps it), and the check that the backend in use can train it, made before the first step.
 */
import * as tf from '@tensorflow/tfjs';
import { missingKernelsText } from '../ml/capability';
import { joinTexts, text, PagetrainError, type UserText } from '../shared/errors';
import { LOGISTIC_MODEL, logisticDefinition } from '../model-spec/presets';
import { resolveModel, type Shape } from '../model-spec/resolve';
import type { ModelDefinition } from '../model-spec/format';

/**
 * The definition for `name`, or undefined for LogisticModel; a ModelError when the page sent none for it. `current`:
 * the definition the page sent last (null: LogisticModel, built by its own function).
 */
export function definitionFor(name: string, current: ModelDefinition | null): ModelDefinition | undefined {
  if (current?.name === name) return current;
  if (name === LOGISTIC_MODEL) return undefined;
  throw new PagetrainError('ModelError', text('model_no_definition', { name }));
}

/** A key that changes whenever the model to build changes, so a changed definition starts fresh weights. */
export function definitionKey(name: string, def: ModelDefinition | undefined): string {
  return def ? JSON.stringify(def.layers) + name : name;
}

/**
 * Null when `def` (LogisticModel when undefined) can be built for the data and trained on the backend in use;
 * otherwise the plain-language reason.
 */
export function trainProblemText(
  name: string,
  def: ModelDefinition | undefined,
  inputShape: Shape,
  numClasses: number,
  backend: string = tf.getBackend(),
): UserText | null {
  const resolved = resolveModel(def ?? { ...logisticDefinition(), name }, inputShape, numClasses);
  if (!resolved.ok) return text('model_cannot_build', { name, errors: joinTexts(resolved.errors) });
  return missingKernelsText(resolved, backend);
}

/** Throws a ModelError with trainProblemText's reason; call before training starts. */
export function assertTrainable(
  name: string,
  def: ModelDefinition | undefined,
  inputShape: Shape,
  numClasses: number,
): void {
  const problem = trainProblemText(name, def, inputShape, numClasses);
  if (problem) throw new PagetrainError('ModelError', problem);
}
