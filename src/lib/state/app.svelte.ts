/**
 * The page's state: one small reactive class over the worker. Components read it and call its methods; errors from
 * any layer end up in `error` (shown in the one role="alert" region) with details in the console.
 */
import { DEFAULT_TRAIN_CONFIG, validateConfig, type TrainConfig } from '../shared/settings';
import { downloadText } from './download';
import { proxy, sampleUrls, startWorker, type Remote, type WorkerHandle } from '../worker/client';
import { ModelLibrary, modelDataOf } from './models.svelte';
import { PersistState } from './persist.svelte';
import { TrainingHistory } from './history.svelte';
import { TrainingMonitor } from './training.svelte';
import { m } from '../../paraglide/messages.js';
import { renderText, shownError } from '../i18n-text';
import type { UserText } from '../shared/errors';
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
  LoadProgress,
  PredictResult,
  Progress,
  SplitName,
  SplitSummary,
} from '../shared/worker-types';
import type { StepLog } from '../shared/step-log';

/** What the page tells whoever made it (App.svelte wires these to the notices). */
export interface AppHooks {
  /** A long job ended well. */
  onDone?: (job: FlowJob) => void;
}

const SPLIT_LABEL: Record<SplitName, () => string> = {
  train: m.split_train,
  validation: m.split_validation,
  test: m.split_test,
};
const MAX_STATUS_LINES = 200;

/** Where a split's data came from, kept (as File handles, not bytes) so a new worker can read it again. */
type Source = { kind: 'files'; files: File[] } | { kind: 'sample' };

/** The settings' problems in the page's language (shared/settings.ts gives them as catalog texts). */
function localizedProblems(
  problems: Partial<Record<keyof TrainConfig, UserText>>,
): Partial<Record<keyof TrainConfig, string>> {
  return Object.fromEntries(Object.entries(problems).map(([field, t]) => [field, renderText(t)]));
}

export class AppState {
  #handle!: WorkerHandle;
  #remote!: Remote;
  #sources: Partial<Record<SplitName, Source>> = {};

  backend = $state<BackendInfo | null>(null);
  #backendFailure = $state.raw<UserText | string | null>(null);
  /** Why no backend started, in the page's current language. */
  backendError = $derived(this.#backendFailure === null ? null : renderText(this.#backendFailure));
  splits = $state<Partial<Record<SplitName, SplitSummary>>>({});
  loadProgress = $state<LoadProgress | null>(null);
  config = $state<TrainConfig>({ ...DEFAULT_TRAIN_CONFIG });
  phase = $state<Phase>('idle');
  job = $state<Job>(null);
  /**
   * The log (the last 200 lines, appended only through `#status`); a line made in the worker is a catalog text,
   * worded in the page's current language.
   */
  statusLines = $state.raw<(UserText | string)[]>([]);
  /** The one training history: the log's step lines, the charts, the progress line and the runs view read it. */
  history = new TrainingHistory();
  progress = $state<Progress | null>(null);
  hasModel = $state(false);
  evaluation = $state.raw<EvalResult | null>(null);
  predictions = $state.raw<PredictResult | null>(null);
  /**
   * The failure shown in the alert, kept structured (what failed, and the error's catalog text when it has one) so
   * that it follows a later language switch; `error` is its wording in the page's current language.
   */
  #failure = $state.raw<{ what: string | (() => string); cause: UserText | string | null } | null>(null);
  get error(): string | null {
    const f = this.#failure;
    if (!f) return null;
    const what = typeof f.what === 'string' ? f.what : f.what();
    return f.cause === null ? what : `${what}: ${renderText(f.cause)}`;
  }
  /** Clears the alert, or shows a message already worded (failures with a cause come in through `fail`). */
  set error(message: string | null) {
    this.#failure = message === null ? null : { what: message, cause: null };
  }
  /** Set when the worker died or lost its GPU: the page offers a restart. */
  workerLost = $state.raw<UserText | string | null>(null);
  /** Another tab of the app is training (told over a BroadcastChannel). */
  otherTabTraining = $state(false);
  #channel: BroadcastChannel | null =
    typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('pagetrain');
  /** ETA and tf.memory() of the training going on. */
  monitor = new TrainingMonitor();
  /** True while the worker moves to another backend. */
  switchingBackend = $state(false);
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
    this.#spawn();
    if (this.#channel) {
      this.#channel.onmessage = (e: MessageEvent<{ training: boolean }>) =>
        (this.otherTabTraining = e.data.training);
    }
    // Leaving in the middle of training asks first (the browser shows its own wording).
    addEventListener('beforeunload', (e) => {
      if (this.phase !== 'idle') e.preventDefault();
    });
  }

  #spawn(): void {
    const handle = startWorker((reason) => {
      if (handle !== this.#handle) return;
      console.error('pagetrain: worker lost:', reason);
      this.workerLost = reason;
      this.#announceTraining(false);
      // Calls in flight on the dead worker never settle: free the page from them.
      this.phase = 'idle';
      this.job = null;
      this.loadProgress = null;
      this.hasModel = false;
      this.backend = null;
    });
    this.#handle = handle;
    this.#remote = handle.remote;
  }

  async init(): Promise<void> {
    // The worker's storage listener first: it hears whether the database waits for another tab (opened by either).
    void this.persist.init();
    void this.models.load();
    try {
      const handle = this.#handle;
      this.backend = await this.#remote.init(
        'webgpu',
        handle.lockName,
        proxy((reason: UserText) => handle.lost(reason)),
      );
      handle.watch();
    } catch (e) {
      this.#backendFailure = shownError(e);
      this.fail(m.no_backend, e);
    }
  }

  #announceTraining(training: boolean): void {
    this.#channel?.postMessage({ training });
  }

  /**
   * A new worker after the old one died: the backend again, every split read again from the files the user gave,
   * then the latest checkpoint where there is one. What was shown and saved stays.
   */
  async restart(): Promise<void> {
    this.#handle.terminate();
    this.#spawn();
    this.workerLost = null;
    this.error = null;
    await this.init();
    if (!this.backend) return;
    const sources = this.#sources;
    if (Object.values(sources).some((s) => s?.kind === 'sample')) await this.loadSample();
    for (const [split, source] of Object.entries(sources) as [SplitName, Source][]) {
      if (source.kind === 'files') await this.loadFiles(split, source.files);
    }
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

  #status(line: UserText | string): void {
    this.statusLines = [...this.statusLines.slice(-(MAX_STATUS_LINES - 1)), line];
  }

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
    console.error(typeof what === 'string' ? what : what(), e);
    this.#failure = { what, cause: shownError(e) };
  }

  dismissError(): void {
    this.error = null;
  }

  #onLoadProgress = proxy((p: LoadProgress) => {
    this.loadProgress = p;
  });

  /** Reads files into a split; without files, reads the split's last files again (with other options). */
  async loadFiles(split: SplitName, files: File[] | null, options: LoadOptions = {}): Promise<void> {
    if (files?.length === 0) return;
    this.job = 'loading';
    this.error = null;
    this.failed = null;
    try {
      const summary = files
        ? await this.#remote.loadFiles(split, files, this.#onLoadProgress, options)
        : await this.#remote.reloadSplit(split, options, this.#onLoadProgress);
      this.splits = { ...this.splits, [split]: summary };
      if (files) this.#sources[split] = { kind: 'files', files };
      const loaded = {
        count: summary.files.length,
        label: SPLIT_LABEL[split](),
        n: summary.count,
        files: summary.files.length,
      };
      this.#status(
        summary.skipped
          ? m.loaded_split_skipped({ ...loaded, skipped: summary.skipped })
          : m.loaded_split(loaded),
      );
      this.#hooks.onDone?.('data');
    } catch (e) {
      this.failed = 'data';
      this.fail(() => m.could_not_load_split({ label: SPLIT_LABEL[split]() }), e);
    } finally {
      this.job = null;
      this.loadProgress = null;
    }
  }

  async loadSample(): Promise<void> {
    this.job = 'loading';
    this.error = null;
    this.failed = null;
    try {
      const urls = sampleUrls(import.meta.env.BASE_URL);
      const summaries = await this.#remote.loadSample(urls, this.#onLoadProgress);
      const next = { ...this.splits };
      for (const s of summaries) {
        next[s.split] = s;
        this.#sources[s.split] = { kind: 'sample' };
      }
      this.splits = next;
      this.#status(m.loaded_sample({ splits: summaries.map((s) => `${s.split} ${s.count}`).join(', ') }));
      this.#hooks.onDone?.('data');
    } catch (e) {
      this.failed = 'data';
      this.fail(m.could_not_load_sample, e);
    } finally {
      this.job = null;
      this.loadProgress = null;
    }
  }

  async train(): Promise<void> {
    if (!this.canTrain) return;
    this.error = null;
    this.failed = null;
    this.phase = 'training';
    this.#announceTraining(true);
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
          onLog: (log: StepLog) => {
            this.history.add(log);
            this.#status(log.line);
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
      this.#announceTraining(false);
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
      this.evaluation = await this.#remote.evaluate(this.#onJobProgress);
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
      this.predictions = await this.#remote.predict(this.#onJobProgress);
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

  /** Download log: every line of the log, as the page shows it, in a text file. */
  downloadLog(): void {
    downloadText(
      'pagetrain-log.txt',
      this.statusLines.map((l) => renderText(l)).join('\n') + '\n',
      'text/plain',
    );
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
