/**
 * The English and Korean catalogs (messages/*.json, compiled by paraglide) must offer the same messages with the same
 * parameters: paraglide falls back to English for a missing key and types a message's inputs as the union over the
 * locales, so neither gap is a compile error.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { LOCALES, pickLocale } from '../../../src/lib/state/locale';

type Variant = { declarations?: string[]; selectors?: string[]; match: Record<string, string> };
type Catalog = Record<string, string | Variant[]>;

function load(locale: string): Catalog {
  const raw = JSON.parse(readFileSync(new URL(`../../../messages/${locale}.json`, import.meta.url), 'utf8'));
  delete raw.$schema;
  return raw as Catalog;
}

/** The inputs a message takes: `{name}` placeholders, plus declared `input name`s (locals are not inputs). */
export function inputsOf(message: string | Variant[]): string[] {
  const names = new Set<string>();
  const locals = new Set<string>();
  const texts = typeof message === 'string' ? [message] : message.flatMap((v) => Object.values(v.match));
  if (typeof message !== 'string') {
    for (const v of message)
      for (const d of v.declarations ?? []) {
        const input = /^input (\w+)$/.exec(d);
        if (input) names.add(input[1]);
        const local = /^local (\w+) =/.exec(d);
        if (local) locals.add(local[1]);
      }
  }
  for (const t of texts) for (const [, n] of t.matchAll(/\{(\w+)\}/g)) if (!locals.has(n)) names.add(n);
  return [...names].sort();
}

describe('message catalogs', () => {
  const en = load('en');
  const ko = load('ko');

  test('English and Korean have exactly the same keys', () => {
    expect(Object.keys(ko).sort()).toEqual(Object.keys(en).sort());
    expect(Object.keys(en).length).toBeGreaterThan(100);
  });

  test('each message takes the same parameters in both languages', () => {
    const differing = Object.keys(en).filter(
      (k) => k in ko && inputsOf(en[k]).join() !== inputsOf(ko[k]).join(),
    );
    expect(differing).toEqual([]);
  });

  test('every Korean message is written (not empty, not a copy of a whole English sentence)', () => {
    const untranslated = Object.keys(en).filter((k) => {
      const e = JSON.stringify(en[k]);
      const k_ = JSON.stringify(ko[k]);
      return k_ === '""' || (e === k_ && /[a-z]{3,} [a-z]{3,}/.test(e));
    });
    // Names that stay as they are in Korean too (the seed's and the files' names).
    expect(untranslated).toEqual([]);
  });

  test('the parameter reader sees placeholders and declared inputs, not locals', () => {
    expect(inputsOf('Loaded {label}: {n}')).toEqual(['label', 'n']);
    expect(
      inputsOf([
        {
          declarations: ['input count', 'local countPlural = count: plural'],
          selectors: ['countPlural'],
          match: { 'countPlural=*': '{count} points' },
        },
      ]),
    ).toEqual(['count']);
  });
});

describe('the starting language', () => {
  test('follows the browser: ko* is Korean, anything else English', () => {
    expect(pickLocale(null, ['ko-KR', 'en-US'])).toBe('ko');
    expect(pickLocale(null, ['ko'])).toBe('ko');
    expect(pickLocale(null, ['en-US'])).toBe('en');
    expect(pickLocale(null, ['fr-FR', 'de'])).toBe('en');
    expect(pickLocale(null, [])).toBe('en');
  });

  test('a choice made on the page wins over the browser', () => {
    expect(pickLocale('en', ['ko-KR'])).toBe('en');
    expect(pickLocale('ko', ['en-US'])).toBe('ko');
    expect(pickLocale('xx', ['ko-KR'])).toBe('ko');
    expect([...LOCALES]).toEqual(['en', 'ko']);
  });
});
