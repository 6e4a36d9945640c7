/**
 * Can this backend train this model? Each layer needs forward and gradient kernels; a backend without one fails
 * only when the first step reaches it (tfjs 4.22's wasm backend has no Conv2DBackpropFilter, so it cannot train
 * Conv2D). Checked with tf.getKernel before training starts, so the user hears it up front.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedModel } from '../model-spec/resolve';
import { joinTexts, text, type UserText } from '../shared/errors';

/**
 * Kernels a training step of each layer runs (forward and backward), as tf.profile lists them for tfjs 4.22 on the
 * cpu backend; the element-wise basics every backend has (Add, Sum, Cast, ...) are left out.
 */
const LAYER_KERNELS: Record<string, string[]> = {
  Dense: ['_FusedMatMul', 'BatchMatMul'],
  Conv2D: ['Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput'],
  MaxPooling2D: ['MaxPool', 'MaxPoolGrad'],
  AveragePooling2D: ['AvgPool', 'AvgPoolGrad'],
  Flatten: ['Reshape'],
  Reshape: ['Reshape'],
  Dropout: ['Multiply', 'Floor'],
  BatchNormalization: ['FusedBatchNorm', 'Rsqrt', 'Tile'],
  Activation: [],
};

const ACTIVATION_KERNELS: Record<string, string[]> = {
  linear: [],
  relu: ['Relu', 'Step'],
  relu6: ['Relu', 'Minimum', 'Greater'],
  elu: ['Elu', 'EluGrad'],
  selu: ['Selu', 'Exp', 'Greater', 'Select'],
  sigmoid: ['Sigmoid'],
  tanh: ['Tanh'],
  softplus: ['Softplus', 'Sigmoid'],
  softsign: ['Abs', 'Step'],
  swish: ['Sigmoid'],
  softmax: ['Softmax'],
};

/** The kernels training `model` runs, each with the layers that need it (for the message). */
export function requiredKernels(model: ResolvedModel): Map<string, string[]> {
  const need = new Map<string, string[]>();
  const add = (kernel: string, who: string) => need.set(kernel, [...(need.get(kernel) ?? []), who]);
  for (const l of model.layers) {
    const who = `${l.name} (${l.className})`;
    for (const k of LAYER_KERNELS[l.className] ?? []) add(k, who);
    const act = l.config.activation;
    if (typeof act === 'string') for (const k of ACTIVATION_KERNELS[act] ?? []) add(k, who);
  }
  return need;
}

/**
 * Null when `backend` registers every kernel training `model` needs; otherwise a plain sentence naming the missing
 * kernels, the layers that need them, and what to do.
 */
export function missingKernelsText(
  model: ResolvedModel,
  backend: string,
  has: (kernel: string) => boolean = (k) => tf.getKernel(k, backend) !== undefined,
): UserText | null {
  const missing = [...requiredKernels(model)].filter(([k]) => !has(k));
  if (!missing.length) return null;
  const list = joinTexts(
    missing.map(([kernel, who]) =>
      text('kernel_needed_by', { kernel, layers: [...new Set(who)].join(', ') }),
    ),
    'text_list',
  );
  return text(missing.length > 1 ? 'kernels_missing_many' : 'kernels_missing_one', {
    backend,
    model: model.name,
    list,
  });
}
