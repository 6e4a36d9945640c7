// The training bench for Node on Dawn (bench/node/train.ts) as a self-contained folder, bench-node/: the script bundled
// with tfjs and the project's own ml/ code (train.mjs), Dawn's binary (dawn.node, from the npm `webgpu` package), a
// Vulkan loader (libvulkan.so.1, Chromium's copy) and the bundled sample (train.tfrecords). Nothing is installed or
// downloaded when it runs: `node bench-node/train.mjs` on any x86-64 Linux with Node ≥ 20 and a Vulkan driver.
//
//   npm run bench:node-bundle        build bench-node/
//   npm run bench -- train --node    build it, then run it here (SwiftShader where there is no GPU)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';

export const OUT = resolve('bench-node');
const VULKAN_LOADERS = [
  '/usr/lib/chromium/libvulkan.so.1',
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
];

/** Builds bench-node/ and returns its size in bytes. */
export async function buildNodeBench() {
  if (!existsSync('public/sample/train.tfrecords'))
    execFileSync('npx', ['tsx', 'scripts/make-sample.ts', '--if-missing'], { stdio: 'inherit' });
  rmSync(OUT, { recursive: true, force: true });
  await build({
    configFile: false,
    publicDir: false,
    logLevel: 'warn',
    build: {
      ssr: 'bench/node/train.ts',
      outDir: OUT,
      target: 'node20',
      minify: true,
      rolldownOptions: { output: { entryFileNames: 'train.mjs', codeSplitting: false } },
    },
    // Everything in one file: the folder must run where nothing is installed.
    ssr: { noExternal: true, target: 'node' },
  });
  const dawn = join('node_modules', 'webgpu', 'dist', `${process.platform}-${process.arch}`, 'dawn.node');
  if (!existsSync(dawn)) throw new Error(`${dawn} is missing: npm ci installs the webgpu package`);
  copyFileSync(dawn, join(OUT, 'dawn.node'));
  const loader = VULKAN_LOADERS.find((p) => existsSync(p));
  if (!loader) throw new Error('no libvulkan.so.1 to carry: apt-get install chromium (or libvulkan1)');
  copyFileSync(loader, join(OUT, 'libvulkan.so.1'));
  copyFileSync('public/sample/train.tfrecords', join(OUT, 'train.tfrecords'));
  let bytes = 0;
  const walk = (/** @type {string} */ d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else bytes += statSync(p).size;
    }
  };
  walk(OUT);
  return bytes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bytes = await buildNodeBench();
  console.log(`bench-node/: ${(bytes / 2 ** 20).toFixed(1)} MiB — run it with: node bench-node/train.mjs`);
}
