/**
 * Every fixture pair in test/fixtures/tfrecord: `name.json` says what reading the files must give. The files are
 * read whole (a File) and in 7-byte chunks, and must match what make-fixtures.ts builds today.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TFRecordError, readSplit } from '../../../src/lib/tfrecord';
import { buildFixtures, type FixtureSpec } from '../../fixtures/tfrecord/make-fixtures';
import { decodePngAsync } from '../../fixtures/tfrecord/png';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/tfrecord');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

function load(name: string): FixtureSpec {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as FixtureSpec;
}

/** A Blob whose stream hands out `chunk`-byte pieces, to put record boundaries across chunks. */
function chunkedFile(bytes: Uint8Array, name: string, chunk: number): File {
  let at = 0;
  const stream = () =>
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(at, (at += chunk)));
      },
    });
  return { name, size: bytes.length, stream } as unknown as File;
}

const modes = ['whole', 'chunks of 7'] as const;

describe.each(names)('fixture %s', (name) => {
  const spec = load(name);
  const fileNames = spec.files ?? [`${name}.tfrecords`];
  const open = (mode: (typeof modes)[number]) =>
    fileNames.map((f) => {
      const bytes = new Uint8Array(readFileSync(join(dir, f)));
      return mode === 'whole' ? new File([bytes], f) : chunkedFile(bytes, f, 7);
    });

  it.each(modes)(`${spec.description} (%s)`, async (mode) => {
    const reading = readSplit(open(mode), { ...spec.options, decodeImage: decodePngAsync });
    if (spec.error) {
      const err = await reading.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TFRecordError);
      const { message, ...where } = spec.error;
      expect(err).toMatchObject(where);
      for (const part of message) expect((err as Error).message).toContain(part);
      return;
    }
    const expected = spec.expect!;
    const got = await reading;
    expect(got.count).toBe(expected.count);
    expect(got.schema).toEqual(expected.schema);
    expect(got.labels === null ? null : Array.from(got.labels)).toEqual(expected.labels);
    expect(got.ids).toEqual(expected.ids);
    expect(got.numClasses).toBe(expected.numClasses);
    expect(got.classCounts).toEqual(expected.classCounts);
    expect(got.skipped).toBe(expected.skipped);
    expect(got.files.map((f) => f.records)).toEqual(expected.records);
    expect(got.files.map((f) => f.name)).toEqual(fileNames);
    const { height, width, depth } = expected.schema;
    expect(got.images.length).toBe(expected.count * height * width * depth);
    expected.images.forEach((image, i) => {
      expect(Array.from(got.images.subarray(i * image.length, (i + 1) * image.length))).toEqual(image);
    });
  });
});

describe('fixture files', () => {
  it('are what make-fixtures.ts builds (run `npx tsx test/fixtures/tfrecord/make-fixtures.ts` after changing it)', () => {
    const { files, specs } = buildFixtures();
    expect(names).toEqual([...specs.keys()].sort());
    for (const [name, spec] of specs) expect(load(name)).toEqual(JSON.parse(JSON.stringify(spec)));
    for (const [name, bytes] of files) {
      const onDisk = new Uint8Array(readFileSync(join(dir, name)));
      // zlib's output may differ between versions: compare compressed files by their content, and the corrupt ones
      // (which do not decompress) only by existing.
      const plain = (b: Uint8Array): Buffer | null => {
        try {
          return name.endsWith('.gz')
            ? gunzipSync(b)
            : name.includes('zlib')
              ? inflateSync(b)
              : Buffer.from(b);
        } catch {
          return null;
        }
      };
      const [a, b] = [plain(onDisk), plain(bytes)];
      expect(a === null ? b === null : b !== null && a.equals(b), name).toBe(true);
    }
  });
});
