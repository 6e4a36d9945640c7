/**
 * The worker's API: the one typed contract both sides share. The worker owns tfjs, the decoded data and the model;
 * the main thread imports only the type (`import type { WorkerApi }`) and talks through Comlink.
 * Long jobs report through callback proxies and send only what is new (this step's figures, not the history).
 */
import * as tf from '@tensorflow/tfjs';
import { cannotTrainOn, initBackend, type BackendInfo, type BackendName } from '../ml/backend';
import { DEFAULT_TRAIN_CONFIG, validateConfig, type TrainConfig } from '../ml/config';
import { toDevice, type DeviceSplit } from '../ml/data';
import { evaluate, predict, predictionsCsv, type EvalResult } from '../ml/evaluate';
import { buildModel } from '../ml/models';
import {
  disposeTrainingState,
  newTrainingState,
  train,
  type TrainOutcome,
  type TrainingState,
} from '../ml/trainer';
import { packSplit, type PackedSplit } from '../ml/fused-logistic';
import { restoreTraining, snapshotTraining } from '../ml/snapshot';
import { readSplit } from '../tfrecord';
import {
  SPLITS,
  type LoadProgress,
  type PredictResult,
  type Progress,
  type SplitName,
  type SplitSummary,
  type TrainCallbacks,
} from './types';

type LoadedSplit = Awaited<ReturnType<typeof readSplit>>;

class WorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

// Everything below lives as long as the worker does.
let backend: BackendInfo | null = null;
const host: Partial<Record<SplitName, LoadedSplit>> = {};
const device: Partial<Record<SplitName, DeviceSplit>> = {};
/** The training split as uint8 on the GPU for the fused kernels; made on first use, dropped with its device split. */
let packedTrain: PackedSplit | null = null;
let training: TrainingState | null = null;
let trainingConfig: TrainConfig | null = null;
let running = false;
let paused = false;
let stopRequested = false;
let wakeUp: (() => void) | null = null;

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
  };
}

/** The class count the model uses: the largest any labelled split needs. */
function numClasses(): number {
  return Math.max(2, ...SPLITS.map((s) => (host[s]?.labels ? host[s]!.numClasses : 0)));
}

function deviceSplit(split: SplitName, classes: number): DeviceSplit {
  const h = host[split];
  if (!h) throw new WorkerError('DataError', `No ${split} data is loaded.`);
  const existing = device[split];
  if (existing && existing.numClasses === classes) return existing;
  existing?.dispose();
  if (split === 'train') dropPacked();
  const { schema } = h;
  const made = toDevice({
    count: h.count,
    images: h.images,
    labels: h.labels,
    shape: [schema.height, schema.width, schema.depth],
    numClasses: classes,
  });
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
    packedTrain = packSplit(h.images, h.labels!, h.count, schema.height * schema.width * schema.depth);
  }
  return packedTrain;
}

function requireModel(): TrainingState {
  if (!training) throw new WorkerError('StateError', 'There is no model yet: train one first.');
  return training;
}

function checkIdle(what: string): void {
  if (running)
    throw new WorkerError('StateError', `Cannot ${what} while training is running: pause or stop it first.`);
}

export const api = {
  async init(preferred: BackendName = 'webgpu'): Promise<BackendInfo> {
    backend = await initBackend(preferred);
    return backend;
  },

  backend(): BackendInfo | null {
    return backend;
  },

  /** Reads one split's files (several shards make one split). On error the split keeps what it had. */
  async loadFiles(
    split: SplitName,
    files: File[],
    onProgress?: (p: LoadProgress) => void,
  ): Promise<SplitSummary> {
    checkIdle('load data');
    const loaded = await readSplit(files, {
      onProgress: onProgress ? (p) => onProgress({ split, ...p }) : undefined,
    });
    host[split] = loaded;
    device[split]?.dispose();
    delete device[split];
    if (split === 'train') dropPacked();
    return summarize(split, loaded);
  },

  /** Fetches the bundled sample (same origin) and loads all three splits. */
  async loadSample(
    urls: Record<SplitName, string>,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<SplitSummary[]> {
    checkIdle('load data');
    const files = await Promise.all(
      SPLITS.map(async (split) => {
        const res = await fetch(urls[split]);
        if (!res.ok)
          throw new WorkerError(
            'FetchError',
            `Could not fetch the sample ${urls[split]}: HTTP ${res.status}.`,
          );
        const name =
          new URL(urls[split], self.location.href).pathname.split('/').pop() ?? `${split}.tfrecords`;
        return new File([await res.blob()], name);
      }),
    );
    const summaries: SplitSummary[] = [];
    for (const [i, split] of SPLITS.entries())
      summaries.push(await api.loadFiles(split, [files[i]], onProgress));
    return summaries;
  },

  defaults(): TrainConfig {
    return { ...DEFAULT_TRAIN_CONFIG };
  },

  async train(config: TrainConfig, callbacks: TrainCallbacks): Promise<TrainOutcome> {
    checkIdle('start training');
    const problems = Object.values(validateConfig(config));
    if (problems.length) throw new WorkerError('ConfigError', problems.join(' '));
    const classes = numClasses();
    const data = deviceSplit('train', classes);
    if (!data.y)
      throw new WorkerError('DataError', 'The training data has no labels: there is nothing to learn from.');
    const startNew =
      config.startNewModel ||
      !training ||
      trainingConfig?.model !== config.model ||
      training.built.model.outputs[0].shape[1] !== classes;
    if (startNew) {
      if (training) disposeTrainingState(training);
      const built = buildModel({
        name: config.model,
        inputShape: data.shape,
        numClasses: classes,
        seed: config.seed,
      });
      training = newTrainingState(built, config);
    }
    const unsupported = backend ? cannotTrainOn(backend.name, training!.built.model) : null;
    if (unsupported) throw new WorkerError('ConfigError', unsupported);
    trainingConfig = config;
    running = true;
    paused = false;
    stopRequested = false;
    try {
      return await train(
        training!,
        data,
        config,
        {
          // Callback proxies post a message each; not awaited, so the loop never waits on the main thread.
          onLog: (log) => void callbacks.onLog(log),
          onProgress: progressThrottle((p) => void callbacks.onProgress(p)),
          onEpochEnd: (e) => void callbacks.onEpochEnd(e),
          between,
        },
        {
          path: config.fusedKernels === false ? 'generic' : 'auto',
          packed: packedTrainSplit,
        },
      );
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
    checkIdle('evaluate');
    const state = requireModel();
    const classes = state.built.model.outputs[0].shape[1] as number;
    return evaluate(
      state.built.model,
      deviceSplit('validation', classes),
      trainingConfig!.labelLoss,
      2,
      onProgress,
    );
  },

  async predict(onProgress?: (done: number, total: number) => void): Promise<PredictResult> {
    checkIdle('predict');
    const state = requireModel();
    const classes = state.built.model.outputs[0].shape[1] as number;
    const split = deviceSplit('test', classes);
    const { classes: predicted } = await predict(state.built.model, split, onProgress);
    return { count: predicted.length, csv: predictionsCsv(predicted, host.test!.ids) };
  },

  // --- Training engine: backend choice -------------------------------------------------------------------------
  /**
   * Moves to another tfjs backend. Loaded data stays (it lives in this worker's memory; device copies are made again
   * on next use); the model so far, Adam's state and the step count move with it.
   */
  async switchBackend(name: BackendName): Promise<BackendInfo> {
    checkIdle('switch backend');
    const snapshot = training ? await snapshotTraining(training) : null;
    for (const split of SPLITS) {
      device[split]?.dispose();
      delete device[split];
    }
    dropPacked();
    if (training) disposeTrainingState(training);
    training = null;
    try {
      backend = await initBackend(name);
    } finally {
      if (snapshot) training = await restoreTraining(snapshot, trainingConfig ?? DEFAULT_TRAIN_CONFIG);
    }
    return backend;
  },

  memory(): { numTensors: number; numBytes: number } {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  },
};

export type WorkerApi = typeof api;
