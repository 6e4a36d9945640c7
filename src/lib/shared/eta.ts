/**
 * Pure progress arithmetic for the page: steps per second over a recent window and the time left. No tfjs here, so
 * the main thread may import it.
 */

/** One observation of the run: wall time (ms) and steps taken by this run so far. */
export interface ProgressSample {
  time: number;
  runSteps: number;
}

/** How far back the rate looks: long enough to smooth log-step sync stalls, short enough to follow a change. */
export const ETA_WINDOW_MS = 20_000;

/**
 * Seconds left for `totalSteps`, from the steps per second seen in `samples` within `windowMs` of the newest one;
 * null until two samples at least 200 ms apart exist. Samples must be in time order, and the caller drops the
 * history across a pause so paused time never counts as slow training.
 */
export function etaSeconds(
  samples: readonly ProgressSample[],
  totalSteps: number,
  windowMs = ETA_WINDOW_MS,
): number | null {
  if (samples.length < 2) return null;
  const last = samples[samples.length - 1];
  let first = samples[0];
  for (const s of samples) {
    if (last.time - s.time <= windowMs) {
      first = s;
      break;
    }
  }
  const dt = last.time - first.time;
  const ds = last.runSteps - first.runSteps;
  if (dt < 200 || ds <= 0) return null;
  const remaining = Math.max(0, totalSteps - last.runSteps);
  return (remaining * dt) / ds / 1000;
}

/** `1 h 02 min`, `3 min 05 s`, `42 s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(r).padStart(2, '0')} s`;
  return `${r} s`;
}

/** True when the tensor count after an epoch is above the one after the epoch before it (something leaks). */
export function tensorGrowth(counts: readonly number[]): { from: number; to: number } | null {
  for (let i = 1; i < counts.length; i++) {
    if (counts[i] > counts[i - 1]) return { from: counts[i - 1], to: counts[i] };
  }
  return null;
}
