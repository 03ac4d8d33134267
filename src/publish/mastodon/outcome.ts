import { z } from 'zod';
import type { Language } from '../../core/language.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { oneLine, parseJson } from '../answer-text.ts';
import type { ImageType } from '../image-download.ts';
import { aboutImage, type ImageRules } from '../image-outcome.ts';
import { rejected } from '../rejected.ts';
import { fromUnansweredRequest, type RequestFailure } from '../request-error.ts';
import type { ApiAnswer } from './mastodon-api.ts';

// Mastodon's answers, from its source (app/controllers/api/base_controller.rb,
// api/v1/media_controller.rb, api/v2/media_controller.rb,
// services/post_status_service.rb, config/initializers/rack_attack.rb) and
// docs.joinmastodon.org (methods/media, methods/statuses, api/rate-limits).
// Every error body is `{"error": "…"}`.

/** Which call of a publication answered. */
export type Step = 'media_upload' | 'media_check' | 'status';

/** What the words of an outcome depend on besides the answer. */
export interface OutcomeContext {
  readonly language: Language;
  /** the instance's address (instance-url.ts) */
  readonly instanceUrl: string;
  /** the real time of the answer, when the server sent no `Date` */
  readonly now: Date;
  /** which image (1-based) a media step was about */
  readonly image?: number;
}

/** Wait when a 429 says nothing readable of how long: Mastodon's shortest window (5 minutes, api/rate-limits). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 5 * 60_000;
/** A wait beyond this is taken as this: a wrong header must not park a target for days. */
export const MAX_RATE_LIMIT_WAIT_MS = 24 * 3_600_000;
/** The shortest wait taken: a reset already passed still means "not right now". */
const MIN_RATE_LIMIT_WAIT_MS = 1_000;
/** MediaAttachment::MAX_DESCRIPTION_LENGTH: the longest alt text Mastodon stores. */
export const MAX_DESCRIPTION_LENGTH = 1_500;
/** Status::MEDIA_ATTACHMENTS_LIMIT: the most attachments one status may carry. */
export const MAX_MEDIA_ATTACHMENTS = 4;
/**
 * The largest image Mastodon accepts by default: MediaAttachment::IMAGE_LIMIT,
 * 16 megabytes in Rails' units (16 × 1024 × 1024 bytes). An instance may set
 * MAX_IMAGE_SIZE otherwise; Araldo keeps to the default.
 */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;
/**
 * The image types Mastodon accepts (MediaAttachment IMAGE_MIME_TYPES in 4.x),
 * recognised by their first bytes, as the instance does (it checks the
 * content, not the name).
 */
export const IMAGE_TYPES: readonly ImageType[] = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/heic',
  'image/heif',
  'image/avif',
];

/** What Mastodon takes of a post's images, for the outcomes that refuse one (image-outcome.ts). */
export const IMAGE_RULES: ImageRules = {
  network: 'Mastodon',
  maxImages: MAX_MEDIA_ATTACHMENTS,
  maxAltLength: MAX_DESCRIPTION_LENGTH,
  maxBytes: MAX_IMAGE_BYTES,
  sizeLimit: 'network',
  formats: { it: 'JPEG, PNG, GIF, WebP, HEIC o AVIF', en: 'JPEG, PNG, GIF, WebP, HEIC or AVIF' },
};

const ENDPOINT_OF: Readonly<Record<Step, string>> = {
  media_upload: 'POST /api/v2/media',
  media_check: 'GET /api/v1/media/:id',
  status: 'POST /api/v1/statuses',
};

const SCOPE_OF: Readonly<Record<Step, string>> = {
  media_upload: 'write:media',
  media_check: 'write:media',
  status: 'write:statuses',
};

/** Words for the team (shown inside the core's words for each code), in its language. */
const WORDS = {
  it: {
    scope: (scope: string) => `il token non ha l'ambito ${scope}`,
    refusedImage: (reason: string | undefined) =>
      `l'istanza Mastodon l'ha rifiutata${reason === undefined ? '' : `: ${reason}`}`,
    tooLargeForInstance: "l'istanza Mastodon la rifiuta perché troppo grande (HTTP 413)",
    noApi: (host: string) => `nessuna API Mastodon su ${host} (HTTP 404): controlla "baseUrl"`,
    redirect: (host: string, to: string | undefined) =>
      `${host} rimanda altrove${to === undefined ? '' : ` (a ${to})`}: in "baseUrl" va l'indirizzo finale dell'istanza`,
    account: (reason: string) => `l'istanza non accetta l'account: ${reason}`,
    appToken:
      "il token non appartiene a un account: va creato dalle preferenze dell'account (Sviluppo → Nuova applicazione)",
    refusedAccess: (status: number) => `l'istanza rifiuta la richiesta (HTTP ${status})`,
    other: (status: number, reason: string | undefined) =>
      `l'istanza ha risposto HTTP ${status}${reason === undefined ? '' : `: ${reason}`}`,
  },
  en: {
    scope: (scope: string) => `the token lacks the ${scope} scope`,
    refusedImage: (reason: string | undefined) =>
      `the Mastodon instance refused it${reason === undefined ? '' : `: ${reason}`}`,
    tooLargeForInstance: 'the Mastodon instance refuses it as too large (HTTP 413)',
    noApi: (host: string) => `no Mastodon API at ${host} (HTTP 404): check "baseUrl"`,
    redirect: (host: string, to: string | undefined) =>
      `${host} redirects elsewhere${to === undefined ? '' : ` (to ${to})`}: "baseUrl" must be the instance's final address`,
    account: (reason: string) => `the instance does not accept the account: ${reason}`,
    appToken:
      "the token belongs to no account: create it in the account's preferences (Development → New application)",
    refusedAccess: (status: number) => `the instance refuses the request (HTTP ${status})`,
    other: (status: number, reason: string | undefined) =>
      `the instance answered HTTP ${status}${reason === undefined ? '' : `: ${reason}`}`,
  },
} as const satisfies Record<Language, unknown>;

/** The instance's own words: the `error` of a JSON body; undefined for anything else (an HTML error page). Pure. */
export function mastodonReason(body: string | undefined): string | undefined {
  const json = parseJson(body);
  if (typeof json !== 'object' || json === null) return undefined;
  const error = (json as Record<string, unknown>).error;
  return typeof error === 'string' ? oneLine(error) : undefined;
}

function hostOf(url: string | null, base: string): string | undefined {
  if (url === null) return undefined;
  try {
    return new URL(url, base).host;
  } catch {
    return undefined;
  }
}

/**
 * How long a 429 (or a 5xx with Retry-After) asks to wait, in milliseconds:
 * `Retry-After` when a proxy sent one, else `X-RateLimit-Reset` (an ISO
 * instant) less the server's `Date`, so that a skewed clock on either side
 * does not matter (`now` when there is no Date); within 1 s … 24 h;
 * undefined when neither header is readable. Pure.
 */
export function rateLimitWaitMs(answer: ApiAnswer, now: Date): number | undefined {
  const bound = (ms: number) => Math.min(Math.max(ms, MIN_RATE_LIMIT_WAIT_MS), MAX_RATE_LIMIT_WAIT_MS);
  const retryAfter = answer.retryAfter?.trim();
  if (retryAfter !== undefined && retryAfter !== '') {
    if (/^\d+$/.test(retryAfter)) return bound(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return bound(at - now.getTime());
  }
  if (answer.rateLimitReset === null) return undefined;
  const reset = Date.parse(answer.rateLimitReset);
  if (Number.isNaN(reset)) return undefined;
  const serverNow = answer.date === null ? Number.NaN : Date.parse(answer.date);
  return bound(reset - (Number.isNaN(serverNow) ? now.getTime() : serverNow));
}

/**
 * The outcome of an answer that is not the step's success: 401 an invalid
 * token (`token_expired` when the instance says it expired, else
 * `token_revoked`); 403 a missing scope (`permission_missing`, naming it) or
 * an account the instance will not serve; 422 refused content, or for media
 * a refused image; "not finished processing" is transient; 404 no Mastodon
 * API at baseUrl (for a media check: the upload is gone, try again); 429
 * rate_limited until X-RateLimit-Reset (else 5 minutes); 5xx unavailable;
 * 3xx misconfigured (redirects are not followed). Pure.
 */
export function fromApiAnswer(answer: ApiAnswer, step: Step, context: OutcomeContext): PublishOutcome {
  const words = WORDS[context.language];
  const { status } = answer;
  const reason = mastodonReason(answer.body);
  const because = reason === undefined ? '' : `: ${reason}`;
  const host = new URL(context.instanceUrl).host;
  const image = context.image ?? 0;
  const onImage = (what: string) => aboutImage(image, what, context.language);
  const logged = `${ENDPOINT_OF[step]} answered HTTP ${status}${because}`;
  const isMedia = step !== 'status';

  if (status >= 300 && status < 400) {
    return rejected(
      'misconfigured',
      logged,
      words.redirect(host, hostOf(answer.location, context.instanceUrl)),
    );
  }
  if (status === 401) {
    return rejected(
      reason !== undefined && /expired/i.test(reason) ? 'token_expired' : 'token_revoked',
      logged,
      undefined,
    );
  }
  if (status === 403) {
    if (reason !== undefined && /outside the authorized scopes/i.test(reason)) {
      return rejected('permission_missing', logged, words.scope(SCOPE_OF[step]));
    }
    // Api::BaseController#require_user!: an unconfirmed, unapproved or disabled login.
    if (reason !== undefined && /\blogin\b/i.test(reason)) {
      return rejected('misconfigured', logged, words.account(reason));
    }
    if (reason !== undefined) return rejected('permission_missing', logged, reason);
    return rejected('misconfigured', logged, words.refusedAccess(status));
  }
  if (status === 404) {
    if (step === 'media_check') {
      return { kind: 'unavailable', detail: `${logged} (the upload is gone; a new attempt uploads again)` };
    }
    return rejected('misconfigured', logged, words.noApi(host));
  }
  if (status === 422 || status === 400) {
    // require_user! with a token of the application alone (client credentials).
    if (reason !== undefined && /requires an authenticated user/i.test(reason)) {
      return rejected('misconfigured', logged, words.appToken);
    }
    if (step === 'status') {
      // PostStatusService#validate_media!: an upload still processing; it will not be for long.
      if (reason !== undefined && /not finished processing/i.test(reason)) {
        return { kind: 'unavailable', detail: logged };
      }
      return rejected('content_refused', logged, reason);
    }
    if (step === 'media_upload' && reason !== undefined && /description/i.test(reason)) {
      return rejected('content_refused', logged, onImage(reason));
    }
    return rejected('media_unreachable', logged, onImage(words.refusedImage(reason)));
  }
  if (status === 413) {
    if (isMedia) return rejected('media_unreachable', logged, onImage(words.tooLargeForInstance));
    return rejected('content_refused', logged, reason);
  }
  const wait = rateLimitWaitMs(answer, context.now);
  if (status === 429) {
    return {
      kind: 'rate_limited',
      retryAfterMs: wait ?? DEFAULT_RATE_LIMIT_WAIT_MS,
      detail: `${logged}${answer.rateLimitReset === null ? '' : ` (X-RateLimit-Reset ${answer.rateLimitReset})`}`,
    };
  }
  if (status === 408) return { kind: 'unavailable', detail: logged };
  if (status >= 500) {
    // MediaController#create: Paperclip could not make a thumbnail of this file; it never will.
    if (step === 'media_upload' && reason !== undefined && /processing thumbnail/i.test(reason)) {
      return rejected('media_unreachable', logged, onImage(words.refusedImage(reason)));
    }
    if (answer.retryAfter !== null && wait !== undefined) {
      return { kind: 'rate_limited', retryAfterMs: wait, detail: logged };
    }
    return { kind: 'unavailable', detail: logged };
  }
  return rejected('misconfigured', logged, words.other(status, reason));
}

// What Araldo reads of a Status entity (docs: entities/Status): loose, the rest is ignored.
const statusBody = z.looseObject({
  id: z.string().min(1).max(100),
  url: z.string().nullish(),
  uri: z.string().nullish(),
});

function webUrl(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The outcome of a 2xx to POST /api/v1/statuses: published, the status's
 * `url` its public page (`uri` when url is null, as for some statuses);
 * `unknown` when the body cannot be read, since the status was made but its
 * id is not known: the engine sends again with the same Idempotency-Key and
 * gets the same status back. Pure.
 */
export function fromStatusCreated(answer: ApiAnswer, context: OutcomeContext): PublishOutcome {
  const parsed = statusBody.safeParse(parseJson(answer.body));
  if (!parsed.success) {
    return {
      kind: 'unknown',
      detail: `POST /api/v1/statuses answered HTTP ${answer.status} with a body Araldo cannot read: the status is probably there`,
    };
  }
  const { id } = parsed.data;
  const url =
    webUrl(parsed.data.url) ??
    webUrl(parsed.data.uri) ??
    `${context.instanceUrl}/web/statuses/${encodeURIComponent(id)}`;
  return { kind: 'published', remoteId: id, url };
}

/**
 * The outcome of a request that got no answer. Before the status is sent
 * nothing public exists (an upload alone publishes nothing, and unattached
 * media are removed by the instance), so any failure there is `unavailable`.
 * For the status: `unavailable` when the connection was never made, else
 * `unknown` (it may have landed; the network being idempotent, the engine
 * sends it again with the same key). `aborted`: the attempt's time ran out. Pure.
 */
export function fromRequestFailure(
  step: Step,
  failure: RequestFailure,
  aborted: boolean,
  image?: number,
): PublishOutcome {
  const where = step === 'status' ? 'the status' : `image ${image ?? 0} (${ENDPOINT_OF[step]})`;
  return fromUnansweredRequest(
    { network: 'the instance', where, publication: 'the status', publishing: step === 'status' },
    failure,
    aborted,
  );
}
