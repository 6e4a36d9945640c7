/**
 * The declarative model format: a model is data, a Keras-style list of layers in JSON, never code. This module is
 * pure TypeScript (no tfjs, no DOM): the layers, their settings and limits, as the page edits them and the worker
 * builds them (./resolve.ts says what a definition resolves to, ./json.ts reads and writes it as a file).
 *
 * Every model ends with the output layer pagetrain adds itself: Dense(classes) with softmax, the class count coming
 * from the loaded data (as the starter code's models took `num_classes`). A Dense that meets an image gets a
 * Flatten inserted in front of it, and the table says so. Shapes are channels-last, [height, width, channels].
 */

export const FORMAT = 'pagetrain-model';
export const FORMAT_VERSION = 1;

export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'tanh',
  'softplus',
  'softsign',
  'swish',
  'softmax',
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export type Size2 = number | [number, number];
export type Padding = 'valid' | 'same';

export interface LayerConfigs {
  Dense: { units: number; activation?: ActivationName; useBias?: boolean };
  Conv2D: {
    filters: number;
    kernelSize: Size2;
    strides?: Size2;
    padding?: Padding;
    activation?: ActivationName;
    useBias?: boolean;
  };
  MaxPooling2D: { poolSize?: Size2; strides?: Size2; padding?: Padding };
  AveragePooling2D: { poolSize?: Size2; strides?: Size2; padding?: Padding };
  Flatten: Record<string, never>;
  Reshape: { targetShape: number[] };
  Dropout: { rate: number };
  BatchNormalization: { momentum?: number; epsilon?: number };
  Activation: { activation: ActivationName };
}
export type LayerClass = keyof LayerConfigs;
export const LAYER_CLASSES: readonly LayerClass[] = [
  'Dense',
  'Conv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'Flatten',
  'Reshape',
  'Dropout',
  'BatchNormalization',
  'Activation',
];

/** One layer as JSON: `{ "className": "Conv2D", "config": { "filters": 32, "kernelSize": 3 } }`. */
export type LayerSpec = { [C in LayerClass]: { className: C; config: LayerConfigs[C] } }[LayerClass];

/** A model definition as saved, exported and imported. */
export interface ModelDefinition {
  format: typeof FORMAT;
  version: typeof FORMAT_VERSION;
  /** The name shown in `Model`. */
  name: string;
  description?: string;
  /** The hidden layers; the output layer (Dense(classes) + softmax) is added after them. */
  layers: LayerSpec[];
}

/** What one field of a layer's config holds, for validation and for the editor's inputs. */
export type FieldKind =
  'int' | 'fraction' | 'positive' | 'size' | 'shape' | 'padding' | 'activation' | 'bool';
export interface FieldSpec {
  key: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  /** The value a new layer gets in the editor (and what an absent optional field means). */
  initial: unknown;
}

export const FIELDS: Record<LayerClass, FieldSpec[]> = {
  Dense: [
    { key: 'units', label: 'units', kind: 'int', required: true, initial: 128 },
    { key: 'activation', label: 'activation', kind: 'activation', required: false, initial: 'relu' },
    { key: 'useBias', label: 'bias', kind: 'bool', required: false, initial: true },
  ],
  Conv2D: [
    { key: 'filters', label: 'filters', kind: 'int', required: true, initial: 32 },
    { key: 'kernelSize', label: 'kernel size', kind: 'size', required: true, initial: 3 },
    { key: 'strides', label: 'strides', kind: 'size', required: false, initial: 1 },
    { key: 'padding', label: 'padding', kind: 'padding', required: false, initial: 'valid' },
    { key: 'activation', label: 'activation', kind: 'activation', required: false, initial: 'relu' },
    { key: 'useBias', label: 'bias', kind: 'bool', required: false, initial: true },
  ],
  MaxPooling2D: [
    { key: 'poolSize', label: 'pool size', kind: 'size', required: false, initial: 2 },
    { key: 'strides', label: 'strides', kind: 'size', required: false, initial: null },
    { key: 'padding', label: 'padding', kind: 'padding', required: false, initial: 'valid' },
  ],
  AveragePooling2D: [
    { key: 'poolSize', label: 'pool size', kind: 'size', required: false, initial: 2 },
    { key: 'strides', label: 'strides', kind: 'size', required: false, initial: null },
    { key: 'padding', label: 'padding', kind: 'padding', required: false, initial: 'valid' },
  ],
  Flatten: [],
  Reshape: [{ key: 'targetShape', label: 'target shape', kind: 'shape', required: true, initial: [784] }],
  Dropout: [{ key: 'rate', label: 'rate', kind: 'fraction', required: true, initial: 0.25 }],
  BatchNormalization: [
    { key: 'momentum', label: 'momentum', kind: 'fraction', required: false, initial: 0.99 },
    { key: 'epsilon', label: 'epsilon', kind: 'positive', required: false, initial: 0.001 },
  ],
  Activation: [
    { key: 'activation', label: 'activation', kind: 'activation', required: true, initial: 'relu' },
  ],
};

/** Limits that keep a definition trainable in a tab; beyond them the page refuses rather than freezing. */
export const LIMITS = {
  layers: 64,
  units: 65536,
  filters: 4096,
  kernel: 64,
  params: 50_000_000,
  nameLength: 64,
};

/** A new layer of class `c` with the editor's starting values. */
export function newLayer(c: LayerClass): LayerSpec {
  const config: Record<string, unknown> = {};
  for (const f of FIELDS[c]) if (f.initial !== null) config[f.key] = structuredClone(f.initial);
  return { className: c, config } as LayerSpec;
}

export function definition(name: string, layers: LayerSpec[], description?: string): ModelDefinition {
  return {
    format: FORMAT,
    version: FORMAT_VERSION,
    name,
    ...(description ? { description } : {}),
    layers,
  };
}
