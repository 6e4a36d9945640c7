import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { english } from '../../../src/lib/i18n-text';
import { missingKernelsText } from '../../../src/lib/ml/capability';
import { trainProblemText } from '../../../src/lib/worker/models';
import { DEFAULT_TRAIN_CONFIG, LOSS_NAMES, type TrainConfig } from '../../../src/lib/shared/settings';
import { toDevice } from '../../../src/lib/ml/data';
import { buildModel, KERNEL_L2 } from '../../../src/lib/ml/models';
import { newTrainingState, train } from '../../../src/lib/ml/trainer';
import { convNetModel, leNetModel, mlpModel } from '../../../src/lib/model-spec/presets';
import { definition, type ModelDefinition } from '../../../src/lib/model-spec/format';
import { resolveModel } from '../../../src/lib/model-spec/resolve';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const mixed = definition('Mixed', [
  {
    className: 'Conv2D',
    config: { filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'elu' },
  },
  { className: 'BatchNormalization', config: { momentum: 0.9 } },
  { className: 'AveragePooling2D', config: { poolSize: 2, strides: 1 } },
  { className: 'Conv2D', config: { filters: 3, kernelSize: 3, useBias: false } },
  { className: 'Activation', config: { activation: 'selu' } },
  { className: 'MaxPooling2D', config: { poolSize: 2, padding: 'same' } },
  { className: 'Reshape', config: { targetShape: [-1] } },
  { className: 'Dropout', config: { rate: 0.2 } },
  { className: 'Dense', config: { units: 7, activation: 'tanh' } },
]);

const cases: [ModelDefinition, [number, number, number], number][] = [
  [mlpModel([64, 32]), [28, 28, 1], 10],
  [leNetModel(), [28, 28, 1], 10],
  [convNetModel(), [28, 28, 1], 10],
  [mixed, [17, 13, 2], 4],
  [definition('DenseOnImage', [{ className: 'Dense', config: { units: 6 } }]), [5, 5, 3], 3],
];

describe('buildModel from a definition (cpu backend)', () => {
  test.each(cases.map((c) => [c[0].name, ...c] as const))(
    '%s: tfjs agrees with resolveModel on every shape and countParams',
    (_title, def, input, classes) => {
      const r = resolveModel(def, input, classes);
      const { model, regularized } = buildModel({
        name: def.name,
        inputShape: input,
        numClasses: classes,
        seed: 3,
        definition: def,
      });
      try {
        expect(model.layers.map((l) => l.name)).toEqual(r.layers.map((l) => l.name));
        expect(model.layers.map((l) => (l.outputShape as number[]).slice(1))).toEqual(
          r.layers.map((l) => l.outputShape),
        );
        expect(model.layers.map((l) => l.countParams())).toEqual(r.layers.map((l) => l.params));
        expect(model.countParams()).toBe(r.totalParams);
        const trainable = model.trainableWeights.reduce(
          (a, w) => a + w.shape.reduce((x, y) => x! * y!, 1)!,
          0,
        );
        expect(trainable).toBe(r.trainableParams);
        // L2 1e-8 on every Dense and Conv2D kernel (the output layer's too), never on biases or BatchNormalization.
        const kernels = r.layers.filter((l) => l.className === 'Dense' || l.className === 'Conv2D').length;
        expect(regularized).toHaveLength(1);
        expect(regularized[0].l2).toBe(KERNEL_L2);
        expect(regularized[0].weights.map((w) => w.originalName)).toHaveLength(kernels);
        expect(regularized[0].weights.every((w) => /kernel/.test(w.originalName))).toBe(true);
        expect(model.outputs[0].shape).toEqual([null, classes]);
      } finally {
        model.dispose();
      }
    },
  );

  test('the same seed gives the same initial weights; another seed does not', async () => {
    const weights = async (seed: number) => {
      const { model } = buildModel({
        name: 'LeNetModel',
        inputShape: [28, 28, 1],
        numClasses: 10,
        seed,
        definition: leNetModel(),
      });
      const values = await Promise.all(model.getWeights().map((w) => w.data()));
      model.dispose();
      return values.map((v) => Array.from(v));
    };
    const a = await weights(5);
    expect(await weights(5)).toEqual(a);
    expect((await weights(6))[0]).not.toEqual(a[0]);
  });

  test('an invalid definition is refused with its problems', () => {
    const bad = definition('Bad', [
      { className: 'Flatten', config: {} },
      { className: 'MaxPooling2D', config: { poolSize: 2 } },
    ]);
    expect(() =>
      buildModel({ name: 'Bad', inputShape: [28, 28, 1], numClasses: 10, seed: 0, definition: bad }),
    ).toThrow(/^model "Bad" cannot be built: Layer 2 \(MaxPooling2D\): it pools an image/);
    expect(() => buildModel({ name: 'Nope', inputShape: [28, 28, 1], numClasses: 10, seed: 0 })).toThrow(
      /unknown model "Nope"/,
    );
  });
});

describe('backend capability check', () => {
  test('cpu has every kernel the presets and the mixed model train with', () => {
    for (const [def, input, classes] of cases)
      expect(missingKernelsText(resolveModel(def, input, classes), 'cpu')).toBeNull();
  });

  test('a backend without Conv2DBackpropFilter (tfjs 4.22 wasm) is named before training', () => {
    const r = resolveModel(leNetModel(), [28, 28, 1], 10);
    const msg = english(missingKernelsText(r, 'wasm', (k) => k !== 'Conv2DBackpropFilter')!);
    expect(msg).toBe(
      'The wasm backend cannot train "LeNetModel": it lacks the kernel Conv2DBackpropFilter (needed by conv2d_1 (Conv2D), conv2d_3 (Conv2D)). ' +
        'Choose a model without those layers, or use a browser with WebGPU or WebGL.',
    );
    expect(
      missingKernelsText(
        resolveModel(mlpModel(), [28, 28, 1], 10),
        'wasm',
        (k) => k !== 'Conv2DBackpropFilter',
      ),
    ).toBeNull();
  });
});

describe('the worker asks before training', () => {
  test('the backend in use (cpu) can train every preset; LogisticModel has no definition and needs none', () => {
    for (const [def, input, classes] of cases)
      expect(trainProblemText(def.name, def, input, classes)).toBeNull();
    expect(trainProblemText('LogisticModel', undefined, [28, 28, 1], 10)).toBeNull();
  });

  test('a backend that registers no kernels is refused with the kernels named', () => {
    expect(english(trainProblemText('LogisticModel', undefined, [28, 28, 1], 10, 'nokernels')!)).toBe(
      'The nokernels backend cannot train "LogisticModel": it lacks the kernels Reshape (needed by flatten_1 (Flatten)); ' +
        '_FusedMatMul (needed by dense_2 (Dense)); BatchMatMul (needed by dense_2 (Dense)); Softmax (needed by dense_2 (Dense)). ' +
        'Choose a model without those layers, or use a browser with WebGPU or WebGL.',
    );
  });

  test('a saved model that does not fit the loaded data is refused with the layer named', () => {
    expect(english(trainProblemText('LeNetModel', leNetModel(), [8, 8, 1], 10)!)).toMatch(
      /^The model "LeNetModel" cannot be built for this data: Layer 3 \(Conv2D\): its 5×5 kernel does not fit its 4×4 input/,
    );
  });
});

describe('training a defined model with every loss', () => {
  test.each(LOSS_NAMES)(
    '%s: loss finite and falling, tensor count flat across epochs',
    async (loss) => {
      const count = 48;
      const images = new Uint8Array(count * 64);
      const labels = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        labels[i] = i % 3;
        // Class c: a bright horizontal bar at rows 2c..2c+1.
        for (let p = 0; p < 64; p++) images[i * 64 + p] = p >> 4 === labels[i] ? 230 : (i * 31 + p * 7) % 40;
      }
      const split = toDevice({ count, images, labels, shape: [8, 8, 1], numClasses: 3 });
      const def = definition('Small', [
        { className: 'Conv2D', config: { filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' } },
        { className: 'BatchNormalization', config: {} },
        { className: 'MaxPooling2D', config: {} },
        { className: 'Dropout', config: { rate: 0.1 } },
        { className: 'Dense', config: { units: 8, activation: 'relu' } },
      ]);
      const cfg: TrainConfig = {
        ...DEFAULT_TRAIN_CONFIG,
        model: 'Small',
        labelLoss: loss,
        batchSize: 16,
        numEpochs: 4,
        logEverySteps: 3,
      };
      const built = buildModel({
        name: 'Small',
        inputShape: [8, 8, 1],
        numClasses: 3,
        seed: 1,
        definition: def,
      });
      const state = newTrainingState(built, cfg);
      const losses: number[] = [];
      const tensors: number[] = [];
      await train(state, split, cfg, {
        onLog: (l) => losses.push(l.loss),
        onEpochEnd: (e) => tensors.push(e.numTensors),
        between: async () => 'continue',
      });
      expect(losses).toHaveLength(4);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.at(-1)!).toBeLessThan(losses[0]);
      expect(new Set(tensors.slice(1)).size).toBe(1);
      built.model.dispose();
      state.optimizer.dispose();
      split.dispose();
    },
    60_000,
  );
});
