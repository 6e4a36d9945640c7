/**
 * Labels as the starter code needs them: training and validation records without a label are refused (or skipped and
 * counted with Skip bad records), test records may have none; where each label was first seen is kept, to name the
 * record of a label that does not fit the other splits.
 */
import { describe, expect, it } from 'vitest';
import { readSplit, splitRecords } from '../../../src/lib/tfrecord';
import { encodeExample, writeTFRecords } from '../../../src/lib/tfrecord/writer';
import { failure } from './failure';

/**
 * 4×4 int64 images, record i's pixel p is 0 where p and i have the same parity (so a record written over another's
 * slot leaves the other's pixels behind); `null` labels: a record without the label feature.
 */
function file(name: string, labels: (number | null)[], empty: number[] = []): File {
  const records = labels.map((label, i) =>
    encodeExample({
      image_raw: {
        kind: 'int64',
        values: Array.from({ length: 16 }, (_, p) => (p % 2 === i % 2 ? 0 : i * 3 + p + 1)),
      },
      ...(label === null ? {} : { label: { kind: 'int64' as const, values: [label] } }),
      ...(empty.includes(i) ? { label: { kind: 'int64' as const, values: [] } } : {}),
    }),
  );
  return new File([new Uint8Array(writeTFRecords(records))], name);
}

const offsets = async (f: File) =>
  splitRecords(new Uint8Array(await f.arrayBuffer()), f.name).map((r) => r.offset);

describe('records without a label', () => {
  const labels = [3, 1, null, 4, 1, null, 5];

  it('in test data they get -1, as before', async () => {
    const split = await readSplit([file('test.tfrecords', labels)]);
    expect(Array.from(split.labels!)).toEqual([3, 1, -1, 4, 1, -1, 5]);
    expect(split.count).toBe(7);
  });

  it('in training and validation data they are refused, naming the file, the record and its offset', async () => {
    const f = file('train.tfrecords', labels);
    const err = await failure(readSplit([f], { requireLabels: true }));
    expect([err.code, err.file, err.record, err.offset]).toEqual([
      'no-label',
      'train.tfrecords',
      2,
      (await offsets(f))[2],
    ]);
    expect(err.message).toContain('no label: "label" is missing or empty');
    expect(err.message).toContain(`train.tfrecords, record 2 at byte ${(await offsets(f))[2]}`);
    // An empty label list is no label either.
    const empty = file('empty.tfrecords', [0, 1, 2], [1]);
    expect((await failure(readSplit([empty], { requireLabels: true }))).record).toBe(1);
  });

  it('with Skip bad records they are left out and counted, and the records kept are intact', async () => {
    const all = await readSplit([file('train.tfrecords', labels)]);
    const split = await readSplit([file('train.tfrecords', labels), file('more.tfrecords', [null, 2])], {
      requireLabels: true,
      skipBadRecords: true,
    });
    expect(split.count).toBe(6);
    expect(split.skipped).toBe(3);
    expect(Array.from(split.labels!)).toEqual([3, 1, 4, 1, 5, 2]);
    expect(split.files.map((f) => f.records)).toEqual([5, 1]);
    // Each kept record's pixels, none overwritten by a skipped one.
    const kept = [0, 1, 3, 4, 6];
    for (const [k, i] of kept.entries())
      expect(Array.from(split.images.subarray(k * 16, (k + 1) * 16))).toEqual(
        Array.from(all.images.subarray(i * 16, (i + 1) * 16)),
      );
    expect(split.classCounts).toEqual([0, 2, 1, 1, 1, 1]);
  });

  it('a file whose records all lack a label is refused, also with Skip bad records', async () => {
    const err = await failure(
      readSplit([file('a.tfrecords', [0, 1]), file('none.tfrecords', [null, null])], {
        requireLabels: true,
        skipBadRecords: true,
      }),
    );
    expect([err.code, err.file]).toEqual(['no-records', 'none.tfrecords']);
    expect(err.message).toContain('all 2 records have no label and were skipped');
  });

  it('a split whose first record has no label feature is refused at record 0 (the schema has no label)', async () => {
    const f = file('train.tfrecords', [null, 1, 2]);
    for (const skipBadRecords of [false, true]) {
      const err = await failure(readSplit([f], { requireLabels: true, skipBadRecords }));
      expect([err.code, err.file, err.record, err.offset]).toEqual(['no-label', 'train.tfrecords', 0, 0]);
      expect(err.message).toContain('the first record has no label feature');
    }
    // As test data it has no labels at all, as before.
    expect((await readSplit([f])).labels).toBeNull();
  });
});

describe('where each label was first seen', () => {
  it('names the file, the record index in it and its offset, across shards', async () => {
    const a = file('a.tfrecords', [0, 1, 0, 1]);
    const b = file('b.tfrecords', [1, 9, 0, 42, 9]);
    const split = await readSplit([a, b]);
    const [oa, ob] = [await offsets(a), await offsets(b)];
    expect(split.firstOfLabel).toEqual(
      new Map([
        [0, { file: 'a.tfrecords', record: 0, offset: oa[0] }],
        [1, { file: 'a.tfrecords', record: 1, offset: oa[1] }],
        [9, { file: 'b.tfrecords', record: 1, offset: ob[1] }],
        [42, { file: 'b.tfrecords', record: 3, offset: ob[3] }],
      ]),
    );
    expect(split.numClasses).toBe(43);
  });
});
