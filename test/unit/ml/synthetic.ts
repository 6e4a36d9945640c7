import type { HostSplit } from '../../../src/lib/ml/data';

/** A small, learnable 4×4 split for training tests: class c lights up pixel row c, plus seeded noise. */
export function synthetic(count: number, seed = 11): HostSplit {
  const images = new Uint8Array(count * 16);
  const labels = new Int32Array(count);
  let s = seed;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < count; i++) {
    const c = i % 4;
    labels[i] = c;
    for (let p = 0; p < 16; p++) images[i * 16 + p] = Math.floor(rand() * 60) + (p >> 2 === c ? 180 : 0);
  }
  return { count, images, labels, shape: [4, 4, 1], numClasses: 4 };
}
