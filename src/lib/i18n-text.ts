/**
 * Text for the user made outside the page (mostly in the worker), in a form that crosses to the page and is worded
 * there in the page's current language: a message key of the catalogs (messages/*.json) and its parameters, which
 * may themselves be such texts ("Cannot train {model}: {problem}").
 *
 * An error that carries one keeps a complete English `message` (console, logs, unit tests) rendered from the English
 * catalog, so the wording lives once, in messages/en.json.
 *
 * Wording a text by its key needs every message of the catalogs, so this module does not import them: the worker
 * (and the tests' setup) install them at start (./i18n-catalog.ts), the page loads them in a chunk of their own just
 * after it starts (state/i18n.svelte.ts), keeping them out of the bundle the page needs to become interactive.
 */
import type { m } from '../paraglide/messages.js';
import { getLocale } from '../paraglide/runtime.js';

export type MessageKey = keyof typeof m;
export type TextLocale = 'en' | 'ko';
export type TextParam = string | number | UserText;

export interface UserText {
  key: MessageKey;
  params: Record<string, TextParam>;
}

type Inputs<K extends MessageKey> = NonNullable<Parameters<(typeof m)[K]>[0]>;
/** A message's parameters, each a plain value or a nested text. */
export type TextParams<K extends MessageKey> = { [P in keyof Inputs<K>]: TextParam };

type Render = (inputs: Record<string, string | number>, options: { locale?: TextLocale }) => string;

let catalog: Readonly<Record<string, unknown>> | null = null;

/** Makes every message of the catalogs available to renderText (the compiled `m` of paraglide). */
export function installCatalog(messages: Readonly<Record<string, unknown>>): void {
  catalog = messages;
}

/** A text of message `key` (checked against the catalogs) with its parameters. */
export function text<K extends MessageKey>(
  key: K,
  ...params: keyof Inputs<K> extends never ? [] : [TextParams<K>]
): UserText {
  return { key, params: (params[0] ?? {}) as Record<string, TextParam> };
}

export function isUserText(v: unknown): v is UserText {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as UserText).key === 'string' &&
    /^\w+$/.test((v as UserText).key) &&
    typeof (v as UserText).params === 'object'
  );
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

/** An error whose message is a catalog text: `message` in English, `text` worded on the page in its language. */
export class TextError extends Error {
  readonly text: UserText;
  constructor(name: string, t: UserText) {
    super(english(t));
    this.name = name;
    this.text = t;
  }
}

/** The structured text an error carries (also one that crossed Comlink, see worker/error-transfer.ts), else null. */
export function textOf(e: unknown): UserText | null {
  const t = typeof e === 'object' && e !== null ? (e as { text?: unknown }).text : undefined;
  return isUserText(t) ? t : null;
}

/** What to show of an error (or of a text given as the cause): its structured text if it has one, else its message. */
export function shownError(e: unknown): UserText | string {
  if (isUserText(e) || typeof e === 'string') return e;
  return textOf(e) ?? (e instanceof Error ? e.message : String(e));
}

/** Several texts as one, separated by a space (sentences), or by a semicolon (`'text_list'`: items of a list). */
export function joinTexts(
  texts: readonly UserText[],
  how: 'text_join' | 'text_list' = 'text_join',
): UserText {
  if (texts.length === 0) throw new RangeError('joinTexts: nothing to join');
  return texts.reduce((first, rest) => text(how, { first, rest }));
}
