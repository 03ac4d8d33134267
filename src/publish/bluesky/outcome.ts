import type { Language } from '../../core/language.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { describeRequestError } from '../request-error.ts';
import type { XrpcAnswer } from './xrpc.ts';

/** Wait when a 429 says nothing of how long: Bluesky's limits run over minutes to a day. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;
/** A wait beyond this is taken as this: a wrong header must not park a target for weeks. */
export const MAX_RATE_LIMIT_WAIT_MS = 24 * 3_600_000;

/**
 * Which step of a publication a call belongs to, since the same answer means
 * different things: a broken connection while reading cannot have published
 * anything, while writing it may have.
 */
export type CallStep = 'login' | 'read' | 'media' | 'write';

/** The team's words for what Bluesky refused, used as `networkReason`. */
const WORDS = {
  it: {
    loginRefused: (reason: string) =>
      `Bluesky non accetta l'identificativo o la password per app (${reason}): crea una nuova password per app in Bluesky (Impostazioni › Privacy e sicurezza › Password per app) e aggiorna la variabile d'ambiente di Araldo`,
    needsAppPassword:
      "Bluesky chiede un codice di verifica: questa è la password dell'account, non una password per app; crea una password per app e usa quella",
    takenDown: (reason: string) => `Bluesky ha sospeso o disattivato l'account (${reason})`,
    tokenRefused: (reason: string) =>
      `Bluesky rifiuta la sessione anche dopo un nuovo accesso (${reason}): controlla la password per app`,
    misconfigured: (status: number, reason: string) =>
      `il server Bluesky (baseUrl) ha risposto HTTP ${status}${reason}: controlla l'indirizzo del PDS`,
    existing: (rkey: string) =>
      `su Bluesky c'è già un post con la chiave ${rkey} ma con un altro testo: controlla l'account`,
    imageTooBig: (position: number, megabytes: string | undefined) =>
      `l'immagine ${position} ${megabytes === undefined ? 'supera' : `pesa ${megabytes} MB e supera`} il limite di Bluesky di 1 MB (1.000.000 byte): pubblicane una versione più leggera e aggiorna il link`,
    imageNotFound: (position: number, status: number) =>
      `l'immagine ${position} non si può scaricare (il sito risponde HTTP ${status})`,
    imageNotImage: (position: number, type: string) =>
      `il link dell'immagine ${position} non porta a un'immagine JPEG, PNG, GIF o WebP (${type})`,
    imageBadUrl: (position: number) => `il link dell'immagine ${position} non è un indirizzo http(s)`,
  },
  en: {
    loginRefused: (reason: string) =>
      `Bluesky does not accept the identifier or the app password (${reason}): create a new app password in Bluesky (Settings › Privacy and security › App passwords) and update Araldo's environment variable`,
    needsAppPassword:
      'Bluesky asks for a verification code: this is the account password, not an app password; create an app password and use that',
    takenDown: (reason: string) => `Bluesky has suspended or deactivated the account (${reason})`,
    tokenRefused: (reason: string) =>
      `Bluesky refuses the session even after a new login (${reason}): check the app password`,
    misconfigured: (status: number, reason: string) =>
      `the Bluesky server (baseUrl) answered HTTP ${status}${reason}: check the PDS address`,
    existing: (rkey: string) =>
      `Bluesky already has a post with the key ${rkey} but with another text: check the account`,
    imageTooBig: (position: number, megabytes: string | undefined) =>
      `image ${position} ${megabytes === undefined ? 'is over' : `weighs ${megabytes} MB, over`} Bluesky's limit of 1 MB (1,000,000 bytes): publish a lighter version and update the link`,
    imageNotFound: (position: number, status: number) =>
      `image ${position} cannot be downloaded (the website answers HTTP ${status})`,
    imageNotImage: (position: number, type: string) =>
      `the link of image ${position} does not lead to a JPEG, PNG, GIF or WebP image (${type})`,
    imageBadUrl: (position: number) => `the link of image ${position} is not an http(s) address`,
  },
} as const satisfies Record<Language, unknown>;

/** The team's words for Bluesky's refusals. */
export function wordsFor(language: Language): (typeof WORDS)[Language] {
  return WORDS[language];
}

function nameOf(answer: XrpcAnswer): string {
  const name = answer.error ?? `HTTP ${answer.status}`;
  return answer.message === undefined ? name : `${name}: ${answer.message}`;
}

/**
 * How long a 429 asks to wait, in milliseconds from `now`: Bluesky's
 * `ratelimit-reset` (the instant the window resets, in UNIX seconds), else a
 * `retry-after` in seconds, else DEFAULT_RATE_LIMIT_WAIT_MS; at most
 * MAX_RATE_LIMIT_WAIT_MS. Pure.
 */
export function rateLimitWait(headers: Headers, now: Date): number {
  const reset = headers.get('ratelimit-reset')?.trim();
  if (reset !== undefined && /^\d+$/.test(reset)) {
    return Math.min(Math.max(0, Number(reset) * 1000 - now.getTime()), MAX_RATE_LIMIT_WAIT_MS);
  }
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) {
    return Math.min(Number(retryAfter) * 1000, MAX_RATE_LIMIT_WAIT_MS);
  }
  return DEFAULT_RATE_LIMIT_WAIT_MS;
}

/**
 * The outcome of an error answer of the PDS at `step` (atproto.com/specs/xrpc,
 * "Error Responses"; the names are the reference PDS's): 429 rate_limited
 * for its `ratelimit-reset`; 5xx unavailable, except a gateway's 502/504
 * while writing, which may have let the record through (unknown: the next
 * attempt reads it back); 400 InvalidRequest while writing content_refused
 * with the PDS's reason (a text over 300 graphemes, say); 413 content_refused;
 * 400 BlobNotFound unavailable (the next attempt uploads again); 400 or 413
 * on an upload media_unreachable with the PDS's reason; auth errors
 * that survive a refresh and a new login token_revoked; 401
 * AccountTakedown/AccountDeactivated token_revoked; 403 permission_missing;
 * a redirect, 404 or 501 misconfigured (no XRPC server at the base URL).
 * Pure.
 */
export function fromErrorAnswer(
  answer: XrpcAnswer,
  context: { readonly step: CallStep; readonly language: Language; readonly now: Date },
): PublishOutcome {
  const { status, error } = answer;
  const words = wordsFor(context.language);
  const reason = nameOf(answer);
  const detail = `Bluesky answered HTTP ${status} (${reason}) during ${context.step}`;
  if (status === 429) {
    return { kind: 'rate_limited', retryAfterMs: rateLimitWait(answer.headers, context.now), detail };
  }
  if (status >= 500 && status !== 501) {
    if (context.step === 'write' && (status === 502 || status === 504)) {
      return { kind: 'unknown', detail: `${detail}: the record may have been written` };
    }
    return { kind: 'unavailable', detail };
  }
  if (error === 'AccountTakedown' || error === 'AccountDeactivated') {
    return { kind: 'rejected', code: 'token_revoked', detail, networkReason: words.takenDown(reason) };
  }
  if (error === 'ExpiredToken' || error === 'InvalidToken' || status === 401) {
    return { kind: 'rejected', code: 'token_revoked', detail, networkReason: words.tokenRefused(reason) };
  }
  if (error === 'BlobNotFound') return { kind: 'unavailable', detail };
  if (context.step === 'media' && (status === 400 || status === 413)) {
    return {
      kind: 'rejected',
      code: 'media_unreachable',
      detail,
      networkReason: answer.message ?? error ?? `HTTP ${status}`,
    };
  }
  if (status === 413) {
    return {
      kind: 'rejected',
      code: 'content_refused',
      detail,
      networkReason: answer.message ?? 'request entity too large',
    };
  }
  if (status === 400 && context.step === 'write') {
    return {
      kind: 'rejected',
      code: 'content_refused',
      detail,
      ...(answer.message === undefined ? {} : { networkReason: answer.message }),
    };
  }
  if (status === 403) {
    return {
      kind: 'rejected',
      code: 'permission_missing',
      detail,
      networkReason: answer.message ?? error ?? 'Forbidden',
    };
  }
  const because = answer.message === undefined && error === undefined ? '' : ` (${reason})`;
  return {
    kind: 'rejected',
    code: 'misconfigured',
    detail,
    networkReason: words.misconfigured(status, because),
  };
}

/**
 * The outcome of a call that got no answer. Only a write can have published
 * anything: a broken connection or the attempt's time running out after the
 * write left is `unknown` (the next attempt reads the record back); anything
 * else, and a connection never made, is `unavailable`. `aborted`: the
 * attempt's signal had fired. Pure.
 */
export function fromNoAnswer(
  cause: unknown,
  context: { readonly step: CallStep; readonly aborted: boolean },
): PublishOutcome {
  const failure = describeRequestError(cause);
  if (failure.notSent) {
    return {
      kind: 'unavailable',
      detail: `could not reach Bluesky (${failure.code}) during ${context.step}`,
    };
  }
  const name = (cause as { name?: unknown } | null)?.name;
  const timedOut = context.aborted || name === 'AbortError' || name === 'TimeoutError';
  const what = timedOut
    ? 'no answer within the attempt’s time'
    : `the connection broke before an answer (${failure.code})`;
  if (context.step === 'write') {
    return { kind: 'unknown', detail: `${what} while writing the post: Bluesky may have it` };
  }
  return { kind: 'unavailable', detail: `${what} during ${context.step}: nothing was published` };
}
