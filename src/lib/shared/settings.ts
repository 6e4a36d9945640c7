/**
 * Training settings, named after train.py's flags (in comments) with the starter code's defaults.
 * One flat object, like nanoGPT's config: every field is a setting the user can change on the page.
 */
import { text, type UserText } from './errors';

/** The label losses of the starter code's losses.py. */
export type LossName = 'CrossEntropyLoss' | 'SoftmaxLoss' | 'HingeLoss';

export interface TrainConfig {
  /** --model: which model to build. */
  model: string;
  /** --label_loss: the loss on the labels. */
  labelLoss: LossName;
  /** --regularization_penalty: weight of the regularisation term in the final loss. */
  regularizationPenalty: number;
  /** --optimizer: only Adam, as the starter code's default (AdamOptimizer). */
  optimizer: 'AdamOptimizer';
  /** --base_learning_rate: learning rate before decay. */
  baseLearningRate: number;
  /** --learning_rate_decay: factor applied every learningRateDecayExamples examples (staircase). */
  learningRateDecay: number;
  /** --learning_rate_decay_examples: examples seen between two decays. */
  learningRateDecayExamples: number;
  /** --clip_gradient_norm: each gradient tensor is clipped to this L2 norm (0 or less turns clipping off). */
  clipGradientNorm: number;
  /** --batch_size: examples per step. */
  batchSize: number;
  /** --num_epochs: passes over the training data (train.py's 100 by default; Stop ends a run early). */
  numEpochs: number;
  /** --max_steps: stop after this many steps even if epochs remain (null: no limit). */
  maxSteps: number | null;
  /** --start_new_model: fresh weights rather than continuing the current model. */
  startNewModel: boolean;
  /** Seed for weight initialisation and the per-epoch shuffle: same seed and data give the same loss curve. */
  seed: number;
  /** Steps between two status lines (train.py logs every 10 steps). */
  logEverySteps: number;
  /** Evaluate on the validation split while training (eval.py running beside train.py). */
  evalDuringTraining: boolean;
  /** Steps between two evaluations while training; 0 evaluates at the end of every epoch. */
  evalEverySteps: number;
  /** LogisticModel on webgpu: train with pagetrain's fused kernels (same math, far fewer GPU passes); off: tfjs ops. */
  fusedKernels: boolean;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  model: 'LogisticModel',
  labelLoss: 'CrossEntropyLoss',
  regularizationPenalty: 1.0,
  optimizer: 'AdamOptimizer',
  baseLearningRate: 0.01,
  learningRateDecay: 0.95,
  learningRateDecayExamples: 4_000_000,
  clipGradientNorm: 1.0,
  batchSize: 512,
  numEpochs: 100,
  maxSteps: null,
  startNewModel: false,
  seed: 0,
  logEverySteps: 10,
  evalDuringTraining: true,
  evalEverySteps: 0,
  fusedKernels: true,
};

/** tf.train.exponential_decay(base, global_step * batch_size, decay_examples, decay, staircase=True). */
export function learningRateAt(config: TrainConfig, globalStep: number): number {
  const decays = Math.floor((globalStep * config.batchSize) / config.learningRateDecayExamples);
  return config.baseLearningRate * Math.pow(config.learningRateDecay, decays);
}

/** The problems with a config as catalog texts (worded on the page in its language), one per field; empty when it can start a run. */
export function validateConfig(config: TrainConfig): Partial<Record<keyof TrainConfig, UserText>> {
  const problems: Partial<Record<keyof TrainConfig, UserText>> = {};
  const intIn = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!intIn(config.batchSize, 1, 65536)) problems.batchSize = text('problem_batch_size');
  if (!(
    Number.isFinite(config.baseLearningRate) &&
    config.baseLearningRate > 0 &&
    config.baseLearningRate <= 10
  ))
    problems.baseLearningRate = text('problem_learning_rate');
  if (!intIn(config.numEpochs, 1, 10000)) problems.numEpochs = text('problem_epochs');
  if (config.maxSteps !== null && !intIn(config.maxSteps, 1, 1e9))
    problems.maxSteps = text('problem_max_steps');
  if (!(
    Number.isFinite(config.learningRateDecay) &&
    config.learningRateDecay > 0 &&
    config.learningRateDecay <= 1
  ))
    problems.learningRateDecay = text('problem_lr_decay');
  if (!(Number.isFinite(config.learningRateDecayExamples) && config.learningRateDecayExamples >= 1))
    problems.learningRateDecayExamples = text('problem_decay_examples');
  if (!Number.isFinite(config.clipGradientNorm)) problems.clipGradientNorm = text('problem_clip_norm');
  if (!(Number.isFinite(config.regularizationPenalty) && config.regularizationPenalty >= 0))
    problems.regularizationPenalty = text('problem_regularization');
  if (!Number.isInteger(config.seed)) problems.seed = text('problem_seed');
  if (!intIn(config.evalEverySteps, 0, 1e9)) problems.evalEverySteps = text('problem_eval_every');
  return problems;
}

/**
 * eval.py's --label_loss: the loss Evaluate reports on the validation split. A flag of eval.py's own, so it does not
 * follow training's --label_loss (eval.py's default is CrossEntropyLoss whatever train.py minimised).
 */
export const DEFAULT_EVAL_LABEL_LOSS: LossName = 'CrossEntropyLoss';

/** The label losses of the starter code's losses.py, in the order the page lists them. */
export const LOSS_NAMES: readonly LossName[] = ['CrossEntropyLoss', 'SoftmaxLoss', 'HingeLoss'];

/** The preset models the page offers (names as --model took them); custom models come after them. */
export { PRESET_NAMES as MODEL_NAMES } from '../model-spec/presets';
