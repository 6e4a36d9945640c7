/**
 * Which steps are unfolded in the one-column layout (phones, narrow windows): there a finished step folds to its
 * heading and one line, so the page after the whole job is a few screens, not eight. A step stays unfolded while it
 * is the one to take next, while the person works in it (the last step they clicked or typed in), or when they
 * unfolded it themselves; their own choice, either way, wins. On a wide screen nothing folds (the CSS says so).
 */
import type { FlowState, StepId } from '../lib/state/flow.svelte';

export class Folds {
  #flow: FlowState;
  /** The person's own choices, by step. */
  #chosen = $state<Partial<Record<StepId, boolean>>>({});
  /** The step the person last worked in. */
  active = $state<StepId | null>(null);

  constructor(flow: FlowState) {
    this.#flow = flow;
  }

  open(id: StepId): boolean {
    const chosen = this.#chosen[id];
    if (chosen !== undefined) return chosen;
    const step = this.#flow.steps.find((s) => s.id === id)!;
    return step.state !== 'done' || id === this.#flow.current || id === this.active;
  }

  toggle(id: StepId): void {
    this.#chosen[id] = !this.open(id);
  }

  /** Unfolds a step the person went to (a link of the steps bar). */
  show(id: StepId): void {
    this.#chosen[id] = true;
  }

  /** The step whose section holds this element (the section's id is the step's target), if any. */
  stepOf(el: Element | null): StepId | null {
    const id = el?.closest('section[id]')?.id;
    return this.#flow.steps.find((s) => s.target === id)?.id ?? null;
  }

  /** What one folded step shows beside its heading: the steps bar's line for it. */
  fold(id: StepId, name: string): Fold {
    const step = this.#flow.steps.find((s) => s.id === id)!;
    return {
      id: step.target,
      name,
      open: this.open(id),
      summary: this.#flow.next(step),
      toggle: () => this.toggle(id),
    };
  }
}

/** One step's fold, as its section needs it. */
export interface Fold {
  /** The section's id (what the button controls). */
  id: string;
  /** The step's name, said after Show/Hide to screen readers. */
  name: string;
  open: boolean;
  /** The one line a folded step shows. */
  summary: string;
  toggle: () => void;
}
