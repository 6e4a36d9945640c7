/**
 * The page's one alert: what failed and why, kept structured (what failed, and the error's catalog text when it has
 * one) so that it follows a later language switch; `message` is its wording in the page's current language.
 */
import { renderText, shownError } from '../i18n-text';
import type { UserText } from '../shared/errors';

export class Alert {
  #failure = $state.raw<{ what: string | (() => string); cause: UserText | string | null } | null>(null);

  get message(): string | null {
    const f = this.#failure;
    if (!f) return null;
    const what = typeof f.what === 'string' ? f.what : f.what();
    return f.cause === null ? what : `${what}: ${renderText(f.cause)}`;
  }

  /** Clears the alert, or shows a message already worded. */
  show(message: string | null): void {
    this.#failure = message === null ? null : { what: message, cause: null };
  }

  /** A warning, not a failure (a label beyond the other splits' classes): worded again on a language switch. */
  warn(what: () => string): void {
    this.#failure = { what, cause: null };
  }

  /** `what` failed (a function of the language, to follow a switch; or a string fixed when it failed) because of `e`. */
  fail(what: string | (() => string), e: unknown): void {
    console.error(typeof what === 'string' ? what : what(), e);
    this.#failure = { what, cause: shownError(e) };
  }
}
