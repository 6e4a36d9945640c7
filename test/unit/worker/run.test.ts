/** The current run and the checkpoint policy: which run training writes to, forks, retention settings. */
import { describe, expect, test } from 'vitest';
import { DEFAULT_TRAIN_CONFIG } from '../../../src/lib/shared/settings';
import type { StepLog } from '../../../src/lib/shared/step-log';
import type { RunRecord } from '../../../src/lib/shared/snapshot-types';
import { CurrentRun, DEFAULT_POLICY } from '../../../src/lib/worker/run';

const config = { ...DEFAULT_TRAIN_CONFIG, model: 'LogisticModel' };
const T0 = Date.UTC(2026, 0, 2, 3, 4);

function log(step: number): StepLog {
  return {
    step,
    epoch: 0,
    loss: 1 / step,
    examplesPerSec: 100,
    hitAt1: 0.5,
    perr: 0.5,
    gap: 0.5,
    learningRate: 0.01,
    line: `training step ${step}`,
  };
}

/** A run trained to step `last`, logged every 10 steps. */
function trained(last: number): { current: CurrentRun; run: RunRecord } {
  const current = new CurrentRun();
  const run = current.begin(config, true, [], T0);
  for (let s = 10; s <= last; s += 10) current.recordLog(log(s));
  return { current, run };
}

describe('CurrentRun', () => {
  test('a new model starts a new run named after it; continuing keeps the run and its history', () => {
    const { current, run } = trained(30);
    expect(run.name).toBe('LogisticModel · 2026-01-02 03:04');
    expect(run.history.map((h) => h.step)).toEqual([10, 20, 30]);
    expect(run.globalStep).toBe(30);
    expect(run.final).toMatchObject({ step: 30, loss: 1 / 30, evaluation: null });
    // The formatted line is not stored: it is rebuilt from the numbers.
    expect('line' in run.history[0]).toBe(false);
    const again = current.begin({ ...config, batchSize: 64 }, false, []);
    expect(again.id).toBe(run.id);
    expect(again.config.batchSize).toBe(64);
    expect(current.begin(config, true, []).id).not.toBe(run.id);
  });

  test('continuing from a checkpoint before the run’s last step forks a new run there; no history is rewritten', () => {
    const { current, run } = trained(50);
    const shown = current.restored(structuredClone(run), 20);
    expect(shown!.history.map((h) => h.step)).toEqual([10, 20]);
    const fork = current.begin(config, false, [], T0 + 1);
    expect(fork.id).not.toBe(run.id);
    expect(fork.name).toBe(`${run.name} (from step 20)`);
    expect(fork.history.map((h) => h.step)).toEqual([10, 20]);
    expect(fork.globalStep).toBe(20);
    // Once forked, training on continues that run.
    expect(current.begin(config, false, []).id).toBe(fork.id);
  });

  test('validation points made during training are kept with the run; a restore or a fork keeps those up to its step', () => {
    const { current, run } = trained(50);
    const point = (step: number) => ({
      step,
      epoch: 0,
      metrics: { 'Hit@1': step / 100, PERR: 0.5, GAP: 0.5, MAP: 0.5, Loss: 1 / step, Accuracy: step / 100 },
    });
    for (const step of [20, 40]) current.recordEvalPoint(point(step));
    expect(run.evals).toEqual([point(20), point(40)]);
    // Saved with the next checkpoint, as the step logs are.
    expect(current.saved(50).evals.map((p) => p.step)).toEqual([20, 40]);
    const shown = current.restored(structuredClone(run), 30);
    expect(shown!.evals.map((p) => p.step)).toEqual([20]);
    expect(current.begin(config, false, [], T0 + 1).evals.map((p) => p.step)).toEqual([20]);
    // No run (an imported model): nothing is kept, nothing fails.
    current.forget();
    current.recordEvalPoint(point(60));
    expect(current.run).toBeNull();
  });

  test('restored at the run’s last step, training continues the same run', () => {
    const { current, run } = trained(50);
    current.restored(structuredClone(run), 50);
    expect(current.begin(config, false, []).id).toBe(run.id);
  });

  test('a checkpoint is due every everySteps steps, and only when its step is not saved yet', () => {
    const { current } = trained(0);
    current.setPolicy({ everySteps: 25 });
    expect([0, 24, 25, 26, 50].map((s) => current.due(s))).toEqual([false, false, true, false, true]);
    // A new run counts step 0 as saved (its fresh weights are not worth a checkpoint).
    expect(current.unsaved(0)).toBe(false);
    expect(current.unsaved(25)).toBe(true);
    const saved = current.saved(25, T0 + 5);
    expect(saved).toMatchObject({ globalStep: 25, updatedAt: T0 + 5 });
    expect(current.unsaved(25)).toBe(false);
    // A copy: later logs do not change what was handed out to be saved.
    current.recordLog(log(30));
    expect(saved.history).toHaveLength(0);
  });

  test('a checkpoint carries the last status line at or before its step', () => {
    const { current } = trained(30);
    expect(current.metricsAt(35)?.step).toBe(30);
    expect(current.metricsAt(25)).toBeNull();
  });

  test('retention settings: the starter code’s defaults; whole positive numbers only', () => {
    const current = new CurrentRun();
    expect(current.policy).toEqual(DEFAULT_POLICY);
    expect(DEFAULT_POLICY).toEqual({ everySteps: 1000, keepLast: 5 });
    expect(current.setPolicy({ keepLast: 2 })).toEqual({ everySteps: 1000, keepLast: 2 });
    for (const bad of [0, -1, 1.5, NaN])
      expect(() => current.setPolicy({ everySteps: bad })).toThrow(
        expect.objectContaining({ name: 'ConfigError' }),
      );
    expect(() => current.setPolicy({ keepLast: 0 })).toThrow(
      expect.objectContaining({ name: 'ConfigError' }),
    );
    // A refused change changes nothing.
    expect(() => current.setPolicy({ everySteps: 10, keepLast: 0 })).toThrow();
    expect(current.policy).toEqual({ everySteps: 1000, keepLast: 2 });
  });

  test('an imported model belongs to no run; a deleted current run is forgotten', () => {
    const { current, run } = trained(20);
    expect(current.recordEvaluation({ 'Hit@1': 0.9 }, 20)?.final?.evaluation).toEqual({ 'Hit@1': 0.9 });
    current.deleted('another');
    expect(current.run?.id).toBe(run.id);
    current.deleted(run.id);
    expect(current.run).toBeNull();
    expect(current.recordEvaluation({ 'Hit@1': 0.9 }, 20)).toBeNull();
    const { current: other } = trained(20);
    other.forget();
    expect(other.run).toBeNull();
    expect(other.unsaved(20)).toBe(false);
    expect(other.begin(config, false, []).history).toEqual([]);
  });
});
