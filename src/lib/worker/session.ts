/**
 * The worker's session: the one owner of what this worker knows, made of parts with one job each —
 *  - `splits`  (./splits.ts): the loaded splits, their files and fingerprints, their copies on the device;
 *  - `model`   (./current-model.ts): the model, its training state and what it last evaluated and predicted;
 *  - `control` (./control.ts): whether a run is going, Pause / Resume / Stop between its steps;
 *  - `persist` (./persist.ts, ./run.ts): the run the model belongs to, checkpoints and imported models in IndexedDB;
 *  - `definitions` (./definitions.ts): the custom model definitions saved for the page's library, on persist's
 *    connection.
 * The session answers the page's requests by asking its parts, in the order a request needs; the parts do not know
 * each other. api.ts exposes it over Comlink.
 */
import * as tf from '@tensorflow/tfjs';
import { cannotTrainOnText, initBackend } from '../ml/backend';
import { learningRateAt, validateConfig, type LossName, type TrainConfig } from '../shared/settings';
import type { JobHooks } from '../shared/eval-log';
import { evaluateFused } from '../ml/fused-evaluate';
import {
  evaluate,
  nonFiniteWeights,
  predict,
  predictPixels,
  predictionsCsv,
  type EvalRun,
} from '../ml/evaluate';
import { buildModel } from '../ml/models';
import { captureState } from '../ml/snapshot';
import {
  chooseTrainPath,
  disposeTrainingState,
  newTrainingState,
  syncFusedWeights,
  train,
} from '../ml/trainer';
import type { ModelDefinition } from '../model-spec/format';
import type { LoadedSplit } from '../tfrecord';
import { readSplitParallel } from '../tfrecord/parallel';
import type { StepBatch } from '../shared/step-log';
import { joinTexts, text, PagetrainError, type UserText } from '../shared/errors';
import { debugHandle } from './budget';
import { Definitions } from './definitions';
import { RunControl, Throttle } from './control';
import { CurrentModel } from './current-model';
import { createImageDecoder } from './image-decoder';
import { queryExamples } from './inspect';
import { inputMismatchText } from './model-files';
import { assertTrainable, definitionKey, trainProblemText } from './models';
import { ParsePool } from './parse-pool';
import { Persistence } from './persist';
import type { ImportResult, ModelFile, RestoreResult } from '../shared/persist-types';
import { Splits, type SplitReader } from './splits';
import {
  SPLITS,
  type BackendInfo,
  type BackendName,
  type EvalPoint,
  type EvalResult,
  type TrainOutcome,
  type ExampleBatch,
  type ExampleQuery,
  type RunTiming,
  type LoadProgress,
  type PredictResult,
  type Progress,
  type SplitName,
  type TrainCallbacks,
} from '../shared/worker-types';

/**
 * Progress goes to the page at most every PROGRESS_MS (a fused step can take a few ms: one message each would keep
 * the main thread busy), and always when the run pauses or ends, so the page shows the step it holds at.
 */
const PROGRESS_MS = 100;

/** How the app reads a split: cut in pieces read at once by parse workers (one per core), images decoded here. */
export function parallelReader(): SplitReader {
  const pool = new ParsePool();
  const decodeImage = createImageDecoder();
  return (files, opts): Promise<LoadedSplit> => readSplitParallel(files, { ...opts, decodeImage }, pool);
}

export class WorkerSession {
  backend: BackendInfo | null = null;
  readonly splits: Splits;
  readonly model = new CurrentModel();
  readonly control = new RunControl();
  readonly persist = new Persistence();
  readonly definitions = new Definitions(() => this.persist.database());
  /** Told when this worker can no longer compute (set by `init`). */
  #reportFatal: ((reason: UserText) => void) | null = null;
  readonly #watchedDevices = new WeakSet<GPUDevice>();

  constructor(read: SplitReader = parallelReader()) {
    this.splits = new Splits({ read, backend: () => this.backend?.name, gpu: () => this.gpuDevice() });
  }

  /** The webgpu backend's device; null on another backend. */
  gpuDevice(): GPUDevice | null {
    return this.backend?.name === 'webgpu' ? (tf.backend() as unknown as { device: GPUDevice }).device : null;
  }

  async init(preferred: BackendName, onFatal?: (reason: UserText) => void): Promise<BackendInfo> {
    this.#reportFatal = onFatal ?? null;
    return this.#start(preferred);
  }

  async #start(name: BackendName): Promise<BackendInfo> {
    const info = await initBackend(name);
    this.backend = info;
    this.#watchDevice();
    return info;
  }

  /** On webgpu: report the GPU device's loss (driver reset, device removed, destroyed) while it is the one in use. */
  #watchDevice(): void {
    const device = this.gpuDevice();
    if (!device) return;
    // A handle for fault-injection tests (they destroy the device to simulate a lost GPU).
    debugHandle().gpuDevice = device;
    if (this.#watchedDevices.has(device)) return;
    this.#watchedDevices.add(device);
    void device.lost.then((info) => {
      if (this.backend?.name === 'webgpu')
        // The browser's reason and message stay in its words.
        this.#reportFatal?.(
          info.message
            ? text('worker_gpu_lost_message', { reason: info.reason, message: info.message })
            : text('worker_gpu_lost', { reason: info.reason }),
        );
    });
  }

  /**
   * Moves to another tfjs backend. Loaded data stays (it lives in this worker's memory; device copies are made again
   * on next use); the model so far, Adam's state and the step count move with it.
   */
  async switchBackend(name: BackendName): Promise<BackendInfo> {
    this.control.checkIdle('act_switch_backend');
    return this.model.across(async () => {
      this.splits.dropDevice();
      return this.#start(name);
    });
  }

  /** Fetches the bundled sample (same origin) and loads all three splits. */
  async loadSample(urls: Record<SplitName, string>, onProgress?: (p: LoadProgress) => void) {
    this.control.checkIdle('act_load_data');
    const files = await Promise.all(
      SPLITS.map(async (split) => {
        const res = await fetch(urls[split]);
        if (!res.ok)
          throw new PagetrainError(
            'FetchError',
            text('worker_sample_fetch', { url: urls[split], status: res.status }),
          );
        const name =
          new URL(urls[split], self.location.href).pathname.split('/').pop() ?? `${split}.tfrecords`;
        return new File([await res.blob()], name);
      }),
    );
    return this.splits.loadAll({ train: files[0], validation: files[1], test: files[2] }, onProgress);
  }

  async train(config: TrainConfig, callbacks: TrainCallbacks): Promise<TrainOutcome> {
    this.control.checkIdle('act_start_training');
    const problems = Object.values(validateConfig(config));
    if (problems.length) throw new PagetrainError('ConfigError', joinTexts(problems));
    const { splits, model, persist } = this;
    const classes = splits.numClasses();
    const shape = splits.shape('train');
    if (!splits.host('train')!.labels) throw new PagetrainError('DataError', text('worker_no_labels'));
    // An imported model.json is its own definition (checked when it was imported and against the data below).
    const imported = await persist.isImported(config.model);
    const definition = imported ? undefined : model.definitionFor(config.model);
    if (!imported) assertTrainable(config.model, definition, shape, classes);
    const key = definitionKey(config.model, definition);
    const startNew = model.needsNew(config, key, classes);
    const state = startNew
      ? newTrainingState(
          (await persist.buildImported(config.model)) ??
            buildModel({
              name: config.model,
              inputShape: shape,
              numClasses: classes,
              seed: config.seed,
              definition,
            }),
          config,
        )
      : model.require();
    let data;
    const evaluating = config.evalDuringTraining && !!splits.host('validation')?.labels;
    try {
      const unsupported = this.backend ? cannotTrainOnText(this.backend.name, state.built.model) : null;
      if (unsupported) throw new PagetrainError('ConfigError', unsupported);
      const mismatch = inputMismatchText(state.built.model, shape);
      if (mismatch)
        throw new PagetrainError(
          'ModelError',
          text('worker_cannot_train', { model: config.model, problem: mismatch }),
        );
      // Only the copy of the training split the chosen path reads goes to the device.
      data = splits.training(
        classes,
        chooseTrainPath(state, config.fusedKernels === false ? 'generic' : 'auto'),
      );
      // The validation split goes up now, not at the first evaluation: the tensor count then stays flat across epochs.
      // The fused path evaluates with its own forward kernel over the split's uint8 copy (ml/fused-evaluate.ts).
      if (evaluating) {
        if (data.packed) splits.packed('validation');
        else splits.device('validation', classes);
      }
    } catch (e) {
      // Nothing is replaced: the model so far stays.
      if (startNew) disposeTrainingState(state);
      throw e;
    }
    if (startNew) model.replace(state, config, key);
    else model.trainedWith(config);
    persist.beginTraining(config, startNew, splits.fingerprints());
    return this.#run(state, data, config, callbacks, classes, evaluating);
  }

  async #run(
    state: NonNullable<CurrentModel['state']>,
    data: ReturnType<Splits['training']>,
    config: TrainConfig,
    callbacks: TrainCallbacks,
    classes: number,
    evaluating: boolean,
  ): Promise<TrainOutcome> {
    const { splits, model, persist, control } = this;
    control.begin();
    const progress = new Throttle<Progress>(PROGRESS_MS);
    /** Set after a step or an epoch when an evaluation during training is due; run at the next safe point. */
    let evalDue = false;
    /** Evaluations made, waiting for their step's line to be sent first (the log stays in step order). */
    const evalsReady: EvalPoint[] = [];
    /** The fused path's evaluation in flight (it overlaps the steps queued after it), and its failure. */
    let evalInFlight: Promise<void> | null = null;
    let evalFailed: unknown = null;
    let lastLineStep = 0;
    const deliverEvals = () => {
      if (!evalsReady.length || evalsReady[0].step > lastLineStep) return;
      sendSteps();
      while (evalsReady.length && evalsReady[0].step <= lastLineStep)
        void callbacks.onEval?.(evalsReady.shift()!);
    };
    const evalMade = (step: number, epoch: number, run: EvalRun) => {
      model.lastValidation = run.probabilities;
      const point = { step, epoch, metrics: run.result.metrics };
      persist.recordEvalPoint(point);
      evalsReady.push(point);
      deliverEvals();
    };
    /** Runs the evaluation due: awaited on tfjs's ops, queued and left to finish on the fused path. */
    const evalNow = async (drain: () => Promise<void>) => {
      evalDue = false;
      const { globalStep: step, epoch } = state;
      const fused = state.fused;
      if (fused && data.packed) {
        await evalInFlight;
        const labels = splits.host('validation')!.labels!;
        evalInFlight = evaluateFused(fused, splits.packed('validation'), labels, config.labelLoss, 2).then(
          (run) => evalMade(step, epoch, run),
          (e: unknown) => void (evalFailed = e),
        );
        return;
      }
      await settle(drain);
      const run = await evaluate(
        state.built.model,
        splits.device('validation', classes),
        config.labelLoss,
        2,
      );
      evalMade(step, epoch, run);
    };
    const send = progress.wrap((p) => void callbacks.onProgress(p));
    // Step lines go to the page in batches: with a log step's line, or when PROGRESS_MS have passed since the last
    // batch, and when the run holds or ends (a step can take a millisecond: one message each would flood the page).
    let batch: StepBatch = { lines: [], logs: [] };
    let batchAt = performance.now();
    const sendSteps = () => {
      if (batch.lines.length || batch.logs.length) void callbacks.onSteps(batch);
      batch = { lines: [], logs: [] };
      batchAt = performance.now();
    };
    /** Reads back every step so far and sends their lines: before the run holds (pause, evaluation, checkpoint). */
    const settle = async (drain: () => Promise<void>) => {
      const t = performance.now();
      await drain();
      timing.drains += performance.now() - t;
      sendSteps();
    };
    const timing: RunTiming = { total: 0, turns: 0, drains: 0, evaluations: 0, checkpoints: 0, paused: 0 };
    const timed = async <T>(part: Exclude<keyof RunTiming, 'total'>, f: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await f();
      } finally {
        timing[part] += performance.now() - t;
      }
    };
    const began = performance.now();
    try {
      const outcome = await train(
        state,
        data.data,
        config,
        {
          onLog: (log) => {
            persist.recordLog(log);
            batch.logs.push(log);
          },
          onStep: (line) => {
            batch.lines.push(line);
            lastLineStep = line.step;
            if (line.full || performance.now() - batchAt >= PROGRESS_MS) sendSteps();
            deliverEvals();
          },
          // The page hears of progress at most every PROGRESS_MS; evaluations are scheduled on every step.
          onProgress: (p) => {
            if (evaluating && config.evalEverySteps > 0 && p.step % config.evalEverySteps === 0)
              evalDue = true;
            send(p);
          },
          onEpochEnd: (e) => {
            if (evaluating && config.evalEverySteps === 0) evalDue = true;
            void callbacks.onEpochEnd(e);
          },
          between: async (drain) => {
            if (evalDue) await timed('evaluations', () => evalNow(drain));
            let pausedAt: number | null = null;
            const t = performance.now();
            const next = await control.between(async () => {
              await settle(drain);
              progress.flush();
              pausedAt = performance.now();
            });
            if (pausedAt === null) timing.turns += performance.now() - t;
            else timing.paused += performance.now() - pausedAt;
            if (next === 'continue' && persist.run.due(state.globalStep)) {
              await settle(drain);
              await timed('checkpoints', () =>
                persist.maybeCheckpoint(state, config, learningRateAt(config, state.globalStep)),
              );
            }
            return next;
          },
        },
        { path: data.packed ? 'fused' : 'generic', packed: data.packed },
      );
      if (evalDue) await timed('evaluations', () => evalNow(async () => {}));
      await timed('evaluations', async () => {
        await evalInFlight;
      });
      if (evalFailed) throw evalFailed;
      sendSteps();
      deliverEvals();
      // For the browser tests: the path that ran, and the state it left (weights, Adam's moments).
      debugHandle().lastTrain = { path: outcome.path, capture: () => captureState(state) };
      const reason = outcome.reason === 'stopped' ? 'stopped' : 'end';
      await timed('checkpoints', () =>
        persist.checkpoint(state, config, reason, learningRateAt(config, state.globalStep), true),
      );
      timing.total = performance.now() - began;
      return { ...outcome, timing };
    } finally {
      sendSteps();
      progress.flush();
      control.end();
    }
  }

  /** Pauses between two steps; the step count it holds at, or null when nothing is training. */
  pause(): number | null {
    return this.control.pause() ? (this.model.state?.globalStep ?? 0) : null;
  }

  /** A diverged model (NaN or infinite weights) is refused before it runs: what it computes would mean nothing. */
  async #refuseDiverged(state: NonNullable<CurrentModel['state']>): Promise<void> {
    const { count, total } = await nonFiniteWeights(state.built.model);
    if (count > 0)
      throw new PagetrainError(
        'ModelError',
        text('eval_nan_weights', { count, total, step: state.globalStep }),
      );
  }

  /**
   * eval.py over the validation split with its own `--label_loss` (not training's), writing its lines through
   * `hooks.onLine`. A diverged model is refused: with NaN weights before it runs; with finite weights whose outputs
   * hold NaN, after its lines (with `nan`, as eval.py's), so no table of meaningless numbers is shown or saved.
   */
  async evaluate(labelLoss: LossName, hooks: JobHooks = {}): Promise<EvalResult> {
    this.control.checkIdle('act_evaluate');
    const state = this.model.require();
    await this.#refuseDiverged(state);
    const split = this.splits.device('validation', this.model.classes());
    const run = await evaluate(state.built.model, split, labelLoss, 2, {
      onProgress: hooks.onProgress,
      onLine: hooks.onLine,
      globalStep: state.globalStep,
    });
    if (run.nanExamples > 0)
      throw new PagetrainError(
        'ModelError',
        text('eval_nan', { count: run.nanExamples, total: run.result.examples, step: state.globalStep }),
      );
    this.model.lastValidation = run.probabilities;
    this.persist.recordEvaluation({ ...run.result.metrics }, state.globalStep);
    return run.result;
  }

  /** inference.py over the test split, writing its lines through `hooks.onLine`; a diverged model is refused. */
  async predict(hooks: JobHooks = {}): Promise<PredictResult> {
    this.control.checkIdle('act_predict');
    const state = this.model.require();
    await this.#refuseDiverged(state);
    const test = this.splits.device('test', this.model.classes());
    this.model.lastTest = await predict(state.built.model, test, hooks);
    const csv = this.predictionsCsv(false);
    void this.persist.recordPredictions(csv, state.globalStep);
    return { count: this.model.lastTest.classes.length, csv };
  }

  /** inference.py's CSV of the last prediction; `rich` adds every class's probability (`Id,Category,p0,…`). */
  predictionsCsv(rich: boolean): string {
    const last = this.model.lastTest;
    const test = this.splits.host('test');
    if (!last || !test) throw new PagetrainError('StateError', text('worker_predict_first'));
    const probabilities = rich ? { values: last.probabilities, numClasses: last.numClasses } : undefined;
    return predictionsCsv(last.classes, test.ids, probabilities);
  }

  /** Examples of the validation split (after an evaluation) or the test split (after a prediction), with images. */
  examples(query: ExampleQuery): ExampleBatch {
    const h = this.splits.host(query.split);
    const { model } = this;
    const probabilities =
      query.split === 'validation' ? model.lastValidation : (model.lastTest?.probabilities ?? null);
    if (!h || !probabilities || !model.state)
      throw new PagetrainError(
        'StateError',
        text(query.split === 'validation' ? 'worker_evaluate_first' : 'worker_predict_first'),
      );
    return queryExamples(
      {
        probabilities,
        numClasses: model.classes(),
        labels: h.labels,
        images: h.images,
        shape: [h.schema.height, h.schema.width, h.schema.depth],
      },
      query,
    );
  }

  /**
   * Class probabilities for one drawn image (bytes of the model's input shape). Served between training steps too:
   * the loop yields to the worker's event loop each step, so this uses the latest weights.
   */
  async predictPixels(pixels: Uint8Array): Promise<number[]> {
    const state = this.model.require();
    syncFusedWeights(state);
    return Array.from(await predictPixels(state.built.model, pixels, this.model.inputShape()!));
  }

  /** Whether the backend in use can train `def` on data of that shape: null, or the reason it cannot. */
  modelProblem(
    def: ModelDefinition | null,
    name: string,
    inputShape: [number, number, number],
    classes: number,
  ): UserText | null {
    // Only once a backend is chosen: asking tfjs for its backend earlier would start one of its own choosing.
    if (!this.backend) return null;
    return trainProblemText(name, def ?? undefined, inputShape, classes, this.backend.name);
  }

  /** Loads a checkpoint's weights, Adam state, step and epoch; Train with start_new_model off continues it. */
  async restoreCheckpoint(id: string): Promise<RestoreResult> {
    this.control.checkIdle('act_restore_checkpoint');
    const r = await this.persist.restore(id);
    this.model.replace(r.state, r.config, this.model.keyFor(r.config, this.persist.importedNames()));
    return { step: r.state.globalStep, epoch: r.state.epoch, config: r.config, run: r.run };
  }

  /** The current model as TensorFlow.js layers files plus its training state. */
  async exportModel(): Promise<ModelFile[]> {
    this.control.checkIdle('act_export_model');
    const state = this.model.require();
    const config = this.model.config!;
    return this.persist.exportFiles(state, config, learningRateAt(config, state.globalStep));
  }

  /** Uploaded model.json (+ weights, + training state) becomes the current model, named for `Model`. */
  async importModel(files: File[], current: TrainConfig): Promise<ImportResult> {
    this.control.checkIdle('act_import_model');
    const r = await this.persist.importModel(files, current);
    this.model.replace(r.state, r.config, this.model.keyFor(r.config, this.persist.importedNames()));
    return { name: r.name, withWeights: r.withWeights, step: r.state.globalStep, config: r.config };
  }
}
