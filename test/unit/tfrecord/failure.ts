import { expect } from 'vitest';
import { TFRecordError } from '../../../src/lib/tfrecord';

/** The TFRecordError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<TFRecordError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TFRecordError);
  return err as TFRecordError;
}
