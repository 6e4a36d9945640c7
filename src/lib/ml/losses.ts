/**
 * The starter code's losses.py, term for term, plus slim's l2_regularizer. Predictions are the model's output (for
 * LogisticModel already softmax probabilities), labels are dense float32 [batch, classes].
 *
 * Each loss also exists on plain Float32Arrays (`lossOnArrays`) for evaluation on the CPU. The tensor versions run in
 * float32 like TensorFlow; the array versions run in float64 with the same float32 epsilons, so the two agree to
 * float32 rounding (~1e-6 relative).
 */
import * as tf from '@tensorflow/tfjs';
import type { LossName } from '../shared/settings';

export type LossFn = (labels: tf.Tensor2D, predictions: tf.Tensor2D) => tf.Scalar;

/** CrossEntropyLoss's epsilon: `10e-6` in losses.py, i.e. 1e-5, a float32 constant once added to the tensor. */
const XENT_EPSILON = 10e-6;
/** SoftmaxLoss's epsilon: `10e-8` in losses.py, i.e. 1e-7. */
const SOFTMAX_EPSILON = 10e-8;
/** HingeLoss's margin `b` (its default in losses.py). */
const HINGE_B = 1.0;

/** mean_b Σ_c −[y·log(p + ε) + (1 − y)·log(1 − p + ε)], ε = 1e-5: finite at p = 0 and p = 1. */
export function crossEntropyLoss(labels: tf.Tensor2D, predictions: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.cast(labels, 'float32');
    const positive = y.mul(predictions.add(XENT_EPSILON).log());
    const negative = tf.scalar(1).sub(y).mul(tf.scalar(1).sub(predictions).add(XENT_EPSILON).log());
    return positive.add(negative).neg().sum(1).mean();
  });
}

/** mean_b Σ_c max(0, b − (2y − 1)·p), b = 1. */
export function hingeLoss(labels: tf.Tensor2D, predictions: tf.Tensor2D, b = HINGE_B): tf.Scalar {
  return tf.tidy(() => {
    const signLabels = tf.cast(labels, 'float32').mul(2).sub(1);
    return tf
      .maximum(0, tf.scalar(b).sub(signLabels.mul(predictions)))
      .sum(1)
      .mean();
  });
}

/**
 * mean_b −Σ_c ŷ·log(softmax(p)), ŷ = y / max(Σ_c y, ε), ε = 1e-7: the labels L1-normalised so a row may hold several
 * positives. The softmax is applied to the predictions passed in, probabilities or not, as losses.py does; and like
 * losses.py it is log(softmax(p)), not a fused log-softmax.
 */
export function softmaxLoss(labels: tf.Tensor2D, predictions: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.cast(labels, 'float32');
    const rowSum = tf.maximum(y.sum(1, true), SOFTMAX_EPSILON);
    const normalized = y.div(rowSum);
    return normalized.mul(tf.softmax(predictions).log()).sum(1).neg().mean();
  });
}

export const LOSSES: Record<LossName, LossFn> = {
  CrossEntropyLoss: crossEntropyLoss,
  SoftmaxLoss: softmaxLoss,
  HingeLoss: (labels, predictions) => hingeLoss(labels, predictions),
};

/**
 * slim.l2_regularizer(l2) summed over `weights`: l2 · Σ_w sum(w²) / 2 (tf.nn.l2_loss halves the sum of squares).
 * No weights give 0.
 */
export function l2Regularization(weights: tf.Tensor[], l2: number): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    for (const w of weights) total = total.add(w.square().sum().div(2));
    return total.mul(l2);
  });
}

/** The same losses on n × C row-major arrays, in float64 with float32 epsilons. An empty batch gives NaN, as tf.mean. */
export function lossOnArrays(
  name: LossName,
  preds: Float32Array,
  labels: Float32Array,
  n: number,
  numClasses: number,
): number {
  if (preds.length !== n * numClasses || labels.length !== n * numClasses) {
    throw new RangeError(
      `lossOnArrays: ${preds.length} predictions and ${labels.length} labels, expected ${n} × ${numClasses} each`,
    );
  }
  let total = 0;
  switch (name) {
    case 'CrossEntropyLoss': {
      const eps = Math.fround(XENT_EPSILON);
      for (let i = 0; i < n * numClasses; i++) {
        const y = labels[i];
        const p = preds[i];
        total -= y * Math.log(p + eps) + (1 - y) * Math.log(1 - p + eps);
      }
      break;
    }
    case 'HingeLoss': {
      for (let i = 0; i < n * numClasses; i++) {
        total += Math.max(0, HINGE_B - (2 * labels[i] - 1) * preds[i]);
      }
      break;
    }
    case 'SoftmaxLoss': {
      const eps = Math.fround(SOFTMAX_EPSILON);
      for (let r = 0; r < n; r++) {
        const offset = r * numClasses;
        let max = -Infinity;
        let labelSum = 0;
        for (let j = 0; j < numClasses; j++) {
          max = Math.max(max, preds[offset + j]);
          labelSum += labels[offset + j];
        }
        let expSum = 0;
        for (let j = 0; j < numClasses; j++) expSum += Math.exp(preds[offset + j] - max);
        const norm = Math.max(labelSum, eps);
        // log(softmax(p)_j) = p_j − max − log Σ exp(p − max)
        const logZ = Math.log(expSum);
        for (let j = 0; j < numClasses; j++) {
          total -= (labels[offset + j] / norm) * (preds[offset + j] - max - logZ);
        }
      }
      break;
    }
    default: {
      const unknown: never = name;
      throw new RangeError(`lossOnArrays: unknown loss ${String(unknown)}`);
    }
  }
  return total / n;
}
