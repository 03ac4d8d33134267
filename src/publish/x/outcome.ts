import { z } from 'zod';
import type { Language } from '../../core/language.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { oneLine, parseJson } from '../answer-text.ts';
import { aboutImage, type ImageRules } from '../image-outcome.ts';
import { rejected } from '../rejected.ts';
import { fromUnansweredRequest, type RequestFailure } from '../request-error.ts';
import type { XAnswer } from './x-api.ts';

// X API v2 answers errors as RFC 7807 problems (docs.x.com, x-api/fundamentals/
// response-codes-and-errors): `{title, detail, type, status}`, for a request
// refused field by field also `errors: [{message, parameters}]`; the token
// endpoint answers OAuth errors, `{error, error_description}` (RFC 6749 §5.2).

/** Which call of a publication answered. */
export type Step = 'token' | 'media_upload' | 'media_metadata' | 'post';

/** What the words of an outcome depend on besides the answer. */
export interface OutcomeContext {
  readonly language: Language;
  /** the API's address (https://api.x.com, or the target's baseUrl) */
  readonly apiUrl: string;
  /** the real time of the answer, when the server sent no `Date` */
  readonly now: Date;
  /** which image (1-based) a media step was about */
  readonly image?: number;
}

/** Wait when a 429 says nothing readable of how long: X's rate-limit window is 15 minutes (fundamentals/rate-limits). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 15 * 60_000;
/** A wait beyond this is taken as this: a wrong header must not park a target for days. */
export const MAX_RATE_LIMIT_WAIT_MS = 24 * 3_600_000;
/** The shortest wait taken: a reset already passed still means "not right now". */
const MIN_RATE_LIMIT_WAIT_MS = 1_000;
/** The longest alt text X stores (docs.x.com, media metadata: alt_text.text "Must be <= 1000 chars"). */
export const MAX_ALT_TEXT_LENGTH = 1_000;
/** The most images one post carries (docs.x.com, media best practices: "up to 4 photos"). */
export const MAX_IMAGES = 4;
/**
 * The largest image X takes from the API: 5 MB (docs.x.com, x-api/media
 * introduction, "Size restrictions for uploading via API: Image 5 MB").
 */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** What X takes of a post's images, for the outcomes that refuse one (image-outcome.ts); the types: X_IMAGE_TYPES. */
export const IMAGE_RULES: ImageRules = {
  network: 'X',
  maxImages: MAX_IMAGES,
  maxAltLength: MAX_ALT_TEXT_LENGTH,
  maxBytes: MAX_IMAGE_BYTES,
  sizeLimit: 'network',
  formats: { it: 'JPEG, PNG o WebP', en: 'JPEG, PNG or WebP' },
};
/** X's answer to a post whose text the account already posted (networks.md; seen in the wild, 403). */
export const DUPLICATE_CONTENT = /duplicate content/i;

const ENDPOINT_OF: Readonly<Record<Step, string>> = {
  token: 'POST /2/oauth2/token',
  media_upload: 'POST /2/media/upload',
  media_metadata: 'POST /2/media/metadata',
  post: 'POST /2/tweets',
};

/** Where the admin reads how to connect the account again: the README section the failure points to. */
const README_SECTION = 'README, section "X"';

/** Words for the team (shown inside the core's words for each code), in its language. */
const WORDS = {
  it: {
    refusedImage: (reason: string | undefined) =>
      `X l'ha rifiutata${reason === undefined ? '' : `: ${reason}`}`,
    reauthorize: `X non accetta più il refresh token: qualcuno deve autorizzare di nuovo Araldo sull'account X e mettere il nuovo refresh token nella variabile della credenziale refreshToken (${README_SECTION})`,
    badClient: (reason: string) =>
      `X rifiuta l'app (${reason}): controlla le credenziali clientId e clientSecret (${README_SECTION})`,
    scopes: (reason: string | undefined) =>
      `X nega il permesso${reason === undefined ? '' : ` (${reason})`}: servono l'accesso "Read and write" dell'app e gli ambiti tweet.read, tweet.write, users.read, media.write e offline.access (${README_SECTION})`,
    project: (reason: string | undefined) =>
      `l'app X non ha l'accesso all'API v2 che serve${reason === undefined ? '' : ` (${reason})`}`,
    credits: (reason: string | undefined) =>
      `il piano dell'API X non ha più crediti${reason === undefined ? '' : ` (${reason})`}`,
    redirect: 'X rimanda altrove: in "baseUrl" va l\'indirizzo finale dell\'API (di norma si lascia vuoto)',
    noApi: (host: string) =>
      `nessuna API X su ${host} (HTTP 404): controlla "baseUrl" (di norma si lascia vuoto)`,
    other: (status: number, reason: string | undefined) =>
      `X ha risposto HTTP ${status}${reason === undefined ? '' : `: ${reason}`}`,
  },
  en: {
    refusedImage: (reason: string | undefined) => `X refused it${reason === undefined ? '' : `: ${reason}`}`,
    reauthorize: `X no longer accepts the refresh token: someone must authorize Araldo on the X account again and put the new refresh token in the variable of the refreshToken credential (${README_SECTION})`,
    badClient: (reason: string) =>
      `X refuses the app (${reason}): check the clientId and clientSecret credentials (${README_SECTION})`,
    scopes: (reason: string | undefined) =>
      `X denies the permission${reason === undefined ? '' : ` (${reason})`}: the app needs "Read and write" access and the scopes tweet.read, tweet.write, users.read, media.write and offline.access (${README_SECTION})`,
    project: (reason: string | undefined) =>
      `the X app lacks the API v2 access it needs${reason === undefined ? '' : ` (${reason})`}`,
    credits: (reason: string | undefined) =>
      `the X API plan has no credits left${reason === undefined ? '' : ` (${reason})`}`,
    redirect: 'X redirects elsewhere: "baseUrl" must be the API\'s final address (normally left out)',
    noApi: (host: string) => `no X API at ${host} (HTTP 404): check "baseUrl" (normally left out)`,
    other: (status: number, reason: string | undefined) =>
      `X answered HTTP ${status}${reason === undefined ? '' : `: ${reason}`}`,
  },
} as const satisfies Record<Language, unknown>;

/** The words the team reads when the account must be authorized again. */
export function reauthorizeWords(language: Language): string {
  return WORDS[language].reauthorize;
}

const problemBody = z.looseObject({
  title: z.string().optional(),
  detail: z.string().optional(),
  type: z.string().optional(),
  reason: z.string().optional(),
  errors: z.array(z.looseObject({ message: z.string().optional() })).optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

/** What an X error body says: the OAuth `error` code, the problem `type`, and its words (on one line). */
export interface XProblem {
  readonly error: string | undefined;
  readonly type: string | undefined;
  /** the most specific words: a field's message, else the detail, else the OAuth description, else the title */
  readonly reason: string | undefined;
}

/** Reads an X error body leniently; every field undefined for anything else (an HTML page). Pure. */
export function readProblem(body: string | undefined): XProblem {
  const parsed = problemBody.safeParse(parseJson(body));
  if (!parsed.success) return { error: undefined, type: undefined, reason: undefined };
  const { data } = parsed;
  const words =
    data.errors?.find((e) => e.message)?.message ?? data.detail ?? data.error_description ?? data.title;
  return { error: data.error, type: data.type, reason: words === undefined ? undefined : oneLine(words) };
}

function epochMs(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/**
 * How long a 429 asks to wait, in milliseconds: until the latest reset of a
 * window that ran out (the post quota of the day, `x-user-limit-24hour-*` or
 * `x-app-limit-24hour-*`, when its remaining is 0; else the endpoint's
 * `x-rate-limit-reset`), epoch seconds read against the server's `Date` so a
 * skewed clock on either side does not matter (`now` when there is no Date);
 * within 1 s … 24 h; undefined when no reset is readable. Pure.
 */
export function rateLimitWaitMs(answer: XAnswer, now: Date): number | undefined {
  const limits = answer.rateLimit;
  const resets: number[] = [];
  for (const window of ['x-user-limit-24hour', 'x-app-limit-24hour'] as const) {
    const reset = epochMs(limits[`${window}-reset`]);
    if (limits[`${window}-remaining`]?.trim() === '0' && reset !== undefined) resets.push(reset);
  }
  if (resets.length === 0) {
    const reset = epochMs(limits['x-rate-limit-reset']);
    if (reset !== undefined) resets.push(reset);
  }
  if (resets.length === 0) return undefined;
  const serverNow = answer.date === null ? Number.NaN : Date.parse(answer.date);
  const wait = Math.max(...resets) - (Number.isNaN(serverNow) ? now.getTime() : serverNow);
  return Math.min(Math.max(wait, MIN_RATE_LIMIT_WAIT_MS), MAX_RATE_LIMIT_WAIT_MS);
}

/** Whether an answer of the token endpoint says the refresh token is spent, revoked or unknown. Pure. */
export function isDeadGrant(answer: XAnswer): boolean {
  if (answer.status !== 400 && answer.status !== 401) return false;
  const problem = readProblem(answer.body);
  if (problem.error === 'invalid_grant') return true;
  // X answers a spent or revoked refresh token with invalid_request and these
  // words, not RFC 6749's invalid_grant (seen in the wild, e.g.
  // PLhery/node-twitter-api-v2 issues; networks.md).
  return problem.error === 'invalid_request' && /token was invalid/i.test(problem.reason ?? '');
}

/**
 * The outcome of a refresh the token endpoint refused: a dead grant is
 * `token_revoked` (a person must authorize again); a refused client
 * (`invalid_client`, `unauthorized_client`: a wrong secret, or a confidential
 * client configured without one) `misconfigured`; 429 `rate_limited`; 5xx
 * and 408 `unavailable`; anything else `misconfigured`. Pure.
 */
export function fromTokenAnswer(answer: XAnswer, context: OutcomeContext): PublishOutcome {
  const words = WORDS[context.language];
  const problem = readProblem(answer.body);
  const because = problem.reason === undefined ? '' : `: ${problem.error ?? ''} ${problem.reason}`;
  const logged = `${ENDPOINT_OF.token} answered HTTP ${answer.status}${because.trimEnd()}`;
  if (isDeadGrant(answer)) {
    return rejected('token_revoked', `${logged}; the account must be authorized again`, words.reauthorize);
  }
  if (answer.status === 429) {
    return {
      kind: 'rate_limited',
      retryAfterMs: rateLimitWaitMs(answer, context.now) ?? DEFAULT_RATE_LIMIT_WAIT_MS,
      detail: logged,
    };
  }
  if (answer.status >= 500 || answer.status === 408) return { kind: 'unavailable', detail: logged };
  const client = problem.error ?? `HTTP ${answer.status}`;
  return rejected('misconfigured', logged, words.badClient(problem.reason ?? client));
}

/**
 * The outcome of an API answer that is not the step's success: 401 (after a
 * refresh) `token_revoked`; 403 duplicate content `duplicate`, a missing
 * scope, app permission or project `permission_missing`, anything else X
 * refuses `content_refused` (for media: `media_unreachable`); 400 refused
 * content (or image); 402 a plan without credits; 429 `rate_limited` until
 * its reset (else 15 minutes); 5xx unavailable; 3xx and 404 misconfigured. Pure.
 */
export function fromApiAnswer(answer: XAnswer, step: Step, context: OutcomeContext): PublishOutcome {
  const words = WORDS[context.language];
  const { status } = answer;
  const problem = readProblem(answer.body);
  const reason = problem.reason;
  const logged = `${ENDPOINT_OF[step]} answered HTTP ${status}${reason === undefined ? '' : `: ${reason}`}`;
  const onImage = (what: string) => aboutImage(context.image ?? 0, what, context.language);
  const isMedia = step === 'media_upload' || step === 'media_metadata';

  if (status >= 300 && status < 400) return rejected('misconfigured', logged, words.redirect);
  if (status === 401) {
    return rejected(
      'token_revoked',
      `${logged} (with an access token just refreshed): the account must be authorized again`,
      words.reauthorize,
    );
  }
  if (status === 402) return rejected('misconfigured', logged, words.credits(reason));
  if (status === 403) {
    if (reason !== undefined && DUPLICATE_CONTENT.test(reason)) {
      return rejected(
        'duplicate',
        `${logged} (X refuses a post identical to one the account already has; if an earlier attempt of this delivery got no answer, that one probably landed)`,
        reason,
      );
    }
    const type = problem.type ?? '';
    if (/client-forbidden|client-not-enrolled/i.test(`${type} ${reason ?? ''}`)) {
      return rejected('permission_missing', logged, words.project(reason));
    }
    if (
      /unsupported-authentication|oauth1-permissions|scope|permission|not permitted/i.test(
        `${type} ${reason ?? ''}`,
      )
    ) {
      return rejected('permission_missing', logged, words.scopes(reason));
    }
    if (isMedia) return rejected('media_unreachable', logged, onImage(words.refusedImage(reason)));
    return rejected('content_refused', logged, reason ?? words.other(status, undefined));
  }
  if (status === 404) return rejected('misconfigured', logged, words.noApi(new URL(context.apiUrl).host));
  if (status === 400 || status === 413 || status === 422) {
    if (isMedia) return rejected('media_unreachable', logged, onImage(words.refusedImage(reason)));
    return rejected('content_refused', logged, reason ?? words.other(status, undefined));
  }
  if (status === 429) {
    const wait = rateLimitWaitMs(answer, context.now);
    const reset = answer.rateLimit['x-rate-limit-reset'];
    return {
      kind: 'rate_limited',
      retryAfterMs: wait ?? DEFAULT_RATE_LIMIT_WAIT_MS,
      detail: `${logged}${reset === null ? '' : ` (x-rate-limit-reset ${reset})`}`,
    };
  }
  if (status >= 500 || status === 408) return { kind: 'unavailable', detail: logged };
  return rejected('misconfigured', logged, words.other(status, reason));
}

const postCreated = z.looseObject({ data: z.looseObject({ id: z.string().regex(/^\d{1,19}$/) }) });

/**
 * The outcome of a 2xx to POST /2/tweets: published at
 * https://x.com/i/web/status/{id} (a link that needs no handle); `unknown`
 * when the body cannot be read, since the post was made but its id is not
 * known, and X has no idempotency to send it again safely. Pure.
 */
export function fromPostCreated(answer: XAnswer): PublishOutcome {
  const parsed = postCreated.safeParse(parseJson(answer.body));
  if (!parsed.success) {
    return {
      kind: 'unknown',
      detail: `POST /2/tweets answered HTTP ${answer.status} with a body Araldo cannot read: the post is probably there`,
    };
  }
  const { id } = parsed.data.data;
  return { kind: 'published', remoteId: id, url: `https://x.com/i/web/status/${id}` };
}

/**
 * The outcome of a request that got no answer. Before the post is sent
 * nothing public exists (a token refresh or an upload publishes nothing),
 * so any failure there is `unavailable`. For the post: `unavailable` when
 * the connection was never made, else `unknown` (it may have landed, and X
 * has no idempotency: a person checks). Pure.
 */
export function fromRequestFailure(
  step: Step,
  failure: RequestFailure,
  aborted: boolean,
  image?: number,
): PublishOutcome {
  const where =
    step === 'post'
      ? 'the post'
      : step === 'token'
        ? 'the token refresh'
        : `image ${image ?? 0} (${ENDPOINT_OF[step]})`;
  return fromUnansweredRequest(
    { network: 'X', where, publication: 'the post', publishing: step === 'post' },
    failure,
    aborted,
  );
}
