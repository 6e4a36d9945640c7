// Finds the Chromium the browser tests drive. Order: $CHROMIUM_PATH, then the usual system paths.
// Never downloads a browser; `ensureChromium()` installs Debian's `chromium` with apt-get when run as root.
import { existsSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';

/** Flags for headless Chromium here: WebGPU on (SwiftShader without a GPU), and no traffic of its own. */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** @returns {string | null} */
export function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH is set to ${fromEnv}, but no file is there.`);
    return fromEnv;
  }
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** @returns {string} */
export function ensureChromium() {
  const found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (isRoot && hasApt) {
    console.log(
      'pagetrain: no Chromium found; installing Debian\'s "chromium" with apt-get (needed by the browser tests)…',
    );
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
    const installed = findChromium();
    if (installed) return installed;
  }
  throw new Error(
    'pagetrain: the browser tests need Chromium and none was found at ' +
      CANDIDATES.join(', ') +
      '.\nInstall it with:  sudo apt-get install chromium   (Debian/Ubuntu)\n' +
      'or point the tests at another Chromium or Chrome:  CHROMIUM_PATH=/path/to/chrome npm test',
  );
}
