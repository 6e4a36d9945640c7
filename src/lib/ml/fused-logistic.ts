/**
 * LogisticModel's training step as four WebGPU compute kernels, run through the tfjs WebGPU backend's custom-program
 * path (`backend.runWebGPUProgram`), in place of tfjs's generic matmul/softmax/loss/gradient/Adam chain (~100
 * kernels a step). Same math as the generic path in trainer.ts, term for term:
 *
 *   1. forward   one thread per example: gathers its row from the uint8 pixels (4 per u32) resident on the GPU,
 *                z = x·W + b, p = softmax(z), the label loss ℓ and dℓ/dz (the loss's gradient through the softmax),
 *                divided by n for the batch mean. Output [n, 2C+1]: dℓ/dz | p | ℓ.
 *   2. gradient  one thread per input row d (and one for the bias): g[d, c] = Σ_b x[b, d]·dz[b, c] plus the L2
 *                term's gradient penalty·l2·W[d, c] (slim's l2_regularizer: l2·Σw²/2).
 *   3. norms     one workgroup: ‖g_W‖₂ and ‖g_b‖₂ for tf.clip_by_norm, applied per tensor.
 *   4. adam      one thread per parameter, in place on the packed state [W | b | m_W | m_b | v_W | v_b]: clipping,
 *                then tfjs's Adam (bias-corrected moments, epsilon added to sqrt(v̂)).
 *
 * Nothing is read back except on log steps. Summation orders differ from tfjs's kernels, so the two paths agree to
 * float32 rounding, not bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { LossName } from '../shared/settings';
import { PagetrainError, text } from '../shared/errors';

/**
 * The packed training state's layout, [W | b | m_W | m_b | v_W | v_b] for D inputs and C classes: where each part
 * starts and ends (in float32s). The one place it is written; the kernels, the hand-over to and from tfjs's optimizer
 * and the checkpoint's Adam state all read it from here.
 */
export interface FusedLayout {
  D: number;
  C: number;
  /** Parameters: D·C weights, then C biases. */
  K: number;
  W: [number, number];
  b: [number, number];
  mW: [number, number];
  mb: [number, number];
  vW: [number, number];
  vb: [number, number];
  /** Float32s in all: 3·K. */
  total: number;
}

export function fusedLayout(D: number, C: number): FusedLayout {
  const DC = D * C;
  const K = DC + C;
  return {
    D,
    C,
    K,
    W: [0, DC],
    b: [DC, K],
    mW: [K, K + DC],
    mb: [K + DC, 2 * K],
    vW: [2 * K, 2 * K + DC],
    vb: [2 * K + DC, 3 * K],
    total: 3 * K,
  };
}

export type FusedPart = 'W' | 'b' | 'mW' | 'mb' | 'vW' | 'vb';

/** One part of a packed state (a view, not a copy). */
export function fusedPart(all: Float32Array, layout: FusedLayout, part: FusedPart): Float32Array {
  const [start, end] = layout[part];
  return all.subarray(start, end);
}

/** A packed state from its parts (absent moments stay zero: Adam before its first step). */
export function packFusedState(
  layout: FusedLayout,
  parts: Partial<Record<FusedPart, Float32Array>>,
): Float32Array {
  const all = new Float32Array(layout.total);
  for (const [part, values] of Object.entries(parts) as [FusedPart, Float32Array][]) {
    const [start, end] = layout[part];
    if (values.length !== end - start)
      throw new Error(`fused state: ${part} has ${values.length} values, the layout ${end - start}`);
    all.set(values, start);
  }
  return all;
}

/** The subset of tfjs-backend-webgpu's WebGPUProgram that a custom program fills in. */
interface Program {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;
  getUserCode(): string;
}

type Uniform = { type: 'float32' | 'int32'; data: number[] };

const WG = 64;
const NORM_WG = 256;

/** What each loss contributes to the forward kernel: ℓ for one example and gᶜ = dℓ/dpᶜ, from p[] and y[]. */
function lossSnippet(loss: LossName, C: number): string {
  switch (loss) {
    case 'CrossEntropyLoss':
      // ℓ = Σ −[y·log(p + ε) + (1 − y)·log(1 − p + ε)], ε = 1e-5
      return `
        for (var c = 0; c < ${C}; c++) {
          let pc = p[c]; let yc = y[c];
          l = l - (yc * log(pc + 1e-5) + (1.0 - yc) * log(1.0 - pc + 1e-5));
          g[c] = -yc / (pc + 1e-5) + (1.0 - yc) / (1.0 - pc + 1e-5);
        }`;
    case 'HingeLoss':
      // ℓ = Σ max(0, 1 − (2y − 1)·p); tf.maximum's gradient passes where 0 < 1 − (2y − 1)·p.
      return `
        for (var c = 0; c < ${C}; c++) {
          let s = 2.0 * y[c] - 1.0;
          let h = 1.0 - s * p[c];
          l = l + max(0.0, h);
          g[c] = select(0.0, -s, h > 0.0);
        }`;
    case 'SoftmaxLoss':
      // ŷ = y / max(Σy, 1e-7); ℓ = −Σ ŷ·log(softmax(p)); dℓ/dp = softmax(p)·Σŷ − ŷ
      return `
        var ysum = 0.0;
        var pmax = p[0];
        for (var c = 0; c < ${C}; c++) { ysum = ysum + y[c]; pmax = max(pmax, p[c]); }
        let ynorm = max(ysum, 1e-7);
        var qs = 0.0;
        var q: array<f32, ${C}>;
        for (var c = 0; c < ${C}; c++) { q[c] = exp(p[c] - pmax); qs = qs + q[c]; }
        var yhatSum = 0.0;
        for (var c = 0; c < ${C}; c++) { yhatSum = yhatSum + y[c] / ynorm; }
        for (var c = 0; c < ${C}; c++) {
          let qc = q[c] / qs;
          let yh = y[c] / ynorm;
          l = l - yh * log(qc);
          g[c] = qc * yhatSum - yh;
        }`;
  }
}

function forwardProgram(D: number, C: number, n: number, loss: LossName): Program {
  const words = Math.ceil(D / 4);
  const { K, b } = fusedLayout(D, C);
  const bias = b[0];
  return {
    variableNames: ['pixels', 'labels', 'order', 'params'],
    outputShape: [n, 2 * C + 1],
    shaderKey: `pagetrainLogisticForward_${D}_${C}_${loss}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(n / WG), 1, 1],
    workgroupSize: [WG, 1, 1],
    uniforms: 'start : i32, n : i32,',
    getUserCode: () => `
      fn main(index : i32) {
        if (index >= uniforms.n) { return; }
        let ex = order[uniforms.start + index];
        var z : array<f32, ${C}>;
        for (var c = 0; c < ${C}; c++) { z[c] = params[${bias} + c]; }
        let row = ex * ${words};
        for (var w = 0; w < ${words}; w++) {
          let word = u32(pixels[row + w]);
          if (word == 0u) { continue; }
          for (var k = 0; k < 4; k++) {
            let d = w * 4 + k;
            let px = (word >> (8u * u32(k))) & 255u;
            if (px == 0u || d >= ${D}) { continue; }
            let x = f32(px) / 255.0;
            for (var c = 0; c < ${C}; c++) { z[c] = z[c] + x * params[d * ${C} + c]; }
          }
        }
        var zmax = z[0];
        for (var c = 1; c < ${C}; c++) { zmax = max(zmax, z[c]); }
        var p : array<f32, ${C}>;
        var s = 0.0;
        for (var c = 0; c < ${C}; c++) { p[c] = exp(z[c] - zmax); s = s + p[c]; }
        for (var c = 0; c < ${C}; c++) { p[c] = p[c] / s; }
        let label = labels[ex];
        var y : array<f32, ${C}>;
        for (var c = 0; c < ${C}; c++) { y[c] = select(0.0, 1.0, label == c); }
        var l = 0.0;
        var g : array<f32, ${C}>;
        ${lossSnippet(loss, C)}
        // Through the softmax: dz_c = p_c·(g_c − Σ_k g_k·p_k); the batch mean divides by n.
        var gp = 0.0;
        for (var c = 0; c < ${C}; c++) { gp = gp + g[c] * p[c]; }
        let base = index * ${2 * C + 1};
        let invN = 1.0 / f32(uniforms.n);
        for (var c = 0; c < ${C}; c++) {
          result[base + c] = p[c] * (g[c] - gp) * invN;
          result[base + ${C} + c] = p[c];
        }
        result[base + ${2 * C}] = l;
      }
      // ${K} parameters
    `,
  };
}

function gradientProgram(D: number, C: number): Program {
  const words = Math.ceil(D / 4);
  const { K } = fusedLayout(D, C);
  return {
    variableNames: ['pixels', 'order', 'fwd', 'params'],
    outputShape: [K],
    shaderKey: `pagetrainLogisticGradient_${D}_${C}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil((D + 1) / WG), 1, 1],
    workgroupSize: [WG, 1, 1],
    uniforms: 'start : i32, n : i32, reg : f32,',
    getUserCode: () => `
      fn main(index : i32) {
        if (index > ${D}) { return; }
        var acc : array<f32, ${C}>;
        for (var c = 0; c < ${C}; c++) { acc[c] = 0.0; }
        if (index == ${D}) {
          for (var b = 0; b < uniforms.n; b++) {
            for (var c = 0; c < ${C}; c++) { acc[c] = acc[c] + fwd[b * ${2 * C + 1} + c]; }
          }
          for (var c = 0; c < ${C}; c++) { result[${D * C} + c] = acc[c]; }
          return;
        }
        let w = index / 4;
        let shift = 8u * u32(index % 4);
        for (var b = 0; b < uniforms.n; b++) {
          let ex = order[uniforms.start + b];
          let px = (u32(pixels[ex * ${words} + w]) >> shift) & 255u;
          if (px == 0u) { continue; }
          let x = f32(px) / 255.0;
          for (var c = 0; c < ${C}; c++) { acc[c] = acc[c] + x * fwd[b * ${2 * C + 1} + c]; }
        }
        for (var c = 0; c < ${C}; c++) {
          let i = index * ${C} + c;
          result[i] = acc[c] + uniforms.reg * params[i];
        }
      }
    `,
  };
}

function normsProgram(D: number, C: number): Program {
  const DC = D * C;
  return {
    variableNames: ['grad'],
    outputShape: [2],
    shaderKey: `pagetrainLogisticNorms_${D}_${C}`,
    dispatchLayout: { x: [0] },
    dispatch: [1, 1, 1],
    workgroupSize: [NORM_WG, 1, 1],
    getUserCode: () => `
      var<workgroup> partW : array<f32, ${NORM_WG}>;
      var<workgroup> partB : array<f32, ${NORM_WG}>;
      fn main(index : i32) {
        // layout: 'auto' drops bindings a shader never touches, and tfjs always binds its uniforms.
        _ = uniforms.outShape;
        let t = i32(localIndex);
        var sw = 0.0;
        for (var i = t; i < ${DC}; i = i + ${NORM_WG}) { let v = grad[i]; sw = sw + v * v; }
        var sb = 0.0;
        for (var i = t; i < ${C}; i = i + ${NORM_WG}) { let v = grad[${DC} + i]; sb = sb + v * v; }
        partW[t] = sw;
        partB[t] = sb;
        workgroupBarrier();
        for (var stride = ${NORM_WG / 2}; stride > 0; stride = stride / 2) {
          if (t < stride) {
            partW[t] = partW[t] + partW[t + stride];
            partB[t] = partB[t] + partB[t + stride];
          }
          workgroupBarrier();
        }
        if (t == 0) {
          result[0] = sqrt(partW[0]);
          result[1] = sqrt(partB[0]);
        }
      }
    `,
  };
}

function adamProgram(D: number, C: number): Program {
  // Thread i updates parameter i (W then b) and its two moments, at mW + i and vW + i.
  const { K, b, mW, vW, total } = fusedLayout(D, C);
  const DC = b[0];
  return {
    variableNames: ['grad', 'norms'],
    outputShape: [total],
    shaderKey: `pagetrainLogisticAdam_${D}_${C}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(K / WG), 1, 1],
    workgroupSize: [WG, 1, 1],
    uniforms:
      'lr : f32, beta1 : f32, beta2 : f32, oneMinusBeta1 : f32, oneMinusBeta2 : f32, eps : f32, ' +
      'oneMinusAccBeta1 : f32, oneMinusAccBeta2 : f32, clip : f32,',
    getUserCode: () => `
      fn main(index : i32) {
        if (index >= ${K}) { return; }
        var g = grad[index];
        if (uniforms.clip > 0.0) {
          let nrm = select(norms[0], norms[1], index >= ${DC});
          g = g * uniforms.clip / max(nrm, uniforms.clip);
        }
        let m = result[${mW[0]} + index] * uniforms.beta1 + g * uniforms.oneMinusBeta1;
        let v = result[${vW[0]} + index] * uniforms.beta2 + (g * g) * uniforms.oneMinusBeta2;
        result[${mW[0]} + index] = m;
        result[${vW[0]} + index] = v;
        let mHat = m / uniforms.oneMinusAccBeta1;
        let vHat = v / uniforms.oneMinusAccBeta2;
        result[index] = mHat / (sqrt(vHat) + uniforms.eps) * -uniforms.lr + result[index];
      }
    `,
  };
}

/** A split's pixels on the GPU as uint8, four to an int32 word, rows padded to whole words; labels as int32. */
export interface PackedSplit {
  pixels: tf.Tensor1D;
  labels: tf.Tensor1D;
  dim: number;
  dispose(): void;
}

export function packSplit(images: Uint8Array, labels: Int32Array, count: number, dim: number): PackedSplit {
  const words = Math.ceil(dim / 4);
  let bytes: Uint8Array;
  if (words * 4 === dim) {
    bytes = images.byteOffset % 4 === 0 ? images : images.slice();
  } else {
    bytes = new Uint8Array(count * words * 4);
    for (let i = 0; i < count; i++) bytes.set(images.subarray(i * dim, (i + 1) * dim), i * words * 4);
  }
  // Little-endian words: byte k of a row's word w is pixel 4w + k, as the kernels read it.
  const ints = new Int32Array(bytes.buffer, bytes.byteOffset, count * words);
  const pixels = tf.tensor1d(ints, 'int32');
  const labelTensor = tf.tensor1d(labels, 'int32');
  return {
    pixels,
    labels: labelTensor,
    dim,
    dispose() {
      pixels.dispose();
      labelTensor.dispose();
    },
  };
}

/** Adam's constants, the same as newTrainingState's. */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

export interface FusedStep {
  /** [n, 2C+1]: dℓ/dz | p | ℓ. Reading it back waits for the GPU. */
  out: tf.Tensor2D;
}

/**
 * The packed training state [W | b | m_W | m_b | v_W | v_b] and the four programs. `adamSteps` counts Adam updates
 * (tfjs's optimizer.iterations) for the bias correction.
 */
export class FusedLogistic {
  readonly D: number;
  readonly C: number;
  readonly K: number;
  readonly layout: FusedLayout;
  params: tf.Tensor1D;
  adamSteps: number;
  #backend: WebGPUBackend;
  /** beta^t kept as float32 products updated once a step, as tfjs's accBeta variables. */
  #accBeta1: number;
  #accBeta2: number;

  constructor(D: number, C: number, params: tf.Tensor1D, adamSteps: number) {
    this.D = D;
    this.C = C;
    this.layout = fusedLayout(D, C);
    this.K = this.layout.K;
    this.params = params;
    this.adamSteps = adamSteps;
    this.#accBeta1 = accPow(Math.fround(ADAM.beta1), adamSteps + 1);
    this.#accBeta2 = accPow(Math.fround(ADAM.beta2), adamSteps + 1);
    this.#backend = tf.backend() as WebGPUBackend;
  }

  static available(): boolean {
    return tf.getBackend() === 'webgpu';
  }

  #run(program: Program, inputs: tf.Tensor[], uniforms: Uniform[], output?: tf.Tensor): tf.Tensor {
    const info = this.#backend.runWebGPUProgram(
      program as unknown as Parameters<WebGPUBackend['runWebGPUProgram']>[0],
      inputs,
      'float32',
      uniforms,
      output,
    );
    return output ?? tf.engine().makeTensorFromTensorInfo(info);
  }

  /**
   * One training step on examples order[start .. start+n). Returns the forward output for logging; the caller
   * disposes it. Everything else it makes is disposed here.
   */
  step(
    data: PackedSplit,
    order: tf.Tensor1D,
    start: number,
    n: number,
    o: { loss: LossName; learningRate: number; clip: number; reg: number },
  ): tf.Tensor2D {
    const { D, C } = this;
    const se: Uniform[] = [
      { type: 'int32', data: [start] },
      { type: 'int32', data: [n] },
    ];
    const out = this.#run(
      forwardProgram(D, C, n, o.loss),
      [data.pixels, data.labels, order, this.params],
      se,
    );
    const grad = this.#run(
      gradientProgram(D, C),
      [data.pixels, order, out, this.params],
      [...se, { type: 'float32', data: [o.reg] }],
    );
    const norms = this.#run(normsProgram(D, C), [grad], []);
    const t = this.adamSteps + 1;
    const f = Math.fround;
    this.#run(
      adamProgram(D, C),
      [grad, norms],
      [
        { type: 'float32', data: [o.learningRate] },
        { type: 'float32', data: [ADAM.beta1] },
        { type: 'float32', data: [ADAM.beta2] },
        { type: 'float32', data: [1 - ADAM.beta1] },
        { type: 'float32', data: [1 - ADAM.beta2] },
        { type: 'float32', data: [ADAM.epsilon] },
        { type: 'float32', data: [f(1 - this.#accBeta1)] },
        { type: 'float32', data: [f(1 - this.#accBeta2)] },
        { type: 'float32', data: [o.clip] },
      ],
      this.params,
    );
    this.#dropHostCopy();
    this.adamSteps = t;
    this.#accBeta1 = f(this.#accBeta1 * f(ADAM.beta1));
    this.#accBeta2 = f(this.#accBeta2 * f(ADAM.beta2));
    grad.dispose();
    norms.dispose();
    return out as tf.Tensor2D;
  }

  /**
   * The forward kernel alone on examples order[start .. start+n) with the current parameters: [n, 2C+1], p in columns
   * C..2C−1 and each example's label loss ℓ in column 2C (an evaluation). Queued behind the steps before it, so it
   * reads the parameters as they are now even while later steps are queued after it.
   */
  forward(data: PackedSplit, order: tf.Tensor1D, start: number, n: number, loss: LossName): tf.Tensor2D {
    const { D, C } = this;
    return this.#run(
      forwardProgram(D, C, n, loss),
      [data.pixels, data.labels, order, this.params],
      [
        { type: 'int32', data: [start] },
        { type: 'int32', data: [n] },
      ],
    ) as tf.Tensor2D;
  }

  /**
   * The first step of a run, inside a WebGPU validation error scope: a kernel the driver rejects (shader compile or
   * binding errors) becomes an exception here instead of a silently wrong model.
   */
  async checkedStep(...args: Parameters<FusedLogistic['step']>): Promise<tf.Tensor2D> {
    const device = (this.#backend as unknown as { device: GPUDevice }).device;
    device.pushErrorScope('validation');
    let out: tf.Tensor2D | null = null;
    let thrown: unknown = null;
    try {
      out = this.step(...args);
    } catch (e) {
      thrown = e;
    }
    const error = await device.popErrorScope();
    if (error) {
      out?.dispose();
      throw new PagetrainError('FusedKernelError', text('fused_kernel_rejected', { error: error.message }));
    }
    if (thrown) throw thrown;
    return out!;
  }

  /**
   * The Adam kernel writes `params` in place, behind tfjs's back. tfjs-backend-webgpu keeps the values its `read()`
   * downloaded as a host copy and answers every later `data()` from it: without dropping that copy after each step,
   * a checkpoint taken after an earlier read-back would save the earlier moments (resume then diverged).
   */
  #dropHostCopy(): void {
    const tensorMap = (this.#backend as unknown as { tensorMap: { get(id: object): { values: unknown } } })
      .tensorMap;
    const entry = tensorMap.get(this.params.dataId);
    if (entry) entry.values = null;
  }

  /** A host copy of the packed state [W | b | m_W | m_b | v_W | v_b] as it is now; waits for the queued steps. */
  async read(): Promise<Float32Array> {
    return ((await this.params.data()) as Float32Array).slice();
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** beta^t as a float32 accumulator multiplied t times (tfjs's accBeta), in float32 arithmetic; once per run. */
function accPow(beta: number, t: number): number {
  let acc = beta;
  for (let i = 1; i < t; i++) acc = Math.fround(acc * beta);
  return acc;
}
