/**
 * The page's words for what the layers below it say: a catalog text (a message key and its parameters, see
 * shared/errors.ts) or an error's code and data, worded in the page's current language, or in English for an
 * error's `message`. This is the one place codes become words.
 *
 * Wording a text by its key needs every message of the catalogs, so this module does not import them: the worker
 * (and the tests' setup) install them at start (./i18n-catalog.ts), the page loads them in a chunk of their own just
 * after it starts (state/i18n.svelte.ts), keeping them out of the bundle the page needs to become interactive.
 */
import { getLocale } from '../paraglide/runtime.js';
import { codedError, isUserText, type CodedError, type MessageKey, type UserText } from './shared/errors';
import { readerText } from './tfrecord/errors';

export type TextLocale = 'en' | 'ko';

type Render = (inputs: Record<string, string | number>, options: { locale?: TextLocale }) => string;

let catalog: Readonly<Record<string, unknown>> | null = null;

/** Makes every message of the catalogs available to renderText (the compiled `m` of paraglide). */
export function installCatalog(messages: Readonly<Record<string, unknown>>): void {
  catalog = messages;
}

/**
 * The text worded in `locale` (the page's current language when left out). A plain string (text made before this
 * module, or by a library) is shown as it is. Before the catalogs are installed (the page's first moments), the key
 * and parameters stand in; the page words it again once they are (see state/i18n.svelte.ts).
 */
export function renderText(t: UserText | string, locale?: TextLocale): string {
  if (typeof t === 'string') return t;
  // Asked first, also when there is no catalog yet: on the page this is what makes a rendering follow the language.
  const loc = locale ?? (getLocale() as TextLocale);
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(t.params))
    params[name] = typeof value === 'object' ? renderText(value, loc) : value;
  const render = catalog && Object.hasOwn(catalog, t.key) ? (catalog[t.key] as Render) : null;
  return render ? render(params, { locale: loc }) : `${t.key} ${JSON.stringify(params)}`;
}

/** The English wording, for an error's `message`. */
export const english = (t: UserText): string => renderText(t, 'en');

/** The words of an error's code and data: the reader's faults name the file, the record and the offset. */
export function errorText(e: CodedError): UserText {
  return e.name === 'TFRecordError' ? readerText(e.data) : { key: e.code as MessageKey, params: e.data };
}

/** The words an error carries as code and data (also one that crossed Comlink, see worker/error-transfer.ts), else null. */
export function textOf(e: unknown): UserText | null {
  const coded = codedError(e);
  return coded && errorText(coded);
}

/** What to show of an error (or of a text given as the cause): its structured text if it has one, else its message. */
export function shownError(e: unknown): UserText | string {
  if (isUserText(e) || typeof e === 'string') return e;
  return textOf(e) ?? (e instanceof Error ? e.message : String(e));
}
