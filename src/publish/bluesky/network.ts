import { z } from 'zod';
import { AppError } from '../../core/app-error.ts';
import { countGraphemes } from '../../core/network-rules.ts';
import type { PublishingNetwork } from '../network-definition.ts';
import { isPrivateHost } from '../private-host.ts';
import { BlueskyPublisher, DEFAULT_BLUESKY_SERVICE, MAX_IMAGES } from './bluesky-publisher.ts';
import { isHandle } from './facets.ts';

const DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// The reference PDS makes app passwords of four groups of four base32
// characters (packages/pds/src/account-manager/helpers/password.ts). Asking
// for that form keeps the account's own password out of Araldo: an app
// password can be revoked alone, and cannot change the account's settings.
const APP_PASSWORD = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/i;

const credentials = z.strictObject({
  identifier: z
    .string()
    .transform((value) => value.trim().replace(/^@/, ''))
    .refine((value) => isHandle(value) || DID.test(value) || EMAIL.test(value), {
      message: 'expected the account’s handle (comune.bsky.social), its DID (did:plc:…) or its e-mail',
    }),
  appPassword: z
    .string()
    .transform((value) => value.trim())
    .refine((value) => APP_PASSWORD.test(value), {
      message:
        'expected an app password (xxxx-xxxx-xxxx-xxxx, made in Bluesky under Settings › Privacy and security › App passwords), never the account’s own password',
    }),
});

/**
 * The `bluesky` network: posts in an AT Protocol repository, on
 * bsky.social or the PDS of the target's `baseUrl`, logged in with an app
 * password.
 */
export const blueskyNetwork: PublishingNetwork = Object.freeze<PublishingNetwork>({
  name: 'bluesky',
  title: 'Bluesky',
  credentials,
  // app.bsky.feed.post lexicon: text maxGraphemes 300 (and maxLength 3000 UTF-8
  // bytes, reached only by texts averaging over 10 bytes a grapheme, which this
  // does not check); app.bsky.embed.images: at most 4 images. Links in the text
  // count in full: the facets point into the text, they do not shorten it.
  rules: Object.freeze({
    textLimit: 300,
    textLimitWithImage: 300,
    unit: 'graphemes',
    requiresImage: false,
    maxImages: MAX_IMAGES,
    maxHashtags: undefined,
    carriesAltText: true,
    count: countGraphemes,
  }),
  // docs.bsky.app/docs/advanced-guides/rate-limits: 5,000 points an hour per
  // account, a record created costs 3, so at most 1,666 records an hour (one
  // every 2.2 s); networks.md: a 429 carries ratelimit-reset.
  pacing: Object.freeze({ minIntervalMs: 3_000, maxInFlight: 1 }),
  // Araldo chooses the record key, the same on every attempt of a delivery:
  // a retry reads the record back or writes that same key (bluesky-publisher.ts).
  idempotent: true,
  create: (target, context) => {
    const parsed = credentials.safeParse(target.credentials);
    if (!parsed.success) {
      // Configuration checked these fields: only a target built by hand gets here.
      throw new AppError(
        'config_invalid',
        `target ${target.id}: Bluesky needs credentials identifier (handle, DID or e-mail) and appPassword`,
      );
    }
    const service = (target.baseUrl ?? DEFAULT_BLUESKY_SERVICE).replace(/\/+$/, '');
    const url = new URL(service);
    if (url.protocol === 'http:' && !isPrivateHost(url.hostname)) {
      // The app password and the session's tokens go in every request.
      throw new AppError(
        'config_invalid',
        `target ${target.id}: baseUrl must be https (the app password and session tokens travel in every request); http only for a PDS on this machine or a private network`,
      );
    }
    return new BlueskyPublisher({
      service,
      identifier: parsed.data.identifier,
      appPassword: parsed.data.appPassword,
      logger: context.logger,
      ...(context.fetch ? { fetch: context.fetch } : {}),
    });
  },
});
