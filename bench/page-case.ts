/**
 * The page's own figure, beside the kernels-only one (`npm run bench -- train`): the app's worker (src/lib/worker/
 * train.worker.ts, started by src/lib/worker/client.ts as the page starts it) trains LogisticModel on the bundled
 * sample through its Comlink API with the page's defaults (evaluation during training and checkpoints on, the fused
 * kernels), 20 epochs, its progress and log crossing to this page as callback proxies exactly as they cross to the
 * app's. Wall clock from the first message at or past step 10 to Done training (the train() call resolving, the final
 * checkpoint written), as a user would time it.
 */
import { proxy, sampleUrls, startWorker } from '../src/lib/worker/client';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/lib/shared/settings';
import type { StepBatch } from '../src/lib/shared/step-log';
import type { Progress, RunTiming } from '../src/lib/shared/worker-types';

export const PAGE_EPOCHS = 20;

export interface PageFigure {
  examplesPerSec: number;
  /** The step the clock started at (the first message at or past step 10). */
  fromStep: number;
  seconds: number;
  path: string;
  lines: number;
  /** Where the whole run's time went (the worker's own clock), ms. */
  timing?: RunTiming;
}

export async function measurePage(say: (line: string) => void): Promise<PageFigure> {
  const handle = startWorker((reason) => say(`page: worker lost: ${JSON.stringify(reason)}`));
  try {
    const { remote } = handle;
    const backend = await remote.init('webgpu');
    say(`page: the app's worker on ${backend.name} (${backend.adapter})`);
    const summaries = await remote.loadSample(sampleUrls('/'));
    const count = summaries.find((s) => s.split === 'train')!.count;
    // A fresh database per run would need a new origin; the first run in this profile starts from an empty one.
    const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, numEpochs: PAGE_EPOCHS, startNewModel: true };
    const perEpoch = Math.ceil(count / config.batchSize);
    /** Examples trained by the end of global step `s` (steps start at 1; an epoch's last batch may be smaller). */
    const examplesAt = (s: number) =>
      Math.floor(s / perEpoch) * count + Math.min((s % perEpoch) * config.batchSize, count);
    let from: { step: number; at: number } | null = null;
    let lines = 0;
    const seen = (step: number) => {
      if (!from && step >= 10) from = { step, at: performance.now() };
    };
    const outcome = await remote.train(
      config,
      proxy({
        onSteps: (b: StepBatch) => {
          lines += b.lines.length;
          if (b.lines.length) seen(b.lines.at(-1)!.step);
        },
        onProgress: (p: Progress) => seen(p.step),
        onEpochEnd: () => {},
        onEval: () => {},
      }),
    );
    const end = performance.now();
    if (!from) throw new Error('page: no message at or past step 10');
    const start = from as { step: number; at: number };
    const examples = examplesAt(outcome.globalStep) - examplesAt(start.step);
    return {
      examplesPerSec: (examples * 1000) / (end - start.at),
      fromStep: start.step,
      seconds: (end - start.at) / 1000,
      path: outcome.path,
      lines,
      timing: outcome.timing,
    };
  } finally {
    handle.terminate();
  }
}
