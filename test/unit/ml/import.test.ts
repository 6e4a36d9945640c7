import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildModel } from '../../../src/lib/ml/models';
import { serializeModel } from '../../../src/lib/ml/snapshot';
import { MAX_MODEL_JSON_BYTES, parseModelFiles } from '../../../src/lib/worker/model-files';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function exported(): Promise<{ json: Record<string, unknown>; bin: ArrayBuffer }> {
  const built = buildModel({ name: 'LogisticModel', inputShape: [4, 4, 1], numClasses: 3, seed: 1 });
  const m = await serializeModel(built.model);
  built.model.dispose();
  const json = {
    modelTopology: m.topology,
    format: 'layers-model',
    weightsManifest: [{ paths: ['./model.weights.bin'], weights: m.weights.specs }],
  };
  return { json, bin: m.weights.data };
}

const jsonFile = (o: unknown, name = 'model.json') => new File([JSON.stringify(o)], name);
const binFile = (b: ArrayBuffer, name = 'model.weights.bin') => new File([b], name);

async function refusal(files: File[]): Promise<string> {
  const e = await parseModelFiles(files).then(
    () => null,
    (err: Error) => err,
  );
  expect(e?.name).toBe('ImportError');
  return e!.message;
}

describe('Import model: checked, never executed', () => {
  test('model.json + weights parse; the weights are the exported bytes; the name comes from the model', async () => {
    const { json, bin } = await exported();
    const p = await parseModelFiles([jsonFile(json), binFile(bin)]);
    expect(p.name).toBe('Imported LogisticModel');
    expect(new Uint8Array(p.weights!.data)).toEqual(new Uint8Array(bin));
    expect(p.weights!.specs.map((s) => s.shape)).toEqual([[16, 3], [3]]);
    expect(p.state).toBeNull();
  });

  test('model.json alone: topology only (fresh weights)', async () => {
    const { json } = await exported();
    const p = await parseModelFiles([jsonFile(json, 'digits.json')]);
    expect(p.weights).toBeNull();
    expect(p.name).toBe('Imported digits');
  });

  test('an empty weightsManifest (a Keras architecture as converted) is an architecture: fresh weights', async () => {
    const { json } = await exported();
    for (const weightsManifest of [[], [{ paths: [], weights: [] }]]) {
      const p = await parseModelFiles([jsonFile({ ...json, weightsManifest }, 'arch.json')]);
      expect(p.weights).toBeNull();
      expect(p.name).toBe('Imported arch');
    }
  });

  test('a layer type outside the known set is refused by name', async () => {
    const { json, bin } = await exported();
    const bad = structuredClone(json) as { modelTopology: { config: { layers: { class_name: string }[] } } };
    bad.modelTopology.config.layers[1].class_name = 'Lambda';
    expect(await refusal([jsonFile(bad), binFile(bin)])).toMatch(
      /^Import model: model\.json: layer "logistic" is a Lambda, which pagetrain cannot train \(it takes Dense, Conv2D, /,
    );
  });

  test('only the layers the editor builds (plus the input layer and containers) are accepted', async () => {
    const { json, bin } = await exported();
    type Topology = { modelTopology: { config: { layers: { class_name: string; config: object }[] } } };
    // A Keras-converted model often starts with an InputLayer: accepted.
    const withInput = structuredClone(json) as Topology;
    withInput.modelTopology.config.layers.unshift({
      class_name: 'InputLayer',
      config: { batch_input_shape: [null, 4, 4, 1], dtype: 'float32', name: 'input_1' },
    });
    const p = await parseModelFiles([jsonFile(withInput), binFile(bin)]);
    expect(p.used.map((f) => f.name).sort()).toEqual(['model.json', 'model.weights.bin']);
    // A built-in Keras layer the editor does not offer is refused, by its name and type.
    const pooled = structuredClone(json) as Topology;
    pooled.modelTopology.config.layers.splice(1, 0, {
      class_name: 'GlobalAveragePooling2D',
      config: { name: 'gap' },
    });
    expect(await refusal([jsonFile(pooled), binFile(bin)])).toMatch(
      /model\.json: layer "gap" is a GlobalAveragePooling2D, which pagetrain cannot train/,
    );
  });

  test('weights of the wrong size, a graph model, not JSON, too large, no model.json', async () => {
    const { json, bin } = await exported();
    expect(await refusal([jsonFile(json), binFile(bin.slice(0, 100))])).toBe(
      'Import model: model.json: weight files hold 100 bytes but the manifest describes 204',
    );
    expect(await refusal([jsonFile({ ...json, format: 'graph-model' })])).toMatch(
      /format "graph-model" is not "layers-model"/,
    );
    expect(await refusal([new File(['{"modelTopology": '], 'model.json')])).toMatch(
      /^Import model: model\.json: not JSON/,
    );
    expect(await refusal([new File([new Uint8Array(MAX_MODEL_JSON_BYTES + 1)], 'model.json')])).toMatch(
      /too large for a model\.json/,
    );
    expect(await refusal([binFile(bin)])).toBe(
      'Import model: model.weights.bin: no model.json among the files',
    );
    expect(await refusal([jsonFile({ weightsManifest: [] })])).toMatch(/no "modelTopology"/);
  });

  test('a manifest naming two weight files of which one is missing is refused', async () => {
    const { json, bin } = await exported();
    const two = {
      ...json,
      weightsManifest: [{ ...(json.weightsManifest as object[])[0], paths: ['a.bin', 'b.bin'] }],
    };
    expect(await refusal([jsonFile(two), binFile(bin, 'a.bin')])).toBe(
      'Import model: model.json: weight file b.bin is missing (upload it with the others)',
    );
  });
});
