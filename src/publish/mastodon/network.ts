import { z } from 'zod';
import { AppError } from '../../core/app-error.ts';
import type { PublishingNetwork } from '../network-definition.ts';
import { countStatus } from './count-status.ts';
import { parseInstanceUrl } from './instance-url.ts';
import { MastodonPublisher } from './mastodon-publisher.ts';

// A user access token, as the instance shows it under Preferences → Development
// → the application (Doorkeeper: 43 URL-safe base64 characters). Only printable
// ASCII without spaces can travel in the Authorization header; the message
// never quotes the value.
const credentials = z.strictObject({
  accessToken: z
    .string()
    .regex(
      /^[\x21-\x7e]+$/,
      'expected the access token of the instance’s application (Preferences → Development), with no spaces or line breaks',
    ),
});

/**
 * Mastodon: statuses with up to 4 images and their alt text, on the
 * instance at the target's `baseUrl` (required: Mastodon has no default
 * instance), with a user access token holding write:statuses and write:media.
 */
export const mastodonNetwork: PublishingNetwork = Object.freeze<PublishingNetwork>({
  name: 'mastodon',
  title: 'Mastodon',
  credentials,
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
  // PostStatusService: the Idempotency-Key is kept an hour per account, and a
  // repeat within it answers the first status.
  idempotent: true,
  create: (target, context) => {
    const parsed = credentials.safeParse(target.credentials);
    if (!parsed.success) {
      // Configuration checked this field: only a target built by hand gets here.
      throw new AppError('config_invalid', `target ${target.id}: mastodon needs the credential accessToken`);
    }
    // Configuration cannot yet make baseUrl required for one network, so the
    // refusal happens here, when start-up creates the publishers.
    const instance = parseInstanceUrl(target.baseUrl);
    if (!instance.ok) throw new AppError('config_invalid', `target ${target.id}: ${instance.error}`);
    return new MastodonPublisher({
      instanceUrl: instance.value,
      accessToken: parsed.data.accessToken,
      logger: context.logger,
      ...(context.fetch ? { fetch: context.fetch } : {}),
    });
  },
});
