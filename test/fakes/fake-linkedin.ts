import { EventEmitter } from 'node:events';
import {
  type Exchange,
  FaultQueue,
  imageTypeOf,
  LoopbackHttp,
  parseFields,
  TestImages,
  waitForCount,
} from './loopback-http.ts';

export { TINY_JPEG, TINY_PNG } from './loopback-http.ts';

// LinkedIn on 127.0.0.1, as far as a publisher of organization posts sees it:
// the versioned REST API (Images API and Posts API), the upload addresses the
// Images API hands out, the OAuth host's token introspection, and a plain web
// server for the images a post links (GET /images/<name>). Written from
// learn.microsoft.com/linkedin (posts-api, images-api, multiimage-post-api,
// little-text-format, versioning, error-handling, rate-limits,
// token-introspection), independently of Araldo's publisher:
// - every REST call needs `Authorization: Bearer <token>`: an unknown token
//   answers 401 {"status":401,"serviceErrorCode":65600,"code":"INVALID_ACCESS_TOKEN",
//   "message":"Invalid access token"}, a revoked one 65601 REVOKED_ACCESS_TOKEN
//   "The token used in the request has been revoked by the user", an expired one
//   65602 EXPIRED_ACCESS_TOKEN "The token used in the request has expired";
// - `LinkedIn-Version: YYYYMM`: absent → 400 VERSION_MISSING, not an active
//   version → 426 NONEXISTENT_VERSION "Requested version … is not active";
// - `X-Restli-Protocol-Version: 2.0.0`: absent or other → 400 (this wording is
//   the fake's own: LinkedIn documents the header as required, not its refusal);
// - a token without w_organization_social, or acting for a page its member does
//   not administer → 403 {"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED",
//   "message":"Not enough permissions to access: …"};
// - POST /rest/images?action=initializeUpload {initializeUploadRequest: {owner}}
//   → 200 {value: {uploadUrlExpiresAt, uploadUrl, image: "urn:li:image:…"}};
//   the bytes go by PUT to uploadUrl (with the token), 201; only JPEG, PNG and GIF;
// - POST /rest/posts: required fields missing → 422 "ERROR :: /<field> :: field
//   is required but not found and has no default value" (Rest.li's validation
//   wording); an image never uploaded, or not the author's → 422; a multiImage
//   of fewer than 2 or more than 20 → 422; the same author, commentary and
//   content as an earlier post → 422 "Content is a duplicate of <urn>"; else 201
//   with the new post's URN in `x-restli-id` (urn:li:share:… or, for several
//   images, urn:li:ugcPost:…) and no body. The commentary is read as little
//   text: escapes undone, `#tag` and `{hashtag|\#|tag}` hashtags, `@[name](urn)`
//   mentions; an unescaped reserved character that opens no element cuts the
//   post there, which LinkedIn does without an error (`truncated` records it);
//   the text so read over 3000 characters → 422 (wording the fake's own);
// - a quota spent → 429 {"status":429,"message":"Resource level throttle
//   APPLICATION DAY limit for calls to this resource is reached."}, no Retry-After;
// - POST /oauth/v2/introspectToken (form client_id, client_secret, token): an
//   unknown client id or token → 400, a wrong secret → 401 (OAuth's
//   {"error","error_description"} bodies), else 200 {active, status, expires_at,
//   created_at, authorized_at, client_id, scope, auth_type: "3L"}.
// Any other path answers 404 {"status":404,"message":"Not Found"}.

/** The calls a fault may be aimed at. */
export type LinkedinRoute = 'image_init' | 'image_upload' | 'post' | 'introspect';

/** The routes a request may be recorded under. */
export type LinkedinRequestRoute = LinkedinRoute | 'image' | 'other';

/**
 * What LinkedIn does with the next request of a route instead of its normal
 * answer (after reading it whole, before any check):
 * - `status`: answers that status with `body` (JSON when an object) and `headers`;
 * - `rate_limited`: 429 as LinkedIn writes it, with `retryAfter` as Retry-After when given;
 * - `hold`: waits until `release()` (or close), then handles the request normally;
 * - `drop`: destroys the connection without answering; with `processed` (the default)
 *   after doing the work (a post made), as a server whose answer was lost.
 */
export type LinkedinFault =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body?: string | Record<string, unknown>;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'rate_limited'; readonly retryAfter?: string }
  | { readonly kind: 'hold' }
  | { readonly kind: 'drop'; readonly processed?: boolean };

/** A token LinkedIn knows: the member it acts for, what it may do, its life. */
export interface FakeLinkedinToken {
  /** the organizations (ids) whose page the member administers */
  readonly organizations: readonly string[];
  /** OAuth scopes: `w_organization_social`, `r_organization_social`… */
  readonly scopes: readonly string[];
  /** when it expires, epoch seconds; default 60 days after the fake's now at start */
  expiresAt?: number;
  state?: 'active' | 'revoked';
}

/** One image registered with initializeUpload. */
export interface FakeLinkedinImage {
  readonly urn: string;
  readonly owner: string;
  readonly uploadPath: string;
  /** the bytes' type once PUT; undefined until then */
  uploadedType: string | undefined;
  size: number;
}

/** One post LinkedIn made. */
export interface FakeLinkedinPost {
  readonly urn: string;
  readonly author: string;
  /** the commentary as sent (little text) */
  readonly commentary: string;
  /** what readers see: the commentary read as little text */
  readonly text: string;
  /** the hashtags it carries, without `#` */
  readonly hashtags: readonly string[];
  /** true when an unescaped reserved character cut the text short */
  readonly truncated: boolean;
  /** the images, with their alt text, in order */
  readonly images: readonly { readonly id: string; readonly altText: string | undefined }[];
  readonly body: Readonly<Record<string, unknown>>;
  readonly version: string;
}

/** One request that reached the fake, as it crossed the wire. */
export interface ReceivedLinkedinRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly route: LinkedinRequestRoute;
  /** the request headers, names in lower case */
  readonly headers: Readonly<Record<string, string>>;
  /** a JSON body parsed, a form's fields, or for an upload {size} */
  readonly body: Readonly<Record<string, unknown>>;
  /** the status answered; 0 when the connection was dropped or the fake closed first */
  status: number;
}

/** Options of a fake LinkedIn. */
export interface FakeLinkedinOptions {
  /** token → what it is; default FAKE_LINKEDIN_TOKEN for FAKE_ORGANIZATION_ID with w_organization_social */
  readonly tokens?: Readonly<Record<string, FakeLinkedinToken>>;
  /** the versions LinkedIn serves; default FAKE_ACTIVE_VERSIONS */
  readonly activeVersions?: readonly string[];
  /** the application's client id and secret, for introspection */
  readonly client?: { readonly id: string; readonly secret: string };
  /** the fake's clock, in ms (token expiry); Date.now by default */
  readonly now?: () => number;
}

/** The default token of a fake LinkedIn, for an administrator of FAKE_ORGANIZATION_ID. */
export const FAKE_LINKEDIN_TOKEN = 'AQV-token-comune';
/** The organization the default token administers. */
export const FAKE_ORGANIZATION_ID = '2414183';
/** The default application's client id and secret. */
export const FAKE_CLIENT = { id: '86araldo', secret: 'WPL_AP1.secret.araldo' } as const;
/** The versions a fake LinkedIn serves when its options say nothing. */
export const FAKE_ACTIVE_VERSIONS: readonly string[] = ['202605', '202608', '202611'];

const ORGANIZATION_PERMISSION = 'w_organization_social';
const MAX_COMMENTARY = 3000;
const RESERVED = new Set(['|', '{', '}', '@', '[', ']', '(', ')', '<', '>', '#', '\\', '*', '_', '~']);
const WORD = /[\p{L}\p{M}\p{N}]/u;

/** What readers see of a little-text commentary, as LinkedIn reads it. */
export interface ReadLittleText {
  readonly text: string;
  readonly hashtags: readonly string[];
  readonly truncated: boolean;
}

/**
 * Reads `commentary` as LinkedIn's little text: `\x` is x, `#word` and
 * `{hashtag|#|word}` (sign `#`, `\#` or `＃`) are hashtags, `@[name](urn)` a
 * mention shown as its name; any other unescaped reserved character ends the
 * text there.
 */
export function readLittleText(commentary: string): ReadLittleText {
  const chars = [...commentary];
  const hashtags: string[] = [];
  let text = '';
  let i = 0;
  const cut = (): ReadLittleText => ({ text, hashtags, truncated: true });
  const readWord = (from: number): string => {
    let word = '';
    for (let j = from; j < chars.length && WORD.test(chars[j] ?? ''); j += 1) word += chars[j];
    return word;
  };
  while (i < chars.length) {
    const c = chars[i] ?? '';
    if (c === '\\') {
      const next = chars[i + 1];
      if (next === undefined) return cut();
      text += next;
      i += 2;
      continue;
    }
    if (c === '{') {
      const rest = chars.slice(i).join('');
      const template = /^\{hashtag\|(\\#|#|＃)\|([\p{L}\p{M}\p{N}]+)\}/u.exec(rest);
      if (!template) return cut();
      const tag = template[2] ?? '';
      hashtags.push(tag);
      text += `#${tag}`;
      i += [...template[0]].length;
      continue;
    }
    if (c === '#') {
      const tag = readWord(i + 1);
      if (tag === '') return cut();
      hashtags.push(tag);
      text += `#${tag}`;
      i += 1 + [...tag].length;
      continue;
    }
    if (c === '@') {
      const mention = /^@\[([^\]]+)\]\((urn:li:[a-zA-Z]+:[\w-]+)\)/.exec(chars.slice(i).join(''));
      if (!mention) return cut();
      text += mention[1] ?? '';
      i += [...mention[0]].length;
      continue;
    }
    if (RESERVED.has(c)) return cut();
    text += c;
    i += 1;
  }
  return { text, hashtags, truncated: false };
}

function routeOf(method: string, path: string, query: string): LinkedinRequestRoute {
  if (method === 'POST' && path === '/rest/images' && /(^|&)action=initializeUpload(&|$)/.test(query)) {
    return 'image_init';
  }
  if (method === 'PUT' && path.startsWith('/dms-uploads/')) return 'image_upload';
  if (method === 'POST' && path === '/rest/posts') return 'post';
  if (method === 'POST' && path === '/oauth/v2/introspectToken') return 'introspect';
  if (method === 'GET' && path.startsWith('/images/')) return 'image';
  return 'other';
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a request did, waiting to be kept (or lost, for a drop before processing). */
interface Pending {
  readonly answer: Answer;
  readonly image?: FakeLinkedinImage;
  readonly uploaded?: { readonly image: FakeLinkedinImage; readonly type: string; readonly size: number };
  readonly post?: FakeLinkedinPost;
}

const error = (status: number, message: string, extra: Record<string, unknown> = {}): Answer => ({
  status,
  body: { status, ...extra, message },
});

/**
 * LinkedIn on 127.0.0.1, on a free port: checks tokens, versions and
 * permissions, registers and stores images, makes posts, refuses duplicates,
 * introspects tokens, records every request, serves test images. Events:
 * `request` (a ReceivedLinkedinRequest, once its body arrived) and `post`
 * (a FakeLinkedinPost, once made).
 */
export class FakeLinkedin extends EventEmitter {
  /** every request, in arrival order */
  readonly requests: ReceivedLinkedinRequest[] = [];
  /** every post made, in order */
  readonly posts: FakeLinkedinPost[] = [];
  /** every image registered, by URN */
  readonly images = new Map<string, FakeLinkedinImage>();
  readonly #http: LoopbackHttp;
  readonly #faults: FaultQueue<LinkedinRoute, LinkedinFault>;
  readonly #tokens: Map<string, FakeLinkedinToken>;
  readonly #versions: readonly string[];
  readonly #client: { readonly id: string; readonly secret: string };
  readonly #now: () => number;
  readonly #testImages = new TestImages();
  #nextId = 7_300_000_000_000_000_000n;

  private constructor(options: FakeLinkedinOptions) {
    super();
    this.#now = options.now ?? Date.now;
    const sixtyDays = Math.floor(this.#now() / 1000) + 60 * 86_400;
    const tokens = options.tokens ?? {
      [FAKE_LINKEDIN_TOKEN]: { organizations: [FAKE_ORGANIZATION_ID], scopes: [ORGANIZATION_PERMISSION] },
    };
    this.#tokens = new Map(
      Object.entries(tokens).map(([token, spec]) => [
        token,
        { ...spec, expiresAt: spec.expiresAt ?? sixtyDays, state: spec.state ?? 'active' },
      ]),
    );
    this.#versions = options.activeVersions ?? FAKE_ACTIVE_VERSIONS;
    this.#client = options.client ?? FAKE_CLIENT;
    this.#http = new LoopbackHttp((exchange) => this.#handle(exchange));
    this.#faults = new FaultQueue(this.#http);
  }

  /** Starts a fake LinkedIn on 127.0.0.1, port 0. */
  static async start(options: FakeLinkedinOptions = {}): Promise<FakeLinkedin> {
    const fake = new FakeLinkedin(options);
    await fake.#http.listen();
    return fake;
  }

  /** the fake's address, a target's `baseUrl`: `http://127.0.0.1:<port>` */
  get url(): string {
    return this.#http.url;
  }

  /** the requests of one route, in order */
  requestsTo(route: LinkedinRequestRoute): ReceivedLinkedinRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  /** Serves `bytes` at /images/<name> and returns that URL; `status` other than 200 answers it with no image. */
  serveImage(name: string, bytes: Buffer, options: { contentType?: string; status?: number } = {}): string {
    return `${this.url}${this.#testImages.add(name, bytes, options)}`;
  }

  /** the next requests of `route` meet these faults, one each, in order */
  failNext(route: LinkedinRoute, ...faults: LinkedinFault[]): void {
    this.#faults.add(route, faults);
  }

  /** the token, as LinkedIn holds it: change `state` or `expiresAt` to revoke or expire it */
  token(token: string): FakeLinkedinToken {
    const spec = this.#tokens.get(token);
    if (!spec) throw new Error(`the fake knows no token ${token}`);
    return spec;
  }

  /** answers the requests a `hold` fault is keeping */
  release(): void {
    this.#http.release();
  }

  /** resolves once `count` requests of `route` have arrived */
  waitForRequests(count: number, route: LinkedinRequestRoute): Promise<readonly ReceivedLinkedinRequest[]> {
    return waitForCount(this, 'request', () => this.requestsTo(route), count);
  }

  /** resolves once LinkedIn has made `count` posts in all (a held request's work included) */
  waitForPosts(count: number): Promise<readonly FakeLinkedinPost[]> {
    return waitForCount(this, 'post', () => this.posts, count);
  }

  /** stops listening and cuts every open connection */
  async close(): Promise<void> {
    await this.#http.close();
  }

  async #handle(exchange: Exchange): Promise<void> {
    const { method, path, query, headers, raw } = exchange;
    const route = routeOf(method, path, query);
    const received: ReceivedLinkedinRequest = {
      method,
      path,
      query,
      route,
      headers,
      body: route === 'image_upload' ? { size: raw.length } : parseFields(headers['content-type'], raw),
      status: 0,
    };
    exchange.track(received);
    this.requests.push(received);
    this.emit('request', received);

    const send = (answer: Answer) => exchange.reply(answer.status, answer.body, answer.headers);

    if (route === 'image') return this.#testImages.serve(exchange);
    if (route === 'other') return send(error(404, 'Not Found'));

    const fault = await this.#faults.take(route);
    if (fault?.kind === 'status') {
      return send({ status: fault.status, body: fault.body ?? '', headers: { ...fault.headers } });
    }
    if (fault?.kind === 'rate_limited') {
      return send({
        ...error(429, 'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.'),
        headers: fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter },
      });
    }
    const pending = this.#answer(route, headers, received.body, raw, path);
    if (exchange.settle(fault, () => this.#keep(pending))) send(pending.answer);
  }

  /** What a request does and answers; its work is kept only by `#keep` (a drop may lose it). */
  #answer(
    route: LinkedinRoute,
    headers: Readonly<Record<string, string>>,
    body: Readonly<Record<string, unknown>>,
    raw: Buffer,
    path: string,
  ): Pending {
    if (route === 'introspect') return { answer: this.#introspect(body) };
    const auth = /^Bearer (.+)$/.exec(headers.authorization ?? '');
    const token = auth ? this.#tokens.get(auth[1] ?? '') : undefined;
    if (!token) {
      return {
        answer: error(401, 'Invalid access token', { serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN' }),
      };
    }
    if (token.state === 'revoked') {
      return {
        answer: error(401, 'The token used in the request has been revoked by the user', {
          serviceErrorCode: 65601,
          code: 'REVOKED_ACCESS_TOKEN',
        }),
      };
    }
    if ((token.expiresAt ?? 0) * 1000 <= this.#now()) {
      return {
        answer: error(401, 'The token used in the request has expired', {
          serviceErrorCode: 65602,
          code: 'EXPIRED_ACCESS_TOKEN',
        }),
      };
    }
    if (route === 'image_upload') return this.#upload(path, raw);

    const version = headers['linkedin-version'];
    if (version === undefined || version.trim() === '') {
      return {
        answer: error(
          400,
          'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
          { code: 'VERSION_MISSING' },
        ),
      };
    }
    if (!this.#versions.includes(version)) {
      return {
        answer: error(426, `Requested version ${version} is not active`, { code: 'NONEXISTENT_VERSION' }),
      };
    }
    if (headers['x-restli-protocol-version'] !== '2.0.0') {
      return { answer: error(400, 'This API requires the header X-Restli-Protocol-Version: 2.0.0') };
    }
    const denied = (resource: string): Pending => ({
      answer: error(403, `Not enough permissions to access: ${resource}.${version}`, {
        serviceErrorCode: 100,
        code: 'ACCESS_DENIED',
      }),
    });
    const administers = (urn: unknown) =>
      typeof urn === 'string' &&
      token.organizations.some((organization) => urn === `urn:li:organization:${organization}`);
    if (!token.scopes.includes(ORGANIZATION_PERMISSION)) {
      return denied(route === 'post' ? 'partnerApiPostsExternal.CREATE' : 'images.ACTION');
    }

    if (route === 'image_init') {
      const owner = (body.initializeUploadRequest as { owner?: unknown } | undefined)?.owner;
      if (owner === undefined) {
        return { answer: error(422, requiredField('/initializeUploadRequest/owner')) };
      }
      if (!administers(owner)) return denied('images.ACTION');
      const id = `D4E10AQ${this.#newId()}`;
      const image: FakeLinkedinImage = {
        urn: `urn:li:image:${id}`,
        owner: String(owner),
        uploadPath: `/dms-uploads/${id}/uploaded-image/0`,
        uploadedType: undefined,
        size: 0,
      };
      return {
        answer: {
          status: 200,
          body: {
            value: {
              uploadUrlExpiresAt: this.#now() + 86_400_000,
              uploadUrl: `${this.url}${image.uploadPath}`,
              image: image.urn,
            },
          },
        },
        image,
      };
    }
    return this.#post(body, version, administers, denied);
  }

  #upload(path: string, raw: Buffer): Pending {
    const image = [...this.images.values()].find((candidate) => candidate.uploadPath === path);
    if (!image) return { answer: error(404, 'Not Found') };
    const type = imageTypeOf(raw);
    // The Images API takes JPEG, PNG and GIF; not WebP.
    if (type === undefined || type === 'image/webp')
      return { answer: error(400, 'The uploaded file is not a JPG, PNG or GIF image') };
    return { answer: { status: 201 }, uploaded: { image, type, size: raw.length } };
  }

  #post(
    body: Readonly<Record<string, unknown>>,
    version: string,
    administers: (urn: unknown) => boolean,
    denied: (resource: string) => Pending,
  ): Pending {
    const refuse = (message: string): Pending => ({ answer: error(422, message) });
    for (const field of ['author', 'commentary', 'visibility', 'distribution', 'lifecycleState']) {
      if (body[field] === undefined) return refuse(requiredField(`/${field}`));
    }
    const distribution = body.distribution as Record<string, unknown>;
    if (distribution.feedDistribution === undefined)
      return refuse(requiredField('/distribution/feedDistribution'));
    if (!administers(body.author)) return denied('partnerApiPostsExternal.CREATE');
    const author = String(body.author);

    const content = body.content as
      | { media?: { id?: unknown; altText?: unknown }; multiImage?: { images?: unknown } }
      | undefined;
    const entries: { id?: unknown; altText?: unknown }[] = content?.media
      ? [content.media]
      : Array.isArray(content?.multiImage?.images)
        ? (content.multiImage.images as { id?: unknown; altText?: unknown }[])
        : [];
    if (content?.multiImage !== undefined && (entries.length < 2 || entries.length > 20)) {
      return refuse('ERROR :: /content/multiImage/images :: a MultiImage post takes 2 to 20 images');
    }
    for (const [index, entry] of entries.entries()) {
      const image = typeof entry.id === 'string' ? this.images.get(entry.id) : undefined;
      if (!image || image.uploadedType === undefined || image.owner !== author) {
        const where = content?.media ? '/content/media/id' : `/content/multiImage/images/${index}/id`;
        return refuse(`ERROR :: ${where} :: ${String(entry.id)} is not an image uploaded by the author`);
      }
    }

    const commentary = String(body.commentary);
    const read = readLittleText(commentary);
    if ([...read.text].length > MAX_COMMENTARY) {
      return refuse(`ERROR :: /commentary :: text is longer than ${MAX_COMMENTARY} characters`);
    }
    const images = entries.map((entry) => ({
      id: String(entry.id),
      altText: typeof entry.altText === 'string' ? entry.altText : undefined,
    }));
    const sameContent = (post: FakeLinkedinPost) =>
      post.author === author &&
      post.commentary === commentary &&
      JSON.stringify(post.images.map((image) => image.id)) ===
        JSON.stringify(images.map((image) => image.id));
    const earlier = this.posts.find(sameContent);
    if (earlier) return refuse(`Content is a duplicate of ${earlier.urn}`);

    const urn = `urn:li:${content?.multiImage ? 'ugcPost' : 'share'}:${this.#newId()}`;
    const post: FakeLinkedinPost = {
      urn,
      author,
      commentary,
      text: read.text,
      hashtags: read.hashtags,
      truncated: read.truncated,
      images,
      body,
      version,
    };
    return { answer: { status: 201, headers: { 'x-restli-id': urn, 'x-linkedin-id': urn } }, post };
  }

  #introspect(form: Readonly<Record<string, unknown>>): Answer {
    const oauthError = (status: number, code: string, description: string): Answer => ({
      status,
      body: { error: code, error_description: description },
    });
    if (form.client_id !== this.#client.id) {
      return oauthError(400, 'invalid_request', 'The client id is not valid');
    }
    if (form.client_secret !== this.#client.secret) {
      return oauthError(401, 'invalid_client', 'Client authentication failed');
    }
    const token = typeof form.token === 'string' ? this.#tokens.get(form.token) : undefined;
    if (!token) return oauthError(400, 'invalid_request', 'The token is not valid');
    const expiresAt = token.expiresAt ?? 0;
    const status =
      token.state === 'revoked' ? 'revoked' : expiresAt * 1000 <= this.#now() ? 'expired' : 'active';
    const createdAt = expiresAt - 60 * 86_400;
    return {
      status: 200,
      body: {
        active: status === 'active',
        client_id: this.#client.id,
        authorized_at: createdAt,
        created_at: createdAt,
        status,
        expires_at: expiresAt,
        scope: token.scopes.join(','),
        auth_type: '3L',
      },
    };
  }

  /** keeps the work of an answered (or processed then dropped) request */
  #keep(pending: Pending): void {
    if (pending.image) this.images.set(pending.image.urn, pending.image);
    if (pending.uploaded) {
      pending.uploaded.image.uploadedType = pending.uploaded.type;
      pending.uploaded.image.size = pending.uploaded.size;
    }
    if (pending.post) {
      this.posts.push(pending.post);
      this.emit('post', pending.post);
    }
  }

  #newId(): string {
    this.#nextId += 1n;
    return this.#nextId.toString();
  }
}

/** Rest.li's wording for a required field a body left out. */
function requiredField(path: string): string {
  return `ERROR :: ${path} :: field is required but not found and has no default value`;
}
