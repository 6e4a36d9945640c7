/**
 * The worker's API: the one typed contract both sides share. The worker owns tfjs, the decoded data and the model;
 * the main thread imports only the type (`import type { WorkerApi }`) and talks through Comlink.
 * Long jobs report through callback proxies and send only what is new (this step's figures, not the history).
 */
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { initBackend, type BackendInfo, type BackendName } from '../ml/backend';
import { DEFAULT_TRAIN_CONFIG, learningRateAt, validateConfig, type TrainConfig } from '../ml/config';
import { toDevice, type DeviceSplit } from '../ml/data';
import { evaluate, predict, predictionsCsv, type EvalResult } from '../ml/evaluate';
import { buildModel } from '../ml/models';
import { newTrainingState, train, type TrainOutcome, type TrainingState } from '../ml/trainer';
import { readSplit } from '../tfrecord';
import * as persist from './persist';
import type {
  ImportResult,
  ModelFile,
  PersistListener,
  PersistPolicy,
  RestoreResult,
  StorageListing,
} from './persist-types';
import {
  SPLITS,
  type LoadProgress,
  type PredictResult,
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

async function between(): Promise<'continue' | 'stop'> {
  await nextTurn();
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

function requireModel(): TrainingState {
  if (!training) throw new WorkerError('StateError', 'There is no model yet: train one first.');
  return training;
}

/** Replaces the model in memory, freeing the old one's tensors. */
function replaceTraining(next: TrainingState, config: TrainConfig): void {
  if (training) {
    training.built.model.dispose();
    training.optimizer.dispose();
  }
  training = next;
  trainingConfig = config;
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
    await persist.noteDataset(split, files);
    host[split] = loaded;
    device[split]?.dispose();
    delete device[split];
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
      if (training) {
        training.built.model.dispose();
        training.optimizer.dispose();
      }
      const built =
        (await persist.buildImported(config.model)) ??
        buildModel({
          name: config.model,
          inputShape: data.shape,
          numClasses: classes,
          seed: config.seed,
        });
      training = newTrainingState(built, config);
    }
    trainingConfig = config;
    const mismatch = persist.inputMismatch(training!.built.model, data.shape);
    if (mismatch) throw new WorkerError('ModelError', `Cannot train ${config.model}: ${mismatch}.`);
    persist.beginTraining(config, startNew);
    running = true;
    paused = false;
    stopRequested = false;
    try {
      const state = training!;
      const outcome = await train(state, data, config, {
        // Callback proxies post a message each; not awaited, so the loop never waits on the main thread.
        onLog: (log) => {
          persist.recordLog(log);
          void callbacks.onLog(log);
        },
        onProgress: (p) => void callbacks.onProgress(p),
        onEpochEnd: (e) => void callbacks.onEpochEnd(e),
        between: async () => {
          const next = await between();
          if (next === 'continue')
            await persist.maybeCheckpoint(state, config, learningRateAt(config, state.globalStep));
          return next;
        },
      });
      const reason = outcome.reason === 'stopped' ? 'stopped' : 'end';
      await persist.checkpoint(state, config, reason, learningRateAt(config, state.globalStep), true);
      return outcome;
    } finally {
      running = false;
      paused = false;
    }
  },

  pause(): void {
    if (running) paused = true;
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
    const result = await evaluate(
      state.built.model,
      deviceSplit('validation', classes),
      trainingConfig!.labelLoss,
      2,
      onProgress,
    );
    persist.recordEvaluation({ ...result.metrics }, state.globalStep);
    return result;
  },

  async predict(onProgress?: (done: number, total: number) => void): Promise<PredictResult> {
    checkIdle('predict');
    const state = requireModel();
    const classes = state.built.model.outputs[0].shape[1] as number;
    const split = deviceSplit('test', classes);
    const { classes: predicted } = await predict(state.built.model, split, onProgress);
    return { count: predicted.length, csv: predictionsCsv(predicted, host.test!.ids) };
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
    checkIdle('restore a checkpoint');
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
    checkIdle('export the model');
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
    checkIdle('import a model');
    const r = await persist.importModel(files, current);
    replaceTraining(r.state, r.config);
    return { name: r.name, withWeights: r.withWeights, step: r.state.globalStep, config: r.config };
  },

  memory(): { numTensors: number; numBytes: number } {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  },
};

export type WorkerApi = typeof api;
