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
  /** more handlers by exact path, any method (Slack's /slack/events) */
  readonly routes?: ReadonlyMap<string, (req: IncomingMessage, res: ServerResponse) => void>;
}

const FEED_PATH = /^\/feeds\/([a-z0-9][a-z0-9_-]{0,62}\.xml)$/;
const PING_TIMEOUT_MS = 2000;

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

/**
 * `/healthz` (200 with the database reachable, 503 otherwise) and the Atom
 * feeds of `feed` targets at `/feeds/<target>.xml`.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = options.routes?.get(url.pathname);
    if (route) {
      route(req, res);
      return;
    }
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/healthz') {
      void health(options, res);
      return;
    }
    const match = FEED_PATH.exec(url.pathname);
    if (match?.[1]) {
      void feed(options, match[1], req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  });
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
