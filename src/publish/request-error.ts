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
