import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../core/ports.ts';

/** What the HTTP server exposes. */
export interface HttpServerOptions {
  /** resolves when the database answers; rejects otherwise */
  readonly ping: () => Promise<void>;
  /** folder of the Atom feeds served under /feeds/ */
  readonly feedsDir: string;
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

const FEED_PATH = /^\/feeds\/([a-z0-9][a-z0-9_-]{0,62}\.xml)$/;
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

async function feed(
  options: HttpServerOptions,
  file: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = join(options.feedsDir, file);
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`${file} is not a file`);
    res.writeHead(200, {
      'content-type': 'application/atom+xml; charset=utf-8',
      'content-length': info.size,
      'last-modified': info.mtime.toUTCString(),
      'cache-control': 'public, max-age=60',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // The headers are out: a read error can only cut the response short.
    createReadStream(path)
      .on('error', (error) => {
        options.logger.error({ err: error, file }, 'feed read failed');
        res.destroy(error);
      })
      .pipe(res);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('feed not found\n');
  }
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
 * feeds of `feed` targets at `/feeds/<target>.xml`, and the `routes` given.
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
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
