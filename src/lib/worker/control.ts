/**
 * Whether a run is going, and Pause / Resume / Stop between its steps; and the throttle on its progress messages.
 * No tfjs: Node tests drive it.
 */
import { text, PagetrainError, type MessageKey } from '../shared/errors';

type Action = `act_${string}` & MessageKey;

/** A macrotask turn (faster than setTimeout's 4 ms clamp), so queued Pause/Stop messages get handled. */
export class Turns {
  readonly #channel = new MessageChannel();
  readonly #waiting: (() => void)[] = [];

  constructor() {
    this.#channel.port1.onmessage = () => this.#waiting.shift()?.();
  }

  next(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#channel.port2.postMessage(null);
    });
  }

  /** Frees the channel (Node keeps a process alive while a port listens). */
  close(): void {
    this.#channel.port1.close();
  }
}

export class RunControl {
  #running = false;
  #paused = false;
  #stopRequested = false;
  #wakeUp: (() => void) | null = null;
  readonly #turns: Turns;

  constructor(turns = new Turns()) {
    this.#turns = turns;
  }

  get running(): boolean {
    return this.#running;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Throws a StateError naming `action` while a run is going. */
  checkIdle(action: Action): void {
    if (this.#running) throw new PagetrainError('StateError', text('worker_busy', { action: text(action) }));
  }

  begin(): void {
    this.#running = true;
    this.#paused = false;
    this.#stopRequested = false;
  }

  end(): void {
    this.#running = false;
    this.#paused = false;
  }

  /** Pauses between two steps; false when nothing is running. */
  pause(): boolean {
    if (!this.#running) return false;
    this.#paused = true;
    return true;
  }

  resume(): void {
    this.#paused = false;
    this.#wakeUp?.();
  }

  stop(): void {
    this.#stopRequested = true;
    this.#paused = false;
    this.#wakeUp?.();
  }

  /**
   * Between two steps: yields one turn (so Pause/Stop arrive), then waits while paused. `onPause` runs once when it
   * holds, and is awaited before it holds (the page then shows the step it holds at).
   */
  async between(onPause?: () => unknown): Promise<'continue' | 'stop'> {
    await this.#turns.next();
    if (this.#paused) await onPause?.();
    while (this.#paused && !this.#stopRequested)
      await new Promise<void>((resolve) => (this.#wakeUp = resolve));
    return this.#stopRequested ? 'stop' : 'continue';
  }
}

/**
 * Sends the latest of what `send` was given at most every `ms` milliseconds; `flush` sends what waits at once (when
 * a run pauses or ends, so the page shows the step it holds at).
 */
export class Throttle<T> {
  readonly #ms: number;
  readonly #now: () => number;
  #pending: { value: T; send: (v: T) => void } | null = null;
  #lastAt = -Infinity;

  constructor(ms: number, now: () => number = () => performance.now()) {
    this.#ms = ms;
    this.#now = now;
  }

  /** `send` wrapped: each call replaces what waits, and goes out when `ms` have passed since the last send. */
  wrap(send: (v: T) => void): (v: T) => void {
    return (value) => {
      this.#pending = { value, send };
      if (this.#now() - this.#lastAt >= this.#ms) this.flush();
    };
  }

  flush(): void {
    this.#lastAt = this.#now();
    const p = this.#pending;
    this.#pending = null;
    p?.send(p.value);
  }
}
