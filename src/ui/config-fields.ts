/** The number settings of Train (train.py's flags), as data: ConfigFields.svelte shows a list of them. */
import { m } from '../paraglide/messages.js';
import type { TrainConfig } from '../lib/shared/settings';

export interface ConfigField {
  key: keyof TrainConfig;
  label: () => string;
  hint: () => string;
  /** train.py's flag, or '' for pagetrain's own settings. */
  flag: string;
  step: string;
  min?: string;
}

/** Shown in Train. */
export const BASIC_FIELDS: ConfigField[] = [
  {
    key: 'batchSize',
    label: m.batch_size,
    hint: m.batch_size_hint,
    flag: '--batch_size',
    step: '1',
    min: '1',
  },
  {
    key: 'baseLearningRate',
    label: m.learning_rate,
    hint: m.learning_rate_hint,
    flag: '--base_learning_rate',
    step: 'any',
    min: '0',
  },
  { key: 'numEpochs', label: m.epochs, hint: m.epochs_hint, flag: '--num_epochs', step: '1', min: '1' },
];

/** Shown under Advanced settings. */
export const ADVANCED_FIELDS: ConfigField[] = [
  {
    key: 'regularizationPenalty',
    label: m.regularization_penalty,
    hint: m.regularization_penalty_hint,
    flag: '--regularization_penalty',
    step: 'any',
    min: '0',
  },
  {
    key: 'learningRateDecay',
    label: m.learning_rate_decay,
    hint: m.learning_rate_decay_hint,
    flag: '--learning_rate_decay',
    step: 'any',
    min: '0',
  },
  {
    key: 'learningRateDecayExamples',
    label: m.decay_examples,
    hint: m.decay_examples_hint,
    flag: '--learning_rate_decay_examples',
    step: '1',
    min: '1',
  },
  {
    key: 'clipGradientNorm',
    label: m.clip_norm,
    hint: m.clip_norm_hint,
    flag: '--clip_gradient_norm',
    step: 'any',
  },
  { key: 'maxSteps', label: m.max_steps, hint: m.max_steps_hint, flag: '--max_steps', step: '1', min: '1' },
  { key: 'seed', label: m.seed, hint: m.seed_hint, flag: '', step: '1' },
];
