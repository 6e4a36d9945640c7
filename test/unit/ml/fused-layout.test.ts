import { describe, expect, test } from 'vitest';
import { fusedLayout, fusedPart, packFusedState } from '../../../src/lib/ml/fused-logistic';

describe('the fused state layout [W | b | m_W | m_b | v_W | v_b]', () => {
  test('parts follow each other without gaps, 3·(D·C + C) floats in all', () => {
    const l = fusedLayout(3, 2);
    expect(l.K).toBe(8);
    expect([l.W, l.b, l.mW, l.mb, l.vW, l.vb]).toEqual([
      [0, 6],
      [6, 8],
      [8, 14],
      [14, 16],
      [16, 22],
      [22, 24],
    ]);
    expect(l.total).toBe(24);
  });

  test('packing then reading each part gives the parts back; absent moments are zero', () => {
    const l = fusedLayout(2, 2);
    const W = Float32Array.from([1, 2, 3, 4]);
    const b = Float32Array.from([5, 6]);
    const all = packFusedState(l, { W, b, vb: Float32Array.from([7, 8]) });
    expect(Array.from(fusedPart(all, l, 'W'))).toEqual([1, 2, 3, 4]);
    expect(Array.from(fusedPart(all, l, 'b'))).toEqual([5, 6]);
    expect(Array.from(fusedPart(all, l, 'mW'))).toEqual([0, 0, 0, 0]);
    expect(Array.from(fusedPart(all, l, 'vb'))).toEqual([7, 8]);
  });

  test('a part of the wrong length is refused, naming it', () => {
    expect(() => packFusedState(fusedLayout(2, 2), { b: Float32Array.from([1, 2, 3]) })).toThrow(
      /b has 3 values/,
    );
  });
});
