import { z } from 'zod';
import { countWeighted } from '../../core/network-rules.ts';
import type { PlannedNetwork } from '../network-definition.ts';

/** An X account: rules and pacing only; the publisher comes with issue #11. */
export const xNetwork: PlannedNetwork = Object.freeze<PlannedNetwork>({
  name: 'x',
  // TODO(#11): the publisher settles its fields (OAuth 2.0 user token or OAuth 1.0a keys).
  credentials: z.strictObject({ accessToken: z.string().min(1, 'expected a user access token') }),
  // X: twitter-text 3.1.0 v3 configuration (280 weighted, URLs 23, emoji and CJK
  // 2); POST /2/tweets media.media_ids holds at most 4.
  rules: Object.freeze({
    textLimit: 280,
    textLimitWithImage: 280,
    unit: 'weighted',
    requiresImage: false,
    maxImages: 4,
    maxHashtags: undefined,
    carriesAltText: true,
    count: countWeighted,
  }),
  // networks.md: a 429 carries x-rate-limit-reset (epoch seconds), no
  // Retry-After; POST /2/tweets quotas depend on the API plan and run per
  // 15 minutes and per 24 hours, so the interval only spaces a backlog.
  pacing: Object.freeze({ minIntervalMs: 60_000, maxInFlight: 1 }),
  // networks.md: no idempotency (a repeat answers 403 duplicate content).
  idempotent: false,
  publisherIssue: 11,
});
