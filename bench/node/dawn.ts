/**
 * WebGPU for Node through Dawn (the npm `webgpu` package's `dawn.node`), installed on globalThis.navigator before
 * tfjs-backend-webgpu is imported (it registers only where navigator.gpu exists): import this module first.
 *
 * Dawn loads the Vulkan loader `libvulkan.so.1` with dlopen, which reads LD_LIBRARY_PATH only at process start, so
 * the first run re-executes itself with the environment set: the bundle's own folder on LD_LIBRARY_PATH (it carries
 * dawn.node and a libvulkan.so.1), XDG_RUNTIME_DIR, and — where the machine has no Vulkan driver of its own, or with
 * `--swiftshader` — Chromium's SwiftShader driver, a CPU pretending to be a GPU.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** Where Vulkan drivers register (the loader's defaults, and the NVIDIA container toolkit's place). */
const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
const NVIDIA_ICD_DIR = '/usr/local/nvidia/share/vulkan/icd.d';

function icdsIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

function environment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PAGETRAIN_DAWN_ENV: '1' };
  env.LD_LIBRARY_PATH = [here, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'pagetrain-xdg-'));
  const hardware = ICD_DIRS.flatMap(icdsIn).filter((f) => !/swiftshader|lvp|mock/i.test(f));
  const swiftshader = process.argv.includes('--swiftshader');
  if (!swiftshader && !env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES) {
    if (hardware.length === 0 && icdsIn(NVIDIA_ICD_DIR).length)
      env.VK_DRIVER_FILES = icdsIn(NVIDIA_ICD_DIR).join(':');
    else if (hardware.length === 0 && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  if (swiftshader) {
    if (!existsSync(SWIFTSHADER_ICD))
      throw new Error(`--swiftshader: ${SWIFTSHADER_ICD} is missing (apt-get install chromium)`);
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    delete env.VK_DRIVER_FILES;
  }
  return env;
}

if (process.env.PAGETRAIN_DAWN_ENV !== '1') {
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: environment(),
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

const dawnPath = join(here, 'dawn.node');
if (!existsSync(dawnPath))
  throw new Error(`${dawnPath} is missing: build the bundle with npm run bench:node-bundle`);
const { create, globals } = createRequire(import.meta.url)(dawnPath) as {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
};
Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', {
  value: { gpu: create([]) },
  configurable: true,
  writable: true,
});

/*
 * How Dawn's binding waits: while any promise of it is pending (a read-back's mapAsync, onSubmittedWorkDone), it
 * calls setImmediate again and again, polling for events — a busy loop on Node's main thread (a browser waits on an
 * event instead). On SwiftShader, where the "GPU" is the CPU's threads, that loop takes a core from the work it waits
 * for: the fused kernels, which read back only at log steps, ran at 0.4–0.6× the speed they reach without it
 * (paired epochs in one process; bench/README.md). Dawn looks setImmediate up on the global object at every poll, so its
 * polls are paced here: for the first POLL_SPIN_MS of a wait they run at once, as before (a short wait on a real GPU
 * stays short), then at most once a millisecond. PAGETRAIN_DAWN_POLL=spin keeps Dawn's own loop, to compare.
 */
const POLL_SPIN_MS = 2;
{
  const immediate = globalThis.setImmediate;
  // Dawn's poll callback is a native function; everything else keeps setImmediate as it was.
  const isNative = (fn: unknown): boolean =>
    typeof fn === 'function' && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn));
  // Dawn polls again from inside its poll while something is still pending: a call from anywhere else starts a wait.
  let polling = false;
  let waitStarted = 0;
  globalThis.setImmediate = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    if (!isNative(fn) || process.env.PAGETRAIN_DAWN_POLL === 'spin') return immediate(fn, ...args);
    const now = performance.now();
    if (!polling) waitStarted = now;
    const poll = () => {
      polling = true;
      try {
        fn(...args);
      } finally {
        polling = false;
      }
    };
    if (now - waitStarted < POLL_SPIN_MS) return immediate(poll);
    return setTimeout(poll, 1) as unknown as NodeJS.Immediate;
  }) as typeof setImmediate;
}
