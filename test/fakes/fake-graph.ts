import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type Exchange, FaultQueue, LoopbackHttp, waitForCount } from './loopback-http.ts';

// Meta's Graph API on 127.0.0.1, as far as a Facebook Page or Instagram
// publisher sees it, written from Meta's documentation independently of
// Araldo's publishers:
// - paths are versioned (/v25.0/...); the token comes in `Authorization:
//   Bearer` or as `access_token` (query or form), both of which Graph takes;
// - every error is {"error": {"message", "type", "code", "error_subcode",
//   "fbtrace_id"}} (graph-api/guides/error-handling), mostly HTTP 400: no
//   token 104; an unparsable token 190; an expired one 190/463 "Error
//   validating access token: Session has expired on …"; a revoked one
//   190/460 (password changed); an object the token cannot reach 100/33
//   "Unsupported post request. Object with ID … does not exist …";
// - Page (pages-api/posts, graph-api/reference/photo): POST /{page-id}/feed
//   with `message` and/or `attached_media[i]={"media_fbid"}` (unpublished
//   photos of the Page), needing pages_manage_posts (else 403 (#200), naming
//   it); the same message as the Page's previous post answers 506 "Duplicate
//   status message"; POST /{page-id}/photos with `url` (else 324), `caption`,
//   `alt_text_custom`, `published`; a published photo is a post and answers
//   {id, post_id}; GET /{post-id}?fields=permalink_url;
// - Instagram (instagram-platform/content-publishing, reference/ig-user/media,
//   ig-container, media_publish, content_publishing_limit, error-codes):
//   POST /{ig-user-id}/media with `image_url`, `caption`, `alt_text`,
//   `is_carousel_item`, or `media_type=CAROUSEL` and `children` (2–10 of the
//   account's FINISHED carousel items), needing instagram_content_publish
//   (else (#10)); a container is IN_PROGRESS for `processingPolls` looks, then
//   FINISHED (or ERROR, EXPIRED on demand); POST /{ig-user-id}/media_publish
//   with `creation_id`: IN_PROGRESS answers 9007/2207027, EXPIRED -2/2207020,
//   over the quota 9/2207042; publishing a container twice is refused (the
//   docs do not give that answer's body: this fake's 100 "already
//   published" is an assumption); GET /{ig-user-id}/media lists the
//   account's media newest first; GET /{ig-user-id}/content_publishing_limit
//   counts the API's publications of the last 24 hours against
//   `quotaTotal`;
// - GET /debug_token?input_token=… (facebook-login/guides/access-tokens/debugging)
//   with a valid caller token answers {data: {is_valid, expires_at (0:
//   never), data_access_expires_at, scopes, …}}.

/** The calls a fault may be aimed at. */
export type GraphRoute =
  | 'feed'
  | 'photos'
  | 'ig_media'
  | 'ig_media_list'
  | 'media_publish'
  | 'publishing_limit'
  | 'debug_token'
  | 'node';

/** What a request was recorded as. */
export type GraphRequestRoute = GraphRoute | 'other';

/** Graph's error object, as a fault answers it (fbtrace_id added). */
export interface GraphErrorBody {
  readonly message: string;
  readonly type?: string;
  readonly code: number;
  readonly error_subcode?: number;
  readonly error_user_msg?: string;
  readonly is_transient?: boolean;
}

/**
 * What the fake does with the next request of a route instead of its normal answer:
 * - `error`: answers Graph's error body (HTTP `status`, default 400) with `headers`
 *   (X-Business-Use-Case-Usage…);
 * - `status`: answers `status` with a plain body (a proxy's 502 page);
 * - `drop`: destroys the connection without answering; with `processed` (the
 *   default) after doing the work, as a server whose answer was lost;
 * - `hold`: waits until `release()`, then does the work and answers (if the client is still there);
 * - `pass`: answers normally (to aim the next fault at a later request of the route).
 */
export type GraphFault =
  | {
      readonly kind: 'error';
      readonly error: GraphErrorBody;
      readonly status?: number;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'status'; readonly status: number; readonly body?: string }
  | { readonly kind: 'drop'; readonly processed?: boolean }
  | { readonly kind: 'hold' }
  | { readonly kind: 'pass' };

/** A token the fake knows: a Page access token, for the Page and its Instagram account. */
export interface FakeGraphToken {
  readonly pageId: string;
  /** the Instagram professional account connected to the Page */
  readonly igUserId?: string;
  readonly permissions: readonly string[];
  /** unix seconds; 0: never (a long-lived Page token) */
  readonly expiresAt?: number;
  /** unix seconds when the app's data access lapses; 0: not set */
  readonly dataAccessExpiresAt?: number;
}

/** One post on a Page. */
export interface FakePagePost {
  readonly id: string;
  readonly pageId: string;
  readonly message: string | undefined;
  readonly photoIds: readonly string[];
  readonly permalink: string;
}

/** One photo uploaded to a Page. */
export interface FakePhoto {
  readonly id: string;
  readonly pageId: string;
  readonly url: string;
  readonly caption: string | undefined;
  readonly altText: string | undefined;
  readonly published: boolean;
  /** the post it is part of */
  postId: string | undefined;
}

/** An IG Container's `status_code`. */
export type FakeContainerStatus = 'EXPIRED' | 'ERROR' | 'FINISHED' | 'IN_PROGRESS' | 'PUBLISHED';

/** One Instagram media container. */
export interface FakeContainer {
  readonly id: string;
  readonly igUserId: string;
  readonly mediaType: 'IMAGE' | 'CAROUSEL';
  readonly imageUrl: string | undefined;
  readonly caption: string | undefined;
  readonly altText: string | undefined;
  readonly isCarouselItem: boolean;
  readonly children: readonly string[];
  status: FakeContainerStatus;
  /** looks still to answer IN_PROGRESS */
  pollsLeft: number;
  /** the media it became */
  mediaId: string | undefined;
}

/** One Instagram media (a post). */
export interface FakeMedia {
  readonly id: string;
  readonly igUserId: string;
  readonly caption: string | undefined;
  readonly permalink: string;
  /** ms */
  readonly timestamp: number;
  /** published through the content publishing API (counts against the quota) */
  readonly viaApi: boolean;
  readonly containerId: string | undefined;
}

/** One request that reached the fake, as it crossed the wire. */
export interface ReceivedGraphRequest {
  readonly method: string;
  /** `v25.0`, or '' when the path named none */
  readonly version: string;
  /** the path after the version: `104…/feed` */
  readonly path: string;
  readonly route: GraphRequestRoute;
  /** the request headers, names in lower case */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** the form fields of a POST */
  readonly fields: Readonly<Record<string, string>>;
  /** the access token it carried, from wherever */
  readonly token: string | undefined;
  /** the status answered; 0 when the connection was dropped or the fake closed first */
  status: number;
}

/** Options of a fake Graph. */
export interface FakeGraphOptions {
  /** token → what it is; default FAKE_PAGE_TOKEN for FAKE_PAGE_ID and FAKE_IG_USER_ID with every permission */
  readonly tokens?: Readonly<Record<string, FakeGraphToken>>;
  /** the fake's clock in ms (token expiry, the quota's 24 hours, media timestamps); Date.now by default */
  readonly now?: () => number;
}

/** The Page of the default token. */
export const FAKE_PAGE_ID = '104729380011234';
/** The Instagram professional account connected to it. */
export const FAKE_IG_USER_ID = '17841405822304914';
/** A Page access token as Meta issues them (EAA…). */
export const FAKE_PAGE_TOKEN = 'EAAGm0PX4ZCpsBAFakePageTokenForAraldoTests1234';
/** Every permission the two publishers need. */
export const ALL_PERMISSIONS = [
  'pages_show_list',
  'pages_read_engagement',
  'pages_manage_posts',
  'instagram_basic',
  'instagram_content_publish',
] as const;

const DAY_MS = 86_400_000;

/** Graph's timestamp format: ISO 8601 with a +0000 offset and no milliseconds. */
function graphTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A Graph error answer. */
function graphError(error: GraphErrorBody, status = 400): Answer {
  return {
    status,
    body: { error: { type: 'OAuthException', ...error, fbtrace_id: randomBytes(8).toString('base64url') } },
  };
}

function unsupported(method: string, id: string): Answer {
  return graphError({
    message: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    type: 'GraphMethodException',
    code: 100,
    error_subcode: 33,
  });
}

/**
 * Graph on 127.0.0.1, on a free port: checks tokens and permissions, keeps
 * Page posts and photos, Instagram containers and media, records every
 * request. Event `request` (a ReceivedGraphRequest, once its body arrived).
 */
export class FakeGraph extends EventEmitter {
  /** every request, in arrival order */
  readonly requests: ReceivedGraphRequest[] = [];
  /** every Page post, in order */
  readonly posts: FakePagePost[] = [];
  /** every Page photo, in order */
  readonly photos: FakePhoto[] = [];
  /** every container, in order */
  readonly containers: FakeContainer[] = [];
  /** every Instagram media, in order (seeded ones included) */
  readonly media: FakeMedia[] = [];
  /** how many looks at a new container answer IN_PROGRESS before it is done */
  processingPolls = 0;
  /** what a new container becomes once processed */
  processingEndsIn: 'FINISHED' | 'ERROR' = 'FINISHED';
  /** the `status` of a container in ERROR (a subcode from reference/error-codes) */
  errorStatus = 'Error: The media could not be fetched from this URI (2207052)';
  /** the account's quota of API publications per 24 hours (the guide's figure) */
  quotaTotal = 100;
  readonly #http: LoopbackHttp;
  readonly #faults: FaultQueue<GraphRoute, GraphFault>;
  readonly #tokens: Map<string, FakeGraphToken & { state: 'valid' | 'revoked' | 'expired' }>;
  readonly #now: () => number;
  #nextId = 0;

  private constructor(options: FakeGraphOptions) {
    super();
    this.#now = options.now ?? Date.now;
    const tokens = options.tokens ?? {
      [FAKE_PAGE_TOKEN]: {
        pageId: FAKE_PAGE_ID,
        igUserId: FAKE_IG_USER_ID,
        permissions: ALL_PERMISSIONS,
        expiresAt: 0,
        dataAccessExpiresAt: Math.floor((this.#now() + 90 * DAY_MS) / 1000),
      },
    };
    this.#tokens = new Map(
      Object.entries(tokens).map(([token, spec]) => [token, { ...spec, state: 'valid' }]),
    );
    this.#http = new LoopbackHttp((exchange) => this.#handle(exchange), {
      json: { 'content-type': 'application/json; charset=UTF-8' },
      text: { 'content-type': 'text/html; charset=utf-8' },
    });
    this.#faults = new FaultQueue(this.#http);
  }

  /** Starts a fake on 127.0.0.1, port 0. */
  static async start(options: FakeGraphOptions = {}): Promise<FakeGraph> {
    const fake = new FakeGraph(options);
    await fake.#http.listen();
    return fake;
  }

  /** the fake's address, a target's `baseUrl`: `http://127.0.0.1:<port>` */
  get url(): string {
    return this.#http.url;
  }

  /** the requests of one route, in order */
  requestsTo(route: GraphRequestRoute): ReceivedGraphRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  /** the next requests of `route` meet these faults, one each, in order */
  failNext(route: GraphRoute, ...faults: GraphFault[]): void {
    this.#faults.add(route, faults);
  }

  /** answers the requests a `hold` fault is keeping */
  release(): void {
    this.#http.release();
  }

  /** the token answers 190/463 (expired) from now on */
  expire(token: string): void {
    const spec = this.#tokens.get(token);
    if (spec) spec.state = 'expired';
  }

  /** the token answers 190/460 (invalidated) from now on */
  revoke(token: string): void {
    const spec = this.#tokens.get(token);
    if (spec) spec.state = 'revoked';
  }

  /** puts a container in a state, as time or Instagram would (EXPIRED after 24 hours, ERROR) */
  setContainerStatus(id: string, status: FakeContainerStatus): void {
    const container = this.containers.find((c) => c.id === id);
    if (!container) throw new Error(`no container ${id}`);
    container.status = status;
    container.pollsLeft = 0;
  }

  /** adds a post the account made earlier (`viaApi`: through the API, counting against the quota) */
  seedMedia(igUserId: string, post: { caption?: string; timestamp: number; viaApi?: boolean }): FakeMedia {
    const media = this.#newMedia(igUserId, post.caption, post.timestamp, post.viaApi ?? true, undefined);
    this.media.push(media);
    return media;
  }

  /** the API publications of `igUserId` in the 24 hours before now, as content_publishing_limit counts them */
  quotaUsage(igUserId: string): number {
    const now = this.#now();
    return this.media.filter(
      (m) => m.igUserId === igUserId && m.viaApi && m.timestamp > now - DAY_MS && m.timestamp <= now,
    ).length;
  }

  /** resolves once `count` requests of `route` (any route when absent) have arrived */
  waitForRequests(count: number, route?: GraphRequestRoute): Promise<readonly ReceivedGraphRequest[]> {
    const matching = () => (route === undefined ? this.requests : this.requestsTo(route));
    return waitForCount(this, 'request', matching, count);
  }

  /** stops listening and cuts every open connection */
  async close(): Promise<void> {
    await this.#http.close();
  }

  async #handle(exchange: Exchange): Promise<void> {
    const { method, headers } = exchange;
    const url = new URL(exchange.request.url ?? '/', 'http://fake.invalid');
    const versioned = /^\/(v\d+\.\d+)\/(.*)$/.exec(url.pathname);
    const version = versioned?.[1] ?? '';
    const path = versioned?.[2] ?? url.pathname.replace(/^\//, '');
    const query = Object.fromEntries(url.searchParams);
    const fields =
      method === 'POST' ? Object.fromEntries(new URLSearchParams(exchange.raw.toString('utf8'))) : {};
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    const token = bearer ?? query.access_token ?? fields.access_token;
    const route = versioned ? routeOf(method, path) : 'other';
    const received: ReceivedGraphRequest = {
      method,
      version,
      path,
      route,
      headers,
      query,
      fields,
      token,
      status: 0,
    };
    exchange.track(received);
    this.requests.push(received);
    this.emit('request', received);

    const send = (answer: Answer) => exchange.reply(answer.status, answer.body, answer.headers);

    if (route === 'other') {
      return send(
        graphError({ message: `Unknown path components: /${path}`, code: 2500 }, versioned ? 400 : 404),
      );
    }
    const fault = await this.#faults.take(route);
    if (fault?.kind === 'error') {
      const answer = graphError(fault.error, fault.status ?? 400);
      return send({ ...answer, ...(fault.headers ? { headers: fault.headers } : {}) });
    }
    if (fault?.kind === 'status') return send({ status: fault.status, body: fault.body ?? '' });
    // Graph does a request's work as it answers: a drop before processing cuts the connection first.
    if (fault?.kind === 'drop' && fault.processed === false) return exchange.drop();
    const answer = this.#answer(route, method, path, query, fields, token);
    if (exchange.settle(fault)) send(answer);
  }

  #answer(
    route: GraphRoute,
    method: string,
    path: string,
    query: Record<string, string>,
    fields: Record<string, string>,
    token: string | undefined,
  ): Answer {
    if (token === undefined || token === '') {
      return graphError({ message: 'An access token is required to request this resource.', code: 104 });
    }
    const spec = this.#tokens.get(token);
    if (!spec)
      return graphError({ message: 'Invalid OAuth access token - Cannot parse access token', code: 190 });
    const now = this.#now();
    if (
      spec.state === 'expired' ||
      (spec.expiresAt !== undefined && spec.expiresAt > 0 && spec.expiresAt * 1000 <= now)
    ) {
      const at = new Date(spec.expiresAt ? spec.expiresAt * 1000 : now - 3_600_000).toUTCString();
      return graphError({
        message: `Error validating access token: Session has expired on ${at}. The current time is ${new Date(now).toUTCString()}.`,
        code: 190,
        error_subcode: 463,
      });
    }
    if (spec.state === 'revoked') {
      return graphError({
        message:
          'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
        code: 190,
        error_subcode: 460,
      });
    }
    const [objectId = ''] = path.split('/');
    switch (route) {
      case 'debug_token':
        return this.#debugToken(query.input_token);
      case 'feed':
      case 'photos':
        if (objectId !== spec.pageId) return unsupported(method, objectId);
        if (
          !spec.permissions.includes('pages_manage_posts') ||
          !spec.permissions.includes('pages_read_engagement')
        ) {
          return graphError(
            {
              message:
                '(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission',
              code: 200,
            },
            403,
          );
        }
        return route === 'feed' ? this.#feed(spec.pageId, fields) : this.#photo(spec.pageId, fields);
      case 'ig_media':
      case 'media_publish':
      case 'ig_media_list':
      case 'publishing_limit':
        if (objectId !== spec.igUserId) return unsupported(method, objectId);
        if (route === 'ig_media_list') return this.#mediaList(spec.igUserId, query);
        if (route === 'publishing_limit') return this.#publishingLimit(spec.igUserId, query);
        if (!spec.permissions.includes('instagram_content_publish')) {
          return graphError({
            message: '(#10) Application does not have permission for this action',
            code: 10,
          });
        }
        return route === 'ig_media'
          ? this.#container(spec.igUserId, fields)
          : this.#publish(spec.igUserId, fields);
      case 'node':
        return this.#node(spec, objectId, query);
    }
  }

  #debugToken(input: string | undefined): Answer {
    if (input === undefined) {
      return graphError({ message: '(#100) The parameter input_token is required', code: 100 });
    }
    const spec = this.#tokens.get(input);
    if (!spec) {
      return {
        status: 200,
        body: {
          data: { error: { code: 190, message: 'Invalid OAuth access token.' }, is_valid: false, scopes: [] },
        },
      };
    }
    return {
      status: 200,
      body: {
        data: {
          app_id: '1234567890123456',
          type: 'PAGE',
          application: 'Araldo Comune',
          data_access_expires_at: spec.dataAccessExpiresAt ?? 0,
          expires_at: spec.expiresAt ?? 0,
          is_valid: true,
          issued_at: Math.floor(this.#now() / 1000) - 86_400,
          profile_id: spec.pageId,
          scopes: spec.permissions,
          granular_scopes: spec.permissions.map((scope) => ({ scope })),
          user_id: '10215241773831025',
        },
      },
    };
  }

  #feed(pageId: string, fields: Record<string, string>): Answer {
    const attached: string[] = [];
    for (const [name, value] of Object.entries(fields)) {
      if (!/^attached_media\[\d+\]$/.test(name)) continue;
      let fbid: unknown;
      try {
        fbid = (JSON.parse(value) as { media_fbid?: unknown }).media_fbid;
      } catch {
        fbid = undefined;
      }
      const photo = this.photos.find(
        (p) => p.id === fbid && p.pageId === pageId && !p.published && !p.postId,
      );
      if (!photo) return graphError({ message: `(#100) param ${name} has invalid media_fbid`, code: 100 });
      attached.push(photo.id);
    }
    const message = fields.message;
    if ((message === undefined || message === '') && attached.length === 0) {
      return graphError({ message: '(#100) Missing message or attachment', code: 100 });
    }
    const previous = this.posts.filter((p) => p.pageId === pageId).at(-1);
    if (
      message !== undefined &&
      previous?.message === message &&
      attached.length === 0 &&
      previous.photoIds.length === 0
    ) {
      return graphError({ message: '(#506) Duplicate status message', code: 506 });
    }
    const post = this.#newPost(pageId, message, attached);
    for (const id of attached) {
      const photo = this.photos.find((p) => p.id === id);
      if (photo) photo.postId = post.id;
    }
    return { status: 200, body: { id: post.id } };
  }

  #photo(pageId: string, fields: Record<string, string>): Answer {
    const url = fields.url;
    if (url === undefined || url === '')
      return graphError({ message: '(#324) Requires upload file', code: 324 });
    if (!/^https?:\/\//.test(url))
      return graphError({ message: '(#324) Missing or invalid image file', code: 324 });
    const published = fields.published !== 'false';
    const photo: FakePhoto = {
      id: this.#newId(),
      pageId,
      url,
      caption: fields.caption,
      altText: fields.alt_text_custom,
      published,
      postId: undefined,
    };
    this.photos.push(photo);
    if (!published) return { status: 200, body: { id: photo.id } };
    const post = this.#newPost(pageId, fields.caption, [photo.id]);
    photo.postId = post.id;
    return { status: 200, body: { id: photo.id, post_id: post.id } };
  }

  #container(igUserId: string, fields: Record<string, string>): Answer {
    const carousel = fields.media_type === 'CAROUSEL';
    const children = carousel ? (fields.children ?? '').split(',').filter((id) => id !== '') : [];
    if (carousel) {
      if (children.length < 2 || children.length > 10) {
        return graphError({ message: '(#100) A carousel holds 2 to 10 children', code: 100 });
      }
      for (const id of children) {
        const child = this.containers.find((c) => c.id === id && c.igUserId === igUserId && c.isCarouselItem);
        if (!child) return graphError({ message: `(#100) Invalid child ${id}`, code: 100 });
        if (child.status !== 'FINISHED') {
          return graphError({
            message: 'Media ID is not available',
            code: 9007,
            error_subcode: 2207027,
            error_user_msg: 'The media is not ready for publishing, please wait for a moment',
          });
        }
      }
    } else if (fields.image_url === undefined || fields.image_url === '') {
      return graphError({ message: '(#100) The parameter image_url is required', code: 100 });
    }
    const container: FakeContainer = {
      id: this.#newId(),
      igUserId,
      mediaType: carousel ? 'CAROUSEL' : 'IMAGE',
      imageUrl: fields.image_url,
      caption: fields.caption,
      altText: fields.alt_text,
      isCarouselItem: fields.is_carousel_item === 'true',
      children,
      status: 'IN_PROGRESS',
      pollsLeft: this.processingPolls,
      mediaId: undefined,
    };
    this.containers.push(container);
    if (container.pollsLeft === 0) container.status = this.processingEndsIn;
    return { status: 200, body: { id: container.id } };
  }

  #publish(igUserId: string, fields: Record<string, string>): Answer {
    const container = this.containers.find((c) => c.id === fields.creation_id && c.igUserId === igUserId);
    if (!container || container.isCarouselItem) return unsupported('POST', fields.creation_id ?? '');
    switch (container.status) {
      case 'IN_PROGRESS':
        return graphError({
          message: 'Media ID is not available',
          code: 9007,
          error_subcode: 2207027,
          error_user_msg: 'The media is not ready for publishing, please wait for a moment',
        });
      case 'EXPIRED':
        return graphError({
          message: 'The media you are trying to access has expired. Please try to upload again.',
          code: -2,
          error_subcode: 2207020,
        });
      case 'ERROR':
        return graphError({
          message: 'Create media fail, please try to re-create media',
          code: -1,
          error_subcode: 2207032,
        });
      case 'PUBLISHED':
        return graphError({ message: '(#100) The media container has already been published', code: 100 });
      case 'FINISHED':
        break;
    }
    if (this.quotaUsage(igUserId) >= this.quotaTotal) {
      return graphError({
        message: 'Application request limit reached',
        code: 9,
        error_subcode: 2207042,
        error_user_msg:
          'You reached maximum number of posts that is allowed to be published by Content Publishing API.',
      });
    }
    const media = this.#newMedia(igUserId, container.caption, this.#now(), true, container.id);
    this.media.push(media);
    container.status = 'PUBLISHED';
    container.mediaId = media.id;
    return { status: 200, body: { id: media.id } };
  }

  #mediaList(igUserId: string, query: Record<string, string>): Answer {
    const wanted = (query.fields ?? 'id').split(',');
    const limit = Math.min(Number(query.limit ?? 25) || 25, 100);
    const data = this.media
      .filter((m) => m.igUserId === igUserId)
      .sort((a, b) => b.timestamp - a.timestamp)
      .slice(0, limit)
      .map((m) =>
        pick(
          { id: m.id, caption: m.caption, permalink: m.permalink, timestamp: graphTime(m.timestamp) },
          wanted,
        ),
      );
    return { status: 200, body: { data, paging: { cursors: { before: 'QVFIU0', after: 'QVFIU1' } } } };
  }

  #publishingLimit(igUserId: string, query: Record<string, string>): Answer {
    const wanted = (query.fields ?? 'quota_usage').split(',');
    const entry = pick(
      {
        quota_usage: this.quotaUsage(igUserId),
        config: { quota_total: this.quotaTotal, quota_duration: 86_400 },
      },
      wanted,
    );
    return { status: 200, body: { data: [entry] } };
  }

  #node(spec: FakeGraphToken, id: string, query: Record<string, string>): Answer {
    const wanted = (query.fields ?? 'id').split(',');
    const container = this.containers.find((c) => c.id === id && c.igUserId === spec.igUserId);
    if (container) {
      if (container.status === 'IN_PROGRESS') {
        if (container.pollsLeft > 0) container.pollsLeft -= 1;
        else container.status = this.processingEndsIn;
      }
      const status =
        container.status === 'ERROR'
          ? this.errorStatus
          : container.status === 'FINISHED'
            ? 'Finished: Media has been uploaded and it is ready to be published.'
            : container.status;
      return { status: 200, body: pick({ id, status_code: container.status, status }, wanted) };
    }
    const media = this.media.find((m) => m.id === id && m.igUserId === spec.igUserId);
    if (media) {
      return {
        status: 200,
        body: pick(
          { id, permalink: media.permalink, caption: media.caption, timestamp: graphTime(media.timestamp) },
          wanted,
        ),
      };
    }
    const post = this.posts.find((p) => p.id === id && p.pageId === spec.pageId);
    if (post)
      return {
        status: 200,
        body: pick({ id, permalink_url: post.permalink, message: post.message }, wanted),
      };
    return unsupported('GET', id);
  }

  #newPost(pageId: string, message: string | undefined, photoIds: readonly string[]): FakePagePost {
    const storyId = this.#newId();
    const post: FakePagePost = {
      id: `${pageId}_${storyId}`,
      pageId,
      message,
      photoIds,
      permalink: `https://www.facebook.com/permalink.php?story_fbid=${storyId}&id=${pageId}`,
    };
    this.posts.push(post);
    return post;
  }

  #newMedia(
    igUserId: string,
    caption: string | undefined,
    timestamp: number,
    viaApi: boolean,
    containerId: string | undefined,
  ): FakeMedia {
    const id = this.#newId();
    const shortcode = Buffer.from(id).toString('base64url').slice(0, 11);
    return {
      id,
      igUserId,
      caption,
      permalink: `https://www.instagram.com/p/${shortcode}/`,
      timestamp,
      viaApi,
      containerId,
    };
  }

  #newId(): string {
    this.#nextId += 1;
    return String(17_900_000_000_000_000n + BigInt(this.#nextId));
  }
}

/** Only the fields asked for (Graph answers `id` and the named fields). */
function pick(object: Readonly<Record<string, unknown>>, wanted: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).filter(
      ([name, value]) => (name === 'id' || wanted.includes(name)) && value !== undefined,
    ),
  );
}

function routeOf(method: string, path: string): GraphRequestRoute {
  if (method === 'GET' && path === 'debug_token') return 'debug_token';
  if (method === 'POST' && /^\d+\/feed$/.test(path)) return 'feed';
  if (method === 'POST' && /^\d+\/photos$/.test(path)) return 'photos';
  if (method === 'POST' && /^\d+\/media$/.test(path)) return 'ig_media';
  if (method === 'GET' && /^\d+\/media$/.test(path)) return 'ig_media_list';
  if (method === 'POST' && /^\d+\/media_publish$/.test(path)) return 'media_publish';
  if (method === 'GET' && /^\d+\/content_publishing_limit$/.test(path)) return 'publishing_limit';
  if (method === 'GET' && /^[\d_]+$/.test(path)) return 'node';
  return 'other';
}
