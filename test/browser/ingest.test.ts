/**
 * TFRecord ingestion through the page: every schema's fixture loaded with the file input shows its count, shape,
 * class histogram and a grid of its first images drawn from the decoded bytes (encoded PNGs decoded by the real
 * browser in the worker); skip bad records; a schema override; and drag and drop of shards, and of a real folder.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeExample, writeTFRecords } from '../../src/lib/tfrecord/writer';
import type { FixtureSpec } from '../fixtures/tfrecord/make-fixtures';
import { openApp, type Session } from './harness';

const dir = 'test/fixtures/tfrecord';
const spec = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as FixtureSpec;

/** RGBA pixels of a canvas on the page. */
function canvasPixels(canvas: Locator): Promise<number[]> {
  return canvas.evaluate((c: HTMLCanvasElement) =>
    Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data),
  );
}

/** An image stored with depth 1 or 3 as the RGBA a canvas shows. */
function asRgba(image: number[], depth: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < image.length / depth; p++) {
    const px = depth === 1 ? [image[p], image[p], image[p]] : image.slice(p * 3, p * 3 + 3);
    out.push(...px, 255);
  }
  return out;
}

/** Runs `action`, then waits for a new status line; returns it. */
async function newStatusLine(s: Session, action: () => Promise<unknown>): Promise<string> {
  const lines = s.page.getByRole('status').locator('div');
  const before = await lines.count();
  await action();
  await expect.poll(() => lines.count(), { timeout: 60_000 }).toBeGreaterThan(before);
  return (await lines.last().textContent()) ?? '';
}

describe('loading each schema through the page', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  const training = () => s.page.getByRole('group', { name: 'Training data split', exact: true });

  async function loadTraining(files: string[]): Promise<void> {
    const input = s.page.getByLabel('Training data', { exact: true });
    const line = await newStatusLine(s, () => input.setInputFiles(files.map((f) => join(dir, f))));
    expect(line).toMatch(new RegExp(`Loaded Training data: .* from ${files.length} file`));
  }

  const schemas = [
    ['int64-seed', [0]],
    ['bytes-raw', [0, 2]],
    ['float-01', [1]],
    ['int64-seed-gzip', [3]],
    ['sharded', [3]],
    ['encoded-png', [0, 1, 2]],
    // Record 2 is RGBA: the canvas the worker decodes on premultiplies alpha, so only 0 and 1 compare exactly.
    ['encoded-png-rgb', [0, 1]],
  ] as const;

  test.each(schemas)('%s: count, shape, schema, histogram and first images', async (name, compare) => {
    const { page } = s;
    const want = spec(name).expect!;
    const files = spec(name).files ?? [`${name}.tfrecords`];
    await loadTraining(files);
    const card = training();
    const { height, width, depth, imageKey, imageKind } = want.schema;
    const summary = (await card.locator('.summary').textContent()) ?? '';
    expect(summary).toContain(`${height}×${width}×${depth}`);
    expect(summary).toContain(`${want.numClasses} classes`);
    expect(await card.locator('.schema').textContent()).toContain(`image ${imageKey} (${imageKind})`);
    for (const f of files) expect(await card.locator('.files').textContent()).toContain(f);

    const bars = card.getByRole('list', { name: 'Class histogram' }).getByRole('listitem');
    await expect.poll(() => bars.count()).toBe(want.numClasses);
    for (const [c, n] of want.classCounts.entries()) {
      expect(await bars.nth(c).getAttribute('title')).toBe(`class ${c}: ${n}`);
    }
    const cells = card.getByRole('list', { name: 'First images' }).getByRole('listitem');
    expect(await cells.count()).toBe(Math.min(24, want.count));
    for (const [i, label] of want.labels!.entries()) {
      expect(await cells.nth(i).locator('.label').textContent()).toBe(String(label));
    }
    for (const i of compare) {
      expect(await canvasPixels(cells.nth(i).locator('canvas'))).toEqual(asRgba(want.images[i], depth));
    }
    expect(await page.getByRole('alert').textContent()).toBe('');
  });

  test('encoded JPEG (made by the browser itself): decoded in the worker, colour kept as depth 3', async () => {
    const { page } = s;
    // Two 8×6 JPEGs drawn in flat colour blocks, encoded by Chromium's own JPEG encoder.
    const jpegs = await page.evaluate(async () => {
      const out: number[][] = [];
      for (const colour of ['#c03020', '#2040d0']) {
        const canvas = new OffscreenCanvas(8, 6);
        const ctx = canvas.getContext('2d')!;
        ctx.fillStyle = colour;
        ctx.fillRect(0, 0, 8, 6);
        const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 });
        out.push(Array.from(new Uint8Array(await blob.arrayBuffer())));
      }
      return out;
    });
    const records = jpegs.map((bytes, i) =>
      encodeExample({
        'image/encoded': { kind: 'bytes', values: [new Uint8Array(bytes)] },
        'image/format': { kind: 'bytes', values: ['jpeg'] },
        'image/class/label': { kind: 'int64', values: [i] },
        'image/filename': { kind: 'bytes', values: [`photo-${i}.jpg`] },
      }),
    );
    const input = page.getByLabel('Training data', { exact: true });
    const line = await newStatusLine(s, () =>
      input.setInputFiles({
        name: 'photos.tfrecords',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from(writeTFRecords(records)),
      }),
    );
    expect(line).toContain('Loaded Training data: 2 examples');
    const card = training();
    expect(await card.locator('.summary').textContent()).toContain('6×8×3');
    expect(await card.locator('.schema').textContent()).toContain(
      'image image/encoded (encoded), label image/class/label, id image/filename',
    );
    const cells = card.getByRole('list', { name: 'First images' }).getByRole('listitem');
    expect(await cells.count()).toBe(2);
    // JPEG is lossy: each pixel within a few levels of its flat colour.
    const expected = [
      [0xc0, 0x30, 0x20],
      [0x20, 0x40, 0xd0],
    ];
    for (const [i, rgb] of expected.entries()) {
      const px = await canvasPixels(cells.nth(i).locator('canvas'));
      expect(px.length).toBe(8 * 6 * 4);
      for (let p = 0; p < px.length; p += 4) {
        for (let c = 0; c < 3; c++) expect(Math.abs(px[p + c] - rgb[c])).toBeLessThanOrEqual(8);
      }
    }
  });

  test('an encoded image that does not decode: an alert naming the file, record and byte; the split is kept', async () => {
    const { page } = s;
    const bad = spec('encoded-bad').error!;
    await page.getByLabel('Training data', { exact: true }).setInputFiles(join(dir, bad.file));
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toContain('does not decode');
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain(`${bad.file}, record ${bad.record} at byte ${bad.offset}`);
    expect(await training().locator('.summary').textContent()).toContain('2 examples · 6×8×3'); // the JPEGs
    await alert.getByRole('button', { name: 'Dismiss' }).click();
  });

  test('skip bad records: the count is shown; unchecked, the same file is an error', async () => {
    const { page } = s;
    const skip = page.getByLabel('Skip bad records');
    await skip.check();
    await loadTraining(['skip-bad-records.tfrecords']);
    const summary = training().locator('.summary');
    expect(await summary.textContent()).toContain('2 examples');
    expect(await summary.textContent()).toContain('1 bad records skipped');
    await skip.uncheck();
    await page
      .getByLabel('Training data', { exact: true })
      .setInputFiles(join(dir, 'bad-data-crc.tfrecords'));
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('data CRC mismatch');
    expect(await summary.textContent()).toContain('2 examples');
    await page.getByRole('alert').getByRole('button', { name: 'Dismiss' }).click();
  });

  test('a schema override reads the split again with the chosen label and id', async () => {
    const { page } = s;
    await loadTraining(['override.tfrecords']);
    const card = training();
    expect(await card.locator('.schema').textContent()).toContain('label label');
    expect(await card.locator('.summary').textContent()).toContain('2 classes');
    await card.getByText('Change schema').click();
    await card.getByLabel('Label feature').selectOption('coarse');
    await card.getByLabel('Id feature').selectOption('name');
    const reload = card.getByRole('button', { name: 'Reload with this schema' });
    expect(await newStatusLine(s, () => reload.click())).toContain('Loaded Training data: 2 examples');
    expect(await card.locator('.schema').textContent()).toContain('label coarse, id name');
    expect(await card.locator('.summary').textContent()).toContain('4 classes');
    const bars = card.getByRole('list', { name: 'Class histogram' }).getByRole('listitem');
    expect(await bars.count()).toBe(4);
    const cells = card.getByRole('list', { name: 'First images' }).getByRole('listitem');
    expect(await cells.locator('.label').allTextContents()).toEqual(['1', '3']);
    expect(await page.getByRole('alert').textContent()).toBe('');
  });

  test('dropping two shards on the validation area loads them as one split, highlighted while dragging', async () => {
    const { page } = s;
    const names = ['sharded-00001-of-00002.tfrecords', 'sharded-00000-of-00002.tfrecords'];
    const files = names.map((name) => ({ name, bytes: Array.from(readFileSync(join(dir, name))) }));
    const data = await page.evaluateHandle((files) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
      return dt;
    }, files);
    const card = page.getByRole('group', { name: 'Validation data split', exact: true });
    await card.dispatchEvent('dragenter', { dataTransfer: data });
    await expect.poll(() => card.getAttribute('class')).toContain('dragging');
    const line = await newStatusLine(s, () => card.dispatchEvent('drop', { dataTransfer: data }));
    expect(line).toContain('Loaded Validation data: 4 examples from 2 file');
    expect(await card.getAttribute('class')).not.toContain('dragging');
    // Shards are read in name order whatever order they were dropped in.
    expect(await card.locator('.files').textContent()).toMatch(/00000-of-00002.*00001-of-00002/);
    const want = spec('sharded').expect!;
    const cells = card.getByRole('list', { name: 'First images' }).getByRole('listitem');
    expect(await cells.locator('.label').allTextContents()).toEqual(want.labels!.map(String));
    // Dropped beside the split areas, a file is not opened by the browser (which would leave the page).
    const prevented = await page.evaluate((dataTransfer) => {
      const event = new DragEvent('drop', { dataTransfer, bubbles: true, cancelable: true });
      document.querySelector('header')!.dispatchEvent(event);
      return event.defaultPrevented;
    }, data);
    expect(prevented).toBe(true);
    // The training split is untouched.
    expect(await training().locator('.schema').textContent()).toContain('label coarse');
  });

  test('dropping a real folder of shards loads them as one split, hidden files and folders left out', async () => {
    // A folder on disk, dropped through Chromium's own drag and drop (DevTools' Input.dispatchDragEvent with a
    // path): the page gets real FileSystemEntry objects, as from a desktop drop, and walks the directory.
    const root = mkdtempSync(join(tmpdir(), 'pagetrain-drop-'));
    try {
      const folder = join(root, 'mnist-shards');
      mkdirSync(join(folder, '.cache'), { recursive: true });
      for (const name of ['sharded-00001-of-00002.tfrecords', 'sharded-00000-of-00002.tfrecords'])
        copyFileSync(resolve(dir, name), join(folder, name));
      // Not TFRecords: read, they would fail the load.
      writeFileSync(join(folder, '.DS_Store'), 'Bud1 junk');
      writeFileSync(join(folder, '.cache', 'x.tfrecords'), 'junk');

      const { page } = s;
      const card = page.getByRole('group', { name: 'Test data split', exact: true });
      await card.scrollIntoViewIfNeeded();
      const box = (await card.boundingBox())!;
      const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      const data = { items: [], files: [folder], dragOperationsMask: 1 };
      const cdp = await page.context().newCDPSession(page);
      const line = await newStatusLine(s, async () => {
        for (const type of ['dragEnter', 'dragOver', 'drop'] as const)
          await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
      });
      await cdp.detach();
      expect(line).toContain('Loaded Test data: 4 examples from 2 file');
      expect(await card.locator('.files').textContent()).toMatch(/00000-of-00002.*00001-of-00002/);
      const want = spec('sharded').expect!;
      const cells = card.getByRole('list', { name: 'First images' }).getByRole('listitem');
      expect(await cells.locator('.label').allTextContents()).toEqual(want.labels!.map(String));
      expect(await page.getByRole('alert').textContent()).toBe('');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a dropped file shows reading progress (bytes and records) while it loads', async () => {
    const { page } = s;
    // Every progress line the page shows, recorded as it appears (the read takes a fraction of a second).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __progress: string[] }).__progress = seen;
      new MutationObserver(() => {
        const line = document.querySelector('.progress-line')?.textContent?.trim();
        if (line && seen.at(-1) !== line) seen.push(line);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const data = await page.evaluateHandle(async () => {
      const bytes = await (await fetch('sample/train.tfrecords')).arrayBuffer();
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'train.tfrecords'));
      return dt;
    });
    const card = page.getByRole('group', { name: 'Test data split', exact: true });
    const line = await newStatusLine(s, () => card.dispatchEvent('drop', { dataTransfer: data }));
    expect(line).toContain('Loaded Test data: 8000 examples from 1 file');
    const seen = await page.evaluate(() => (window as unknown as { __progress: string[] }).__progress);
    const partial = seen.filter((l) =>
      /^Reading train\.tfrecords: [\d.]+ MB of 7\.2 MB, [1-9][\d,]* records$/.test(l),
    );
    expect(partial.length, seen.join('\n')).toBeGreaterThan(0);
  });
});
