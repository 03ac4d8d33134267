import type { PostingPolicy } from './posting-window.ts';

/**
 * One account a team publishes to, named by the admin (`comune-fb`, `sito`).
 * Credentials are resolved from the environment by configuration and never
 * come from chat.
 */
export interface Target {
  readonly id: string;
  /** the name of a network of the publisher registry (`feed`, `webhook`, `mastodon`…), checked by configuration */
  readonly network: string;
  readonly displayName: string;
  /** the network's name as people know it (`Facebook Page`), which README's section on renewing its tokens bears */
  readonly networkTitle?: string;
  /** API base URL override for self-hosted instances and tests */
  readonly baseUrl?: string;
  /** secrets resolved from environment variables, by the publisher's own field names */
  readonly credentials: Readonly<Record<string, string>>;
  /** approvals this target needs at least, overriding a lower team default */
  readonly approvalsRequired?: number;
  /** slots and quiet hours of this target, each overriding the team's */
  readonly posting?: PostingPolicy;
  /**
   * how fast this target may be published to, across every process: the
   * network's defaults with the target's overrides, resolved by configuration;
   * DEFAULT_PACING when absent
   */
  readonly pacing?: TargetPacing;
  /** the network's own non-secret settings (page id, API version…), checked by configuration against the network's schema */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** `feed` targets only: how many of the newest entries the Atom document shows (1 … MAX_FEED_ENTRIES) */
  readonly feed?: { readonly entries: number };
}

/** Entries a feed target's document shows when its configuration does not say. */
export const DEFAULT_FEED_ENTRIES = 50;

/** The most entries a feed target may show: every request renders them all from the database. */
export const MAX_FEED_ENTRIES = 500;

/** How fast one target may be published to, across every process sharing the database. */
export interface TargetPacing {
  /** least time between the starts of two publications on this target, in milliseconds */
  readonly minIntervalMs: number;
  /** most publications in flight at once on this target */
  readonly maxInFlight: number;
}

/** Pacing of a target whose network and configuration say nothing. */
export const DEFAULT_PACING: TargetPacing = { minIntervalMs: 0, maxInFlight: 4 };
