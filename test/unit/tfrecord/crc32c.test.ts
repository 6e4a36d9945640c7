import { describe, expect, it } from 'vitest';
import { crc32c, maskCrc, maskedCrc32c } from '../../../src/lib/tfrecord';

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
});

describe('masked CRC', () => {
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
