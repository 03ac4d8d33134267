import type { PostState } from './post.ts';

/** The states of one delivery: one post to one target. */
export const DELIVERY_STATES = [
  'pending',
  'scheduled',
  'publishing',
  'published',
  'failed',
  'unknown',
  'cancelled',
] as const;

/**
 * `pending` waits for approval; `scheduled` is due at `nextAttemptAt`;
 * `publishing` is claimed by a worker until `claimedUntil`; `unknown` means a
 * crash left it unknowable whether the network received it, so a person must
 * check (SPEC §6).
 */
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** One post to one target, with its own attempts and outcome. */
export interface Delivery {
  readonly id: string;
  readonly postId: string;
  readonly targetId: string;
  readonly state: DeliveryState;
  /** publication attempts started so far */
  readonly attempts: number;
  readonly nextAttemptAt: Date | undefined;
  readonly claimedUntil: Date | undefined;
  readonly remoteId: string | undefined;
  readonly publicUrl: string | undefined;
  /** the last failure in the team's words */
  readonly lastError: string | undefined;
  /** the last failure's code (publish-outcome.ts) */
  readonly lastErrorCode: string | undefined;
  readonly publishedAt: Date | undefined;
}

/**
 * The state of a post once publishing has started, derived from its
 * deliveries: still publishing while any is not final, then published,
 * partially failed or failed.
 */
export function derivePublishedState(deliveries: readonly Pick<Delivery, 'state'>[]): PostState {
  const live = deliveries.filter((d) => d.state !== 'cancelled');
  if (live.some((d) => d.state === 'scheduled' || d.state === 'publishing' || d.state === 'pending')) {
    return 'publishing';
  }
  const published = live.filter((d) => d.state === 'published').length;
  if (published === live.length) return 'published';
  if (published > 0) return 'partially_failed';
  return 'failed';
}
