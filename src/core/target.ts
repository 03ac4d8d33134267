import type { Network } from './network.ts';
import type { PostingPolicy } from './posting-window.ts';

/**
 * One account a team publishes to, named by the admin (`comune-fb`, `sito`).
 * Credentials are resolved from the environment by configuration and never
 * come from chat.
 */
export interface Target {
  readonly id: string;
  readonly network: Network;
  readonly displayName: string;
  /** API base URL override for self-hosted instances and tests */
  readonly baseUrl?: string;
  /** secrets resolved from environment variables, by the publisher's own field names */
  readonly credentials: Readonly<Record<string, string>>;
  /** approvals this target needs at least, overriding a lower team default */
  readonly approvalsRequired?: number;
  /** slots and quiet hours of this target, each overriding the team's */
  readonly posting?: PostingPolicy;
  /** `feed` targets only: how many of the newest entries the Atom document shows (1 … MAX_FEED_ENTRIES) */
  readonly feed?: { readonly entries: number };
}

/** Entries a feed target's document shows when its configuration does not say. */
export const DEFAULT_FEED_ENTRIES = 50;

/** The most entries a feed target may show: every request renders them all from the database. */
export const MAX_FEED_ENTRIES = 500;
