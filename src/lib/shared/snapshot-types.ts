/**
 * A training state as plain data, and the records that keep it: a checkpoint is a snapshot plus its metadata, a run
 * is its settings, its data's fingerprint and its metric history. Types only (and the records' format version):
 * the worker makes and restores snapshots (ml/snapshot.ts), the store validates and keeps the records
 * (store/records.ts, store/db.ts), the page lists them.
 */
import type { TrainConfig } from './settings';
import type { HistoryEntry } from './step-log';
import type { EvalPoint } from './worker-types';

/** The format of the records below. A change that old code cannot read bumps it (and the DB version). */
export const RECORD_VERSION = 1;

/** One tensor in a weight buffer: the layout of tfjs's `WeightsManifestEntry` without quantization. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Tensors packed back to back, little-endian, in `specs` order (tfjs's `encodeWeights` layout). */
export interface WeightBuffer {
  specs: WeightSpec[];
  data: ArrayBuffer;
}

/** A training state as data: the model, Adam's state, the step and the place in the epoch's shuffle. */
export interface StateSnapshot {
  step: number;
  epoch: number;
  /** Examples of `epoch` already trained on: resuming continues that epoch's shuffle at the next batch. */
  epochExamples: number;
  /** The model: Keras-style topology JSON (tfjs `model.toJSON`), its weights. */
  model: { topology: Record<string, unknown>; weights: WeightBuffer };
  /** Adam's state from `optimizer.getWeights()`: `iter` first, then every first moment, then every second. */
  optimizer: WeightBuffer;
  /** Which of `model.weights` (by index) the L2 term applies to, and its scale. */
  regularized: { index: number; l2: number }[];
}

/**
 * How a file's fingerprint was made: `sha256` of its whole bytes (files up to 3 MiB); `sha256-sample` of its size
 * and three 1 MiB slices, at its head, middle and tail (larger files, see store/records.ts's fingerprintBytes);
 * `unrecorded` for a large file in a record saved before the method was kept (then the field was called `sha256`,
 * and a large file was hashed either way, depending on the version that saved it).
 */
export type FingerprintMethod = 'sha256' | 'sha256-sample' | 'unrecorded';

/** One training file, recognised by name, size and a hash of its bytes (all of them, or a sample: `method`). */
export interface FileFingerprint {
  split: string;
  name: string;
  size: number;
  /** Hex digest. */
  fingerprint: string;
  method: FingerprintMethod;
}

export interface FinalMetrics {
  step: number;
  /** Last logged training batch. */
  loss: number | null;
  hitAt1: number | null;
  /** Last Evaluate on the validation split, by metric name (Hit@1, PERR, GAP, MAP, Loss, Accuracy). */
  evaluation: Record<string, number> | null;
}

export interface RunRecord {
  version: typeof RECORD_VERSION;
  id: string;
  name: string;
  config: TrainConfig;
  dataset: FileFingerprint[];
  history: HistoryEntry[];
  /**
   * The evaluations on the validation split made during training, in step order, so a restored run draws its
   * validation curve too. A run saved before they were kept has none: it is read with an empty list.
   */
  evals: EvalPoint[];
  createdAt: number;
  updatedAt: number;
  globalStep: number;
  final: FinalMetrics | null;
}

export type CheckpointReason = 'interval' | 'end' | 'stopped' | 'manual';

/** A checkpoint: a snapshot and what it belongs to. */
export interface CheckpointRecord extends StateSnapshot {
  version: typeof RECORD_VERSION;
  id: string;
  runId: string;
  learningRate: number;
  reason: CheckpointReason;
  createdAt: number;
  pinned: boolean;
  /** Numbers of the last status line before this checkpoint, if any. */
  metrics: HistoryEntry | null;
  config: TrainConfig;
}

/** A checkpoint without its buffers: what lists show. */
export type CheckpointMeta = Omit<CheckpointRecord, 'model' | 'optimizer'> & { bytes: number };
