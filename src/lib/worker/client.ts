/** Main-thread side of the worker contract: starts the worker, wraps it, and notices when it dies. */
import * as Comlink from 'comlink';
import type { WorkerApi } from './api';
import type { CalibrationApi } from './calibrate.worker';
import { SPLITS, type SplitName } from '../shared/worker-types';
import { installErrorTransfer } from './error-transfer';
import { text, type UserText } from '../shared/errors';

installErrorTransfer();

export type Remote = Comlink.Remote<WorkerApi>;

export interface WorkerHandle {
  remote: Remote;
  worker: Worker;
  /** A Web Lock the worker holds for as long as it lives (passed to `init`). */
  lockName: string;
  /** Ends the worker on purpose (no "lost" report). */
  terminate(): void;
  /** Starts watching for the worker's death; call once `init` (which takes the lock) has returned. */
  watch(): void;
  /** Reports the worker lost (e.g. its GPU device is gone) and ends it. */
  lost(reason: UserText | string): void;
}

/**
 * Starts the training worker. `onLost` is called once if the worker dies on its own: an uncaught error in it, or it
 * ending for any reason (out of memory, closed, crashed). Death is seen through a Web Lock the worker holds: the
 * browser releases it when the worker's context goes away, and the page's waiting request is then granted.
 */
export function startWorker(onLost: (reason: UserText | string) => void): WorkerHandle {
  const worker = new Worker(new URL('./train.worker.ts', import.meta.url), {
    type: 'module',
    name: 'pagetrain',
  });
  const lockName = `pagetrain-worker-${crypto.randomUUID()}`;
  let ended = false;
  const lost = (reason: UserText | string) => {
    if (ended) return;
    ended = true;
    worker.terminate();
    onLost(reason);
  };
  worker.addEventListener('error', (e) => {
    lost(e.message ? text('worker_uncaught_error', { error: e.message }) : text('worker_uncaught'));
  });
  return {
    remote: Comlink.wrap<WorkerApi>(worker),
    worker,
    lockName,
    terminate() {
      ended = true;
      worker.terminate();
    },
    lost,
    watch() {
      void navigator.locks.request(lockName, () => lost(text('worker_stopped_unexpectedly')));
    },
  };
}

export const proxy = Comlink.proxy;

/** Absolute URLs of the bundled sample's three files, served from the app's own origin under `public/sample/`. */
export function sampleUrls(baseUrl: string): Record<SplitName, string> {
  const base = new URL(baseUrl, document.baseURI);
  return Object.fromEntries(SPLITS.map((s) => [s, new URL(`sample/${s}.tfrecords`, base).href])) as Record<
    SplitName,
    string
  >;
}

/** Starts a calibration worker (./calibrate.worker.ts) for one measurement; `terminate` ends it. */
export function startCalibration(): { remote: Comlink.Remote<CalibrationApi>; terminate(): void } {
  const worker = new Worker(new URL('./calibrate.worker.ts', import.meta.url), {
    type: 'module',
    name: 'pagetrain-calibration',
  });
  return { remote: Comlink.wrap<CalibrationApi>(worker), terminate: () => worker.terminate() };
}
