/**
 * The TFRecord reader's faults: the one error type of the lower layers (../shared/errors.ts) with a precise code
 * (`data-crc`) and where it happened (file, record index, byte offset). The page words it from the code's text and
 * the place (`readerText`); the English message reads
 * `tfrecord: data CRC mismatch in train-00001.tfrecords, record 17 at byte 40960`.
 */

import { PagetrainError, text, type ErrorData, type TextParam, type UserText } from '../shared/errors';

export type TFRecordErrorCode =
  /** The file has 0 bytes (or 0 bytes after gzip decompression). */
  | 'empty'
  /** The file ends inside a record header or body. */
  | 'truncated'
  /** A record header's CRC does not match: corrupt header, or not a TFRecord file at all (record 0). */
  | 'length-crc'
  /** A record body's CRC does not match: corrupt data. */
  | 'data-crc'
  /** A header (with a valid CRC) declares a record larger than the limit; nothing was allocated. */
  | 'absurd-length'
  /** The record is not a valid `tf.train.Example` protobuf. */
  | 'not-example'
  /** No usable image feature: missing, of another kind than the first record's, encoded (PNG/JPEG), or pixel values outside 0..255. */
  | 'no-image'
  /** An encoded image (PNG/JPEG/…) that the image decoder could not decode. */
  | 'image-decode'
  /** The image's value count differs from the schema's height × width × depth. */
  | 'image-size'
  /** The label is negative, not an integer, too large, of an unusable kind, or has several values. */
  | 'bad-label'
  /** A training or validation record without a label, or such a split whose first record has no label feature. */
  | 'no-label'
  /** An int64 value lies beyond ±(2^53 − 1), where a JavaScript number would round it. */
  | 'int64-range'
  /** Corrupt or truncated gzip (or zlib) data, or compressed bytes given to the synchronous splitRecords. */
  | 'gzip'
  /** A feature the user chose (image, label, id) is missing from the records or of an unusable kind. */
  | 'bad-schema'
  /** A file (or the whole split) yields no records. */
  | 'no-records'
  /** The split would take more memory than the caller allows (readSplit's `maxBytes`). */
  | 'too-large';

export class TFRecordError extends PagetrainError {
  override readonly name = 'TFRecordError';
  override readonly code: TFRecordErrorCode;
  readonly file: string;
  /** 0-based record index in the file, -1 if the fault is not in one record. */
  readonly record: number;
  /** Byte offset of the record's start (of the decompressed stream for gzip files), -1 if not applicable. */
  readonly offset: number;

  /**
   * @param what what is wrong, in a few words (a catalog text; a plain string is shown as it is): `data CRC
   *   mismatch`. The message adds where, then the hint:
   *   `tfrecord: data CRC mismatch in train-00001.tfrecords, record 17 at byte 40960`.
   * @param hint optional explanation appended after the location (`the file does not look like a TFRecord file`).
   */
  constructor(
    code: TFRecordErrorCode,
    what: UserText | string,
    file: string,
    record = -1,
    offset = -1,
    hint: UserText | string = '',
  ) {
    const data: ErrorData = { what, file, record, offset };
    if (hint) data.hint = hint;
    super('TFRecordError', code, data);
    this.code = code;
    this.file = file;
    this.record = record;
    this.offset = offset;
  }
}

/** The words of a reader fault from its data: what is wrong, where, and the hint. */
export function readerText(data: ErrorData): UserText {
  const num = (v: TextParam | undefined) => (typeof v === 'number' ? v : -1);
  const record = num(data.record);
  const offset = num(data.offset);
  const what = data.what ?? '';
  const file = typeof data.file === 'string' && data.file ? data.file : text('tf_unnamed_file');
  const where = { what, file, record, offset };
  const located =
    record >= 0
      ? offset >= 0
        ? text('tf_at_record_offset', where)
        : text('tf_at_record', where)
      : offset >= 0
        ? text('tf_at_offset', where)
        : text('tf_in_file', where);
  return data.hint ? text('tf_with_hint', { message: located, hint: data.hint }) : located;
}

/** True for a TFRecordError, also one that crossed a Comlink boundary as a plain `{ name, message }`. */
export function isTFRecordError(e: unknown): e is TFRecordError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'TFRecordError';
}
