import { z } from 'zod';
import type { Language } from '../../core/language.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { oneLine, parseJson } from '../answer-text.ts';
import { describeRequestError } from '../request-error.ts';

/** What a receiver answered, as far as the outcome depends on it. */
export interface ReceiverAnswer {
  readonly status: number;
  /** the Retry-After header, when present */
  readonly retryAfter: string | null;
  /** the response body as text (cut at a bound), or undefined when it could not be read */
  readonly body: string | undefined;
}

/** Wait when a 429 says nothing of how long: the spec asks to throttle, not how much. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;
/** A Retry-After beyond this is taken as this: a receiver's typo must not park a target for weeks. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

// When the receiver names no public page, the thread still says where the post
// went, in plain words (the delivery's `url` is shown as is).
const DELIVERED_NOTE: Readonly<Record<Language, string>> = {
  it: 'consegnato al webhook (il destinatario non ha indicato un indirizzo pubblico)',
  en: 'delivered to the webhook (the receiver gave no public address)',
};

// What Araldo reads in a 2xx body: loose, since receivers may add anything.
const successBody = z.looseObject({
  url: z
    .url({ protocol: /^https?$/ })
    .optional()
    .catch(undefined),
  id: z.string().min(1).max(200).optional().catch(undefined),
});

/**
 * Retry-After in milliseconds from `now`: delta-seconds or an HTTP-date
 * (RFC 9110 §10.2.3), at most MAX_RETRY_AFTER_MS; undefined when absent or
 * unreadable.
 */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now.getTime());
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/**
 * The receiver's own words about a refusal: a JSON body's `error` (string, or
 * object with `message`), `message`, `reason`, `detail` or `title`, else a
 * short text body; undefined when it said nothing readable. HTML error pages
 * are not words for the team.
 */
export function receiverReason(body: string | undefined): string | undefined {
  const json = parseJson(body);
  if (typeof json === 'object' && json !== null) {
    const fields = json as Record<string, unknown>;
    const error = fields.error;
    if (typeof error === 'object' && error !== null) {
      const message = (error as Record<string, unknown>).message;
      if (typeof message === 'string') return oneLine(message);
    }
    for (const key of ['error', 'message', 'reason', 'detail', 'title']) {
      const value = fields[key];
      if (typeof value === 'string') return oneLine(value);
    }
    return undefined;
  }
  if (typeof json === 'string') return oneLine(json);
  if (body === undefined || /^\s*</.test(body)) return undefined;
  return oneLine(body);
}

/**
 * The outcome of an answered request (Standard Webhooks, "Delivery success
 * and failure"): 2xx published (the body's `url` is the public URL, its `id`
 * the remote id, else the webhook-id); 3xx misconfigured (redirects are not
 * followed); 401/403 token_revoked (the receiver refuses the signature);
 * 404/410 misconfigured; 400/413/422 content_refused with the receiver's
 * reason; 409 duplicate; 429 rate_limited for Retry-After (else a minute);
 * 5xx unavailable, or rate_limited when it carries a Retry-After; 408 unavailable;
 * any other status misconfigured. Pure.
 */
export function fromReceiverAnswer(
  answer: ReceiverAnswer,
  context: { readonly webhookId: string; readonly language: Language; readonly now: Date },
): PublishOutcome {
  const { status } = answer;
  const reason = status >= 300 ? receiverReason(answer.body) : undefined;
  const because = reason === undefined ? '' : `: ${reason}`;
  const refused = (
    code: 'token_revoked' | 'misconfigured' | 'content_refused' | 'duplicate',
    detail: string,
  ): PublishOutcome => ({
    kind: 'rejected',
    code,
    detail,
    ...(reason === undefined ? {} : { networkReason: reason }),
  });
  if (status >= 200 && status < 300) {
    const parsed = successBody.safeParse(parseJson(answer.body));
    const url = parsed.success ? parsed.data.url : undefined;
    const id = parsed.success ? parsed.data.id : undefined;
    return {
      kind: 'published',
      remoteId: id ?? context.webhookId,
      url: url ?? DELIVERED_NOTE[context.language],
    };
  }
  if (status >= 300 && status < 400) {
    return refused('misconfigured', `the receiver answered ${status} (a redirect): configure its final URL`);
  }
  if (status === 401 || status === 403) {
    return refused(
      'token_revoked',
      `the receiver refused the signature (HTTP ${status}): its secret is not the one Araldo signs with${because}`,
    );
  }
  if (status === 404) return refused('misconfigured', `no receiver at this URL (HTTP 404)${because}`);
  if (status === 410) {
    return refused('misconfigured', `the receiver no longer accepts webhooks (HTTP 410 Gone)${because}`);
  }
  if (status === 400 || status === 413 || status === 422) {
    return refused('content_refused', `the receiver refused the post (HTTP ${status})${because}`);
  }
  if (status === 409) {
    return refused('duplicate', `the receiver says it has this post already (HTTP 409)${because}`);
  }
  const wait = parseRetryAfter(answer.retryAfter, context.now);
  if (status === 429) {
    return {
      kind: 'rate_limited',
      retryAfterMs: wait ?? DEFAULT_RATE_LIMIT_WAIT_MS,
      detail: `the receiver asks to slow down (HTTP 429${wait === undefined ? ', no Retry-After' : ''})`,
    };
  }
  if (status >= 500) {
    // The spec: a Retry-After (503, say) is to be honoured when scheduling the next attempt.
    if (wait !== undefined) {
      return {
        kind: 'rate_limited',
        retryAfterMs: wait,
        detail: `the receiver is unavailable (HTTP ${status})`,
      };
    }
    return { kind: 'unavailable', detail: `the receiver failed (HTTP ${status})${because}` };
  }
  if (status === 408)
    return { kind: 'unavailable', detail: 'the receiver timed out reading the request (HTTP 408)' };
  return refused('misconfigured', `the receiver answered HTTP ${status}${because}`);
}

/**
 * The outcome of a request that got no answer: `unavailable` when the
 * connection was never made (nothing sent), `unknown` otherwise (a reset,
 * a closed socket or the attempt's time running out after the request may
 * have left). `aborted`: the attempt's signal had fired (fetch then rejects
 * with the signal's reason, whatever it is). Pure.
 */
export function fromRequestError(error: unknown, aborted: boolean): PublishOutcome {
  const failure = describeRequestError(error);
  if (failure.notSent)
    return { kind: 'unavailable', detail: `could not reach the receiver (${failure.code})` };
  const name = (error as { name?: unknown } | null)?.name;
  if (aborted || name === 'AbortError' || name === 'TimeoutError') {
    return { kind: 'unknown', detail: 'no answer within the attempt’s time: the receiver may have the post' };
  }
  return {
    kind: 'unknown',
    detail: `the connection broke before an answer (${failure.code}): the receiver may have the post`,
  };
}
