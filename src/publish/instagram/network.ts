import { z } from 'zod';
import { countCodePoints } from '../../core/network-rules.ts';
import type { PlannedNetwork } from '../network-definition.ts';

/** An Instagram professional account: rules and pacing only; the publisher comes with issue #11. */
export const instagramNetwork: PlannedNetwork = Object.freeze<PlannedNetwork>({
  name: 'instagram',
  // TODO(#11): the publisher settles its fields (and where the IG user id is named).
  credentials: z.strictObject({ accessToken: z.string().min(1, 'expected an access token') }),
  // Instagram content publishing (IG User Media reference): caption at most 2,200
  // characters and 30 hashtags; a post needs an image; a carousel holds at most
  // 10 items. Meta does not name the unit; we count code points (an emoji
  // outside the BMP is 1, not 2).
  rules: Object.freeze({
    textLimit: 2200,
    textLimitWithImage: 2200,
    unit: 'characters',
    requiresImage: true,
    maxImages: 10,
    maxHashtags: 30,
    carriesAltText: true,
    count: countCodePoints,
  }),
  // networks.md: a publishing quota of 50 posts per 24 hours (docs). Spread
  // evenly that is one every 29 minutes, which would hold back a team's
  // morning burst for hours; a municipal team's day is far below the quota,
  // so the interval only spaces a backlog, and the quota's answer pushes the
  // whole target back when a backlog does reach it.
  pacing: Object.freeze({ minIntervalMs: 60_000, maxInFlight: 1 }),
  // networks.md: the container id can be kept and its status checked, but
  // media_publish itself takes no idempotency key.
  idempotent: false,
  publisherIssue: 11,
});
