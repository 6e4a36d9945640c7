/**
 * The loaded splits: each split's bytes in this worker's memory, the files they were read from and their
 * fingerprints, and the copies on the device, made on first use and only of what the training path reads: the
 * images as float32 for tfjs's ops (any model, any backend), or as uint8 for LogisticModel's fused WebGPU kernels.
 * Replacing a split drops its device copies; nothing is replaced until the new data is read whole. Training and
 * validation records must have a label (test data need not); after each load the labels are compared across the
 * splits (`labelMisfit`).
 *
 * No tfjs of its own beyond the uploads (ml/data.ts, ml/fused-logistic.ts), so Node tests drive it on tfjs's cpu
 * backend with readSplit; the app reads with the parse workers, the bench as the app does.
 */
import { decodedToDevice, type DeviceSplit, type TrainingSplit } from '../ml/data';
import { packSplit, type PackedSplit } from '../ml/fused-logistic';
import { fingerprintFiles } from '../store/records';
import type { FileFingerprint } from '../shared/snapshot-types';
import type { ReadSplitOptions, LoadedSplit } from '../tfrecord';
import { text, PagetrainError } from '../shared/errors';
import type { LabelMisfit } from '../shared/label-fit';
import { checkFits, checkGpuBuffer } from './budget';
import {
  PREVIEW_IMAGES,
  SPLITS,
  type LoadOptions,
  type LoadProgress,
  type SplitName,
  type SplitSummary,
} from '../shared/worker-types';

/** Reads a split's files (the app: in pieces, on the parse workers; tests and the bench may read in one go). */
export type SplitReader = (files: Blob[], opts: ReadSplitOptions) => Promise<LoadedSplit>;

export interface SplitsOptions {
  read: SplitReader;
  /** The backend in use (its name sets the data budget), or undefined before one is chosen. */
  backend(): string | undefined;
  /** The webgpu device, whose largest buffer limits a split on the GPU; null on another backend. */
  gpu(): GPUDevice | null;
}

/** The training split as train() reads it on one path: the generic path's float32 copy, or the fused path's uint8. */
export interface TrainingData {
  data: TrainingSplit;
  packed?: () => PackedSplit;
}

export class Splits {
  readonly #opts: SplitsOptions;
  readonly #host: Partial<Record<SplitName, LoadedSplit>> = {};
  /** The files each split was last read from, to read again with another schema (TFRecord ingestion). */
  readonly #sources: Partial<Record<SplitName, File[]>> = {};
  readonly #fingerprints: Partial<Record<SplitName, FileFingerprint[]>> = {};
  readonly #device: Partial<Record<SplitName, DeviceSplit>> = {};
  /** The training split as uint8 on the GPU for the fused kernels; made on first use, dropped with the split. */
  #packed: Partial<Record<SplitName, PackedSplit>> = {};

  constructor(opts: SplitsOptions) {
    this.#opts = opts;
  }

  /**
   * Reads one split's files (several shards make one split). Data that will not fit in this tab is refused before it
   * is read (see ./budget.ts), or while reading where its size cannot be told. On error the split keeps what it had.
   */
  async load(
    split: SplitName,
    files: File[],
    options: LoadOptions = {},
    onProgress?: (p: LoadProgress) => void,
  ): Promise<SplitSummary> {
    const fits = await checkFits(files, this.hostBytes(split), this.#opts.backend(), options.schema);
    return this.#read(split, files, options, onProgress, fits.left, fits.schema);
  }

  /** Loads the three splits from one file each, checked together before any is read (all three or none). */
  async loadAll(
    files: Record<SplitName, File>,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<SplitSummary[]> {
    const all = SPLITS.map((s) => files[s]);
    const fits = await checkFits(all, 0, this.#opts.backend());
    const summaries: SplitSummary[] = [];
    // The check read the first file's first record: its schema is train's.
    for (const [i, split] of SPLITS.entries())
      summaries.push(
        await this.#read(split, [all[i]], {}, onProgress, undefined, i === 0 ? fits.schema : null),
      );
    // Compared once all three are in.
    const labelMisfit = this.labelMisfit();
    return summaries.map((s) => ({ ...s, labelMisfit }));
  }

  /** Reads a split again from the files it was last read from, with another schema or skip choice. */
  reload(
    split: SplitName,
    options: LoadOptions,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<SplitSummary> {
    const files = this.#sources[split];
    if (!files) throw new PagetrainError('StateError', text('worker_no_data', { split }));
    return this.load(split, files, options, onProgress);
  }

  async #read(
    split: SplitName,
    files: File[],
    options: LoadOptions,
    onProgress: ((p: LoadProgress) => void) | undefined,
    maxBytes: number | undefined,
    knownSchema: LoadedSplit['schema'] | null,
  ): Promise<SplitSummary> {
    const loaded = await this.#opts.read(files, {
      onProgress: onProgress ? (p) => onProgress({ split, ...p }) : undefined,
      schema: options.schema,
      // Found by the budget check, with the user's choice applied: the reader does not detect it again.
      knownSchema: knownSchema ?? undefined,
      skipBadRecords: options.skipBadRecords,
      requireLabels: split !== 'test',
      maxBytes,
    });
    const fingerprints = await fingerprintFiles(split, files);
    this.#sources[split] = files;
    this.#fingerprints[split] = fingerprints;
    this.#host[split] = loaded;
    this.#dropDevice(split);
    return { ...summarize(split, loaded), labelMisfit: this.labelMisfit(split) };
  }

  /**
   * A label of the loaded splits beyond the classes of the others (see labelMisfit below), or null; `loaded`: only
   * what loading that split could change (test data are no reference, so a test load only checks the test labels).
   */
  labelMisfit(loaded?: SplitName): LabelMisfit<SplitName> | null {
    return labelMisfit(this.#host, loaded === 'test' ? ['test'] : SPLITS);
  }

  /** The split in this worker's memory, or undefined before it is loaded. */
  host(split: SplitName): LoadedSplit | undefined {
    return this.#host[split];
  }

  /** The split, or a StateError naming it when it is not loaded. */
  require(split: SplitName): LoadedSplit {
    const h = this.#host[split];
    if (!h) throw new PagetrainError('DataError', text('worker_no_data', { split }));
    return h;
  }

  /** [height, width, depth] of a loaded split's images. */
  shape(split: SplitName): [number, number, number] {
    const { schema } = this.require(split);
    return [schema.height, schema.width, schema.depth];
  }

  /** Bytes the loaded splits other than `except` hold (images and labels). */
  hostBytes(except?: SplitName): number {
    let n = 0;
    for (const s of SPLITS) {
      const h = this.#host[s];
      if (s !== except && h) n += h.images.byteLength + (h.labels?.byteLength ?? 0);
    }
    return n;
  }

  /** The class count the model uses: the largest any labelled split needs. */
  numClasses(): number {
    return Math.max(2, ...SPLITS.map((s) => (this.#host[s]?.labels ? this.#host[s].numClasses : 0)));
  }

  /** Name, size and hash of the files of every loaded split, for the run trained on them. */
  fingerprints(): FileFingerprint[] {
    return SPLITS.flatMap((s) => this.#fingerprints[s] ?? []);
  }

  /** The split on the device as float32, its labels one-hot over `classes` (made once, kept while they fit). */
  device(split: SplitName, classes: number): DeviceSplit {
    const h = this.require(split);
    const existing = this.#device[split];
    if (existing && existing.numClasses === classes) return existing;
    const { schema } = h;
    // The pixels as float32 in one buffer (the one-hot labels are far smaller).
    checkGpuBuffer(this.#opts.gpu(), split, h.count * schema.height * schema.width * schema.depth * 4);
    existing?.dispose();
    const made = decodedToDevice(h, classes);
    this.#device[split] = made;
    return made;
  }

  /**
   * A split as uint8 for the fused kernels (made once, dropped with the split): the training split, and the
   * validation split where the fused kernels evaluate during training.
   */
  packed(split: SplitName = 'train'): PackedSplit {
    let made = this.#packed[split];
    if (!made) {
      const h = this.require(split);
      const dim = h.schema.height * h.schema.width * h.schema.depth;
      checkGpuBuffer(this.#opts.gpu(), split, h.count * dim);
      if (!h.labels) throw new PagetrainError('DataError', text('worker_no_labels'));
      made = packSplit(h.images, h.labels, h.count, dim);
      this.#packed[split] = made;
    }
    return made;
  }

  /**
   * The training split for one path of train(): the fused kernels read only the uint8 copy (and the labels on the
   * host), tfjs's ops only the float32 one; the other is not uploaded.
   */
  training(classes: number, path: 'fused' | 'generic'): TrainingData {
    const h = this.require('train');
    if (!h.labels) throw new PagetrainError('DataError', text('worker_no_labels'));
    if (path === 'generic') return { data: this.device('train', classes) };
    const packed = this.packed();
    return {
      data: {
        count: h.count,
        shape: this.shape('train'),
        numClasses: classes,
        labels: h.labels,
        x: null,
        y: null,
      },
      packed: () => packed,
    };
  }

  /** Drops every device copy (a backend switch): they are made again on next use. */
  dropDevice(): void {
    for (const s of SPLITS) this.#dropDevice(s);
  }

  /** How many device copies are held, by kind (for tests). */
  onDevice(): { float32: SplitName[]; packed: boolean } {
    return { float32: SPLITS.filter((s) => this.#device[s]), packed: this.#packed.train !== undefined };
  }

  #dropDevice(split: SplitName): void {
    this.#device[split]?.dispose();
    delete this.#device[split];
    this.#packed[split]?.dispose();
    delete this.#packed[split];
  }
}

/** The largest label a split holds, -1 for none. */
function largestLabel(s: LoadedSplit): number {
  for (let c = s.classCounts.length - 1; c >= 0; c--) if (s.classCounts[c] > 0) return c;
  return -1;
}

/**
 * A split whose largest label lies beyond every label of the training and validation data (other than itself): one
 * record labelled 42 among 0–9 makes a 43-class model. Named by its largest label's first record. Test data are
 * checked but not compared with, as their labels may be dummies. Null when the labels fit, or there is nothing to
 * compare with. `checked`: the splits whose labels are checked.
 */
export function labelMisfit(
  host: Partial<Record<SplitName, LoadedSplit>>,
  checked: readonly SplitName[] = SPLITS,
): LabelMisfit<SplitName> | null {
  let found: LabelMisfit<SplitName> | null = null;
  for (const split of checked) {
    const s = host[split];
    if (!s?.labels) continue;
    const others = (['train', 'validation'] as const).filter((o) => o !== split && host[o]?.labels);
    if (others.length === 0) continue;
    const classes = Math.max(...others.map((o) => largestLabel(host[o]!))) + 1;
    const label = largestLabel(s);
    if (label < classes || (found && label <= found.label)) continue;
    const at = s.firstOfLabel.get(label);
    if (!at) continue;
    let count = 0;
    for (let c = classes; c < s.classCounts.length; c++) count += s.classCounts[c];
    found = { split, ...at, label, count, others, classes };
  }
  return found;
}

function summarize(split: SplitName, s: LoadedSplit): Omit<SplitSummary, 'labelMisfit'> {
  const { schema } = s;
  const shown = Math.min(PREVIEW_IMAGES, s.count);
  const pixels = schema.height * schema.width * schema.depth;
  return {
    split,
    count: s.count,
    files: s.files,
    schema,
    shape: [schema.height, schema.width, schema.depth],
    numClasses: s.numClasses,
    classCounts: s.classCounts,
    hasLabels: s.labels !== null,
    hasIds: s.ids !== null,
    skipped: s.skipped,
    features: s.features,
    preview: {
      count: shown,
      images: s.images.slice(0, shown * pixels),
      labels: s.labels ? Array.from(s.labels.subarray(0, shown)) : null,
    },
  };
}
