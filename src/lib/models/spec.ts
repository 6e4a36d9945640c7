/**
 * The declarative model format: a model is data, a Keras-style list of layers in JSON, never code. This module is
 * pure TypeScript (no tfjs, no DOM): the page uses it to show shapes, parameter counts and errors as the user edits,
 * the worker uses the same resolution to build the tfjs model, so what the page shows is what gets trained.
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

// ---------------------------------------------------------------------------------------------------------------
// Resolution: shapes, parameters and errors, layer by layer.

export type Shape = number[];

export interface ResolvedLayer {
  /** Position in the definition's `layers` (0-based); null for a layer pagetrain adds (Flatten, the output). */
  index: number | null;
  className: LayerClass;
  /** The tfjs layer name the worker gives it, as model.summary() would show. */
  name: string;
  /** The config with defaults filled in; what the worker builds. */
  config: Record<string, unknown>;
  /** Output shape without the batch axis; null when it cannot be computed. */
  outputShape: Shape | null;
  /** All weights (countParams), and the trainable ones (BatchNormalization's moving statistics are not). */
  params: number;
  trainableParams: number;
  /** Plain-language problem with this layer; the model cannot be built while any layer has one. */
  error: string | null;
  /** Why pagetrain added this layer, for added ones. */
  note: string | null;
}

export interface ResolvedModel {
  name: string;
  inputShape: Shape;
  numClasses: number;
  layers: ResolvedLayer[];
  totalParams: number;
  trainableParams: number;
  /** Every problem, each naming its layer; empty when the model can be built. */
  errors: string[];
  ok: boolean;
}

export function formatShape(s: Shape | null): string {
  return s ? s.join('×') : '?';
}

const prod = (s: Shape) => s.reduce((a, b) => a * b, 1);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function pair(v: Size2): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

function describeLayer(index: number | null, className: string): string {
  return index === null ? className : `Layer ${index + 1} (${className})`;
}

/** Checks one config value against its field; returns a sentence without the layer prefix, or null. */
function fieldProblem(f: FieldSpec, v: unknown): string | null {
  switch (f.kind) {
    case 'int': {
      const max = f.key === 'filters' ? LIMITS.filters : LIMITS.units;
      return isInt(v) && v >= 1 && v <= max ? null : `${f.label} must be a whole number from 1 to ${max}`;
    }
    case 'fraction':
      return typeof v === 'number' && v >= 0 && v < 1
        ? null
        : `${f.label} must be a number from 0 up to (not including) 1`;
    case 'positive':
      return typeof v === 'number' && v > 0 && Number.isFinite(v)
        ? null
        : `${f.label} must be a number above 0`;
    case 'size': {
      const ok = (n: unknown) => isInt(n) && n >= 1 && n <= LIMITS.kernel;
      return ok(v) || (Array.isArray(v) && v.length === 2 && v.every(ok))
        ? null
        : `${f.label} must be a whole number from 1 to ${LIMITS.kernel}, or two of them (height, width)`;
    }
    case 'shape':
      return Array.isArray(v) &&
        v.length >= 1 &&
        v.length <= 3 &&
        v.every((n) => isInt(n) && (n >= 1 || n === -1)) &&
        v.filter((n) => n === -1).length <= 1
        ? null
        : `${f.label} must be 1 to 3 whole numbers above 0 (one of them may be -1, meaning "whatever is left")`;
    case 'padding':
      return v === 'valid' || v === 'same' ? null : `${f.label} must be "valid" or "same"`;
    case 'activation':
      return typeof v === 'string' && (ACTIVATIONS as readonly string[]).includes(v)
        ? null
        : `${f.label} must be one of ${ACTIVATIONS.join(', ')}`;
    case 'bool':
      return typeof v === 'boolean' ? null : `${f.label} must be true or false`;
  }
}

/** The config of a layer with defaults filled in, or the problems with it. */
function checkConfig(
  className: LayerClass,
  raw: unknown,
): { config: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  const given = raw === undefined ? {} : raw;
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    return { config, problems: ['its config must be an object of settings'] };
  const fields = FIELDS[className];
  for (const key of Object.keys(given))
    if (!fields.some((f) => f.key === key))
      problems.push(
        fields.length
          ? `it has no setting "${key}" (it takes ${fields.map((f) => f.key).join(', ')})`
          : `it takes no settings, but has "${key}"`,
      );
  for (const f of fields) {
    const v = (given as Record<string, unknown>)[f.key];
    if (v === undefined || v === null) {
      if (f.required) problems.push(`${f.label} is missing`);
      else if (f.initial !== null) config[f.key] = f.key === 'activation' ? 'linear' : f.initial;
      continue;
    }
    const problem = fieldProblem(f, v);
    if (problem) problems.push(problem);
    else config[f.key] = v;
  }
  // Pooling strides default to the pool size, as in Keras.
  if ((className === 'MaxPooling2D' || className === 'AveragePooling2D') && config.strides === undefined)
    config.strides = config.poolSize;
  return { config, problems };
}

/** Output size of one spatial axis for a window `k` with stride `s`, as TensorFlow computes it. */
function windowOut(size: number, k: number, s: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

function spatial(
  what: string,
  input: Shape,
  kernel: Size2,
  strides: Size2,
  padding: Padding,
): { shape: [number, number] } | { error: string } {
  const [kh, kw] = pair(kernel);
  const [sh, sw] = pair(strides);
  const [h, w] = input;
  const oh = windowOut(h, kh, sh, padding);
  const ow = windowOut(w, kw, sw, padding);
  if (oh < 1 || ow < 1)
    return {
      error:
        `its ${kh}×${kw} ${what} does not fit its ${h}×${w} input, so the output would be ` +
        `${oh}×${ow} (an empty image). Use a smaller ${what}, padding "same", or fewer layers that shrink the image before it`,
    };
  return { shape: [oh, ow] };
}

/** Output shape and parameter counts of one layer on `input`, or the reason it cannot take that input. */
function inferLayer(
  className: LayerClass,
  config: Record<string, unknown>,
  input: Shape,
): { shape: Shape; params: number; trainable: number } | { error: string } {
  switch (className) {
    case 'Dense': {
      const units = config.units as number;
      const inputs = input[input.length - 1];
      const params = inputs * units + (config.useBias === false ? 0 : units);
      return { shape: [units], params, trainable: params };
    }
    case 'Conv2D': {
      if (input.length !== 3)
        return {
          error:
            `it needs an image (height×width×channels) but gets a flat vector of ${formatShape(input)} values. ` +
            `Put a Reshape before it (for example to 28×28×1), or move it before the Flatten/Dense layers`,
        };
      const out = spatial(
        'kernel',
        input,
        config.kernelSize as Size2,
        config.strides as Size2,
        config.padding as Padding,
      );
      if ('error' in out) return out;
      const [kh, kw] = pair(config.kernelSize as Size2);
      const filters = config.filters as number;
      const params = kh * kw * input[2] * filters + (config.useBias === false ? 0 : filters);
      return { shape: [...out.shape, filters], params, trainable: params };
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      if (input.length !== 3)
        return {
          error: `it pools an image (height×width×channels) but gets a flat vector of ${formatShape(input)} values. Move it before the Flatten/Dense layers`,
        };
      const out = spatial(
        'pool window',
        input,
        config.poolSize as Size2,
        config.strides as Size2,
        config.padding as Padding,
      );
      if ('error' in out) return out;
      return { shape: [...out.shape, input[2]], params: 0, trainable: 0 };
    }
    case 'Flatten':
      return { shape: [prod(input)], params: 0, trainable: 0 };
    case 'Reshape': {
      const target = config.targetShape as number[];
      const total = prod(input);
      const known = prod(target.filter((n) => n !== -1));
      const shape = target.includes(-1) ? target.map((n) => (n === -1 ? total / known : n)) : target;
      if (!shape.every((n) => Number.isInteger(n) && n >= 1) || prod(shape) !== total)
        return {
          error: `it cannot reshape ${formatShape(input)} (${total} values) into ${target.join('×')} (${target.includes(-1) ? 'no whole number fits the -1' : `${prod(target)} values`}): the number of values must stay the same`,
        };
      if (shape.length === 2)
        return {
          error: `a 2-D shape (${shape.join('×')}) fits neither the image layers nor Dense: use 3 numbers (height×width×channels) or 1`,
        };
      return { shape, params: 0, trainable: 0 };
    }
    case 'Dropout':
    case 'Activation':
      return { shape: input, params: 0, trainable: 0 };
    case 'BatchNormalization': {
      const c = input[input.length - 1];
      // gamma and beta are trained; the moving mean and variance are updated, not trained.
      return { shape: input, params: 4 * c, trainable: 2 * c };
    }
  }
}

function tfjsName(className: LayerClass, position: number): string {
  const base: Record<LayerClass, string> = {
    Dense: 'dense',
    Conv2D: 'conv2d',
    MaxPooling2D: 'max_pooling2d',
    AveragePooling2D: 'average_pooling2d',
    Flatten: 'flatten',
    Reshape: 'reshape',
    Dropout: 'dropout',
    BatchNormalization: 'batch_normalization',
    Activation: 'activation',
  };
  return `${base[className]}_${position}`;
}

function checkInputShape(inputShape: Shape, numClasses: number): string[] {
  const problems: string[] = [];
  if (inputShape.length !== 3 || !inputShape.every((n) => isInt(n) && n >= 1))
    problems.push(
      `The input shape must be height×width×channels, all above 0 (got ${formatShape(inputShape)}).`,
    );
  if (!isInt(numClasses) || numClasses < 2)
    problems.push(`A model needs at least 2 classes (got ${numClasses}).`);
  return problems;
}

function layerClassOf(raw: unknown): LayerClass | null {
  const className = (raw as { className?: unknown } | null)?.className;
  return typeof className === 'string' && (LAYER_CLASSES as readonly string[]).includes(className)
    ? (className as LayerClass)
    : null;
}

function unknownLayer(raw: unknown, index: number): string {
  const className = (raw as { className?: unknown } | null)?.className;
  const what = typeof className === 'string' ? `"${className}"` : 'missing (no "className")';
  return `Layer ${index + 1}: the layer type ${what} is unknown. pagetrain builds ${LAYER_CLASSES.join(', ')}.`;
}

/**
 * Resolves a definition against the data's input shape and class count: each layer's output shape and parameters,
 * a Flatten added before a Dense that would meet an image, the output layer appended, and every problem in plain
 * words. Accepts untrusted JSON (`unknown` layers are reported, not thrown).
 */
export function resolveModel(def: ModelDefinition, inputShape: Shape, numClasses: number): ResolvedModel {
  const errors = checkInputShape(inputShape, numClasses);
  const layers: ResolvedLayer[] = [];
  let shape: Shape | null = errors.length ? null : [...inputShape];
  let position = 0;
  const add = (l: Omit<ResolvedLayer, 'name'>) => {
    position++;
    layers.push({ ...l, name: tfjsName(l.className, position) });
    if (l.error) errors.push(`${describeLayer(l.index, l.className)}: ${l.error}.`);
  };
  const rawLayers: unknown[] = Array.isArray(def.layers) ? def.layers : [];
  if (!Array.isArray(def.layers)) errors.push('The definition has no "layers" list.');
  if (rawLayers.length > LIMITS.layers)
    errors.push(`The model has ${rawLayers.length} layers; pagetrain builds at most ${LIMITS.layers}.`);

  rawLayers.forEach((raw, index) => {
    const c = layerClassOf(raw);
    if (!c) {
      errors.push(unknownLayer(raw, index));
      shape = null;
      return;
    }
    const { config, problems } = checkConfig(c, (raw as { config?: unknown }).config);
    if (problems.length) {
      add({
        index,
        className: c,
        config,
        outputShape: null,
        params: 0,
        trainableParams: 0,
        error: problems.join('; '),
        note: null,
      });
      shape = null;
      return;
    }
    if (c === 'Dense' && shape && shape.length > 1) {
      add({
        index: null,
        className: 'Flatten',
        config: {},
        outputShape: [prod(shape)],
        params: 0,
        trainableParams: 0,
        error: null,
        note: `added: Dense needs a flat vector, and gets ${formatShape(shape)}`,
      });
      shape = [prod(shape)];
    }
    if (!shape) {
      // An earlier layer failed: the shape here is unknown, so say nothing more about this one.
      add({
        index,
        className: c,
        config,
        outputShape: null,
        params: 0,
        trainableParams: 0,
        error: null,
        note: null,
      });
      return;
    }
    const out = inferLayer(c, config, shape);
    if ('error' in out) {
      add({
        index,
        className: c,
        config,
        outputShape: null,
        params: 0,
        trainableParams: 0,
        error: out.error,
        note: null,
      });
      shape = null;
    } else {
      add({
        index,
        className: c,
        config,
        outputShape: out.shape,
        params: out.params,
        trainableParams: out.trainable,
        error: null,
        note: null,
      });
      shape = out.shape;
    }
  });

  // The output layer: Dense(classes) + softmax, on a flat vector.
  if (shape && (shape as Shape).length > 1) {
    const s = shape as Shape;
    add({
      index: null,
      className: 'Flatten',
      config: {},
      outputShape: [prod(s)],
      params: 0,
      trainableParams: 0,
      error: null,
      note: `added: the output layer needs a flat vector, and gets ${formatShape(s)}`,
    });
    shape = [prod(s)];
  }
  const headParams = shape && numClasses >= 2 ? (shape as Shape)[0] * numClasses + numClasses : 0;
  add({
    index: null,
    className: 'Dense',
    config: { units: numClasses, activation: 'softmax', useBias: true },
    outputShape: shape ? [numClasses] : null,
    params: headParams,
    trainableParams: headParams,
    error: null,
    note: `added: the output layer, one probability per class (${numClasses})`,
  });

  const totalParams = layers.reduce((a, l) => a + l.params, 0);
  const trainableParams = layers.reduce((a, l) => a + l.trainableParams, 0);
  if (totalParams > LIMITS.params)
    errors.push(
      `The model has ${totalParams.toLocaleString('en')} parameters; pagetrain trains at most ${LIMITS.params.toLocaleString('en')} in a tab. Use fewer units or filters, or pool before Flatten.`,
    );
  return {
    name: def.name,
    inputShape,
    numClasses,
    layers,
    totalParams,
    trainableParams,
    errors,
    ok: errors.length === 0,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Names and JSON.

/** Problems with a model name, or null: 1 to 64 visible characters, no leading/trailing spaces. */
export function nameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.trim() === '') return 'A model needs a name.';
  if (name !== name.trim()) return 'A model name cannot start or end with a space.';
  if (name.length > LIMITS.nameLength) return `A model name has at most ${LIMITS.nameLength} characters.`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'A model name cannot contain control characters.';
  return null;
}

export class DefinitionError extends Error {
  override name = 'DefinitionError';
}

/**
 * Reads a definition from JSON text (an exported file). Checks the envelope and every layer; throws a
 * DefinitionError naming the source and each problem. Shapes are checked later, against the loaded data.
 */
export function parseDefinition(text: string, source: string): ModelDefinition {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DefinitionError(`${source} is not JSON: ${(e as Error).message}`);
  }
  const problems: string[] = [];
  const o = json as Partial<ModelDefinition> | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new DefinitionError(`${source} is not a pagetrain model definition (expected a JSON object).`);
  if (o.format !== FORMAT) {
    const hint =
      'modelTopology' in o
        ? ' It looks like a TensorFlow.js model.json: use Import model for those.'
        : ` Expected "format": "${FORMAT}".`;
    throw new DefinitionError(`${source} is not a pagetrain model definition.${hint}`);
  }
  if (o.version !== FORMAT_VERSION)
    problems.push(`its version is ${String(o.version)}; this pagetrain reads version ${FORMAT_VERSION}`);
  const np = nameProblem(o.name as string);
  if (np) problems.push(np.replace(/\.$/, ''));
  if (!Array.isArray(o.layers)) problems.push('it has no "layers" list');
  else {
    if (o.layers.length > LIMITS.layers)
      problems.push(`it has ${o.layers.length} layers; pagetrain builds at most ${LIMITS.layers}`);
    // Types and settings only: shapes are checked later, against the data that gets loaded.
    o.layers.forEach((raw: unknown, index) => {
      const c = layerClassOf(raw);
      if (!c) problems.push(unknownLayer(raw, index).replace(/\.$/, ''));
      else
        for (const p of checkConfig(c, (raw as { config?: unknown }).config).problems)
          problems.push(`${describeLayer(index, c)}: ${p}`);
    });
  }
  if (problems.length) throw new DefinitionError(`${source}: ${problems.join('; ')}`);
  return definition(
    o.name as string,
    o.layers as LayerSpec[],
    typeof o.description === 'string' ? o.description : undefined,
  );
}

export function stringifyDefinition(def: ModelDefinition): string {
  return JSON.stringify(def, null, 2) + '\n';
}
