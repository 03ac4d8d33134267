import type { Language } from '../../core/language.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { oneLine } from '../answer-text.ts';
import { rejected } from '../rejected.ts';
import type { RequestFailure } from '../request-error.ts';
import type { GraphAnswer } from './graph-client.ts';
import { objectOf } from './graph-client.ts';

// Graph's error answers, from developers.facebook.com/docs/graph-api/guides/error-handling
// (codes and the authentication subcodes), .../overview/rate-limiting (the
// throttling codes and usage headers), .../reference/photo (368, 324) and
// developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
// (the 2207xxx subcodes of content publishing). Every error body is
// {"error": {"message", "type", "code", "error_subcode", "error_user_msg", "is_transient", "fbtrace_id"}},
// most often with HTTP 400 whatever the cause.

/** The `error` object of a Graph answer, as far as Araldo reads it. */
export interface GraphError {
  readonly code: number | undefined;
  readonly subcode: number | undefined;
  /** Graph's message, on one line */
  readonly message: string | undefined;
  /** `error_user_msg`: words meant for the account's person, when Graph gives them */
  readonly userMessage: string | undefined;
  readonly isTransient: boolean;
  readonly fbtraceId: string | undefined;
}

/** The error of a Graph body; undefined when the body holds none (an HTML page, nothing). Pure. */
export function readGraphError(json: unknown): GraphError | undefined {
  const error = objectOf(objectOf(json)?.error);
  if (error === undefined) return undefined;
  const int = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);
  const text = (value: unknown) => (typeof value === 'string' ? oneLine(value) : undefined);
  return {
    code: int(error.code),
    subcode: int(error.error_subcode),
    message: text(error.message),
    userMessage: text(error.error_user_msg),
    isTransient: error.is_transient === true,
    fbtraceId: typeof error.fbtrace_id === 'string' ? error.fbtrace_id : undefined,
  };
}

/** Authentication subcode 463: "Expired: login status or access token has expired". */
const SUBCODE_EXPIRED = 463;

/**
 * Whether a code-190 error means the token ran out (subcode 463, or no
 * subcode and a message saying so, as "Session has expired on …") rather
 * than being revoked or invalid (458 app removed, 459 checkpointed, 460
 * password changed, 464 unconfirmed user, 467 invalid token, 492 no role on
 * the Page, none: malformed). Pure.
 */
export function isExpiry(subcode: number | undefined, message: string | undefined): boolean {
  if (subcode === SUBCODE_EXPIRED) return true;
  return subcode === undefined && message !== undefined && /\bexpired\b/i.test(message);
}

// Throttling: 4 app, 17 user, 32 Page, 613 custom; 80000–80014 the Business
// Use Case limits (80001 Pages, 80002 Instagram), which Page tokens meet.
function isThrottling(code: number): boolean {
  return code === 4 || code === 17 || code === 32 || code === 613 || (code >= 80_000 && code <= 80_014);
}

/** Wait when a throttled answer says nothing readable of how long. */
export const DEFAULT_THROTTLE_WAIT_MS = 15 * 60_000;
/**
 * Wait after Instagram's publishing limit (code 9, subcode 2207042) when
 * nothing better is known: the next attempt reads the quota again before
 * making anything (instagram-publisher.ts), and waits as long as it says.
 */
export const DEFAULT_QUOTA_WAIT_MS = 60 * 60_000;
/** A wait beyond this is taken as this: a wrong header must not park a target for days. */
export const MAX_WAIT_MS = 24 * 3_600_000;
const MIN_WAIT_MS = 60_000;

/** `ms` within 1 minute … 24 hours. Pure. */
export function boundWait(ms: number): number {
  return Math.min(Math.max(ms, MIN_WAIT_MS), MAX_WAIT_MS);
}

/**
 * How long Graph says to wait, in milliseconds: the largest
 * `estimated_time_to_regain_access` (minutes) among the entries of
 * X-Business-Use-Case-Usage ({"<id>": [{type, call_count, …,
 * estimated_time_to_regain_access}]}), or of X-App-Usage when it carries
 * one; within 1 minute … 24 hours; undefined when neither says. Pure.
 */
export function regainAccessWaitMs(
  answer: Pick<GraphAnswer, 'appUsage' | 'businessUsage'>,
): number | undefined {
  const minutes: number[] = [];
  const collect = (entry: unknown) => {
    const value = objectOf(entry)?.estimated_time_to_regain_access;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) minutes.push(value);
  };
  const parse = (header: string | null): unknown => {
    if (header === null) return undefined;
    try {
      return JSON.parse(header);
    } catch {
      return undefined;
    }
  };
  collect(parse(answer.appUsage));
  for (const entries of Object.values(objectOf(parse(answer.businessUsage)) ?? {})) {
    if (Array.isArray(entries)) for (const entry of entries) collect(entry);
  }
  if (minutes.length === 0) return undefined;
  return boundWait(Math.max(...minutes) * 60_000);
}

// Meta's permission names, as error messages quote them ("requires both
// pages_read_engagement and pages_manage_posts").
const PERMISSION = /\b(?:pages|instagram|publish|business|ads|read|manage)_[a-z_]+\b/g;

/** The permissions a Graph message names, in order, once each. Pure. */
export function permissionsNamed(message: string | undefined): string[] {
  if (message === undefined) return [];
  return [...new Set(message.match(PERMISSION) ?? [])];
}

/** Which setting names the object a target publishes to. */
export type ObjectSetting = 'pageId' | 'igUserId';

/** What an outcome's words depend on besides the answer. */
export interface GraphCallContext {
  /** the call, for logs: `POST /{page-id}/feed` */
  readonly endpoint: string;
  readonly language: Language;
  readonly setting: ObjectSetting;
  /** which image (1-based) the call was about, if one */
  readonly image?: number;
}

/** Words for the team (shown inside the core's words for each code), in its language. */
const WORDS = {
  it: {
    image: (n: number, what: string) => `immagine ${n}: ${what}`,
    imageRefused: (reason: string | undefined) =>
      `Meta non è riuscita a scaricarla o l'ha rifiutata${reason === undefined ? '' : ` (${reason})`}`,
    object: (setting: ObjectSetting, reason: string | undefined) =>
      `Meta non trova "${setting}" o il token non vi può pubblicare${reason === undefined ? '' : ` (${reason})`}`,
    account: (reason: string | undefined) =>
      `l'account Instagram è inattivo o limitato: va aperto nell'app Instagram${reason === undefined ? '' : ` (${reason})`}`,
    other: (status: number, code: number | undefined, reason: string | undefined) =>
      `Meta ha risposto HTTP ${status}${code === undefined ? '' : `, codice ${code}`}${reason === undefined ? '' : `: ${reason}`}`,
  },
  en: {
    image: (n: number, what: string) => `image ${n}: ${what}`,
    imageRefused: (reason: string | undefined) =>
      `Meta could not fetch it or refused it${reason === undefined ? '' : ` (${reason})`}`,
    object: (setting: ObjectSetting, reason: string | undefined) =>
      `Meta cannot find "${setting}" or the token cannot publish there${reason === undefined ? '' : ` (${reason})`}`,
    account: (reason: string | undefined) =>
      `the Instagram account is inactive or restricted: open it in the Instagram app${reason === undefined ? '' : ` (${reason})`}`,
    other: (status: number, code: number | undefined, reason: string | undefined) =>
      `Meta answered HTTP ${status}${code === undefined ? '' : `, code ${code}`}${reason === undefined ? '' : `: ${reason}`}`,
  },
} as const satisfies Record<Language, unknown>;

// Instagram content publishing subcodes (reference/error-codes) that a new
// attempt, with a new container, may get past: server errors (2207001,
// 2207032, 2207053), a download timeout (2207003), an expired or vanished
// container (2207020, 2207006, 2207008), a container not ready yet (2207027).
const TRANSIENT_SUBCODES = new Set([2207001, 2207003, 2207006, 2207008, 2207020, 2207027, 2207032, 2207053]);
// The image itself: too large (2207004), not a JPEG (2207005), aspect ratio
// outside 4:5 … 1.91:1 (2207009), not fetchable from its URL (2207052).
const IMAGE_SUBCODES = new Set([2207004, 2207005, 2207009, 2207052]);

/**
 * The outcome of a Graph answer that is not its call's success. Token
 * errors (190, 102) are token_expired or token_revoked by their subcode;
 * permission errors (10, 200–299) permission_missing naming the permission
 * when Graph's message does; throttling (4, 17, 32, 613, 80000–80014) and
 * Instagram's publishing limit (9/2207042) rate_limited, for as long as the
 * usage headers say; 368 and Instagram's spam refusal (4/2207051) and
 * caption refusal (2207010) content_refused; 506 duplicate; image problems
 * media_unreachable; 100/33 (no such object, or no access) misconfigured,
 * naming the setting; 1, 2, transient subcodes, `is_transient` and 5xx
 * unavailable. Pure.
 */
export function fromGraphAnswer(answer: GraphAnswer, context: GraphCallContext): PublishOutcome {
  const words = WORDS[context.language];
  const error = readGraphError(answer.json);
  const { status } = answer;
  const code = error?.code;
  const subcode = error?.subcode;
  const reason = error?.userMessage ?? error?.message;
  const logged =
    `${context.endpoint} answered HTTP ${status}` +
    (code === undefined ? '' : ` code ${code}${subcode === undefined ? '' : `/${subcode}`}`) +
    (error?.message === undefined ? '' : `: ${error.message}`) +
    (error?.fbtraceId === undefined ? '' : ` (fbtrace_id ${error.fbtraceId})`);
  const onImage = (what: string) => (context.image === undefined ? what : words.image(context.image, what));

  if (code === 190 || code === 102) {
    return rejected(isExpiry(subcode, error?.message) ? 'token_expired' : 'token_revoked', logged, undefined);
  }
  if (code === 9 && subcode === 2207042) {
    return {
      kind: 'rate_limited',
      retryAfterMs: regainAccessWaitMs(answer) ?? DEFAULT_QUOTA_WAIT_MS,
      detail: `${logged} (Instagram's publishing quota)`,
    };
  }
  if (code === 4 && subcode === 2207051) return rejected('content_refused', logged, reason);
  if (code !== undefined && isThrottling(code)) {
    const wait = regainAccessWaitMs(answer);
    return {
      kind: 'rate_limited',
      retryAfterMs: wait ?? DEFAULT_THROTTLE_WAIT_MS,
      detail: `${logged}${wait === undefined ? ' (no estimated_time_to_regain_access: default wait)' : ''}`,
    };
  }
  if (code === 10 || (code !== undefined && code >= 200 && code <= 299)) {
    const named = permissionsNamed(error?.message);
    return rejected('permission_missing', logged, named.length > 0 ? named.join(', ') : reason);
  }
  if (code === 368) return rejected('content_refused', logged, reason);
  if (code === 506) return rejected('duplicate', logged, undefined);
  if (subcode === 2207010) return rejected('content_refused', logged, reason);
  if (subcode !== undefined && IMAGE_SUBCODES.has(subcode)) {
    return rejected('media_unreachable', logged, onImage(words.imageRefused(reason)));
  }
  if (subcode === 2207050) return rejected('misconfigured', logged, words.account(reason));
  if (
    error?.isTransient === true ||
    code === 1 ||
    code === 2 ||
    (subcode !== undefined && TRANSIENT_SUBCODES.has(subcode)) ||
    status >= 500 ||
    status === 408
  ) {
    return { kind: 'unavailable', detail: logged };
  }
  // 324: "Missing or invalid image file"; a photo call's 100 is about its url.
  if (code === 324 || (context.image !== undefined && code === 100 && subcode !== 33)) {
    return rejected('media_unreachable', logged, onImage(words.imageRefused(reason)));
  }
  if ((code === 100 && subcode === 33) || code === 803) {
    return rejected('misconfigured', logged, words.object(context.setting, error?.message));
  }
  return rejected('misconfigured', logged, words.other(status, code, reason));
}

/**
 * The outcome of a request that got no answer. Before the call that makes
 * the post public (`publishing` false) nothing public exists, so any failure
 * is `unavailable`; for that call, `unavailable` when the connection was
 * never made, else `unknown` (it may have landed). Pure.
 */
export function fromRequestFailure(
  endpoint: string,
  failure: RequestFailure,
  aborted: boolean,
  publishing: boolean,
): PublishOutcome {
  const why = aborted ? 'the attempt’s time ran out' : `no answer (${failure.code})`;
  if (!publishing || failure.notSent) {
    return { kind: 'unavailable', detail: `${endpoint}: ${why}; nothing was published` };
  }
  return { kind: 'unknown', detail: `${endpoint}: ${why} after it was sent: the post may be there` };
}
