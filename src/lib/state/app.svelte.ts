/**
 * The page's state: one small reactive class over the worker. Components read it and call its methods; errors from
 * any layer end up in `error` (shown in the one role="alert" region) with details in the console.
 */
import { DEFAULT_TRAIN_CONFIG, validateConfig, type TrainConfig } from '../ml/config';
import { downloadText } from '../store/download';
import { proxy, sampleUrls, startWorker, type Remote } from '../worker/client';
import { PersistState } from './persist.svelte';
import {
  type BackendInfo,
  type EvalResult,
  type LoadProgress,
  type PredictResult,
  type Progress,
  type SplitName,
  type SplitSummary,
  type StepLog,
} from '../worker/types';

export type Phase = 'idle' | 'training' | 'paused' | 'stopping';
export type Job = 'loading' | 'evaluating' | 'predicting' | null;

const SPLIT_LABEL: Record<SplitName, string> = {
  train: 'Training data',
  validation: 'Validation data',
  test: 'Test data',
};
const MAX_STATUS_LINES = 200;

export class AppState {
  #remote: Remote;

  backend = $state<BackendInfo | null>(null);
  backendError = $state<string | null>(null);
  splits = $state<Partial<Record<SplitName, SplitSummary>>>({});
  loadProgress = $state<LoadProgress | null>(null);
  config = $state<TrainConfig>({ ...DEFAULT_TRAIN_CONFIG });
  phase = $state<Phase>('idle');
  job = $state<Job>(null);
  statusLines = $state<string[]>([]);
  logs = $state.raw<StepLog[]>([]);
  progress = $state<Progress | null>(null);
  hasModel = $state(false);
  evaluation = $state.raw<EvalResult | null>(null);
  predictions = $state.raw<PredictResult | null>(null);
  error = $state<string | null>(null);

  configProblems = $derived(validateConfig(this.config));
  canTrain = $derived(
    !!this.splits.train?.hasLabels &&
      this.phase === 'idle' &&
      this.job === null &&
      !!this.backend &&
      Object.keys(this.configProblems).length === 0,
  );
  canEvaluate = $derived(
    this.hasModel && !!this.splits.validation?.hasLabels && this.phase === 'idle' && this.job === null,
  );
  canPredict = $derived(this.hasModel && !!this.splits.test && this.phase === 'idle' && this.job === null);

  /** Saved runs, checkpoints and model files (issue 6). */
  readonly persist: PersistState;

  constructor() {
    this.#remote = startWorker().remote;
    this.persist = new PersistState(this, this.#remote);
  }

  async init(): Promise<void> {
    void this.persist.init();
    try {
      this.backend = await this.#remote.init('webgpu');
    } catch (e) {
      this.backendError = (e as Error).message;
      this.fail('No compute backend could start in this browser', e);
    }
  }

  #status(line: string): void {
    this.statusLines = [...this.statusLines.slice(-(MAX_STATUS_LINES - 1)), line];
  }

  fail(what: string, e: unknown): void {
    console.error(what, e);
    const message = e instanceof Error ? e.message : String(e);
    this.error = `${what}: ${message}`;
  }

  dismissError(): void {
    this.error = null;
  }

  #onLoadProgress = proxy((p: LoadProgress) => {
    this.loadProgress = p;
  });

  async loadFiles(split: SplitName, files: File[]): Promise<void> {
    if (!files.length) return;
    this.job = 'loading';
    this.error = null;
    try {
      const summary = await this.#remote.loadFiles(split, files, this.#onLoadProgress);
      this.splits = { ...this.splits, [split]: summary };
      this.#status(`Loaded ${SPLIT_LABEL[split]}: ${summary.count} examples from ${files.length} file(s).`);
    } catch (e) {
      this.fail(`Could not load ${SPLIT_LABEL[split]} (nothing already loaded was changed)`, e);
    } finally {
      this.job = null;
      this.loadProgress = null;
    }
  }

  async loadSample(): Promise<void> {
    this.job = 'loading';
    this.error = null;
    try {
      const urls = sampleUrls(import.meta.env.BASE_URL);
      const summaries = await this.#remote.loadSample(urls, this.#onLoadProgress);
      const next = { ...this.splits };
      for (const s of summaries) next[s.split] = s;
      this.splits = next;
      this.#status(`Loaded the MNIST sample: ${summaries.map((s) => `${s.split} ${s.count}`).join(', ')}.`);
    } catch (e) {
      this.fail('Could not load the sample data', e);
    } finally {
      this.job = null;
      this.loadProgress = null;
    }
  }

  async train(): Promise<void> {
    if (!this.canTrain) return;
    this.error = null;
    this.phase = 'training';
    // Continuing a model (start_new_model off) continues its curve.
    if (this.config.startNewModel) this.logs = [];
    this.progress = null;
    this.#status(
      `Training ${this.config.model} with ${this.config.labelLoss} on ${this.splits.train?.count} examples.`,
    );
    try {
      const outcome = await this.#remote.train(
        $state.snapshot(this.config),
        proxy({
          onLog: (log: StepLog) => {
            this.logs = [...this.logs, log];
            this.#status(log.line);
          },
          onProgress: (p: Progress) => {
            this.progress = p;
          },
          onEpochEnd: () => {},
        }),
      );
      this.hasModel = true;
      this.#status(outcome.line);
    } catch (e) {
      this.fail('Training failed (the data and any saved work are kept)', e);
    } finally {
      this.phase = 'idle';
    }
  }

  async pause(): Promise<void> {
    if (this.phase !== 'training') return;
    await this.#remote.pause();
    this.phase = 'paused';
    this.#status(`Paused at step ${this.progress?.step ?? 0}.`);
  }

  async resume(): Promise<void> {
    if (this.phase !== 'paused') return;
    await this.#remote.resume();
    this.phase = 'training';
    this.#status(`Resumed at step ${this.progress?.step ?? 0}.`);
  }

  async stop(): Promise<void> {
    if (this.phase !== 'training' && this.phase !== 'paused') return;
    this.phase = 'stopping';
    await this.#remote.stop();
  }

  async evaluate(): Promise<void> {
    if (!this.canEvaluate) return;
    this.job = 'evaluating';
    this.error = null;
    try {
      this.evaluation = await this.#remote.evaluate();
      const m = this.evaluation.metrics;
      this.#status(
        `Evaluation on ${this.evaluation.examples} validation examples | Hit@1: ${m['Hit@1'].toFixed(3)} ` +
          `PERR: ${m.PERR.toFixed(3)} GAP: ${m.GAP.toFixed(3)} MAP: ${m.MAP.toFixed(3)} Loss: ${m.Loss.toFixed(3)}`,
      );
    } catch (e) {
      this.fail('Evaluation failed', e);
    } finally {
      this.job = null;
    }
  }

  async predict(): Promise<void> {
    if (!this.canPredict) return;
    this.job = 'predicting';
    this.error = null;
    try {
      this.predictions = await this.#remote.predict();
      this.#status(`Predicted ${this.predictions.count} test examples.`);
    } catch (e) {
      this.fail('Prediction failed', e);
    } finally {
      this.job = null;
    }
  }

  downloadPredictions(): void {
    if (this.predictions) downloadText('predictions.csv', this.predictions.csv);
  }
}
