/**
 * The training worker's parse workers: one per core besides the training worker's own (at most MAX_PARSE_WORKERS),
 * started on the first large split and kept for the next. They read pieces of a split while the training worker
 * reads the first share itself (tfrecord/parallel.ts).
 */
import * as Comlink from 'comlink';
import type { FeatureSchema, LoadedSplit } from '../tfrecord';
import type { PieceOptions, PieceReader } from '../tfrecord/parallel';
import type { ParseWorkerApi } from './parse.worker';

export const MAX_PARSE_WORKERS = 8;

interface ParseWorker {
  worker: Worker;
  remote: Comlink.Remote<ParseWorkerApi>;
  /** Rejects if the worker dies: a Comlink call to a dead worker would never settle. */
  died: Promise<never>;
}

export class ParsePool implements PieceReader {
  readonly concurrency: number;
  #workers: (ParseWorker | undefined)[] = [];

  constructor(concurrency = Math.min(MAX_PARSE_WORKERS, (navigator.hardwareConcurrency || 1) - 1)) {
    this.concurrency = Math.max(0, concurrency);
  }

  #worker(k: number): ParseWorker {
    const existing = this.#workers[k];
    if (existing) return existing;
    const worker = new Worker(new URL('./parse.worker.ts', import.meta.url), {
      type: 'module',
      name: `pagetrain-parse-${k + 1}`,
    });
    const died = new Promise<never>((_, reject) =>
      worker.addEventListener('error', (e) => reject(new Error(`a parse worker failed: ${e.message}`))),
    );
    const w: ParseWorker = { worker, remote: Comlink.wrap<ParseWorkerApi>(worker), died };
    // A dead worker is replaced on the next read.
    died.catch(() => {
      worker.terminate();
      if (this.#workers[k] === w) this.#workers[k] = undefined;
    });
    this.#workers[k] = w;
    return w;
  }

  /** Reads a piece on worker `options.worker`; pieces given to one worker are read side by side. */
  read(piece: Blob, name: string, schema: FeatureSchema, options: PieceOptions): Promise<LoadedSplit> {
    const w = this.#worker(options.worker % this.concurrency);
    const onProgress = options.onProgress && Comlink.proxy(options.onProgress);
    return Promise.race([
      w.remote.read(
        piece,
        name,
        schema,
        { skipBadRecords: options.skipBadRecords, requireLabels: options.requireLabels },
        onProgress,
      ),
      w.died,
    ]);
  }
}
