/**
 * The worker's API: the one typed contract both sides share, a thin Comlink facade over the worker's session
 * (./session.ts), which owns tfjs, the decoded data and the model. The main thread imports only the type
 * (`import type { WorkerApi }`) and talks through Comlink. Long jobs report through callback proxies and send only
 * what is new (this step's figures, not the history); files go out transferred.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_TRAIN_CONFIG, type LossName, type TrainConfig } from '../shared/settings';
import type { JobHooks } from '../shared/eval-log';
import type { ModelDefinition } from '../model-spec/format';
import type { UserText } from '../shared/errors';
import type {
  ImportResult,
  ModelFile,
  PersistListener,
  PersistPolicy,
  RestoreResult,
  StorageListing,
} from '../shared/persist-types';
import { WorkerSession } from './session';
import type {
  BackendInfo,
  BackendName,
  EvalResult,
  TrainOutcome,
  ExampleBatch,
  ExampleQuery,
  LoadOptions,
  LoadProgress,
  PredictResult,
  SplitName,
  SplitSummary,
  TrainCallbacks,
} from '../shared/worker-types';

/** Everything this worker knows, for as long as it lives. */
const session = new WorkerSession();

/** Files handed to the page: their bytes are transferred, not copied. */
function transferred(files: ModelFile[]): ModelFile[] {
  return Comlink.transfer(
    files,
    files.map((f) => f.data),
  );
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
    return session.init(preferred, onFatal);
  },

  backend(): BackendInfo | null {
    return session.backend;
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
    session.control.checkIdle('act_load_data');
    return session.splits.load(split, files, options, onProgress);
  },

  /** Fetches the bundled sample (same origin) and loads all three splits. */
  loadSample(
    urls: Record<SplitName, string>,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<SplitSummary[]> {
    return session.loadSample(urls, onProgress);
  },

  /** Reads a split again from the files it was last read from, with another schema or skip choice. */
  async reloadSplit(
    split: SplitName,
    options: LoadOptions,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<SplitSummary> {
    session.control.checkIdle('act_load_data');
    return session.splits.reload(split, options, onProgress);
  },

  defaults(): TrainConfig {
    return { ...DEFAULT_TRAIN_CONFIG };
  },

  train(config: TrainConfig, callbacks: TrainCallbacks): Promise<TrainOutcome> {
    return session.train(config, callbacks);
  },

  /** Pauses between two steps; the step count it holds at, or null when nothing is training. */
  pause(): number | null {
    return session.pause();
  },

  resume(): void {
    session.control.resume();
  },

  stop(): void {
    session.control.stop();
  },

  /** eval.py on the validation split with its own --label_loss; `onLine` hears its log lines as they are written. */
  evaluate(
    labelLoss: LossName,
    onProgress?: JobHooks['onProgress'],
    onLine?: JobHooks['onLine'],
  ): Promise<EvalResult> {
    return session.evaluate(labelLoss, { onProgress, onLine });
  },

  /** inference.py on the test split; `onLine` hears its log lines as they are written. */
  predict(onProgress?: JobHooks['onProgress'], onLine?: JobHooks['onLine']): Promise<PredictResult> {
    return session.predict({ onProgress, onLine });
  },

  /** The predictions.csv files saved for the current run (with the step and checkpoint their model came from). */
  savedPredictions(): Promise<{ step: number; checkpointId: string | null; rows: number }[]> {
    return session.persist.savedPredictions();
  },

  /** inference.py's CSV of the last prediction; `rich` adds every class's probability (`Id,Category,p0,…`). */
  predictionsCsv(rich: boolean): string {
    return session.predictionsCsv(rich);
  },

  /** Examples of the validation split (after an evaluation) or the test split (after a prediction), with images. */
  examples(query: ExampleQuery): ExampleBatch {
    const batch = session.examples(query);
    return Comlink.transfer(batch, [batch.pixels.buffer]);
  },

  /** The input shape the current model takes, [height, width, depth], or null before there is a model. */
  modelInputShape(): [number, number, number] | null {
    return session.model.inputShape();
  },

  /** Class probabilities for one drawn image (bytes of the model's input shape), with the latest weights. */
  predictPixels(pixels: Uint8Array): Promise<number[]> {
    return session.predictPixels(pixels);
  },

  /** Moves to another tfjs backend; loaded data and the model so far (weights, Adam's state, step) move with it. */
  switchBackend(name: BackendName): Promise<BackendInfo> {
    return session.switchBackend(name);
  },

  /** The definition of the model the next run of `Model` builds (the page sends it before each run). */
  useModelDefinition(def: ModelDefinition | null): void {
    session.model.useDefinition(def);
  },

  /** Whether the backend in use can train `def` (answered before any training starts): null, or why not. */
  modelProblem(
    def: ModelDefinition | null,
    name: string,
    inputShape: [number, number, number],
    classes: number,
  ): UserText | null {
    return session.modelProblem(def, name, inputShape, classes);
  },

  // --- Persistence: runs, checkpoints, model files; IndexedDB lives in this worker ---

  storage(): Promise<StorageListing> {
    return session.persist.listing();
  },

  watchStorage(listener: PersistListener): void {
    session.persist.subscribe(listener);
  },

  setCheckpointPolicy(p: Partial<PersistPolicy>): PersistPolicy {
    return session.persist.setPolicy(p);
  },

  /** Loads a checkpoint's weights, Adam state, step and epoch; Train with start_new_model off continues it. */
  restoreCheckpoint(id: string): Promise<RestoreResult> {
    return session.restoreCheckpoint(id);
  },

  deleteCheckpoint(id: string): Promise<void> {
    return session.persist.remove(id);
  },

  pinCheckpoint(id: string, pinned: boolean): Promise<void> {
    return session.persist.pin(id, pinned);
  },

  deleteRun(id: string): Promise<void> {
    return session.persist.removeRun(id);
  },

  async checkpointFiles(id: string): Promise<ModelFile[]> {
    return transferred(await session.persist.checkpointFiles(id));
  },

  /** The current model as TensorFlow.js layers files plus its training state. */
  async exportModel(): Promise<ModelFile[]> {
    return transferred(await session.exportModel());
  },

  /** Uploaded model.json (+ weights, + training state) becomes the current model, named for `Model`. */
  importModel(files: File[], current: TrainConfig): Promise<ImportResult> {
    return session.importModel(files, current);
  },

  /** Deletes an imported model from the library (IndexedDB and `Model`); the current model, if it is that one, stays. */
  async deleteImportedModel(name: string): Promise<void> {
    session.control.checkIdle('act_delete_model');
    await session.persist.deleteImportedModel(name);
  },

  /** Custom model definitions, for the page's library (saved in IndexedDB, on this worker's connection). */
  savedDefinitions: () => session.definitions.list(),
  saveDefinition: (def: ModelDefinition): Promise<void> => session.definitions.save(def),
  deleteDefinition: (name: string): Promise<void> => session.definitions.remove(name),

  memory(): { numTensors: number; numBytes: number } {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  },
};

export type WorkerApi = typeof api;
