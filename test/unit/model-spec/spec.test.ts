import { describe, expect, test } from 'vitest';
import { english } from '../../../src/lib/i18n-text';
import {
  CONVNET_MODEL,
  convNetModel,
  leNetModel,
  mlpModel,
  parseHiddenSizes,
} from '../../../src/lib/model-spec/presets';
import { definition, newLayer, type LayerSpec } from '../../../src/lib/model-spec/format';
import {
  DefinitionError,
  nameProblem,
  parseDefinition,
  stringifyDefinition,
} from '../../../src/lib/model-spec/json';
import { resolveModel } from '../../../src/lib/model-spec/resolve';

const MNIST: [number, number, number] = [28, 28, 1];
const table = (layers: LayerSpec[], input = MNIST, classes = 10) => {
  const r = resolveModel(definition('T', layers), input, classes);
  return { r, rows: r.layers.map((l) => [l.name, l.outputShape?.join('x') ?? null, l.params]) };
};

describe('shape inference', () => {
  test('LeNet on 28×28×1: every output shape and parameter count, by hand', () => {
    const { r, rows } = table(leNetModel().layers);
    expect(rows).toEqual([
      ['conv2d_1', '28x28x6', 5 * 5 * 1 * 6 + 6],
      ['max_pooling2d_2', '14x14x6', 0],
      ['conv2d_3', '10x10x16', 5 * 5 * 6 * 16 + 16],
      ['max_pooling2d_4', '5x5x16', 0],
      ['flatten_5', '400', 0],
      ['dense_6', '120', 400 * 120 + 120],
      ['dense_7', '84', 120 * 84 + 84],
      ['dense_8', '10', 84 * 10 + 10],
    ]);
    expect(r.totalParams).toBe(156 + 2416 + 48120 + 10164 + 850);
    expect(r.ok).toBe(true);
  });

  test('strides, "same" padding, pooling strides and pairs follow TensorFlow', () => {
    const { rows } = table(
      [
        { className: 'Conv2D', config: { filters: 4, kernelSize: [3, 5], strides: 2, padding: 'same' } },
        { className: 'Conv2D', config: { filters: 2, kernelSize: 3, strides: [2, 1] } },
        { className: 'AveragePooling2D', config: { poolSize: 3, strides: 1, padding: 'valid' } },
        { className: 'MaxPooling2D', config: { poolSize: 2, padding: 'same' } },
      ],
      [29, 30, 3],
    );
    // same: ceil(29/2)=15, ceil(30/2)=15; valid: floor((15-3)/2)+1=7, floor((15-3)/1)+1=13; pool3/s1: 5, 11; same/2: 3, 6
    expect(rows.slice(0, 4)).toEqual([
      ['conv2d_1', '15x15x4', 3 * 5 * 3 * 4 + 4],
      ['conv2d_2', '7x13x2', 3 * 3 * 4 * 2 + 2],
      ['average_pooling2d_3', '5x11x2', 0],
      ['max_pooling2d_4', '3x6x2', 0],
    ]);
  });

  test('Reshape with -1, BatchNormalization counts 4 per channel (2 trainable), Dropout keeps the shape', () => {
    const { r, rows } = table([
      { className: 'Reshape', config: { targetShape: [-1, 7, 16] } },
      { className: 'BatchNormalization', config: {} },
      { className: 'Dropout', config: { rate: 0.5 } },
      { className: 'Activation', config: { activation: 'tanh' } },
    ]);
    expect(rows.slice(0, 4)).toEqual([
      ['reshape_1', '7x7x16', 0],
      ['batch_normalization_2', '7x7x16', 64],
      ['dropout_3', '7x7x16', 0],
      ['activation_4', '7x7x16', 0],
    ]);
    expect(r.totalParams - r.trainableParams).toBe(32);
  });

  test('a Dense on an image gets a Flatten inserted, and the table says why', () => {
    const { r, rows } = table([{ className: 'Dense', config: { units: 32, activation: 'relu' } }]);
    expect(r.ok).toBe(true);
    expect(rows).toEqual([
      ['flatten_1', '784', 0],
      ['dense_2', '32', 784 * 32 + 32],
      ['dense_3', '10', 32 * 10 + 10],
    ]);
    expect(r.layers[0].index).toBeNull();
    expect(english(r.layers[0].note!)).toMatch(/Dense needs a flat vector, and gets 28×28×1/);
  });

  test('the output layer follows the class count and flattens an image left at the end', () => {
    const { rows } = table([{ className: 'Conv2D', config: { filters: 3, kernelSize: 3 } }], [8, 8, 2], 4);
    expect(rows).toEqual([
      ['conv2d_1', '6x6x3', 3 * 3 * 2 * 3 + 3],
      ['flatten_2', '108', 0],
      ['dense_3', '4', 108 * 4 + 4],
    ]);
  });

  test('the ConvNet preset is the known 2×(conv-conv-pool) network', () => {
    const { r } = table(convNetModel().layers);
    expect(r.name).toBe('T');
    expect(r.layers.map((l) => l.outputShape!.join('x'))).toEqual([
      '28x28x32',
      '28x28x32',
      '14x14x32',
      '14x14x32',
      '14x14x64',
      '14x14x64',
      '7x7x64',
      '7x7x64',
      '3136',
      '256',
      '256',
      '10',
    ]);
    expect(r.totalParams).toBe(320 + 9248 + 18496 + 36928 + 3136 * 256 + 256 + 2570);
    expect(convNetModel().name).toBe(CONVNET_MODEL);
  });

  test('MLP hidden sizes are a setting', () => {
    const { r } = table(mlpModel([64, 32, 16]).layers);
    expect(r.layers.filter((l) => l.className === 'Dense').map((l) => l.config.units)).toEqual([
      64, 32, 16, 10,
    ]);
    expect(parseHiddenSizes('256, 128')).toEqual([256, 128]);
    expect(parseHiddenSizes('')).toEqual([]);
    expect(parseHiddenSizes('12, x')).toBeNull();
    expect(parseHiddenSizes('0')).toBeNull();
  });
});

describe('validation messages', () => {
  // The problems are catalog texts; their English wording is what these tests read.
  const errorsOf = (layers: unknown[], input = MNIST) =>
    resolveModel(definition('T', layers as LayerSpec[]), input, 10).errors.map(english);

  test('an image shrunk below 1×1 names the layer, the sizes and the fix', () => {
    const errors = errorsOf([
      { className: 'Conv2D', config: { filters: 8, kernelSize: 5 } },
      { className: 'MaxPooling2D', config: { poolSize: 2 } },
      { className: 'Conv2D', config: { filters: 8, kernelSize: 5 } },
      { className: 'MaxPooling2D', config: { poolSize: 2 } },
      { className: 'Conv2D', config: { filters: 8, kernelSize: 5 } },
    ]);
    expect(errors).toEqual([
      'Layer 5 (Conv2D): its 5×5 kernel does not fit its 4×4 input, so the output would be 0×0 (an empty image). ' +
        'Use a smaller kernel, padding "same", or fewer layers that shrink the image before it.',
    ]);
  });

  test('a negative output size is reported as such', () => {
    const errors = errorsOf([{ className: 'MaxPooling2D', config: { poolSize: 8 } }], [5, 5, 1]);
    expect(errors[0]).toMatch(
      /^Layer 1 \(MaxPooling2D\): its 8×8 pool window does not fit its 5×5 input, so the output would be 0×0/,
    );
    const errors2 = errorsOf([{ className: 'Conv2D', config: { filters: 1, kernelSize: 9 } }], [5, 5, 1]);
    expect(errors2[0]).toContain('the output would be -3×-3');
  });

  test('a Conv2D after Flatten is explained', () => {
    const errors = errorsOf([
      { className: 'Flatten', config: {} },
      { className: 'Conv2D', config: { filters: 8, kernelSize: 3 } },
    ]);
    expect(errors).toEqual([
      'Layer 2 (Conv2D): it needs an image (height×width×channels) but gets a flat vector of 784 values. ' +
        'Put a Reshape before it (for example to 28×28×1), or move it before the Flatten/Dense layers.',
    ]);
  });

  test('unknown layer types and bad settings are named, and later layers are not blamed', () => {
    const errors = errorsOf([
      { className: 'LSTM', config: {} },
      { className: 'Dense', config: { units: 0 } },
      { className: 'Dropout', config: { rate: 1.5, seed: 3 } },
      { className: 'Conv2D', config: { kernelSize: 3, padding: 'full', activation: 'gelu' } },
      { className: 'Reshape', config: { targetShape: [5, 5, 5] } },
    ]);
    expect(errors).toEqual([
      'Layer 1: the layer type "LSTM" is unknown. pagetrain builds Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Reshape, Dropout, BatchNormalization, Activation.',
      'Layer 2 (Dense): units must be a whole number from 1 to 65536.',
      'Layer 3 (Dropout): it has no setting "seed" (it takes rate); rate must be a number from 0 up to (not including) 1.',
      'Layer 4 (Conv2D): filters is missing; padding must be "valid" or "same"; activation must be one of linear, relu, relu6, elu, selu, sigmoid, tanh, softplus, softsign, swish, softmax.',
    ]);
  });

  test('a Reshape that changes the number of values is refused', () => {
    expect(errorsOf([{ className: 'Reshape', config: { targetShape: [5, 5, 5] } }])).toEqual([
      'Layer 1 (Reshape): it cannot reshape 28×28×1 (784 values) into 5×5×5 (125 values): the number of values must stay the same.',
    ]);
    expect(errorsOf([{ className: 'Reshape', config: { targetShape: [-1, 5] } }])[0]).toMatch(
      /no whole number fits the -1/,
    );
  });

  test('a model too large for a tab is refused', () => {
    const errors = errorsOf([{ className: 'Dense', config: { units: 65536 } }]);
    expect(errors).toEqual([
      'The model has 52,101,130 parameters; pagetrain trains at most 50,000,000 in a tab. Use fewer units or filters, or pool before Flatten.',
    ]);
  });

  test('names', () => {
    expect(nameProblem('MyNet')).toBeNull();
    expect(english(nameProblem('  ')!)).toBe('A model needs a name.');
    expect(english(nameProblem(' a')!)).toMatch(/space/);
    expect(english(nameProblem('x'.repeat(65))!)).toMatch(/at most 64/);
  });
});

describe('JSON definitions', () => {
  test('export and import round-trip', () => {
    const def = convNetModel();
    expect(parseDefinition(stringifyDefinition(def), 'a.json')).toEqual(def);
  });

  test('new layers start valid', () => {
    for (const c of [
      'Dense',
      'Conv2D',
      'MaxPooling2D',
      'AveragePooling2D',
      'Flatten',
      'Dropout',
      'BatchNormalization',
      'Activation',
    ] as const)
      expect(resolveModel(definition('T', [newLayer(c)]), MNIST, 10).errors).toEqual([]);
  });

  test('bad files get a message naming the file and each problem', () => {
    expect(() => parseDefinition('{', 'net.json')).toThrow(/^net\.json is not JSON/);
    expect(() => parseDefinition('{"modelTopology":{}}', 'model.json')).toThrow(
      'model.json is not a pagetrain model definition. It looks like a TensorFlow.js model.json: use Import model for those.',
    );
    const bad = JSON.stringify({
      format: 'pagetrain-model',
      version: 1,
      name: '',
      layers: [{ className: 'Dense', config: { units: -3 } }, { className: 'eval' }],
    });
    let err: unknown;
    try {
      parseDefinition(bad, 'bad.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DefinitionError);
    expect((err as Error).message).toBe(
      'bad.json: A model needs a name; Layer 1 (Dense): units must be a whole number from 1 to 65536; Layer 2: the layer type "eval" is unknown. pagetrain builds Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Reshape, Dropout, BatchNormalization, Activation',
    );
  });

  test('shape problems wait for the data: a definition for bigger images still imports', () => {
    const def = definition('Big', [{ className: 'Conv2D', config: { filters: 4, kernelSize: 40 } }]);
    expect(parseDefinition(stringifyDefinition(def), 'big.json').name).toBe('Big');
  });
});
