import type { EventEmitter } from 'node:events';
import { type Exchange, parseJsonObject, parseMultipart } from '../loopback-http.ts';
import { DISCORD_ERRORS, DiscordApiError } from './errors.ts';
import type { DiscordState } from './state.ts';

// Discord's REST API v10 as the fake serves it: the routing, the auth check,
// the record of every call and the faults; what each route does is in the
// routes-*.ts modules. Wire facts it follows:
// - requests arrive at /api/v10/… (discord.js is given `rest.api` =
//   http://127.0.0.1:PORT/api and appends the version itself);
// - path parameters arrive percent-encoded when they are not URL-safe:
//   discord-api-types encodes `@original` as `%40original` and emoji as UTF-8
//   escapes; the fake decodes each segment before matching;
// - every call needs `Authorization: Bot <token>` except interaction callbacks
//   and webhook calls with a token in the path, which discord.js sends without
//   one; a call without it is 401 `{message:'401: Unauthorized', code:0}`;
// - bodies are JSON, or multipart/form-data with the JSON in `payload_json` and
//   the files in `files[n]` (https://discord.com/developers/docs/reference#uploading-files);
// - an unknown route is 404 `{message:'404: Not Found', code:0}`;
// - a 429 carries Retry-After and the X-RateLimit-* headers, which is what
//   @discordjs/rest reads (https://discord.com/developers/docs/topics/rate-limits).

/** Every route the fake serves, named as in discord/discord-api-spec. */
export type DiscordRoute =
  | 'GET /gateway/bot'
  | 'GET /users/@me'
  | 'GET /applications/@me'
  | 'GET /applications/{application_id}/guilds/{guild_id}/commands'
  | 'PUT /applications/{application_id}/guilds/{guild_id}/commands'
  | 'POST /interactions/{interaction_id}/{interaction_token}/callback'
  | 'POST /webhooks/{application_id}/{interaction_token}'
  | 'GET /webhooks/{application_id}/{interaction_token}/messages/{message_id}'
  | 'PATCH /webhooks/{application_id}/{interaction_token}/messages/{message_id}'
  | 'GET /channels/{channel_id}'
  | 'POST /channels/{channel_id}/messages'
  | 'GET /channels/{channel_id}/messages/{message_id}'
  | 'PATCH /channels/{channel_id}/messages/{message_id}'
  | 'POST /channels/{channel_id}/messages/{message_id}/threads'
  | 'PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me'
  | 'DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me'
  | 'GET /guilds/{guild_id}/members/{user_id}'
  | 'GET /guilds/{guild_id}/roles';

/** How a call ended. */
export type RestOutcome =
  /** still being answered */
  | 'pending'
  | 'ok'
  /** a 4xx: the handler refused it, or the token was wrong, or no route matched */
  | 'rejected'
  | 'rate_limited'
  /** a 5xx fault: the work was not done */
  | 'failed'
  /** a 5xx fault after the work was done: the client cannot tell it was */
  | 'failed_after_write'
  /** the connection was cut (after the work, unless the fault said otherwise) */
  | 'dropped';

/** A file uploaded with a call. */
export interface RestUpload {
  /** the form field: `files[0]`… */
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
}

/** One REST call that reached the fake, and how it was answered. */
export interface DiscordRestCall {
  readonly at: number;
  readonly method: string;
  /** the route it matched; `unknown` when none did */
  readonly route: DiscordRoute | 'unknown';
  /** the path after /api/v10, as sent (still percent-encoded) */
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  /** the JSON body (from `payload_json` for a multipart one); undefined when none */
  readonly body: unknown;
  readonly files: readonly RestUpload[];
  /** the status answered; 0 while pending or when the connection was cut */
  status: number;
  outcome: RestOutcome;
}

/**
 * What the fake does with the next call of a route instead of (or besides)
 * answering it normally:
 * - `rate_limited`: 429 with Retry-After (seconds, may be fractional) and the
 *   X-RateLimit-* headers; `global` adds X-RateLimit-Global and scope `global`;
 * - `server_error`: a 5xx (default 500) without doing the work, or, with
 *   `afterWrite`, after doing it (a message is created, the client sees 500);
 * - `api_error`: a Discord JSON error without doing the work;
 * - `drop`: cuts the connection without answering; after the work unless
 *   `processed` is false.
 */
export type DiscordFault =
  | {
      readonly kind: 'rate_limited';
      readonly retryAfter: number;
      readonly global?: boolean;
      readonly scope?: 'user' | 'shared' | 'global';
      readonly bucket?: string;
    }
  | { readonly kind: 'server_error'; readonly status?: number; readonly afterWrite?: boolean }
  | { readonly kind: 'api_error'; readonly error: DiscordApiError }
  | { readonly kind: 'drop'; readonly processed?: boolean };

/** What a route handler gets. */
export interface RestRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly files: readonly RestUpload[];
  readonly headers: Readonly<Record<string, string>>;
}

/** What a route handler answers: a status and a JSON body, or none (204). */
export interface RestAnswer {
  readonly status: number;
  readonly body?: unknown;
}

/** A route and its handler; `auth: false` for the routes called with an interaction token. */
export interface RouteSpec {
  readonly route: DiscordRoute;
  readonly auth: boolean;
  /** does the work and says what to answer; throws DiscordApiError for a 4xx */
  readonly handle: (request: RestRequest) => RestAnswer;
}

/** What the route modules share. */
export interface RouteDeps {
  readonly state: DiscordState;
  /** sends an event to the connected sessions that asked for it */
  readonly dispatch: (t: string, d: unknown) => void;
  /** where the fake emits `message` (a FakeMessage was created) and `callback` (a FakeCallback) */
  readonly events: EventEmitter;
}

const API_PREFIX = '/api/v10';

/**
 * Answers the REST calls of one fake Discord: matches the route, checks the
 * token, applies the queued faults, runs the handler, and records the call
 * (`calls`), emitting `call` on `events` once it is answered.
 */
export class DiscordRest {
  readonly calls: DiscordRestCall[] = [];
  readonly #routes: readonly { spec: RouteSpec; method: string; segments: readonly string[] }[];
  readonly #faults = new Map<DiscordRoute, DiscordFault[]>();
  readonly #token: string;
  readonly #events: EventEmitter;

  constructor(options: { token: string; routes: readonly RouteSpec[]; events: EventEmitter }) {
    this.#token = options.token;
    this.#events = options.events;
    this.#routes = options.routes.map((spec) => {
      const [method = '', template = ''] = spec.route.split(' ');
      return { spec, method, segments: template.split('/').slice(1) };
    });
  }

  /** the next calls of `route` meet these faults, one each, in order, after those already queued */
  failNext(route: DiscordRoute, faults: readonly DiscordFault[]): void {
    this.#faults.set(route, [...(this.#faults.get(route) ?? []), ...faults]);
  }

  /** Answers one HTTP exchange whose path starts with /api/v10. */
  async handle(exchange: Exchange): Promise<void> {
    const path = exchange.path.slice(API_PREFIX.length);
    const match = this.#match(exchange.method, path);
    const { body, files } = await parseBody(exchange);
    const call: DiscordRestCall = {
      at: Date.now(),
      method: exchange.method,
      route: match?.spec.route ?? 'unknown',
      path,
      query: exchange.query,
      headers: exchange.headers,
      body,
      files,
      status: 0,
      outcome: 'pending',
    };
    exchange.track(call);
    this.calls.push(call);
    const settle = (outcome: RestOutcome) => {
      call.outcome = outcome;
      this.#events.emit('call', call);
    };
    const fail = (error: DiscordApiError) => {
      exchange.reply(error.status, error.body);
      settle('rejected');
    };

    if (!exchange.path.startsWith(`${API_PREFIX}/`) || !match) return fail(DISCORD_ERRORS.notFound());
    if (match.spec.auth && exchange.headers.authorization !== `Bot ${this.#token}`) {
      return fail(DISCORD_ERRORS.unauthorized());
    }
    const fault = this.#faults.get(match.spec.route)?.shift();
    if (fault?.kind === 'rate_limited') {
      exchange.reply(429, rateLimitBody(fault), rateLimitHeaders(fault, match.spec.route));
      return settle('rate_limited');
    }
    if (fault?.kind === 'api_error') return fail(fault.error);
    if (fault?.kind === 'server_error' && !fault.afterWrite) {
      replyServerError(exchange, fault.status ?? 500);
      return settle('failed');
    }
    if (fault?.kind === 'drop' && fault.processed === false) {
      exchange.drop();
      return settle('dropped');
    }

    let answer: RestAnswer;
    try {
      answer = match.spec.handle({
        params: match.params,
        query: new URLSearchParams(exchange.query),
        body,
        files,
        headers: exchange.headers,
      });
    } catch (error) {
      if (!(error instanceof DiscordApiError)) throw error;
      if (fault?.kind === 'drop') {
        exchange.drop();
        return settle('dropped');
      }
      return fail(error);
    }
    if (fault?.kind === 'drop') {
      exchange.drop();
      return settle('dropped');
    }
    if (fault?.kind === 'server_error') {
      replyServerError(exchange, fault.status ?? 500);
      return settle('failed_after_write');
    }
    // A 204 goes out with no content type: @discordjs/rest parses any answer
    // labelled JSON, and an empty JSON body throws in the client.
    exchange.reply(answer.status, answer.body);
    settle('ok');
  }

  #match(method: string, path: string): { spec: RouteSpec; params: Record<string, string> } | undefined {
    const segments = path.split('/').slice(1).map(decodeSegment);
    for (const route of this.#routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const fits = route.segments.every((expected, index) => {
        const actual = segments[index] ?? '';
        if (expected.startsWith('{')) {
          params[expected.slice(1, -1)] = actual;
          return actual !== '';
        }
        return expected === actual;
      });
      if (fits) return { spec: route.spec, params };
    }
    return undefined;
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The JSON body of a call, from the body itself or from a multipart form's `payload_json`. */
async function parseBody(exchange: Exchange): Promise<{ body: unknown; files: RestUpload[] }> {
  if (exchange.raw.length === 0) return { body: undefined, files: [] };
  const contentType = exchange.headers['content-type'];
  const form = await parseMultipart(contentType, exchange.raw);
  if (form) {
    const files: RestUpload[] = [];
    for (const [field, value] of form.entries()) {
      if (value instanceof File) {
        files.push({ field, filename: value.name, contentType: value.type, size: value.size });
      }
    }
    const json = form.get('payload_json');
    return { body: typeof json === 'string' ? parseJsonObject(Buffer.from(json)) : {}, files };
  }
  try {
    return { body: JSON.parse(exchange.raw.toString('utf8')) as unknown, files: [] };
  } catch {
    return { body: undefined, files: [] };
  }
}

function rateLimitBody(fault: Extract<DiscordFault, { kind: 'rate_limited' }>): Record<string, unknown> {
  return {
    message: 'You are being rate limited.',
    retry_after: fault.retryAfter,
    global: fault.global ?? false,
  };
}

/**
 * The headers of a 429. Discord sends Retry-After in whole seconds; a fault
 * may give a fraction so that a test waits briefly, and @discordjs/rest reads
 * it as a number of seconds either way.
 */
function rateLimitHeaders(
  fault: Extract<DiscordFault, { kind: 'rate_limited' }>,
  route: DiscordRoute,
): Record<string, string> {
  const resetAfter = fault.retryAfter.toFixed(3);
  const headers: Record<string, string> = {
    'retry-after': String(fault.retryAfter),
    'x-ratelimit-limit': '5',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': (Date.now() / 1000 + fault.retryAfter).toFixed(3),
    'x-ratelimit-reset-after': resetAfter,
    'x-ratelimit-bucket': fault.bucket ?? Buffer.from(route).toString('hex').slice(0, 32),
    'x-ratelimit-scope': fault.global ? 'global' : (fault.scope ?? 'user'),
  };
  if (fault.global) headers['x-ratelimit-global'] = 'true';
  return headers;
}

/** A 500 is Discord's JSON; a 502-504 comes from the proxy in front of it, as HTML. */
function replyServerError(exchange: Exchange, status: number): void {
  if (status === 500) {
    exchange.reply(500, { message: '500: Internal Server Error', code: 0 });
  } else {
    exchange.reply(status, `<html><head><title>${status}</title></head><body>${status}</body></html>`, {
      'content-type': 'text/html',
    });
  }
}
