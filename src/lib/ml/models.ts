/**
 * Model builders. `buildModel` is pure: the same spec and seed give the same initial weights.
 * LogisticModel is the starter code's: slim.fully_connected(input, num_classes, activation=softmax,
 * weights_regularizer=l2_regularizer(1e-8)); slim's default initialisers are Glorot-uniform weights and zero biases.
 */
import * as tf from '@tensorflow/tfjs';

export interface ModelSpec {
  /** The name shown in `Model`, as --model took it. */
  name: string;
  /** Input shape of one example [height, width, depth]; the model flattens it as the starter code's reader did. */
  inputShape: [number, number, number];
  numClasses: number;
  seed: number;
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

export function buildModel(spec: ModelSpec): BuiltModel {
  switch (spec.name) {
    case 'LogisticModel':
      return logisticModel(spec);
    default:
      throw Object.assign(new Error(`model: unknown model "${spec.name}"`), { name: 'ModelError' });
  }
}
