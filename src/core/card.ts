import type { Actor } from './actor.ts';
import type { Language } from './language.ts';
import type { PostImage, PostState } from './post.ts';

/** A target line on the card with its length meter. */
export interface CardTarget {
  readonly id: string;
  readonly displayName: string;
  readonly network: string;
  readonly used: number;
  /** undefined when the network has no limit */
  readonly limit: number | undefined;
  /** the delivery's public URL once published */
  readonly url: string | undefined;
  /** true when the post has images and this network drops their alt text */
  readonly altTextDropped: boolean;
}

/**
 * Everything a proposal card shows, platform-neutral. Chat adapters render
 * it their way (rich blocks, an embed, plain text); labels come from the catalog
 * in `language`.
 */
export interface Card {
  readonly language: Language;
  readonly postNumber: number;
  /** the version of the text shown: a review given on this card is for it */
  readonly version: number;
  readonly text: string;
  readonly images: readonly PostImage[];
  readonly targets: readonly CardTarget[];
  /** absolute local time with zone, or undefined for "as soon as approved" */
  readonly when: string | undefined;
  readonly author: Actor;
  readonly state: PostState;
  readonly urgent: boolean;
  readonly approvals: { readonly have: number; readonly need: number; readonly by: readonly string[] };
}
