/**
 * Why a network refused a delivery for good, as a code the core words in the
 * team's language with what to do next (SPEC §3.4: "the reason of a failure
 * in plain words"):
 * - `token_expired`: the credentials ran out; the admin renews them.
 * - `token_revoked`: the credentials were revoked or are wrong; the admin
 *   connects the account again.
 * - `permission_missing`: the account lacks a permission (`detail` names it).
 * - `content_refused`: the network refused this content (`networkReason`
 *   says why in its words); editing the text helps.
 * - `media_unreachable`: an image could not be fetched or was refused.
 * - `duplicate`: the network says the same post is already there.
 * - `misconfigured`: the target's configuration cannot work (bad URL, id).
 * - `no_publisher`: Araldo has no publisher for this target.
 */
export const REJECTION_CODES = [
  'token_expired',
  'token_revoked',
  'permission_missing',
  'content_refused',
  'media_unreachable',
  'duplicate',
  'misconfigured',
  'no_publisher',
] as const;

/** A permanent failure's code; see REJECTION_CODES. */
export type RejectionCode = (typeof REJECTION_CODES)[number];

/**
 * Every failure code a delivery can end an attempt with: the permanent ones,
 * and `rate_limited`, `unavailable` (transient), `unknown` (the request may
 * have landed), `interrupted` (Araldo stopped mid-attempt), `publisher_error`
 * (the publisher threw: a bug, the request may have left).
 */
export type FailureCode =
  | RejectionCode
  | 'rate_limited'
  | 'unavailable'
  | 'unknown'
  | 'interrupted'
  | 'publisher_error';

/**
 * Why a publication is not simply public, said in the thread beside it:
 * - `private`: the network published it visible only to the account (an app
 *   TikTok has not audited yet can post only privately);
 * - `awaiting_creator`: it waits in the account's inbox for a person to
 *   finish it in the network's app (TikTok's MEDIA_UPLOAD).
 */
export type PublishedNote = 'private' | 'awaiting_creator';

/**
 * What happened when a delivery was handed to its network, and so what to do
 * next: `published` (done), `rate_limited` (wait, then retry: the whole
 * target waits), `unavailable` (transient: retry with backoff), `rejected`
 * (permanent: a person must act on `code`), `unknown` (the request may have
 * landed: a person must check unless the network gives idempotency).
 *
 * `detail` is for the log (it may be technical, never a secret);
 * `networkReason` is shown to the team inside the code's words: the
 * network's own reason for refusing content, or the name of the missing
 * permission, or what is misconfigured.
 */
export type PublishOutcome =
  | {
      readonly kind: 'published';
      readonly remoteId: string;
      /** the public address of the post; empty when the network gives none yet (a draft in the account's inbox) */
      readonly url: string;
      /** what the team must know of a publication that is not simply public (see PublishedNote) */
      readonly note?: PublishedNote;
    }
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number; readonly detail: string }
  | { readonly kind: 'unavailable'; readonly detail: string }
  | {
      readonly kind: 'rejected';
      readonly code: RejectionCode;
      readonly detail: string;
      readonly networkReason?: string;
    }
  | { readonly kind: 'unknown'; readonly detail: string };
