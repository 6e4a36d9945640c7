/**
 * The data the page has loaded: each split's summary as the worker read it, the reading's progress, and where each
 * split came from (File handles, not bytes, or the bundled sample), so that a new worker can read it all again.
 * A failed read throws and changes nothing: the split keeps what it had.
 */
import { proxy, sampleUrls, type Remote } from '../worker/client';
import { m } from '../../paraglide/messages.js';
import type { UserText } from '../shared/errors';
import type { LabelMisfit } from '../shared/label-fit';
import type { LoadOptions, LoadProgress, SplitName, SplitSummary } from '../shared/worker-types';

export const SPLIT_LABEL: Record<SplitName, () => string> = {
  train: m.split_train,
  validation: m.split_validation,
  test: m.split_test,
};

/** Where a split's data came from. */
type Source = { kind: 'files'; files: File[] } | { kind: 'sample' };

export interface LoadedDataHooks {
  /** The current worker (a new one after a restart). */
  remote: () => Remote;
  /** A line for the log. */
  note: (line: UserText | string) => void;
  /** A label beyond the training and validation data's classes (shared/label-fit.ts): the data stay loaded. */
  misfit: (f: LabelMisfit<SplitName>) => void;
}

export class LoadedData {
  #hooks: LoadedDataHooks;
  #sources: Partial<Record<SplitName, Source>> = {};

  splits = $state<Partial<Record<SplitName, SplitSummary>>>({});
  /** The read going on, or null. */
  progress = $state<LoadProgress | null>(null);

  #onProgress = proxy((p: LoadProgress) => {
    this.progress = p;
  });

  constructor(hooks: LoadedDataHooks) {
    this.#hooks = hooks;
  }

  /** Reads files into a split; without files, reads the split's last files again (with other options). */
  async load(split: SplitName, files: File[] | null, options: LoadOptions = {}): Promise<void> {
    const remote = this.#hooks.remote();
    try {
      const summary = files
        ? await remote.loadFiles(split, files, this.#onProgress, options)
        : await remote.reloadSplit(split, options, this.#onProgress);
      this.splits = { ...this.splits, [split]: summary };
      if (files) this.#sources[split] = { kind: 'files', files };
      const loaded = {
        count: summary.files.length,
        label: SPLIT_LABEL[split](),
        n: summary.count,
        files: summary.files.length,
      };
      this.#hooks.note(
        summary.skipped
          ? m.loaded_split_skipped({ ...loaded, skipped: summary.skipped })
          : m.loaded_split(loaded),
      );
      if (summary.labelMisfit) this.#hooks.misfit(summary.labelMisfit);
    } finally {
      this.progress = null;
    }
  }

  /** Fetches the bundled sample and reads all three splits from it. */
  async loadSample(): Promise<void> {
    try {
      const urls = sampleUrls(import.meta.env.BASE_URL);
      const summaries = await this.#hooks.remote().loadSample(urls, this.#onProgress);
      const next = { ...this.splits };
      for (const s of summaries) {
        next[s.split] = s;
        this.#sources[s.split] = { kind: 'sample' };
      }
      this.splits = next;
      this.#hooks.note(m.loaded_sample({ splits: summaries.map((s) => `${s.split} ${s.count}`).join(', ') }));
      const misfit = summaries.find((s) => s.labelMisfit)?.labelMisfit;
      if (misfit) this.#hooks.misfit(misfit);
    } finally {
      this.progress = null;
    }
  }

  /** Where the loaded splits came from: whether the sample, and the splits read from the user's files. */
  sources(): { sample: boolean; files: [SplitName, File[]][] } {
    const all = Object.entries(this.#sources) as [SplitName, Source][];
    return {
      sample: all.some(([, s]) => s.kind === 'sample'),
      files: all.flatMap(([split, s]) =>
        s.kind === 'files' ? [[split, s.files] as [SplitName, File[]]] : [],
      ),
    };
  }
}
