/** Words the page's state classes share, kept apart so that none of them imports another for a type. */

/** Where training is: idle, running, paused, or stopping at the next step. */
export type Phase = 'idle' | 'training' | 'paused' | 'stopping';
/** The one job other than training that may run: reading files, evaluating or predicting. */
export type Job = 'loading' | 'evaluating' | 'predicting' | null;
/** The steps of the flow whose jobs can fail (AppState.failed) or end well (the notices). */
export type FlowJob = 'data' | 'train' | 'evaluate' | 'predict';
