/**
 * The session's log: every line since the page opened, for Download log (train.py's users piped stdout to a file),
 * while the page shows only the last ones. A long run logs tens of thousands of lines (every step for 100 epochs),
 * so the page keeps only its last lines as objects; older lines go, a chunk at a time, into Blobs, which Chromium
 * holds outside the page's heap (and moves to disk when they grow large). The download is one Blob of those Blobs
 * and the recent lines: nothing is copied into one big string.
 *
 * A line is plain text (the scripts' lines, the same in every language) or a catalog text, worded when shown, so it
 * follows a language switch while on the page. A line in a Blob was worded in the language of the moment it was
 * moved there, as a file written then would have it.
 */
import type { UserText } from '../shared/errors';

export type LogLine = UserText | string;

/** A line and its place in the session's log (1-based): the page keys what it shows by it. */
export interface NumberedLine {
  n: number;
  line: LogLine;
}

/** Lines the page holds and shows. */
export const SHOWN_LINES = 5000;
/** Lines moved into one Blob at a time (about 40 KB of step lines). */
export const LINES_PER_CHUNK = 500;

export class SessionLog {
  readonly #shown: number;
  readonly #perChunk: number;
  readonly #word: (line: LogLine) => string;
  /** The oldest lines, worded, LINES_PER_CHUNK or more to a Blob. */
  readonly #chunks: Blob[] = [];
  #inChunks = 0;
  /** The recent lines: at least the shown ones, fewer than shown + perChunk. */
  #recent: NumberedLine[] = [];

  /** `word` writes a line out (a catalog text in the page's language). */
  constructor(word: (line: LogLine) => string, shown = SHOWN_LINES, perChunk = LINES_PER_CHUNK) {
    this.#word = word;
    this.#shown = shown;
    this.#perChunk = perChunk;
  }

  /** Lines logged since the session began. */
  get count(): number {
    return this.#inChunks + this.#recent.length;
  }

  /** Lines held as objects on the page's heap; the older ones are in Blobs. */
  get held(): number {
    return this.#recent.length;
  }

  append(...lines: LogLine[]): void {
    for (const line of lines) this.#recent.push({ n: this.count + 1, line });
    if (this.#recent.length >= this.#shown + this.#perChunk) this.#spill();
  }

  /** The last lines, oldest first, as the page shows them (a new array each time, for `$state.raw`). */
  shown(): NumberedLine[] {
    return this.#recent.slice(-this.#shown);
  }

  /** The whole session's log as text, one line each, ending in a newline (empty when nothing was logged). */
  blob(): Blob {
    return new Blob([...this.#chunks, this.#text(this.#recent)], { type: 'text/plain' });
  }

  #spill(): void {
    const old = this.#recent.splice(0, this.#recent.length - this.#shown);
    this.#chunks.push(new Blob([this.#text(old)], { type: 'text/plain' }));
    this.#inChunks += old.length;
  }

  #text(lines: readonly NumberedLine[]): string {
    let out = '';
    for (const { line } of lines) out += this.#word(line) + '\n';
    return out;
  }
}
