/**
 * The worker's image decoder for encoded TFRecord images (PNG, JPEG, GIF, WebP): createImageBitmap, drawn on one
 * reused OffscreenCanvas and read back with getImageData, as RGBA. Injected into readSplit, which keeps
 * src/lib/tfrecord free of DOM APIs.
 *
 * Colour space conversion and premultiplication are off, so the pixels are the file's own values. The canvas is
 * premultiplied inside, so a fully transparent pixel reads back black; alpha is dropped anyway.
 */
import type { ImageDecodeFn } from '../tfrecord';

export function createImageDecoder(): ImageDecodeFn {
  let canvas: OffscreenCanvas | null = null;
  let context: OffscreenCanvasRenderingContext2D | null = null;
  return async (encoded) => {
    const bitmap = await createImageBitmap(new Blob([encoded as Uint8Array<ArrayBuffer>]), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
    try {
      const { width, height } = bitmap;
      if (!canvas || !context) {
        canvas = new OffscreenCanvas(width, height);
        context = canvas.getContext('2d', { willReadFrequently: true });
        if (!context) throw new Error('this browser gives no 2D context on an OffscreenCanvas');
      } else if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
      context.clearRect(0, 0, width, height);
      context.drawImage(bitmap, 0, 0);
      return { width, height, data: context.getImageData(0, 0, width, height).data };
    } finally {
      bitmap.close();
    }
  };
}
