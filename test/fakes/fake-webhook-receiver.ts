import { createHmac, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A Standard Webhooks receiver on 127.0.0.1, as an institutional website
// would run one. Its checks follow the spec (github.com/standard-webhooks/
// standard-webhooks, spec/standard-webhooks.md) and the reference JavaScript
// library (libraries/javascript/src/index.ts), written here independently of
// Araldo's signing code so a test proves the two agree:
// - the secret is `whsec_` + base64 (the prefix optional); its decoded bytes are the HMAC key;
// - the signed content is `${webhook-id}.${webhook-timestamp}.${raw body}`, HMAC-SHA256, base64;
// - `webhook-signature` is a space-separated list of `v1,<base64>`; one match suffices,
//   compared in constant time; other versions are skipped;
// - `webhook-timestamp` (Unix seconds) more than 5 minutes away from now is refused (replays);
// - `webhook-id` is the idempotency key: a message already processed is not processed again.
// A request that fails these checks is answered 401, as a receiver refusing the sender would.

/** The reference libraries' tolerance for `webhook-timestamp`, in seconds. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/**
 * What the receiver does with the next request instead of accepting it:
 * - `status`: answers that status (a 5xx, a 4xx with `body` as the reason) with `headers`;
 * - `rate_limited`: answers 429 with `Retry-After: retryAfter` (none when absent);
 * - `delay`: waits `ms`, then handles the request normally (a slow receiver);
 * - `hold`: waits until `release()` (or close), then handles it normally: a receiver slower
 *   than the sender's time limit, without timers in tests. Like a real server, a delayed or
 *   held request is processed even if the sender gave up meanwhile; only the answer is lost;
 * - `drop`: reads the whole body, then destroys the connection without answering. With
 *   `processed` (the default) it processed the message first, as a receiver that crashed
 *   or lost its answer after storing the post; without it, nothing was stored.
 */
export type ReceiverFault =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body?: string | Record<string, unknown>;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'rate_limited'; readonly retryAfter?: string }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'hold' }
  | { readonly kind: 'drop'; readonly processed?: boolean };

/** One request that reached the receiver, as it crossed the wire. */
export interface ReceivedWebhook {
  /** `Date.now()` when the body had arrived */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  /** the request headers, names in lower case */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
  /** the body parsed as JSON, or undefined when it is not JSON */
  readonly body: unknown;
  readonly id: string | undefined;
  /** true when a `v1` signature matched and the timestamp was within tolerance */
  readonly signatureValid: boolean;
  /** true when this id had already arrived with a valid signature */
  readonly duplicate: boolean;
  /** the status answered; 0 when the connection was dropped or the fake closed first */
  status: number;
}

/** Options of a receiver. */
export interface FakeWebhookReceiverOptions {
  /** the shared secret, `whsec_…` (or its bare base64) */
  readonly secret: string;
  /**
   * The `url` answered for an accepted message (the post's public page); undefined answers
   * `{}` with no url. Default: `<receiver>/posts/<data.post>`.
   */
  readonly publicUrl?: (payload: unknown, receiverUrl: string) => string | undefined;
}

function decodeSecret(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** Whether `signatures` holds a `v1` signature of id.timestamp.body under `key`. */
export function hasValidSignature(
  key: Buffer,
  id: string,
  timestamp: string,
  body: string,
  signatures: string,
): boolean {
  const expected = Buffer.from(
    createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'),
  );
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || signature === undefined) return false;
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

function isFresh(timestamp: string, nowMs: number): boolean {
  if (!/^\d+$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= TIMESTAMP_TOLERANCE_SECONDS;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function headerMap(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * A webhook receiver on 127.0.0.1, on a free port: verifies signatures,
 * records every request, processes each webhook-id once and answers `{url}`;
 * it can be told to fail the next requests (`failNext`) or every request
 * (`failAlways`). Events: `request` (a ReceivedWebhook, once its body arrived).
 */
export class FakeWebhookReceiver extends EventEmitter {
  /** every request, in arrival order */
  readonly requests: ReceivedWebhook[] = [];
  /** the payload processed for each webhook-id, in processing order (one entry per id) */
  readonly processed = new Map<string, unknown>();
  readonly #server: Server;
  readonly #key: Buffer;
  readonly #publicUrl: FakeWebhookReceiverOptions['publicUrl'];
  readonly #faults: ReceiverFault[] = [];
  #always: ReceiverFault | undefined;
  readonly #seen = new Set<string>();
  readonly #answered = new Map<string, string | undefined>();
  readonly #held = new Set<() => void>();
  readonly #sockets = new Set<Socket>();
  #url = '';

  private constructor(options: FakeWebhookReceiverOptions) {
    super();
    this.#key = decodeSecret(options.secret);
    this.#publicUrl = options.publicUrl;
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        response.destroy(error as Error);
      });
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** Starts a receiver on 127.0.0.1, port 0 unless given. */
  static async start(options: FakeWebhookReceiverOptions & { port?: number }): Promise<FakeWebhookReceiver> {
    const receiver = new FakeWebhookReceiver(options);
    await new Promise<void>((resolve, reject) => {
      receiver.#server.once('error', reject);
      receiver.#server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = receiver.#server.address() as AddressInfo;
    receiver.#url = `http://127.0.0.1:${port}/araldo`;
    return receiver;
  }

  /** where Araldo sends: `http://127.0.0.1:<port>/araldo` (any path is accepted) */
  get url(): string {
    return this.#url;
  }

  /** how many different webhook-ids arrived with a valid signature */
  get distinctIds(): number {
    return this.#seen.size;
  }

  /** how many validly signed requests carried an id that had arrived before */
  get duplicates(): number {
    return this.requests.filter((request) => request.duplicate).length;
  }

  /** the next requests meet these faults, one each, in order */
  failNext(...faults: ReceiverFault[]): void {
    this.#faults.push(...faults);
  }

  /** every request meets `fault` (after any `failNext` ones), until called with undefined */
  failAlways(fault: ReceiverFault | undefined): void {
    this.#always = fault;
  }

  /** answers the requests a `hold` fault is keeping */
  release(): void {
    for (const go of this.#held) go();
    this.#held.clear();
  }

  /** resolves once `count` requests in all have arrived (counting those already there) */
  waitForRequests(count: number): Promise<readonly ReceivedWebhook[]> {
    if (this.requests.length >= count) return Promise.resolve(this.requests.slice(0, count));
    return new Promise((resolve) => {
      const onRequest = () => {
        if (this.requests.length < count) return;
        this.off('request', onRequest);
        resolve(this.requests.slice(0, count));
      };
      this.on('request', onRequest);
    });
  }

  /** stops listening and cuts every open connection */
  async close(): Promise<void> {
    this.release();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const headers = headerMap(request);
    const id = headers['webhook-id'];
    const timestamp = headers['webhook-timestamp'];
    const signatures = headers['webhook-signature'];
    const signatureValid =
      id !== undefined &&
      timestamp !== undefined &&
      signatures !== undefined &&
      isFresh(timestamp, Date.now()) &&
      hasValidSignature(this.#key, id, timestamp, rawBody, signatures);
    const duplicate = signatureValid && this.#seen.has(id);
    if (signatureValid) this.#seen.add(id);
    const received: ReceivedWebhook = {
      at: Date.now(),
      method: request.method ?? '',
      path: request.url ?? '',
      headers,
      rawBody,
      body: parseJson(rawBody),
      id,
      signatureValid,
      duplicate,
      status: 0,
    };
    this.requests.push(received);
    this.emit('request', received);

    const answer = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      // A slow receiver finishes its work even when the sender has gone; only the answer is lost.
      if (request.socket.destroyed) return;
      received.status = status;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      response.writeHead(status, {
        'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
        ...extra,
      });
      response.end(text);
    };

    if (request.method !== 'POST') return answer(405, { error: 'only POST' }, { allow: 'POST' });
    if (!headers['content-type']?.startsWith('application/json')) {
      return answer(415, { error: 'expected application/json' });
    }
    if (!signatureValid) return answer(401, { error: 'invalid signature' });

    let fault = this.#faults.shift() ?? this.#always;
    while (fault?.kind === 'delay' || fault?.kind === 'hold') {
      if (fault.kind === 'delay') {
        const { ms } = fault;
        await new Promise((resolve) => setTimeout(resolve, ms));
      } else {
        await new Promise<void>((resolve) => this.#held.add(resolve));
      }
      fault = undefined;
    }
    if (fault?.kind === 'drop') {
      if (fault.processed ?? true) this.#process(id, received.body);
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') return answer(fault.status, fault.body ?? '', { ...fault.headers });
    if (fault?.kind === 'rate_limited') {
      return answer(
        429,
        { error: 'too many requests' },
        fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter },
      );
    }
    const url = this.#process(id, received.body);
    return answer(200, url === undefined ? {} : { url });
  }

  /** processes a message once per id; a repeat gets the first answer again */
  #process(id: string, payload: unknown): string | undefined {
    if (this.#answered.has(id)) return this.#answered.get(id);
    const url = this.#publicUrl
      ? this.#publicUrl(payload, this.#url)
      : `${this.#url}/posts/${String((payload as { data?: { post?: unknown } } | undefined)?.data?.post)}`;
    this.processed.set(id, payload);
    this.#answered.set(id, url);
    return url;
  }
}
