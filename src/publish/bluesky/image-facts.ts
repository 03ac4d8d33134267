// What Araldo reads from an image's first bytes: its type (when the web
// server does not say it) and its size in pixels, for the post's
// `aspectRatio` (app.bsky.embed.images: the app lays the image out before
// loading it). Only the four formats the Bluesky app shows: JPEG, PNG, GIF
// and WebP; anything else is reported as unknown, never guessed.

/** An image's size in pixels, as the viewer sees it (EXIF rotation applied). */
export interface PixelSize {
  readonly width: number;
  readonly height: number;
}

/** The media type of a JPEG, PNG, GIF or WebP image by its magic bytes; undefined otherwise. Pure. */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (
    b.length >= 8 &&
    b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  ) {
    return 'image/png';
  }
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return 'image/gif';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    return 'image/webp';
  }
  return undefined;
}

function positive(width: number, height: number): PixelSize | undefined {
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** The EXIF orientation (1 … 8) in a JPEG APP1 segment's payload, if any. */
function exifOrientation(b: Buffer, start: number, end: number): number | undefined {
  if (end - start < 14 || b.toString('latin1', start, start + 6) !== 'Exif\0\0') return undefined;
  const tiff = start + 6;
  const order = b.toString('latin1', tiff, tiff + 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const u16 = (at: number) => (little ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (at: number) => (little ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return undefined;
  const entries = u16(ifd);
  for (let i = 0; i < entries; i += 1) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return undefined;
    if (u16(entry) === 0x0112) return u16(entry + 8);
  }
  return undefined;
}

function jpegSize(b: Buffer): PixelSize | undefined {
  let at = 2;
  let orientation: number | undefined;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // Markers without a length: TEM, RST0-7, SOI, EOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      at += 2;
      continue;
    }
    const length = b.readUInt16BE(at + 2);
    const segment = at + 4;
    if (length < 2 || at + 2 + length > b.length) return undefined;
    if (marker === 0xe1 && orientation === undefined)
      orientation = exifOrientation(b, segment, at + 2 + length);
    // SOF0-3, 5-7, 9-11, 13-15 carry the frame size: precision, height, width.
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (length < 7) return undefined;
      const height = b.readUInt16BE(segment + 1);
      const width = b.readUInt16BE(segment + 3);
      // Orientations 5-8 turn the picture a quarter: the viewer sees it the other way round.
      return orientation !== undefined && orientation >= 5
        ? positive(height, width)
        : positive(width, height);
    }
    at += 2 + length;
  }
  return undefined;
}

function webpSize(b: Buffer): PixelSize | undefined {
  if (b.length < 30) return undefined;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return positive(b.readUIntLE(24, 3) + 1, b.readUIntLE(27, 3) + 1);
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = b.readUInt32LE(21);
    return positive((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return positive(b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff);
  }
  return undefined;
}

/** The size in pixels of a JPEG, PNG, GIF or WebP image; undefined when unreadable. Pure. */
export function imageSize(bytes: Uint8Array): PixelSize | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    switch (sniffImageType(b)) {
      case 'image/png':
        return b.length >= 24 && b.toString('latin1', 12, 16) === 'IHDR'
          ? positive(b.readUInt32BE(16), b.readUInt32BE(20))
          : undefined;
      case 'image/gif':
        return b.length >= 10 ? positive(b.readUInt16LE(6), b.readUInt16LE(8)) : undefined;
      case 'image/jpeg':
        return jpegSize(b);
      case 'image/webp':
        return webpSize(b);
      default:
        return undefined;
    }
  } catch {
    // A truncated header reads past the end: no size, the post goes without one.
    return undefined;
  }
}
