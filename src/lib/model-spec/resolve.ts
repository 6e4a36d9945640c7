/**
 * Resolution: a definition's shapes, parameter counts and errors, layer by layer. The page uses it to show shapes,
 * parameter counts and errors as the user edits, the worker uses the same resolution to build the tfjs model, so
 * what the page shows is what gets trained.
 */
import { type MessageKey, type UserText, joinTexts, text } from '../shared/errors';
import {
  ACTIVATIONS,
  FIELDS,
  type FieldSpec,
  LAYER_CLASSES,
  LIMITS,
  type LayerClass,
  type ModelDefinition,
  type Padding,
  type Size2,
} from './format';

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
  /** Plain-language problem with this layer (a catalog text); the model cannot be built while any layer has one. */
  error: UserText | null;
  /** Why pagetrain added this layer, for added ones (a catalog text). */
  note: UserText | null;
}

export interface ResolvedModel {
  name: string;
  inputShape: Shape;
  numClasses: number;
  layers: ResolvedLayer[];
  totalParams: number;
  trainableParams: number;
  /** Every problem (catalog texts, `spec_layer_error` for one layer's), each naming its layer; empty when the model can be built. */
  errors: UserText[];
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

export function describeLayer(index: number | null, className: string): UserText | string {
  return index === null ? className : text('spec_layer', { n: index + 1, className });
}

/** The catalog key of each field's name (the English catalog holds `label`), for the page's language. */
const FIELD_TEXT = {
  units: 'field_units',
  activation: 'field_activation',
  useBias: 'field_bias',
  filters: 'field_filters',
  kernelSize: 'field_kernel_size',
  strides: 'field_strides',
  padding: 'field_padding',
  poolSize: 'field_pool_size',
  targetShape: 'field_target_shape',
  rate: 'field_rate',
  momentum: 'field_momentum',
  epsilon: 'field_epsilon',
} as const satisfies Record<string, MessageKey>;

/** A field's name as a catalog text (the layer editor shows it in the page's language). */
export function fieldText(f: FieldSpec): UserText | string {
  const key = (FIELD_TEXT as Record<string, MessageKey>)[f.key];
  return key ? text(key as 'field_units') : f.label;
}

/** Checks one config value against its field; returns a sentence without the layer prefix, or null. */
function fieldProblem(f: FieldSpec, v: unknown): UserText | null {
  const field = fieldText(f);
  switch (f.kind) {
    case 'int': {
      const max = f.key === 'filters' ? LIMITS.filters : LIMITS.units;
      return isInt(v) && v >= 1 && v <= max ? null : text('spec_int', { field, max });
    }
    case 'fraction':
      return typeof v === 'number' && v >= 0 && v < 1 ? null : text('spec_fraction', { field });
    case 'positive':
      return typeof v === 'number' && v > 0 && Number.isFinite(v) ? null : text('spec_positive', { field });
    case 'size': {
      const ok = (n: unknown) => isInt(n) && n >= 1 && n <= LIMITS.kernel;
      return ok(v) || (Array.isArray(v) && v.length === 2 && v.every(ok))
        ? null
        : text('spec_size', { field, max: LIMITS.kernel });
    }
    case 'shape':
      return Array.isArray(v) &&
        v.length >= 1 &&
        v.length <= 3 &&
        v.every((n) => isInt(n) && (n >= 1 || n === -1)) &&
        v.filter((n) => n === -1).length <= 1
        ? null
        : text('spec_shape', { field });
    case 'padding':
      return v === 'valid' || v === 'same' ? null : text('spec_padding', { field });
    case 'activation':
      return typeof v === 'string' && (ACTIVATIONS as readonly string[]).includes(v)
        ? null
        : text('spec_activation', { field, list: ACTIVATIONS.join(', ') });
    case 'bool':
      return typeof v === 'boolean' ? null : text('spec_bool', { field });
  }
}

/** The config of a layer with defaults filled in, or the problems with it. */
export function checkConfig(
  className: LayerClass,
  raw: unknown,
): { config: Record<string, unknown>; problems: UserText[] } {
  const problems: UserText[] = [];
  const config: Record<string, unknown> = {};
  const given = raw === undefined ? {} : raw;
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    return { config, problems: [text('spec_config_object')] };
  const fields = FIELDS[className];
  for (const key of Object.keys(given))
    if (!fields.some((f) => f.key === key))
      problems.push(
        fields.length
          ? text('spec_no_setting', { key, keys: fields.map((f) => f.key).join(', ') })
          : text('spec_takes_no_settings', { key }),
      );
  for (const f of fields) {
    const v = (given as Record<string, unknown>)[f.key];
    if (v === undefined || v === null) {
      if (f.required) problems.push(text('spec_missing', { field: fieldText(f) }));
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
  what: 'spec_kernel' | 'spec_pool_window',
  input: Shape,
  kernel: Size2,
  strides: Size2,
  padding: Padding,
): { shape: [number, number] } | { error: UserText } {
  const [kh, kw] = pair(kernel);
  const [sh, sw] = pair(strides);
  const [h, w] = input;
  const oh = windowOut(h, kh, sh, padding);
  const ow = windowOut(w, kw, sw, padding);
  if (oh < 1 || ow < 1)
    return {
      error: text('spec_window_too_big', { kh, kw, what: text(what), h, w, oh, ow }),
    };
  return { shape: [oh, ow] };
}

/** Output shape and parameter counts of one layer on `input`, or the reason it cannot take that input. */
function inferLayer(
  className: LayerClass,
  config: Record<string, unknown>,
  input: Shape,
): { shape: Shape; params: number; trainable: number } | { error: UserText } {
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
          error: text('spec_conv_needs_image', { shape: formatShape(input) }),
        };
      const out = spatial(
        'spec_kernel',
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
          error: text('spec_pool_needs_image', { shape: formatShape(input) }),
        };
      const out = spatial(
        'spec_pool_window',
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
          error: target.includes(-1)
            ? text('spec_reshape_minus', { shape: formatShape(input), total, target: target.join('×') })
            : text('spec_reshape_count', {
                shape: formatShape(input),
                total,
                target: target.join('×'),
                count: prod(target),
              }),
        };
      if (shape.length === 2)
        return {
          error: text('spec_reshape_2d', { shape: shape.join('×') }),
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

function checkInputShape(inputShape: Shape, numClasses: number): UserText[] {
  const problems: UserText[] = [];
  if (inputShape.length !== 3 || !inputShape.every((n) => isInt(n) && n >= 1))
    problems.push(text('spec_input_shape', { shape: formatShape(inputShape) }));
  if (!isInt(numClasses) || numClasses < 2) problems.push(text('spec_classes', { n: numClasses }));
  return problems;
}

export function layerClassOf(raw: unknown): LayerClass | null {
  const className = (raw as { className?: unknown } | null)?.className;
  return typeof className === 'string' && (LAYER_CLASSES as readonly string[]).includes(className)
    ? (className as LayerClass)
    : null;
}

/** The problem with a layer of an unknown type, without the closing period. */
export function unknownLayer(raw: unknown, index: number): UserText {
  const className = (raw as { className?: unknown } | null)?.className;
  const classes = LAYER_CLASSES.join(', ');
  return typeof className === 'string'
    ? text('spec_unknown_type', { n: index + 1, className, classes })
    : text('spec_unknown_missing', { n: index + 1, classes });
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
    if (l.error)
      errors.push(text('spec_layer_error', { layer: describeLayer(l.index, l.className), error: l.error }));
  };
  const rawLayers: unknown[] = Array.isArray(def.layers) ? def.layers : [];
  if (!Array.isArray(def.layers)) errors.push(text('spec_no_layers_list'));
  if (rawLayers.length > LIMITS.layers)
    errors.push(text('spec_too_many_layers', { n: rawLayers.length, max: LIMITS.layers }));

  /** A definition's layer whose output is not known: its problem, or none when an earlier layer failed. */
  const unresolved = (
    index: number,
    className: LayerClass,
    config: Record<string, unknown>,
    error: UserText | null,
  ) => add({ index, className, config, outputShape: null, params: 0, trainableParams: 0, error, note: null });
  /** A Flatten pagetrain adds (saying why in `note`) in front of a layer that needs a flat vector; the flat shape. */
  const flatten = (from: Shape, note: UserText): Shape => {
    const flat: Shape = [prod(from)];
    add({
      index: null,
      className: 'Flatten',
      config: {},
      outputShape: flat,
      params: 0,
      trainableParams: 0,
      error: null,
      note,
    });
    return flat;
  };

  rawLayers.forEach((raw, index) => {
    const c = layerClassOf(raw);
    if (!c) {
      errors.push(text('text_sentence', { text: unknownLayer(raw, index) }));
      shape = null;
      return;
    }
    const { config, problems } = checkConfig(c, (raw as { config?: unknown }).config);
    if (problems.length) {
      unresolved(index, c, config, joinTexts(problems, 'text_list'));
      shape = null;
      return;
    }
    if (c === 'Dense' && shape && shape.length > 1)
      shape = flatten(shape, text('spec_note_flatten_dense', { shape: formatShape(shape) }));
    if (!shape) {
      // An earlier layer failed: the shape here is unknown, so say nothing more about this one.
      unresolved(index, c, config, null);
      return;
    }
    const out = inferLayer(c, config, shape);
    if ('error' in out) {
      unresolved(index, c, config, out.error);
      shape = null;
      return;
    }
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
  });

  // The output layer: Dense(classes) + softmax, on a flat vector.
  if (shape && (shape as Shape).length > 1)
    shape = flatten(shape, text('spec_note_flatten_output', { shape: formatShape(shape) }));
  const headParams = shape && numClasses >= 2 ? (shape as Shape)[0] * numClasses + numClasses : 0;
  add({
    index: null,
    className: 'Dense',
    config: { units: numClasses, activation: 'softmax', useBias: true },
    outputShape: shape ? [numClasses] : null,
    params: headParams,
    trainableParams: headParams,
    error: null,
    note: text('spec_note_output', { n: numClasses }),
  });

  const totalParams = layers.reduce((a, l) => a + l.params, 0);
  const trainableParams = layers.reduce((a, l) => a + l.trainableParams, 0);
  if (totalParams > LIMITS.params)
    errors.push(
      text('spec_too_many_params', {
        n: totalParams.toLocaleString('en'),
        max: LIMITS.params.toLocaleString('en'),
      }),
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
