/**
 * Errors across Comlink with their code and data. Comlink's own 'throw' handler sends an Error as
 * `{ isError: true, value: { message, name, stack } }` and the receiving side throws
 * `Object.assign(new Error(value.message), value)`: every field of `value` lands on the rethrown error. This handler
 * wraps it and adds the fields the page needs — the error's `code` and `data` (shared/errors.ts: worded on the page
 * in its language) and TFRecordError's `file`, `record`, `offset` — so the page gets them with no handler of its
 * own; it installs this one too, so that both sides agree whichever throws.
 */
import * as Comlink from 'comlink';

/** Fields carried besides name, message and stack; all structured-clonable plain data. */
const CARRIED = ['code', 'data', 'file', 'record', 'offset'] as const;

type Serialized = { isError: boolean; value: Record<string, unknown> };

export function installErrorTransfer(): void {
  const base = Comlink.transferHandlers.get('throw') as Comlink.TransferHandler<
    { value: unknown },
    Serialized
  >;
  if ((base as { carriesText?: boolean }).carriesText) return;
  const handler: Comlink.TransferHandler<{ value: unknown }, Serialized> & { carriesText: true } = {
    carriesText: true,
    canHandle: (v): v is { value: unknown } => base.canHandle(v),
    serialize(thrown) {
      const [serialized, transfer] = base.serialize(thrown);
      const error = thrown.value;
      if (serialized.isError && typeof error === 'object' && error !== null) {
        for (const field of CARRIED) {
          const v = (error as Record<string, unknown>)[field];
          if (v === undefined) continue;
          try {
            // Cloned here so that a field postMessage could not clone is left out rather than losing the error.
            serialized.value[field] = structuredClone(v);
          } catch {
            /* not plain data: the message still says it all in English */
          }
        }
      }
      return [serialized, transfer];
    },
    deserialize: (serialized) => base.deserialize(serialized),
  };
  Comlink.transferHandlers.set('throw', handler);
}
