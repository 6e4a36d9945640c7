import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const noTfjs = {
  patterns: [
    {
      group: ['@tensorflow/*'],
      message: 'tfjs lives in the worker (src/lib/ml, src/lib/worker): the main bundle must not import it.',
    },
  ],
};

export default ts.config(
  { ignores: ['dist/', 'node_modules/', 'public/sample/', 'test/fixtures/', 'src/paraglide/'] },
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
  // Keep tfjs out of the main thread (ui/, state/, store/) and Svelte out of the worker side (tfrecord/, ml/).
  {
    files: ['src/ui/**', 'src/lib/state/**', 'src/lib/store/**', 'src/App.svelte', 'src/main.ts'],
    rules: { 'no-restricted-imports': ['error', noTfjs] },
  },
  {
    files: ['src/lib/tfrecord/**', 'src/lib/ml/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['svelte', 'svelte/*', '*.svelte'], message: 'tfrecord/ and ml/ stay free of Svelte.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/lib/tfrecord/**', 'src/lib/models/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tensorflow/*', 'svelte', 'svelte/*'],
              message: 'tfrecord/ and models/ are pure TypeScript: no tfjs, no Svelte.',
            },
          ],
        },
      ],
    },
  },
);
