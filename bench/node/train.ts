/**
 * `npm run bench -- train --node`: the training bench's cases (bench/train-cases.ts, the project's own ml/ code) in
 * Node, on tfjs's webgpu backend over Dawn — no browser. Built into a self-contained folder (bench-node/: this script
 * bundled with tfjs, Dawn's binary, a Vulkan loader and the sample) by `npm run bench:node-bundle`; see bench/README.md.
 *
 *   node bench-node/train.mjs [--presets MLPModel,LeNetModel,ConvNetModel] [--examples N] [--data FILE]
 *                             [--rounds N] [--swiftshader]
 */
import './dawn'; // first: WebGPU on globalThis before tfjs-backend-webgpu registers
import '../../src/lib/i18n-catalog';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readSplit } from '../../src/lib/tfrecord';
import { DEFAULT_BENCH, runTrainBench } from '../train-cases';

const { values } = parseArgs({
  options: {
    presets: { type: 'string', default: '' },
    examples: { type: 'string', default: String(DEFAULT_BENCH.presetExamples) },
    data: { type: 'string' },
    rounds: { type: 'string', default: String(DEFAULT_BENCH.rounds) },
    swiftshader: { type: 'boolean', default: false },
  },
});

const here = dirname(fileURLToPath(import.meta.url));
const dataPath =
  values.data ?? [join(here, 'train.tfrecords'), 'public/sample/train.tfrecords'].find((p) => existsSync(p));
if (!dataPath) throw new Error('no training data: pass --data FILE (a TFRecord file in the starter schema)');

const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) throw new Error('Dawn found no WebGPU adapter (no Vulkan driver?): try --swiftshader');
const info = adapter.info;
console.log(
  `Node ${process.version}, Dawn (npm webgpu); adapter: vendor ${info.vendor || '?'}, architecture ` +
    `${info.architecture || '?'}, device ${info.device || '?'}, description ${info.description || '?'}`,
);
const file = new File([await readFile(dataPath)], 'train.tfrecords');
await runTrainBench(
  (files, opts) => readSplit(files, opts),
  file,
  (line) => console.log(line),
  {
    backends: ['webgpu', 'cpu'],
    presets: values.presets.split(',').filter(Boolean),
    presetBatches: DEFAULT_BENCH.presetBatches,
    presetExamples: Number(values.examples),
    rounds: Number(values.rounds),
  },
);
// Dawn keeps the event loop alive.
process.exit(0);
