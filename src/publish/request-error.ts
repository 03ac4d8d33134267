import type { PublishOutcome } from '../core/publish-outcome.ts';

// Connection errors that happen before a byte of the request is sent:
// nothing can have reached the server.
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The `code`s of an error and its causes (undici wraps them in `fetch failed`; happy eyeballs in an AggregateError). */
function errorCodes(error: unknown, depth = 0): string[] {
  if (typeof error !== 'object' || error === null || depth > 4) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof code === 'string' ? [code] : []),
    ...errorCodes(cause, depth + 1),
    ...(Array.isArray(errors) ? errors.flatMap((inner) => errorCodes(inner, depth + 1)) : []),
  ];
}

/** What a fetch that got no answer says of itself. */
export interface RequestFailure {
  /** true when the connection was never made: nothing was sent */
  readonly notSent: boolean;
  /** a short name for logs and messages: the error code, else the error's name */
  readonly code: string;
}

/** Reads a fetch rejection: whether anything can have been sent, and its code. Pure. */
export function describeRequestError(error: unknown): RequestFailure {
  const codes = errorCodes(error);
  const notSent = codes.find((code) => NOT_SENT.has(code));
  if (notSent !== undefined) return { notSent: true, code: notSent };
  const name = (error as { name?: unknown } | null)?.name;
  return { notSent: false, code: codes[0] ?? (typeof name === 'string' ? name : 'error') };
}

/** A request of a publication that got no answer, as the log names it. */
export interface UnansweredRequest {
  /** who did not answer: `X`, `the instance` */
  readonly network: string;
  /** what the request was for: `the post`, `image 2 (POST /2/media/upload)` */
  readonly where: string;
  /** the call that makes the post public, as the log names it: `the post`, `the status` */
  readonly publication: string;
  /** true when this request is that call: what it sent may have landed */
  readonly publishing: boolean;
}

/**
 * The outcome of a request that got no answer, for a network without
 * idempotency or whose publishing call is sent again by the engine. Before
 * the publishing call nothing public exists, so any failure there is
 * `unavailable`. For the publishing call: `unavailable` when the connection
 * was never made, else `unknown` (it may have landed). `aborted`: the
 * attempt's time ran out. Pure.
 */
export function fromUnansweredRequest(
  request: UnansweredRequest,
  failure: RequestFailure,
  aborted: boolean,
): PublishOutcome {
  const { network, where, publication } = request;
  if (!request.publishing || failure.notSent) {
    const why = aborted ? 'the attempt’s time ran out' : `could not reach ${network} (${failure.code})`;
    return { kind: 'unavailable', detail: `${where}: ${why}; nothing was published` };
  }
  if (aborted) {
    return {
      kind: 'unknown',
      detail: `no answer to ${publication} within the attempt’s time: it may be published`,
    };
  }
  return {
    kind: 'unknown',
    detail: `the connection broke before ${network} answered ${publication} (${failure.code}): it may be published`,
  };
}
