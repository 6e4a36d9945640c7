/**
 * The page's side of backend calibration (#19): looks up the figures measured for this machine's WebGPU adapter and
 * the chosen model in localStorage, measures them on request in a calibration worker (worker/calibrate.ts), and says
 * which backend they name. The user's choice of backend stays theirs: nothing here switches it.
 */
import { proxy, startCalibration } from '../worker/client';
import {
  adapterLabel,
  calibrationKey,
  fastest,
  type BackendFigure,
  type Calibration,
  type CalibrationSpec,
} from '../shared/calibration';
import type { ModelDefinition } from '../model-spec/format';
import type { BackendName } from '../shared/worker-types';

/** The cache's entry for what `spec` describes: its key. */
async function keyFor(
  spec: Pick<CalibrationSpec, 'model' | 'batchSize'>,
  definition: ModelDefinition | null,
) {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const info = gpu
    ? ((await gpu.requestAdapter({ powerPreference: 'high-performance' }))?.info ?? null)
    : null;
  return calibrationKey(
    adapterLabel(info),
    spec.model,
    spec.batchSize,
    definition ? JSON.stringify(definition) : '',
  );
}

function read(key: string): Calibration | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as Calibration) : null;
  } catch {
    return null;
  }
}

export class CalibrationState {
  /** The figures for the model last looked up, or null when it was never measured on this machine. */
  measured = $state<Calibration | null>(null);
  /** Figures of a measurement under way, as each backend finishes. */
  partial = $state<BackendFigure[]>([]);
  running = $state(false);
  /** Which lookup is current (a later one wins over an earlier one still in flight). */
  #lookup = 0;

  /** The backend the figures name, or null without figures. */
  get fastest(): BackendName | null {
    return this.measured ? fastest(this.measured) : null;
  }

  /** Shows the cached figures for this model and batch size on this machine (none: nothing is suggested). */
  async lookup(
    spec: Pick<CalibrationSpec, 'model' | 'batchSize'>,
    definition: ModelDefinition | null,
  ): Promise<void> {
    const n = ++this.#lookup;
    const found = read(await keyFor(spec, definition));
    if (n === this.#lookup && !this.running) this.measured = found;
  }

  /** Measures every backend on this machine for `spec` (a few steps each), caches and shows the figures. */
  async measure(spec: CalibrationSpec, definition: ModelDefinition | null): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.partial = [];
    this.#lookup++;
    const worker = startCalibration();
    try {
      const c = await worker.remote.calibrate(
        $state.snapshot(spec) as CalibrationSpec,
        definition ? ($state.snapshot(definition) as ModelDefinition) : undefined,
        proxy((f: BackendFigure) => {
          this.partial = [...this.partial, f];
        }),
      );
      try {
        localStorage.setItem(await keyFor(spec, definition), JSON.stringify(c));
      } catch {
        // A full or disabled storage only loses the cache: the figures are still shown.
      }
      this.measured = c;
    } finally {
      worker.terminate();
      this.running = false;
      this.partial = [];
    }
  }
}
