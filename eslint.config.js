import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

// Folder rules: what each layer may import (see STYLE.md, "Layout shows where code runs"). One
// `@typescript-eslint/no-restricted-imports` entry per folder, built from the groups below: ESLint does not merge a
// rule's options across config objects, the last one matching a file wins.
const TFJS = {
  group: ['@tensorflow/*'],
  message: 'tfjs lives in the worker (src/lib/ml, src/lib/worker): the main bundle must not import it.',
};
const SVELTE = { group: ['svelte', 'svelte/*', '*.svelte'], message: 'Below the page, no Svelte.' };
/** The page's words; below the page, errors carry codes and data (src/lib/shared/errors.ts). */
const WORDS = {
  group: ['**/i18n-text', '**/i18n-catalog', '**/paraglide/**'],
  message: 'Below the page no words: throw a PagetrainError with a code and data (src/lib/shared/errors.ts).',
};
const PAGE = {
  group: ['**/ui/**', '**/state/**', '**/App.svelte'],
  message: 'The page imports the layers below it, never the other way round.',
};
/** @typedef {{ group: string[], message: string, allowTypeImports?: boolean }} Pattern */

/** @param {string} folder @param {string} message @returns {Pattern} */
const MODULE = (folder, message) => ({
  group: [`**/lib/${folder}`, `**/lib/${folder}/**`, `../${folder}/**`],
  message,
});
const ML = MODULE('ml', 'The page never imports ml/: ask the worker (worker/client) or use src/lib/shared/.');
const STORE = MODULE(
  'store',
  'The page never imports store/ internals: ask the worker, or use src/lib/shared/.',
);
/** The page talks to the worker through worker/client and the types of its API (`import type`). */
const WORKER = {
  group: ['**/worker/*', '!**/worker/client'],
  allowTypeImports: true,
  message: 'The page reaches the worker through worker/client (and `import type` of its API) only.',
};
/** ui/ imports state/ and shared/ (and the words: paraglide, i18n-text); everything else goes through state/. */
/** @param {...string} allowed @returns {Pattern} */
const BELOW_STATE = (...allowed) => ({
  group: ['tfrecord', 'model-spec', 'draw', 'ml', 'store', 'worker']
    .filter((f) => !allowed.includes(f))
    .flatMap((f) => [`**/lib/${f}`, `**/lib/${f}/**`]),
  message: 'ui/ imports state/ and shared/ only (and paraglide, i18n-text).',
});
/** @param {...Pattern} patterns @returns {import('eslint').Linter.RulesRecord} */
const restrict = (...patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });
/** Pure layers run in the worker, the page and Node alike: no DOM. */
const NO_DOM = [
  'document',
  'window',
  'localStorage',
  'sessionStorage',
  'indexedDB',
  'HTMLElement',
  'HTMLCanvasElement',
  'OffscreenCanvas',
  'createImageBitmap',
  'Image',
].map((name) => ({ name, message: 'tfrecord/, model-spec/ and shared/ are pure TypeScript: no DOM.' }));

export default ts.config(
  {
    ignores: ['dist/', 'bench-node/', 'node_modules/', 'public/sample/', 'test/fixtures/', 'src/paraglide/'],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  prettier,
  ...svelte.configs.prettier,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] } },
  },
  // No user text rendered as HTML: Svelte's {@html} is an error in svelte's recommended set; the DOM's own doors too.
  {
    files: ['src/**'],
    rules: {
      'svelte/no-at-html-tags': 'error',
      'no-restricted-properties': [
        'error',
        ...['innerHTML', 'outerHTML', 'insertAdjacentHTML'].map((property) => ({
          property,
          message: 'Render text with Svelte or textContent: user text is never HTML.',
        })),
      ],
    },
  },
  // The page: ui/ (and App.svelte, main.ts) imports state/ and shared/; no tfjs.
  {
    files: ['src/ui/**', 'src/App.svelte', 'src/main.ts'],
    rules: restrict(TFJS, BELOW_STATE()),
  },
  // The page's state: no tfjs, no ml/, no store/ internals, the worker only through its client.
  {
    files: ['src/lib/state/**'],
    rules: restrict(TFJS, ML, STORE, WORKER),
  },
  // The rest of the main thread's modules: no tfjs.
  {
    files: ['src/lib/store/**', 'src/lib/draw/**', 'src/lib/*.ts'],
    rules: restrict(TFJS, PAGE),
  },
  // tfjs lives here; no Svelte, no page, no words.
  {
    files: ['src/lib/ml/**'],
    rules: restrict(SVELTE, PAGE, WORDS),
  },
  { files: ['src/lib/worker/**'], rules: restrict(SVELTE, PAGE) },
  // Pure layers: no tfjs, no Svelte, no DOM, no page, no words (shared/ may name the catalog's keys as a type).
  {
    files: ['src/lib/tfrecord/**', 'src/lib/model-spec/**'],
    rules: { ...restrict(TFJS, SVELTE, PAGE, WORDS), 'no-restricted-globals': ['error', ...NO_DOM] },
  },
  {
    files: ['src/lib/shared/**'],
    rules: {
      ...restrict(TFJS, SVELTE, PAGE, MODULE('worker', 'shared/ is below the worker.'), ML, STORE, {
        ...WORDS,
        allowTypeImports: true,
      }),
      'no-restricted-globals': ['error', ...NO_DOM],
    },
  },
);
