import { z } from 'zod';
import type { PlannedNetwork } from '../network-definition.ts';
import { countStatus } from './count-status.ts';

/**
 * Mastodon: rules and pacing only; the publisher comes with issue #10. The
 * instance is the target's `baseUrl`.
 */
export const mastodonNetwork: PlannedNetwork = Object.freeze<PlannedNetwork>({
  name: 'mastodon',
  // TODO(#10): the publisher settles its fields; an access token with write:statuses and write:media.
  credentials: z.strictObject({ accessToken: z.string().min(1, 'expected an access token') }),
  // Mastodon default instance configuration: statuses.max_characters 500,
  // characters_reserved_per_url 23, max_media_attachments 4. An instance may
  // configure others (GET /api/v2/instance); these are the defaults.
  rules: Object.freeze({
    textLimit: 500,
    textLimitWithImage: 500,
    unit: 'graphemes',
    requiresImage: false,
    maxImages: 4,
    maxHashtags: undefined,
    carriesAltText: true,
    count: countStatus,
  }),
  // docs.joinmastodon.org/api/rate-limits: 300 requests per 5 minutes per
  // account, and media uploads 30 per 30 minutes per account: one post with an
  // image a minute stays within both. networks.md: a 429 carries
  // X-RateLimit-Reset, no Retry-After.
  pacing: Object.freeze({ minIntervalMs: 60_000, maxInFlight: 1 }),
  // networks.md: the Idempotency-Key header is kept about an hour.
  idempotent: true,
  publisherIssue: 10,
});
