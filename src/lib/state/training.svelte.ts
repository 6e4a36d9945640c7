/**
 * What the page shows about a run while it trains: chart series, the ETA, and tf.memory() after each epoch.
 * Fed by AppState's training callbacks; other features add their own series with `addSeries` and `push`
 * (e.g. validation points), and the charts pick them up.
 */
import { etaSeconds, tensorGrowth, type ProgressSample } from '../shared/eta';
import type { EpochMemory, Progress } from '../shared/worker-types';
import type { StepLog } from '../shared/step-log';
import { m } from '../../paraglide/messages.js';

export type ChartId = 'loss' | 'hit' | 'lr' | 'speed';

export interface ChartSpec {
  id: ChartId;
  /** The title in the page's language (Hit@1 is a name, the same in every language). */
  title: () => string;
  /** How values are printed in the text summary. */
  digits: number;
}

export interface SeriesSpec {
  /** Unique key, e.g. 'train-loss' or 'validation-loss'. */
  key: string;
  chart: ChartId;
  label: string;
  color: string;
}

/** Points of one series: steps and values, in step order. */
export interface SeriesPoints {
  steps: number[];
  values: number[];
}

/** tf.memory() after an epoch, GPU bytes included where the backend reports them. */
export type MemoryPoint = EpochMemory;

export const CHARTS: readonly ChartSpec[] = [
  { id: 'loss', title: m.chart_loss, digits: 3 },
  { id: 'hit', title: () => 'Hit@1', digits: 3 },
  { id: 'lr', title: m.chart_lr, digits: 6 },
  { id: 'speed', title: m.chart_speed, digits: 0 },
];

const TRAIN_SERIES: readonly SeriesSpec[] = [
  { key: 'train-loss', chart: 'loss', label: 'training loss', color: '#2f5bd3' },
  { key: 'train-hit', chart: 'hit', label: 'training Hit@1', color: '#1f8a4c' },
  { key: 'learning-rate', chart: 'lr', label: 'learning rate', color: '#a05a00' },
  { key: 'examples-per-sec', chart: 'speed', label: 'examples/sec', color: '#8a2fb3' },
];

export class TrainingMonitor {
  series = $state.raw<SeriesSpec[]>([...TRAIN_SERIES]);
  points = $state.raw<Record<string, SeriesPoints>>({});
  memory = $state.raw<MemoryPoint[]>([]);
  /** Recent progress samples for the ETA; cleared on pause. */
  #samples: ProgressSample[] = [];
  eta = $state<number | null>(null);

  leak = $derived(tensorGrowth(this.memory.map((m) => m.numTensors)));

  /** Adds a series to one of the charts; no-op if the key exists. */
  addSeries(spec: SeriesSpec): void {
    if (this.series.some((s) => s.key === spec.key)) return;
    this.series = [...this.series, spec];
  }

  /** Appends one point to a series (steps must not go back). */
  push(key: string, step: number, value: number): void {
    const old = this.points[key] ?? { steps: [], values: [] };
    this.points = {
      ...this.points,
      [key]: { steps: [...old.steps, step], values: [...old.values, value] },
    };
  }

  /** A new run: clears the series' points and the memory history, keeps the series list. */
  reset(): void {
    this.points = {};
    this.memory = [];
    this.#samples = [];
    this.eta = null;
  }

  onLog(log: StepLog): void {
    this.push('train-loss', log.step, log.loss);
    this.push('train-hit', log.step, log.hitAt1);
    this.push('learning-rate', log.step, log.learningRate);
    this.push('examples-per-sec', log.step, log.examplesPerSec);
  }

  onProgress(p: Progress, now = performance.now()): void {
    this.#samples.push({ time: now, runSteps: p.runSteps });
    if (this.#samples.length > 512) this.#samples.splice(0, this.#samples.length - 256);
    this.eta = etaSeconds(this.#samples, p.totalSteps);
  }

  /** Paused time must not count as slow steps: start the rate window afresh. */
  onPause(): void {
    this.#samples = [];
    this.eta = null;
  }

  onEpochEnd(m: MemoryPoint): void {
    this.memory = [...this.memory, m];
  }

  /** The series of one chart with their points. */
  chartSeries(chart: ChartId): { spec: SeriesSpec; points: SeriesPoints }[] {
    return this.series
      .filter((s) => s.chart === chart)
      .map((spec) => ({ spec, points: this.points[spec.key] ?? { steps: [], values: [] } }));
  }
}

/** The chart's title in the page's language. */
export function chartTitle(chart: ChartSpec): string {
  return chart.title();
}

/** Series labels in the page's language; a series added under another key keeps the label it was given. */
const SERIES_LABELS: Record<string, () => string> = {
  'train-loss': m.series_train_loss,
  'train-hit': m.series_train_hit,
  'learning-rate': m.series_lr,
  'examples-per-sec': m.series_speed,
  'validation-loss': m.series_validation_loss,
  'validation-hit': m.series_validation_hit,
};
export function seriesLabel(spec: SeriesSpec): string {
  return SERIES_LABELS[spec.key]?.() ?? spec.label;
}

/** A sentence per series for screen readers: point count, first and latest value. */
export function summarize(chart: ChartSpec, series: { spec: SeriesSpec; points: SeriesPoints }[]): string {
  const title = chartTitle(chart);
  const parts = series
    .filter((s) => s.points.steps.length > 0)
    .map(({ spec, points }) => {
      const n = points.steps.length;
      const f = (v: number) => v.toFixed(chart.digits);
      return m.chart_series_summary({
        count: n,
        label: seriesLabel(spec),
        first: f(points.values[0]),
        firstStep: points.steps[0],
        last: f(points.values[n - 1]),
        lastStep: points.steps[n - 1],
      });
    });
  return parts.length ? m.chart_summary({ title, parts: parts.join('; ') }) : m.chart_empty({ title });
}
