import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { type BufferedIncomingMessage, ErrorCode, isValidSlackRequest } from '@slack/bolt';
import type { Logger } from '../../core/ports.ts';

// Araldo's guard in front of Bolt's HTTPReceiver.requestListener at
// /slack/events. Bolt, left alone, lets some requests stop the process
// (checked against @slack/bolt 5.1.0, dist/receivers/HTTPReceiver.js):
// - any method but POST makes requestListener throw
//   HTTPReceiverDeferredRequestError, synchronously, out of the server's
//   'request' handler: an uncaught exception;
// - a signed body whose JSON is `null` (or `payload=null`) makes its async
//   handler read `body.ssl_check` of null: an unhandled rejection;
// - it compares Content-Type verbatim, so `application/json; charset=utf-8`
//   is read as the wrong type, and anything else is parsed as JSON.
// So every request is checked here, in this order, and answered with a
// status; only a request that passed every check reaches Bolt, with its body
// already read (Bolt uses a `rawBody` Buffer it finds on the request as is).

/** The two content types Slack sends: slash commands and interactivity are forms, the Events API is JSON. */
export const SLACK_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/json'] as const;
type SlackContentType = (typeof SLACK_CONTENT_TYPES)[number];

/**
 * The largest body accepted, in bytes: 1 MiB. Slack documents no maximum;
 * the largest requests Araldo receives are view submissions of its modals
 * (at most 100 blocks, text inputs of at most 3,000 characters) and message
 * events (text of at most 40,000 characters, once more in rich-text blocks),
 * a few hundred KB at the very worst. Bolt's own default is 4 MB.
 */
export const SLACK_BODY_LIMIT_BYTES = 1024 * 1024;

/** What the guard needs. */
export interface SlackEventsEndpointOptions {
  /** Bolt's HTTPReceiver.requestListener */
  readonly bolt: (req: IncomingMessage, res: ServerResponse) => void;
  readonly signingSecret: string;
  readonly logger: Logger;
  /** default SLACK_BODY_LIMIT_BYTES */
  readonly bodyLimitBytes?: number;
}

type BodyRead = { ok: true; value: Buffer } | { ok: false; error: 'too_large' | 'aborted' };

/** the media type of a Content-Type header Slack could have sent, or undefined */
function toSlackContentType(header: string | undefined): SlackContentType | undefined {
  if (header === undefined) return undefined;
  const [type = '', ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  const known = SLACK_CONTENT_TYPES.find((candidate) => candidate === type);
  if (!known) return undefined;
  // The body is read as UTF-8 (what Slack sends); any other charset is refused, not misread.
  const acceptable = parameters.every(
    (parameter) => parameter === '' || /^charset="?utf-8"?$/.test(parameter),
  );
  return acceptable ? known : undefined;
}

/** Bodies declared over the limit but up to this size are drained before the 413. */
const DRAIN_MAX_BYTES = 8 * 1024 * 1024;

/** reads and drops the body; resolves when it has ended or the request was closed */
function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    req.on('error', () => {});
    req.once('end', resolve);
    req.once('close', resolve);
    req.resume();
  });
}

/** reads the whole body, stopping at `limit` bytes */
function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (result: BodyRead) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // The rest keeps flowing (and is dropped) while the 413 goes out.
        settle({ ok: false, error: 'too_large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle({ ok: true, value: Buffer.concat(chunks, size) });
    const onClose = () => settle({ ok: false, error: 'aborted' });
    // An aborted request would otherwise emit an 'error' nobody listens to.
    req.on('error', () => {});
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
  });
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * true when Bolt can read `raw` as a Slack body: JSON that is an object, or
 * a form whose `payload` field, if any, is a JSON object. Bolt parses the
 * same way (`HTTPModuleFunctions.parseHTTPRequestBody`).
 */
export function isSlackBody(raw: Buffer, type: SlackContentType): boolean {
  try {
    if (type === 'application/json') return isPlainObject(JSON.parse(raw.toString()));
    const { payload } = parseQueryString(raw.toString());
    return typeof payload === 'string' ? isPlainObject(JSON.parse(payload)) : true;
  } catch {
    return false;
  }
}

/** true for Slack's unsigned SSL check (`ssl_check=1`), which Bolt answers itself */
function isSslCheck(raw: Buffer, type: SlackContentType): boolean {
  return type === 'application/x-www-form-urlencoded' && parseQueryString(raw.toString()).ssl_check === '1';
}

function isSigned(req: IncomingMessage, raw: Buffer, signingSecret: string): boolean {
  const signature = req.headers['x-slack-signature'];
  const timestamp = req.headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || typeof timestamp !== 'string') return false;
  return isValidSlackRequest({
    signingSecret,
    body: raw.toString(),
    headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
  });
}

/** answers once, with no body; a response already started or a closed socket is left alone */
function answer(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, headers).end();
}

/**
 * The request listener of /slack/events. Every request gets a status, and
 * none can throw or reject out of it:
 * 405 (with `Allow: POST`) for any other method; 415 (naming the two
 * accepted types in `Accept`) for a body that is neither a form nor JSON;
 * 413 for a body over the limit, by its Content-Length or as it streams;
 * 401 for a missing, wrong or stale signature (Bolt's check, run here first
 * so that nothing unsigned is parsed); 400 for a signed body Bolt could not
 * read as an object. What passes goes to Bolt, which answers the rest (the
 * ack, or 404 when nothing acks within its 3 s).
 */
export function createSlackEventsEndpoint(
  options: SlackEventsEndpointOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.bodyLimitBytes ?? SLACK_BODY_LIMIT_BYTES;
  const logger = options.logger;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      answer(res, 405, { allow: 'POST' });
      return;
    }
    const type = toSlackContentType(req.headers['content-type']);
    if (!type) {
      logger.warn(
        { contentType: req.headers['content-type'] },
        'Slack request refused: unsupported content type',
      );
      answer(res, 415, { accept: SLACK_CONTENT_TYPES.join(', ') });
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    // A body declared too large is read and dropped first, when it is not
    // absurdly large: closing on a client still sending resets the
    // connection, and the client may never see the 413.
    if (declared > limit && declared <= DRAIN_MAX_BYTES) await drain(req);
    const body = declared > limit ? ({ ok: false, error: 'too_large' } as const) : await readBody(req, limit);
    if (!body.ok) {
      if (body.error === 'too_large') {
        logger.warn({ limit }, 'Slack request refused: body too large');
        // The connection cannot be reused: the unread rest of the body is on it.
        answer(res, 413, { connection: 'close' });
      } else {
        logger.warn({}, 'Slack request ended before its body did');
        answer(res, 400);
      }
      return;
    }
    const sslCheck = isSslCheck(body.value, type);
    if (!sslCheck && !isSigned(req, body.value, options.signingSecret)) {
      logger.warn({}, 'Slack request refused: missing, wrong or stale signature');
      answer(res, 401);
      return;
    }
    if (!sslCheck && !isSlackBody(body.value, type)) {
      logger.warn({ contentType: type }, 'Slack request refused: the body is not a Slack payload');
      answer(res, 400);
      return;
    }
    // Bolt compares Content-Type verbatim: give it the bare type it knows.
    req.headers['content-type'] = type;
    (req as BufferedIncomingMessage).rawBody = body.value;
    options.bolt(req, res);
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Bolt's listener is synchronous but may still throw (a route it does
      // not know raises HTTPReceiverDeferredRequestError): a status, not a crash.
      const deferred = (error as { code?: unknown }).code === ErrorCode.HTTPReceiverDeferredRequestError;
      logger.error({ err: error }, 'Slack request failed');
      answer(res, deferred ? 404 : 500);
    });
  };
}
