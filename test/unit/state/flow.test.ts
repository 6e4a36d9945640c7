/**
 * The flow's step states and the feedback's title and notices, as pure functions of the page state. The page state
 * here is a plain object with the AppState fields they read (the real class starts a worker).
 */
import { describe, expect, test } from 'vitest';
import {
  currentStep,
  flowSteps,
  nextText,
  stepStates,
  type FlowInput,
} from '../../../src/lib/state/flow.svelte';
import { EtaClock, keepLast, noticeOf, titleOf } from '../../../src/lib/state/feedback.svelte';

const split = { hasLabels: true, count: 100 };
const base = {
  job: null,
  phase: 'idle',
  failed: null,
  splits: {},
  configProblems: {},
  config: { model: 'LogisticModel' },
  hasModel: false,
  canTrain: false,
  canEvaluate: false,
  canPredict: false,
  evaluation: null,
  predictions: null,
};
const input = (over: Record<string, unknown>) => ({ ...base, ...over }) as unknown as FlowInput;
const states = (over: Record<string, unknown>) => stepStates(input(over));

describe('the flow', () => {
  test('a new page: every step empty, the data step current', () => {
    const steps = flowSteps(input({}));
    expect(states({})).toEqual({
      data: 'empty',
      model: 'empty',
      train: 'empty',
      evaluate: 'empty',
      predict: 'empty',
    });
    expect(currentStep(steps)).toBe('data');
    expect(nextText(steps[0], input({}))).toBe('Start here: choose or drop files');
  });

  test('only test data loaded: data is ready (it still needs training data), the rest waits', () => {
    const over = { splits: { test: { hasLabels: false, count: 5 } } };
    expect(states(over)).toMatchObject({ data: 'ready', model: 'empty', train: 'empty' });
    expect(nextText(flowSteps(input(over))[0], input(over))).toBe('Add training data with labels');
  });

  test('data loaded: model and train are ready; while training, train is running', () => {
    const loaded = { splits: { train: split, validation: split, test: split }, canTrain: true };
    expect(states(loaded)).toMatchObject({ data: 'done', model: 'ready', train: 'ready', evaluate: 'empty' });
    expect(currentStep(flowSteps(input(loaded)))).toBe('model');
    expect(states({ ...loaded, job: 'loading' })).toMatchObject({ data: 'running' });
    expect(states({ ...loaded, phase: 'training', canTrain: false })).toMatchObject({ train: 'running' });
    expect(states({ ...loaded, configProblems: { batchSize: 'bad' } })).toMatchObject({ model: 'error' });
  });

  test('trained, evaluated, predicted: done all along; a failed step says error', () => {
    const trained = {
      splits: { train: split, validation: split, test: split },
      hasModel: true,
      canTrain: true,
      canEvaluate: true,
      canPredict: true,
    };
    expect(states(trained)).toEqual({
      data: 'done',
      model: 'done',
      train: 'done',
      evaluate: 'ready',
      predict: 'ready',
    });
    const all = input({
      ...trained,
      evaluation: { metrics: { 'Hit@1': 0.9123 } },
      predictions: { count: 10 },
    });
    const steps = flowSteps(all);
    expect(steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(nextText(steps[3], all)).toBe('Hit@1 0.912');
    expect(nextText(steps[1], all)).toBe('LogisticModel trained');
    expect(currentStep(steps)).toBe('predict');
    expect(states({ ...trained, job: 'evaluating' })).toMatchObject({ evaluate: 'running' });
    expect(states({ ...trained, failed: 'predict' })).toMatchObject({ predict: 'error' });
    expect(states({ ...trained, hasModel: false, failed: 'train' })).toMatchObject({ train: 'error' });
    expect(states({ failed: 'data' })).toMatchObject({ data: 'error' });
  });
});

describe('feedback', () => {
  test("the title shows the running job's progress, and the plain name otherwise", () => {
    expect(titleOf(null)).toBe('pagetrain');
    expect(titleOf({ kind: 'training', done: 21, total: 50, eta: null })).toBe('42% · Training — pagetrain');
    expect(titleOf({ kind: 'reading', done: 1, total: 4, eta: 3 })).toBe('25% · Reading — pagetrain');
    expect(titleOf({ kind: 'evaluating', done: 0, total: 1, eta: null })).toBe('0% · Evaluating — pagetrain');
    expect(titleOf({ kind: 'predicting', done: 999, total: 1000, eta: null })).toBe(
      '99% · Predicting — pagetrain',
    );
  });

  test('a notice per finished job, at most three at a time', () => {
    expect(['data', 'train', 'evaluate', 'predict'].map((j) => noticeOf(j as 'data'))).toEqual([
      'Data read.',
      'Training done.',
      'Evaluation done.',
      'Prediction done: predictions.csv is ready.',
    ]);
    expect(keepLast([1, 2, 3, 4])).toEqual([2, 3, 4]);
  });

  test('EtaClock: time left from the rate, and a new job starts afresh', () => {
    const clock = new EtaClock();
    expect(clock.observe('a', 0, 100, 0)).toBeNull();
    expect(clock.observe('a', 10, 100, 1000)).toBeCloseTo(9, 6);
    expect(clock.observe('a', 20, 100, 2000)).toBeCloseTo(8, 6);
    expect(clock.observe('b', 50, 100, 3000)).toBeNull();
  });
});
