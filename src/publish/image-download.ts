import { err, ok, type Result } from '../core/result.ts';
import { describeRequestError } from './request-error.ts';
import { readAtMost } from './response-body.ts';

// Fetching a post's image for a network that uploads it. Each network says
// how many bytes and which types it takes, with their source, next to its
// own constants (mastodon/outcome.ts, x/outcome.ts and x/x-api.ts,
// linkedin/outcome.ts).

/** An image type Araldo recognises by its first bytes. */
export type ImageType =
  | 'image/jpeg'
  | 'image/png'
  | 'image/gif'
  | 'image/webp'
  | 'image/avif'
  | 'image/heic'
  | 'image/heif';

/** What an image is, read from its bytes: its MIME type and the file extension that goes with it. */
export interface SniffedType<T extends ImageType = ImageType> {
  readonly type: T;
  readonly ext: string;
}

/** An image ready to upload: its bytes, and their type as the bytes say. */
export interface DownloadedImage<T extends ImageType = ImageType> extends SniffedType<T> {
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** Why an image could not be made ready for upload. */
export type ImageProblem =
  | { readonly kind: 'bad_url' }
  | { readonly kind: 'http_status'; readonly status: number }
  /** `bytes`: the size the server declared, when it did */
  | { readonly kind: 'too_big'; readonly bytes: number | undefined }
  /**
   * `contentType`: what the image's server called it; `sniffedType`: what
   * its bytes are, when Araldo recognises them (a type the network does not take)
   */
  | {
      readonly kind: 'not_an_image';
      readonly contentType: string;
      readonly sniffedType: ImageType | undefined;
    }
  /** `host`: the image's host, for a name DNS does not know */
  | { readonly kind: 'unreachable'; readonly code: string; readonly host?: string }
  /** the attempt's time ran out */
  | { readonly kind: 'aborted' };

/** How to fetch an image, and what the network takes. */
export interface DownloadOptions<T extends ImageType> {
  readonly fetch: typeof fetch;
  readonly signal: AbortSignal;
  /** the most bytes the network takes (or Araldo fetches) */
  readonly maxBytes: number;
  /** the types the network takes */
  readonly accepts: readonly T[];
}

// ISO-BMFF major brands (the `ftyp` box at byte 4) of the still-image types
// Mastodon accepts (MediaAttachment IMAGE_MIME_TYPES in 4.x).
const ISO_BRANDS: Readonly<Record<string, SniffedType>> = {
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

/**
 * The type of an image from its first bytes, as the networks themselves
 * read it (they check the content, not the name): JPEG, PNG, GIF (87a or
 * 89a), WebP, and AVIF, HEIC or HEIF by their ISO-BMFF brand. Undefined for
 * anything else. Pure.
 */
export function sniffImageType(bytes: Uint8Array): SniffedType | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { type: 'image/jpeg', ext: 'jpg' };
  if (ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') return { type: 'image/png', ext: 'png' };
  const gif = ascii(bytes, 0, 6);
  if (gif === 'GIF87a' || gif === 'GIF89a') return { type: 'image/gif', ext: 'gif' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP')
    return { type: 'image/webp', ext: 'webp' };
  if (ascii(bytes, 4, 8) === 'ftyp') return ISO_BRANDS[ascii(bytes, 8, 12)];
  return undefined;
}

function isAccepted<T extends ImageType>(
  sniffed: SniffedType | undefined,
  accepts: readonly T[],
): sniffed is SniffedType<T> {
  return sniffed !== undefined && (accepts as readonly ImageType[]).includes(sniffed.type);
}

/**
 * Fetches the image at `url` (http or https, redirects followed): at most
 * `maxBytes` (refused on a larger Content-Length before the body is read),
 * and only a type in `accepts`, recognised by its bytes: the Content-Type a
 * website sends is often wrong. Expected failures are values.
 */
export async function downloadImage<T extends ImageType>(
  url: string,
  options: DownloadOptions<T>,
): Promise<Result<DownloadedImage<T>, ImageProblem>> {
  const { maxBytes, signal } = options;
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
      signal,
      redirect: 'follow',
    });
    if (response.status !== 200) {
      response.body?.cancel().catch(() => undefined);
      return err({ kind: 'http_status', status: response.status });
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.body?.cancel().catch(() => undefined);
      return err({ kind: 'too_big', bytes: declared });
    }
    const bytes = await readAtMost(response, maxBytes);
    if (bytes === undefined) return err({ kind: 'too_big', bytes: undefined });
    const sniffed = sniffImageType(bytes);
    if (!isAccepted(sniffed, options.accepts)) {
      const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() || 'unknown';
      return err({ kind: 'not_an_image', contentType, sniffedType: sniffed?.type });
    }
    return ok({ bytes: new Uint8Array(bytes), type: sniffed.type, ext: sniffed.ext });
  } catch (error) {
    if (signal.aborted) return err({ kind: 'aborted' });
    const { code } = describeRequestError(error);
    return err({ kind: 'unreachable', code, ...(code === 'ENOTFOUND' ? { host: parsed.hostname } : {}) });
  }
}
