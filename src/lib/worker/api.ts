/**
 * The worker's API: the one typed contract both sides share. The worker owns tfjs, the decoded data and the model;
 * the main thread imports only the type (`import type { WorkerApi }`) and talks through Comlink.
 * Long jobs report through callback proxies and send only what is new (this step's figures, not the history).
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { cannotTrainOnText, initBackend } from '../ml/backend';
import type { BackendInfo, BackendName } from '../shared/worker-types';
import { DEFAULT_TRAIN_CONFIG, learningRateAt, validateConfig, type TrainConfig } from '../shared/settings';
import { joinTexts, text, PagetrainError, type MessageKey, type UserText } from '../shared/errors';
import { decodedToDevice, type DeviceSplit } from '../ml/data';
import type { ModelDefinition } from '../model-spec/format';
import { assertTrainable, definitionFor, definitionKey, trainProblemText, useDefinition } from './models';
import * as persist from './persist';
import type {
  ImportResult,
  ModelFile,
  PersistListener,
  PersistPolicy,
  RestoreResult,
  StorageListing,
} from '../shared/persist-types';
import { evaluate, predict, predictPixels, predictionsCsv, type Predictions } from '../ml/evaluate';
import type { EvalResult } from '../shared/worker-types';
import { queryExamples, type Scored } from './inspect';
import { buildModel } from '../ml/models';
import {
  disposeTrainingState,
  syncFusedWeights,
  newTrainingState,
  train,
  type TrainingState,
} from '../ml/trainer';
import type { TrainOutcome } from '../shared/worker-types';
import { packSplit, type PackedSplit } from '../ml/fused-logistic';
import { captureState, restoreState } from '../ml/snapshot';
import type { LoadedSplit } from '../tfrecord';
import { readSplitParallel } from '../tfrecord/parallel';
import { ParsePool } from './parse-pool';
import { createImageDecoder } from './image-decoder';
import { checkFits, checkGpuBuffer, debugHandle } from './budget';
import {
  PREVIEW_IMAGES,
  SPLITS,
  type LoadOptions,
  type LoadProgress,
  type PredictResult,
  type Progress,
  type SplitName,
  type SplitSummary,
  type TrainCallbacks,
  type ExampleBatch,
  type ExampleQuery,
} from '../shared/worker-types';

/** An error of the API: the kind in `name`, an English `message`, and the catalog text the page words in its language. */
class WorkerError extends PagetrainError {}

// Everything below lives as long as the worker does.
let backend: BackendInfo | null = null;
const host: Partial<Record<SplitName, LoadedSplit>> = {};
const device: Partial<Record<SplitName, DeviceSplit>> = {};
/** The training split as uint8 on the GPU for the fused kernels; made on first use, dropped with its device split. */
let packedTrain: PackedSplit | null = null;
let training: TrainingState | null = null;
let trainingConfig: TrainConfig | null = null;
let trainingModelKey = '';
let running = false;
let paused = false;
let stopRequested = false;
let wakeUp: (() => void) | null = null;
/** The last evaluation's and prediction's outputs, kept for looking at examples and the richer CSV. */
let lastValidation: Float32Array | null = null;
let lastTest: Predictions | null = null;
/** Set after a step or an epoch when an evaluation during training is due; run at the next safe point. */
let evalDue = false;
/** The files each split was last read from, to read again with another schema (TFRecord ingestion). */
const sources: Partial<Record<SplitName, File[]>> = {};
const decodeImage = createImageDecoder();

/** A macrotask turn (faster than setTimeout's 4 ms clamp), so queued Pause/Stop messages get handled. */
const channel = new MessageChannel();
const turns: (() => void)[] = [];
channel.port1.onmessage = () => turns.shift()?.();
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    turns.push(resolve);
    channel.port2.postMessage(null);
  });
}

/**
 * Progress goes to the page at most every PROGRESS_MS (a fused step can take a few ms: one message each would keep
 * the main thread busy), and always when the run pauses or ends, so the page shows the step it holds at.
 */
const PROGRESS_MS = 100;
let pendingProgress: { send: () => void } | null = null;
let lastProgressAt = 0;

function progressThrottle(send: (p: Progress) => void): (p: Progress) => void {
  return (p) => {
    pendingProgress = { send: () => send(p) };
    const now = performance.now();
    if (now - lastProgressAt >= PROGRESS_MS) flushProgress();
  };
}

function flushProgress(): void {
  lastProgressAt = performance.now();
  pendingProgress?.send();
  pendingProgress = null;
}

async function between(): Promise<'continue' | 'stop'> {
  await nextTurn();
  if (paused) flushProgress();
  while (paused && !stopRequested) await new Promise<void>((resolve) => (wakeUp = resolve));
  return stopRequested ? 'stop' : 'continue';
}

function summarize(split: SplitName, s: LoadedSplit): SplitSummary {
  const { schema } = s;
  const shown = Math.min(PREVIEW_IMAGES, s.count);
  const pixels = schema.height * schema.width * schema.depth;
  return {
    split,
    count: s.count,
    files: s.files,
    schema,
    shape: [schema.height, schema.width, schema.depth],
    numClasses: s.numClasses,
    classCounts: s.classCounts,
    hasLabels: s.labels !== null,
    hasIds: s.ids !== null,
    skipped: s.skipped,
    features: s.features,
    preview: {
      count: shown,
      images: s.images.slice(0, shown * pixels),
      labels: s.labels ? Array.from(s.labels.subarray(0, shown)) : null,
    },
  };
}

/** Bytes the loaded splits other than `except` hold (images and labels). */
function hostBytes(except: SplitName): number {
  let n = 0;
  for (const s of SPLITS) {
    const h = host[s];
    if (s !== except && h) n += h.images.byteLength + (h.labels?.byteLength ?? 0);
  }
  return n;
}

/** Parse workers that read the pieces of a large split at once (one per core). */
const parsePool = new ParsePool();

/** Reads a split's files into `host` (replacing what it held only once all is read); `maxBytes`: see readSplit (tfrecord). */
async function readInto(
  split: SplitName,
  files: File[],
  onProgress: ((p: LoadProgress) => void) | undefined,
  options: LoadOptions,
  maxBytes?: number,
): Promise<SplitSummary> {
  const loaded = await readSplitParallel(
    files,
    {
      onProgress: onProgress ? (p) => onProgress({ split, ...p }) : undefined,
      schema: options.schema,
      skipBadRecords: options.skipBadRecords,
      decodeImage,
      maxBytes,
    },
    parsePool,
  );
  sources[split] = files;
  await persist.noteDataset(split, files);
  host[split] = loaded;
  device[split]?.dispose();
  delete device[split];
  if (split === 'train') dropPacked();
  return summarize(split, loaded);
}

/** The class count the model uses: the largest any labelled split needs. */
function numClasses(): number {
  return Math.max(2, ...SPLITS.map((s) => (host[s]?.labels ? host[s]!.numClasses : 0)));
}

function deviceSplit(split: SplitName, classes: number): DeviceSplit {
  const h = host[split];
  if (!h) throw new WorkerError('DataError', text('worker_no_data', { split }));
  const existing = device[split];
  if (existing && existing.numClasses === classes) return existing;
  const { schema } = h;
  // The pixels as float32 in one buffer (the one-hot labels are far smaller).
  checkGpuBuffer(gpuDevice(), split, h.count * schema.height * schema.width * schema.depth * 4);
  existing?.dispose();
  if (split === 'train') dropPacked();
  const made = decodedToDevice(h, classes);
  device[split] = made;
  return made;
}

function dropPacked(): void {
  packedTrain?.dispose();
  packedTrain = null;
}

function packedTrainSplit(): PackedSplit {
  if (!packedTrain) {
    const h = host.train!;
    const { schema } = h;
    checkGpuBuffer(gpuDevice(), 'train', h.count * schema.height * schema.width * schema.depth);
    packedTrain = packSplit(h.images, h.labels!, h.count, schema.height * schema.width * schema.depth);
  }
  return packedTrain;
}

function requireModel(): TrainingState {
  if (!training) throw new WorkerError('StateError', text('worker_no_model'));
  return training;
}

/** Replaces the model in memory, freeing the old one's tensors. */
function replaceTraining(next: TrainingState, config: TrainConfig): void {
  if (training) disposeTrainingState(training);
  training = next;
  trainingConfig = config;
  // The restored or imported model is the one `config.model` names now: Train with start_new_model off continues it.
  trainingModelKey = persist.importedNames().includes(config.model)
    ? config.model
    : definitionKey(config.model, definitionFor(config.model));
  lastValidation = null;
  lastTest = null;
}

type Action = `act_${string}` & MessageKey;

function checkIdle(action: Action): void {
  if (running) throw new WorkerError('StateError', text('worker_busy', { action: text(action) }));
}

/** Told when this worker can no longer compute (set by `init`). */
let reportFatal: ((reason: UserText) => void) | null = null;
const watchedDevices = new WeakSet<GPUDevice>();

/** The webgpu backend's device; null on another backend. */
function gpuDevice(): GPUDevice | null {
  return backend?.name === 'webgpu' ? (tf.backend() as unknown as { device: GPUDevice }).device : null;
}

/** On webgpu: report the GPU device's loss (driver reset, device removed, destroyed) while it is the one in use. */
function watchDevice(): void {
  if (backend?.name !== 'webgpu') return;
  const device = gpuDevice()!;
  // A handle for fault-injection tests (they destroy the device to simulate a lost GPU).
  debugHandle().gpuDevice = device;
  if (watchedDevices.has(device)) return;
  watchedDevices.add(device);
  void device.lost.then((info) => {
    if (backend?.name === 'webgpu')
      // The browser's reason and message stay in its words.
      reportFatal?.(
        info.message
          ? text('worker_gpu_lost_message', { reason: info.reason, message: info.message })
          : text('worker_gpu_lost', { reason: info.reason }),
      );
  });
}

export const api = {
  /**
   * Starts tfjs on the preferred backend. `lockName`: a Web Lock this worker holds until it ends, so the page can tell
   * when it dies. `onFatal`: told when the worker can no longer compute (the GPU device was lost).
   */
  async init(
    preferred: BackendName = 'webgpu',
    lockName?: string,
    onFatal?: (reason: UserText) => void,
  ): Promise<BackendInfo> {
    if (lockName) {
      await new Promise<void>((held) => {
        void navigator.locks.request(lockName, () => {
          held();
          return new Promise<never>(() => {});
        });
      });
    }
    reportFatal = onFatal ?? null;
    backend = await initBackend(preferred);
    watchDevice();
    return backend;
  },

  backend(): BackendInfo | null {
    return backend;
  },

  /**
   * Reads one split's files (several shards make one split). On error the split keeps what it had. Data that will not
   * fit in this tab is refused before it is read (see ./budget.ts), or while reading where its size cannot be told.
   */
  async loadFiles(
    split: SplitName,
    files: File[],
    onProgress?: (p: LoadProgress) => void,
    options: LoadOptions = {},
  ): Promise<SplitSummary> {
    checkIdle('act_load_data');
    const room = await checkFits(files, hostBytes(split), backend?.name, options.schema);
    return readInto(split, files, onProgress, options, room);
  },

  /** Fetches the bundled sample (same origin) and loads all three splits. */
  async loadSample(
    urls: Record<SplitName, string>,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<SplitSummary[]> {
    checkIdle('act_load_data');
    const files = await Promise.all(
      SPLITS.map(async (split) => {
        const res = await fetch(urls[split]);
        if (!res.ok)
          throw new WorkerError(
            'FetchError',
            text('worker_sample_fetch', { url: urls[split], status: res.status }),
          );
        const name =
          new URL(urls[split], self.location.href).pathname.split('/').pop() ?? `${split}.tfrecords`;
        return new File([await res.blob()], name);
      }),
    );
    // All three or none: checked together, before any is read (they replace the three loaded splits).
    await checkFits(files, 0, backend?.name);
    const summaries: SplitSummary[] = [];
    for (const [i, split] of SPLITS.entries())
      summaries.push(await readInto(split, [files[i]], onProgress, {}));
    return summaries;
  },

  // --- TFRecord ingestion (#3) ---

  /** Reads a split again from the files it was last read from, with another schema or skip choice. */
  async reloadSplit(
    split: SplitName,
    options: LoadOptions,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<SplitSummary> {
    const files = sources[split];
    if (!files) throw new WorkerError('StateError', text('worker_no_data', { split }));
    return api.loadFiles(split, files, onProgress, options);
  },

  // --- end TFRecord ingestion ---

  defaults(): TrainConfig {
    return { ...DEFAULT_TRAIN_CONFIG };
  },

  async train(config: TrainConfig, callbacks: TrainCallbacks): Promise<TrainOutcome> {
    checkIdle('act_start_training');
    const problems = Object.values(validateConfig(config));
    if (problems.length) throw new WorkerError('ConfigError', joinTexts(problems));
    const classes = numClasses();
    const data = deviceSplit('train', classes);
    if (!data.y) throw new WorkerError('DataError', text('worker_no_labels'));
    // An imported model.json is its own definition (checked when it was imported and against the data below).
    const imported = await persist.isImported(config.model);
    const definition = imported ? undefined : definitionFor(config.model);
    if (!imported) assertTrainable(config.model, definition, data.shape, classes);
    const modelKey = definitionKey(config.model, definition);
    const startNew =
      config.startNewModel ||
      !training ||
      trainingConfig?.model !== config.model ||
      trainingModelKey !== modelKey ||
      training.built.model.outputs[0].shape[1] !== classes;
    if (startNew) {
      if (training) {
        disposeTrainingState(training);
        training = null;
      }
      const built =
        (await persist.buildImported(config.model)) ??
        buildModel({
          name: config.model,
          inputShape: data.shape,
          numClasses: classes,
          seed: config.seed,
          definition,
        });
      training = newTrainingState(built, config);
      trainingModelKey = modelKey;
    }
    const unsupported = backend ? cannotTrainOnText(backend.name, training!.built.model) : null;
    if (unsupported) throw new WorkerError('ConfigError', unsupported);
    trainingConfig = config;
    lastValidation = null;
    lastTest = null;
    const mismatch = persist.inputMismatchText(training!.built.model, data.shape);
    if (mismatch)
      throw new WorkerError(
        'ModelError',
        text('worker_cannot_train', { model: config.model, problem: mismatch }),
      );
    persist.beginTraining(config, startNew);
    running = true;
    paused = false;
    stopRequested = false;
    evalDue = false;
    const state = training!;
    const evaluating = config.evalDuringTraining && !!host.validation?.labels;
    // Upload the validation split now, not at the first evaluation: the tensor count then stays flat across epochs.
    if (evaluating) deviceSplit('validation', classes);
    const evalNow = async () => {
      evalDue = false;
      // The fused kernels keep the weights in their own buffer during a run: copy them into the model first.
      syncFusedWeights(state);
      const run = await evaluate(state.built.model, deviceSplit('validation', classes), config.labelLoss, 2);
      lastValidation = run.probabilities;
      void callbacks.onEval?.({ step: state.globalStep, epoch: state.epoch, metrics: run.result.metrics });
    };
    try {
      const outcome = await train(
        state,
        data,
        config,
        {
          // Callback proxies post a message each; not awaited, so the loop never waits on the main thread.
          onLog: (log) => {
            persist.recordLog(log);
            void callbacks.onLog(log);
          },
          onProgress: (() => {
            // The page hears of progress at most every PROGRESS_MS; evaluations are scheduled on every step.
            const send = progressThrottle((p) => void callbacks.onProgress(p));
            return (p: Progress) => {
              if (evaluating && config.evalEverySteps > 0 && p.step % config.evalEverySteps === 0)
                evalDue = true;
              send(p);
            };
          })(),
          onEpochEnd: (e) => {
            if (evaluating && config.evalEverySteps === 0) evalDue = true;
            void callbacks.onEpochEnd(e);
          },
          between: async () => {
            if (evalDue) await evalNow();
            const next = await between();
            if (next === 'continue')
              await persist.maybeCheckpoint(state, config, learningRateAt(config, state.globalStep));
            return next;
          },
        },
        {
          path: config.fusedKernels === false ? 'generic' : 'auto',
          packed: packedTrainSplit,
        },
      );
      if (evalDue) await evalNow();
      // For the browser tests: the path that ran, and the state it left (weights, Adam's moments).
      debugHandle().lastTrain = { path: outcome.path, capture: () => captureState(state) };
      const reason = outcome.reason === 'stopped' ? 'stopped' : 'end';
      await persist.checkpoint(state, config, reason, learningRateAt(config, state.globalStep), true);
      return outcome;
    } finally {
      flushProgress();
      running = false;
      paused = false;
    }
  },

  /** Pauses between two steps; the step count it holds at, or null when nothing is training. */
  pause(): number | null {
    if (!running) return null;
    paused = true;
    return training?.globalStep ?? 0;
  },

  resume(): void {
    paused = false;
    wakeUp?.();
  },

  stop(): void {
    stopRequested = true;
    paused = false;
    wakeUp?.();
  },

  async evaluate(onProgress?: (done: number, total: number) => void): Promise<EvalResult> {
    checkIdle('act_evaluate');
    const state = requireModel();
    const classes = state.built.model.outputs[0].shape[1] as number;
    const split = deviceSplit('validation', classes);
    const run = await evaluate(state.built.model, split, trainingConfig!.labelLoss, 2, onProgress);
    lastValidation = run.probabilities;
    persist.recordEvaluation({ ...run.result.metrics }, state.globalStep);
    return run.result;
  },

  async predict(onProgress?: (done: number, total: number) => void): Promise<PredictResult> {
    checkIdle('act_predict');
    const state = requireModel();
    const classes = state.built.model.outputs[0].shape[1] as number;
    lastTest = await predict(state.built.model, deviceSplit('test', classes), onProgress);
    const csv = api.predictionsCsv(false);
    void persist.recordPredictions(csv, state.globalStep);
    return { count: lastTest.classes.length, csv };
  },

  /** The predictions.csv files saved for the current run (with the step and checkpoint their model came from). */
  savedPredictions(): Promise<{ step: number; checkpointId: string | null; rows: number }[]> {
    return persist.savedPredictions();
  },

  // --- Seeing the digits (eval.py / inference.py, then the pictures) ---

  /** inference.py's CSV of the last prediction; `rich` adds every class's probability (`Id,Category,p0,…`). */
  predictionsCsv(rich: boolean): string {
    if (!lastTest || !host.test) throw new WorkerError('StateError', text('worker_predict_first'));
    const probabilities = rich
      ? { values: lastTest.probabilities, numClasses: lastTest.numClasses }
      : undefined;
    return predictionsCsv(lastTest.classes, host.test.ids, probabilities);
  },

  /** Examples of the validation split (after an evaluation) or the test split (after a prediction), with images. */
  examples(query: ExampleQuery): ExampleBatch {
    const h = host[query.split];
    const probabilities = query.split === 'validation' ? lastValidation : (lastTest?.probabilities ?? null);
    if (!h || !probabilities || !training)
      throw new WorkerError(
        'StateError',
        text(query.split === 'validation' ? 'worker_evaluate_first' : 'worker_predict_first'),
      );
    const numClasses = training.built.model.outputs[0].shape[1] as number;
    const scored: Scored = {
      probabilities,
      numClasses,
      labels: h.labels,
      images: h.images,
      shape: [h.schema.height, h.schema.width, h.schema.depth],
    };
    const batch = queryExamples(scored, query);
    return Comlink.transfer(batch, [batch.pixels.buffer]);
  },

  /** The input shape the current model takes, [height, width, depth], or null before there is a model. */
  modelInputShape(): [number, number, number] | null {
    if (!training) return null;
    const [, h, w, d] = training.built.model.inputs[0].shape as number[];
    return [h, w, d];
  },

  /**
   * Class probabilities for one drawn image (bytes of the model's input shape). Served between training steps too:
   * the loop yields to the worker's event loop each step, so this uses the latest weights.
   */
  async predictPixels(pixels: Uint8Array): Promise<number[]> {
    const state = requireModel();
    syncFusedWeights(state);
    const shape = api.modelInputShape()!;
    return Array.from(await predictPixels(state.built.model, pixels, shape));
  },

  // --- Training engine: backend choice -------------------------------------------------------------------------
  /**
   * Moves to another tfjs backend. Loaded data stays (it lives in this worker's memory; device copies are made again
   * on next use); the model so far, Adam's state and the step count move with it.
   */
  async switchBackend(name: BackendName): Promise<BackendInfo> {
    checkIdle('act_switch_backend');
    const snapshot = training ? await captureState(training) : null;
    const spec = training?.built.spec;
    for (const split of SPLITS) {
      device[split]?.dispose();
      delete device[split];
    }
    dropPacked();
    if (training) disposeTrainingState(training);
    training = null;
    try {
      backend = await initBackend(name);
      watchDevice();
    } finally {
      if (snapshot) training = await restoreState(snapshot, trainingConfig ?? DEFAULT_TRAIN_CONFIG, { spec });
    }
    return backend;
  },

  // Custom models (issue 7): the page sends the definition of the model it will train, and asks whether the
  // backend in use can train it (answered before any training starts).
  useModelDefinition(def: ModelDefinition | null): void {
    useDefinition(def);
  },

  modelProblem(
    def: ModelDefinition | null,
    name: string,
    inputShape: [number, number, number],
    classes: number,
  ): UserText | null {
    // Only once a backend is chosen: asking tfjs for its backend earlier would start one of its own choosing.
    if (!backend) return null;
    return trainProblemText(name, def ?? undefined, inputShape, classes, backend.name);
  },

  // --- Persistence (issue 6): runs, checkpoints, model files; IndexedDB lives in this worker ---
  async storage(): Promise<StorageListing> {
    return persist.listing();
  },

  watchStorage(listener: PersistListener): void {
    persist.subscribe(listener);
  },

  setCheckpointPolicy(p: Partial<PersistPolicy>): PersistPolicy {
    return persist.setPolicy(p);
  },

  /** Loads a checkpoint's weights, Adam state, step and epoch; Train with start_new_model off continues it. */
  async restoreCheckpoint(id: string): Promise<RestoreResult> {
    checkIdle('act_restore_checkpoint');
    const r = await persist.restore(id);
    replaceTraining(r.state, r.config);
    return { step: r.state.globalStep, epoch: r.state.epoch, config: r.config, run: r.run };
  },

  async deleteCheckpoint(id: string): Promise<void> {
    await persist.remove(id);
  },

  async pinCheckpoint(id: string, pinned: boolean): Promise<void> {
    await persist.pin(id, pinned);
  },

  async deleteRun(id: string): Promise<void> {
    await persist.removeRun(id);
  },

  async checkpointFiles(id: string): Promise<ModelFile[]> {
    const files = await persist.checkpointFiles(id);
    return Comlink.transfer(
      files,
      files.map((f) => f.data),
    );
  },

  /** The current model as TensorFlow.js layers files plus its training state. */
  async exportModel(): Promise<ModelFile[]> {
    checkIdle('act_export_model');
    const state = requireModel();
    const files = await persist.exportFiles(
      state,
      trainingConfig!,
      learningRateAt(trainingConfig!, state.globalStep),
    );
    return Comlink.transfer(
      files,
      files.map((f) => f.data),
    );
  },

  /** Uploaded model.json (+ weights, + training state) becomes the current model, named for `Model`. */
  async importModel(files: File[], current: TrainConfig): Promise<ImportResult> {
    checkIdle('act_import_model');
    const r = await persist.importModel(files, current);
    replaceTraining(r.state, r.config);
    return { name: r.name, withWeights: r.withWeights, step: r.state.globalStep, config: r.config };
  },

  /** Deletes an imported model from the library (IndexedDB and `Model`); the current model, if it is that one, stays. */
  async deleteImportedModel(name: string): Promise<void> {
    checkIdle('act_delete_model');
    await persist.deleteImportedModel(name);
  },

  memory(): { numTensors: number; numBytes: number } {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  },
};

export type WorkerApi = typeof api;
