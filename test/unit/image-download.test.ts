import { describe, expect, it } from 'vitest';
import { downloadImage, sniffImageType } from '../../src/publish/image-download.ts';

// First bytes of each format, from their specifications (JPEG SOI marker,
// PNG signature, GIF header, RIFF/WEBP, ISO-BMFF ftyp box with its brand).
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0]);
const PNG = bytes('\x89PNG\r\n\x1a\n');
const GIF = bytes('GIF89a');
const WEBP = bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ');
const iso = (brand: string) => bytes([0, 0, 0, 0x18], 'ftyp', brand);

describe('sniffImageType', () => {
  it('recognises JPEG, PNG, GIF, WebP and the AVIF, HEIC and HEIF brands by their first bytes', () => {
    expect(sniffImageType(JPEG)).toEqual({ type: 'image/jpeg', ext: 'jpg' });
    expect(sniffImageType(PNG)).toEqual({ type: 'image/png', ext: 'png' });
    expect(sniffImageType(GIF)).toEqual({ type: 'image/gif', ext: 'gif' });
    expect(sniffImageType(bytes('GIF87a'))).toEqual({ type: 'image/gif', ext: 'gif' });
    expect(sniffImageType(WEBP)).toEqual({ type: 'image/webp', ext: 'webp' });
    expect(sniffImageType(iso('avif'))).toEqual({ type: 'image/avif', ext: 'avif' });
    expect(sniffImageType(iso('heic'))).toEqual({ type: 'image/heic', ext: 'heic' });
    expect(sniffImageType(iso('mif1'))).toEqual({ type: 'image/heif', ext: 'heif' });
  });

  it('recognises nothing else: a web page, a video brand, a GIF of no known version, no bytes', () => {
    expect(sniffImageType(bytes('<!doctype html>'))).toBeUndefined();
    expect(sniffImageType(iso('isom'))).toBeUndefined();
    expect(sniffImageType(bytes('GIF8xa'))).toBeUndefined();
    expect(sniffImageType(new Uint8Array())).toBeUndefined();
  });
});

describe('downloadImage', () => {
  const serving =
    (body: Buffer, headers: Record<string, string> = {}): typeof fetch =>
    () =>
      Promise.resolve(new Response(body, { status: 200, headers }));
  const options = { signal: new AbortController().signal, maxBytes: 1024 };

  it('gives the bytes with the type and extension they show, whatever the server calls them', async () => {
    const fetched = await downloadImage('https://www.comune.example.it/a', {
      ...options,
      fetch: serving(PNG, { 'content-type': 'application/octet-stream' }),
      accepts: ['image/jpeg', 'image/png'],
    });
    expect(fetched).toEqual({
      ok: true,
      value: { bytes: new Uint8Array(PNG), type: 'image/png', ext: 'png' },
    });
  });

  it('refuses an image of a type the network does not take, naming what the server and the bytes say', async () => {
    const fetched = await downloadImage('https://www.comune.example.it/a.webp', {
      ...options,
      fetch: serving(WEBP, { 'content-type': 'image/webp; charset=binary' }),
      accepts: ['image/jpeg', 'image/png', 'image/gif'],
    });
    expect(fetched).toEqual({
      ok: false,
      error: { kind: 'not_an_image', contentType: 'image/webp', sniffedType: 'image/webp' },
    });
  });

  it('refuses more than maxBytes, with the declared size when the server gave one', async () => {
    const big = Buffer.concat([JPEG, Buffer.alloc(2048)]);
    const fetch = serving(big, { 'content-length': String(big.length) });
    expect(
      await downloadImage('https://www.comune.example.it/a.jpg', {
        ...options,
        fetch,
        accepts: ['image/jpeg'],
      }),
    ).toEqual({ ok: false, error: { kind: 'too_big', bytes: big.length } });
  });

  it('names the host when DNS does not know it, so the outcome can say the address is wrong', async () => {
    const unknownHost: typeof fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND www.comune.exampel.it'), { code: 'ENOTFOUND' }),
      });
    };
    expect(
      await downloadImage('https://www.comune.exampel.it/a.jpg', {
        ...options,
        fetch: unknownHost,
        accepts: ['image/jpeg'],
      }),
    ).toEqual({
      ok: false,
      error: { kind: 'unreachable', code: 'ENOTFOUND', host: 'www.comune.exampel.it' },
    });
  });
});
