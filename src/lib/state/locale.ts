/**
 * Which language the page starts in: the one the user chose on the page (kept in localStorage), else the first of
 * the browser's languages that pagetrain speaks (`ko`, `ko-KR` → Korean; `en-*` → English), else English.
 */
export const LOCALES = ['en', 'ko'] as const;
export type AppLocale = (typeof LOCALES)[number];
export const LOCALE_KEY = 'pagetrain.locale';

export function isAppLocale(v: unknown): v is AppLocale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

export function pickLocale(stored: string | null, languages: readonly string[]): AppLocale {
  if (isAppLocale(stored)) return stored;
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isAppLocale(base)) return base;
  }
  return 'en';
}
