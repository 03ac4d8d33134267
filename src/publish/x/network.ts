import { z } from 'zod';
import { AppError } from '../../core/app-error.ts';
import { countWeighted } from '../../core/network-rules.ts';
import { apiBaseUrl } from '../api-base-url.ts';
import type { PublishingNetwork } from '../network-definition.ts';
import { createXTokenSession } from './token-session.ts';
import { XApi } from './x-api.ts';
import { XPublisher } from './x-publisher.ts';

/** Where X API v2 and its token endpoint live (docs.x.com: servers https://api.x.com). */
export const X_API_URL = 'https://api.x.com';

// Values that travel in a form or an Authorization header: printable ASCII
// without spaces. The messages never quote the value.
const printable = (what: string) =>
  z.string().regex(/^[\x21-\x7e]+$/, `expected ${what}, with no spaces or line breaks`);

// The OAuth 2.0 client of the app (X developer console → the app → Keys and
// tokens → OAuth 2.0 Client ID and Client Secret) and the refresh token one
// authorization with the offline.access scope gave: the seed of the rotating
// pair kept in the target's secrets.
const credentials = z.strictObject({
  clientId: printable('the OAuth 2.0 Client ID of the X app (Keys and tokens)'),
  clientSecret: printable('the OAuth 2.0 Client Secret of the X app (confidential clients only)').optional(),
  refreshToken: printable('the refresh token of an authorization with the offline.access scope'),
});

/**
 * An X account through X API v2 with an OAuth 2.0 user token: posts with up
 * to 4 images and their alt text. The access token is refreshed with a
 * rotating refresh token kept in the target's secrets, so a target needs
 * ARALDO_SECRET_KEY. The token endpoint is `<baseUrl>/2/oauth2/token`, on
 * the same host as the API, as on X.
 */
export const xNetwork: PublishingNetwork = Object.freeze<PublishingNetwork>({
  name: 'x',
  title: 'X',
  credentials,
  // X: twitter-text 3.1.0 v3 configuration (280 weighted, URLs 23, emoji and CJK
  // 2); POST /2/tweets media.media_ids holds at most 4; POST /2/media/upload in
  // one request takes JPEG, PNG and WebP (GIFs need the chunked upload).
  rules: Object.freeze({
    textLimit: 280,
    textLimitWithImage: 280,
    unit: 'weighted',
    requiresImage: false,
    maxImages: 4,
    maxHashtags: undefined,
    imageFormats: Object.freeze(['jpeg', 'png', 'webp'] as const),
    carriesAltText: true,
    count: countWeighted,
  }),
  // networks.md: a 429 carries x-rate-limit-reset (epoch seconds), no
  // Retry-After; POST /2/tweets quotas depend on the API plan and run per
  // 15 minutes and per 24 hours, so the interval only spaces a backlog.
  pacing: Object.freeze({ minIntervalMs: 60_000, maxInFlight: 1 }),
  // networks.md: no idempotency (a repeat answers 403 duplicate content).
  idempotent: false,
  // The refresh token rotates: the live one is kept sealed in the database.
  keepsSecrets: true,
  create: (target, context) => {
    const parsed = credentials.safeParse(target.credentials);
    if (!parsed.success) {
      // Configuration checked these fields: only a target built by hand gets here.
      throw new AppError(
        'config_invalid',
        `target ${target.id}: x needs the credentials clientId and refreshToken`,
      );
    }
    if (!context.secrets.available) {
      throw new AppError(
        'config_invalid',
        `target ${target.id}: X spends the refresh token on every refresh and answers a new one, which Araldo must keep sealed in the database: set ARALDO_SECRET_KEY (README, section "X")`,
      );
    }
    const apiUrl = apiBaseUrl(target.id, target.baseUrl, X_API_URL);
    const fetchFn = context.fetch ?? fetch;
    const api = new XApi(apiUrl, fetchFn);
    const session = createXTokenSession({
      api,
      client: { clientId: parsed.data.clientId, clientSecret: parsed.data.clientSecret },
      seed: parsed.data.refreshToken,
      secrets: context.secrets,
      now: context.now,
      logger: context.logger,
    });
    return new XPublisher({ api, apiUrl, session, logger: context.logger, fetch: fetchFn, now: context.now });
  },
});
