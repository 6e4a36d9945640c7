/**
 * Model builders. `buildModel` is pure: the same spec and seed give the same initial weights.
 * LogisticModel is the starter code's: slim.fully_connected(input, num_classes, activation=softmax,
 * weights_regularizer=l2_regularizer(1e-8)); slim's default initialisers are Glorot-uniform weights and zero biases.
 */
import * as tf from '@tensorflow/tfjs';
import { LOGISTIC_MODEL } from '../model-spec/presets';
import { formatShape, resolveModel, type ResolvedLayer } from '../model-spec/resolve';
import type { ModelDefinition, Size2 } from '../model-spec/format';
import { deriveSeed } from './random';
import { joinTexts, PagetrainError, text } from '../shared/errors';

export interface ModelSpec {
  /** The name shown in `Model`, as --model took it. */
  name: string;
  /** Input shape of one example [height, width, depth]; the model flattens it as the starter code's reader did. */
  inputShape: [number, number, number];
  numClasses: number;
  seed: number;
  /** The layers of any model but LogisticModel: a preset's or a custom model's definition. */
  definition?: ModelDefinition;
}

export interface BuiltModel {
  /** What it was built from, so it can be rebuilt (e.g. on another backend). */
  spec: ModelSpec;
  model: tf.LayersModel;
  /** Weights the L2 term applies to, and its scale: penalty = l2 · Σ w² / 2 (tf.nn.l2_loss). */
  regularized: { weights: tf.LayerVariable[]; l2: number }[];
}

function logisticModel(spec: ModelSpec): BuiltModel {
  const [h, w, d] = spec.inputShape;
  const dense = tf.layers.dense({
    units: spec.numClasses,
    activation: 'softmax',
    kernelInitializer: tf.initializers.glorotUniform({ seed: spec.seed }),
    biasInitializer: 'zeros',
    name: 'logistic',
  });
  const model = tf.sequential({
    name: 'LogisticModel',
    layers: [tf.layers.flatten({ inputShape: [h, w, d], name: 'flatten' }), dense],
  });
  return { spec, model, regularized: [{ weights: [dense.trainableWeights[0]], l2: 1e-8 }] };
}

/** The L2 scale slim's default gives every kernel (weights_regularizer=l2_regularizer(1e-8)); biases are not. */
export const KERNEL_L2 = 1e-8;

/** One tfjs layer for a resolved layer; Dense and Conv2D kernels are seeded per position, biases start at zero. */
function makeLayer(
  l: ResolvedLayer,
  seed: number,
  position: number,
  inputShape: number[] | undefined,
): tf.layers.Layer {
  const c = l.config;
  // The first layer carries the model's input shape (a separate InputLayer would show up in model.layers).
  const base = inputShape ? { name: l.name, inputShape } : { name: l.name };
  const kernel = () => tf.initializers.glorotUniform({ seed: deriveSeed(seed, position) });
  type Act = Parameters<typeof tf.layers.activation>[0]['activation'];
  switch (l.className) {
    case 'Dense':
      return tf.layers.dense({
        ...base,
        units: c.units as number,
        activation: c.activation as Act,
        useBias: c.useBias !== false,
        kernelInitializer: kernel(),
        biasInitializer: 'zeros',
      });
    case 'Conv2D':
      return tf.layers.conv2d({
        ...base,
        filters: c.filters as number,
        kernelSize: c.kernelSize as Size2,
        strides: c.strides as Size2,
        padding: c.padding as 'valid' | 'same',
        activation: c.activation as Act,
        useBias: c.useBias !== false,
        kernelInitializer: kernel(),
        biasInitializer: 'zeros',
        dataFormat: 'channelsLast',
      });
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const args = {
        ...base,
        poolSize: c.poolSize as Size2,
        strides: c.strides as Size2,
        padding: c.padding as 'valid' | 'same',
        dataFormat: 'channelsLast' as const,
      };
      return l.className === 'MaxPooling2D' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
    }
    case 'Flatten':
      return tf.layers.flatten(base);
    case 'Reshape':
      return tf.layers.reshape({ ...base, targetShape: l.outputShape! });
    case 'Dropout':
      // No seed: tfjs reuses a seeded dropout's mask on every step.
      return tf.layers.dropout({ ...base, rate: c.rate as number });
    case 'BatchNormalization':
      return tf.layers.batchNormalization({
        ...base,
        axis: -1,
        momentum: c.momentum as number,
        epsilon: c.epsilon as number,
      });
    case 'Activation':
      return tf.layers.activation({ ...base, activation: c.activation as Act });
  }
}

/**
 * Builds a definition into a tf.Sequential, layer for layer as resolveModel resolved it (added Flattens and the
 * output layer included). An invalid definition throws a ModelError listing its problems.
 */
export function buildFromDefinition(spec: ModelSpec, def: ModelDefinition): BuiltModel {
  const resolved = resolveModel(def, spec.inputShape, spec.numClasses);
  if (!resolved.ok)
    throw new PagetrainError(
      'ModelError',
      text('model_build_failed', { name: def.name, errors: joinTexts(resolved.errors) }),
    );
  const model = tf.sequential({ name: def.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'model' });
  const kernels: tf.LayerVariable[] = [];
  resolved.layers.forEach((l, i) => {
    const layer = makeLayer(l, spec.seed, i, i === 0 ? spec.inputShape : undefined);
    model.add(layer);
    if (l.className === 'Dense' || l.className === 'Conv2D') kernels.push(layer.trainableWeights[0]);
  });
  const out = model.outputs[0].shape.slice(1) as number[];
  if (formatShape(out) !== formatShape(resolved.layers.at(-1)!.outputShape))
    throw new PagetrainError(
      'ModelError',
      text('model_built_output_mismatch', {
        name: def.name,
        built: formatShape(out),
        expected: formatShape(resolved.layers.at(-1)!.outputShape),
      }),
    );
  return { spec, model, regularized: [{ weights: kernels, l2: KERNEL_L2 }] };
}

export function buildModel(spec: ModelSpec): BuiltModel {
  if (spec.name === LOGISTIC_MODEL && !spec.definition) return logisticModel(spec);
  if (spec.definition) {
    if (spec.definition.name !== spec.name)
      throw new PagetrainError(
        'ModelError',
        text('model_definition_mismatch', { definition: spec.definition.name, name: spec.name }),
      );
    return buildFromDefinition(spec, spec.definition);
  }
  throw new PagetrainError('ModelError', text('model_unknown', { name: spec.name }));
}
