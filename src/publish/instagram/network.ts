import { z } from 'zod';
import { AppError } from '../../core/app-error.ts';
import { countCodePoints } from '../../core/network-rules.ts';
import { GraphClient } from '../graph/graph-client.ts';
import {
  DEFAULT_GRAPH_API_VERSION,
  graphApiVersion,
  graphBaseUrl,
  graphObjectId,
} from '../graph/graph-settings.ts';
import type { PublishingNetwork } from '../network-definition.ts';
import { InstagramPublisher } from './instagram-publisher.ts';

// The Page access token of the Facebook Page the Instagram professional
// account is connected to (Instagram API with Facebook Login); the message
// never quotes the value.
const credentials = z.strictObject({
  accessToken: z
    .string()
    .regex(/^[\x21-\x7e]+$/, 'expected the Page access token, with no spaces or line breaks'),
});

// The Instagram professional account (IG User id, not the @username) and the Graph version.
const settings = z.strictObject({
  igUserId: graphObjectId('Instagram professional account (IG User)'),
  apiVersion: graphApiVersion.default(DEFAULT_GRAPH_API_VERSION),
});

/**
 * An Instagram professional account: image posts and carousels with their
 * alt text, through the Instagram Graph API (Facebook Login) with the Page
 * access token of its Facebook Page, holding instagram_basic,
 * instagram_content_publish and pages_read_engagement.
 */
export const instagramNetwork: PublishingNetwork = Object.freeze<PublishingNetwork>({
  name: 'instagram',
  // README's section on its token, which failures and the digest point to.
  title: 'Instagram',
  credentials,
  settings,
  // Instagram content publishing (IG User Media reference): caption at most
  // 2,200 characters, 30 hashtags and 20 @mentions; a post needs an image; a
  // carousel holds at most 10 items. Meta does not name the unit; we count
  // code points (an emoji outside the BMP is 1, not 2).
  rules: Object.freeze({
    textLimit: 2200,
    textLimitWithImage: 2200,
    unit: 'characters',
    requiresImage: true,
    maxImages: 10,
    maxHashtags: 30,
    maxMentions: 20,
    carriesAltText: true,
    count: countCodePoints,
  }),
  // networks.md: a publishing quota per 24 hours (content_publishing_limit
  // says how many: 50 in the reference's example, 100 in today's guide).
  // Spread evenly that is one every 15–30 minutes, which would hold back a
  // team's morning burst for hours; a municipal team's day is far below the
  // quota, so the interval only spaces a backlog, and the publisher reads the
  // quota before each post and pushes the whole target back when it is used up.
  pacing: Object.freeze({ minIntervalMs: 60_000, maxInFlight: 1 }),
  // The container id is kept on the delivery before media_publish and looked
  // at again on a retry; a container is published once only, so sending a
  // delivery again can never make a second post (instagram-publisher.ts).
  idempotent: true,
  create: (target, context) => {
    const secret = credentials.safeParse(target.credentials);
    if (!secret.success) {
      // Configuration checked this field: only a target built by hand gets here.
      throw new AppError('config_invalid', `target ${target.id}: instagram needs the credential accessToken`);
    }
    const parsed = settings.safeParse(target.settings ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new AppError('config_invalid', `target ${target.id}: instagram settings: ${problems.join('; ')}`);
    }
    const base = graphBaseUrl(target.baseUrl, parsed.data.apiVersion);
    if (!base.ok) throw new AppError('config_invalid', `target ${target.id}: ${base.error}`);
    const accessToken = secret.data.accessToken;
    return new InstagramPublisher({
      client: new GraphClient({
        baseUrl: base.value,
        accessToken,
        ...(context.fetch ? { fetch: context.fetch } : {}),
      }),
      accessToken,
      igUserId: parsed.data.igUserId,
      logger: context.logger,
      now: context.now,
      sleep: context.sleep,
    });
  },
});
