/** The drawing pad's picture as the model's input: nothing for a blank pad, the MNIST digit fitted to any shape. */
import { describe, expect, test } from 'vitest';
import { inkFromRGBA, mnistify } from '../../../src/lib/draw/mnistify';
import { drawingInput } from '../../../src/lib/state/drawing';

const SIZE = 56;
/** RGBA pixels with a vertical bar of ink (alpha 255) a third of the way across. */
function bar(): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(SIZE * SIZE * 4);
  for (let y = 10; y < 46; y++) for (let x = 16; x < 22; x++) rgba[(y * SIZE + x) * 4 + 3] = 255;
  return rgba;
}

describe('drawingInput', () => {
  test('a blank pad gives nothing to predict', () => {
    expect(drawingInput(new Uint8ClampedArray(SIZE * SIZE * 4), SIZE, [28, 28, 1])).toBeNull();
  });

  test('a 28×28×1 model gets the MNIST-style digit itself', () => {
    const digit = mnistify(inkFromRGBA(bar(), SIZE, SIZE), 28);
    expect(drawingInput(bar(), SIZE, [28, 28, 1])).toEqual(digit);
  });

  test('another shape gets the same digit resampled to its width and repeated over its channels', () => {
    const digit = mnistify(inkFromRGBA(bar(), SIZE, SIZE), 14);
    const pixels = drawingInput(bar(), SIZE, [14, 28, 3])!;
    expect(pixels).toHaveLength(14 * 28 * 3);
    for (let y = 0; y < 14; y++)
      for (let x = 0; x < 28; x++)
        for (let k = 0; k < 3; k++)
          expect(pixels[(y * 28 + x) * 3 + k]).toBe(digit[y * 14 + Math.floor(x / 2)]);
  });
});
