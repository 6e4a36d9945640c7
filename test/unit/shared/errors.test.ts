/**
 * The lower layers' one error type: a code and its data, English in `message` (worded from the English catalog the
 * tests' setup installs, as the worker's entry does), and the page's words from code + data alone — also after the
 * error crossed a thread as plain data.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { renderText, textOf } from '../../../src/lib/i18n-text';
import { buildModel } from '../../../src/lib/ml/models';
import { PagetrainError, codedError, text } from '../../../src/lib/shared/errors';
import { TFRecordError } from '../../../src/lib/tfrecord';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** What the page receives once an error has crossed the worker boundary: its fields as plain data. */
const crossed = (e: Error) => structuredClone({ ...e, name: e.name, message: e.message });

describe('PagetrainError', () => {
  test('a catalog text: its key is the code, its parameters the data, its English the message', () => {
    const e = new PagetrainError('StateError', text('worker_busy', { action: text('act_load_data') }));
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code]).toEqual(['StateError', 'worker_busy']);
    expect(e.data).toEqual({ action: text('act_load_data') });
    expect(e.message).toBe('Cannot load data while training is running: pause or stop it first.');
    expect(renderText(textOf(crossed(e))!, 'en')).toBe(e.message);
    expect(renderText(textOf(crossed(e))!, 'ko')).toBe(
      '학습 중에는 데이터 불러오기 작업을 할 수 없습니다. 먼저 일시 정지하거나 멈추세요.',
    );
  });

  test("ml/'s errors are coded too: an unknown model names itself in both languages", () => {
    let thrown: unknown = null;
    try {
      buildModel({ name: 'Nope', inputShape: [28, 28, 1], numClasses: 10, seed: 0 });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(PagetrainError);
    const e = thrown as PagetrainError;
    expect([e.name, e.code, e.data]).toEqual(['ModelError', 'model_unknown', { name: 'Nope' }]);
    expect(e.message).toBe('model: unknown model "Nope" (no definition was given for it)');
    const korean = renderText(textOf(crossed(e))!, 'ko');
    expect(korean).toContain('"Nope"');
    expect(korean).toMatch(/[\uac00-\ud7a3]/);
  });

  test("a reader fault's code is its fault; the page words it from the data with the file, record and offset", () => {
    const e = new TFRecordError('data-crc', text('tf_data_crc'), 'train.tfrecords', 3, 2868);
    expect(e).toBeInstanceOf(PagetrainError);
    expect(codedError(crossed(e))).toEqual({
      name: 'TFRecordError',
      code: 'data-crc',
      data: { what: text('tf_data_crc'), file: 'train.tfrecords', record: 3, offset: 2868 },
    });
    expect(renderText(textOf(crossed(e))!, 'en')).toBe(
      'tfrecord: data CRC mismatch in train.tfrecords, record 3 at byte 2868',
    );
    expect(renderText(textOf(crossed(e))!, 'ko')).toBe(
      'tfrecord: train.tfrecords, 레코드 3(바이트 2868): 데이터 CRC 불일치',
    );
  });

  test('an error without a code and data has no words of its own', () => {
    expect(codedError(new Error('plain'))).toBeNull();
    expect(textOf(Object.assign(new Error('x'), { code: 22 }))).toBeNull();
  });
});
