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
import { FacebookPublisher } from './facebook-publisher.ts';

// A Page access token (Graph tokens are printable ASCII, no spaces); the
// message never quotes the value.
const credentials = z.strictObject({
  pageAccessToken: z
    .string()
    .regex(/^[\x21-\x7e]+$/, 'expected a Page access token, with no spaces or line breaks'),
});

// The Page to publish to and the Graph version to call: non-secret.
const settings = z.strictObject({
  pageId: graphObjectId('Facebook Page'),
  apiVersion: graphApiVersion.default(DEFAULT_GRAPH_API_VERSION),
});

/**
 * A Facebook Page: text posts, photos with their alt text, several photos in
 * one post, through the Graph API with a Page access token holding
 * pages_manage_posts and pages_read_engagement.
 */
export const facebookNetwork: PublishingNetwork = Object.freeze<PublishingNetwork>({
  name: 'facebook',
  // README's section on its token, which failures and the digest point to.
  title: 'Facebook Page',
  credentials,
  settings,
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
  create: (target, context) => {
    const secret = credentials.safeParse(target.credentials);
    if (!secret.success) {
      // Configuration checked this field: only a target built by hand gets here.
      throw new AppError(
        'config_invalid',
        `target ${target.id}: facebook needs the credential pageAccessToken`,
      );
    }
    const parsed = settings.safeParse(target.settings ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new AppError('config_invalid', `target ${target.id}: facebook settings: ${problems.join('; ')}`);
    }
    const base = graphBaseUrl(target.baseUrl, parsed.data.apiVersion);
    if (!base.ok) throw new AppError('config_invalid', `target ${target.id}: ${base.error}`);
    const accessToken = secret.data.pageAccessToken;
    return new FacebookPublisher({
      client: new GraphClient({
        baseUrl: base.value,
        accessToken,
        ...(context.fetch ? { fetch: context.fetch } : {}),
      }),
      accessToken,
      pageId: parsed.data.pageId,
      logger: context.logger,
      now: context.now,
    });
  },
});
