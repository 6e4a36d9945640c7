/**
 * The page's state: one small reactive class over the worker. Components read it and call its methods; errors from
 * any layer end up in `error` (shown in the one role="alert" region) with details in the console.
 */
import {
  DEFAULT_EVAL_LABEL_LOSS,
  DEFAULT_TRAIN_CONFIG,
  validateConfig,
  type LossName,
  type TrainConfig,
} from '../shared/settings';
import { downloadBlob, downloadText } from './download';
import { SessionLog, type LogLine, type NumberedLine } from './log-store';
import { proxy, type Remote } from '../worker/client';
import { ModelLibrary, modelDataOf } from './models.svelte';
import { PersistState } from './persist.svelte';
import { TrainingHistory } from './history.svelte';
import { TrainingMonitor } from './training.svelte';
import { CalibrationState } from './calibration.svelte';
import type { CalibrationSpec } from '../shared/calibration';
import type { ModelDefinition } from '../model-spec/format';
import { Alert } from './alert.svelte';
import { LoadedData, SPLIT_LABEL } from './data.svelte';
import { WorkerLink } from './worker-link.svelte';
import { m } from '../../paraglide/messages.js';
import { renderText, shownError } from '../i18n-text';
import type { UserText } from '../shared/errors';
import { labelMisfitText } from './label-warning';
import type { FlowJob, Job, Phase } from './types';
import type { ImportResult, RestoreResult } from '../shared/persist-types';
import type {
  BackendInfo,
  BackendName,
  EpochMemory,
  EvalPoint,
  EvalResult,
  ExampleBatch,
  ExampleQuery,
  LoadOptions,
  PredictResult,
  Progress,
  SplitName,
} from '../shared/worker-types';
import type { StepBatch } from '../shared/step-log';

/** What the page tells whoever made it (App.svelte wires these to the notices). */
export interface AppHooks {
  /** A long job ended well. */
  onDone?: (job: FlowJob) => void;
}

/** The settings' problems in the page's language (shared/settings.ts gives them as catalog texts). */
function localizedProblems(
  problems: Partial<Record<keyof TrainConfig, UserText>>,
): Partial<Record<keyof TrainConfig, string>> {
  return Object.fromEntries(Object.entries(problems).map(([field, t]) => [field, renderText(t)]));
}

export class AppState {
  /** The training worker, started again after it dies; the other tabs' training. */
  #link = new WorkerLink(() => {
    // Calls in flight on the dead worker never settle: free the page from them.
    this.phase = 'idle';
    this.job = null;
    this.data.progress = null;
    this.hasModel = false;
    this.backend = null;
  });
  get #remote(): Remote {
    return this.#link.remote;
  }
  #alert = new Alert();

  backend = $state<BackendInfo | null>(null);
  #backendFailure = $state.raw<UserText | string | null>(null);
  /** Why no backend started, in the page's current language. */
  backendError = $derived(this.#backendFailure === null ? null : renderText(this.#backendFailure));
  /** The loaded splits, and where they came from. */
  readonly data = new LoadedData({
    remote: () => this.#remote,
    note: (line) => this.#status(line),
    misfit: (f) => this.#alert.warn(labelMisfitText(f, (split) => SPLIT_LABEL[split]())),
  });
  get splits() {
    return this.data.splits;
  }
  get loadProgress() {
    return this.data.progress;
  }
  config = $state<TrainConfig>({ ...DEFAULT_TRAIN_CONFIG });
  phase = $state<Phase>('idle');
  job = $state<Job>(null);
  /** The whole session's log (./log-store.ts), appended only through `#status`; Download log saves it. */
  #log = new SessionLog((line) => renderText(line));
  /**
   * The log's last lines, as the page shows them; a line made in the worker is a catalog text, worded in the page's
   * current language.
   */
  statusLines = $state.raw<NumberedLine[]>([]);
  /** Lines logged since the page opened (the page shows the last of them, Download log has them all). */
  logCount = $state(0);
  /** The one training history: the log's step lines, the charts, the progress line and the runs view read it. */
  history = new TrainingHistory();
  progress = $state<Progress | null>(null);
  hasModel = $state(false);
  evaluation = $state.raw<EvalResult | null>(null);
  /** eval.py's own --label_loss: the loss Evaluate reports, whatever training minimised. */
  evalLabelLoss = $state<LossName>(DEFAULT_EVAL_LABEL_LOSS);
  predictions = $state.raw<PredictResult | null>(null);
  /** The failure shown in the alert, in the page's current language (it follows a language switch). */
  get error(): string | null {
    return this.#alert.message;
  }
  /** Clears the alert, or shows a message already worded (failures with a cause come in through `fail`). */
  set error(message: string | null) {
    this.#alert.show(message);
  }
  /** Set when the worker died or lost its GPU: the page offers a restart. */
  get workerLost(): UserText | string | null {
    return this.#link.lost;
  }
  /** Another tab of the app is training (told over a BroadcastChannel). */
  get otherTabTraining(): boolean {
    return this.#link.otherTabTraining;
  }
  /** ETA and tf.memory() of the training going on. */
  monitor = new TrainingMonitor();
  /** True while the worker moves to another backend. */
  switchingBackend = $state(false);
  /** Which backend trains the chosen model fastest on this machine, measured. */
  calibration = new CalibrationState();
  /** Presets, custom models and the layer editor. */
  models = new ModelLibrary({
    data: () => modelDataOf(this.splits),
    fail: (what, e) => this.fail(what, e),
    check: (def, name, data) =>
      this.backend
        ? this.#remote.modelProblem(def, name, data.inputShape, data.numClasses)
        : Promise.resolve(null),
    definitions: {
      list: () => this.#remote.savedDefinitions(),
      save: (def) => this.#remote.saveDefinition(def),
      remove: (name) => this.#remote.deleteDefinition(name),
    },
  });

  configProblems = $derived(localizedProblems(validateConfig(this.config)));
  canTrain = $derived(
    !!this.splits.train?.hasLabels &&
      this.phase === 'idle' &&
      this.job === null &&
      !!this.backend &&
      !this.switchingBackend &&
      Object.keys(this.configProblems).length === 0,
  );
  canEvaluate = $derived(
    this.hasModel && !!this.splits.validation?.hasLabels && this.phase === 'idle' && this.job === null,
  );
  canPredict = $derived(this.hasModel && !!this.splits.test && this.phase === 'idle' && this.job === null);

  /** Saved runs, checkpoints and model files. */
  readonly persist: PersistState;

  // The flow (load, train, evaluate, predict) and its feedback.
  /** The flow step whose last job failed, until that step runs again. */
  failed = $state<FlowJob | null>(null);
  /** Evaluation's or prediction's progress: examples done of the total. */
  jobProgress = $state<{ done: number; total: number } | null>(null);
  #hooks: AppHooks;
  #onJobProgress = proxy((done: number, total: number) => {
    this.jobProgress = { done, total };
  });

  constructor(hooks: AppHooks = {}) {
    this.#hooks = hooks;
    this.persist = new PersistState({
      remote: () => this.#remote,
      config: () => $state.snapshot(this.config),
      history: () => this.history.entries,
      fail: (what, e) => this.fail(what, e),
      note: (line) => this.#status(line),
      onRestored: (r) => this.#restored(r),
      onImported: (r) => this.#imported(r),
      onImportedDeleted: (name) => {
        if (this.config.model === name) this.config = { ...this.config, model: DEFAULT_TRAIN_CONFIG.model };
      },
    });
    // Leaving in the middle of training asks first (the browser shows its own wording).
    addEventListener('beforeunload', (e) => {
      if (this.phase !== 'idle') e.preventDefault();
    });
  }

  async init(): Promise<void> {
    // The worker's storage listener first: it hears whether the database waits for another tab (opened by either).
    void this.persist.init();
    void this.models.load();
    try {
      this.backend = await this.#link.init();
    } catch (e) {
      this.#backendFailure = shownError(e);
      this.fail(m.no_backend, e);
    }
  }

  /**
   * A new worker after the old one died: the backend again, every split read again from the files the user gave,
   * then the latest checkpoint where there is one. What was shown and saved stays.
   */
  async restart(): Promise<void> {
    this.#link.spawn();
    this.error = null;
    await this.init();
    if (!this.backend) return;
    const sources = this.data.sources();
    if (sources.sample) await this.loadSample();
    for (const [split, files] of sources.files) await this.loadFiles(split, files);
    // The newest checkpoint (saved during the run that failed, or earlier) brings the model back.
    await this.persist.refresh();
    const latest = [...this.persist.checkpoints].sort((a, b) => b.createdAt - a.createdAt)[0];
    if (latest) {
      await this.persist.restore(latest);
      this.#status(m.restarted_with_checkpoint({ step: latest.step }));
    } else {
      this.#status(m.restarted_without_checkpoint());
    }
  }

  #status(...lines: LogLine[]): void {
    this.#log.append(...lines);
    this.statusLines = this.#log.shown();
    this.logCount = this.#log.count;
  }

  /** Appends several lines with one update of the log (a batch of step lines). */
  #statusLines(lines: LogLine[]): void {
    if (lines.length) this.#status(...lines);
  }

  /** A script's line from the worker (eval.py's, inference.py's), as it is written. */
  #onScriptLine = proxy((line: string) => this.#status(line));

  /** A checkpoint's model is in the worker: its settings, and its run's curve so far (continuing extends it). */
  #restored(r: RestoreResult): void {
    this.config = { ...r.config };
    this.hasModel = true;
    this.evaluation = null;
    this.progress = null;
    this.history.replace(r.run?.history ?? [], r.run?.evals ?? []);
    this.monitor.reset();
  }

  /** An imported model is in the worker: a model of its own, with no run yet. */
  #imported(r: ImportResult): void {
    this.config = { ...r.config };
    this.hasModel = true;
    this.evaluation = null;
    this.progress = null;
    this.history.clear();
    this.monitor.reset();
  }

  /** `what` failed (a function of the language, to follow a switch; or a string fixed when it failed) because of `e`. */
  fail(what: string | (() => string), e: unknown): void {
    this.#alert.fail(what, e);
  }

  dismissError(): void {
    this.error = null;
  }

  /** Reads files into a split; without files, reads the split's last files again (with other options). */
  async loadFiles(split: SplitName, files: File[] | null, options: LoadOptions = {}): Promise<void> {
    if (files?.length === 0) return;
    await this.#loading(
      () => m.could_not_load_split({ label: SPLIT_LABEL[split]() }),
      () => this.data.load(split, files, options),
    );
  }

  loadSample(): Promise<void> {
    return this.#loading(m.could_not_load_sample, () => this.data.loadSample());
  }

  /** A read of data, as a job of the flow's first step: its failure is shown, the splits keep what they had. */
  async #loading(what: () => string, read: () => Promise<void>): Promise<void> {
    this.job = 'loading';
    this.error = null;
    this.failed = null;
    try {
      await read();
      this.#hooks.onDone?.('data');
    } catch (e) {
      this.failed = 'data';
      this.fail(what, e);
    } finally {
      this.job = null;
    }
  }

  async train(): Promise<void> {
    if (!this.canTrain) return;
    this.error = null;
    this.failed = null;
    this.phase = 'training';
    this.#link.announceTraining(true);
    // Continuing a model (start_new_model off) continues its curve; the worker's run goes on in the same way.
    if (this.config.startNewModel) this.history.clear();
    this.progress = null;
    this.evaluation = null;
    this.predictions = null;
    this.monitor.reset();
    this.#status(
      m.training_start({
        model: this.config.model,
        loss: this.config.labelLoss,
        n: this.splits.train?.count ?? 0,
      }),
    );
    try {
      // An imported model.json is its own definition (the worker holds it); the library knows only definitions.
      const imported = this.persist.importedModels.includes(this.config.model);
      await this.#remote.useModelDefinition(
        imported ? null : this.models.definitionToTrain(this.config.model),
      );
      const outcome = await this.#remote.train(
        $state.snapshot(this.config),
        proxy({
          // Every step's line, a batch at a time; the log steps' numbers feed the one history (charts, table).
          onSteps: (batch: StepBatch) => {
            for (const log of batch.logs) this.history.add(log);
            this.#statusLines(batch.lines.map((l) => l.line));
          },
          onProgress: (p: Progress) => {
            this.progress = p;
            if (this.phase === 'training') this.monitor.onProgress(p);
          },
          onEpochEnd: (e: EpochMemory) => {
            this.monitor.onEpochEnd(e);
          },
          onEval: (point: EvalPoint) => {
            this.history.addEval(point);
            const m = point.metrics;
            this.#status(
              `validation at step ${point.step} | Hit@1: ${m['Hit@1'].toFixed(2)} GAP: ${m.GAP.toFixed(2)} Loss: ${m.Loss.toFixed(2)}`,
            );
          },
        }),
      );
      this.hasModel = true;
      this.#status(outcome.line);
      this.#hooks.onDone?.('train');
    } catch (e) {
      this.failed = 'train';
      this.fail(m.training_failed, e);
    } finally {
      this.phase = 'idle';
      this.#link.announceTraining(false);
    }
  }

  async pause(): Promise<void> {
    if (this.phase !== 'training') return;
    const step = await this.#remote.pause();
    // Training may have ended while the message was in flight: then there is nothing to pause.
    if (step === null || this.phase !== 'training') return;
    this.phase = 'paused';
    this.monitor.onPause();
    this.#status(m.paused_at({ step }));
  }

  async resume(): Promise<void> {
    if (this.phase !== 'paused') return;
    await this.#remote.resume();
    if (this.phase !== 'paused') return;
    this.phase = 'training';
    this.#status(m.resumed_at({ step: this.progress?.step ?? 0 }));
  }

  async stop(): Promise<void> {
    if (this.phase !== 'training' && this.phase !== 'paused') return;
    this.phase = 'stopping';
    await this.#remote.stop();
  }

  /** Moves training to another tfjs backend; loaded data and the model so far are kept. */
  /** What a calibration measures now: the chosen model on the loaded data's shape, at the chosen batch size. */
  #calibrationSpec(): { spec: CalibrationSpec; definition: ModelDefinition | null } | null {
    // An imported model's definition lives in the worker: it is not measured.
    if (this.persist.importedModels.includes(this.config.model)) return null;
    const data = modelDataOf(this.splits);
    return {
      spec: {
        model: this.config.model,
        inputShape: data.inputShape,
        numClasses: data.numClasses,
        batchSize: this.config.batchSize,
        fusedKernels: this.config.fusedKernels,
      },
      definition: this.models.definitionToTrain(this.config.model),
    };
  }

  /** Shows the figures measured before for the chosen model on this machine, if any. */
  lookupCalibration(): void {
    const c = this.#calibrationSpec();
    if (c) void this.calibration.lookup(c.spec, c.definition);
    else this.calibration.measured = null;
  }

  /** Measures each backend with a few training steps of the chosen model (in a worker of its own). */
  async measureBackends(): Promise<void> {
    const c = this.#calibrationSpec();
    if (!c || this.phase !== 'idle') return;
    try {
      await this.calibration.measure(c.spec, c.definition);
    } catch (e) {
      this.fail(m.backend_measure_failed, e);
    }
  }

  async switchBackend(name: BackendName): Promise<void> {
    if (this.phase !== 'idle' || this.job !== null || this.backend?.name === name) return;
    this.switchingBackend = true;
    this.error = null;
    try {
      this.backend = await this.#remote.switchBackend(name);
      this.#status(m.switched_backend({ name: this.backend.name }));
    } catch (e) {
      this.fail(() => m.could_not_switch({ name }), e);
      this.backend = await this.#remote.backend();
    } finally {
      this.switchingBackend = false;
    }
  }

  async evaluate(): Promise<void> {
    if (!this.canEvaluate) return;
    this.job = 'evaluating';
    this.error = null;
    this.failed = null;
    try {
      this.evaluation = await this.#remote.evaluate(
        this.evalLabelLoss,
        this.#onJobProgress,
        this.#onScriptLine,
      );
      const m = this.evaluation.metrics;
      this.#status(
        `Evaluation on ${this.evaluation.examples} validation examples | Hit@1: ${m['Hit@1'].toFixed(3)} ` +
          `PERR: ${m.PERR.toFixed(3)} GAP: ${m.GAP.toFixed(3)} MAP: ${m.MAP.toFixed(3)} Loss: ${m.Loss.toFixed(3)}`,
      );
      this.#hooks.onDone?.('evaluate');
    } catch (e) {
      this.failed = 'evaluate';
      this.fail(m.evaluation_failed, e);
    } finally {
      this.job = null;
      this.jobProgress = null;
    }
  }

  async predict(): Promise<void> {
    if (!this.canPredict) return;
    this.job = 'predicting';
    this.error = null;
    this.failed = null;
    try {
      this.predictions = await this.#remote.predict(this.#onJobProgress, this.#onScriptLine);
      this.#status(m.predicted_count({ n: this.predictions.count }));
      this.#hooks.onDone?.('predict');
    } catch (e) {
      this.failed = 'predict';
      this.fail(m.prediction_failed, e);
    } finally {
      this.job = null;
      this.jobProgress = null;
    }
  }

  /** Download log: every line logged since the page opened, in a text file. */
  downloadLog(): void {
    downloadBlob('pagetrain-log.txt', this.#log.blob());
  }

  async downloadPredictions(rich = false): Promise<void> {
    if (!this.predictions) return;
    try {
      downloadText('predictions.csv', rich ? await this.#remote.predictionsCsv(true) : this.predictions.csv);
    } catch (e) {
      this.fail(m.could_not_write_csv, e);
    }
  }

  examples(query: ExampleQuery): Promise<ExampleBatch> {
    return this.#remote.examples(query);
  }

  modelInputShape(): Promise<[number, number, number] | null> {
    return this.#remote.modelInputShape();
  }

  predictPixels(pixels: Uint8Array): Promise<number[]> {
    return this.#remote.predictPixels(pixels);
  }
}
