import { z } from 'zod';
import { AppError } from '../../core/app-error.ts';
import { countCodePoints } from '../../core/network-rules.ts';
import type { PublishingNetwork } from '../network-definition.ts';
import { describeSecretProblem, parseSecret } from './signature.ts';
import { WebhookPublisher } from './webhook-publisher.ts';

// Both are credentials, from the environment: the secret signs, and the URL
// often is a capability too (a path with a token in it, as many receivers
// hand out), so it stays out of the config file and is redacted from logs.
const credentials = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected the http(s) URL the receiver listens at' }),
  secret: z.string().superRefine((value, ctx) => {
    const key = parseSecret(value);
    if (!key.ok) ctx.addIssue({ code: 'custom', message: describeSecretProblem(key.error) });
  }),
});

/**
 * The `webhook` network: a signed JSON POST of each published post to a URL,
 * how an institutional website or another system receives posts.
 */
export const webhookNetwork: PublishingNetwork = Object.freeze<PublishingNetwork>({
  name: 'webhook',
  title: 'The webhook',
  credentials,
  // The webhook carries whatever we give it; 10 images is our own bound, to
  // keep a body reasonable (the spec advises small payloads; images go as URLs).
  rules: Object.freeze({
    textLimit: undefined,
    textLimitWithImage: undefined,
    unit: 'characters',
    requiresImage: false,
    maxImages: 10,
    maxHashtags: undefined,
    carriesAltText: true,
    count: countCodePoints,
  }),
  // networks.md: no documented rate; the receiver says 429 with Retry-After,
  // which pushes the whole target back. One at a time, a second apart, so a
  // small website receives posts in publication order and is never flooded.
  pacing: Object.freeze({ minIntervalMs: 1_000, maxInFlight: 1 }),
  // The same webhook-id on every attempt; receivers drop ids they have seen.
  idempotent: true,
  create: (target, context) => {
    const parsed = credentials.safeParse(target.credentials);
    const key = parsed.success ? parseSecret(parsed.data.secret) : undefined;
    if (!parsed.success || !key?.ok) {
      // Configuration checked these fields: only a target built by hand gets here.
      throw new AppError(
        'config_invalid',
        `target ${target.id}: the webhook needs credentials url and secret`,
      );
    }
    return new WebhookPublisher({
      url: parsed.data.url,
      key: key.value,
      logger: context.logger,
      ...(context.fetch ? { fetch: context.fetch } : {}),
    });
  },
});
