/**
 * The page's view of what is saved: runs, checkpoints, storage use, imported models. The database lives in
 * the worker; this class asks it for listings (records without their weights) and hears when they change.
 */
import type { TrainConfig } from '../shared/settings';
import { downloadBlob } from './download';
import { formatBytes } from '../shared/format';
import { proxy, type Remote } from '../worker/client';
import type { CheckpointMeta, RunRecord } from '../shared/snapshot-types';
import type { ImportResult, PersistPolicy, RestoreResult } from '../shared/persist-types';
import type { HistoryEntry } from '../shared/step-log';
import type { UserText } from '../shared/errors';
import { withLiveHistory } from './history.svelte';
import { m } from '../../paraglide/messages.js';

const POLICY_KEY = 'pagetrain.checkpointPolicy';

export interface StorageFigures {
  usage: number;
  quota: number;
  persisted: boolean;
}

/** What PersistState needs of the page: the worker, the settings, and where to tell what happened. */
export interface PersistHooks {
  /** The current worker (a new one after a restart). */
  remote: () => Remote;
  /** The settings an imported model starts from. */
  config: () => TrainConfig;
  /** The page's training history, for the run in training (drawn as far as it goes, not as far as it was saved). */
  history: () => readonly HistoryEntry[];
  /** `what` failed because of `e` (shown in the page's one alert). */
  fail: (what: () => string, e: unknown) => void;
  /** A line for the log. */
  note: (line: UserText | string) => void;
  /** The worker now holds a checkpoint's model, its settings and its run (history up to the checkpoint's step). */
  onRestored: (r: RestoreResult) => void;
  /** The worker now holds an imported model (no run, no history). */
  onImported: (r: ImportResult) => void;
  /** An imported model was deleted: a page that had it chosen chooses another. */
  onImportedDeleted: (name: string) => void;
}

export class PersistState {
  #hooks: PersistHooks;

  runs = $state.raw<RunRecord[]>([]);
  checkpoints = $state.raw<CheckpointMeta[]>([]);
  problems = $state.raw<string[]>([]);
  policy = $state<PersistPolicy>({ everySteps: 1000, keepLast: 5 });
  currentRunId = $state<string | null>(null);
  storage = $state<StorageFigures | null>(null);
  importedModels = $state<string[]>([]);
  /** Runs picked to compare (their curves overlaid, settings side by side). */
  selected = $state<string[]>([]);
  /** A save failed for lack of space: what to delete. Cleared by the next successful change. */
  saveError = $state.raw<UserText | string | null>(null);
  busy = $state(false);

  compared = $derived(
    this.runs
      .filter((r) => this.selected.includes(r.id))
      .map((r) => withLiveHistory(r, this.currentRunId, this.#hooks.history)),
  );

  constructor(hooks: PersistHooks) {
    this.#hooks = hooks;
  }

  async init(): Promise<void> {
    await this.#hooks.remote().watchStorage(
      proxy({
        onChange: () => void this.refresh(),
        onError: (message: UserText | string) => {
          this.saveError = message;
          this.#hooks.fail(m.saving_failed, message);
          void this.estimate();
        },
        onNotice: (message: UserText | string) => this.#note(message),
      }),
    );
    // The policy is a page setting: kept in localStorage so a reload keeps it, handed to the worker at start.
    try {
      const saved = JSON.parse(localStorage.getItem(POLICY_KEY) ?? 'null') as Partial<PersistPolicy> | null;
      if (saved) this.policy = await this.#hooks.remote().setCheckpointPolicy(saved);
    } catch (e) {
      console.warn('pagetrain: ignoring the saved checkpoint settings', e);
    }
    await this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      const l = await this.#hooks.remote().storage();
      this.runs = l.runs;
      this.checkpoints = l.checkpoints;
      this.policy = l.policy;
      this.currentRunId = l.currentRunId;
      this.importedModels = l.importedModels;
      if (l.problems.length && l.problems.join('\n') !== this.problems.join('\n')) {
        const count = l.problems.length;
        this.#hooks.fail(() => m.records_skipped({ count }), new Error(l.problems.join('; ')));
      }
      this.problems = l.problems;
    } catch (e) {
      this.#hooks.fail(m.could_not_read_saved, e);
    }
    await this.estimate();
  }

  async estimate(): Promise<void> {
    if (!navigator.storage?.estimate) return;
    const [e, persisted] = await Promise.all([
      navigator.storage.estimate(),
      navigator.storage.persisted?.() ?? Promise.resolve(false),
    ]);
    this.storage = { usage: e.usage ?? 0, quota: e.quota ?? 0, persisted };
  }

  async requestPersistent(): Promise<void> {
    const granted = (await navigator.storage?.persist?.()) ?? false;
    this.#note(granted ? m.storage_persistent() : m.storage_declined());
    await this.estimate();
  }

  #note(line: UserText | string): void {
    this.#hooks.note(line);
  }

  async #job(what: () => string, fn: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await fn();
    } catch (e) {
      this.#hooks.fail(what, e);
    } finally {
      this.busy = false;
    }
  }

  async setPolicy(p: Partial<PersistPolicy>): Promise<void> {
    await this.#job(m.could_not_change_policy, async () => {
      this.policy = await this.#hooks.remote().setCheckpointPolicy(p);
      localStorage.setItem(POLICY_KEY, JSON.stringify(this.policy));
    });
  }

  restore(c: CheckpointMeta): Promise<void> {
    return this.#job(m.could_not_restore, async () => {
      const r = await this.#hooks.remote().restoreCheckpoint(c.id);
      this.currentRunId = r.run?.id ?? null;
      this.#hooks.onRestored(r);
      this.#note(
        m.restored_checkpoint({ step: r.step, epoch: r.epoch, run: r.run?.name ?? m.a_deleted_run() }),
      );
    });
  }

  #save(prefix: string, files: { name: string; type: string; data: ArrayBuffer }[]): void {
    for (const f of files) downloadBlob(`${prefix}${f.name}`, new Blob([f.data], { type: f.type }));
  }

  download(c: CheckpointMeta): Promise<void> {
    return this.#job(m.could_not_download_checkpoint, async () => {
      this.#save('', await this.#hooks.remote().checkpointFiles(c.id));
    });
  }

  remove(c: CheckpointMeta): Promise<void> {
    return this.#job(m.could_not_delete_checkpoint, async () => {
      await this.#hooks.remote().deleteCheckpoint(c.id);
      this.saveError = null;
      this.#note(m.deleted_checkpoint({ step: c.step }));
    });
  }

  pin(c: CheckpointMeta, pinned: boolean): Promise<void> {
    return this.#job(m.could_not_pin, () => this.#hooks.remote().pinCheckpoint(c.id, pinned));
  }

  removeRun(r: RunRecord): Promise<void> {
    return this.#job(m.could_not_delete_run, async () => {
      await this.#hooks.remote().deleteRun(r.id);
      this.selected = this.selected.filter((id) => id !== r.id);
      this.saveError = null;
      this.#note(m.deleted_run({ name: r.name }));
    });
  }

  toggle(id: string): void {
    this.selected = this.selected.includes(id)
      ? this.selected.filter((s) => s !== id)
      : [...this.selected, id];
  }

  exportModel(): Promise<void> {
    return this.#job(m.could_not_export, async () => {
      this.#save('', await this.#hooks.remote().exportModel());
      this.#note(m.exported_model());
    });
  }

  importModel(files: File[]): Promise<void> {
    if (!files.length) return Promise.resolve();
    return this.#job(m.could_not_import_model, async () => {
      const r = await this.#hooks.remote().importModel(files, this.#hooks.config());
      if (!this.importedModels.includes(r.name)) this.importedModels = [...this.importedModels, r.name];
      this.#hooks.onImported(r);
      this.#note(
        r.withWeights
          ? m.imported_with_weights({ name: r.name, step: r.step })
          : m.imported_without_weights({ name: r.name }),
      );
    });
  }

  /** Deletes an imported model; `Model` falls back to the default if it was chosen. */
  deleteImported(name: string): Promise<void> {
    return this.#job(
      () => m.could_not_delete_model({ name }),
      async () => {
        await this.#hooks.remote().deleteImportedModel(name);
        this.importedModels = this.importedModels.filter((n) => n !== name);
        this.#hooks.onImportedDeleted(name);
        this.#note(m.deleted_imported_model({ name }));
      },
    );
  }

  runName(id: string): string {
    return this.runs.find((r) => r.id === id)?.name ?? m.deleted_run_name();
  }

  describeStorage(): string {
    const s = this.storage;
    if (!s) return m.storage_unavailable();
    const figures = { used: formatBytes(s.usage), quota: formatBytes(s.quota) };
    return s.persisted ? m.storage_used_persistent(figures) : m.storage_used(figures);
  }
}
