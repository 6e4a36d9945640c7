/**
 * The page's language, reactive: paraglide's message functions ask `getLocale()`, which reads `language.current`
 * (a `$state`), so every `m.key()` in a template or `$derived` re-renders when the language changes — no reload,
 * nothing lost. The choice is kept in localStorage and mirrored in `<html lang>`.
 */
import { overwriteGetLocale } from '../../paraglide/runtime.js';
import { LOCALE_KEY, pickLocale, type AppLocale } from './locale';

function stored(): string | null {
  try {
    return localStorage.getItem(LOCALE_KEY);
  } catch {
    return null;
  }
}

class Language {
  current = $state<AppLocale>(
    pickLocale(stored(), typeof navigator === 'undefined' ? [] : navigator.languages),
  );

  /**
   * True once every message is loaded for texts made outside the page (worker errors, notices: lib/i18n-text.ts).
   * They come in a chunk of their own, fetched as the page starts, so the page is interactive without them.
   */
  catalogReady = $state(false);

  constructor() {
    if (typeof document !== 'undefined') document.documentElement.lang = this.current;
  }

  set(locale: AppLocale): void {
    this.current = locale;
    document.documentElement.lang = locale;
    try {
      localStorage.setItem(LOCALE_KEY, locale);
    } catch (e) {
      console.warn('pagetrain: the language choice could not be kept', e);
    }
  }
}

export const language = new Language();
// Reading catalogReady here makes every wording that asks for the locale (renderText too) follow the catalog's arrival.
overwriteGetLocale(() => {
  void language.catalogReady;
  return language.current;
});
import('../i18n-catalog').then(
  () => (language.catalogReady = true),
  (e: unknown) => console.error('pagetrain: the messages for worker texts did not load', e),
);
