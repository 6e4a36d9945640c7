/** Main-thread side of the worker contract: starts the worker and wraps it. Imports only the API's type. */
import * as Comlink from 'comlink';
import type { WorkerApi } from './api';
import { SPLITS, type SplitName } from './types';

export type Remote = Comlink.Remote<WorkerApi>;

export function startWorker(): { remote: Remote; worker: Worker } {
  const worker = new Worker(new URL('./train.worker.ts', import.meta.url), {
    type: 'module',
    name: 'pagetrain',
  });
  return { remote: Comlink.wrap<WorkerApi>(worker), worker };
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
