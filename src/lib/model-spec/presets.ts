/**
 * The models pagetrain offers besides the starter code's LogisticModel, as definitions (data, like any custom model).
 * Each is followed by the output layer Dense(classes) + softmax that every model gets.
 */
import { definition, type LayerSpec, type ModelDefinition } from './format';

/** The starter code's model: no hidden layer, the output layer on the flattened image. */
export const LOGISTIC_MODEL = 'LogisticModel';

/** A multi-layer perceptron; its hidden sizes are a setting on the page. */
export const MLP_MODEL = 'MLPModel';
export const DEFAULT_MLP_HIDDEN: readonly number[] = [256, 128];

/** LeCun et al. 1998's LeNet-5 shape, with ReLU and max pooling as it is usually written today. */
export const LENET_MODEL = 'LeNetModel';

/**
 * A small VGG-style CNN, 2 × (conv-conv-pool) + dropout + dense: the well-known Keras/Kaggle MNIST network that
 * reaches about 99.4% on the MNIST test set (≥ 99% after a few epochs at learning rate 0.001).
 */
export const CONVNET_MODEL = 'ConvNetModel';

export const PRESET_NAMES: readonly string[] = [LOGISTIC_MODEL, MLP_MODEL, LENET_MODEL, CONVNET_MODEL];

export function isPreset(name: string): boolean {
  return PRESET_NAMES.includes(name);
}

export function mlpModel(hidden: readonly number[] = DEFAULT_MLP_HIDDEN): ModelDefinition {
  return definition(
    MLP_MODEL,
    [
      { className: 'Flatten', config: {} },
      ...hidden.map((units): LayerSpec => ({ className: 'Dense', config: { units, activation: 'relu' } })),
    ],
    'Flatten, then fully connected ReLU layers.',
  );
}

/** Parses "256, 128" into hidden sizes; null when it is not a list of whole numbers from 1 to 65536. */
export function parseHiddenSizes(text: string): number[] | null {
  const parts = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length > 16) return null;
  const sizes = parts.map(Number);
  return sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= 65536) ? sizes : null;
}

const conv = (filters: number, kernelSize: number, padding: 'valid' | 'same' = 'valid'): LayerSpec => ({
  className: 'Conv2D',
  config: { filters, kernelSize, padding, activation: 'relu' },
});
const maxPool: LayerSpec = { className: 'MaxPooling2D', config: { poolSize: 2 } };
const dense = (units: number): LayerSpec => ({ className: 'Dense', config: { units, activation: 'relu' } });
const dropout = (rate: number): LayerSpec => ({ className: 'Dropout', config: { rate } });

export function leNetModel(): ModelDefinition {
  return definition(
    LENET_MODEL,
    [
      conv(6, 5, 'same'),
      maxPool,
      conv(16, 5),
      maxPool,
      { className: 'Flatten', config: {} },
      dense(120),
      dense(84),
    ],
    'LeNet-5: conv 6@5×5, pool, conv 16@5×5, pool, dense 120, dense 84.',
  );
}

export function convNetModel(): ModelDefinition {
  return definition(
    CONVNET_MODEL,
    [
      conv(32, 3, 'same'),
      conv(32, 3, 'same'),
      maxPool,
      dropout(0.25),
      conv(64, 3, 'same'),
      conv(64, 3, 'same'),
      maxPool,
      dropout(0.25),
      { className: 'Flatten', config: {} },
      dense(256),
      dropout(0.5),
    ],
    '2 × (conv-conv-pool) + dropout + dense 256, the well-known Keras MNIST network (about 99.4% on the MNIST test set): train it at learning rate 0.001, batch 128, for a few epochs.',
  );
}

/** The definition of a preset, null for LogisticModel (built by its own function) and for unknown names. */
export function presetDefinition(
  name: string,
  mlpHidden: readonly number[] = DEFAULT_MLP_HIDDEN,
): ModelDefinition | null {
  switch (name) {
    case MLP_MODEL:
      return mlpModel(mlpHidden);
    case LENET_MODEL:
      return leNetModel();
    case CONVNET_MODEL:
      return convNetModel();
    default:
      return null;
  }
}

/** LogisticModel as a definition, for its layer table: no hidden layer. */
export function logisticDefinition(): ModelDefinition {
  return definition(
    LOGISTIC_MODEL,
    [],
    "The starter code's model: softmax regression on the flattened image.",
  );
}
