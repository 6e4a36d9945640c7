/**
 * Persistence on the worker side: runs, automatic checkpoints, restore, model files out, and the library of imported
 * models, all in IndexedDB. What the run is and when a checkpoint is due is decided by ./run.ts; the files' format
 * and the checks of an uploaded model are ./model-files.ts's.
 *
 * Saving never blocks the page (this is the worker) and barely blocks training: at a checkpoint step the weights and
 * Adam's moments are read back (that waits for the GPU, once), then the IndexedDB write is queued and training goes
 * on. A write failure — a full disk above all — is reported to the page and never stops training; the transaction
 * is aborted whole, so every earlier checkpoint stays as it was.
 */
import { english, textOf } from '../i18n-text';
import { joinTexts, text, type UserText } from '../shared/errors';
import type { TrainConfig } from '../shared/settings';
import type { BuiltModel } from '../ml/models';
import { captureState, restoreState } from '../ml/snapshot';
import type { TrainingState } from '../ml/trainer';
import type { StepLog } from '../shared/step-log';
import * as store from '../store/db';
import {
  RECORD_VERSION,
  type CheckpointReason,
  type CheckpointRecord,
  type FileFingerprint,
  type RunRecord,
} from '../shared/snapshot-types';
import { formatBytes } from '../shared/format';
import { buildImported, filesFor, parseModelFiles, restoreImported, type ParsedModel } from './model-files';
import type { ModelFile, PersistListener, PersistPolicy, StorageListing } from '../shared/persist-types';
import { CurrentRun } from './run';
import type { EvalPoint } from '../shared/worker-types';

export class Persistence {
  readonly #listeners = new Set<PersistListener>();
  readonly #run = new CurrentRun();
  readonly #db: store.Connection;
  #writes: Promise<void> = Promise.resolve();
  /** Imported models read in this worker, by the name they have in `Model`: to rebuild them for a new run. */
  readonly #imported = new Map<string, ParsedModel>();
  /** Names of the imported models saved in IndexedDB (read by key when the database opens). */
  readonly #importedSaved = new Set<string>();

  constructor() {
    this.#db = new store.Connection({
      onBlocking: () => this.#notifyError(store.CLOSED_FOR_UPGRADE),
      onBlocked: () => this.#notifyNotice(store.WAITING_FOR_OTHER_TAB),
      onTerminated: () => this.#notifyError(text('persist_connection_closed')),
      onOpen: async (db) => {
        for (const name of await store.importedNames(db)) this.#importedSaved.add(name);
      },
    });
  }

  #open(): Promise<store.Db> {
    return this.#db.open();
  }

  /** The worker's one connection to the database, for the parts that keep other records (./definitions.ts). */
  database(): Promise<store.Db> {
    return this.#db.open();
  }

  #notifyChange(): void {
    for (const l of this.#listeners) void l.onChange();
  }
  #notifyError(message: UserText | string): void {
    console.error(typeof message === 'string' ? message : english(message));
    for (const l of this.#listeners) void l.onError(message);
  }
  #notifyNotice(message: UserText | string): void {
    for (const l of this.#listeners) void l.onNotice?.(message);
  }

  subscribe(listener: PersistListener): void {
    this.#listeners.add(listener);
  }

  setPolicy(p: Partial<PersistPolicy>): PersistPolicy {
    return this.#run.setPolicy(p);
  }

  /** The current run's last status line (export names it in the training state). */
  get run(): CurrentRun {
    return this.#run;
  }

  /** Training starts (see CurrentRun.begin); the run is saved. `dataset`: the files of the loaded splits. */
  beginTraining(config: TrainConfig, startNew: boolean, dataset: FileFingerprint[]): void {
    const r = this.#run.begin(config, startNew, dataset);
    this.#queue(async () => store.putRun(await this.#open(), r).then(() => this.#notifyChange()));
  }

  recordLog(log: StepLog): void {
    this.#run.recordLog(log);
  }

  /** A validation point made during training: kept in the run's record, saved with its next checkpoint. */
  recordEvalPoint(point: EvalPoint): void {
    this.#run.recordEvalPoint(point);
  }

  recordEvaluation(metrics: Record<string, number>, step: number): void {
    const r = this.#run.recordEvaluation(metrics, step);
    if (r) this.#queue(async () => store.putRun(await this.#open(), r).then(() => this.#notifyChange()));
  }

  /**
   * Keeps a predictions.csv with the run and checkpoint its model came from (the checkpoint saved at this step, if
   * any). The write is queued like the others; it never blocks the page.
   */
  recordPredictions(csv: string, step: number): Promise<void> {
    const run = this.#run.run;
    if (!run) return Promise.resolve();
    const runId = run.id;
    return this.#queue(async () => {
      const d = await this.#open();
      const at = (await store.checkpointsOf(d, runId)).find((c) => c.step === step);
      await store.putPrediction(d, {
        version: 1,
        id: crypto.randomUUID(),
        runId,
        step,
        checkpointId: at?.id ?? null,
        createdAt: Date.now(),
        csv,
      });
    });
  }

  /** The predictions saved for the current run, oldest first. */
  async savedPredictions(): Promise<{ step: number; checkpointId: string | null; rows: number }[]> {
    await this.flush();
    const run = this.#run.run;
    if (!run) return [];
    return (await store.predictionsOf(await this.#open(), run.id)).map((p) => ({
      step: p.step,
      checkpointId: p.checkpointId,
      rows: p.csv.trimEnd().split('\n').length - 1,
    }));
  }

  #queue(write: () => Promise<void>): Promise<void> {
    this.#writes = this.#writes
      .then(write)
      .catch(async (e: Error) => this.#notifyError(await this.#describeWriteError(e)));
    return this.#writes;
  }

  /** What to delete to make room: the oldest unpinned checkpoints, other runs' first, by name and size. */
  async #quotaAdvice(): Promise<UserText> {
    const l = await store.listAll(await this.#open());
    const runName = (id: string) => l.runs.find((r) => r.id === id)?.name ?? text('a_deleted_run');
    const unpinned = l.checkpoints.filter((c) => !c.pinned).sort((a, b) => a.createdAt - b.createdAt);
    const others = unpinned.filter((c) => c.runId !== this.#run.run?.id);
    const pick = (others.length ? others : unpinned).slice(0, 3);
    if (!pick.length) return text('persist_all_pinned');
    const named = joinTexts(
      pick.map((c) =>
        text('persist_checkpoint_item', { step: c.step, run: runName(c.runId), size: formatBytes(c.bytes) }),
      ),
      'text_list',
    );
    return text('persist_delete_advice', { named });
  }

  async #describeWriteError(e: Error): Promise<UserText | string> {
    const error = textOf(e) ?? e.message;
    if (e.name !== 'QuotaExceededError') return error;
    const advice = await this.#quotaAdvice().catch(() => text('persist_delete_generic'));
    return text('persist_quota', { error, advice });
  }

  /** Waits until every queued write has finished. */
  flush(): Promise<void> {
    return this.#writes;
  }

  /**
   * Takes a checkpoint of the current state. The read-back is awaited; the write is queued (awaited only when `wait`).
   * Never throws for a failed write: the page hears of it through its listener.
   */
  async checkpoint(
    state: TrainingState,
    config: TrainConfig,
    reason: CheckpointReason,
    learningRate: number,
    wait = false,
  ): Promise<void> {
    const current = this.#run;
    if (!current.unsaved(state.globalStep)) {
      if (wait) await this.flush();
      return;
    }
    // Reading the weights back waits for the GPU to finish the steps queued so far.
    const snap = await captureState(state);
    const record: CheckpointRecord = {
      version: RECORD_VERSION,
      id: crypto.randomUUID(),
      runId: current.run!.id,
      ...snap,
      learningRate,
      reason,
      createdAt: Date.now(),
      pinned: false,
      metrics: current.metricsAt(state.globalStep),
      config,
    };
    const r = current.saved(record.step);
    const keep = current.policy.keepLast;
    const done = this.#queue(async () => {
      await store.saveCheckpoint(await this.#open(), r, record, keep);
      this.#notifyChange();
    });
    if (wait) await done;
  }

  /** The `between` hook's part: a checkpoint every `everySteps` steps. */
  async maybeCheckpoint(state: TrainingState, config: TrainConfig, learningRate: number): Promise<void> {
    if (this.#run.due(state.globalStep)) await this.checkpoint(state, config, 'interval', learningRate);
  }

  async listing(): Promise<StorageListing> {
    await this.flush();
    const l = await store.listAll(await this.#open());
    return {
      ...l,
      policy: this.#run.policy,
      currentRunId: this.#run.run?.id ?? null,
      importedModels: this.importedNames(),
    };
  }

  /** Loads a checkpoint: weights, Adam state, step and epoch; its run becomes the current one (history included). */
  async restore(id: string): Promise<{ state: TrainingState; config: TrainConfig; run: RunRecord | null }> {
    await this.flush();
    const d = await this.#open();
    const c = await store.getCheckpoint(d, id);
    const state = await restoreState(c, c.config);
    const shown = this.#run.restored(await store.getRun(d, c.runId), c.step);
    return { state, config: { ...c.config, startNewModel: false }, run: shown };
  }

  async remove(id: string): Promise<void> {
    await this.flush();
    await store.deleteCheckpoint(await this.#open(), id);
    this.#notifyChange();
  }

  async pin(id: string, pinned: boolean): Promise<void> {
    await this.flush();
    await store.setPinned(await this.#open(), id, pinned);
    this.#notifyChange();
  }

  async removeRun(id: string): Promise<void> {
    await this.flush();
    await store.deleteRun(await this.#open(), id);
    this.#run.deleted(id);
    this.#notifyChange();
  }

  async checkpointFiles(id: string): Promise<ModelFile[]> {
    await this.flush();
    return filesFor(await store.getCheckpoint(await this.#open(), id));
  }

  async exportFiles(state: TrainingState, config: TrainConfig, learningRate: number): Promise<ModelFile[]> {
    const snap = await captureState(state);
    return filesFor({ ...snap, learningRate, config, metrics: this.#run.run?.history.at(-1) ?? null });
  }

  // ---- The library of imported models ----

  importedNames(): string[] {
    return [...new Set([...this.#importedSaved, ...this.#imported.keys()])].sort();
  }

  /** Whether `name` is an imported model (saved in an earlier session or imported in this one). */
  async isImported(name: string): Promise<boolean> {
    if (this.#imported.has(name)) return true;
    await this.#open().catch(() => null);
    return this.#importedSaved.has(name);
  }

  /** An imported model's parsed files: from memory, or read from IndexedDB and checked again as on import. */
  async #importedModel(name: string): Promise<ParsedModel | null> {
    const known = this.#imported.get(name);
    if (known) return known;
    if (!(await this.isImported(name))) return null;
    const record = await store.getImported(await this.#open(), name);
    if (!record) return null;
    const parsed = await parseModelFiles(record.files.map((f) => new File([f.data], f.name)));
    this.#imported.set(name, parsed);
    return parsed;
  }

  /** A fresh copy of an imported model (its uploaded weights, or fresh ones), or null for another name. */
  async buildImported(name: string): Promise<BuiltModel | null> {
    const p = await this.#importedModel(name);
    return p ? buildImported(p) : null;
  }

  /**
   * Validates and loads uploaded model files; the model becomes the current one, under a name `Model` can offer, and
   * belongs to no run until it trains.
   */
  async importModel(
    files: File[],
    current: TrainConfig,
  ): Promise<{ name: string; state: TrainingState; config: TrainConfig; withWeights: boolean }> {
    const parsed = await parseModelFiles(files);
    await this.#open().catch(() => null); // the names saved earlier, so a new name does not replace one
    const taken = new Set(this.importedNames());
    let name = parsed.name;
    for (let i = 2; taken.has(name); i++) name = `${parsed.name} (${i})`;
    const config: TrainConfig = { ...(parsed.state?.config ?? current), model: name, startNewModel: false };
    const state = await restoreImported(parsed, config);
    this.#imported.set(name, parsed);
    this.#run.forget();
    // Kept as the files came (only those it was read from), so a reload lists it in `Model` and loads it the same way.
    const record: store.ImportedModelRecord = {
      version: 1,
      name,
      importedAt: Date.now(),
      files: await Promise.all(parsed.used.map(async (f) => ({ name: f.name, data: await f.arrayBuffer() }))),
    };
    await this.#queue(async () => {
      await store.putImported(await this.#open(), record);
      this.#notifyChange();
    });
    return { name, state, config, withWeights: parsed.weights !== null };
  }

  /** Forgets an imported model: its saved files and its name in `Model`. A model in use stays in use until replaced. */
  async deleteImportedModel(name: string): Promise<void> {
    await this.#queue(async () => {
      await store.deleteImported(await this.#open(), name);
      this.#imported.delete(name);
      this.#importedSaved.delete(name);
      this.#notifyChange();
    });
  }
}
