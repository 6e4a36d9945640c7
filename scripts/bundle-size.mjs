// The size of what a first visit downloads before the page is interactive (the main bundle: the scripts, module
// preloads and stylesheets index.html names), against what stays in the worker and loads after (tfjs and its
// backends). Builds the app as users get it into a temporary folder. Used by `npm run bench -- bundle`.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

/** @typedef {{ file: string; bytes: number; gzip: number }} Asset */

/**
 * @param {string} dir
 * @param {string} path
 * @returns {Promise<Asset>}
 */
async function measure(dir, path) {
  const data = await readFile(join(dir, path));
  return { file: path, bytes: data.length, gzip: gzipSync(data, { level: 9 }).length };
}

/** @returns {Promise<{ main: Asset[]; deferred: Asset[] }>} */
export async function measureBundle() {
  const outDir = await mkdtemp(join(tmpdir(), 'pagetrain-bundle-'));
  try {
    await build({ logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    const html = await readFile(join(outDir, 'index.html'), 'utf8');
    const named = new Set(
      [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]),
    );
    const main = await Promise.all([...named].map((f) => measure(outDir, f)));
    const assets = (await readdir(join(outDir, 'assets'))).map((f) => `assets/${f}`);
    const deferred = await Promise.all(
      assets.filter((f) => !named.has(f) && /\.(js|wasm)$/.test(f)).map((f) => measure(outDir, f)),
    );
    return { main, deferred };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
