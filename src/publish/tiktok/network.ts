import { z } from 'zod';
import { AppError } from '../../core/app-error.ts';
import { countUtf16 } from '../../core/network-rules.ts';
import { apiBaseUrl } from '../api-base-url.ts';
import type { PublishingNetwork } from '../network-definition.ts';
import { MAX_DESCRIPTION_LENGTH } from './post-text.ts';
import { PRIVACY_LEVELS, TikTokApi } from './tiktok-api.ts';
import { MAX_IMAGES, TikTokPublisher } from './tiktok-publisher.ts';
import { createTikTokTokenSession } from './token-session.ts';

/** Where TikTok's API and its token endpoint live (developers.tiktok.com: https://open.tiktokapis.com/v2/…). */
export const TIKTOK_API_URL = 'https://open.tiktokapis.com';

// Values that travel in a form or an Authorization header: printable ASCII
// without spaces. The messages never quote the value.
const printable = (what: string) =>
  z.string().regex(/^[\x21-\x7e]+$/, `expected ${what}, with no spaces or line breaks`);

// The app (TikTok for Developers → the app → Client key and Client secret) and
// the refresh token one authorization of the account gave: the seed of the
// pair Araldo refreshes and keeps in the target's secrets.
const credentials = z.strictObject({
  clientKey: printable('the Client key of the TikTok app'),
  clientSecret: printable('the Client secret of the TikTok app'),
  refreshToken: printable(
    "the refresh token of the account's authorization (scopes video.publish or video.upload)",
  ),
});

// How the target posts (README, section "TikTok").
const settings = z.strictObject({
  postMode: z.enum(['DIRECT_POST', 'MEDIA_UPLOAD']).default('DIRECT_POST'),
  privacyLevel: z.enum(PRIVACY_LEVELS).optional(),
  disableComment: z.boolean().default(false),
  autoAddMusic: z.boolean().default(false),
});

/**
 * A TikTok account through the Content Posting API: photo posts of 1–35
 * JPEG or WebP images pulled from their public URLs, posted directly or left
 * in the account's TikTok inbox (settings.postMode). Video is not supported.
 * The 24-hour access token is refreshed with the refresh token kept in the
 * target's secrets, so a target needs ARALDO_SECRET_KEY.
 */
export const tiktokNetwork: PublishingNetwork = Object.freeze<PublishingNetwork>({
  name: 'tiktok',
  title: 'TikTok',
  credentials,
  settings,
  // Content Posting API, photo posts (content-posting-api-reference-photo-post):
  // description at most 4000 "UTF-16 runes" (the title, at most 90, is derived
  // from the text: post-text.ts); photo_images up to 35; JPEG or WebP only
  // (media transfer guide). No alt text field.
  rules: Object.freeze({
    textLimit: MAX_DESCRIPTION_LENGTH,
    textLimitWithImage: MAX_DESCRIPTION_LENGTH,
    unit: 'utf16',
    requiresImage: true,
    maxImages: MAX_IMAGES,
    maxHashtags: undefined,
    imageFormats: Object.freeze(['jpeg', 'webp'] as const),
    carriesAltText: false,
    count: countUtf16,
  }),
  // TikTok counts requests per access token and per minute: content/init 6,
  // creator_info/query 20, status/fetch 30. Araldo keeps to the strictest
  // reading, 6 requests of any of them a minute. One attempt makes at most 6
  // (MAX_REQUESTS_PER_ATTEMPT: a first attempt 1 creator_info + 1 init + 4
  // status looks, an unaudited app's retry as SELF_ONLY one init more and one
  // look fewer; a resumed attempt 6 looks) and lasts at most D = 26 s of waits
  // (POLL_DELAYS_MS) plus the answers, within the core's 30 s attempt limit.
  // Attempts on one target start at least I apart; a minute-long window can
  // hold requests of two attempts only if I < 60 s + D, so I = 90 s ≥ 60 + 30
  // puts any minute on one attempt's 6 requests at most. The token refresh
  // goes to /v2/oauth/token/, outside these limits. One in flight: two
  // attempts at once would share the minute.
  pacing: Object.freeze({ minIntervalMs: 90_000, maxInFlight: 1 }),
  // No idempotency key; the publish id is kept right after the init and a
  // retry only looks at it, but a crash between the init and the checkpoint
  // cannot be resolved (tiktok-publisher.ts).
  idempotent: false,
  // The refresh token rotates: the live one is kept sealed in the database.
  keepsSecrets: true,
  create: (target, context) => {
    const secret = credentials.safeParse(target.credentials);
    if (!secret.success) {
      // Configuration checked these fields: only a target built by hand gets here.
      throw new AppError(
        'config_invalid',
        `target ${target.id}: tiktok needs the credentials clientKey, clientSecret and refreshToken`,
      );
    }
    const parsed = settings.safeParse(target.settings ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new AppError('config_invalid', `target ${target.id}: tiktok settings: ${problems.join('; ')}`);
    }
    if (!context.secrets.available) {
      throw new AppError(
        'config_invalid',
        `target ${target.id}: a TikTok access token lasts 24 hours, so Araldo refreshes it and keeps the tokens sealed in the database: set ARALDO_SECRET_KEY (README, section "TikTok")`,
      );
    }
    const apiUrl = apiBaseUrl(target.id, target.baseUrl, TIKTOK_API_URL);
    const api = new TikTokApi(apiUrl, context.fetch ?? fetch);
    const session = createTikTokTokenSession({
      api,
      client: { clientKey: secret.data.clientKey, clientSecret: secret.data.clientSecret },
      seed: secret.data.refreshToken,
      secrets: context.secrets,
      now: context.now,
      logger: context.logger,
    });
    const { postMode, privacyLevel, disableComment, autoAddMusic } = parsed.data;
    return new TikTokPublisher({
      api,
      apiUrl,
      session,
      settings: { postMode, privacyLevel, disableComment, autoAddMusic },
      logger: context.logger,
      now: context.now,
      sleep: context.sleep,
    });
  },
});
