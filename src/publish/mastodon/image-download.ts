import { err, ok, type Result } from '../../core/result.ts';
import { describeRequestError } from '../request-error.ts';
import { readAtMost } from '../response-body.ts';
import type { ImageFile } from './mastodon-api.ts';

/**
 * The largest image Mastodon accepts by default: MediaAttachment::IMAGE_LIMIT,
 * 16 megabytes in Rails' units (16 × 1024 × 1024 bytes). An instance may set
 * MAX_IMAGE_SIZE otherwise; Araldo keeps to the default.
 */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;

/** Why an image could not be made ready for upload. */
export type ImageProblem =
  | { readonly kind: 'bad_url' }
  | { readonly kind: 'http_status'; readonly status: number }
  /** `bytes`: the size the server declared, when it did */
  | { readonly kind: 'too_big'; readonly bytes: number | undefined }
  /** `contentType`: what the server called it */
  | { readonly kind: 'not_an_image'; readonly contentType: string }
  | { readonly kind: 'unreachable'; readonly code: string }
  /** the attempt's time ran out */
  | { readonly kind: 'aborted' };

/** How to fetch an image. */
export interface DownloadOptions {
  readonly fetch: typeof fetch;
  readonly signal: AbortSignal;
  /** default MAX_IMAGE_BYTES */
  readonly maxBytes?: number;
}

// The image types Mastodon accepts (MediaAttachment IMAGE_MIME_TYPES in 4.x),
// recognised by their first bytes, as the instance does (it checks the content,
// not the name): the Content-Type a website sends is often wrong.
const ISO_BRANDS: Readonly<Record<string, { type: string; ext: string }>> = {
  avif: { type: 'image/avif', ext: 'avif' },
  avis: { type: 'image/avif', ext: 'avif' },
  heic: { type: 'image/heic', ext: 'heic' },
  heix: { type: 'image/heic', ext: 'heic' },
  hevc: { type: 'image/heic', ext: 'heic' },
  hevx: { type: 'image/heic', ext: 'heic' },
  mif1: { type: 'image/heif', ext: 'heif' },
  msf1: { type: 'image/heif', ext: 'heif' },
};

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return Buffer.from(bytes.subarray(from, to)).toString('latin1');
}

/** The MIME type and extension of an image Mastodon accepts, from its first bytes; undefined otherwise. Pure. */
export function sniffImageType(bytes: Uint8Array): { type: string; ext: string } | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { type: 'image/jpeg', ext: 'jpg' };
  if (ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') return { type: 'image/png', ext: 'png' };
  if (ascii(bytes, 0, 4) === 'GIF8') return { type: 'image/gif', ext: 'gif' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP')
    return { type: 'image/webp', ext: 'webp' };
  if (ascii(bytes, 4, 8) === 'ftyp') return ISO_BRANDS[ascii(bytes, 8, 12)];
  return undefined;
}

/**
 * Fetches the image at `url` (http or https, redirects followed) for upload
 * as the post's `position`-th image: at most `maxBytes`, and only a type
 * Mastodon accepts, recognised by its bytes. Expected failures are values.
 */
export async function downloadImage(
  url: string,
  position: number,
  options: DownloadOptions,
): Promise<Result<ImageFile, ImageProblem>> {
  const max = options.maxBytes ?? MAX_IMAGE_BYTES;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return err({ kind: 'bad_url' });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return err({ kind: 'bad_url' });
  try {
    const response = await options.fetch(parsed, {
      headers: { accept: 'image/*', 'user-agent': 'Araldo' },
      signal: options.signal,
    });
    if (response.status !== 200) {
      response.body?.cancel().catch(() => undefined);
      return err({ kind: 'http_status', status: response.status });
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > max) {
      response.body?.cancel().catch(() => undefined);
      return err({ kind: 'too_big', bytes: declared });
    }
    const bytes = await readAtMost(response, max);
    if (bytes === undefined) return err({ kind: 'too_big', bytes: undefined });
    const sniffed = sniffImageType(bytes);
    if (sniffed === undefined) {
      const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() || 'unknown';
      return err({ kind: 'not_an_image', contentType });
    }
    return ok({
      bytes: new Uint8Array(bytes),
      type: sniffed.type,
      name: `araldo-${position}.${sniffed.ext}`,
    });
  } catch (error) {
    if (options.signal.aborted) return err({ kind: 'aborted' });
    return err({ kind: 'unreachable', code: describeRequestError(error).code });
  }
}
