import type { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// The plumbing the loopback fakes (FakeX, FakeGraph, FakeLinkedin, FakeTikTok,
// FakeMastodon, FakeTelegram) share: a server on 127.0.0.1 port 0 that reads
// each request whole before handing it on, holds requests until released,
// cuts connections, and queues faults per route. What a fake answers, and in
// which words, stays in the fake: this module knows no platform.

/** One request, read whole, and the means to answer it once. */
export class Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly method: string;
  /** the path, without the query */
  readonly path: string;
  /** the query as sent, without `?`; '' when none */
  readonly query: string;
  /** the request headers, names in lower case, repeated ones joined with `, ` */
  readonly headers: Readonly<Record<string, string>>;
  /** the body, as it crossed the wire */
  readonly raw: Buffer;
  readonly #defaults: AnswerDefaults;
  #record: { status: number } | undefined;

  constructor(request: IncomingMessage, response: ServerResponse, raw: Buffer, defaults: AnswerDefaults) {
    this.request = request;
    this.response = response;
    this.raw = raw;
    this.#defaults = defaults;
    this.method = request.method ?? '';
    const [path = '', query = ''] = (request.url ?? '').split('?');
    this.path = path;
    this.query = query;
    this.headers = headerMap(request);
  }

  /** the record whose `status` an answer sets (it stays 0 when the connection is cut first) */
  track(record: { status: number }): void {
    this.#record = record;
  }

  /**
   * Answers `status`: no body when `body` is undefined, a string or bytes as
   * they are (the text headers), anything else as JSON (the JSON headers);
   * `headers` add to or override those. Nothing is sent when the client has
   * gone: a slow server finishes its work even then, and only the answer is lost.
   */
  reply(status: number, body?: unknown, headers: Readonly<Record<string, string>> = {}): void {
    if (body === undefined) {
      if (this.begin(status, { ...headers })) this.response.end();
    } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
      if (this.begin(status, { ...this.#defaults.text, ...headers })) this.response.end(body);
    } else if (this.begin(status, { ...this.#defaults.json, ...headers })) {
      this.response.end(JSON.stringify(body));
    }
  }

  /**
   * Writes the status and headers of an answer whose body the caller then
   * writes to `response`; false (and nothing written) when the client has gone.
   */
  begin(status: number, headers: Readonly<Record<string, string>>): boolean {
    if (this.request.socket.destroyed) return false;
    if (this.#record) this.#record.status = status;
    this.response.writeHead(status, headers);
    return true;
  }

  /** destroys the connection without answering */
  drop(): void {
    this.request.socket.destroy();
  }

  /**
   * Keeps a request's work (`keep`) and says to answer it (true); under a
   * `drop` fault cuts the connection instead, having kept the work only when
   * `processed` (the default): a server whose answer was lost on the way back.
   */
  settle(fault: { readonly kind: string } | undefined, keep: () => void = () => {}): boolean {
    if (fault?.kind === 'drop') {
      if (!('processed' in fault) || fault.processed !== false) keep();
      this.drop();
      return false;
    }
    keep();
    return true;
  }
}

/** The headers of every answer of a kind, before an answer's own. */
export interface AnswerDefaults {
  /** of a JSON answer; default `content-type: application/json` */
  readonly json?: Readonly<Record<string, string>>;
  /** of a string or bytes answer; default `content-type: text/html` */
  readonly text?: Readonly<Record<string, string>>;
}

/**
 * An HTTP server on 127.0.0.1, port 0, for a fake: it tracks its sockets so
 * that `close` cuts every open connection, reads each request whole into an
 * Exchange, and keeps the requests a fake holds until `release` or `close`.
 */
export class LoopbackHttp {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #held = new Set<() => void>();
  #url = '';

  constructor(handle: (exchange: Exchange) => Promise<void>, defaults: AnswerDefaults = {}) {
    const answers = {
      json: { 'content-type': 'application/json', ...defaults.json },
      text: { 'content-type': 'text/html', ...defaults.text },
    };
    this.#server = createServer((request, response) => {
      readBody(request)
        .then((raw) => handle(new Exchange(request, response, raw, answers)))
        .catch((error: unknown) => {
          response.destroy(error as Error);
        });
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** Listens on 127.0.0.1, on a free port. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** `http://127.0.0.1:<port>`, once listening */
  get url(): string {
    return this.#url;
  }

  /** resolves at the next `release()` (or `close()`): where a held request waits */
  held(): Promise<void> {
    return new Promise<void>((resolve) => this.#held.add(resolve));
  }

  /** lets every held request go on */
  release(): void {
    for (const go of this.#held) go();
    this.#held.clear();
  }

  /** releases the held requests, stops listening and cuts every open connection */
  async close(): Promise<void> {
    this.release();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A fault that keeps a request until the fake is told to release it. */
export interface HoldFault {
  readonly kind: 'hold';
}

/**
 * The faults the next requests of each route meet, one each, in order. A
 * `hold` is waited out where it is taken (until `release()` or close), and
 * the request then goes on as if it had met no fault.
 */
export class FaultQueue<Route, Fault extends { readonly kind: string }> {
  readonly #queues = new Map<Route, Fault[]>();
  readonly #http: LoopbackHttp;

  constructor(http: LoopbackHttp) {
    this.#http = http;
  }

  /** the next requests of `route` meet these faults, after those already queued */
  add(route: Route, faults: readonly Fault[]): void {
    this.#queues.set(route, [...(this.#queues.get(route) ?? []), ...faults]);
  }

  /** the fault the current request of `route` meets, a hold already waited out; undefined when none */
  async take(route: Route): Promise<Exclude<Fault, HoldFault> | undefined> {
    const fault = this.#queues.get(route)?.shift();
    if (fault === undefined) return undefined;
    if (isHold(fault)) {
      await this.#http.held();
      return undefined;
    }
    return fault as Exclude<Fault, HoldFault>;
  }
}

function isHold(fault: { readonly kind: string }): fault is HoldFault {
  return fault.kind === 'hold';
}

/**
 * Resolves with the first `count` of `matching()` once there are that many,
 * looking again at each `event` of `emitter`: a fake's `waitForRequests` and the like.
 */
export function waitForCount<T>(
  emitter: EventEmitter,
  event: string,
  matching: () => readonly T[],
  count: number,
): Promise<readonly T[]> {
  if (matching().length >= count) return Promise.resolve(matching().slice(0, count));
  return new Promise((resolve) => {
    const onEvent = () => {
      if (matching().length < count) return;
      emitter.off(event, onEvent);
      resolve(matching().slice(0, count));
    };
    emitter.on(event, onEvent);
  });
}

/** A request's body, whole. */
async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function headerMap(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** A JSON body's object; {} when it is not JSON or not an object. */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(raw.toString('utf8'));
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The fields of a JSON or form-urlencoded body; {} for any other type. */
export function parseFields(contentType: string | undefined, raw: Buffer): Record<string, unknown> {
  if (contentType?.startsWith('application/json')) return parseJsonObject(raw);
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  }
  return {};
}

/** A parsed multipart body, with each file's bytes. */
export type ParsedForm = FormData & { readonly bytes: Map<File, Buffer> };

/** Parses a multipart/form-data body (undici's parser); undefined when it is not one. */
export async function parseMultipart(
  contentType: string | undefined,
  raw: Buffer,
): Promise<ParsedForm | undefined> {
  if (!contentType?.toLowerCase().startsWith('multipart/form-data')) return undefined;
  try {
    const form = await new Request('http://fake.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
    const bytes = new Map<File, Buffer>();
    for (const value of form.values()) {
      if (value instanceof File) bytes.set(value, Buffer.from(await value.arrayBuffer()));
    }
    return Object.assign(form, { bytes });
  } catch {
    return undefined;
  }
}

/** The fields of a multipart form for the record: text as is, a file as `describeFile` puts it. */
export function describeForm(
  form: ParsedForm,
  describeFile: (file: File) => unknown,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) {
    fields[name] = value instanceof File ? describeFile(value) : value;
  }
  return fields;
}

/** The image type of `bytes` by their first bytes (JPEG, PNG, GIF or WebP), as a server checks content; undefined for others. */
export function imageTypeOf(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return 'image/jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))) return 'image/png';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  ) {
    return 'image/webp';
  }
  return undefined;
}

/** A few bytes that pass for a PNG image, for tests. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A few bytes that pass for a JPEG image, for tests. */
export const TINY_JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60, 1)]);

/** How a test image is served. */
export interface TestImageOptions {
  /** default image/png */
  readonly contentType?: string;
  /** other than 200: answered with no image; default 200 */
  readonly status?: number;
  /** sent without Content-Length (chunked); default false */
  readonly chunked?: boolean;
}

/**
 * The images a fake serves at GET /images/<name>, as a plain web server
 * would: the images a post links, for the publisher (or the platform) to fetch.
 */
export class TestImages {
  readonly #images = new Map<string, TestImageOptions & { readonly bytes: Buffer }>();
  readonly #notFoundPage: string;

  /** `notFoundPage`: the body of a 404 for a name never served; default `<h1>404</h1>` */
  constructor(notFoundPage = '<h1>404</h1>') {
    this.#notFoundPage = notFoundPage;
  }

  /** Serves `bytes` at /images/<name>; returns that path. */
  add(name: string, bytes: Buffer, options: TestImageOptions = {}): string {
    this.#images.set(name, { ...options, bytes });
    return `/images/${encodeURIComponent(name)}`;
  }

  /** Answers a GET of /images/<name>. */
  serve(exchange: Exchange): void {
    const image = this.#images.get(decodeURIComponent(exchange.path.slice('/images/'.length)));
    const status = image?.status ?? 200;
    const contentType = image?.contentType ?? 'image/png';
    if (!image) {
      exchange.reply(404, this.#notFoundPage, { 'content-type': 'text/html' });
    } else if (status !== 200) {
      exchange.reply(status, `<h1>${status}</h1>`, { 'content-type': 'text/html' });
    } else if (!image.chunked) {
      exchange.reply(200, image.bytes, {
        'content-type': contentType,
        'content-length': String(image.bytes.length),
      });
    } else if (exchange.begin(200, { 'content-type': contentType, 'transfer-encoding': 'chunked' })) {
      const piece = 1024 * 1024;
      for (let at = 0; at < image.bytes.length; at += piece) {
        exchange.response.write(image.bytes.subarray(at, at + piece));
      }
      exchange.response.end();
    }
  }
}
