/**
 * What happened when a delivery was handed to its network, and so what to do
 * next: `published` (done), `rate_limited` (wait, then retry), `unavailable`
 * (transient: retry with backoff), `rejected` (permanent: a person must act on
 * `reason`), `unknown` (the request may have landed: a person must check
 * unless the network gives idempotency).
 */
export type PublishOutcome =
  | { readonly kind: 'published'; readonly remoteId: string; readonly url: string }
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly reason: string };
