import { EventEmitter } from 'node:events';
import {
  describeForm,
  type Exchange,
  FaultQueue,
  imageTypeOf,
  LoopbackHttp,
  type ParsedForm,
  parseJsonObject,
  parseMultipart,
  TestImages,
  waitForCount,
} from './loopback-http.ts';

export { TINY_JPEG, TINY_PNG } from './loopback-http.ts';

// A Mastodon instance on 127.0.0.1, as far as a publisher sees one: the three
// calls of a post with images, and a plain web server for the images
// themselves (GET /images/<name>). Behaviour and bodies follow Mastodon 4.x
// (github.com/mastodon/mastodon) and docs.joinmastodon.org, written here
// independently of Araldo's publisher:
// - auth (Api::BaseController, Doorkeeper): `Authorization: Bearer <token>`; an
//   unknown token answers 401 {"error":"The access token is invalid"}, a revoked
//   one "The access token was revoked", an expired one "The access token expired";
//   a token without the route's scope (`write` or `write:media` / `write:statuses`)
//   403 {"error":"This action is outside the authorized scopes"}; a token of the
//   application alone (no user) 422 {"error":"This method requires an authenticated user"};
// - POST /api/v2/media (Api::V2::MediaController, methods/media#v2): multipart
//   with `file` (an image type the instance takes, at most 16 MB) and
//   `description` (at most 1500 characters); 200 with `url` when processed at
//   once, else 202 with `url: null`; validation failures 422
//   {"error":"Validation failed: …"};
// - GET /api/v1/media/:id (methods/media#get): only the account's unattached
//   uploads (else 404 {"error":"Record not found"}); 206 while processing, then
//   200 with `url`; 422 {"error":"Error processing thumbnail for uploaded media"}
//   when processing failed;
// - POST /api/v1/statuses (PostStatusService): JSON or form body; with
//   `Idempotency-Key`, a key this account used in the last hour answers the
//   status it made, with no check and nothing new (the key is per account, kept
//   3600 s); then media: more than 4 → 422 "Cannot attach more than 4 files",
//   ids not the account's unattached uploads → 422 "Media <ids> not found or
//   already attached to another post", still processing → 422 "Cannot attach
//   files that have not finished processing. Try again in a moment!"; then the
//   text: blank without media → 422 "Validation failed: Text can't be blank",
//   over 500 → 422 "Validation failed: Text character limit of 500 exceeded"
//   (URLs count 23, the rest in grapheme clusters; mentions are not shortened
//   here, unlike Mastodon);
// - a rate limit (config/initializers/rack_attack.rb) answers 429
//   {"error":"Too many requests"} with X-RateLimit-Limit, X-RateLimit-Remaining 0
//   and X-RateLimit-Reset, an ISO 8601 instant with microseconds; no Retry-After.
// Any other path answers Rails' HTML 404 page.

/** The calls a fault may be aimed at. */
export type MastodonRoute = 'media_upload' | 'media_check' | 'status';

/**
 * What the instance does with the next request of a route instead of its
 * normal answer (after reading it whole, before checking the token):
 * - `status`: answers that status with `body` (JSON when an object) and `headers`;
 * - `rate_limited`: 429 as rack-attack writes it, the reset `resetInSeconds`
 *   (default 300) after the `Date` it sends; `withoutReset` leaves X-RateLimit-Reset out;
 * - `hold`: waits until `release()` (or close), then handles the request normally: like a real
 *   server, it does the work even if the client gave up meanwhile; only the answer is lost;
 * - `drop`: destroys the connection without answering; with `processed` (the default) after
 *   doing the work (a status made, an upload stored), as an instance whose answer was lost;
 * - `late`: does the work at once, then answers `ms` later (if the client is still there):
 *   a process killed meanwhile has had its request take effect without learning it.
 */
export type MastodonFault =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body?: string | Record<string, unknown>;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'rate_limited'; readonly resetInSeconds?: number; readonly withoutReset?: boolean }
  | { readonly kind: 'hold' }
  | { readonly kind: 'drop'; readonly processed?: boolean }
  | { readonly kind: 'late'; readonly ms: number };

/** A token the instance knows. */
export interface FakeTokenSpec {
  /** the username of the account it acts for; undefined: a token of the application alone */
  readonly account: string | undefined;
  /** Doorkeeper scopes: `write`, `write:media`, `write:statuses`, `read`… */
  readonly scopes: readonly string[];
}

/** One upload, as the instance holds it. */
export interface FakeMedia {
  readonly id: string;
  readonly account: string;
  readonly description: string | null;
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
  /** GETs still to answer 206 before it is processed */
  pollsLeft: number;
  readonly fails: boolean;
  /** the status it is attached to */
  statusId: string | undefined;
}

/** One status the instance made. */
export interface FakeStatus {
  readonly id: string;
  readonly account: string;
  readonly text: string;
  readonly visibility: string;
  readonly language: string | null;
  readonly mediaIds: readonly string[];
  readonly idempotencyKey: string | undefined;
  readonly url: string;
}

/** One request that reached the instance, as it crossed the wire. */
export interface ReceivedMastodonRequest {
  readonly method: string;
  readonly path: string;
  readonly route: MastodonRoute | 'image' | 'other';
  /** the request headers, names in lower case */
  readonly headers: Readonly<Record<string, string>>;
  /** form or JSON fields (a multipart file as {name, type, size}) */
  readonly fields: Readonly<Record<string, unknown>>;
  /** the status answered; 0 when the connection was dropped or the fake closed first */
  status: number;
}

/** Options of a fake instance. */
export interface FakeMastodonOptions {
  /** token → spec; default one token `token-comune` for @comune with write:statuses and write:media */
  readonly tokens?: Readonly<Record<string, FakeTokenSpec>>;
  /** the clock of the idempotency keys' hour, in ms; Date.now by default */
  readonly now?: () => number;
}

/** The default token of a fake instance, for the account `comune`. */
export const FAKE_MASTODON_TOKEN = 'token-comune';

const IMAGE_LIMIT = 16 * 1024 * 1024;
const MAX_DESCRIPTION_LENGTH = 1500;
const MAX_CHARS = 500;
const URL_WEIGHT = 23;
const IDEMPOTENCY_TTL_MS = 3_600_000;
const VISIBILITIES = ['public', 'unlisted', 'private', 'direct'];
const RAILS_404 =
  "<!DOCTYPE html><html><head><title>The page you were looking for doesn't exist (404)</title></head><body><h1>404</h1></body></html>";

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** A status's length as this fake counts it: each http(s) URL 23, the rest in grapheme clusters. */
export function fakeStatusLength(text: string): number {
  let length = 0;
  for (const part of text.split(/(https?:\/\/\S+)/)) {
    if (/^https?:\/\//.test(part)) length += URL_WEIGHT;
    else for (const _ of segmenter.segment(part)) length += 1;
  }
  return length;
}

function iso6(ms: number): string {
  // Ruby's Time#iso8601(6): microseconds.
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A Mastodon instance on 127.0.0.1, on a free port: checks tokens and scopes,
 * stores uploads and statuses, honours Idempotency-Key, records every request,
 * and serves test images. New uploads are processed after
 * `processingPolls` looks (0: at once, answered 200). Events: `request` (a
 * ReceivedMastodonRequest, once its body arrived) and `status` (a FakeStatus,
 * once made).
 */
export class FakeMastodon extends EventEmitter {
  /** every API and image request, in arrival order */
  readonly requests: ReceivedMastodonRequest[] = [];
  /** every status made, in order */
  readonly statuses: FakeStatus[] = [];
  /** every upload, by id */
  readonly media = new Map<string, FakeMedia>();
  /**
   * how many GETs of a new upload answer 206 before it is processed; with 0,
   * POST /api/v2/media answers 200 with its url (images, since Mastodon 4.0)
   */
  processingPolls = 0;
  /** new uploads fail processing (a file the instance cannot convert) */
  failProcessing = false;
  readonly #http: LoopbackHttp;
  readonly #faults: FaultQueue<MastodonRoute, MastodonFault>;
  readonly #tokens: Map<string, FakeTokenSpec & { state: 'valid' | 'revoked' | 'expired' }>;
  readonly #now: () => number;
  readonly #idempotency = new Map<string, { statusId: string; at: number }>();
  readonly #images = new TestImages('<h1>Not Found</h1>');
  #nextId = 109_000_000_000_000_000n;

  private constructor(options: FakeMastodonOptions) {
    super();
    const tokens = options.tokens ?? {
      [FAKE_MASTODON_TOKEN]: { account: 'comune', scopes: ['write:statuses', 'write:media'] },
    };
    this.#tokens = new Map(
      Object.entries(tokens).map(([token, spec]) => [token, { ...spec, state: 'valid' }]),
    );
    this.#now = options.now ?? Date.now;
    this.#http = new LoopbackHttp((exchange) => this.#handle(exchange), {
      json: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-cache, no-store, max-age=0, must-revalidate',
      },
      text: { 'content-type': 'text/html; charset=utf-8' },
    });
    this.#faults = new FaultQueue(this.#http);
  }

  /** Starts an instance on 127.0.0.1, port 0. */
  static async start(options: FakeMastodonOptions = {}): Promise<FakeMastodon> {
    const fake = new FakeMastodon(options);
    await fake.#http.listen();
    return fake;
  }

  /** the instance's address, a target's `baseUrl`: `http://127.0.0.1:<port>` */
  get url(): string {
    return this.#http.url;
  }

  /** the API requests of one route, in order */
  requestsTo(route: MastodonRequestRoute): ReceivedMastodonRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  /**
   * Serves `bytes` at /images/<name> and returns that URL. `status` other than
   * 200 answers that status with no image; `chunked` leaves Content-Length out.
   */
  serveImage(
    name: string,
    bytes: Buffer,
    options: { contentType?: string; status?: number; chunked?: boolean } = {},
  ): string {
    return `${this.url}${this.#images.add(name, bytes, options)}`;
  }

  /** the next requests of `route` meet these faults, one each, in order */
  failNext(route: MastodonRoute, ...faults: MastodonFault[]): void {
    this.#faults.add(route, faults);
  }

  /** revokes a token: 401 "The access token was revoked" from now on */
  revoke(token: string): void {
    const spec = this.#tokens.get(token);
    if (spec) spec.state = 'revoked';
  }

  /** expires a token: 401 "The access token expired" from now on */
  expire(token: string): void {
    const spec = this.#tokens.get(token);
    if (spec) spec.state = 'expired';
  }

  /** answers the requests a `hold` fault is keeping */
  release(): void {
    this.#http.release();
  }

  /** resolves once `count` requests of `route` (any route when absent) have arrived */
  waitForRequests(count: number, route?: MastodonRequestRoute): Promise<readonly ReceivedMastodonRequest[]> {
    const matching = () => (route === undefined ? this.requests : this.requestsTo(route));
    return waitForCount(this, 'request', matching, count);
  }

  /** resolves once the instance has made `count` statuses in all (a held request's work included) */
  waitForStatuses(count: number): Promise<readonly FakeStatus[]> {
    return waitForCount(this, 'status', () => this.statuses, count);
  }

  /** stops listening and cuts every open connection */
  async close(): Promise<void> {
    await this.#http.close();
  }

  async #handle(exchange: Exchange): Promise<void> {
    const { method, path, headers, raw } = exchange;
    const route = routeOf(method, path);
    const form = route === 'media_upload' ? await parseMultipart(headers['content-type'], raw) : undefined;
    const fields =
      route === 'status'
        ? parseFields(headers['content-type'], raw)
        : form === undefined
          ? {}
          : describeForm(form, (file) => ({ name: file.name, type: file.type, size: file.size }));
    const received: ReceivedMastodonRequest = { method, path, route, headers, fields, status: 0 };
    exchange.track(received);
    this.requests.push(received);
    this.emit('request', received);

    const send = (answer: Answer) => exchange.reply(answer.status, answer.body, answer.headers);

    if (route === 'image') return this.#images.serve(exchange);
    if (route === 'other') return send({ status: 404, body: RAILS_404 });

    const fault = await this.#faults.take(route);
    if (fault?.kind === 'status') {
      const body = fault.body ?? '';
      return send({
        status: fault.status,
        body,
        headers: { ...(typeof body === 'string' ? { 'content-type': 'text/plain' } : {}), ...fault.headers },
      });
    }
    if (fault?.kind === 'rate_limited') {
      const now = Math.floor(this.#now() / 1000) * 1000;
      return send({
        status: 429,
        body: { error: 'Too many requests' },
        headers: {
          date: new Date(now).toUTCString(),
          'x-ratelimit-limit': '300',
          'x-ratelimit-remaining': '0',
          ...(fault.withoutReset
            ? {}
            : { 'x-ratelimit-reset': iso6(now + (fault.resetInSeconds ?? 300) * 1000) }),
        },
      });
    }
    const answer = this.#answer(route, headers, fields, form, path);
    // Without `processed`, a dropped request's work is simply never kept.
    if (!exchange.settle(fault, () => this.#answered(answer))) return;
    if (fault?.kind === 'late') {
      const { ms } = fault;
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    return send(answer.answer);
  }

  /** What a request does and answers; the work is kept only once `#answered` (a drop may undo it). */
  #answer(
    route: MastodonRoute,
    headers: Readonly<Record<string, string>>,
    fields: Readonly<Record<string, unknown>>,
    form: ParsedForm | undefined,
    path: string,
  ): Pending {
    const done = (answer: Answer): Pending => ({ answer });
    const auth = /^Bearer (.+)$/.exec(headers.authorization ?? '');
    const token = auth ? this.#tokens.get(auth[1] ?? '') : undefined;
    if (!token) return done({ status: 401, body: { error: 'The access token is invalid' } });
    if (token.state === 'revoked')
      return done({ status: 401, body: { error: 'The access token was revoked' } });
    if (token.state === 'expired') return done({ status: 401, body: { error: 'The access token expired' } });
    const scope = route === 'status' ? 'write:statuses' : 'write:media';
    if (!token.scopes.includes('write') && !token.scopes.includes(scope)) {
      return done({ status: 403, body: { error: 'This action is outside the authorized scopes' } });
    }
    const account = token.account;
    if (account === undefined) {
      return done({ status: 422, body: { error: 'This method requires an authenticated user' } });
    }
    if (route === 'media_upload') return this.#upload(account, form);
    if (route === 'media_check')
      return done(this.#check(account, decodeURIComponent(path.split('/').pop() ?? '')));
    return this.#post(account, headers['idempotency-key'], fields);
  }

  #upload(account: string, form: ParsedForm | undefined): Pending {
    const invalid = (message: string): Pending => ({
      answer: { status: 422, body: { error: `Validation failed: ${message}` } },
    });
    const file = form?.get('file');
    if (!(file instanceof File)) return invalid("File can't be blank");
    const description = form?.get('description');
    if (typeof description === 'string' && [...description].length > MAX_DESCRIPTION_LENGTH) {
      return invalid(`Description is too long (maximum is ${MAX_DESCRIPTION_LENGTH} characters)`);
    }
    // The size check's wording here is this fake's, not checked against Mastodon's locale.
    if (file.size > IMAGE_LIMIT) return invalid('File file size must be less than 16 MB');
    const bytes = form?.bytes.get(file) ?? Buffer.alloc(0);
    const detected = imageTypeOf(bytes);
    if (detected === undefined || file.type === '') {
      return invalid('File content type is invalid, File is invalid');
    }
    const media: FakeMedia = {
      id: this.#newId(),
      account,
      description: typeof description === 'string' ? description : null,
      fileName: file.name,
      contentType: detected,
      size: file.size,
      pollsLeft: this.processingPolls,
      fails: this.failProcessing,
      statusId: undefined,
    };
    const processedNow = media.pollsLeft === 0 && !media.fails;
    return {
      answer: { status: processedNow ? 200 : 202, body: this.#mediaEntity(media, processedNow) },
      media,
    };
  }

  #check(account: string, id: string): Answer {
    const media = this.media.get(id);
    if (!media || media.account !== account || media.statusId !== undefined) {
      return { status: 404, body: { error: 'Record not found' } };
    }
    if (media.pollsLeft > 0) {
      media.pollsLeft -= 1;
      return { status: 206, body: this.#mediaEntity(media, false) };
    }
    if (media.fails) return { status: 422, body: { error: 'Error processing thumbnail for uploaded media' } };
    return { status: 200, body: this.#mediaEntity(media, true) };
  }

  #post(account: string, key: string | undefined, fields: Readonly<Record<string, unknown>>): Pending {
    const refuse = (error: string): Pending => ({ answer: { status: 422, body: { error } } });
    if (key !== undefined && key !== '') {
      const seen = this.#idempotency.get(`${account}:${key}`);
      if (seen && this.#now() - seen.at < IDEMPOTENCY_TTL_MS) {
        const first = this.statuses.find((status) => status.id === seen.statusId);
        if (first) return { answer: { status: 200, body: this.#statusEntity(first) } };
      }
    }
    const mediaIds = Array.isArray(fields.media_ids) ? fields.media_ids.map(String) : [];
    if (mediaIds.length > 4) return refuse('Cannot attach more than 4 files');
    const found = mediaIds.map((id) => this.media.get(id));
    const missing = mediaIds.filter(
      (_, i) => found[i] === undefined || found[i]?.account !== account || found[i]?.statusId !== undefined,
    );
    if (missing.length > 0)
      return refuse(`Media ${missing.join(', ')} not found or already attached to another post`);
    if (found.some((media) => media === undefined || media.pollsLeft > 0 || media.fails)) {
      return refuse('Cannot attach files that have not finished processing. Try again in a moment!');
    }
    const text = typeof fields.status === 'string' ? fields.status : '';
    if (text.trim() === '' && mediaIds.length === 0) return refuse("Validation failed: Text can't be blank");
    if (fakeStatusLength(text) > MAX_CHARS) {
      return refuse(`Validation failed: Text character limit of ${MAX_CHARS} exceeded`);
    }
    const visibility = typeof fields.visibility === 'string' ? fields.visibility : 'public';
    if (!VISIBILITIES.includes(visibility)) return refuse('Record invalid');
    const id = this.#newId();
    const status: FakeStatus = {
      id,
      account,
      text,
      visibility,
      language: typeof fields.language === 'string' ? fields.language : null,
      mediaIds,
      idempotencyKey: key,
      url: `${this.url}/@${account}/${id}`,
    };
    return {
      answer: { status: 200, body: this.#statusEntity(status) },
      status,
      ...(key === undefined || key === '' ? {} : { key: `${account}:${key}` }),
    };
  }

  /** keeps the work of an answered (or processed then dropped) request */
  #answered(pending: Pending): void {
    if (pending.media) this.media.set(pending.media.id, pending.media);
    if (pending.status) {
      this.statuses.push(pending.status);
      for (const id of pending.status.mediaIds) {
        const media = this.media.get(id);
        if (media) media.statusId = pending.status.id;
      }
      if (pending.key !== undefined) {
        this.#idempotency.set(pending.key, { statusId: pending.status.id, at: this.#now() });
      }
      this.emit('status', pending.status);
    }
  }

  #newId(): string {
    this.#nextId += 1n;
    return this.#nextId.toString();
  }

  #mediaEntity(media: FakeMedia, processed: boolean): Record<string, unknown> {
    const base = `${this.url}/system/media_attachments/files/${media.id}`;
    return {
      id: media.id,
      type: 'image',
      url: processed ? `${base}/original/${media.fileName}` : null,
      preview_url: `${base}/small/${media.fileName}`,
      remote_url: null,
      text_url: null,
      meta: {},
      description: media.description,
      blurhash: null,
    };
  }

  #statusEntity(status: FakeStatus): Record<string, unknown> {
    return {
      id: status.id,
      created_at: new Date(this.#now()).toISOString(),
      in_reply_to_id: null,
      sensitive: false,
      spoiler_text: '',
      visibility: status.visibility,
      language: status.language,
      uri: `${this.url}/users/${status.account}/statuses/${status.id}`,
      url: status.url,
      content: `<p>${status.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`,
      application: { name: 'Araldo', website: null },
      account: { id: '1', username: status.account, acct: status.account },
      media_attachments: status.mediaIds.map((id) => {
        const media = this.media.get(id);
        return media ? this.#mediaEntity(media, true) : { id };
      }),
      mentions: [],
      tags: [],
      emojis: [],
      card: null,
      poll: null,
    };
  }
}

/** The routes a request may be recorded under. */
export type MastodonRequestRoute = MastodonRoute | 'image' | 'other';

/** What a request did, waiting to be kept (or lost, for a drop before processing). */
interface Pending {
  readonly answer: Answer;
  readonly media?: FakeMedia;
  readonly status?: FakeStatus;
  readonly key?: string;
}

function routeOf(method: string, path: string): MastodonRequestRoute {
  if (method === 'POST' && path === '/api/v2/media') return 'media_upload';
  if (method === 'GET' && /^\/api\/v1\/media\/[^/]+$/.test(path)) return 'media_check';
  if (method === 'POST' && path === '/api/v1/statuses') return 'status';
  if (method === 'GET' && path.startsWith('/images/')) return 'image';
  return 'other';
}

/** The fields of a JSON or form-urlencoded body (`media_ids[]` gathered into `media_ids`). */
function parseFields(contentType: string | undefined, raw: Buffer): Record<string, unknown> {
  if (contentType?.startsWith('application/json')) return parseJsonObject(raw);
  const fields: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(raw.toString('utf8'))) {
    if (name.endsWith('[]')) {
      const key = name.slice(0, -2);
      fields[key] = [...((fields[key] as string[] | undefined) ?? []), value];
    } else fields[name] = value;
  }
  return fields;
}
