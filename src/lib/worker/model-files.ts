/**
 * Models as files, in TensorFlow.js's layers format (model.json + model.weights.bin) plus pagetrain's training state
 * (training-state.json + optimizer.weights.bin): the files a checkpoint or the current model is exported as, and the
 * checks an uploaded model passes before it is imported — its Keras topology (only layer classes pagetrain trains,
 * nothing that carries code), its weight manifest and sizes — and the model built from it. No IndexedDB here: the
 * library of imported models (persist.ts) keeps the files; this reads them.
 */
import * as tf from '@tensorflow/tfjs';
import { text, PagetrainError, type UserText } from '../shared/errors';
import type { TrainConfig } from '../shared/settings';
import type { BuiltModel } from '../ml/models';
import { loadModel, rebuiltRegularized, restoreState, specOf } from '../ml/snapshot';
import type { TrainingState } from '../ml/trainer';
import { LAYER_CLASSES } from '../model-spec/format';
import { weightBytes } from '../store/records';
import {
  RECORD_VERSION,
  type CheckpointRecord,
  type WeightBuffer,
  type WeightSpec,
} from '../shared/snapshot-types';
import type { HistoryEntry } from '../shared/step-log';
import type { ModelFile } from '../shared/persist-types';

export const MODEL_JSON = 'model.json';
export const MODEL_WEIGHTS = 'model.weights.bin';
export const STATE_JSON = 'training-state.json';
export const OPTIMIZER_WEIGHTS = 'optimizer.weights.bin';
export const STATE_FORMAT = 'pagetrain-training-state';

export interface TrainingStateFile {
  format: typeof STATE_FORMAT;
  version: typeof RECORD_VERSION;
  step: number;
  epoch: number;
  epochExamples: number;
  learningRate: number;
  config: TrainConfig;
  regularized: CheckpointRecord['regularized'];
  metrics: HistoryEntry | null;
  optimizer: { paths: string[]; weights: WeightSpec[] };
}

/** The four files of a model and its training state. */
export function filesFor(
  c: Omit<CheckpointRecord, 'id' | 'runId' | 'createdAt' | 'pinned' | 'reason' | 'version'>,
): ModelFile[] {
  const modelJson = {
    modelTopology: c.model.topology,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    weightsManifest: [{ paths: [`./${MODEL_WEIGHTS}`], weights: c.model.weights.specs }],
  };
  const stateJson: TrainingStateFile = {
    format: STATE_FORMAT,
    version: RECORD_VERSION,
    step: c.step,
    epoch: c.epoch,
    epochExamples: c.epochExamples,
    learningRate: c.learningRate,
    config: c.config,
    regularized: c.regularized,
    metrics: c.metrics,
    optimizer: { paths: [`./${OPTIMIZER_WEIGHTS}`], weights: c.optimizer.specs },
  };
  const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o)).buffer as ArrayBuffer;
  return [
    { name: MODEL_JSON, type: 'application/json', data: json(modelJson) },
    { name: MODEL_WEIGHTS, type: 'application/octet-stream', data: c.model.weights.data.slice(0) },
    { name: STATE_JSON, type: 'application/json', data: json(stateJson) },
    { name: OPTIMIZER_WEIGHTS, type: 'application/octet-stream', data: c.optimizer.data.slice(0) },
  ];
}

/** model.json is text; anything bigger than this is not one. */
export const MAX_MODEL_JSON_BYTES = 10_000_000;
export const MAX_WEIGHT_BYTES = 1_000_000_000;

/**
 * Layer classes an imported model may use: those the layer editor builds, the activation layers Keras writes for
 * them, the input layer and the model containers. Nothing that carries code (no Lambda), nothing pagetrain does not
 * train itself.
 */
export const KNOWN_LAYERS = new Set<string>([
  ...LAYER_CLASSES,
  'ReLU',
  'Softmax',
  'InputLayer',
  'Sequential',
  'Model',
  'Functional',
]);

export function importError(file: string, what: UserText): PagetrainError {
  return new PagetrainError('ImportError', text('import_error', { file, what }));
}

/** Every layer of a Keras topology (nested models included): its class and its name. */
function layerClasses(
  node: unknown,
  out: { className: string; name: string }[] = [],
): { className: string; name: string }[] {
  if (typeof node !== 'object' || node === null) return out;
  const o = node as Record<string, unknown>;
  const config = o.config as unknown;
  if (typeof o.class_name === 'string') {
    const named = (config as { name?: unknown } | undefined)?.name ?? o.name;
    out.push({ className: o.class_name, name: typeof named === 'string' ? named : `#${out.length + 1}` });
  }
  const layers = Array.isArray(config) ? config : (config as { layers?: unknown } | undefined)?.layers;
  if (Array.isArray(layers)) for (const l of layers) layerClasses(l, out);
  return out;
}

/** An uploaded model, checked: its topology, weights (null: fresh ones), training state, name and files. */
export interface ParsedModel {
  topology: Record<string, unknown>;
  weights: WeightBuffer | null;
  state: (TrainingStateFile & { optimizerWeights: WeightBuffer | null }) | null;
  name: string;
  /** The files it was read from (the others were not needed). */
  used: File[];
}

/** Checks an uploaded model without running any of it; throws an ImportError naming the file and the problem. */
export async function parseModelFiles(files: File[]): Promise<ParsedModel> {
  const used = new Set<File>();
  const byName = new Map(files.map((f) => [f.name, f]));
  const jsonFile =
    files.find((f) => f.name === MODEL_JSON) ??
    files.find((f) => f.name.endsWith('.json') && f.name !== STATE_JSON);
  if (!jsonFile)
    throw importError(files.map((f) => f.name).join(', ') || '(no file)', text('import_no_model_json'));
  if (jsonFile.size > MAX_MODEL_JSON_BYTES)
    throw importError(
      jsonFile.name,
      text('import_json_too_large', { bytes: jsonFile.size, limit: MAX_MODEL_JSON_BYTES }),
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(await jsonFile.text());
  } catch (e) {
    throw importError(jsonFile.name, text('import_not_json', { error: (e as Error).message }));
  }
  const modelJson = parsed as { modelTopology?: unknown; format?: unknown; weightsManifest?: unknown };
  if (
    typeof modelJson !== 'object' ||
    modelJson === null ||
    typeof modelJson.modelTopology !== 'object' ||
    !modelJson.modelTopology
  )
    throw importError(jsonFile.name, text('import_no_topology'));
  if (modelJson.format !== undefined && modelJson.format !== 'layers-model')
    throw importError(jsonFile.name, text('import_not_layers_model', { format: String(modelJson.format) }));
  const topology = modelJson.modelTopology as Record<string, unknown>;
  const modelTop = (topology.model_config as Record<string, unknown> | undefined) ?? topology;
  const layers = layerClasses(modelTop);
  if (layers.length === 0) throw importError(jsonFile.name, text('import_no_layers'));
  const bad = layers.find((l) => !KNOWN_LAYERS.has(l.className));
  if (bad)
    throw importError(
      jsonFile.name,
      text('import_unknown_layer', {
        name: bad.name,
        className: bad.className,
        known: [...KNOWN_LAYERS].join(', '),
      }),
    );

  const readGroups = async (manifest: unknown, where: string): Promise<WeightBuffer | null> => {
    if (manifest === undefined) return null;
    if (!Array.isArray(manifest)) throw importError(where, text('import_manifest_not_list'));
    const specs: WeightSpec[] = [];
    const parts: ArrayBuffer[] = [];
    let missing: string | null = null;
    for (const group of manifest as { paths?: unknown; weights?: unknown }[]) {
      if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights))
        throw importError(where, text('import_group_incomplete'));
      for (const w of group.weights as Record<string, unknown>[]) {
        if (w.quantization) throw importError(where, text('import_quantized', { name: String(w.name) }));
        if (w.dtype !== 'float32' && w.dtype !== 'int32')
          throw importError(where, text('import_dtype', { name: String(w.name), dtype: String(w.dtype) }));
        if (
          typeof w.name !== 'string' ||
          !Array.isArray(w.shape) ||
          !w.shape.every((n) => Number.isInteger(n) && n >= 0)
        )
          throw importError(where, text('import_weight_invalid'));
        specs.push({ name: w.name, shape: w.shape as number[], dtype: w.dtype });
      }
      for (const p of group.paths as unknown[]) {
        const base = String(p).split('/').pop() ?? '';
        const f = byName.get(base);
        if (!f) {
          missing ??= base;
          continue;
        }
        used.add(f);
        parts.push(await f.arrayBuffer());
      }
    }
    if (missing !== null) {
      if (parts.length) throw importError(where, text('import_weight_file_missing', { file: missing }));
      return null; // topology only: the model starts from fresh weights
    }
    // An empty manifest (a Keras model's architecture as tfjs's converter writes it) lists no weights: an
    // architecture, which trains from its layers' own initializers, not a model whose weights are all unset.
    if (specs.length === 0) return null;
    const want = weightBytes(specs);
    if (want > MAX_WEIGHT_BYTES)
      throw importError(where, text('import_weights_too_large', { bytes: want, limit: MAX_WEIGHT_BYTES }));
    const data = tf.io.concatenateArrayBuffers(parts);
    if (data.byteLength !== want)
      throw importError(where, text('import_weights_size', { have: data.byteLength, want }));
    return { specs, data };
  };

  const weights = await readGroups(modelJson.weightsManifest, jsonFile.name);
  let state: (TrainingStateFile & { optimizerWeights: WeightBuffer | null }) | null = null;
  const stateFile = byName.get(STATE_JSON);
  if (stateFile && weights) {
    let s: TrainingStateFile;
    try {
      s = JSON.parse(await stateFile.text()) as TrainingStateFile;
    } catch (e) {
      throw importError(STATE_JSON, text('import_not_json', { error: (e as Error).message }));
    }
    if (
      s.format !== STATE_FORMAT ||
      s.version !== RECORD_VERSION ||
      !Number.isInteger(s.step) ||
      !Number.isInteger(s.epoch)
    )
      throw importError(STATE_JSON, text('import_not_state', { version: RECORD_VERSION }));
    const optimizerWeights = await readGroups([s.optimizer], STATE_JSON);
    state = { ...s, optimizerWeights };
    used.add(stateFile);
  }
  used.add(jsonFile);
  const stem = jsonFile.name.replace(/\.json$/, '');
  const inner = (modelTop.config as { name?: unknown } | undefined)?.name;
  const base = stem !== 'model' ? stem : typeof inner === 'string' && inner ? inner : 'model';
  return { topology, weights, state, name: `Imported ${base}`, used: [...used] };
}

/** A fresh copy of an imported model (its uploaded weights, or fresh ones), for `Train` with start_new_model on. */
export async function buildImported(p: ParsedModel): Promise<BuiltModel> {
  const model = await loadModel(p.topology, p.weights);
  return {
    spec: specOf(model, 0),
    model,
    regularized: rebuiltRegularized(model, p.state?.regularized ?? []),
  };
}

/** Input [h, w, d] the model takes, compared with the data's; null when they fit. */
export function inputMismatchText(model: tf.LayersModel, shape: [number, number, number]): UserText | null {
  const want = model.inputs[0].shape.slice(1);
  const fits = want.length === 3 ? want.every((n, i) => n === null || n === shape[i]) : false;
  return fits ? null : text('model_input_mismatch', { want: want.join(', '), have: shape.join(', ') });
}

/** An uploaded model as a training state: its weights (or fresh ones) and, with its training state, Adam's and the step. */
export async function restoreImported(parsed: ParsedModel, config: TrainConfig): Promise<TrainingState> {
  const s = parsed.state;
  try {
    return await restoreState(
      {
        model: {
          topology: parsed.topology,
          weights: parsed.weights ?? { specs: [], data: new ArrayBuffer(0) },
        },
        regularized: s?.regularized ?? [],
        ...(s?.optimizerWeights
          ? {
              optimizer: s.optimizerWeights,
              step: s.step,
              epoch: s.epoch,
              epochExamples: s.epochExamples ?? 0,
            }
          : {}),
      },
      config,
      { withWeights: parsed.weights !== null },
    );
  } catch (e) {
    throw importError(MODEL_JSON, text('import_tfjs_failed', { error: (e as Error).message }));
  }
}
