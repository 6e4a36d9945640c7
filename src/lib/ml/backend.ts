/**
 * Picks the tfjs backend: webgpu first, then webgl, then cpu, and says why when it could not use the first choice.
 * The webgpu backend registers itself at import time, and only if `navigator.gpu` exists then.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';

export type BackendName = 'webgpu' | 'webgl' | 'cpu';
export const BACKEND_ORDER: BackendName[] = ['webgpu', 'webgl', 'cpu'];

export interface BackendInfo {
  /** The backend tfjs runs on now. */
  name: BackendName;
  /** The GPU adapter's description (`swiftshader`, a vendor/architecture), or '' when not on webgpu. */
  adapter: string;
  /** True when the WebGPU adapter is a software one (SwiftShader or a fallback adapter). */
  softwareAdapter: boolean;
  /** Why the preferred backend is not the one in use; null when it is. */
  reason: string | null;
}

async function probeWebGPU(): Promise<{ adapter: string; software: boolean } | string> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu)
    return 'WebGPU is not available in this browser (navigator.gpu is missing; it needs a secure context).';
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return 'WebGPU found no GPU adapter.';
  const info = adapter.info;
  const described = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const swiftshader = /swiftshader/i.test(described);
  const software = fallback || swiftshader;
  // `Backend: webgpu (swiftshader)`: the short name where the adapter is Chromium's software one.
  return { adapter: swiftshader ? 'swiftshader' : described || 'unknown adapter', software };
}

export async function initBackend(preferred: BackendName = 'webgpu'): Promise<BackendInfo> {
  const reasons: string[] = [];
  const order = [preferred, ...BACKEND_ORDER.filter((b) => b !== preferred)];
  for (const name of order) {
    let adapter = '';
    let software = false;
    if (name === 'webgpu') {
      const probe = await probeWebGPU();
      if (typeof probe === 'string') {
        reasons.push(probe);
        continue;
      }
      ({ adapter, software } = { adapter: probe.adapter, software: probe.software });
      if (!tf.findBackendFactory('webgpu')) {
        reasons.push('The WebGPU backend did not register.');
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
          reason: reasons.length ? reasons.join(' ') : null,
        };
      }
      reasons.push(`The ${name} backend could not start.`);
    } catch (e) {
      reasons.push(`The ${name} backend failed: ${(e as Error).message}`);
    }
  }
  throw Object.assign(new Error(`backend: no tfjs backend could start. ${reasons.join(' ')}`), {
    name: 'BackendError',
  });
}
