/**
 * Types and constants of the worker contract that the main thread may import as values: nothing here pulls in
 * tfjs (type imports are erased).
 */
import type { LabelMisfit } from './label-fit';
import type { FeatureInfo, FeatureSchema, SchemaOverride } from '../tfrecord';
import type { UserText } from './errors';
import type { StepBatch } from './step-log';

/** The reader's schema types, as the page shows and edits them. */
export type { FeatureSchema, FeatureInfo, SchemaOverride };

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The backend tfjs runs on now. */
  name: BackendName;
  /** The GPU adapter's description (`swiftshader`, a vendor/architecture), or '' when not on webgpu. */
  adapter: string;
  /** True when the WebGPU adapter is a software one (SwiftShader or a fallback adapter). */
  softwareAdapter: boolean;
  /** Why the preferred backend is not the one in use (a catalog text, worded on the page); null when it is. */
  reason: UserText | null;
}

export interface EvalResult {
  metrics: { 'Hit@1': number; PERR: number; GAP: number; MAP: number; Loss: number; Accuracy: number };
  examples: number;
  numClasses: number;
  /** numClasses × numClasses counts, row = true class, column = predicted class. */
  confusion: Int32Array;
  /** Per class: precision, recall and support (true examples), from the confusion matrix. */
  perClass: { precision: number[]; recall: number[]; support: number[] };
}

export interface Progress {
  step: number;
  epoch: number;
  /** Steps this run will take if not stopped. */
  totalSteps: number;
  /** Steps already taken by this run. */
  runSteps: number;
}

/** tf.memory() after an epoch, less the step outputs still awaiting their read-back (how many depends on the GPU); the GPU figures are those the webgpu and webgl backends report (absent elsewhere). */
export interface EpochMemory {
  epoch: number;
  numTensors: number;
  numBytes: number;
  /** Bytes of GPU buffers (webgpu) or textures (webgl) in use by tensors. */
  numBytesInGPU?: number;
  /** Bytes of GPU buffers allocated in all, including the backend's pool of free ones for reuse. */
  numBytesAllocatedInGPU?: number;
}

export interface TrainOutcome {
  reason: 'epochs' | 'max-steps' | 'stopped';
  globalStep: number;
  epochsDone: number;
  line: string;
  /** Which step ran: the fused WebGPU kernels or tfjs's ops (tests assert it, so a silent fallback fails them). */
  path: 'fused' | 'generic';
  /** Where the run's wall-clock time went, in ms (set by the worker's session; the bench prints it). */
  timing?: RunTiming;
}

/** A run's wall clock in parts, ms: what the loop did besides submitting steps. */
export interface RunTiming {
  total: number;
  /** Yields to the worker's message loop between steps (Pause/Stop, the drawing pad's predictions). */
  turns: number;
  /** Waiting for step read-backs before the run held (pause, evaluation, checkpoint). */
  drains: number;
  /** Evaluations on the validation split during training. */
  evaluations: number;
  /** Checkpoints: the weights read back (the write itself is queued), and the final one awaited. */
  checkpoints: number;
  /** Paused by the user. */
  paused: number;
}

export type SplitName = 'train' | 'validation' | 'test';
export const SPLITS: SplitName[] = ['train', 'validation', 'test'];

export interface SplitSummary {
  split: SplitName;
  count: number;
  files: { name: string; bytes: number; records: number }[];
  schema: FeatureSchema;
  shape: [number, number, number];
  numClasses: number;
  classCounts: number[];
  hasLabels: boolean;
  hasIds: boolean;
  skipped: number;
  /** The features of the first record, to override the detected schema with (TFRecord ingestion). */
  features: FeatureInfo[];
  /** The first images (count × height × width × depth bytes) and their labels, for the page to draw. */
  preview: { count: number; images: Uint8Array; labels: number[] | null };
  /** A label of the loaded splits beyond the classes of the others, after this load (./label-fit.ts); null: none. */
  labelMisfit: LabelMisfit<SplitName> | null;
}

/** How to read a split (TFRecord ingestion): the user's schema choice, and whether to skip records with a bad CRC. */
export interface LoadOptions {
  schema?: SchemaOverride;
  skipBadRecords?: boolean;
}

/** Images a split's preview holds. */
export const PREVIEW_IMAGES = 24;

export interface LoadProgress {
  split: SplitName;
  file: string;
  bytesRead: number;
  bytesTotal: number;
  records: number;
}

export interface TrainCallbacks {
  /**
   * Every step's train.py line, in batches (with each log step's line, at most every 100 ms otherwise, and when the
   * run holds or ends); `logs` holds the log steps' numbers among them.
   */
  onSteps(batch: StepBatch): void;
  onProgress(p: Progress): void;
  onEpochEnd(e: EpochMemory): void;
  /** An evaluation on the validation split made during training. */
  onEval?(point: EvalPoint): void;
}

export interface EvalPoint {
  step: number;
  epoch: number;
  metrics: EvalResult['metrics'];
}

export interface PredictResult {
  count: number;
  csv: string;
}

/** Which examples to look at: a confusion-matrix cell, the mistakes, or all, of the validation or test split. */
export interface ExampleQuery {
  split: 'validation' | 'test';
  filter: { kind: 'cell'; truth: number; predicted: number } | { kind: 'misclassified' } | { kind: 'all' };
  offset: number;
  limit: number;
}

export interface ExampleItem {
  /** 0-based record index in the split. */
  index: number;
  /** True class, or -1 where the record has none. */
  label: number;
  predicted: number;
  confidence: number;
  probabilities: number[];
}

export interface ExampleBatch {
  /** How many examples match the query in all. */
  total: number;
  shape: [number, number, number];
  items: ExampleItem[];
  /** The items' images, one after another, height × width × depth bytes each. */
  pixels: Uint8Array;
}
