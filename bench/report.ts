/** The page side of the bench protocol: figures are published on `window.__bench` for scripts/bench.mjs to print. */
interface BenchState {
  lines: string[];
  done: boolean;
  error?: string;
}

declare global {
  interface Window {
    __bench?: BenchState;
  }
}

export function startReport(): { line(text: string): void; done(): void; fail(e: unknown): void } {
  const state: BenchState = { lines: [], done: false };
  window.__bench = state;
  const out = document.createElement('pre');
  document.body.append(out);
  return {
    line(text) {
      state.lines.push(text);
      out.textContent += text + '\n';
    },
    done() {
      state.done = true;
    },
    fail(e) {
      state.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      state.done = true;
    },
  };
}
