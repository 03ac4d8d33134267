import { z } from 'zod';
import { countCodePoints } from '../../core/network-rules.ts';
import type { PlannedNetwork } from '../network-definition.ts';

/** A LinkedIn organization page: rules and pacing only; the publisher comes with issue #11. */
export const linkedinNetwork: PlannedNetwork = Object.freeze<PlannedNetwork>({
  name: 'linkedin',
  // TODO(#11): the publisher settles its fields (and where the organization URN is named).
  credentials: z.strictObject({ accessToken: z.string().min(1, 'expected an access token') }),
  // LinkedIn Posts API: commentary 3,000 characters; the MultiImage API takes
  // 2 to 20 images (learn.microsoft.com, linkedin/marketing/community-management/
  // shares/multiimage-post-api).
  rules: Object.freeze({
    textLimit: 3000,
    textLimitWithImage: 3000,
    unit: 'characters',
    requiresImage: false,
    maxImages: 20,
    maxHashtags: undefined,
    carriesAltText: true,
    count: countCodePoints,
  }),
  // networks.md: a 429 against daily quotas, no per-minute figure; the
  // interval only spaces a backlog.
  pacing: Object.freeze({ minIntervalMs: 60_000, maxInFlight: 1 }),
  // networks.md: no idempotency (a repeat answers 422 duplicate).
  idempotent: false,
  publisherIssue: 11,
});
