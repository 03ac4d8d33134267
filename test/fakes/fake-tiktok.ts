import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type Exchange, FaultQueue, LoopbackHttp, parseFields, waitForCount } from './loopback-http.ts';

// TikTok's Content Posting API on 127.0.0.1, as far as a photo publisher sees
// it, written from developers.tiktok.com independently of Araldo's publisher:
// - POST /v2/oauth/token/ (oauth-user-access-token-management): a form with
//   client_key, client_secret, grant_type=refresh_token and refresh_token;
//   answers {access_token, expires_in 86400, open_id, refresh_token,
//   refresh_expires_in, scope, token_type "Bearer"}. TikTok says the refresh
//   token answered "may be different"; this fake always rotates it and the old
//   one stops working (the stricter case). A wrong client answers
//   {error: "invalid_client"}, a dead refresh token {error: "invalid_grant"},
//   each with error_description and log_id;
// - every API answer is {data, error: {code, message, log_id}}
//   (tiktok-api-v2-error-handling): a missing or dead Bearer token 401
//   access_token_invalid, a scope the token lacks 401 scope_not_authorized;
// - POST /v2/post/publish/creator_info/query/ (query-creator-info; scope
//   video.publish): creator_username, creator_nickname, privacy_level_options,
//   comment_disabled…;
// - POST /v2/post/publish/content/init/ (photo-post; video.publish for
//   DIRECT_POST, video.upload for MEDIA_UPLOAD): media_type PHOTO, post_mode,
//   post_info (title ≤ 90 and description ≤ 4000 UTF-16 units; privacy_level
//   one of the creator's options for DIRECT_POST, else 403
//   privacy_level_option_mismatch), source_info {source PULL_FROM_URL,
//   photo_images 1–35 URLs under a verified prefix (else 403
//   url_ownership_unverified), photo_cover_index}; an unaudited app posting
//   other than SELF_ONLY 403 unaudited_client_can_only_post_to_private_accounts;
//   past the account's daily cap 403 spam_risk_too_many_posts; answers
//   data.publish_id;
// - POST /v2/post/publish/status/fetch/ (get-video-status): {publish_id} →
//   data.status PROCESSING_DOWNLOAD for `processingPolls` looks, then
//   PUBLISH_COMPLETE with publicaly_available_post_id [<int64>] (empty for a
//   SELF_ONLY post, which is not publicly available), SEND_TO_USER_INBOX for
//   MEDIA_UPLOAD, or FAILED with a fail_reason (file_format_check_failed for a
//   PNG image, or one set by failPublication); an unknown id 400 invalid_params
//   (this fake's words);
// - rate limits per access token on the clock the fake is given, over a
//   sliding minute: init 6, creator_info 20, status 30 (each reference's
//   "Note"), or one shared limit when `rateLimits.all` is set; past it 429
//   rate_limit_exceeded.

/** The calls a fault may be aimed at. */
export type TikTokRoute = 'token' | 'creator_info' | 'init' | 'status';

/** The routes a request may be recorded under. */
export type TikTokRequestRoute = TikTokRoute | 'other';

/**
 * What the fake does with the next request of a route instead of its normal
 * answer (after reading it whole):
 * - `error`: answers `status` with TikTok's error body for `code` and `message`;
 * - `status`: answers that status with `body` as is (an HTML page from a proxy);
 * - `hold`: waits until `release()`, then handles the request normally;
 * - `drop`: destroys the connection without answering; with `processed` (the
 *   default) after doing the work (a post started, a refresh token spent).
 */
export type TikTokFault =
  | { readonly kind: 'error'; readonly status: number; readonly code: string; readonly message?: string }
  | { readonly kind: 'status'; readonly status: number; readonly body: string }
  | { readonly kind: 'hold' }
  | { readonly kind: 'drop'; readonly processed?: boolean };

/** One request that reached the fake, as it crossed the wire. */
export interface ReceivedTikTokRequest {
  readonly method: string;
  readonly path: string;
  readonly route: TikTokRequestRoute;
  /** the request headers, names in lower case */
  readonly headers: Readonly<Record<string, string>>;
  /** form or JSON fields */
  readonly fields: Readonly<Record<string, unknown>>;
  /** when it arrived, on the fake's clock (ms) */
  readonly at: number;
  /** the status answered; 0 when the connection was dropped */
  status: number;
}

/** One photo post the fake took. */
export interface FakeTikTokPublication {
  readonly publishId: string;
  readonly postMode: string;
  readonly postInfo: Readonly<Record<string, unknown>>;
  readonly images: readonly string[];
  readonly coverIndex: number;
  /** the post id it gets once published (a 19-digit int64) */
  readonly postId: string;
  /** looks at its status so far */
  polls: number;
  /** set by failPublication: its status ends FAILED with this reason */
  failReason: string | undefined;
}

/** The per-token limits of each route per minute; `all` counts every API route together. */
export interface TikTokRateLimits {
  readonly init?: number;
  readonly creator_info?: number;
  readonly status?: number;
  readonly all?: number;
}

/** Options of a fake TikTok. */
export interface FakeTikTokOptions {
  /** the app's client key and secret; default FAKE_TIKTOK_CLIENT */
  readonly clientKey?: string;
  readonly clientSecret?: string;
  /** scopes every token gets; default user.info.basic, video.publish, video.upload */
  readonly scopes?: readonly string[];
  /** creator_info's username; default `comune.example` */
  readonly username?: string;
  /** creator_info's privacy_level_options; default a public account's (PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY) */
  readonly privacyLevelOptions?: readonly string[];
  /** creator_info's comment_disabled; default false */
  readonly commentDisabled?: boolean;
  /** false: the app is not audited, and only SELF_ONLY posts are taken; default true */
  readonly audited?: boolean;
  /** the URL prefixes verified for the app; default [VERIFIED_PREFIX] */
  readonly verifiedPrefixes?: readonly string[];
  /** looks at a status answered PROCESSING_DOWNLOAD before the final one; default 0 */
  readonly processingPolls?: number;
  /** posts the account may make in a day through the API; default unlimited */
  readonly dailyPostCap?: number;
  /** default init 6, creator_info 20, status 30 a minute */
  readonly rateLimits?: TikTokRateLimits;
  /** how long a refresh token lives, in seconds; default 365 days */
  readonly refreshLifetimeS?: number;
  /** the fake's clock in ms: token expiry and rate-limit windows; Date.now by default */
  readonly now?: () => number;
}

/** The default app of a fake TikTok. */
export const FAKE_TIKTOK_CLIENT = {
  clientKey: 'awaraldo0001',
  clientSecret: 'araldo-client-secret',
} as const;
/** The image prefix a fake TikTok takes by default: the municipality's website. */
export const VERIFIED_PREFIX = 'https://www.comune.example.it/';
const DEFAULT_SCOPES = ['user.info.basic', 'video.publish', 'video.upload'];
const PUBLIC_ACCOUNT_OPTIONS = ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'];
const ACCESS_TOKEN_LIFETIME_S = 86_400;
const REFRESH_TOKEN_LIFETIME_S = 31_536_000;
const WINDOW_MS = 60_000;
const DEFAULT_LIMITS: Required<Omit<TikTokRateLimits, 'all'>> = { init: 6, creator_info: 20, status: 30 };

interface Answer {
  readonly status: number;
  /** JSON text, or a string sent as HTML */
  readonly body: string;
  readonly html?: boolean;
}

/** What a request does, kept only once answered (a drop before processing undoes it). */
interface Pending {
  readonly answer: Answer;
  readonly commit?: () => void;
}

/**
 * TikTok's Content Posting API on 127.0.0.1, port 0: rotates refresh tokens,
 * checks bearer tokens, scopes and per-token rate limits, takes photo posts
 * and walks their statuses, and records every request. Event: `request` (a
 * ReceivedTikTokRequest, once its body arrived).
 */
export class FakeTikTok extends EventEmitter {
  /** every request, in arrival order */
  readonly requests: ReceivedTikTokRequest[] = [];
  /** every photo post taken, in order */
  readonly publications: FakeTikTokPublication[] = [];
  /** every refresh token issued, in order, live or spent */
  readonly refreshTokensIssued: string[] = [];
  readonly #options: FakeTikTokOptions;
  readonly #now: () => number;
  readonly #http: LoopbackHttp;
  readonly #faults: FaultQueue<TikTokRoute, TikTokFault>;
  readonly #refreshTokens = new Map<string, { expiresAt: number }>();
  readonly #accessTokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  readonly #served = new Map<string, number[]>();
  #nextPostId = 7_440_000_000_000_000_001n;

  private constructor(options: FakeTikTokOptions) {
    super();
    this.#options = options;
    this.#now = options.now ?? Date.now;
    // Every answer is a string: JSON text, or (a fault's) an HTML page.
    this.#http = new LoopbackHttp((exchange) => this.#handle(exchange), {
      text: { 'content-type': 'text/html; charset=utf-8' },
    });
    this.#faults = new FaultQueue(this.#http);
  }

  /** Starts a fake TikTok on 127.0.0.1, port 0. */
  static async start(options: FakeTikTokOptions = {}): Promise<FakeTikTok> {
    const fake = new FakeTikTok(options);
    await fake.#http.listen();
    return fake;
  }

  /** the API's address, a target's `baseUrl`: `http://127.0.0.1:<port>` */
  get url(): string {
    return this.#http.url;
  }

  /** A new refresh token, as one authorization of the account gives the admin: the seed in the environment. */
  authorize(): string {
    const token = `rft.${randomBytes(12).toString('base64url')}`;
    this.#refreshTokens.set(token, {
      expiresAt: this.#now() + (this.#options.refreshLifetimeS ?? REFRESH_TOKEN_LIFETIME_S) * 1000,
    });
    this.refreshTokensIssued.push(token);
    return token;
  }

  /** The person removed the app from the account: every token, access or refresh, stops working. */
  revokeAll(): void {
    this.#refreshTokens.clear();
    for (const token of this.#accessTokens.values()) token.revoked = true;
  }

  /** Every access token stops working (not the refresh tokens), as if each had run out early. */
  expireAccessTokens(): void {
    for (const token of this.#accessTokens.values()) token.revoked = true;
  }

  /** whether a refresh token would still be accepted */
  isLive(refreshToken: string): boolean {
    const token = this.#refreshTokens.get(refreshToken);
    return token !== undefined && token.expiresAt > this.#now();
  }

  /** The publication `publishId` ends FAILED with `reason` at its final look. */
  failPublication(publishId: string, reason: string): void {
    const publication = this.publications.find((p) => p.publishId === publishId);
    if (publication) publication.failReason = reason;
  }

  /** the requests of one route, in order */
  requestsTo(route: TikTokRequestRoute): ReceivedTikTokRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  /** the next requests of `route` meet these faults, one each, in order */
  failNext(route: TikTokRoute, ...faults: TikTokFault[]): void {
    this.#faults.add(route, faults);
  }

  /** answers the requests a `hold` fault is keeping */
  release(): void {
    this.#http.release();
  }

  /** resolves once `count` requests of `route` have arrived */
  waitForRequests(count: number, route: TikTokRequestRoute): Promise<readonly ReceivedTikTokRequest[]> {
    return waitForCount(this, 'request', () => this.requestsTo(route), count);
  }

  /** stops listening and cuts every open connection */
  async close(): Promise<void> {
    await this.#http.close();
  }

  async #handle(exchange: Exchange): Promise<void> {
    const { method, path, headers } = exchange;
    const route = routeOf(method, path);
    const fields = parseFields(headers['content-type'], exchange.raw);
    const received: ReceivedTikTokRequest = {
      method,
      path,
      route,
      headers,
      fields,
      at: this.#now(),
      status: 0,
    };
    exchange.track(received);
    this.requests.push(received);
    this.emit('request', received);

    const send = (answer: Answer) =>
      exchange.reply(
        answer.status,
        answer.body,
        answer.html ? {} : { 'content-type': 'application/json; charset=utf-8' },
      );
    if (route === 'other') return send(apiError(404, 'invalid_params', 'The API path is not found.'));

    const fault = await this.#faults.take(route);
    if (fault?.kind === 'error') {
      return send(
        route === 'token'
          ? { status: fault.status, body: JSON.stringify(oauthBody(fault.code, fault.message ?? fault.code)) }
          : apiError(fault.status, fault.code, fault.message ?? fault.code),
      );
    }
    if (fault?.kind === 'status') return send({ status: fault.status, body: fault.body, html: true });
    const pending = route === 'token' ? this.#token(fields) : this.#api(route, headers, fields);
    if (exchange.settle(fault, pending.commit)) send(pending.answer);
  }

  #token(fields: Readonly<Record<string, unknown>>): Pending {
    const refuse = (error: string, description: string): Pending => ({
      answer: { status: 400, body: JSON.stringify(oauthBody(error, description)) },
    });
    const client = {
      clientKey: this.#options.clientKey ?? FAKE_TIKTOK_CLIENT.clientKey,
      clientSecret: this.#options.clientSecret ?? FAKE_TIKTOK_CLIENT.clientSecret,
    };
    if (fields.client_key !== client.clientKey || fields.client_secret !== client.clientSecret) {
      return refuse('invalid_client', 'Client key or secret is incorrect.');
    }
    if (fields.grant_type !== 'refresh_token')
      return refuse('unsupported_grant_type', 'Grant type is not supported.');
    const spent = typeof fields.refresh_token === 'string' ? fields.refresh_token : '';
    const grant = this.#refreshTokens.get(spent);
    const now = this.#now();
    if (grant === undefined || grant.expiresAt <= now) {
      return refuse('invalid_grant', 'Refresh token is invalid or expired.');
    }
    const accessToken = `act.${randomBytes(12).toString('base64url')}`;
    const refreshToken = `rft.${randomBytes(12).toString('base64url')}`;
    const scopes = this.#options.scopes ?? DEFAULT_SCOPES;
    return {
      answer: {
        status: 200,
        body: JSON.stringify({
          access_token: accessToken,
          expires_in: ACCESS_TOKEN_LIFETIME_S,
          open_id: 'open-id-comune',
          refresh_expires_in: Math.floor((grant.expiresAt - now) / 1000),
          refresh_token: refreshToken,
          scope: scopes.join(','),
          token_type: 'Bearer',
        }),
      },
      commit: () => {
        this.#refreshTokens.delete(spent);
        // The new refresh token keeps the authorization's expiry.
        this.#refreshTokens.set(refreshToken, { expiresAt: grant.expiresAt });
        this.refreshTokensIssued.push(refreshToken);
        this.#accessTokens.set(accessToken, {
          expiresAt: now + ACCESS_TOKEN_LIFETIME_S * 1000,
          revoked: false,
        });
      },
    };
  }

  #api(
    route: Exclude<TikTokRoute, 'token'>,
    headers: Readonly<Record<string, string>>,
    fields: Readonly<Record<string, unknown>>,
  ): Pending {
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1] ?? '';
    const token = this.#accessTokens.get(bearer);
    if (!token || token.revoked || token.expiresAt <= this.#now()) {
      return {
        answer: apiError(
          401,
          'access_token_invalid',
          'The access token is invalid or not found in the request.',
        ),
      };
    }
    const scope =
      route === 'creator_info' || (route === 'init' && fields.post_mode === 'DIRECT_POST')
        ? 'video.publish'
        : 'video.upload';
    const scopes = this.#options.scopes ?? DEFAULT_SCOPES;
    if (route !== 'status' && !scopes.includes(scope)) {
      return {
        answer: apiError(
          401,
          'scope_not_authorized',
          `The user did not authorize the scope required: ${scope}.`,
        ),
      };
    }
    if (route === 'status' && !scopes.includes('video.publish') && !scopes.includes('video.upload')) {
      return {
        answer: apiError(401, 'scope_not_authorized', 'The user did not authorize the scope required.'),
      };
    }
    if (!this.#withinLimit(route, bearer)) {
      return {
        answer: apiError(429, 'rate_limit_exceeded', 'API rate limit exceeded, please try again later.'),
      };
    }
    if (route === 'creator_info') return this.#creatorInfo();
    if (route === 'init') return this.#init(fields);
    return this.#status(fields);
  }

  /** Counts the request in the token's minute; false (not counted) when over a limit. */
  #withinLimit(route: Exclude<TikTokRoute, 'token'>, bearer: string): boolean {
    const now = this.#now();
    const limits = this.#options.rateLimits ?? {};
    const recent = (key: string) => (this.#served.get(key) ?? []).filter((at) => at > now - WINDOW_MS);
    const own = recent(`${bearer} ${route}`);
    const all = recent(`${bearer} all`);
    if (own.length >= (limits[route] ?? DEFAULT_LIMITS[route])) return false;
    if (limits.all !== undefined && all.length >= limits.all) return false;
    this.#served.set(`${bearer} ${route}`, [...own, now]);
    this.#served.set(`${bearer} all`, [...all, now]);
    return true;
  }

  #creatorInfo(): Pending {
    return {
      answer: ok({
        creator_avatar_url: 'https://p16-sign.tiktokcdn-us.com/avatar.jpeg',
        creator_username: this.#options.username ?? 'comune.example',
        creator_nickname: 'Comune di Esempio',
        privacy_level_options: this.#options.privacyLevelOptions ?? PUBLIC_ACCOUNT_OPTIONS,
        comment_disabled: this.#options.commentDisabled ?? false,
        duet_disabled: false,
        stitch_disabled: true,
        max_video_post_duration_sec: 300,
      }),
    };
  }

  #init(fields: Readonly<Record<string, unknown>>): Pending {
    const invalid = (message: string): Pending => ({ answer: apiError(400, 'invalid_params', message) });
    const forbidden = (code: string, message: string): Pending => ({ answer: apiError(403, code, message) });
    if (fields.media_type !== 'PHOTO') return invalid('media_type must be PHOTO.');
    const postMode = fields.post_mode;
    if (postMode !== 'DIRECT_POST' && postMode !== 'MEDIA_UPLOAD') return invalid('post_mode is invalid.');
    const postInfo = (fields.post_info ?? {}) as Record<string, unknown>;
    const source = (fields.source_info ?? {}) as Record<string, unknown>;
    if (source.source !== 'PULL_FROM_URL')
      return invalid('source_info.source must be PULL_FROM_URL for photos.');
    const images = source.photo_images;
    if (!Array.isArray(images) || images.length < 1 || images.length > 35) {
      return invalid('photo_images must hold 1 to 35 URLs.');
    }
    if (images.some((url) => typeof url !== 'string' || !/^https?:\/\//.test(url))) {
      return invalid('photo_images must be http or https URLs.');
    }
    const cover = source.photo_cover_index;
    if (typeof cover !== 'number' || !Number.isInteger(cover) || cover < 0 || cover >= images.length) {
      return invalid('photo_cover_index is out of range.');
    }
    if (typeof postInfo.title === 'string' && postInfo.title.length > 90)
      return invalid('title is too long.');
    if (typeof postInfo.description === 'string' && postInfo.description.length > 4000) {
      return invalid('description is too long.');
    }
    const prefixes = this.#options.verifiedPrefixes ?? [VERIFIED_PREFIX];
    if (images.some((url: string) => !prefixes.some((prefix) => url.startsWith(prefix)))) {
      return forbidden('url_ownership_unverified', 'Please review our URL ownership verification rules.');
    }
    if (postMode === 'DIRECT_POST') {
      const options = this.#options.privacyLevelOptions ?? PUBLIC_ACCOUNT_OPTIONS;
      if (typeof postInfo.privacy_level !== 'string' || !options.includes(postInfo.privacy_level)) {
        return forbidden(
          'privacy_level_option_mismatch',
          'privacy_level is not one of the privacy_level_options.',
        );
      }
      if (this.#options.audited === false && postInfo.privacy_level !== 'SELF_ONLY') {
        return forbidden(
          'unaudited_client_can_only_post_to_private_accounts',
          'Unaudited clients can only post to a private account.',
        );
      }
    }
    const cap = this.#options.dailyPostCap;
    const today = this.publications.filter((p) => p.postMode === postMode).length;
    if (cap !== undefined && today >= cap) {
      return forbidden(
        'spam_risk_too_many_posts',
        'The daily post cap from the API is reached for the current user.',
      );
    }
    const publication: FakeTikTokPublication = {
      publishId: `p_pub_url~v2.${this.#nextPostId.toString()}`,
      postMode,
      postInfo,
      images: images as string[],
      coverIndex: cover,
      postId: (this.#nextPostId + 1n).toString(),
      polls: 0,
      failReason: undefined,
    };
    this.#nextPostId += 2n;
    return {
      answer: ok({ publish_id: publication.publishId }),
      commit: () => this.publications.push(publication),
    };
  }

  #status(fields: Readonly<Record<string, unknown>>): Pending {
    const publication = this.publications.find((p) => p.publishId === fields.publish_id);
    if (!publication) return { answer: apiError(400, 'invalid_params', 'publish_id is invalid.') };
    const polls = publication.polls + 1;
    const commit = () => {
      publication.polls = polls;
    };
    if (polls <= (this.#options.processingPolls ?? 0)) {
      return { answer: ok({ status: 'PROCESSING_DOWNLOAD', downloaded_bytes: 1024 * polls }), commit };
    }
    // TikTok checks the format of what it pulled, whatever the URL says: here a
    // `.png` path or a `format=png` query stands for a PNG behind the URL.
    const png = publication.images.some((url) => /\.png(\?|$)|[?&]format=png\b/i.test(url));
    const failReason = png ? 'file_format_check_failed' : publication.failReason;
    if (failReason !== undefined) {
      return {
        answer: ok({ status: 'FAILED', fail_reason: failReason, publicaly_available_post_id: [] }),
        commit,
      };
    }
    if (publication.postMode === 'MEDIA_UPLOAD') {
      return { answer: ok({ status: 'SEND_TO_USER_INBOX', publicaly_available_post_id: [] }), commit };
    }
    const isPublic = publication.postInfo.privacy_level !== 'SELF_ONLY';
    // An int64 written as TikTok writes it: a bare number of 19 digits, past a double's precision.
    const body = ok({ status: 'PUBLISH_COMPLETE', publicaly_available_post_id: ['POST_ID'] }).body.replace(
      '["POST_ID"]',
      isPublic ? `[${publication.postId}]` : '[]',
    );
    return { answer: { status: 200, body }, commit };
  }
}

function logId(): string {
  return `20261203${randomBytes(9).toString('hex').toUpperCase()}`;
}

function ok(data: Record<string, unknown>): Answer {
  return { status: 200, body: JSON.stringify({ data, error: { code: 'ok', message: '', log_id: logId() } }) };
}

/** TikTok's error body for an API route. */
export function apiError(status: number, code: string, message: string): Answer {
  return { status, body: JSON.stringify({ data: {}, error: { code, message, log_id: logId() } }) };
}

function oauthBody(error: string, description: string): Record<string, unknown> {
  return { error, error_description: description, log_id: logId() };
}

function routeOf(method: string, path: string): TikTokRequestRoute {
  if (method !== 'POST') return 'other';
  if (path === '/v2/oauth/token/') return 'token';
  if (path === '/v2/post/publish/creator_info/query/') return 'creator_info';
  if (path === '/v2/post/publish/content/init/') return 'init';
  if (path === '/v2/post/publish/status/fetch/') return 'status';
  return 'other';
}
