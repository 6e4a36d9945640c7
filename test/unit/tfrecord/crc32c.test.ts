import { describe, expect, it } from 'vitest';
import { crc32c, maskCrc, maskedCrc32c } from '../../../src/lib/tfrecord';
import { maskedCrc32c8, wordsOf } from '../../../src/lib/tfrecord/crc32c';

const ascii = (s: string) => new TextEncoder().encode(s);
const unmask = (m: number) => {
  const rot = (m - 0xa282ead8) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
};

describe('crc32c', () => {
  // RFC 3720 (iSCSI) appendix B.4 and the standard check value.
  it.each([
    ['"123456789"', ascii('123456789'), 0xe3069283],
    ['32 bytes of 0x00', new Uint8Array(32), 0x8a9136aa],
    ['32 bytes of 0xff', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['bytes 0..31 ascending', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['bytes 31..0 descending', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
    ['no bytes', new Uint8Array(0), 0],
  ])('%s', (_, bytes, expected) => {
    expect(crc32c(bytes)).toBe(expected);
  });

  it('covers [start, end) only, for every alignment of the 8-byte loop', () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff);
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= 100; end += 13) {
        expect(crc32c(bytes, start, end)).toBe(crc32c(bytes.slice(start, end)));
      }
    }
  });

  it('gives the same CRC through word loads, for every alignment of the view, start and end', () => {
    const buffer = new ArrayBuffer(1203); // not a multiple of 4: the last bytes lie beyond the words
    const all = new Uint8Array(buffer);
    for (let i = 0; i < all.length; i++) all[i] = (i * 131 + 7) & 0xff;
    // Bitwise reference: the definition of CRC-32C, one bit at a time.
    const reference = (b: Uint8Array) => {
      let crc = 0xffffffff;
      for (const x of b) {
        crc ^= x;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
      }
      return (crc ^ 0xffffffff) >>> 0;
    };
    for (let offset = 0; offset < 4; offset++) {
      const bytes = new Uint8Array(buffer, offset, all.length - offset);
      const words = wordsOf(bytes);
      for (let start = 0; start < 6; start++) {
        for (const end of [
          start,
          start + 63,
          start + 64,
          start + 65,
          start + 257,
          bytes.length - 3,
          bytes.length,
        ]) {
          const expected = reference(bytes.slice(start, end));
          expect(crc32c(bytes, start, end, words)).toBe(expected);
          expect(crc32c(bytes, start, end)).toBe(expected);
        }
      }
    }
  });
});

describe('masked CRC', () => {
  it('of the 8 length bytes, as one slicing-by-8 step', () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => (i * 97 + 5) & 0xff);
    for (let at = 0; at + 8 <= bytes.length; at++) {
      expect(maskedCrc32c8(bytes, at)).toBe(maskedCrc32c(bytes, at, at + 8));
    }
  });

  it('rotates right by 15 and adds 0xa282ead8', () => {
    expect(maskCrc(0)).toBe(0xa282ead8);
    expect(maskCrc(0xe3069283)).toBe((((0xe3069283 >>> 15) | (0xe3069283 << 17)) + 0xa282ead8) >>> 0);
    expect(maskedCrc32c(ascii('123456789'))).toBe(maskCrc(0xe3069283));
  });

  it('differs from the CRC and unmasks back to it (TensorFlow crc32c_test)', () => {
    for (const crc of [0, 1, 0xe3069283, 0x8a9136aa, 0xffffffff, 0x12345678]) {
      expect(maskCrc(crc)).not.toBe(crc);
      expect(maskCrc(maskCrc(crc))).not.toBe(maskCrc(crc));
      expect(unmask(maskCrc(crc))).toBe(crc);
      expect(unmask(unmask(maskCrc(maskCrc(crc))))).toBe(crc);
    }
  });
});
