/**
 * The page's flow as a person meets it — Data → Model → Train → Evaluate → Predict & export — derived from AppState:
 * each step's state (empty: it needs something first; ready: it can run; running; done; error: its last run failed)
 * and a short line saying what it needs next.
 */
import { m } from '../../paraglide/messages.js';
import type { TrainConfig } from '../shared/settings';
import type { EvalResult, PredictResult, SplitName, SplitSummary } from '../shared/worker-types';
import type { FlowJob, Job, Phase } from './types';

export type StepId = 'data' | 'model' | 'train' | 'evaluate' | 'predict';
export type StepState = 'empty' | 'ready' | 'running' | 'done' | 'error';

export interface FlowStep {
  id: StepId;
  state: StepState;
  /** The section the step's controls are in (an element id). */
  target: string;
}

export const STEP_NAME: Record<StepId, () => string> = {
  data: m.step_data,
  model: m.step_model,
  train: m.step_train,
  evaluate: m.step_evaluate,
  predict: m.step_predict,
};

export const STATE_NAME: Record<StepState, () => string> = {
  empty: m.state_empty,
  ready: m.state_ready,
  running: m.state_running,
  done: m.state_done,
  error: m.state_error,
};

/** What the flow reads of the page state (AppState has all of it). */
export interface FlowInput {
  readonly job: Job;
  readonly phase: Phase;
  readonly failed: FlowJob | null;
  readonly splits: Partial<Record<SplitName, Pick<SplitSummary, 'hasLabels'>>>;
  readonly configProblems: Partial<Record<keyof TrainConfig, string>>;
  readonly config: Pick<TrainConfig, 'model'>;
  readonly hasModel: boolean;
  readonly canTrain: boolean;
  readonly canEvaluate: boolean;
  readonly canPredict: boolean;
  readonly evaluation: Pick<EvalResult, 'metrics'> | null;
  readonly predictions: PredictResult | null;
}

/** A step's state from what is true of it, the first that holds winning. */
function stateOf(running: boolean, failed: boolean, done: boolean, ready: boolean): StepState {
  if (running) return 'running';
  if (failed) return 'error';
  if (done) return 'done';
  return ready ? 'ready' : 'empty';
}

/** Each step's state, from the page state (pure: the class below derives it). */
export function stepStates(app: FlowInput): Record<StepId, StepState> {
  const data = stateOf(
    app.job === 'loading',
    app.failed === 'data',
    !!app.splits.train?.hasLabels,
    Object.keys(app.splits).length > 0,
  );
  const model: StepState = !app.splits.train
    ? 'empty'
    : stateOf(false, Object.keys(app.configProblems).length > 0, app.hasModel, true);
  const train = stateOf(app.phase !== 'idle', app.failed === 'train', app.hasModel, app.canTrain);
  const evaluate = stateOf(
    app.job === 'evaluating',
    app.failed === 'evaluate',
    !!app.evaluation,
    app.canEvaluate,
  );
  const predict = stateOf(
    app.job === 'predicting',
    app.failed === 'predict',
    !!app.predictions,
    app.canPredict,
  );
  return { data, model, train, evaluate, predict };
}

const TARGET: Record<StepId, string> = {
  data: 'data',
  model: 'models',
  train: 'train',
  evaluate: 'evaluate',
  predict: 'predict',
};

/** The steps in order with their states. */
export function flowSteps(app: FlowInput): FlowStep[] {
  const st = stepStates(app);
  return (Object.keys(TARGET) as StepId[]).map((id) => ({ id, state: st[id], target: TARGET[id] }));
}

/** Where the person is: the first step not done (the last one when all are). */
export function currentStep(steps: FlowStep[]): StepId {
  return steps.find((s) => s.state !== 'done')?.id ?? 'predict';
}

/** What a step needs next, in the page's language. */
export function nextText(step: FlowStep, app: FlowInput): string {
  switch (step.id) {
    case 'data':
      return {
        empty: m.next_data_empty,
        ready: m.next_data_no_train,
        running: m.next_data_running,
        done: m.next_data_done,
        error: m.next_data_no_train,
      }[step.state]();
    case 'model':
      if (step.state === 'done') return m.next_model_done({ model: app.config.model });
      if (step.state === 'empty') return m.next_model_empty();
      return step.state === 'error' ? m.next_model_error() : m.next_model_ready();
    case 'train':
      return {
        empty: m.next_train_empty,
        ready: m.next_train_ready,
        running: m.next_train_running,
        done: m.next_train_done,
        error: m.next_train_error,
      }[step.state]();
    case 'evaluate':
      if (step.state === 'done' && app.evaluation)
        return m.next_eval_done({ hit: app.evaluation.metrics['Hit@1'].toFixed(3) });
      return {
        empty: m.next_eval_empty,
        ready: m.next_eval_ready,
        running: m.next_eval_running,
        done: m.next_eval_ready,
        error: m.next_eval_error,
      }[step.state]();
    case 'predict':
      return {
        empty: m.next_predict_empty,
        ready: m.next_predict_ready,
        running: m.next_predict_running,
        done: m.next_predict_done,
        error: m.next_predict_error,
      }[step.state]();
  }
}

export class FlowState {
  #app: FlowInput;

  constructor(app: FlowInput) {
    this.#app = app;
  }

  steps = $derived.by(() => flowSteps(this.#app));
  current = $derived(currentStep(this.steps));
  /** Nothing loaded yet: the page greets a newcomer with one line. */
  newcomer = $derived(this.steps[0].state === 'empty');

  next(step: FlowStep): string {
    return nextText(step, this.#app);
  }
}
