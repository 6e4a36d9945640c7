/**
 * A parse worker: reads one piece of a split (a run of whole records of one file) for the training worker's pool
 * (parse-pool.ts, tfrecord/parallel.ts). The decoded pixels and labels are transferred back, not copied.
 */
import * as Comlink from 'comlink';
import { readSplit, type FeatureSchema } from '../tfrecord';

const api = {
  async read(
    piece: Blob,
    name: string,
    schema: FeatureSchema,
    { skipBadRecords, requireLabels }: { skipBadRecords: boolean; requireLabels: boolean },
    onProgress?: (bytesRead: number, records: number) => void,
  ) {
    const result = await readSplit([new File([piece], name)], {
      knownSchema: schema,
      skipBadRecords,
      requireLabels,
      onProgress: onProgress && ((p) => onProgress(p.bytesRead, p.records)),
    });
    const buffers: ArrayBuffer[] = [result.images.buffer as ArrayBuffer];
    if (result.labels) buffers.push(result.labels.buffer as ArrayBuffer);
    return Comlink.transfer(result, buffers);
  },
};

export type ParseWorkerApi = typeof api;

Comlink.expose(api);
