/**
 * A split resident on the device: the images uploaded once as float32 in [0, 1], divided by 255 (the starter code
 * multiplies by `1 / 255`, which differs from the division by one float32 ulp for 126 of the 256 pixel values),
 * labels as one-hot float32, so a training step only gathers rows by index on the GPU.
 */
import * as tf from '@tensorflow/tfjs';
import type { DecodedSplit } from '../tfrecord';

export interface HostSplit {
  count: number;
  /** count × height × width × depth bytes, row-major, one byte per pixel. */
  images: Uint8Array;
  /** Class ids; -1 where a record has no label. Null when the split has no labels at all. */
  labels: Int32Array | null;
  shape: [number, number, number];
  numClasses: number;
}

export interface DeviceSplit {
  count: number;
  shape: [number, number, number];
  numClasses: number;
  x: tf.Tensor2D;
  /** One-hot labels, or null for unlabelled data. */
  y: tf.Tensor2D | null;
  /** Host copy of the class ids, for metrics computed after reading predictions back. */
  labels: Int32Array | null;
  dispose(): void;
}

/**
 * The training split as train() reads it: its size and labels on the host, and the device copy its path reads. The
 * generic path reads `x` and `y` (a DeviceSplit); the fused path reads its own uint8 copy, so these stay null there.
 */
export interface TrainingSplit {
  count: number;
  shape: [number, number, number];
  numClasses: number;
  labels: Int32Array | null;
  x: tf.Tensor2D | null;
  y: tf.Tensor2D | null;
}

/** Uploads in slices so the float copy on the host stays small whatever the split's size. */
const UPLOAD_ROWS = 4096;

export function toDevice(split: HostSplit): DeviceSplit {
  const [h, w, d] = split.shape;
  const dim = h * w * d;
  const x = tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < split.count; start += UPLOAD_ROWS) {
      const rows = Math.min(UPLOAD_ROWS, split.count - start);
      const bytes = split.images.subarray(start * dim, (start + rows) * dim);
      parts.push(tf.tensor2d(Int32Array.from(bytes), [rows, dim], 'int32').toFloat().div(255));
    }
    return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  });
  const labels = split.labels;
  const y = labels
    ? tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), split.numClasses).toFloat() as tf.Tensor2D)
    : null;
  return {
    count: split.count,
    shape: split.shape,
    numClasses: split.numClasses,
    x,
    y,
    labels,
    dispose() {
      x.dispose();
      y?.dispose();
    },
  };
}

/** A decoded split (what the TFRecord reader gives) on the device, its labels one-hot over `numClasses`. */
export function decodedToDevice(
  split: Pick<DecodedSplit, 'count' | 'images' | 'labels' | 'schema'>,
  numClasses: number,
): DeviceSplit {
  const { schema } = split;
  return toDevice({
    count: split.count,
    images: split.images,
    labels: split.labels,
    shape: [schema.height, schema.width, schema.depth],
    numClasses,
  });
}

/** Rows `indices` of the split as a batch shaped for the model, [n, h, w, d]. Call inside tf.tidy. */
export function gatherBatch(
  split: DeviceSplit,
  indices: tf.Tensor1D,
): { x: tf.Tensor4D; y: tf.Tensor2D | null } {
  const [h, w, d] = split.shape;
  const x = tf.gather(split.x, indices).reshape([-1, h, w, d]) as tf.Tensor4D;
  const y = split.y ? (tf.gather(split.y, indices) as tf.Tensor2D) : null;
  return { x, y };
}
