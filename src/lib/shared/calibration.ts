/**
 * Backend calibration (#19): which tfjs backend trains the chosen model fastest on this machine, measured by a few
 * steps on each backend that can train it (worker/calibrate.ts), cached per WebGPU adapter and model on the page. Pure:
 * no tfjs, no DOM.
 */
import type { UserText } from './errors';
import type { BackendName } from './worker-types';

/** The backends calibration tries, in the order it tries them. */
export const CALIBRATED: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

/** What is measured: the model (its name; a custom one's definition goes with it), its input, the batch. */
export interface CalibrationSpec {
  model: string;
  inputShape: [number, number, number];
  numClasses: number;
  batchSize: number;
  /** The "Fused WebGPU kernels" setting: on webgpu LogisticModel then trains with them, as a run would. */
  fusedKernels: boolean;
}

/** One backend's figure: examples/second over the timed steps, or why it could not train the model. */
export interface BackendFigure {
  backend: BackendName;
  examplesPerSec: number | null;
  steps: number;
  reason?: UserText | string;
}

export interface Calibration {
  /** The WebGPU adapter of the machine (its vendor, architecture and description), or '' without WebGPU. */
  adapter: string;
  model: string;
  batchSize: number;
  figures: BackendFigure[];
  /** When it was measured (ms since the epoch). */
  at: number;
}

/** The backend with the highest measured figure, or null when none trained. */
export function fastest(c: Pick<Calibration, 'figures'>): BackendName | null {
  let best: BackendFigure | null = null;
  for (const f of c.figures)
    if (f.examplesPerSec !== null && (!best || f.examplesPerSec > best.examplesPerSec!)) best = f;
  return best?.backend ?? null;
}

/** The figures fastest first, as the page lists them (backends that could not train last). */
export function ranked(c: Pick<Calibration, 'figures'>): BackendFigure[] {
  return [...c.figures].sort((a, b) => (b.examplesPerSec ?? -1) - (a.examplesPerSec ?? -1));
}

/** A WebGPU adapter as one string (vendor, architecture, description): the cache key's machine part. */
export function adapterLabel(
  info: { vendor?: string; architecture?: string; description?: string } | null,
): string {
  if (!info) return '';
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
}

/** The cache key of a calibration: per adapter, model and batch size (a custom model's definition changes it). */
export function calibrationKey(adapter: string, model: string, batchSize: number, definition = ''): string {
  return `pagetrain-calibration\u0000${adapter}\u0000${model}\u0000${batchSize}\u0000${definition}`;
}
