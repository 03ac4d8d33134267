import { createHmac } from 'node:crypto';
import { request } from 'node:http';

// Slack signs every HTTP request it sends to an app:
// https://docs.slack.dev/authentication/verifying-requests-from-slack
// These helpers play Slack's part against a Bolt HTTP receiver, and can also
// send what Slack never would (unsigned, badly signed, stale) so tests can
// prove the receiver refuses it.

/**
 * The two content types Slack sends. Form bodies must carry exactly this value: Bolt's receivers
 * compare the header verbatim, and answer 400 to `application/x-www-form-urlencoded; charset=utf-8`.
 */
export type SlackContentType = 'application/x-www-form-urlencoded' | 'application/json';

export interface SlackSignedHeaders {
  'X-Slack-Signature': string;
  'X-Slack-Request-Timestamp': string;
  'Content-Type': SlackContentType;
}

/** `v0=` + hex HMAC-SHA256(signing secret, `v0:{timestamp}:{raw body}`). */
export function slackSignature(signingSecret: string, body: string, timestampSeconds: number): string {
  const hmac = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`);
  return `v0=${hmac.digest('hex')}`;
}

/** The headers Slack puts on a request carrying `body`, signed at `timestampSeconds` (Unix seconds). */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestampSeconds: number,
  contentType: SlackContentType = 'application/x-www-form-urlencoded',
): SlackSignedHeaders {
  return {
    'X-Slack-Signature': slackSignature(signingSecret, body, timestampSeconds),
    'X-Slack-Request-Timestamp': String(timestampSeconds),
    'Content-Type': contentType,
  };
}

/**
 * The raw body for `contentType`. A string is sent as is. An object is JSON for `application/json`;
 * for a form each field is one form field, a non-string value JSON-encoded — so
 * `{ payload: viewSubmissionPayload(…) }` gives the `payload=<json>` of an interactivity request.
 */
export function encodeSlackBody(
  body: string | Readonly<Record<string, unknown>>,
  contentType: SlackContentType,
): string {
  if (typeof body === 'string') return body;
  if (contentType === 'application/json') return JSON.stringify(body);
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    form.append(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return form.toString();
}

export interface PostSignedOptions {
  secret: string;
  body: string | Readonly<Record<string, unknown>>;
  /** default: form-encoded, as slash commands and interactivity are; the Events API sends JSON */
  contentType?: SlackContentType;
  /**
   * Unix seconds to sign with; default now by the wall clock, because Bolt checks staleness
   * against `Date.now()` (more than 5 minutes old → 401).
   */
  timestamp?: number;
  /** `X-Slack-Retry-Num`, as Slack sets on redelivered events */
  retryNum?: number;
  /** `X-Slack-Retry-Reason`, e.g. `http_timeout` */
  retryReason?: string;
  /** sent instead of the correct signature */
  signatureOverride?: string;
  /** send neither signature nor timestamp header */
  unsigned?: boolean;
}

export interface SignedResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** POSTs a (signed) request to `url` with node:http, one connection per request, and reads the whole answer. */
export function postSigned(url: string | URL, options: PostSignedOptions): Promise<SignedResponse> {
  const contentType = options.contentType ?? 'application/x-www-form-urlencoded';
  const body = encodeSlackBody(options.body, contentType);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signed = signSlackRequest(options.secret, body, timestamp, contentType);
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
  };
  if (options.unsigned !== true) {
    headers['X-Slack-Request-Timestamp'] = signed['X-Slack-Request-Timestamp'];
    headers['X-Slack-Signature'] = options.signatureOverride ?? signed['X-Slack-Signature'];
  }
  if (options.retryNum !== undefined) headers['X-Slack-Retry-Num'] = String(options.retryNum);
  if (options.retryReason !== undefined) headers['X-Slack-Retry-Reason'] = options.retryReason;

  return new Promise((resolve, reject) => {
    // agent: false → `Connection: close`, so stopping the receiver is never held up by a kept-alive socket.
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: res.headers,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
