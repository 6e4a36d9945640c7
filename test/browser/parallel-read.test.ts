/**
 * A large split read in pieces at once (tfrecord/parallel.ts, worker/parse-pool.ts) through the page: the parse worker
 * really runs, the split is what one reader gives, a bad record late in the file is named exactly as one reader names
 * it (file, record index, byte offset) and loses nothing, and skipping it keeps the rest.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readSplit, splitRecords } from '../../src/lib/tfrecord';
import { encodeExample, writeTFRecords } from '../../src/lib/tfrecord/writer';
import { openApp, waitForStatus, type Session } from './harness';

/** 6,000 MNIST-like records, about 7.4 MB: three 2 MiB shares, so a 2-core machine's one parse worker reads one. */
function bigFile(): Uint8Array<ArrayBuffer> {
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
  const records = Array.from({ length: 6000 }, () =>
    encodeExample({
      image_raw: { kind: 'int64', values: Array.from({ length: 784 }, () => next()) },
      label: { kind: 'int64', values: [next() % 10] },
    }),
  );
  return new Uint8Array(writeTFRecords(records));
}

describe('a large split read in pieces by parse workers', () => {
  let s: Session;
  const bytes = bigFile();
  beforeAll(async () => {
    s = await openApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  const training = () => s.page.getByRole('group', { name: 'Training data split', exact: true });
  const load = (name: string, data: Uint8Array) =>
    s.page
      .getByLabel('Training data', { exact: true })
      .setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(data) });

  test('loads as one reader loads it, with a parse worker running', async () => {
    const expected = await readSplit([new File([bytes], 'big.tfrecords')]);
    await load('big.tfrecords', bytes);
    await waitForStatus(s.page, /Loaded Training data: 6,?000 examples/, 120_000);
    const workers = s.page.workers().map((w) => w.url());
    expect(
      workers.some((u) => /parse\.worker/.test(u)),
      workers.join(', '),
    ).toBe(true);
    const summary = (await training().locator('.summary').textContent()) ?? '';
    expect(summary).toContain('6,000 examples · 28×28×1');
    // The class histogram: one bar per class with its count, as one reader counts them.
    const bars = training().getByRole('list', { name: 'Class histogram' }).getByRole('listitem');
    expect((await bars.allTextContents()).map((t) => t.trim())).toEqual(
      expected.classCounts.map((n, c) => `${c}: ${n.toLocaleString('en')}`),
    );
  });

  test('a bad record in the parse worker’s share is named by file, record and byte; nothing is lost', async () => {
    const bad = bytes.slice();
    const record = 5000; // in the last third: the parse worker's share
    const at = splitRecords(bad, 'big.tfrecords')[record].offset;
    bad[at + 100] ^= 0xff;
    await load('bad-big.tfrecords', bad);
    const alert = s.page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 120_000 }).toContain('data CRC mismatch');
    expect(await alert.textContent()).toContain(`bad-big.tfrecords, record ${record} at byte ${at}`);
    expect(await training().locator('.summary').textContent()).toContain('6,000 examples');
    await alert.getByRole('button', { name: 'Dismiss' }).click();

    await s.page.getByLabel('Skip bad records').check();
    await load('bad-big.tfrecords', bad);
    await waitForStatus(s.page, /Loaded Training data: 5,?999 examples/, 120_000);
    expect(await training().locator('.summary').textContent()).toContain('1 bad records skipped');
    await s.page.getByLabel('Skip bad records').uncheck();
  });
});
