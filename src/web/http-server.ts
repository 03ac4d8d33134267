import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../core/app-error.ts';
import type { Logger, Store } from '../core/ports.ts';
import { type FeedDocument, type FeedSettings, renderFeedDocument } from '../publish/feed/feed-document.ts';

/** The feeds a server renders at `/feeds/<target>.xml`, from the database on each request. */
export interface FeedRoutes {
  readonly store: Pick<Store, 'listLatestPublished'>;
  /** the configured `feed` targets; any other name is 404 */
  readonly targets: readonly FeedSettings[];
  /**
   * the public base URL, without trailing slash, for the documents' self
   * links; read on each request since it may be known only once listening
   */
  readonly publicUrl: () => string;
}

/** What the HTTP server exposes. */
export interface HttpServerOptions {
  /** resolves when the database answers; rejects otherwise */
  readonly ping: () => Promise<void>;
  /** the Atom feeds served under /feeds/; none when absent */
  readonly feeds?: FeedRoutes;
  readonly logger: Logger;
  /**
   * more handlers by exact path, any method (Slack's /slack/events); each
   * answers every method itself. A handler that throws or rejects gets a 500.
   */
  readonly routes?: ReadonlyMap<string, RouteHandler>;
  /** how long a client may take to send a whole request, headers and body; default 30 s */
  readonly requestTimeoutMs?: number;
}

/** A handler of one path. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

const FEED_PATH = /^\/feeds\/([a-z0-9][a-z0-9_-]{0,62})\.xml$/;
/** How long a reader may reuse a feed without asking: publications show within a minute. */
const FEED_CACHE_CONTROL = 'public, max-age=60';
const PING_TIMEOUT_MS = 2000;
/**
 * Every request Araldo serves is small (Slack's are at most 1 MiB, the
 * others have no body): 30 s to send one is generous, and a client that
 * trickles its request (slowloris) is cut off with Node's 408 instead of
 * holding a socket for Node's default 5 minutes.
 */
const REQUEST_TIMEOUT_MS = 30_000;

async function health(options: HttpServerOptions, res: ServerResponse): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      options.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('database ping timed out')), PING_TIMEOUT_MS);
      }),
    ]);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","database":"up"}');
  } catch (error) {
    options.logger.warn({ err: error }, 'health check: database unreachable');
    res
      .writeHead(503, { 'content-type': 'application/json' })
      .end('{"status":"unavailable","database":"down"}');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether the reader's copy is current (RFC 9110 §13.1): If-None-Match, when
 * sent, decides alone (weak comparison, as that section asks for GET and
 * HEAD); otherwise If-Modified-Since, to the second HTTP dates carry.
 */
function isNotModified(req: IncomingMessage, etag: string, lastModified: Date): boolean {
  const noneMatch = req.headers['if-none-match'];
  if (noneMatch !== undefined) {
    return noneMatch
      .split(',')
      .map((tag) => tag.trim().replace(/^W\//, ''))
      .some((tag) => tag === '*' || tag === etag);
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  if (Number.isNaN(since)) return false;
  return Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

async function feed(
  options: HttpServerOptions,
  targetId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const feeds = options.feeds;
  const settings = feeds?.targets.find((target) => target.targetId === targetId);
  if (!feeds || !settings) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('feed not found\n');
    return;
  }
  let document: FeedDocument;
  try {
    document = await renderFeedDocument(feeds.store, settings, feeds.publicUrl());
  } catch (error) {
    options.logger.error({ err: error, target: targetId }, 'feed could not be read from the database');
    res
      .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '30' })
      .end('feed unavailable\n');
    return;
  }
  const validators = {
    etag: document.etag,
    'last-modified': document.lastModified.toUTCString(),
    'cache-control': FEED_CACHE_CONTROL,
  };
  if (isNotModified(req, document.etag, document.lastModified)) {
    res.writeHead(304, validators).end();
    return;
  }
  res.writeHead(200, {
    ...validators,
    'content-type': 'application/atom+xml; charset=utf-8',
    'content-length': Buffer.byteLength(document.body),
  });
  if (req.method === 'HEAD') res.end();
  else res.end(document.body);
}

/** the request's path, or undefined when its target is no URL (`//`, `http://[`) */
function pathOf(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

function dispatch(
  options: HttpServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): void | Promise<void> {
  const path = pathOf(req);
  if (path === undefined) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad request\n');
    return;
  }
  const route = options.routes?.get(path);
  if (route) return route(req, res);
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (path === '/healthz') return health(options, res);
  const match = FEED_PATH.exec(path);
  if (match?.[1]) return feed(options, match[1], req, res);
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
}

/**
 * `/healthz` (200 with the database reachable, 503 otherwise), the Atom
 * feeds of `feed` targets at `/feeds/<target>.xml` (rendered from the
 * database on each request, with ETag and Last-Modified, 304 when the
 * reader's copy is current), and the `routes` given.
 * No request can throw out of the server: a handler that throws or rejects
 * is logged and answered 500 (or its connection closed, when the answer had
 * already started). Requests Node cannot parse, with headers over its
 * 16 KB, or not fully sent within `requestTimeoutMs` get Node's own 400, 431
 * or 408 from its default 'clientError' handling.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  return createServer(
    {
      requestTimeout,
      headersTimeout: requestTimeout,
      // How often Node looks for requests past their timeout (its default, 30 s, would double ours).
      connectionsCheckingInterval: Math.max(10, Math.min(requestTimeout / 4, 5_000)),
    },
    (req, res) => {
      const failed = (error: unknown) => {
        options.logger.error({ err: error, method: req.method, path: pathOf(req) }, 'HTTP request failed');
        if (!res.headersSent) res.writeHead(500, { connection: 'close' }).end();
        else res.destroy();
      };
      try {
        dispatch(options, req, res)?.catch(failed);
      } catch (error) {
        failed(error);
      }
    },
  );
}

/** Starts listening on loopback and public interfaces; resolves with the bound port (useful with port 0). */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException) => {
      // The admin's most likely start-up mistake: say what to change, not only the errno.
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        const why =
          error.code === 'EADDRINUSE'
            ? `port ${port} is already in use (another Araldo, or another program, listens there)`
            : `port ${port} may not be opened by this user`;
        reject(new AppError('config_invalid', `${why}: set PORT to a free port`, { cause: error }));
      } else reject(error);
    };
    server.once('error', refuse);
    server.listen(port, () => {
      server.off('error', refuse);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
