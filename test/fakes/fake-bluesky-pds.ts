import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A Bluesky PDS on 127.0.0.1 speaking XRPC (atproto.com/specs/xrpc) for the
// calls Araldo makes, with the reference PDS's checks, status codes and error
// bodies (bluesky-social/atproto, packages/pds/src/api/com/atproto/…, seen
// running in @atproto/dev-env 0.3.215, see test/pds/):
// - com.atproto.server.createSession: handle, DID or e-mail and an app
//   password; a wrong one is 401 AuthenticationRequired "Invalid identifier or
//   password". Answers tokens, the handle, the DID and the DID document.
// - com.atproto.server.refreshSession: the refresh token as bearer, spent by
//   use (a new pair comes back); an expired one is 400 ExpiredToken, a spent
//   or unknown one 400 InvalidToken.
// - an access token that expired is 400 ExpiredToken "Token has expired"; an
//   unknown one 400 InvalidToken; none 401 AuthMissing.
// - com.atproto.identity.resolveHandle: 400 InvalidRequest "Unable to resolve handle".
// - com.atproto.repo.uploadBlob: the body's bytes as a blob of the caller's
//   account; over the upload limit 413 PayloadTooLarge.
// - com.atproto.repo.getRecord: 400 RecordNotFound when absent.
// - com.atproto.repo.putRecord: validates an app.bsky.feed.post record as the
//   lexicon says (TID key, text ≤ 300 graphemes and ≤ 3000 bytes, createdAt,
//   langs ≤ 3, facets, ≤ 4 images with alt text and blobs of at most 1,000,000
//   bytes that this account uploaded, else 400 BlobNotFound); an invalid record
//   is 400 InvalidRequest "Invalid app.bsky.feed.post record: <issue> at <path>",
//   in @atproto/lex-schema's words ("grapheme too big (maximum 300, got 301) at
//   $.record.text", as test/pds/ checks on the real PDS). `swapRecord:
//   null` writes only where no record is (else 400 InvalidSwap); the same
//   record again is a no-op. Stricter than the PDS on one point, to catch
//   Araldo's own mistakes: a facet's byte range must lie inside the text.
// - com.atproto.repo.createRecord: like putRecord, but a key already taken is
//   a 500 (what the reference PDS answers, networks.md).
// - 429 RateLimitExceeded with RateLimit-Limit/-Remaining/-Reset (UNIX seconds)/-Policy.
// It also serves images at /img/… for the publisher to download, as the
// municipality's website would.

/** An account of the PDS. */
export interface FakeBlueskyAccount {
  readonly did: string;
  readonly handle: string;
  readonly appPassword: string;
  readonly email?: string;
}

/** The XRPC methods this PDS serves. */
export type PdsMethod =
  | 'com.atproto.server.createSession'
  | 'com.atproto.server.refreshSession'
  | 'com.atproto.identity.resolveHandle'
  | 'com.atproto.repo.uploadBlob'
  | 'com.atproto.repo.getRecord'
  | 'com.atproto.repo.putRecord'
  | 'com.atproto.repo.createRecord';

/**
 * What the PDS does with the next call of `method` (any method when absent) instead of serving it:
 * - `status`: answers that status with `{error, message}` and `headers` (a 5xx, a 400 InvalidRequest…);
 * - `rate_limited`: 429 RateLimitExceeded, its RateLimit-Reset at `resetAt` (UNIX seconds;
 *   no rate-limit headers at all when absent);
 * - `hold`: waits until `release()` (or close), then serves it: a PDS slower than the
 *   attempt's time. Like a real server it finishes the work even if the caller gave up;
 * - `drop`: reads the request, then destroys the connection without answering; with
 *   `processed` (the default) after serving it (the record is written), without before;
 * - `late`: serves it at once (the record is written), then answers `ms` later if the caller
 *   is still there: a process killed meanwhile has had its write land without learning it.
 */
export type PdsFault = { readonly method?: PdsMethod } & (
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly error?: string;
      readonly message?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'rate_limited'; readonly resetAt?: number }
  | { readonly kind: 'hold' }
  | { readonly kind: 'drop'; readonly processed?: boolean }
  | { readonly kind: 'late'; readonly ms: number }
);

/** One request that reached the PDS, as it crossed the wire. */
export interface PdsRequest {
  readonly method: string;
  /** the XRPC method, or the path for anything else */
  readonly nsid: string;
  /** the Host header: which address the publisher used */
  readonly host: string;
  readonly query: Readonly<Record<string, string>>;
  /** the request headers, names in lower case */
  readonly headers: Readonly<Record<string, string>>;
  /** the bearer token, if any */
  readonly token: string | undefined;
  /** the body parsed as JSON (undefined for bytes or none) */
  readonly json: unknown;
  readonly bodyBytes: number;
  /** the status answered; 0 when the connection was dropped or the fake closed first */
  status: number;
}

/** A record in an account's repository. */
export interface StoredRecord {
  readonly uri: string;
  readonly cid: string;
  readonly value: Record<string, unknown>;
}

/** A write to a repository, as the firehose would carry it. */
export interface RepoEvent {
  readonly action: 'create' | 'update';
  readonly uri: string;
  readonly cid: string;
}

/** Options of a PDS. */
export interface FakeBlueskyPdsOptions {
  readonly accounts: readonly FakeBlueskyAccount[];
  /** handles of accounts elsewhere that resolveHandle knows, with their DIDs */
  readonly otherHandles?: Readonly<Record<string, string>>;
  /**
   * The PDS endpoint the DID document names: `self` (this server at 127.0.0.1,
   * the default), `localhost` (this server by that name, as dev-env writes it),
   * `none` (no DID document in session answers).
   */
  readonly didDocPds?: 'self' | 'localhost' | 'none';
  /** uploadBlob's limit in bytes; the reference PDS's default is 5 MiB */
  readonly uploadLimit?: number;
}

interface AccessToken {
  readonly did: string;
  expired: boolean;
  revoked: boolean;
}

interface RefreshToken {
  readonly did: string;
  expired: boolean;
  spent: boolean;
}

interface Blob {
  readonly mimeType: string;
  readonly size: number;
}

interface HostedImage {
  readonly bytes: Uint8Array;
  readonly contentType: string | undefined;
  readonly status: number;
  /** false: sent in chunks with no Content-Length; a number: that Content-Length header */
  readonly contentLength: boolean | number;
}

class XrpcError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

const POST = 'app.bsky.feed.post';
const TID = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;
const MAX_EMBED_BLOB_BYTES = 1_000_000;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

function countGraphemes(text: string): number {
  return [...graphemes.segment(text)].length;
}

/** base32 lower case without padding (RFC 4648), multibase prefix `b`: how CIDv1 strings are written. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = 'b';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** A CIDv1 of `bytes` with sha2-256: codec 0x55 (raw) for blobs, 0x71 (dag-cbor) for records. */
function cidOf(bytes: Uint8Array, codec: 0x55 | 0x71): string {
  const digest = createHash('sha256').update(bytes).digest();
  return base32(Buffer.concat([Buffer.from([0x01, codec, 0x12, 0x20]), digest]));
}

/** JSON with sorted keys: the same record always gets the same CID, as DAG-CBOR would. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sniff(bytes: Buffer): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(1, 4).toString('latin1') === 'PNG') return 'image/png';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}

function headerMap(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function invalid(message: string): XrpcError {
  return new XrpcError(400, 'InvalidRequest', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A Bluesky PDS on 127.0.0.1, on a free port: serves sessions, handles,
 * blobs and post records for its accounts, records every request, and can
 * be told to fail (`failNext`), to expire or revoke tokens, to hold a call.
 * Events: `request` (a PdsRequest, once its body arrived), `write` (a RepoEvent).
 */
export class FakeBlueskyPds extends EventEmitter {
  /** every request, in arrival order */
  readonly requests: PdsRequest[] = [];
  /** every write to a repository, in order */
  readonly events: RepoEvent[] = [];
  readonly #server: Server;
  readonly #accounts: FakeBlueskyAccount[];
  readonly #otherHandles: Readonly<Record<string, string>>;
  readonly #didDocPds: 'self' | 'localhost' | 'none';
  readonly #uploadLimit: number;
  readonly #access = new Map<string, AccessToken>();
  readonly #refresh = new Map<string, RefreshToken>();
  readonly #revokedPasswords = new Set<string>();
  readonly #blobs = new Map<string, Map<string, Blob>>();
  readonly #records = new Map<string, Map<string, StoredRecord>>();
  readonly #images = new Map<string, HostedImage>();
  readonly #faults: PdsFault[] = [];
  readonly #held = new Set<() => void>();
  readonly #sockets = new Set<Socket>();
  #port = 0;

  private constructor(options: FakeBlueskyPdsOptions) {
    super();
    this.#accounts = [...options.accounts];
    this.#otherHandles = options.otherHandles ?? {};
    this.#didDocPds = options.didDocPds ?? 'self';
    this.#uploadLimit = options.uploadLimit ?? 5 * 1024 * 1024;
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

  /** Starts a PDS on 127.0.0.1, port 0 unless given. */
  static async start(options: FakeBlueskyPdsOptions & { port?: number }): Promise<FakeBlueskyPds> {
    const pds = new FakeBlueskyPds(options);
    await new Promise<void>((resolve, reject) => {
      pds.#server.once('error', reject);
      pds.#server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    pds.#port = (pds.#server.address() as AddressInfo).port;
    return pds;
  }

  /** the base URL Araldo logs in at: `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** the requests of one XRPC method, in order */
  requestsOf(method: PdsMethod): readonly PdsRequest[] {
    return this.requests.filter((request) => request.nsid === method);
  }

  /** the calls of `method` the PDS served (answered, or processed before a drop) */
  count(method: PdsMethod): number {
    return this.requestsOf(method).length;
  }

  /** the post records of an account, in key order */
  posts(did: string): readonly StoredRecord[] {
    return [...(this.#records.get(did)?.values() ?? [])]
      .filter((record) => record.uri.includes(`/${POST}/`))
      .sort((a, b) => (a.uri < b.uri ? -1 : 1));
  }

  /** the record at `at://did/collection/rkey`, if any */
  recordAt(did: string, rkey: string, collection = POST): StoredRecord | undefined {
    return this.#records.get(did)?.get(`${collection}/${rkey}`);
  }

  /** the blob `cid` of an account, if it uploaded it */
  blob(did: string, cid: string): Blob | undefined {
    return this.#blobs.get(did)?.get(cid);
  }

  /** writes a record directly, as another client of the account would */
  plantRecord(did: string, rkey: string, value: Record<string, unknown>, collection = POST): StoredRecord {
    return this.#write(did, collection, rkey, value).record;
  }

  /** serves `bytes` at `/img/<name>`; returns its URL */
  hostImage(
    name: string,
    bytes: Uint8Array,
    options: { contentType?: string; status?: number; contentLength?: boolean | number } = {},
  ): string {
    this.#images.set(`/img/${name}`, {
      bytes,
      contentType: options.contentType,
      status: options.status ?? 200,
      contentLength: options.contentLength ?? true,
    });
    return `${this.url}/img/${name}`;
  }

  /** the next calls meet these faults, one each, in order (a fault with a method waits for a call of it) */
  failNext(...faults: PdsFault[]): void {
    this.#faults.push(...faults);
  }

  /** every access token issued so far answers 400 ExpiredToken from now on */
  expireAccessTokens(): void {
    for (const token of this.#access.values()) token.expired = true;
  }

  /** every refresh token issued so far answers 400 ExpiredToken from now on */
  expireRefreshTokens(): void {
    for (const token of this.#refresh.values()) token.expired = true;
  }

  /** every token issued so far answers 400 InvalidToken (the sessions were revoked) */
  revokeSessions(): void {
    for (const token of this.#access.values()) token.revoked = true;
    for (const token of this.#refresh.values()) token.spent = true;
  }

  /** the account's app password no longer logs in (deleted in the app's settings) */
  revokeAppPassword(did: string): void {
    this.#revokedPasswords.add(did);
    this.revokeSessions();
  }

  /** serves the calls a `hold` fault is keeping */
  release(): void {
    for (const go of this.#held) go();
    this.#held.clear();
  }

  /** resolves once `count` requests of `method` (of any, when absent) have arrived in all */
  waitForRequests(count: number, method?: PdsMethod): Promise<void> {
    const enough = () => (method ? this.count(method) : this.requests.length) >= count;
    if (enough()) return Promise.resolve();
    return new Promise((resolve) => {
      const onRequest = () => {
        if (!enough()) return;
        this.off('request', onRequest);
        resolve();
      };
      this.on('request', onRequest);
    });
  }

  /** resolves once `count` writes in all have been made to repositories (counting those already made) */
  waitForWrites(count: number): Promise<void> {
    if (this.events.length >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const onWrite = () => {
        if (this.events.length < count) return;
        this.off('write', onWrite);
        resolve();
      };
      this.on('write', onWrite);
    });
  }

  /** stops listening and cuts every open connection */
  async close(): Promise<void> {
    this.release();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #takeFault(nsid: string): PdsFault | undefined {
    const index = this.#faults.findIndex((fault) => fault.method === undefined || fault.method === nsid);
    if (index === -1) return undefined;
    return this.#faults.splice(index, 1)[0];
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(request.url ?? '/', 'http://fake');
    const headers = headerMap(request);

    const image = this.#images.get(url.pathname);
    if (image && request.method === 'GET') return this.#serveImage(image, response);

    const nsid = url.pathname.startsWith('/xrpc/') ? url.pathname.slice('/xrpc/'.length) : url.pathname;
    const auth = headers.authorization;
    let json: unknown;
    if (headers['content-type']?.startsWith('application/json')) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    const received: PdsRequest = {
      method: request.method ?? '',
      nsid,
      host: headers.host ?? '',
      query: Object.fromEntries(url.searchParams),
      headers,
      token: auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined,
      json,
      bodyBytes: body.length,
      status: 0,
    };
    this.requests.push(received);
    this.emit('request', received);

    const answer = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      // A slow server finishes its work even when the caller has gone; only the answer is lost.
      if (request.socket.destroyed) return;
      received.status = status;
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...extra });
      response.end(JSON.stringify(payload));
    };

    let fault = this.#takeFault(nsid);
    if (fault?.kind === 'hold') {
      await new Promise<void>((resolve) => this.#held.add(resolve));
      fault = undefined;
    }
    if (fault?.kind === 'status') {
      return answer(
        fault.status,
        { error: fault.error ?? 'InternalServerError', message: fault.message ?? 'Internal Server Error' },
        { ...fault.headers },
      );
    }
    if (fault?.kind === 'rate_limited') {
      const limits =
        fault.resetAt === undefined
          ? {}
          : {
              'ratelimit-limit': '3000',
              'ratelimit-remaining': '0',
              'ratelimit-reset': String(fault.resetAt),
              'ratelimit-policy': '3000;w=300',
            };
      return answer(429, { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' }, limits);
    }
    if (fault?.kind === 'drop' && !(fault.processed ?? true)) {
      request.socket.destroy();
      return;
    }
    let status: number;
    let payload: unknown;
    try {
      payload = this.#serve(
        request.method ?? '',
        nsid,
        url.searchParams,
        headers,
        body,
        json,
        received.token,
      );
      status = 200;
    } catch (error) {
      if (!(error instanceof XrpcError)) throw error;
      status = error.status;
      payload = { error: error.error, message: error.message };
    }
    if (fault?.kind === 'drop') {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'late') {
      const { ms } = fault;
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    return answer(status, payload);
  }

  #serveImage(image: HostedImage, response: ServerResponse): void {
    const headers: Record<string, string | number> = {};
    if (image.contentType !== undefined) headers['content-type'] = image.contentType;
    if (typeof image.contentLength === 'number') headers['content-length'] = image.contentLength;
    else if (image.contentLength) headers['content-length'] = image.bytes.length;
    response.writeHead(image.status, headers);
    if (typeof image.contentLength === 'number' || image.contentLength) {
      response.end(Buffer.from(image.bytes));
      return;
    }
    // No Content-Length: chunked, as a streaming server sends it.
    for (let at = 0; at < image.bytes.length; at += 64 * 1024) {
      response.write(Buffer.from(image.bytes.subarray(at, at + 64 * 1024)));
    }
    response.end();
  }

  #serve(
    method: string,
    nsid: string,
    query: URLSearchParams,
    headers: Record<string, string>,
    body: Buffer,
    json: unknown,
    token: string | undefined,
  ): unknown {
    const procedure = (expected: boolean) => {
      if ((method === 'POST') !== expected) {
        throw new XrpcError(
          400,
          'InvalidRequest',
          `Incorrect HTTP method (${method}) expected ${expected ? 'POST' : 'GET'}`,
        );
      }
    };
    switch (nsid) {
      case 'com.atproto.server.createSession':
        procedure(true);
        return this.#createSession(json);
      case 'com.atproto.server.refreshSession':
        procedure(true);
        return this.#refreshSession(token);
      case 'com.atproto.identity.resolveHandle': {
        procedure(false);
        const handle = query.get('handle');
        if (!handle) throw invalid('Error: Params must have the property "handle"');
        const did =
          this.#accounts.find((a) => a.handle === handle.toLowerCase())?.did ??
          this.#otherHandles[handle.toLowerCase()];
        if (did === undefined) throw invalid('Unable to resolve handle');
        return { did };
      }
      case 'com.atproto.repo.uploadBlob': {
        procedure(true);
        const did = this.#authorize(token);
        if (body.length > this.#uploadLimit) {
          throw new XrpcError(413, 'PayloadTooLarge', 'request entity too large');
        }
        const type = headers['content-type'];
        if (!type) throw invalid('Request encoding (Content-Type) required but not provided');
        const cid = cidOf(body, 0x55);
        const blob = { mimeType: sniff(body) ?? type, size: body.length };
        const blobs = this.#blobs.get(did) ?? new Map<string, Blob>();
        blobs.set(cid, blob);
        this.#blobs.set(did, blobs);
        return { blob: { $type: 'blob', ref: { $link: cid }, mimeType: blob.mimeType, size: blob.size } };
      }
      case 'com.atproto.repo.getRecord': {
        procedure(false);
        const repo = query.get('repo') ?? '';
        const collection = query.get('collection') ?? '';
        const rkey = query.get('rkey') ?? '';
        const did = this.#accountOf(repo)?.did;
        if (did === undefined) throw invalid(`Could not find repo: ${repo}`);
        const record = this.recordAt(did, rkey, collection);
        if (!record) {
          throw new XrpcError(
            400,
            'RecordNotFound',
            `Could not locate record: at://${did}/${collection}/${rkey}`,
          );
        }
        return { uri: record.uri, cid: record.cid, value: record.value };
      }
      case 'com.atproto.repo.putRecord':
      case 'com.atproto.repo.createRecord': {
        procedure(true);
        const did = this.#authorize(token);
        return this.#putRecord(did, json, nsid === 'com.atproto.repo.createRecord');
      }
      default:
        throw new XrpcError(501, 'MethodNotImplemented', 'Method Not Implemented');
    }
  }

  #accountOf(identifier: string): FakeBlueskyAccount | undefined {
    const id = identifier.toLowerCase();
    return this.#accounts.find((a) => a.did === identifier || a.handle === id || a.email === id);
  }

  #issue(did: string): { accessJwt: string; refreshJwt: string } {
    const accessJwt = `access.${randomBytes(12).toString('hex')}`;
    const refreshJwt = `refresh.${randomBytes(12).toString('hex')}`;
    this.#access.set(accessJwt, { did, expired: false, revoked: false });
    this.#refresh.set(refreshJwt, { did, expired: false, spent: false });
    return { accessJwt, refreshJwt };
  }

  #sessionBody(account: FakeBlueskyAccount, tokens: { accessJwt: string; refreshJwt: string }) {
    const endpoint =
      this.#didDocPds === 'localhost'
        ? `http://localhost:${this.#port}`
        : this.#didDocPds === 'self'
          ? this.url
          : undefined;
    return {
      ...tokens,
      handle: account.handle,
      did: account.did,
      ...(endpoint === undefined
        ? {}
        : {
            didDoc: {
              '@context': ['https://www.w3.org/ns/did/v1'],
              id: account.did,
              alsoKnownAs: [`at://${account.handle}`],
              service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: endpoint }],
            },
          }),
      ...(account.email === undefined ? {} : { email: account.email, emailConfirmed: true }),
      active: true,
    };
  }

  #createSession(json: unknown): unknown {
    if (!isObject(json)) throw invalid('Request encoding (Content-Type) required but not provided');
    const { identifier, password } = json;
    if (typeof identifier !== 'string') throw invalid('Input must have the property "identifier"');
    if (typeof password !== 'string') throw invalid('Input must have the property "password"');
    const account = this.#accountOf(identifier);
    if (!account || account.appPassword !== password || this.#revokedPasswords.has(account.did)) {
      throw new XrpcError(401, 'AuthenticationRequired', 'Invalid identifier or password');
    }
    return this.#sessionBody(account, this.#issue(account.did));
  }

  #refreshSession(token: string | undefined): unknown {
    if (token === undefined) throw new XrpcError(401, 'AuthMissing', 'Authentication Required');
    const refresh = this.#refresh.get(token);
    if (!refresh) {
      const why = this.#access.has(token) ? 'Invalid token type' : 'Token could not be verified';
      throw new XrpcError(400, 'InvalidToken', why);
    }
    if (refresh.expired) throw new XrpcError(400, 'ExpiredToken', 'Token has expired');
    if (refresh.spent) throw new XrpcError(400, 'InvalidToken', 'Token has been revoked');
    refresh.spent = true;
    const account = this.#accountOf(refresh.did);
    if (!account) throw new XrpcError(400, 'InvalidToken', 'Token could not be verified');
    return this.#sessionBody(account, this.#issue(account.did));
  }

  /** the DID an access token speaks for, or the error the PDS answers */
  #authorize(token: string | undefined): string {
    if (token === undefined) throw new XrpcError(401, 'AuthMissing', 'Authentication Required');
    const access = this.#access.get(token);
    if (!access || access.revoked) throw new XrpcError(400, 'InvalidToken', 'Token could not be verified');
    if (access.expired) throw new XrpcError(400, 'ExpiredToken', 'Token has expired');
    return access.did;
  }

  #putRecord(did: string, json: unknown, create: boolean): unknown {
    if (!isObject(json)) throw invalid('Request encoding (Content-Type) required but not provided');
    const { repo, collection, record } = json;
    let { rkey } = json;
    if (typeof repo !== 'string') throw invalid('Input must have the property "repo"');
    if (typeof collection !== 'string') throw invalid('Input must have the property "collection"');
    if (!isObject(record)) throw invalid('Input must have the property "record"');
    if (create && rkey === undefined) rkey = `3${randomBytes(6).toString('hex').slice(0, 12)}`;
    if (typeof rkey !== 'string') throw invalid('Input must have the property "rkey"');
    if (this.#accountOf(repo)?.did !== did)
      throw new XrpcError(401, 'AuthenticationRequired', 'Authentication Required');
    if (collection === POST) this.#validatePost(did, rkey, record);
    const current = this.recordAt(did, rkey, collection);
    if (create && current) throw new XrpcError(500, 'InternalServerError', 'Internal Server Error');
    const cid = cidOf(Buffer.from(canonical(record)), 0x71);
    if (current && current.cid === cid) return { uri: current.uri, cid, validationStatus: 'valid' };
    if ('swapRecord' in json) {
      const swap = json.swapRecord;
      if ((swap === null && current) || (typeof swap === 'string' && current?.cid !== swap)) {
        throw new XrpcError(400, 'InvalidSwap', `Record was at ${current?.cid ?? 'null'}`);
      }
    }
    const { record: stored } = this.#write(did, collection, rkey, record);
    return {
      uri: stored.uri,
      cid: stored.cid,
      commit: { cid: cidOf(Buffer.from(`${stored.uri}${stored.cid}${this.events.length}`), 0x71), rev: rkey },
      validationStatus: 'valid',
    };
  }

  #write(did: string, collection: string, rkey: string, value: Record<string, unknown>) {
    const records = this.#records.get(did) ?? new Map<string, StoredRecord>();
    this.#records.set(did, records);
    const key = `${collection}/${rkey}`;
    const record: StoredRecord = {
      uri: `at://${did}/${key}`,
      cid: cidOf(Buffer.from(canonical(value)), 0x71),
      value,
    };
    const action = records.has(key) ? 'update' : 'create';
    records.set(key, record);
    const event: RepoEvent = { action, uri: record.uri, cid: record.cid };
    this.events.push(event);
    this.emit('write', event);
    return { record, action };
  }

  /** app.bsky.feed.post as the lexicon (and Araldo's own range check) wants it */
  #validatePost(did: string, rkey: string, record: Record<string, unknown>): void {
    const bad = (what: string) => invalid(`Invalid app.bsky.feed.post record: ${what}`);
    if (!TID.test(rkey))
      throw invalid(`Invalid record key for app.bsky.feed.post: Invalid TID string (got "${rkey}")`);
    if (record.$type !== POST)
      throw bad(`Expected "app.bsky.feed.post" (got ${JSON.stringify(record.$type)}) at $.record.$type`);
    const { text, createdAt, langs, facets, embed } = record;
    if (typeof text !== 'string') throw bad('Missing required key "text" at $.record');
    if (countGraphemes(text) > 300)
      throw bad(`grapheme too big (maximum 300, got ${countGraphemes(text)}) at $.record.text`);
    const textBytes = Buffer.byteLength(text, 'utf8');
    if (textBytes > 3000) throw bad(`string too big (maximum 3000, got ${textBytes}) at $.record.text`);
    if (
      typeof createdAt !== 'string' ||
      Number.isNaN(Date.parse(createdAt)) ||
      !/^\d{4}-\d\d-\d\dT/.test(createdAt)
    ) {
      throw bad(`Invalid datetime (got ${JSON.stringify(createdAt)}) at $.record.createdAt`);
    }
    if (langs !== undefined && (!Array.isArray(langs) || langs.length > 3)) {
      throw bad(
        `array too big (maximum 3, got ${Array.isArray(langs) ? langs.length : 0}) at $.record.langs`,
      );
    }
    if (facets !== undefined) {
      if (!Array.isArray(facets)) throw bad('Expected array value type at $.record.facets');
      for (const [i, facet] of facets.entries()) {
        const index = isObject(facet) ? facet.index : undefined;
        const start = isObject(index) ? index.byteStart : undefined;
        const end = isObject(index) ? index.byteEnd : undefined;
        if (!Number.isInteger(start) || !Number.isInteger(end)) {
          throw bad(`Expected integer value type at $.record.facets[${i}].index`);
        }
        if ((start as number) < 0 || (end as number) <= (start as number) || (end as number) > textBytes) {
          throw bad(
            `(Araldo's fake) byte range ${String(start)}-${String(end)} lies outside the text's ${textBytes} bytes at $.record.facets[${i}].index`,
          );
        }
        const features = isObject(facet) ? facet.features : undefined;
        if (!Array.isArray(features) || features.length === 0)
          throw bad(`Expected array value type at $.record.facets[${i}].features`);
        for (const feature of features) {
          if (!isObject(feature)) throw bad(`Expected object value type at $.record.facets[${i}].features`);
          const type = feature.$type;
          const okFeature =
            (type === 'app.bsky.richtext.facet#link' &&
              typeof feature.uri === 'string' &&
              URL.canParse(feature.uri)) ||
            (type === 'app.bsky.richtext.facet#mention' &&
              typeof feature.did === 'string' &&
              feature.did.startsWith('did:')) ||
            (type === 'app.bsky.richtext.facet#tag' &&
              typeof feature.tag === 'string' &&
              feature.tag.length > 0 &&
              countGraphemes(feature.tag) <= 64);
          if (!okFeature) throw bad(`Invalid ${String(type)} at $.record.facets[${i}].features`);
        }
      }
    }
    if (embed !== undefined) {
      if (!isObject(embed) || embed.$type !== 'app.bsky.embed.images')
        throw bad('Expected app.bsky.embed.images at $.record.embed');
      const images = embed.images;
      if (!Array.isArray(images) || images.length > 4) {
        throw bad(
          `array too big (maximum 4, got ${Array.isArray(images) ? images.length : 0}) at $.record.embed.images`,
        );
      }
      for (const [i, image] of images.entries()) {
        if (!isObject(image) || typeof image.alt !== 'string') {
          throw bad(`Missing required key "alt" at $.record.embed.images[${i}]`);
        }
        const blob = image.image;
        const ref = isObject(blob) && isObject(blob.ref) ? blob.ref.$link : undefined;
        if (!isObject(blob) || blob.$type !== 'blob' || typeof ref !== 'string') {
          throw bad(`Expected blob value type at $.record.embed.images[${i}].image`);
        }
        if (typeof blob.mimeType !== 'string' || !blob.mimeType.startsWith('image/')) {
          throw bad(
            `Invalid blob mime type (got ${JSON.stringify(blob.mimeType)}) at $.record.embed.images[${i}].image`,
          );
        }
        if (typeof blob.size !== 'number' || blob.size > MAX_EMBED_BLOB_BYTES) {
          throw bad(
            `blob too big (maximum ${MAX_EMBED_BLOB_BYTES}, got ${String(blob.size)}) at $.record.embed.images[${i}].image`,
          );
        }
        const ratio = image.aspectRatio;
        if (
          ratio !== undefined &&
          (!isObject(ratio) ||
            !Number.isInteger(ratio.width) ||
            !Number.isInteger(ratio.height) ||
            (ratio.width as number) < 1 ||
            (ratio.height as number) < 1)
        ) {
          throw bad(`integer too small (minimum 1) at $.record.embed.images[${i}].aspectRatio`);
        }
        if (!this.blob(did, ref)) throw new XrpcError(400, 'BlobNotFound', `Could not find blob: ${ref}`);
      }
    }
  }
}
