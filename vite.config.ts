import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { paraglideVitePlugin } from '@inlang/paraglide-js';
import type { Plugin } from 'vite';

/**
 * The built page's Content-Security-Policy: only this origin, plus blob: (downloads, worker-made URLs) and
 * 'wasm-unsafe-eval' (WebAssembly backends). Inline styles stay allowed: Svelte's style directives and the chart
 * library set element styles. Only in the build: Vite's dev server injects inline scripts.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' blob: data:",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'pagetrain-csp',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig({
  plugins: [
    svelte(),
    // English and Korean messages (messages/*.json) compiled to typed, tree-shaken functions in src/paraglide.
    paraglideVitePlugin({
      project: './project.inlang',
      outdir: './src/paraglide',
      strategy: ['baseLocale'],
      emitTsDeclarations: true,
    }),
    contentSecurityPolicy(),
    // Offline and installable: the service worker precaches the app, the worker's chunks and the bundled sample, so
    // after one visit the page loads and trains with the network off.
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script',
      includeAssets: ['icon.svg'],
      manifest: {
        name: 'pagetrain — train on your TFRecords in the browser',
        short_name: 'pagetrain',
        description: 'Train a model on your own TFRecord files, in this tab, on your own GPU.',
        start_url: '.',
        display: 'standalone',
        background_color: '#fbfbfd',
        theme_color: '#2f5bd3',
        icons: [{ src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,wasm,tfrecords,webmanifest}'],
        // The worker chunk (tfjs) is over 1 MB and the sample's training split about 7.5 MB.
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        navigateFallback: 'index.html',
        // Take over the open page at once, so the first visit is already enough to work offline.
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  worker: {
    format: 'es',
    rolldownOptions: {
      // tfjs carries ~1,500 licence comments; keeping them adds about 1 MB to the worker chunk.
      output: { comments: { legal: false } },
    },
  },
  optimizeDeps: {
    // The dev server's dependency scan starts from the HTML pages and does not follow `new Worker(new URL(…))`: the
    // workers are entries too, so every package they import (tfjs-backend-wasm included) is bundled before the first
    // page is served. A package found later makes Vite re-bundle and reload the page under the user (issue #20).
    entries: ['index.html', 'bench/*.html', 'src/**/*.worker.ts', 'bench/*.worker.ts'],
    // Worker-only dependencies (protobufjs: the parse bench's baseline), also named here.
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'comlink', 'protobufjs/light'],
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
  },
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/setup-catalog.ts'],
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/setup-catalog.ts'],
          globalSetup: ['test/browser/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
