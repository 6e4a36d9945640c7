/**
 * Picks the tfjs backend: webgpu first, then webgl, then cpu, and says why when it could not use the first choice.
 * The webgpu backend registers itself at import time, and only if `navigator.gpu` exists then.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// The wasm binaries as files Vite serves and fingerprints: the single-thread builds only (SIMD, and plain for old
// browsers). The threaded one would need cross-origin isolation (SharedArrayBuffer), which this page does not ask for.
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';

import { isUserText, joinTexts, text, PagetrainError, type UserText } from '../shared/errors';
import type { BackendInfo, BackendName } from '../shared/worker-types';

/**
 * The automatic fallback order. wasm is not in it: it has no Conv2DBackpropFilter kernel, so it cannot train models
 * with convolution layers; users choose it by hand (fast for LogisticModel on CPU-only machines).
 */
export const BACKEND_ORDER: BackendName[] = ['webgpu', 'webgl', 'cpu'];

// setWasmPaths wants an entry for all three binaries; the threaded one is never fetched with multithreading off.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
setWasmPaths({
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmSimdUrl,
});

/** Why a model cannot train on a backend (a catalog text), or null when it can. */
export function cannotTrainOnText(backend: BackendName, model: tf.LayersModel): UserText | null {
  if (backend !== 'wasm') return null;
  const conv = model.layers.find((l) => /^(Conv|SeparableConv|DepthwiseConv)/.test(l.getClassName()));
  return conv ? text('backend_wasm_no_conv', { model: model.name, layer: conv.name }) : null;
}

async function probeWebGPU(): Promise<{ adapter: string; software: boolean } | UserText> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return text('backend_no_webgpu');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return text('backend_no_adapter');
  const info = adapter.info;
  const described = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const swiftshader = /swiftshader/i.test(described);
  const software = fallback || swiftshader;
  // `Backend: webgpu (swiftshader)`: the short name where the adapter is Chromium's software one.
  return { adapter: swiftshader ? 'swiftshader' : described || 'unknown adapter', software };
}

export async function initBackend(preferred: BackendName = 'webgpu'): Promise<BackendInfo> {
  const reasons: UserText[] = [];
  const order = [preferred, ...BACKEND_ORDER.filter((b) => b !== preferred)];
  for (const name of order) {
    let adapter = '';
    let software = false;
    if (name === 'webgpu') {
      const probe = await probeWebGPU();
      if (isUserText(probe)) {
        reasons.push(probe);
        continue;
      }
      ({ adapter, software } = { adapter: probe.adapter, software: probe.software });
      if (!tf.findBackendFactory('webgpu')) {
        reasons.push(text('backend_not_registered'));
        continue;
      }
    }
    try {
      // setBackend resolves false (and tfjs quietly picks another) when the backend cannot start: check both.
      const ok = await tf.setBackend(name);
      await tf.ready();
      if (ok && tf.getBackend() === name) {
        return {
          name,
          adapter,
          softwareAdapter: software,
          reason: reasons.length ? joinTexts(reasons) : null,
        };
      }
      reasons.push(text('backend_could_not_start', { name }));
    } catch (e) {
      // tfjs's own reason stays in its words.
      reasons.push(text('backend_failed', { name, error: (e as Error).message }));
    }
  }
  throw new PagetrainError('BackendError', text('backend_none_started', { reasons: joinTexts(reasons) }));
}
