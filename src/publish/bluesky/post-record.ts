import type { Language } from '../../core/language.ts';
import type { Facet } from './facets.ts';
import type { PixelSize } from './image-facts.ts';

// The post record (lexicon app.bsky.feed.post): `text` (at most 300
// graphemes and 3000 bytes), `createdAt`, optional `langs`, `facets` and
// `embed`; images go in an app.bsky.embed.images embed, at most 4, each
// with its blob, its alt text and optionally its aspect ratio.

/** The collection of posts. */
export const POST_COLLECTION = 'app.bsky.feed.post';

/** A blob reference as uploadBlob answers it; passed on untouched. */
export type BlobRef = Readonly<Record<string, unknown>>;

/** An image of the post once uploaded. */
export interface UploadedImage {
  readonly blob: BlobRef;
  readonly alt: string;
  readonly size: PixelSize | undefined;
}

/** An app.bsky.feed.post record as Araldo writes it. */
export interface PostRecord {
  readonly $type: typeof POST_COLLECTION;
  readonly text: string;
  readonly createdAt: string;
  readonly langs: readonly string[];
  readonly facets?: readonly Facet[];
  readonly embed?: {
    readonly $type: 'app.bsky.embed.images';
    readonly images: readonly {
      readonly image: BlobRef;
      readonly alt: string;
      readonly aspectRatio?: { readonly width: number; readonly height: number };
    }[];
  };
}

/**
 * The record of a post: its text, when it was published, the team's
 * language (the app filters feeds by it), its facets and images (empty ones
 * left out, as the reference client does). Pure.
 */
export function toPostRecord(post: {
  readonly text: string;
  readonly publishedAt: Date;
  readonly language: Language;
  readonly facets: readonly Facet[];
  readonly images: readonly UploadedImage[];
}): PostRecord {
  return {
    $type: POST_COLLECTION,
    text: post.text,
    createdAt: post.publishedAt.toISOString(),
    langs: [post.language],
    ...(post.facets.length > 0 ? { facets: post.facets } : {}),
    ...(post.images.length > 0
      ? {
          embed: {
            $type: 'app.bsky.embed.images',
            images: post.images.map((image) => ({
              image: image.blob,
              alt: image.alt,
              ...(image.size === undefined
                ? {}
                : { aspectRatio: { width: image.size.width, height: image.size.height } }),
            })),
          },
        }
      : {}),
  };
}

/** The post's page in the Bluesky app; by DID when the handle is not verified (`handle.invalid`). */
export function postUrl(handle: string, did: string, rkey: string): string {
  const actor = handle === 'handle.invalid' ? did : handle;
  return `https://bsky.app/profile/${actor}/post/${rkey}`;
}
