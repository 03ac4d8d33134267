import { z } from 'zod';
import type { Language } from '../../core/language.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { oneLine, parseJson } from '../answer-text.ts';
import type { ImageType } from '../image-download.ts';
import { aboutImage, type ImageRules } from '../image-outcome.ts';
import { rejected } from '../rejected.ts';
import { fromUnansweredRequest, type RequestFailure } from '../request-error.ts';
import type { LinkedinAnswer } from './linkedin-api.ts';

// LinkedIn's answers (learn.microsoft.com/linkedin/shared/api-guide/concepts/
// error-handling): an error body is `{"status":…, "serviceErrorCode":…,
// "code":"…", "message":"…"}`, some fields absent. The codes and messages
// matched below are the ones LinkedIn writes: 401 REVOKED_ACCESS_TOKEN
// (serviceErrorCode 65601) "The token used in the request has been revoked by
// the user", EXPIRED_ACCESS_TOKEN (65602), "Invalid access token" (65600);
// 403 ACCESS_DENIED "Not enough permissions to access: …"; 426
// NONEXISTENT_VERSION "Requested version … is not active"; 400 VERSION_MISSING;
// 422 "Content is a duplicate of urn:li:share:…" on a repeated post.

/** Which call of a publication answered. */
export type Step = 'image_init' | 'image_upload' | 'post';

/** What the words of an outcome depend on besides the answer. */
export interface OutcomeContext {
  readonly language: Language;
  /** the REST API's address, for a refusal that names it */
  readonly apiUrl: string;
  /** `LinkedIn-Version` sent, for a refusal of it */
  readonly version: string;
  /** the current instant, for a 429's wait until LinkedIn's quotas reset */
  readonly now: Date;
  /** which image (1-based) an image step was about */
  readonly image?: number;
}

/** The title of the README section that tells how to renew a LinkedIn token. */
export const README_SECTION = 'LinkedIn';
/** The OAuth permission an organization's posts and images need (Posts API, Images API). */
export const ORGANIZATION_PERMISSION = 'w_organization_social';
/** The most images of one post: MultiImage API, 2 to 20 images. */
export const MAX_IMAGES = 20;
/** The longest alt text LinkedIn stores for an image of a post (Posts API, Media: altText). */
export const MAX_ALT_TEXT_LENGTH = 4086;
/**
 * The most bytes of one image Araldo fetches. LinkedIn documents no byte
 * limit for the Images API, only a pixel one (below 36,152,320 pixels) and
 * the formats JPG, PNG and GIF; this bound is Araldo's own, so that a wrong
 * URL cannot fill the process's memory. A municipality's photos are far
 * below it.
 */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
/** The types LinkedIn takes (Images API: JPG, PNG, GIF), recognised by their first bytes. */
export const IMAGE_TYPES: readonly ImageType[] = ['image/jpeg', 'image/png', 'image/gif'];

/** What LinkedIn takes of a post's images, for the outcomes that refuse one (image-outcome.ts). */
export const IMAGE_RULES: ImageRules = {
  network: 'LinkedIn',
  maxImages: MAX_IMAGES,
  maxAltLength: MAX_ALT_TEXT_LENGTH,
  maxBytes: MAX_IMAGE_BYTES,
  sizeLimit: 'araldo',
  formats: { it: 'JPEG, PNG o GIF', en: 'JPEG, PNG or GIF' },
};
/** The shortest wait taken on a 429: a Retry-After of 0 still means "not right now". */
const MIN_RATE_LIMIT_WAIT_MS = 1_000;
/** A wait beyond this is taken as this: a wrong header must not park a target for days. */
const MAX_RATE_LIMIT_WAIT_MS = 24 * 3_600_000;

const ENDPOINT_OF: Readonly<Record<Step, string>> = {
  image_init: 'POST /rest/images?action=initializeUpload',
  image_upload: 'PUT uploadUrl',
  post: 'POST /rest/posts',
};

/** Words for the team (shown inside the core's words for each code), in its language. */
const WORDS = {
  it: {
    permission: (reason: string | undefined) =>
      `il token non ha il permesso ${ORGANIZATION_PERMISSION}, o chi l'ha creato non è amministratore della pagina LinkedIn (ruolo ADMINISTRATOR o CONTENT_ADMIN)${reason === undefined ? '' : `; LinkedIn dice: ${reason}`}`,
    version: (version: string) =>
      `LinkedIn non accetta più la versione ${version} della sua API: va aggiornata in "settings": {"apiVersion": "AAAAMM"}`,
    noApi: (host: string, status: number) =>
      `nessuna API LinkedIn su ${host} (HTTP ${status}): controlla "baseUrl"`,
    redirect: (host: string) =>
      `${host} rimanda altrove: in "baseUrl" va l'indirizzo finale dell'API LinkedIn`,
    refusedImage: (reason: string | undefined) =>
      `LinkedIn l'ha rifiutata${reason === undefined ? '' : `: ${reason}`}`,
    badUploadUrl: 'LinkedIn ha indicato un indirizzo di caricamento non valido',
    other: (status: number, reason: string | undefined) =>
      `LinkedIn ha risposto HTTP ${status}${reason === undefined ? '' : `: ${reason}`}`,
  },
  en: {
    permission: (reason: string | undefined) =>
      `the token lacks the ${ORGANIZATION_PERMISSION} permission, or whoever created it is no administrator of the LinkedIn page (role ADMINISTRATOR or CONTENT_ADMIN)${reason === undefined ? '' : `; LinkedIn says: ${reason}`}`,
    version: (version: string) =>
      `LinkedIn no longer accepts version ${version} of its API: update it in "settings": {"apiVersion": "YYYYMM"}`,
    noApi: (host: string, status: number) => `no LinkedIn API at ${host} (HTTP ${status}): check "baseUrl"`,
    redirect: (host: string) =>
      `${host} redirects elsewhere: "baseUrl" must be the LinkedIn API's final address`,
    refusedImage: (reason: string | undefined) =>
      `LinkedIn refused it${reason === undefined ? '' : `: ${reason}`}`,
    badUploadUrl: 'LinkedIn gave an upload address that is not valid',
    other: (status: number, reason: string | undefined) =>
      `LinkedIn answered HTTP ${status}${reason === undefined ? '' : `: ${reason}`}`,
  },
} as const satisfies Record<Language, unknown>;

/** What an error body says: LinkedIn's `message`, `code` and `serviceErrorCode`, each when present. */
export interface LinkedinError {
  readonly message: string | undefined;
  readonly code: string | undefined;
  readonly serviceErrorCode: number | undefined;
}

/** The fields of a LinkedIn error body; all undefined for anything else (an HTML error page). Pure. */
export function readLinkedinError(body: string | undefined): LinkedinError {
  const json = parseJson(body);
  const fields = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  return {
    message: typeof fields.message === 'string' ? oneLine(fields.message) : undefined,
    code: typeof fields.code === 'string' ? fields.code : undefined,
    serviceErrorCode: typeof fields.serviceErrorCode === 'number' ? fields.serviceErrorCode : undefined,
  };
}

/**
 * How long a 429 asks to wait, in milliseconds: its Retry-After when it
 * has one; else until LinkedIn's daily quotas reset, at the next midnight
 * UTC ("These limits reset at midnight UTC every day",
 * learn.microsoft.com/linkedin/shared/api-guide/concepts/rate-limits).
 * Within 1 s … 24 h. Pure.
 */
export function rateLimitWaitMs(retryAfter: string | null, now: Date): number {
  const bound = (ms: number) => Math.min(Math.max(ms, MIN_RATE_LIMIT_WAIT_MS), MAX_RATE_LIMIT_WAIT_MS);
  const given = retryAfter?.trim();
  if (given !== undefined && given !== '') {
    if (/^\d+$/.test(given)) return bound(Number(given) * 1000);
    const at = Date.parse(given);
    if (!Number.isNaN(at)) return bound(at - now.getTime());
  }
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return bound(midnight - now.getTime());
}

/** True when a 401's body says the token was revoked (else it expired or is unknown). */
function isRevoked(error: LinkedinError): boolean {
  return (
    error.code === 'REVOKED_ACCESS_TOKEN' ||
    error.serviceErrorCode === 65601 ||
    (error.message !== undefined && /revoked/i.test(error.message))
  );
}

/**
 * The outcome of an answer that is not the step's success:
 * - 401: `token_revoked` when LinkedIn says revoked, else `token_expired`
 *   (LinkedIn's tokens run out after 60 days; an unknown token needs the
 *   same renewal);
 * - 403: `permission_missing`, naming w_organization_social and the page roles;
 * - 426, or 400 about the version: `misconfigured`, naming `apiVersion`;
 * - 422 "Content is a duplicate of …": `duplicate`;
 * - other 400/422: `content_refused` with LinkedIn's message (for an image
 *   step, `media_unreachable`);
 * - 429: `rate_limited` (Retry-After, else until the next midnight UTC);
 * - 408, 5xx: `unavailable`; a 404 of the upload address too (it expired:
 *   a new attempt asks for another);
 * - 3xx, 404 of the API: `misconfigured` (baseUrl). Pure.
 */
export function fromApiAnswer(answer: LinkedinAnswer, step: Step, context: OutcomeContext): PublishOutcome {
  const words = WORDS[context.language];
  const { status } = answer;
  const error = readLinkedinError(answer.body);
  const reason = error.message;
  const logged = `${ENDPOINT_OF[step]} answered HTTP ${status}${error.code === undefined ? '' : ` ${error.code}`}${reason === undefined ? '' : `: ${reason}`}`;
  const host = new URL(context.apiUrl).host;
  const onImage = (what: string) => aboutImage(context.image ?? 0, what, context.language);
  const isImage = step !== 'post';

  if (status >= 300 && status < 400) return rejected('misconfigured', logged, words.redirect(host));
  if (status === 401) {
    return rejected(isRevoked(error) ? 'token_revoked' : 'token_expired', logged, README_SECTION);
  }
  if (status === 403) return rejected('permission_missing', logged, words.permission(reason));
  if (status === 426 || error.code === 'VERSION_MISSING' || error.code === 'NONEXISTENT_VERSION') {
    return rejected('misconfigured', logged, words.version(context.version));
  }
  if (status === 404) {
    if (step === 'image_upload') {
      return {
        kind: 'unavailable',
        detail: `${logged} (the upload address lapsed; a new attempt asks for another)`,
      };
    }
    return rejected('misconfigured', logged, words.noApi(host, status));
  }
  if (status === 422 && step === 'post' && reason !== undefined && /duplicate/i.test(reason)) {
    return rejected('duplicate', logged, reason);
  }
  if (status === 400 || status === 413 || status === 415 || status === 422) {
    if (isImage) return rejected('media_unreachable', logged, onImage(words.refusedImage(reason)));
    return rejected('content_refused', logged, reason ?? words.other(status, undefined));
  }
  if (status === 429) {
    return {
      kind: 'rate_limited',
      retryAfterMs: rateLimitWaitMs(answer.retryAfter, context.now),
      detail: `${logged}${answer.retryAfter === null ? ' (daily quota: waiting until midnight UTC)' : ` (Retry-After ${answer.retryAfter})`}`,
    };
  }
  if (status === 408 || status >= 500) return { kind: 'unavailable', detail: logged };
  return rejected('misconfigured', logged, words.other(status, reason));
}

// A post's URN as x-restli-id carries it: urn:li:share:N or urn:li:ugcPost:N.
const POST_URN = /^urn:li:[A-Za-z]+:[A-Za-z0-9_-]+$/;

/** The public address of a post: its feed page, addressed by its URN as LinkedIn prints it. Pure. */
export function postUrl(urn: string): string {
  return `https://www.linkedin.com/feed/update/${urn}`;
}

/**
 * The outcome of a 201 to POST /rest/posts: published, the post's URN from
 * `x-restli-id`; `unknown` when that header is missing or unreadable: the
 * post was made, but where it is Araldo cannot say. Pure.
 */
export function fromPostCreated(answer: LinkedinAnswer): PublishOutcome {
  const urn = answer.restliId?.trim();
  if (urn === undefined || !POST_URN.test(urn)) {
    return {
      kind: 'unknown',
      detail: `POST /rest/posts answered HTTP ${answer.status} without a post URN in x-restli-id: the post is probably there`,
    };
  }
  return { kind: 'published', remoteId: urn, url: postUrl(urn) };
}

// The answer to initializeUpload (Images API): `value.uploadUrl` and `value.image`.
const initializeUploadBody = z.looseObject({
  value: z.looseObject({
    uploadUrl: z.string().min(1),
    image: z.string().regex(/^urn:li:image:[A-Za-z0-9_-]+$/),
  }),
});

/** The upload address and image URN of an initializeUpload answer; undefined when unreadable. Pure. */
export function readInitializeUpload(
  body: string | undefined,
): { uploadUrl: string; image: string } | undefined {
  const parsed = initializeUploadBody.safeParse(parseJson(body));
  return parsed.success
    ? { uploadUrl: parsed.data.value.uploadUrl, image: parsed.data.value.image }
    : undefined;
}

/**
 * The outcome of an upload address Araldo will not send the token to: not
 * https, nor on the API's own host (a loopback fake in tests). LinkedIn
 * gives https addresses on its own hosts; anything else will not change on
 * a retry. Pure.
 */
export function fromBadUploadUrl(image: number, language: Language): PublishOutcome {
  const words = WORDS[language];
  return rejected(
    'misconfigured',
    `image ${image}: initializeUpload gave an upload address that is neither https nor on the API's host; nothing was sent there`,
    aboutImage(image, words.badUploadUrl, language),
  );
}

/**
 * The outcome of a request that got no answer. Before the post is sent
 * nothing public exists (an uploaded image alone publishes nothing), so a
 * failure there is `unavailable`. For the post: `unavailable` when the
 * connection was never made, else `unknown` (it may have landed; LinkedIn
 * keeps no idempotency key, so a person checks the page). Pure.
 */
export function fromRequestFailure(
  step: Step,
  failure: RequestFailure,
  aborted: boolean,
  image?: number,
): PublishOutcome {
  const where = step === 'post' ? 'the post' : `image ${image ?? 0} (${ENDPOINT_OF[step]})`;
  return fromUnansweredRequest(
    { network: 'LinkedIn', where, publication: 'the post', publishing: step === 'post' },
    failure,
    aborted,
  );
}
