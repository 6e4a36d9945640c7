/** Types of the persistence part of the worker contract; safe for the page to import (no tfjs). */
import type { UserText } from './errors';
import type { TrainConfig } from './settings';
import type { CheckpointMeta, RunRecord } from './snapshot-types';
import type { ModelDefinition } from '../model-spec/format';

/** What is saved, as lists show it. */
export interface Listing {
  runs: RunRecord[];
  checkpoints: CheckpointMeta[];
  /** One line per record that could not be read (it is skipped, never deleted). */
  problems: string[];
}

export interface PersistPolicy {
  /** A checkpoint every this many steps (the starter code exported every 1,000). */
  everySteps: number;
  /** Unpinned checkpoints kept per run; older ones are deleted. */
  keepLast: number;
}

export interface StorageListing extends Listing {
  policy: PersistPolicy;
  /** The run the model in the worker belongs to. */
  currentRunId: string | null;
  /** Imported models saved in this browser, by the name `Model` offers them under. */
  importedModels: string[];
}

/** A file to hand to the user (the page turns it into a download). */
export interface ModelFile {
  name: string;
  type: string;
  data: ArrayBuffer;
}

/** Told when checkpoints or runs change, and when a save fails (the message says what to delete). */
export interface PersistListener {
  onChange(): void;
  onError(message: UserText | string): void;
  /** Something to tell the user that is not a failure (waiting for another tab). */
  onNotice?(message: UserText | string): void;
}

export interface RestoreResult {
  step: number;
  epoch: number;
  config: TrainConfig;
  run: RunRecord | null;
}

export interface ImportResult {
  name: string;
  withWeights: boolean;
  step: number;
  config: TrainConfig;
}

/** The custom model definitions saved in this browser; `skipped`: one line per record that no longer validates. */
export interface SavedDefinitions {
  definitions: ModelDefinition[];
  skipped: string[];
}
