import { z } from 'zod';
import { AppError } from '../../core/app-error.ts';
import { countCodePoints } from '../../core/network-rules.ts';
import type { PublishingNetwork } from '../network-definition.ts';
import { isPrivateHost } from '../private-host.ts';
import { DEFAULT_LINKEDIN_API_URL, DEFAULT_LINKEDIN_OAUTH_URL } from './linkedin-api.ts';
import { LinkedinPublisher } from './linkedin-publisher.ts';
import { MAX_IMAGES } from './outcome.ts';

/**
 * The `LinkedIn-Version` sent when the target's settings name none: a
 * version LinkedIn's documentation lists (li-lms-2026-05). LinkedIn keeps a
 * version about a year (learn.microsoft.com/linkedin/marketing/versioning),
 * then answers 426: the admin sets a newer one in `settings.apiVersion`, and
 * a new Araldo release moves this one on.
 */
export const DEFAULT_LINKEDIN_VERSION = '202605';

// Only printable ASCII without spaces can travel in the Authorization header
// and a form field; the messages never quote the value.
const PRINTABLE = /^[\x21-\x7e]+$/;

const credentials = z.strictObject({
  accessToken: z
    .string()
    .regex(
      PRINTABLE,
      'expected the access token made with the LinkedIn app’s OAuth flow (w_organization_social), with no spaces or line breaks',
    ),
  clientId: z
    .string()
    .regex(PRINTABLE, 'expected the LinkedIn app’s Client ID (Auth tab), with no spaces or line breaks')
    .optional(),
  clientSecret: z
    .string()
    .regex(
      PRINTABLE,
      'expected the LinkedIn app’s Primary Client Secret (Auth tab), with no spaces or line breaks',
    )
    .optional(),
});

const ORGANIZATION = /^(?:urn:li:organization:)?(\d{1,20})$/;

const settings = z.strictObject({
  organizationId: z
    .string()
    .trim()
    .regex(
      ORGANIZATION,
      'expected the page’s organization id, digits as in its admin address linkedin.com/company/<id>/admin (or urn:li:organization:<id>)',
    ),
  apiVersion: z
    .string()
    .trim()
    .regex(/^20\d\d(0[1-9]|1[0-2])$/, 'expected a LinkedIn API version as YYYYMM, e.g. "202605"')
    .optional(),
});

/** The REST API's and the OAuth host's addresses of a target: both its `baseUrl` when set (a proxy, a test's fake). */
function addressesOf(targetId: string, baseUrl: string | undefined): { apiUrl: string; oauthUrl: string } {
  if (baseUrl === undefined)
    return { apiUrl: DEFAULT_LINKEDIN_API_URL, oauthUrl: DEFAULT_LINKEDIN_OAUTH_URL };
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new AppError('config_invalid', `target ${targetId}: baseUrl is no URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isPrivateHost(url.hostname))) {
    throw new AppError(
      'config_invalid',
      `target ${targetId}: baseUrl must be https (the access token travels in every request); http only on this machine or a private network`,
    );
  }
  const address = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  return { apiUrl: address, oauthUrl: address };
}

/**
 * LinkedIn: public posts on an organization page, with up to 20 images and
 * their alt text, by a member's access token holding w_organization_social
 * (the member one of the page's administrators). The page is
 * `settings.organizationId`. A target's `baseUrl`, when set, replaces both
 * api.linkedin.com and the OAuth host www.linkedin.com.
 */
export const linkedinNetwork: PublishingNetwork = Object.freeze<PublishingNetwork>({
  name: 'linkedin',
  title: 'LinkedIn',
  credentials,
  settings,
  // Posts API: commentary up to 3,000 characters; MultiImage API: 2 to 20
  // images (learn.microsoft.com/linkedin/marketing/community-management/
  // shares/multiimage-post-api); Images API: JPG, PNG and GIF only.
  rules: Object.freeze({
    textLimit: 3000,
    textLimitWithImage: 3000,
    unit: 'characters',
    requiresImage: false,
    maxImages: MAX_IMAGES,
    maxHashtags: undefined,
    imageFormats: Object.freeze(['jpeg', 'png', 'gif'] as const),
    carriesAltText: true,
    count: countCodePoints,
  }),
  // learn.microsoft.com/linkedin/shared/api-guide/concepts/rate-limits: daily
  // quotas per application and per member, reset at midnight UTC, their figures
  // not published (the app's Analytics tab shows them); a 429 when spent. A
  // post with images costs 1 + 2 per image calls: one a minute keeps a backlog
  // from spending a day's quota in one go.
  pacing: Object.freeze({ minIntervalMs: 60_000, maxInFlight: 1 }),
  // No idempotency key: a repeat answers 422 "Content is a duplicate of …".
  idempotent: false,
  create: (target, context) => {
    const secrets = credentials.safeParse(target.credentials);
    if (!secrets.success) {
      // Configuration checked these fields: only a target built by hand gets here.
      throw new AppError('config_invalid', `target ${target.id}: linkedin needs the credential accessToken`);
    }
    const { accessToken, clientId, clientSecret } = secrets.data;
    if ((clientId === undefined) !== (clientSecret === undefined)) {
      throw new AppError(
        'config_invalid',
        `target ${target.id}: linkedin needs clientId and clientSecret together (for the token's expiry check), or neither`,
      );
    }
    const parsed = settings.safeParse(target.settings ?? {});
    if (!parsed.success) {
      throw new AppError(
        'config_invalid',
        `target ${target.id}: linkedin needs "settings": {"organizationId": "<the page's id>"}`,
      );
    }
    const organizationId = ORGANIZATION.exec(parsed.data.organizationId)?.[1] ?? '';
    return new LinkedinPublisher({
      ...addressesOf(target.id, target.baseUrl),
      organizationUrn: `urn:li:organization:${organizationId}`,
      apiVersion: parsed.data.apiVersion ?? DEFAULT_LINKEDIN_VERSION,
      accessToken,
      ...(clientId !== undefined && clientSecret !== undefined
        ? { client: { id: clientId, secret: clientSecret } }
        : {}),
      logger: context.logger,
      ...(context.fetch ? { fetch: context.fetch } : {}),
      now: context.now,
    });
  },
});
