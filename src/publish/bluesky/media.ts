import type { Language } from '../../core/language.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { err, ok, type Result } from '../../core/result.ts';
import { imageSize, type PixelSize, sniffImageType } from './image-facts.ts';
import { wordsFor } from './outcome.ts';

/**
 * The largest image Bluesky takes: app.bsky.embed.images says `maxSize:
 * 1000000` of its blob (the PDS accepts bigger uploads, then refuses the
 * post that embeds them), so a bigger one is refused before uploading.
 */
export const MAX_IMAGE_BYTES = 1_000_000;

/** An image downloaded from its public URL, ready to upload. */
export interface FetchedImage {
  readonly bytes: Uint8Array;
  /** image/jpeg, image/png, image/gif or image/webp, read from the bytes */
  readonly mimeType: string;
  /** its size in pixels, when its header says it */
  readonly size: PixelSize | undefined;
}

/** Where an image is, and for whom the refusal is worded. */
export interface ImageContext {
  readonly signal: AbortSignal;
  readonly language: Language;
}

function megabytes(bytes: number, language: Language): string {
  return new Intl.NumberFormat(language === 'it' ? 'it-IT' : 'en-GB', { maximumFractionDigits: 1 }).format(
    bytes / 1_000_000,
  );
}

function refused(detail: string, networkReason: string): PublishOutcome {
  return { kind: 'rejected', code: 'media_unreachable', detail, networkReason };
}

/** The URL's host, for logs (never its path or query, which may carry a token). */
function hostOf(url: URL): string {
  return url.host;
}

/**
 * Downloads image number `position` (from 1) of a post, at most
 * MAX_IMAGE_BYTES: a larger image (by its Content-Length, or by what
 * arrives) is refused without reading the rest. Refusals for the team
 * (`media_unreachable`): not an http(s) URL, a 4xx answer, too large, not a
 * JPEG, PNG, GIF or WebP. Transient (`unavailable`, nothing was published):
 * a 5xx, 408 or 429 answer, a connection that failed, the attempt's time
 * running out. Redirects are followed, as a browser would.
 */
export async function fetchImage(
  send: typeof fetch,
  imageUrl: string,
  position: number,
  context: ImageContext,
): Promise<Result<FetchedImage, PublishOutcome>> {
  const words = wordsFor(context.language);
  let url: URL;
  try {
    url = new URL(imageUrl);
  } catch {
    return err(refused(`image ${position}: not a URL`, words.imageBadUrl(position)));
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return err(refused(`image ${position}: not an http(s) URL`, words.imageBadUrl(position)));
  }
  let response: Response;
  try {
    response = await send(url, {
      headers: { accept: 'image/*', 'user-agent': 'Araldo' },
      signal: context.signal,
      redirect: 'follow',
    });
  } catch (cause) {
    const why = context.signal.aborted
      ? 'the attempt’s time ran out'
      : String((cause as Error).message ?? cause);
    return err({
      kind: 'unavailable',
      detail: `image ${position} could not be fetched from ${hostOf(url)} (${why}): nothing was published`,
    });
  }
  const { status } = response;
  if (status < 200 || status >= 300) {
    response.body?.cancel().catch(() => undefined);
    if (status >= 500 || status === 408 || status === 429) {
      return err({
        kind: 'unavailable',
        detail: `image ${position}: ${hostOf(url)} answered HTTP ${status}: nothing was published`,
      });
    }
    return err(
      refused(
        `image ${position}: ${hostOf(url)} answered HTTP ${status}`,
        words.imageNotFound(position, status),
      ),
    );
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > MAX_IMAGE_BYTES) {
    response.body?.cancel().catch(() => undefined);
    return err(
      refused(
        `image ${position} is ${declared} bytes, over Bluesky's ${MAX_IMAGE_BYTES}`,
        words.imageTooBig(position, megabytes(declared, context.language)),
      ),
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  let tooBig = false;
  if (response.body) {
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > MAX_IMAGE_BYTES) {
          tooBig = true;
          break;
        }
        chunks.push(value);
      }
    } catch (cause) {
      const why = context.signal.aborted
        ? 'the attempt’s time ran out'
        : String((cause as Error).message ?? cause);
      return err({
        kind: 'unavailable',
        detail: `image ${position}: the download from ${hostOf(url)} broke (${why}): nothing was published`,
      });
    } finally {
      reader.cancel().catch(() => undefined);
    }
  }
  if (tooBig) {
    return err(
      refused(
        `image ${position} is over Bluesky's ${MAX_IMAGE_BYTES} bytes`,
        words.imageTooBig(position, undefined),
      ),
    );
  }
  const bytes = Buffer.concat(chunks);
  const mimeType = sniffImageType(bytes);
  if (mimeType === undefined) {
    const declaredType = response.headers.get('content-type')?.split(';')[0]?.trim() || 'no type';
    return err(
      refused(
        `image ${position} is no JPEG, PNG, GIF or WebP (${declaredType}, ${bytes.length} bytes)`,
        words.imageNotImage(position, declaredType),
      ),
    );
  }
  return ok({ bytes, mimeType, size: imageSize(bytes) });
}
