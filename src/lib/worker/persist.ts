/**
 * Persistence on the worker side (issue 6): runs, automatic checkpoints, restore, model files in and out.
 *
 * Saving never blocks the page (this is the worker) and barely blocks training: at a checkpoint step the weights and
 * Adam's moments are read back (that waits for the GPU, once), then the IndexedDB write is queued and training goes
 * on. A write failure — a full disk above all — is reported to the page and never stops training; the transaction
 * is aborted whole, so every earlier checkpoint stays as it was.
 */
import * as tf from '@tensorflow/tfjs';
import { english, textOf } from '../i18n-text';
import { joinTexts, text, PagetrainError, type UserText } from '../shared/errors';
import type { TrainConfig } from '../shared/settings';
import type { BuiltModel } from '../ml/models';
import { captureState, loadModel, rebuiltRegularized, restoreState, specOf } from '../ml/snapshot';
import type { TrainingState } from '../ml/trainer';
import type { StepLog } from '../shared/step-log';
import { LAYER_CLASSES } from '../model-spec/format';
import * as store from '../store/db';
import { fingerprintFiles, weightBytes } from '../store/records';
import {
  RECORD_VERSION,
  type CheckpointReason,
  type CheckpointRecord,
  type FileFingerprint,
  type RunRecord,
  type WeightBuffer,
  type WeightSpec,
} from '../shared/snapshot-types';
import { formatBytes } from '../shared/format';
import type { HistoryEntry } from '../shared/step-log';
import type { ModelFile, PersistListener, PersistPolicy, StorageListing } from '../shared/persist-types';

/** A persistence error: the kind in `name`, the English `message`, the catalog text the page words. */
export class PersistError extends PagetrainError {}

/** The starter code exported every 1,000 steps; keep the last 5 of each run unless pinned. */
export const DEFAULT_POLICY: PersistPolicy = { everySteps: 1000, keepLast: 5 };

let dbPromise: Promise<store.Db> | null = null;
/** Set when this tab gave its connection up to a newer version's upgrade in another tab: nothing is saved after. */
let closedForUpgrade = false;
function db(): Promise<store.Db> {
  if (closedForUpgrade) return Promise.reject(new PersistError('StoreError', store.CLOSED_FOR_UPGRADE));
  dbPromise ??= store
    .openStore(store.DB_NAME, {
      onBlocking: () => {
        closedForUpgrade = true;
        notifyError(store.CLOSED_FOR_UPGRADE);
      },
      onBlocked: () => notifyNotice(store.WAITING_FOR_OTHER_TAB),
      onTerminated: () => {
        dbPromise = null;
        notifyError(text('persist_connection_closed'));
      },
    })
    .then(async (d) => {
      for (const name of await store.importedNames(d)) importedSaved.add(name);
      return d;
    });
  dbPromise.catch(() => (dbPromise = null));
  return dbPromise;
}

const policy: PersistPolicy = { ...DEFAULT_POLICY };
const datasets = new Map<string, FileFingerprint[]>();
const listeners = new Set<PersistListener>();
let run: RunRecord | null = null;
/** The step of the checkpoint the current state was restored from, or saved last. */
let lastSavedStep = -1;
let writes: Promise<void> = Promise.resolve();
/** Set by a restore from a checkpoint older than its run's last step: the next training forks a new run there. */
let restoredFrom: number | null = null;

function notifyChange(): void {
  for (const l of listeners) void l.onChange();
}
function notifyError(message: UserText | string): void {
  console.error(typeof message === 'string' ? message : english(message));
  for (const l of listeners) void l.onError(message);
}
function notifyNotice(message: UserText | string): void {
  for (const l of listeners) void l.onNotice?.(message);
}

export function subscribe(listener: PersistListener): void {
  listeners.add(listener);
}

export function setPolicy(p: Partial<PersistPolicy>): PersistPolicy {
  if (p.everySteps !== undefined) {
    if (!Number.isInteger(p.everySteps) || p.everySteps < 1)
      throw new PersistError('ConfigError', text('persist_every_steps'));
    policy.everySteps = p.everySteps;
  }
  if (p.keepLast !== undefined) {
    if (!Number.isInteger(p.keepLast) || p.keepLast < 1)
      throw new PersistError('ConfigError', text('persist_keep_last'));
    policy.keepLast = p.keepLast;
  }
  return { ...policy };
}

/** Name, size and SHA-256 of each file of a split, kept for the runs trained on it. */
export async function noteDataset(split: string, files: File[]): Promise<void> {
  datasets.set(split, await fingerprintFiles(split, files));
}

function history(log: StepLog): HistoryEntry {
  const { line: _line, ...entry } = log;
  return entry;
}

/**
 * Called when training starts. A new model starts a new run; continuing keeps the run (its history goes on). A model
 * restored from a checkpoint earlier than its run's last step continues in a new run, so no history is rewritten.
 */
export function beginTraining(config: TrainConfig, startNew: boolean): void {
  const now = Date.now();
  if (startNew || !run) {
    run = {
      version: RECORD_VERSION,
      id: crypto.randomUUID(),
      name: `${config.model} · ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')}`,
      config,
      dataset: [...datasets.values()].flat(),
      history: [],
      createdAt: now,
      updatedAt: now,
      globalStep: 0,
      final: null,
    };
    lastSavedStep = 0;
  } else if (restoredFrom !== null) {
    const from = restoredFrom;
    run = {
      ...run,
      id: crypto.randomUUID(),
      name: `${run.name} (from step ${from})`,
      history: run.history.filter((h) => h.step <= from),
      globalStep: from,
      createdAt: now,
    };
  }
  restoredFrom = null;
  run.config = config;
  run.updatedAt = now;
  const r = run;
  queue(async () => store.putRun(await db(), r).then(notifyChange));
}

export function recordLog(log: StepLog): void {
  if (!run) return;
  run.history.push(history(log));
  run.globalStep = log.step;
  run.final = { step: log.step, loss: log.loss, hitAt1: log.hitAt1, evaluation: null };
}

export function recordEvaluation(metrics: Record<string, number>, step: number): void {
  if (!run) return;
  run.final = { step, loss: run.final?.loss ?? null, hitAt1: run.final?.hitAt1 ?? null, evaluation: metrics };
  run.updatedAt = Date.now();
  const r = structuredClone(run);
  queue(async () => store.putRun(await db(), r).then(notifyChange));
}

/**
 * Keeps a predictions.csv with the run and checkpoint its model came from (the checkpoint saved at this step, if
 * any). The write is queued like the others; it never blocks the page.
 */
export function recordPredictions(csv: string, step: number): Promise<void> {
  if (!run) return Promise.resolve();
  const runId = run.id;
  return queue(async () => {
    const d = await db();
    const at = (await store.checkpointsOf(d, runId)).find((c) => c.step === step);
    await store.putPrediction(d, {
      version: 1,
      id: crypto.randomUUID(),
      runId,
      step,
      checkpointId: at?.id ?? null,
      createdAt: Date.now(),
      csv,
    });
  });
}

/** The predictions saved for the current run, oldest first. */
export async function savedPredictions(): Promise<
  { step: number; checkpointId: string | null; rows: number }[]
> {
  await flush();
  if (!run) return [];
  return (await store.predictionsOf(await db(), run.id)).map((p) => ({
    step: p.step,
    checkpointId: p.checkpointId,
    rows: p.csv.trimEnd().split('\n').length - 1,
  }));
}

function queue(write: () => Promise<void>): Promise<void> {
  writes = writes.then(write).catch(async (e: Error) => notifyError(await describeWriteError(e)));
  return writes;
}

/** What to delete to make room: the oldest unpinned checkpoints, other runs' first, by name and size. */
async function quotaAdvice(): Promise<UserText> {
  const l = await store.listAll(await db());
  const runName = (id: string) => l.runs.find((r) => r.id === id)?.name ?? text('a_deleted_run');
  const unpinned = l.checkpoints.filter((c) => !c.pinned).sort((a, b) => a.createdAt - b.createdAt);
  const others = unpinned.filter((c) => c.runId !== run?.id);
  const pick = (others.length ? others : unpinned).slice(0, 3);
  if (!pick.length) return text('persist_all_pinned');
  const named = joinTexts(
    pick.map((c) =>
      text('persist_checkpoint_item', { step: c.step, run: runName(c.runId), size: formatBytes(c.bytes) }),
    ),
    'text_list',
  );
  return text('persist_delete_advice', { named });
}

async function describeWriteError(e: Error): Promise<UserText | string> {
  const error = textOf(e) ?? e.message;
  if (e.name !== 'QuotaExceededError') return error;
  const advice = await quotaAdvice().catch(() => text('persist_delete_generic'));
  return text('persist_quota', { error, advice });
}

/** Waits until every queued write has finished. */
export function flush(): Promise<void> {
  return writes;
}

async function snapshot(
  state: TrainingState,
  config: TrainConfig,
  reason: CheckpointReason,
  learningRate: number,
): Promise<CheckpointRecord> {
  // Reading the weights back waits for the GPU to finish the steps queued so far.
  const snap = await captureState(state);
  const last = run?.history.at(-1);
  return {
    version: RECORD_VERSION,
    id: crypto.randomUUID(),
    runId: run!.id,
    ...snap,
    learningRate,
    reason,
    createdAt: Date.now(),
    pinned: false,
    metrics: last && last.step <= state.globalStep ? last : null,
    config,
  };
}

/**
 * Takes a checkpoint of the current state. The read-back is awaited; the write is queued (awaited only when `wait`).
 * Never throws for a failed write: the page hears of it through its listener.
 */
export async function checkpoint(
  state: TrainingState,
  config: TrainConfig,
  reason: CheckpointReason,
  learningRate: number,
  wait = false,
): Promise<void> {
  if (!run || state.globalStep === lastSavedStep) {
    if (wait) await flush();
    return;
  }
  const record = await snapshot(state, config, reason, learningRate);
  lastSavedStep = record.step;
  run.globalStep = record.step;
  run.updatedAt = Date.now();
  const r = structuredClone(run);
  const keep = policy.keepLast;
  const done = queue(async () => {
    await store.saveCheckpoint(await db(), r, record, keep);
    notifyChange();
  });
  if (wait) await done;
}

/** The `between` hook's part: a checkpoint every `everySteps` steps. */
export async function maybeCheckpoint(
  state: TrainingState,
  config: TrainConfig,
  learningRate: number,
): Promise<void> {
  if (state.globalStep > 0 && state.globalStep % policy.everySteps === 0)
    await checkpoint(state, config, 'interval', learningRate);
}

export async function listing(): Promise<StorageListing> {
  await flush();
  const l = await store.listAll(await db());
  return { ...l, policy: { ...policy }, currentRunId: run?.id ?? null, importedModels: importedNames() };
}

/** Loads a checkpoint: weights, Adam state, step and epoch; its run becomes the current one (history included). */
export async function restore(
  id: string,
): Promise<{ state: TrainingState; config: TrainConfig; run: RunRecord | null }> {
  await flush();
  const d = await db();
  const c = await store.getCheckpoint(d, id);
  const state = await restoreState(c, c.config);
  const r = await store.getRun(d, c.runId);
  run = r;
  restoredFrom = r && r.globalStep > c.step ? c.step : null;
  lastSavedStep = c.step;
  const shown = r ? { ...r, history: r.history.filter((h) => h.step <= c.step) } : null;
  return { state, config: { ...c.config, startNewModel: false }, run: shown };
}

export async function remove(id: string): Promise<void> {
  await flush();
  await store.deleteCheckpoint(await db(), id);
  notifyChange();
}

export async function pin(id: string, pinned: boolean): Promise<void> {
  await flush();
  await store.setPinned(await db(), id, pinned);
  notifyChange();
}

export async function removeRun(id: string): Promise<void> {
  await flush();
  await store.deleteRun(await db(), id);
  if (run?.id === id) run = null;
  notifyChange();
}

// ---- Files: TensorFlow.js layers format, plus the training state ----

export const MODEL_JSON = 'model.json';
export const MODEL_WEIGHTS = 'model.weights.bin';
export const STATE_JSON = 'training-state.json';
export const OPTIMIZER_WEIGHTS = 'optimizer.weights.bin';
const STATE_FORMAT = 'pagetrain-training-state';

interface TrainingStateFile {
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

function filesFor(
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

export async function checkpointFiles(id: string): Promise<ModelFile[]> {
  await flush();
  return filesFor(await store.getCheckpoint(await db(), id));
}

export async function exportFiles(
  state: TrainingState,
  config: TrainConfig,
  learningRate: number,
): Promise<ModelFile[]> {
  const snap = await captureState(state);
  return filesFor({ ...snap, learningRate, config, metrics: run?.history.at(-1) ?? null });
}

// ---- Import: a model.json (+ weight files, + training state) becomes a named model ----

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

function importError(file: string, what: UserText): PersistError {
  return new PersistError('ImportError', text('import_error', { file, what }));
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

/** Checks an uploaded model without running any of it; throws an ImportError naming the file and the problem. */
export async function parseModelFiles(files: File[]): Promise<{
  topology: Record<string, unknown>;
  weights: WeightBuffer | null;
  state: (TrainingStateFile & { optimizerWeights: WeightBuffer | null }) | null;
  name: string;
  /** The files it was read from (the others were not needed). */
  used: File[];
}> {
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

/** Imported models read in this worker, by the name they have in `Model`: to rebuild them for a new run. */
const imported = new Map<string, Awaited<ReturnType<typeof parseModelFiles>>>();
/** Names of the imported models saved in IndexedDB (read by key when the database opens). */
const importedSaved = new Set<string>();

export function importedNames(): string[] {
  return [...new Set([...importedSaved, ...imported.keys()])].sort();
}

/** Whether `name` is an imported model (saved in an earlier session or imported in this one). */
export async function isImported(name: string): Promise<boolean> {
  if (imported.has(name)) return true;
  await db().catch(() => null);
  return importedSaved.has(name);
}

/** An imported model's parsed files: from memory, or read from IndexedDB and checked again as on import. */
async function importedModel(name: string): Promise<Awaited<ReturnType<typeof parseModelFiles>> | null> {
  const known = imported.get(name);
  if (known) return known;
  if (!(await isImported(name))) return null;
  const record = await store.getImported(await db(), name);
  if (!record) return null;
  const parsed = await parseModelFiles(record.files.map((f) => new File([f.data], f.name)));
  imported.set(name, parsed);
  return parsed;
}

/** Validates and loads uploaded model files; the model becomes the current one, under a name `Model` can offer. */
export async function importModel(
  files: File[],
  current: TrainConfig,
): Promise<{ name: string; state: TrainingState; config: TrainConfig; withWeights: boolean }> {
  const parsed = await parseModelFiles(files);
  await db().catch(() => null); // the names saved earlier, so a new name does not replace one
  const taken = new Set(importedNames());
  let name = parsed.name;
  for (let i = 2; taken.has(name); i++) name = `${parsed.name} (${i})`;
  const config: TrainConfig = { ...(parsed.state?.config ?? current), model: name, startNewModel: false };
  let state: TrainingState;
  try {
    const s = parsed.state;
    state = await restoreState(
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
  imported.set(name, parsed);
  run = null;
  lastSavedStep = -1;
  restoredFrom = null;
  // Kept as the files came (only those it was read from), so a reload lists it in `Model` and loads it the same way.
  const record: store.ImportedModelRecord = {
    version: 1,
    name,
    importedAt: Date.now(),
    files: await Promise.all(parsed.used.map(async (f) => ({ name: f.name, data: await f.arrayBuffer() }))),
  };
  await queue(async () => {
    await store.putImported(await db(), record);
    notifyChange();
  });
  return { name, state, config, withWeights: parsed.weights !== null };
}

/** Forgets an imported model: its saved files and its name in `Model`. A model in use stays in use until replaced. */
export async function deleteImportedModel(name: string): Promise<void> {
  await queue(async () => {
    await store.deleteImported(await db(), name);
    imported.delete(name);
    importedSaved.delete(name);
    notifyChange();
  });
}

/** A fresh copy of an imported model (its uploaded weights, or fresh ones), for `Train` with start_new_model on. */
export async function buildImported(name: string): Promise<BuiltModel | null> {
  const p = await importedModel(name);
  if (!p) return null;
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
