/**
 * Text for the user made outside the page (mostly in the worker), in a form that crosses to the page and is worded
 * there in the page's current language: a message key of the catalogs (messages/*.json) and its parameters, which
 * may themselves be such texts ("Cannot train {model}: {problem}").
 *
 * An error that carries one keeps a complete English `message` (console, logs, unit tests) rendered from the English
 * catalog, so the wording lives once, in messages/en.json.
 */
import { m } from '../paraglide/messages.js';

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
    Object.hasOwn(m, (v as UserText).key) &&
    typeof (v as UserText).params === 'object'
  );
}

/**
 * The text worded in `locale` (the page's current language when left out). A plain string (text made before this
 * module, or by a library) is shown as it is.
 */
export function renderText(t: UserText | string, locale?: TextLocale): string {
  if (typeof t === 'string') return t;
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(t.params))
    params[name] = typeof value === 'object' ? renderText(value, locale) : value;
  return (m[t.key] as unknown as Render)(params, locale ? { locale } : {});
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
