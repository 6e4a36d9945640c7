/**
 * What the page shows about the training going on now, beside its history: the ETA, and tf.memory() after each
 * epoch. Fed by AppState's training callbacks; a new training starts it afresh (the curves live in the history).
 */
import { etaSeconds, tensorGrowth, type ProgressSample } from '../shared/eta';
import type { EpochMemory, Progress } from '../shared/worker-types';

/** tf.memory() after an epoch, GPU bytes included where the backend reports them. */
export type MemoryPoint = EpochMemory;

export class TrainingMonitor {
  memory = $state.raw<MemoryPoint[]>([]);
  /** Recent progress samples for the ETA; cleared on pause. */
  #samples: ProgressSample[] = [];
  eta = $state<number | null>(null);

  leak = $derived(tensorGrowth(this.memory.map((m) => m.numTensors)));

  /** A new training: clears the memory history and the ETA. */
  reset(): void {
    this.memory = [];
    this.#samples = [];
    this.eta = null;
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
}
