/**
 * How much data this tab can hold, and the check made before a split is read, so that too much data is refused with
 * the number it would need rather than by a crashed tab.
 *
 * The rule (the budget covers the loaded splits together, images at 1 byte per pixel and channel, plus labels):
 *  - a quarter of the device's memory as the browser reports it (`navigator.deviceMemory`, in GiB, which Chrome
 *    rounds to a power of 2 and caps at 8; 4 when the browser does not say): the worker also holds the device
 *    copies and the model, the page and the browser need the rest;
 *  - at most 2 GiB: a split's images live in one ArrayBuffer, and 2^31 bytes is where browsers' ArrayBuffer limits
 *    begin (and growing one briefly needs twice its size);
 *  - on the wasm backend, at most 768 MiB: its WebAssembly memory is at most 4 GiB (wasm32) and holds the images as
 *    float32, 4 bytes a pixel, plus the model and its working tensors.
 *
 * A test and debug hook overrides the rule: `pagetrainDebug.dataBudgetMB = 3` in the training worker's context (the
 * browser tests set it through Playwright; in DevTools, pick the worker "pagetrain" in the console's context menu);
 * `null` or `undefined` goes back to the rule.
 */
import { megabytes } from '../shared/format';
import { probeSplit, type FeatureSchema, type SchemaOverride } from '../tfrecord';
import { text, PagetrainError, type UserText } from '../shared/errors';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const MAX_BYTES = 2 * GiB;
const WASM_MAX_BYTES = 768 * MiB;
const DEFAULT_DEVICE_GIB = 4;

interface Debug {
  dataBudgetMB?: number | null;
  gpuBufferMB?: number | null;
}

/** The worker's debug object (`pagetrainDebug`), shared with the other debug handles. */
export function debugHandle(): Debug & Record<string, unknown> {
  const g = globalThis as { pagetrainDebug?: Debug & Record<string, unknown> };
  g.pagetrainDebug ??= {};
  return g.pagetrainDebug;
}

/** Bytes of data (all splits together) this tab can hold, by the rule above. */
export function dataBudget(backend: string | undefined): number {
  const override = debugHandle().dataBudgetMB;
  if (typeof override === 'number' && override >= 0) return override * MiB;
  const reported = (navigator as { deviceMemory?: number }).deviceMemory;
  const deviceGiB = typeof reported === 'number' && reported > 0 ? reported : DEFAULT_DEVICE_GIB;
  const budget = Math.min((deviceGiB * GiB) / 4, MAX_BYTES);
  return backend === 'wasm' ? Math.min(budget, WASM_MAX_BYTES) : budget;
}

export class DataTooLargeError extends PagetrainError {
  constructor(t: UserText) {
    super('DataTooLargeError', t);
  }
}

/**
 * Refuses, before reading, a split that will not fit: `others` bytes are held by the loaded splits this load keeps.
 * Returns the bytes left for the split (for the check while reading, where no estimate could be made) and the schema
 * of its first record, found on the way (null where it could not be read: the reader then says why).
 */
export async function checkFits(
  files: File[],
  others: number,
  backend: string | undefined,
  schema?: SchemaOverride,
): Promise<{ left: number; schema: FeatureSchema | null }> {
  const budget = dataBudget(backend);
  const left = Math.max(0, budget - others);
  const { estimate, schema: found } = await probeSplit(files, { schema });
  if (estimate && estimate.bytes > left) {
    const need = text(files.length > 1 ? 'budget_need_many' : 'budget_need_one', {
      names: files.map((f) => f.name).join(', '),
      mb: megabytes(estimate.bytes),
      records: estimate.records.toLocaleString('en-US'),
    });
    throw new DataTooLargeError(
      others > 0
        ? text('budget_refused_more', {
            need,
            left: megabytes(left),
            budget: megabytes(budget),
            others: megabytes(others),
          })
        : text('budget_refused', { need, left: megabytes(left) }),
    );
  }
  return { left, schema: found };
}

/**
 * The largest GPU buffer the webgpu device takes (one storage binding, one buffer), or null on another backend. A
 * split on the device is one buffer (its pixels as float32, or as bytes for the fused kernels), so a split beyond it
 * is refused with the figures instead of failing inside tfjs. `pagetrainDebug.gpuBufferMB` sets it for tests.
 */
export function gpuBufferLimit(device: GPUDevice | null): number | null {
  const override = debugHandle().gpuBufferMB;
  if (typeof override === 'number' && override >= 0) return override * MiB;
  if (!device) return null;
  return Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
}

/** Throws when `bytes` for the `split` on the GPU pass the device's buffer limit. */
export function checkGpuBuffer(device: GPUDevice | null, split: string, bytes: number): void {
  const limit = gpuBufferLimit(device);
  if (limit === null || bytes <= limit) return;
  throw new DataTooLargeError(
    text('gpu_buffer_too_large', { split, need: megabytes(bytes), limit: megabytes(limit) }),
  );
}
