/**
 * The training charts as data: which charts there are, which series each draws, and the series' points derived from
 * the one training history (step logs and validation points). Pure: the history class derives with it, tests call it.
 */
import type { HistoryEntry } from '../shared/step-log';
import type { EvalPoint } from '../shared/worker-types';
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

/** What one chart draws: its series with their points. */
export type ChartInput = { spec: SeriesSpec; points: SeriesPoints }[];

export const CHARTS: readonly ChartSpec[] = [
  { id: 'loss', title: m.chart_loss, digits: 3 },
  { id: 'hit', title: () => 'Hit@1', digits: 3 },
  { id: 'lr', title: m.chart_lr, digits: 6 },
  { id: 'speed', title: m.chart_speed, digits: 0 },
];

/** Every series, with where its values come from: a step log's field, or a validation point's metric. */
const SERIES: readonly (SeriesSpec & { value: (e: HistoryEntry) => number })[] = [
  { key: 'train-loss', chart: 'loss', label: 'training loss', color: '#2f5bd3', value: (e) => e.loss },
  { key: 'train-hit', chart: 'hit', label: 'training Hit@1', color: '#1f8a4c', value: (e) => e.hitAt1 },
  {
    key: 'learning-rate',
    chart: 'lr',
    label: 'learning rate',
    color: '#a05a00',
    value: (e) => e.learningRate,
  },
  {
    key: 'examples-per-sec',
    chart: 'speed',
    label: 'examples/sec',
    color: '#8a2fb3',
    value: (e) => e.examplesPerSec,
  },
];
/** Evaluations during training are drawn on the same charts as the training curves. */
const VALIDATION_SERIES: readonly (SeriesSpec & { metric: 'Loss' | 'Hit@1' })[] = [
  { key: 'validation-loss', chart: 'loss', label: 'validation loss', color: '#c2410c', metric: 'Loss' },
  { key: 'validation-hit', chart: 'hit', label: 'validation Hit@1', color: '#b91c1c', metric: 'Hit@1' },
];

const spec = ({ key, chart, label, color }: SeriesSpec): SeriesSpec => ({ key, chart, label, color });

/**
 * Each chart's series, with no points yet, and how a step log or a validation point is appended to them: in place,
 * one element per series, so a history that grows step by step never copies what it holds (history-log.ts).
 */
export function chartSeries(): {
  charts: Record<ChartId, ChartInput>;
  add: (e: HistoryEntry) => void;
  addEval: (p: EvalPoint) => void;
} {
  const charts = Object.fromEntries(CHARTS.map((c) => [c.id, [] as ChartInput])) as Record<
    ChartId,
    ChartInput
  >;
  const fromEntries = SERIES.map((s) => {
    const points: SeriesPoints = { steps: [], values: [] };
    charts[s.chart].push({ spec: spec(s), points });
    return { points, value: s.value };
  });
  const fromEvals = VALIDATION_SERIES.map((s) => {
    const points: SeriesPoints = { steps: [], values: [] };
    charts[s.chart].push({ spec: spec(s), points });
    return { points, metric: s.metric };
  });
  return {
    charts,
    add(e) {
      for (const { points, value } of fromEntries) {
        points.steps.push(e.step);
        points.values.push(value(e));
      }
    },
    addEval(p) {
      for (const { points, metric } of fromEvals) {
        points.steps.push(p.step);
        points.values.push(p.metrics[metric]);
      }
    },
  };
}

/** Each chart's series and points, from the history's step logs and validation points (both in step order). */
export function chartData(
  entries: readonly HistoryEntry[],
  evals: readonly EvalPoint[],
): Record<ChartId, ChartInput> {
  const series = chartSeries();
  for (const e of entries) series.add(e);
  for (const p of evals) series.addEval(p);
  return series.charts;
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
export function summarize(chart: ChartSpec, series: ChartInput): string {
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
