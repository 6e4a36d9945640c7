/**
 * Text made outside the page (worker, reader, store) as catalog texts: every key the code uses is in both catalogs
 * and worded in Korean; TFRecordError keeps its English message and renders in Korean with the file, the record and
 * the byte offset; the structured text and TFRecordError's fields cross Comlink.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { describe, expect, test } from 'vitest';
import { renderText, shownError, textOf } from '../../../src/lib/i18n-text';
import { text, PagetrainError, type UserText } from '../../../src/lib/shared/errors';
import { TFRecordError, readSplit } from '../../../src/lib/tfrecord';
import { installErrorTransfer } from '../../../src/lib/worker/error-transfer';
import type { FixtureSpec } from '../../fixtures/tfrecord/make-fixtures';
import { decodePngAsync } from '../../fixtures/tfrecord/png';
import { inputsOf } from './catalogs.test';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const catalog = (locale: string) =>
  JSON.parse(readFileSync(join(root, `messages/${locale}.json`), 'utf8')) as Record<string, string>;
const en = catalog('en');
const ko = catalog('ko');
const HANGUL = /[\uac00-\ud7a3]/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'paraglide' ? [] : sources(p);
    return /\.(ts|svelte)$/.test(f) ? [p] : [];
  });
}

/** Message keys the code names as texts: `text('key'`, and the key tables (`'act_…'`, `ROLE_TEXT`, `FIELD_TEXT`). */
function keysUsed(): string[] {
  const keys = new Set<string>();
  for (const file of sources(join(root, 'src'))) {
    const src = readFileSync(file, 'utf8');
    for (const [, k] of src.matchAll(/\btext\(\s*'(\w+)'/g)) keys.add(k);
    for (const [, k] of src.matchAll(/'((?:act|tf_role|field)_\w+)'/g)) keys.add(k);
  }
  return [...keys].sort();
}

/** Keys that only arrange other texts, or a name kept as it is: the same in both languages by design. */
const ARRANGING = new Set([
  'text_join',
  'text_list',
  'text_raw',
  'text_sentence',
  'store_write_failed',
  'tf_in_file',
  'tf_with_hint',
  'tf_role_id',
  'def_problems',
  'spec_layer_error',
  'spec_layer_problem',
]);

describe('catalog texts used by the code', () => {
  const keys = keysUsed();

  test('are many, and every one is in both catalogs', () => {
    expect(keys.length).toBeGreaterThan(150);
    expect(keys.filter((k) => !(k in en) || !(k in ko))).toEqual([]);
  });

  test('every one is worded in Korean: with its parameters filled, the Korean differs from the English', () => {
    const same = keys.filter((k) => {
      if (ARRANGING.has(k)) return false;
      const params = Object.fromEntries(inputsOf(en[k]).map((p) => [p, `<${p}>`]));
      const t = { key: k, params } as UserText;
      const korean = renderText(t, 'ko');
      return korean === renderText(t, 'en') || !HANGUL.test(korean);
    });
    expect(same).toEqual([]);
  });
});

describe('TFRecordError', () => {
  test('keeps its English message and renders in Korean with the file, record and byte offset', () => {
    const e = new TFRecordError('data-crc', text('tf_data_crc'), 'train-00001.tfrecords', 17, 40960);
    expect(e.message).toBe('tfrecord: data CRC mismatch in train-00001.tfrecords, record 17 at byte 40960');
    expect(renderText(textOf(e)!, 'en')).toBe(e.message);
    expect(renderText(textOf(e)!, 'ko')).toBe(
      'tfrecord: train-00001.tfrecords, 레코드 17(바이트 40960): 데이터 CRC 불일치',
    );
    const hinted = new TFRecordError(
      'gzip',
      text('tf_gzip_corrupt', { compression: 'gzip' }),
      'a.gz',
      -1,
      -1,
      'x',
    );
    expect(hinted.message).toBe('tfrecord: corrupt or truncated gzip data in a.gz: x');
    expect(renderText(textOf(hinted)!, 'ko')).toBe('tfrecord: a.gz: 손상되었거나 잘린 gzip 데이터 — x');
  });

  // Every failing fixture (one or more per error code), read as the page reads it.
  const fixtures = join(root, 'test/fixtures/tfrecord');
  const failing = readdirSync(fixtures)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({
      name: f.slice(0, -5),
      spec: JSON.parse(readFileSync(join(fixtures, f), 'utf8')) as FixtureSpec,
    }))
    .filter(({ spec }) => spec.error);

  test("the failing fixtures cover the reader's error codes", () => {
    const codes = new Set(failing.map(({ spec }) => spec.error!.code));
    for (const code of [
      'empty',
      'truncated',
      'length-crc',
      'data-crc',
      'absurd-length',
      'no-image',
      'bad-label',
    ])
      expect(codes, code).toContain(code);
    expect(codes.size).toBeGreaterThanOrEqual(10);
  });

  test.each(failing.map(({ name, spec }) => [name, spec] as const))(
    '%s: Korean, naming the file, the record and the offset',
    async (name, spec) => {
      const files = (spec.files ?? [`${name}.tfrecords`]).map(
        (f) => new File([new Uint8Array(readFileSync(join(fixtures, f)))], f),
      );
      const err = await readSplit(files, { ...spec.options, decodeImage: decodePngAsync }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TFRecordError);
      const e = err as TFRecordError;
      const korean = renderText(textOf(e)!, 'ko');
      expect(renderText(textOf(e)!, 'en')).toBe(e.message);
      expect(korean).not.toBe(e.message);
      expect(korean).toMatch(HANGUL);
      expect(korean).toContain(e.file);
      if (e.record >= 0) expect(korean).toContain(`레코드 ${e.record}`);
      if (e.offset >= 0) expect(korean).toContain(`바이트 ${e.offset}`);
    },
  );
});

describe('errors across Comlink', () => {
  test('the throw handler carries the text and TFRecordError fields; the page renders them in its language', async () => {
    installErrorTransfer();
    const { port1, port2 } = new MessageChannel();
    const api = {
      read(): void {
        throw new TFRecordError('data-crc', text('tf_data_crc'), 'train.tfrecords', 3, 2868);
      },
      busy(): void {
        throw new PagetrainError('StateError', text('worker_busy', { action: text('act_load_data') }));
      },
      plain(): void {
        throw new Error('plain');
      },
    };
    Comlink.expose(api, port1 as unknown as Comlink.Endpoint);
    const remote = Comlink.wrap<typeof api>(port2 as unknown as Comlink.Endpoint);
    try {
      const e = (await remote.read().catch((x: unknown) => x)) as TFRecordError;
      expect(e).toBeInstanceOf(Error);
      expect(e).toMatchObject({
        name: 'TFRecordError',
        code: 'data-crc',
        file: 'train.tfrecords',
        record: 3,
        offset: 2868,
      });
      expect(e.message).toBe('tfrecord: data CRC mismatch in train.tfrecords, record 3 at byte 2868');
      expect(renderText(shownError(e), 'ko')).toBe(
        'tfrecord: train.tfrecords, 레코드 3(바이트 2868): 데이터 CRC 불일치',
      );

      const busy = await remote.busy().catch((x: unknown) => x);
      expect((busy as Error).name).toBe('StateError');
      expect((busy as Error).message).toBe(
        'Cannot load data while training is running: pause or stop it first.',
      );
      expect(renderText(textOf(busy)!, 'ko')).toBe(
        '학습 중에는 데이터 불러오기 작업을 할 수 없습니다. 먼저 일시 정지하거나 멈추세요.',
      );

      const plain = await remote.plain().catch((x: unknown) => x);
      expect(textOf(plain)).toBeNull();
      expect(shownError(plain)).toBe('plain');
    } finally {
      remote[Comlink.releaseProxy]();
      port1.close();
      port2.close();
    }
  });
});
