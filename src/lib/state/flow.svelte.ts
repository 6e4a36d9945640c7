/**
 * The page's flow as a person meets it — Data → Model → Train → Evaluate → Predict & export — derived from AppState:
 * each step's state (empty: it needs something first; ready: it can run; running; done; error: its last run failed)
 * and a short line saying what it needs next.
 */
import { m } from '../../paraglide/messages.js';
import type { AppState } from './app.svelte';

export type StepId = 'data' | 'model' | 'train' | 'evaluate' | 'predict';
export type StepState = 'empty' | 'ready' | 'running' | 'done' | 'error';
/** The steps whose jobs can fail (AppState.failed). */
export type FlowJob = 'data' | 'train' | 'evaluate' | 'predict';

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

export class FlowState {
  #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
  }

  data = $derived.by((): StepState => {
    const app = this.#app;
    if (app.job === 'loading') return 'running';
    if (app.failed === 'data') return 'error';
    if (app.splits.train?.hasLabels) return 'done';
    return Object.keys(app.splits).length ? 'ready' : 'empty';
  });

  model = $derived.by((): StepState => {
    const app = this.#app;
    if (!app.splits.train) return 'empty';
    if (Object.keys(app.configProblems).length) return 'error';
    return app.hasModel ? 'done' : 'ready';
  });

  train = $derived.by((): StepState => {
    const app = this.#app;
    if (app.phase !== 'idle') return 'running';
    if (app.failed === 'train') return 'error';
    if (app.hasModel) return 'done';
    return app.canTrain ? 'ready' : 'empty';
  });

  evaluate = $derived.by((): StepState => {
    const app = this.#app;
    if (app.job === 'evaluating') return 'running';
    if (app.failed === 'evaluate') return 'error';
    if (app.evaluation) return 'done';
    return app.canEvaluate ? 'ready' : 'empty';
  });

  predict = $derived.by((): StepState => {
    const app = this.#app;
    if (app.job === 'predicting') return 'running';
    if (app.failed === 'predict') return 'error';
    if (app.predictions) return 'done';
    return app.canPredict ? 'ready' : 'empty';
  });

  steps = $derived<FlowStep[]>([
    { id: 'data', state: this.data, target: 'data' },
    { id: 'model', state: this.model, target: 'train' },
    { id: 'train', state: this.train, target: 'train' },
    { id: 'evaluate', state: this.evaluate, target: 'evaluate' },
    { id: 'predict', state: this.predict, target: 'predict' },
  ]);

  /** Where the person is: the first step not done (the last one when all are). */
  current = $derived<StepId>(this.steps.find((s) => s.state !== 'done')?.id ?? 'predict');

  /** Nothing loaded yet: the page greets a newcomer with one line. */
  newcomer = $derived(this.data === 'empty');

  /** What the step needs next, in the page's language. */
  next(step: FlowStep): string {
    const app = this.#app;
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
        return (
          { empty: m.next_model_empty, error: m.next_model_error }[step.state as 'empty' | 'error']?.() ??
          m.next_model_ready()
        );
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
}
