/**
 * What the layers below the page say, as codes and data rather than words: a catalog text is a message key of the
 * catalogs (messages/*.json) and its parameters, and the one error type carries a code, its data (file, record,
 * offset, …) and an English message for the console and for tests. The page words codes in its language, in one
 * place (../i18n-text.ts); nothing here imports the catalogs (the key type below is erased at build time).
 *
 * The English message comes from the English catalog, installed at start where errors are made (the training
 * worker's entry and the tests' setup import ../i18n-catalog.ts); before that, or where nothing installs it (a
 * parse worker), the message is the code and its data.
 */
import type { m } from '../../paraglide/messages.js';

/** A message of the catalogs, by name. */
export type MessageKey = keyof typeof m;
export type TextParam = string | number | UserText;

/** A catalog text: a message key and its parameters, which may themselves be texts ("Cannot train {model}: {problem}"). */
export interface UserText {
  key: MessageKey;
  params: Record<string, TextParam>;
}

type Inputs<K extends MessageKey> = NonNullable<Parameters<(typeof m)[K]>[0]>;
/** A message's parameters, each a plain value or a nested text. */
export type TextParams<K extends MessageKey> = { [P in keyof Inputs<K>]: TextParam };

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

/** Several texts as one, separated by a space (sentences), or by a semicolon (`'text_list'`: items of a list). */
export function joinTexts(
  texts: readonly UserText[],
  how: 'text_join' | 'text_list' = 'text_join',
): UserText {
  if (texts.length === 0) throw new RangeError('joinTexts: nothing to join');
  return texts.reduce((first, rest) => text(how, { first, rest }));
}

/** An error's data: plain, structured-clonable values and texts (it crosses the worker boundary as it is). */
export type ErrorData = Record<string, TextParam>;

/** What an error is, as it crosses the worker boundary: enough for the page to word it. */
export interface CodedError {
  name: string;
  code: string;
  data: ErrorData;
}

type English = (e: CodedError) => string;
let wordEnglish: English | null = null;

/** Words errors' messages in English from here on (../i18n-catalog.ts installs the English catalog's wording). */
export function installEnglish(english: English): void {
  wordEnglish = english;
}

/**
 * The one error type of the layers below the page. `code` says what is wrong: the catalog key of its text, or for
 * the TFRecord reader its fault (`data-crc`, see ../tfrecord/errors.ts); `data` holds the text's parameters and where
 * it happened; `name` sorts errors for people and tests (`ModelError`, `StoreError`, `TFRecordError`, …).
 */
export class PagetrainError extends Error implements CodedError {
  readonly code: string;
  readonly data: ErrorData;

  /** An error worded by one catalog text: its key is the code, its parameters the data. */
  constructor(name: string, what: UserText);
  constructor(name: string, code: string, data: ErrorData);
  constructor(name: string, what: UserText | string, data: ErrorData = {}) {
    const code = typeof what === 'string' ? what : what.key;
    const fields = typeof what === 'string' ? data : what.params;
    const coded = { name, code, data: fields };
    super(wordEnglish ? wordEnglish(coded) : `${code} ${JSON.stringify(fields)}`);
    this.name = name;
    this.code = code;
    this.data = fields;
  }
}

/** The code and data an error carries (also one that crossed the worker boundary as a plain object), else null. */
export function codedError(e: unknown): CodedError | null {
  if (typeof e !== 'object' || e === null) return null;
  const { name, code, data } = e as Partial<CodedError>;
  return typeof code === 'string' && typeof data === 'object' && data !== null
    ? { name: typeof name === 'string' ? name : 'Error', code, data }
    : null;
}
