/**
 * The training worker as the page holds it: started, watched for its death, and started afresh after it; and the
 * page's other tabs, told over a BroadcastChannel when this one trains (and telling it when they do).
 */
import { proxy, startWorker, type Remote, type WorkerHandle } from '../worker/client';
import type { UserText } from '../shared/errors';
import type { BackendInfo } from '../shared/worker-types';

export class WorkerLink {
  #handle!: WorkerHandle;
  #onLost: () => void;
  /** The current worker's API. */
  remote!: Remote;
  /** Set when the worker died or lost its GPU: the page offers a restart. */
  lost = $state.raw<UserText | string | null>(null);
  /** Another tab of the app is training. */
  otherTabTraining = $state(false);
  #channel: BroadcastChannel | null =
    typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('pagetrain');

  /** `onLost`: the current worker died (calls in flight on it never settle: the page frees itself of them). */
  constructor(onLost: () => void) {
    this.#onLost = onLost;
    this.spawn();
    if (this.#channel) {
      this.#channel.onmessage = (e: MessageEvent<{ training: boolean }>) =>
        (this.otherTabTraining = e.data.training);
    }
  }

  /** Starts a worker (the one before, if any, is ended first). */
  spawn(): void {
    this.#handle?.terminate();
    const handle = startWorker((reason) => {
      if (handle !== this.#handle) return;
      console.error('pagetrain: worker lost:', reason);
      this.lost = reason;
      this.announceTraining(false);
      this.#onLost();
    });
    this.#handle = handle;
    this.remote = handle.remote;
    this.lost = null;
  }

  /** Starts tfjs in the worker, then watches the worker for its death (its GPU device's too). */
  async init(): Promise<BackendInfo> {
    const handle = this.#handle;
    const backend = await this.remote.init(
      'webgpu',
      handle.lockName,
      proxy((reason: UserText) => handle.lost(reason)),
    );
    handle.watch();
    return backend;
  }

  announceTraining(training: boolean): void {
    this.#channel?.postMessage({ training });
  }
}
