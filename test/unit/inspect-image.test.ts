import zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, ImageError, normaliseBytes, readImageHeader, toGrayBytes } from '../../src-main/inspect/image.js';

function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Buffer {
  const p = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) p.data.set(pixel(x, y), 4 * (y * width + x));
  return PNG.sync.write(p);
}

const convert = (buf: Buffer, opts: { invert?: boolean } = {}) => toGrayBytes(decodeImage(buf), 28, opts);

describe('image conversion (as the training data: grey, padded square, area-averaged to 28×28, normalised)', () => {
  it('a known 56×56 PNG gives the expected 28×28 tensor', () => {
    // Left half white, right half a one-pixel checkerboard (each 2×2 block averages to 127.5 → 128).
    const buf = png(56, 56, (x, y) => (x < 28 ? [255, 255, 255, 255] : (x + y) % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    const bytes = convert(buf);
    const expected = new Uint8Array(28 * 28);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) expected[y * 28 + x] = x < 14 ? 255 : 128;
    expect(Array.from(bytes)).toEqual(Array.from(expected));
    const norm = { mean: 0.2860, std: 0.3530 };
    const t = normaliseBytes(bytes, norm);
    expect(t).toHaveLength(784);
    expect(t[0]).toBeCloseTo((1 - 0.286) / 0.353, 6);
    expect(t[27]).toBeCloseTo((128 / 255 - 0.286) / 0.353, 6);
  });

  it('colour becomes luma, transparency falls on black, a wide image is centred on a black square', () => {
    expect(convert(png(28, 28, () => [255, 0, 0, 255]))[0]).toBe(76); // 0.299 · 255
    expect(convert(png(28, 28, () => [255, 255, 255, 0]))[0]).toBe(0);
    const wide = convert(png(56, 28, () => [255, 255, 255, 255]));
    const rows = Array.from({ length: 28 }, (_, y) => wide[y * 28 + 5]);
    expect(rows).toEqual(Array.from({ length: 28 }, (_, y) => (y >= 7 && y < 21 ? 255 : 0)));
  });

  it('invert turns a dark object on a light photo into the data sets\' light object on black', () => {
    expect(convert(png(4, 4, () => [255, 255, 255, 255]), { invert: true })[0]).toBe(0);
    expect(convert(png(4, 4, () => [0, 0, 0, 255]), { invert: true })[100]).toBe(255);
  });

  it('upsamples a tiny image by area (nearest pixel)', () => {
    const bytes = convert(png(2, 2, (x) => (x === 0 ? [0, 0, 0, 255] : [200, 200, 200, 255])));
    expect(bytes[0]).toBe(0);
    expect(bytes[27]).toBe(200);
  });

  it('refuses bad input with a clear error', () => {
    expect(() => decodeImage(Buffer.from('hello, this is a text file'))).toThrow(/not a PNG or JPEG/);
    expect(() => decodeImage(Buffer.alloc(0))).toThrow(/empty/);
    const good = png(8, 8, () => [1, 2, 3, 255]);
    const corrupt = Buffer.from(good);
    corrupt.fill(0x55, 40);
    expect(() => decodeImage(corrupt)).toThrow(ImageError);
    expect(() => decodeImage(corrupt)).toThrow(/corrupt PNG/);
    // A 10,000 × 10,000 header: refused from the header, before any decoding.
    const huge = Buffer.from(good);
    huge.writeUInt32BE(10_000, 16);
    huge.writeUInt32BE(10_000, 20);
    expect(() => readImageHeader(huge)).toThrow(/10000×10000 \(100\.0 megapixels\)/);
    // The same for a JPEG's frame header.
    const jpegHead = Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x27, 0x10, 0x27, 0x10, 0x03]);
    expect(() => readImageHeader(jpegHead)).toThrow(/megapixels/);
    expect(() => decodeImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a]))).toThrow(/corrupt JPEG/);
  });

  it('a real, valid 100-megapixel PNG is refused from its header, before decoding', () => {
    // 10,000 × 10,000 grey, all black: valid chunks and CRCs, ~100 kB compressed, 100 MB of pixels.
    const w = 10_000;
    const chunk = (type: string, data: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(body));
      return Buffer.concat([len, body, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(w, 0);
    ihdr.writeUInt32BE(w, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 0; // greyscale
    const idat = zlib.deflateSync(Buffer.alloc((w + 1) * w), { level: 1 });
    const file = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
    expect(file.length).toBeLessThan(1_000_000);
    expect(() => decodeImage(file)).toThrow(/10000×10000 \(100\.0 megapixels\); images up to 25 megapixels/);
  });

  it('decodes a JPEG', async () => {
    const jpeg = (await import('jpeg-js')).default;
    const data = Buffer.alloc(16 * 16 * 4, 255);
    const enc = jpeg.encode({ data, width: 16, height: 16 }, 95);
    expect(convert(enc.data)[400]).toBeGreaterThan(250);
  });
});
