// `npm test`: everything, in order — sample data, type checks, lint, formatting, Node unit tests, then the real-browser
// tests (headless Chromium, WebGPU through whatever adapter the machine has). Ends with one summary line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureChromium } from './chromium.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'pagetrain-test-'));
let passed = 0;
let failed = 0;
/** @type {string[]} */
const failures = [];

/**
 * @param {string} title
 * @param {string} cmd
 * @param {string[]} args
 */
function run(title, cmd, args) {
  console.log(`\n▶ ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  const ok = r.status === 0;
  if (!ok) failures.push(title);
  return ok;
}

/** @param {string} project */
function vitest(project) {
  const out = join(tmp, `${project}.json`);
  const ok = run(`${project} tests`, 'npx', [
    'vitest',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  try {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    if (report.numTotalTests === 0) {
      failures.push(`${project} tests ran no test`);
    }
  } catch {
    if (ok) failures.push(`${project} tests wrote no report`);
  }
}

let chromium;
try {
  chromium = ensureChromium();
  console.log(`pagetrain: browser tests use ${chromium}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}

run('sample data', 'npx', ['tsx', 'scripts/make-sample.ts', '--if-missing']);
// The message catalogs (messages/*.json) compile to src/paraglide, which the type checks read.
run('messages', 'npx', [
  'paraglide-js',
  'compile',
  '--project',
  './project.inlang',
  '--outdir',
  './src/paraglide',
  '--strategy',
  'baseLocale',
  '--emit-ts-declarations',
  '--silent',
]);
run('svelte-check', 'npx', ['svelte-check', '--tsconfig', './tsconfig.json', '--fail-on-warnings']);
run('tsc (tests and scripts)', 'npx', ['tsc', '-p', 'tsconfig.node.json', '--noEmit']);
run('eslint', 'npx', ['eslint', '.', '--max-warnings=0']);
run('prettier', 'npx', ['prettier', '--check', '.']);
vitest('unit');
process.env.CHROMIUM_PATH = chromium;
vitest('browser');
rmSync(tmp, { recursive: true, force: true });

console.log('');
if (failures.length) console.log(`npm test: failed steps: ${failures.join('; ')}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failures.length || failed ? 1 : 0);
