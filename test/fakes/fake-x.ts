import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import twitterText from 'twitter-text';
import {
  describeForm,
  type Exchange,
  FaultQueue,
  imageTypeOf,
  LoopbackHttp,
  type ParsedForm,
  parseFields,
  parseMultipart,
  TestImages,
  waitForCount,
} from './loopback-http.ts';

export { TINY_JPEG, TINY_PNG } from './loopback-http.ts';

// X API v2 on 127.0.0.1, as far as a publisher sees it: the token endpoint,
// the media upload and metadata, posts, and a plain web server for the
// images themselves (GET /images/<name>). Behaviour and bodies follow
// docs.x.com, written here independently of Araldo's publisher:
// - POST /2/oauth2/token (fundamentals/authentication/oauth-2-0/authorization-code):
//   a form with grant_type=refresh_token, refresh_token and client_id; a
//   confidential client authenticates with HTTP Basic (client id:secret), and
//   without it answers 401 {"error":"unauthorized_client","error_description":
//   "Missing valid authorization header"} (seen in the wild: tweepy,
//   node-twitter-api-v2 issues). Each refresh token works exactly once: the
//   answer carries a new access token (2 hours) and a new refresh token; a
//   spent, revoked or unknown one answers 400 {"error":"invalid_request",
//   "error_description":"Value passed for the token was invalid."}, X's words
//   for it (not RFC 6749's invalid_grant);
// - API calls need `Authorization: Bearer <access token>` of a live token:
//   else 401 {"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"};
//   a token without the route's scope answers 403 {"title":"Forbidden",
//   "type":"about:blank","status":403,"detail":"You are not permitted to perform this action."};
// - POST /2/media/upload (x-api/media/upload-media): multipart, `media` (raw
//   bytes of a JPEG, PNG or WebP of at most 5 MB) and `media_category`
//   tweet_image; scope media.write; 200 {"data":{"id","media_key","size",
//   "expires_after_secs","image":{"image_type"}}}; a refused file 400 problem;
// - POST /2/media/metadata (x-api/media/create-media-metadata): JSON
//   {id, metadata: {alt_text: {text ≤ 1000}}}; scope media.write; 200
//   {"data":{"id","associated_metadata":{"alt_text":{"text"}}}};
// - POST /2/tweets (x-api/posts/create-post): JSON {text, media: {media_ids}};
//   scope tweet.write; 201 {"data":{"id","text","edit_history_tweet_ids"}};
//   the account's earlier text again answers 403 {"detail":"You are not
//   allowed to create a Tweet with duplicate content.","type":"about:blank",
//   "title":"Forbidden","status":403} (seen in the wild); over 280 weighted
//   (twitter-text) or more than 4 media, 400 with `errors` (this fake's words);
// - a rate limit answers 429 {"title":"Too Many Requests","detail":"Too Many
//   Requests","type":"about:blank","status":429} with x-rate-limit-limit,
//   x-rate-limit-remaining 0 and x-rate-limit-reset (epoch seconds); no Retry-After.
// Any other path answers 404 with a problem body.

/** The calls a fault may be aimed at. */
export type XRoute = 'token' | 'media_upload' | 'media_metadata' | 'post';

/** The routes a request may be recorded under. */
export type XRequestRoute = XRoute | 'image' | 'other';

/**
 * What the fake does with the next request of a route instead of its normal
 * answer (after reading it whole):
 * - `status`: answers that status with `body` (JSON when an object) and `headers`;
 * - `rate_limited`: 429 as X writes it, x-rate-limit-reset `resetInSeconds`
 *   (default 900) after the `Date` it sends, plus `headers` (the 24-hour windows);
 * - `hold`: waits until `release()`, then handles the request normally;
 * - `drop`: destroys the connection without answering; with `processed` (the
 *   default) after doing the work (a post made, a refresh token spent).
 */
export type XFault =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body?: string | Record<string, unknown>;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'rate_limited';
      readonly resetInSeconds?: number;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'hold' }
  | { readonly kind: 'drop'; readonly processed?: boolean };

/** One request that reached the fake, as it crossed the wire. */
export interface ReceivedXRequest {
  readonly method: string;
  readonly path: string;
  readonly route: XRequestRoute;
  /** the request headers, names in lower case */
  readonly headers: Readonly<Record<string, string>>;
  /** form or JSON fields (a multipart file as {type, size}) */
  readonly fields: Readonly<Record<string, unknown>>;
  /** the status answered; 0 when the connection was dropped */
  status: number;
}

/** One upload the fake holds. */
export interface FakeXMedia {
  readonly id: string;
  readonly type: string;
  readonly size: number;
  alt: string | undefined;
}

/** One post the fake made. */
export interface FakeXPost {
  readonly id: string;
  readonly text: string;
  readonly mediaIds: readonly string[];
  /** the access token it was made with */
  readonly accessToken: string;
}

/** Options of a fake X. */
export interface FakeXOptions {
  /** the app's client id; default `araldo-client` */
  readonly clientId?: string;
  /** set for a confidential client: the token endpoint then requires HTTP Basic */
  readonly clientSecret?: string;
  /** scopes every token gets; default tweet.read tweet.write users.read media.write offline.access */
  readonly scopes?: readonly string[];
  /** the clock of the tokens' expiry, in ms; Date.now by default */
  readonly now?: () => number;
}

/** The default client id of a fake X. */
export const FAKE_X_CLIENT_ID = 'araldo-client';
const DEFAULT_SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'media.write', 'offline.access'];
const ACCESS_TOKEN_LIFETIME_S = 7_200;
const IMAGE_LIMIT = 5 * 1024 * 1024;
const MAX_ALT_TEXT = 1_000;

/** X's answer to a spent, revoked or unknown refresh token. */
export const SPENT_REFRESH_TOKEN_BODY = {
  error: 'invalid_request',
  error_description: 'Value passed for the token was invalid.',
};

/** X's answer to a post whose text the account already posted. */
export const DUPLICATE_BODY = {
  detail: 'You are not allowed to create a Tweet with duplicate content.',
  type: 'about:blank',
  title: 'Forbidden',
  status: 403,
};

function problem(status: number, title: string, detail: string): Record<string, unknown> {
  return { title, type: 'about:blank', status, detail };
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a request does, kept only once answered (a drop before processing undoes it). */
interface Pending {
  readonly answer: Answer;
  readonly commit?: () => void;
}

/**
 * X API v2 on 127.0.0.1, port 0: rotates refresh tokens, checks bearer
 * tokens and scopes, stores uploads, alt texts and posts, refuses duplicate
 * posts, records every request, and serves test images. Events: `request`
 * (a ReceivedXRequest, once its body arrived) and `post` (a FakeXPost, once made).
 */
export class FakeX extends EventEmitter {
  /** every request, in arrival order */
  readonly requests: ReceivedXRequest[] = [];
  /** every post made, in order */
  readonly posts: FakeXPost[] = [];
  /** every upload, by id */
  readonly media = new Map<string, FakeXMedia>();
  /** every refresh token issued, in order, whether live or spent */
  readonly refreshTokensIssued: string[] = [];
  readonly #clientId: string;
  readonly #clientSecret: string | undefined;
  readonly #scopes: readonly string[];
  readonly #now: () => number;
  readonly #http: LoopbackHttp;
  readonly #faults: FaultQueue<XRoute, XFault>;
  readonly #liveRefreshTokens = new Set<string>();
  readonly #accessTokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  readonly #images = new TestImages();
  #nextId = 1_860_000_000_000_000_000n;

  private constructor(options: FakeXOptions) {
    super();
    this.#clientId = options.clientId ?? FAKE_X_CLIENT_ID;
    this.#clientSecret = options.clientSecret;
    this.#scopes = options.scopes ?? DEFAULT_SCOPES;
    this.#now = options.now ?? Date.now;
    this.#http = new LoopbackHttp((exchange) => this.#handle(exchange), {
      json: { 'content-type': 'application/json; charset=utf-8' },
      text: { 'content-type': 'text/html; charset=utf-8' },
    });
    this.#faults = new FaultQueue(this.#http);
  }

  /** Starts a fake X on 127.0.0.1, port 0. */
  static async start(options: FakeXOptions = {}): Promise<FakeX> {
    const fake = new FakeX(options);
    await fake.#http.listen();
    return fake;
  }

  /** the API's address, a target's `baseUrl`: `http://127.0.0.1:<port>` */
  get url(): string {
    return this.#http.url;
  }

  /**
   * A new refresh token, as one authorization with offline.access gives the
   * admin: what goes in the environment as the seed.
   */
  authorize(): string {
    const token = `rt-${randomBytes(12).toString('base64url')}`;
    this.#liveRefreshTokens.add(token);
    this.refreshTokensIssued.push(token);
    return token;
  }

  /** The person revoked the app's access: every token, access or refresh, stops working. */
  revokeAll(): void {
    this.#liveRefreshTokens.clear();
    for (const token of this.#accessTokens.values()) token.revoked = true;
  }

  /** Revokes every access token (not the refresh tokens), as if each had run out early. */
  expireAccessTokens(): void {
    for (const token of this.#accessTokens.values()) token.revoked = true;
  }

  /** whether a refresh token would still be accepted */
  isLive(refreshToken: string): boolean {
    return this.#liveRefreshTokens.has(refreshToken);
  }

  /** the requests of one route, in order */
  requestsTo(route: XRequestRoute): ReceivedXRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  /** the next requests of `route` meet these faults, one each, in order */
  failNext(route: XRoute, ...faults: XFault[]): void {
    this.#faults.add(route, faults);
  }

  /** answers the requests a `hold` fault is keeping */
  release(): void {
    this.#http.release();
  }

  /** Serves `bytes` at /images/<name> and returns that URL; `status` other than 200 answers that, with no image. */
  serveImage(name: string, bytes: Buffer, options: { contentType?: string; status?: number } = {}): string {
    return `${this.url}${this.#images.add(name, bytes, options)}`;
  }

  /** resolves once `count` requests of `route` have arrived */
  waitForRequests(count: number, route: XRequestRoute): Promise<readonly ReceivedXRequest[]> {
    return waitForCount(this, 'request', () => this.requestsTo(route), count);
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
      form === undefined
        ? parseFields(headers['content-type'], raw)
        : describeForm(form, (file) => ({ type: file.type, size: file.size }));
    const received: ReceivedXRequest = { method, path, route, headers, fields, status: 0 };
    exchange.track(received);
    this.requests.push(received);
    this.emit('request', received);

    const send = (answer: Answer) =>
      exchange.reply(answer.status, answer.body, {
        date: new Date(this.#now()).toUTCString(),
        ...answer.headers,
      });

    if (route === 'image') return this.#images.serve(exchange);
    if (route === 'other') return send({ status: 404, body: problem(404, 'Not Found Error', 'Not found') });

    const fault = await this.#faults.take(route);
    if (fault?.kind === 'status') {
      return send({
        status: fault.status,
        body: fault.body ?? '',
        ...(fault.headers ? { headers: fault.headers } : {}),
      });
    }
    if (fault?.kind === 'rate_limited') {
      const now = Math.floor(this.#now() / 1000);
      return send({
        status: 429,
        body: problem(429, 'Too Many Requests', 'Too Many Requests'),
        headers: {
          'x-rate-limit-limit': '100',
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': String(now + (fault.resetInSeconds ?? 900)),
          ...fault.headers,
        },
      });
    }
    const pending = this.#answer(route, headers, fields, form);
    if (exchange.settle(fault, pending.commit)) send(pending.answer);
  }

  #answer(
    route: XRoute,
    headers: Readonly<Record<string, string>>,
    fields: Readonly<Record<string, unknown>>,
    form: ParsedForm | undefined,
  ): Pending {
    if (route === 'token') return this.#token(headers, fields);
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1] ?? '';
    const token = this.#accessTokens.get(bearer);
    if (!token || token.revoked || token.expiresAt <= this.#now()) {
      return { answer: { status: 401, body: problem(401, 'Unauthorized', 'Unauthorized') } };
    }
    const scope = route === 'post' ? 'tweet.write' : 'media.write';
    if (!this.#scopes.includes(scope)) {
      return {
        answer: {
          status: 403,
          body: problem(403, 'Forbidden', 'You are not permitted to perform this action.'),
        },
      };
    }
    if (route === 'media_upload') return this.#upload(form);
    if (route === 'media_metadata') return this.#metadata(fields);
    return this.#post(fields, bearer);
  }

  #token(headers: Readonly<Record<string, string>>, fields: Readonly<Record<string, unknown>>): Pending {
    const oauthError = (status: number, error: string, description: string): Pending => ({
      answer: { status, body: { error, error_description: description } },
    });
    if (this.#clientSecret !== undefined) {
      const basic = /^Basic (.+)$/.exec(headers.authorization ?? '')?.[1];
      const expected = Buffer.from(`${this.#clientId}:${this.#clientSecret}`).toString('base64');
      if (basic !== expected)
        return oauthError(401, 'unauthorized_client', 'Missing valid authorization header');
    } else if (fields.client_id !== this.#clientId) {
      return oauthError(400, 'invalid_request', 'Missing required parameter [client_id].');
    }
    if (fields.grant_type !== 'refresh_token') {
      return oauthError(400, 'unsupported_grant_type', 'Unsupported grant type');
    }
    const spent = typeof fields.refresh_token === 'string' ? fields.refresh_token : '';
    if (!this.#liveRefreshTokens.has(spent)) {
      return { answer: { status: 400, body: SPENT_REFRESH_TOKEN_BODY } };
    }
    const accessToken = `at-${randomBytes(12).toString('base64url')}`;
    const refreshToken = `rt-${randomBytes(12).toString('base64url')}`;
    return {
      answer: {
        status: 200,
        body: {
          token_type: 'bearer',
          expires_in: ACCESS_TOKEN_LIFETIME_S,
          access_token: accessToken,
          scope: this.#scopes.join(' '),
          refresh_token: refreshToken,
        },
      },
      commit: () => {
        this.#liveRefreshTokens.delete(spent);
        this.#liveRefreshTokens.add(refreshToken);
        this.refreshTokensIssued.push(refreshToken);
        this.#accessTokens.set(accessToken, {
          expiresAt: this.#now() + ACCESS_TOKEN_LIFETIME_S * 1000,
          revoked: false,
        });
      },
    };
  }

  #upload(form: ParsedForm | undefined): Pending {
    const invalid = (detail: string): Pending => ({
      answer: {
        status: 400,
        body: { ...problem(400, 'Invalid Request', detail), errors: [{ message: detail }] },
      },
    });
    const file = form?.get('media');
    if (!(file instanceof File)) return invalid('The media field is required.');
    if (form?.get('media_category') !== 'tweet_image') return invalid('The media_category field is invalid.');
    const bytes = form.bytes.get(file) ?? Buffer.alloc(0);
    if (bytes.length > IMAGE_LIMIT) return invalid('File size exceeds 5242880 bytes.');
    const type = imageTypeOf(bytes);
    // X takes JPEG, PNG and WebP images here; a GIF is not a tweet_image.
    if (type === undefined || type === 'image/gif') return invalid('Unsupported media type.');
    const media: FakeXMedia = { id: this.#newId(), type, size: bytes.length, alt: undefined };
    return {
      answer: {
        status: 200,
        body: {
          data: {
            id: media.id,
            media_key: `3_${media.id}`,
            size: media.size,
            expires_after_secs: 86_400,
            image: { image_type: type },
          },
        },
      },
      commit: () => this.media.set(media.id, media),
    };
  }

  #metadata(fields: Readonly<Record<string, unknown>>): Pending {
    const invalid = (detail: string): Pending => ({
      answer: {
        status: 400,
        body: { ...problem(400, 'Invalid Request', detail), errors: [{ message: detail }] },
      },
    });
    const id = typeof fields.id === 'string' ? fields.id : '';
    const media = this.media.get(id);
    if (!media) return invalid(`Media id ${id} not found.`);
    const alt = (fields.metadata as { alt_text?: { text?: unknown } } | undefined)?.alt_text?.text;
    if (typeof alt !== 'string') return invalid('The alt_text.text field is required.');
    if ([...alt].length > MAX_ALT_TEXT)
      return invalid(`alt_text.text must be at most ${MAX_ALT_TEXT} characters.`);
    return {
      answer: { status: 200, body: { data: { id, associated_metadata: { alt_text: { text: alt } } } } },
      commit: () => {
        media.alt = alt;
      },
    };
  }

  #post(fields: Readonly<Record<string, unknown>>, accessToken: string): Pending {
    const invalid = (message: string): Pending => ({
      answer: {
        status: 400,
        body: {
          errors: [{ message }],
          title: 'Invalid Request',
          detail: 'One or more parameters to your request was invalid.',
          type: 'https://api.twitter.com/2/problems/invalid-request',
        },
      },
    });
    const text = typeof fields.text === 'string' ? fields.text : '';
    const mediaIds = ((fields.media as { media_ids?: unknown } | undefined)?.media_ids ?? []) as unknown[];
    if (!Array.isArray(mediaIds) || mediaIds.length > 4) return invalid('Your media IDs are invalid.');
    if (mediaIds.some((id) => typeof id !== 'string' || !this.media.has(id))) {
      return invalid('Your media IDs are invalid.');
    }
    if (text === '' && mediaIds.length === 0) return invalid('Post text or media is required.');
    if (twitterText.parseTweet(text).weightedLength > 280) return invalid('Post text is too long.');
    if (text !== '' && this.posts.some((post) => post.text === text)) {
      return { answer: { status: 403, body: DUPLICATE_BODY } };
    }
    const post: FakeXPost = { id: this.#newId(), text, mediaIds: mediaIds as string[], accessToken };
    return {
      answer: {
        status: 201,
        body: { data: { id: post.id, text, edit_history_tweet_ids: [post.id] } },
      },
      commit: () => {
        this.posts.push(post);
        this.emit('post', post);
      },
    };
  }

  #newId(): string {
    this.#nextId += 1n;
    return this.#nextId.toString();
  }
}

function routeOf(method: string, path: string): XRequestRoute {
  if (method === 'POST' && path === '/2/oauth2/token') return 'token';
  if (method === 'POST' && path === '/2/media/upload') return 'media_upload';
  if (method === 'POST' && path === '/2/media/metadata') return 'media_metadata';
  if (method === 'POST' && path === '/2/tweets') return 'post';
  if (method === 'GET' && path.startsWith('/images/')) return 'image';
  return 'other';
}
