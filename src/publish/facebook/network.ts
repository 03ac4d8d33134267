import { z } from 'zod';
import { countCodePoints } from '../../core/network-rules.ts';
import type { PlannedNetwork } from '../network-definition.ts';

/** A Facebook Page: rules and pacing only; the publisher comes with issue #11. */
export const facebookNetwork: PlannedNetwork = Object.freeze<PlannedNetwork>({
  name: 'facebook',
  // TODO(#11): the publisher settles its fields (and where the page id is named).
  credentials: z.strictObject({ pageAccessToken: z.string().min(1, 'expected a page access token') }),
  // Facebook Page post: 63,206 characters, the figure commonly cited; the Graph
  // API reference gives neither a figure nor a unit. 10 images is our own bound:
  // we found no documented maximum for attached_media.
  rules: Object.freeze({
    textLimit: 63_206,
    textLimitWithImage: 63_206,
    unit: 'characters',
    requiresImage: false,
    maxImages: 10,
    maxHashtags: undefined,
    carriesAltText: true,
    count: countCodePoints,
  }),
  // networks.md: the Graph API documents no fixed posting rate; a page's
  // limit is signalled by codes 4, 17, 32, 613, 80001 (often with HTTP 400),
  // which push the whole target back. The interval only spaces a backlog.
  pacing: Object.freeze({ minIntervalMs: 30_000, maxInFlight: 1 }),
  // networks.md: no idempotency (a repeat answers code 506 duplicate).
  idempotent: false,
  publisherIssue: 11,
});
