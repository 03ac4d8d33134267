/** The networks a target can publish to (SPEC §2). */
export const NETWORKS = [
  'feed',
  'webhook',
  'mastodon',
  'bluesky',
  'telegram',
  'facebook',
  'instagram',
  'x',
  'linkedin',
] as const;

/** One of the networks of SPEC §2. */
export type Network = (typeof NETWORKS)[number];
