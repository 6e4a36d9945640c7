/**
 * A uPlot line chart as a Svelte attachment: `<div {@attach lineChart(() => series)}>`. The chart is made once per
 * element; new points only call setData, and the width follows the element's.
 */
import type uPlot from 'uplot';
import type { Attachment } from 'svelte/attachments';
import { seriesLabel, type ChartInput } from '../lib/state/charts';
import { m } from '../paraglide/messages.js';

let loading: Promise<typeof uPlot> | null = null;

/**
 * uPlot (and its stylesheet) load when the first chart is drawn, not with the page: nothing before training needs
 * them, and they are a third of the main bundle otherwise (`npm run bench -- bundle`).
 */
export function loadUPlot(): Promise<typeof uPlot> {
  loading ??= import('./uplot-lib').then((mod) => mod.default);
  return loading;
}

/** uPlot wants one shared x array: the union of the series' steps, with null where a series has no point. */
export function align(series: ChartInput): uPlot.AlignedData {
  // Plain (non-reactive) collections on purpose: built and dropped within this call.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const steps = [...new Set(series.flatMap((s) => s.points.steps))].sort((a, b) => a - b);
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const at = new Map(steps.map((s, i) => [s, i]));
  const ys = series.map(({ points }) => {
    const y: (number | null)[] = new Array<number | null>(steps.length).fill(null);
    points.steps.forEach((s, i) => (y[at.get(s)!] = points.values[i]));
    return y;
  });
  return [steps, ...ys] as uPlot.AlignedData;
}

/**
 * Axis colours from the page's theme (CSS custom properties), so the charts follow light and dark: uPlot draws on a
 * canvas and would otherwise keep its black text on a dark page.
 */
export function axisTheme(node: Element): Partial<uPlot.Axis> {
  const css = getComputedStyle(node);
  const fg = css.getPropertyValue('--fg').trim() || '#1b1d22';
  const line = css.getPropertyValue('--border').trim() || '#d9dce3';
  return { stroke: fg, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
}

/** Calls `redraw` when the system switches between light and dark; returns the unsubscribe. */
export function onSchemeChange(redraw: () => void): () => void {
  const query = matchMedia('(prefers-color-scheme: dark)');
  query.addEventListener('change', redraw);
  return () => query.removeEventListener('change', redraw);
}

export function lineChart(
  get: () => ChartInput,
  title: string,
  logScale = false,
  height = 160,
): Attachment<HTMLElement> {
  return (node) => {
    let plot: uPlot | null = null;
    let UPlot: typeof uPlot | null = null;
    let disposed = false;
    let keys = '';
    const width = () => Math.max(200, node.clientWidth || 320);
    const make = (input: ChartInput) => {
      plot?.destroy();
      plot = new UPlot!(
        {
          width: width(),
          height,
          legend: { show: true },
          scales: { x: { time: false }, y: logScale ? { distr: 3 } : {} },
          axes: [
            { label: m.chart_step(), labelSize: 18, size: 30, ...axisTheme(node) },
            // The title is the chart's caption, above it; the axis keeps its width for the numbers.
            { size: 48, ...axisTheme(node) },
          ],
          series: [
            { label: m.chart_step() },
            ...input.map(({ spec }) => ({
              label: seriesLabel(spec),
              stroke: spec.color,
              width: 2,
              spanGaps: true,
            })),
          ],
        },
        align(input),
        node,
      );
    };
    // Each chart redraws in a task of its own, after the update that brought its points: four charts redrawn in
    // the same task as Svelte's flush can add up to a long task on a busy machine.
    let pending: ChartInput | null = null;
    let shown: ChartInput | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const draw = () => {
      timer = null;
      if (!UPlot) {
        // `pending` stays: the first draw after the library arrives shows it.
        void loadUPlot().then((lib) => {
          UPlot = lib;
          if (!disposed) timer ??= setTimeout(draw, 0);
        });
        return;
      }
      const input = pending!;
      pending = null;
      shown = input;
      const k = input.map((s) => s.spec.key).join('|');
      if (!plot || k !== keys) {
        keys = k;
        make(input);
      } else {
        plot.setData(align(input));
      }
      // What the chart holds, read by tests: the steps, then each series' values (null where it has no point).
      node.dataset.points = JSON.stringify(plot!.data);
    };
    $effect(() => {
      pending = get();
      timer ??= setTimeout(draw, 0);
    });
    const resize = new ResizeObserver(() => plot?.setSize({ width: width(), height }));
    resize.observe(node);
    const unscheme = onSchemeChange(() => shown && make(shown));
    return () => {
      disposed = true;
      unscheme();
      if (timer !== null) clearTimeout(timer);
      resize.disconnect();
      plot?.destroy();
      plot = null;
    };
  };
}
