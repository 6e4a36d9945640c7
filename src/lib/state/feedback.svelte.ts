/**
 * What the page tells a person about long jobs: progress with a time left for reading, training, evaluating and
 * predicting; a short notice when one finishes; and the tab's title showing progress ("42% · Training — pagetrain")
 * so it can be followed from another tab.
 */
import { m } from '../../paraglide/messages.js';
import { etaSeconds, type ProgressSample } from '../shared/eta';
import type { LoadProgress, Progress } from '../shared/worker-types';
import type { FlowJob, Job, Phase } from './types';

export interface Toast {
  id: number;
  text: string;
}

/** A job's progress as the page shows it: a fraction, and seconds left once the rate is known. */
export interface JobView {
  kind: 'reading' | 'training' | 'evaluating' | 'predicting';
  done: number;
  total: number;
  eta: number | null;
}

const TOAST_MS = 8000;
const TITLE = 'pagetrain';

/** Seconds left from a stream of (done, total) observations of one job; a new job (key) starts afresh. */
export class EtaClock {
  #key = '';
  #samples: ProgressSample[] = [];

  observe(key: string, done: number, total: number, now = performance.now()): number | null {
    if (
      key !== this.#key ||
      (this.#samples.length && done < this.#samples[this.#samples.length - 1].runSteps)
    ) {
      this.#key = key;
      this.#samples = [];
    }
    this.#samples.push({ time: now, runSteps: done });
    if (this.#samples.length > 256) this.#samples.splice(0, 128);
    return etaSeconds(this.#samples, total);
  }
}

/** The tab's title for a job's progress ("42% · Training — pagetrain"), or the plain name when none runs. */
export function titleOf(c: JobView | null): string {
  if (!c) return TITLE;
  const percent = Math.floor((100 * c.done) / Math.max(1, c.total));
  return {
    training: m.title_training,
    reading: m.title_reading,
    evaluating: m.title_evaluating,
    predicting: m.title_predicting,
  }[c.kind]({ percent });
}

/** The notice for a finished job. */
export function noticeOf(job: FlowJob): string {
  return {
    data: m.toast_loaded,
    train: m.toast_trained,
    evaluate: m.toast_evaluated,
    predict: m.toast_predicted,
  }[job]();
}

/** At most three notices show at once: the newest. */
export function keepLast<T>(toasts: T[], n = 3): T[] {
  return toasts.slice(-n);
}

/** What the feedback reads of the page state (AppState has all of it). */
export interface FeedbackInput {
  readonly phase: Phase;
  readonly progress: Progress | null;
  readonly monitor: { readonly eta: number | null };
  readonly job: Job;
  readonly loadProgress: LoadProgress | null;
  readonly jobProgress: { done: number; total: number } | null;
}

export class Feedback {
  #app: FeedbackInput;
  #next = 1;
  // Sampled while a derived below is read; they hold timing only, no reactive state.
  #reading = new EtaClock();
  #job = new EtaClock();

  toasts = $state<Toast[]>([]);

  constructor(app: FeedbackInput) {
    this.#app = app;
  }

  /** The job running now, if any, with its progress. */
  current = $derived.by((): JobView | null => {
    const app = this.#app;
    if (app.phase !== 'idle') {
      const p = app.progress;
      return { kind: 'training', done: p?.runSteps ?? 0, total: p?.totalSteps ?? 1, eta: app.monitor.eta };
    }
    if (app.job === 'loading') {
      const p = app.loadProgress;
      if (!p) return { kind: 'reading', done: 0, total: 1, eta: null };
      const eta = this.#reading.observe(`${p.split}/${p.file}`, p.bytesRead, p.bytesTotal);
      return { kind: 'reading', done: p.bytesRead, total: p.bytesTotal, eta };
    }
    if (app.job === 'evaluating' || app.job === 'predicting') {
      const p = app.jobProgress;
      if (!p) return { kind: app.job, done: 0, total: 1, eta: null };
      return {
        kind: app.job,
        done: p.done,
        total: p.total,
        eta: this.#job.observe(app.job, p.done, p.total),
      };
    }
    return null;
  });

  /** The tab's title: progress while a job runs, the plain name otherwise. */
  title = $derived(titleOf(this.current));

  notify(job: FlowJob): void {
    const toast = { id: this.#next++, text: noticeOf(job) };
    this.toasts = keepLast([...this.toasts, toast]);
    setTimeout(() => this.dismiss(toast.id), TOAST_MS);
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }
}
