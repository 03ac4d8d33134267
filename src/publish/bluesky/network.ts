import { z } from 'zod';
import { countGraphemes } from '../../core/network-rules.ts';
import type { PlannedNetwork } from '../network-definition.ts';

/**
 * Bluesky: rules and pacing only; the publisher comes with issue #10. The
 * PDS is the target's `baseUrl`.
 */
export const blueskyNetwork: PlannedNetwork = Object.freeze<PlannedNetwork>({
  name: 'bluesky',
  // TODO(#10): the publisher settles its fields; a handle (or DID) and an app password.
  credentials: z.strictObject({
    identifier: z.string().min(1, 'expected the account handle or DID'),
    appPassword: z.string().min(1, 'expected an app password'),
  }),
  // app.bsky.feed.post lexicon: text maxGraphemes 300 (and maxLength 3000 UTF-8
  // bytes, reached only by texts averaging over 10 bytes a grapheme, which this
  // does not check); app.bsky.embed.images: at most 4 images. Links in the text
  // count in full: the facets point into the text, they do not shorten it.
  rules: Object.freeze({
    textLimit: 300,
    textLimitWithImage: 300,
    unit: 'graphemes',
    requiresImage: false,
    maxImages: 4,
    maxHashtags: undefined,
    carriesAltText: true,
    count: countGraphemes,
  }),
  // docs.bsky.app/docs/advanced-guides/rate-limits: 5,000 points an hour per
  // account, a record created costs 3, so at most 1,666 records an hour (one
  // every 2.2 s); networks.md: a 429 carries ratelimit-reset.
  pacing: Object.freeze({ minIntervalMs: 3_000, maxInFlight: 1 }),
  // networks.md: Araldo chooses the record key, so a retry reads back or puts the same record.
  idempotent: true,
  publisherIssue: 10,
});
