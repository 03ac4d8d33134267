import { oneLine, parseJson } from '../answer-text.ts';
import { readAtMost } from '../response-body.ts';
// XRPC over plain fetch (atproto.com/specs/xrpc): a query is
// `GET /xrpc/<nsid>?params`, a procedure `POST /xrpc/<nsid>` with a JSON (or
// raw bytes) body; errors answer a status and `{"error": Name, "message": …}`.

/** What a server answered to one XRPC call. */
export interface XrpcAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** the body parsed as JSON; undefined when empty, not JSON or cut */
  readonly body: unknown;
  /** an error answer's `error` name (`ExpiredToken`, `RateLimitExceeded`…) */
  readonly error: string | undefined;
  /** an error answer's `message`, one line */
  readonly message: string | undefined;
}

/** A call that got no answer: the fetch failed (connection, abort, timeout). */
export interface XrpcNoAnswer {
  readonly noAnswer: true;
  readonly cause: unknown;
}

/** One XRPC call: what it is and where it goes. */
export interface XrpcCall {
  /** the service's base URL, without `/xrpc` */
  readonly service: string;
  readonly nsid: string;
  /** query parameters, for a query (GET) */
  readonly query?: Readonly<Record<string, string>>;
  /** a JSON body: the call is then a procedure (POST) */
  readonly json?: unknown;
  /** a raw body with its content type (uploadBlob): a procedure too */
  readonly bytes?: { readonly data: Uint8Array; readonly type: string };
  /** a bearer token: the access token, or the refresh token for refreshSession */
  readonly token?: string;
  /** a procedure without input (refreshSession) is still a POST */
  readonly procedure?: boolean;
}

/** The most of an answer read: records, sessions and DID documents are small. */
const MAX_ANSWER_BYTES = 256 * 1024;

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The URL of a call: `<service>/xrpc/<nsid>?<query>`. */
export function xrpcUrl(call: Pick<XrpcCall, 'service' | 'nsid' | 'query'>): string {
  const url = new URL(`xrpc/${call.nsid}`, call.service.endsWith('/') ? call.service : `${call.service}/`);
  for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * Makes one XRPC call and reads its answer; never throws: a failed fetch is
 * an XrpcNoAnswer. Redirects are not followed (an XRPC server does not
 * redirect; one that does is misconfigured, and a redirect must not carry
 * the token elsewhere).
 */
export async function callXrpc(
  send: typeof fetch,
  call: XrpcCall,
  signal: AbortSignal,
): Promise<XrpcAnswer | XrpcNoAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'Araldo' };
  if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
  let body: string | Uint8Array | undefined;
  if (call.bytes !== undefined) {
    headers['content-type'] = call.bytes.type;
    body = call.bytes.data;
  } else if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.json);
  }
  let response: Response;
  try {
    response = await send(xrpcUrl(call), {
      method: body === undefined && call.procedure !== true ? 'GET' : 'POST',
      headers,
      ...(body === undefined ? {} : { body }),
      signal,
      redirect: 'manual',
    });
  } catch (cause) {
    return { noAnswer: true, cause };
  }
  let text: string | undefined;
  try {
    // A longer answer is no answer Araldo can read: undefined, like a lost body.
    text = (await readAtMost(response, MAX_ANSWER_BYTES))?.toString('utf8');
  } catch {
    // The status is known; only the body was lost.
    text = undefined;
  }
  const parsed = parseJson(text);
  const ok = response.status >= 200 && response.status < 300;
  const message = ok ? undefined : field(parsed, 'message');
  return {
    status: response.status,
    headers: response.headers,
    body: parsed,
    error: ok ? undefined : field(parsed, 'error'),
    message: message === undefined ? undefined : oneLine(message),
  };
}

/** Whether a call got no answer. */
export function isNoAnswer(answer: XrpcAnswer | XrpcNoAnswer): answer is XrpcNoAnswer {
  return 'noAnswer' in answer;
}
