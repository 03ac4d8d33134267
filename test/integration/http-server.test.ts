import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer, listen } from '../../src/web/http-server.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';

// `/healthz` and `/feeds/<target>.xml` (SPEC §2 feed, §5), on a real server
// on 127.0.0.1, port 0. Requests go through node:http so paths reach the
// server exactly as written (fetch would normalize `..` away first).

const FEED =
  '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:x</id></feed>\n';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let root: string;
let feedsDir: string;
let logger: RecordingLogger;
let server: Server | undefined;

async function start(ping: () => Promise<void>): Promise<number> {
  server = createHttpServer({ ping, feedsDir, logger });
  return listen(server, 0);
}

function send(port: number, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'araldo-http-'));
  feedsDir = join(root, 'feeds');
  mkdirSync(feedsDir);
  writeFileSync(join(feedsDir, 'sito.xml'), FEED);
  // A file next to the feeds folder that no path may reach.
  writeFileSync(join(root, 'secret.xml'), '<secret>token</secret>');
  logger = new RecordingLogger();
});

afterEach(async () => {
  const running = server;
  server = undefined;
  if (running) {
    running.closeAllConnections();
    await new Promise<void>((resolve) => running.close(() => resolve()));
  }
  rmSync(root, { recursive: true, force: true });
});

describe('/healthz', () => {
  it('answers 200 when the database answers', async () => {
    const port = await start(async () => {});
    const answer = await send(port, 'GET', '/healthz');

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok', database: 'up' });
  });

  it('answers 503 when the database ping fails, and logs why', async () => {
    const port = await start(() => Promise.reject(new Error('connection refused')));
    const answer = await send(port, 'GET', '/healthz');

    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ status: 'unavailable', database: 'down' });
    expect(logger.lines.map((line) => line.message)).toContain('health check: database unreachable');
  });

  it('answers 503 when the database ping never answers (after its 2 s timeout)', async () => {
    const port = await start(() => new Promise<void>(() => {}));
    const started = Date.now();
    const answer = await send(port, 'GET', '/healthz');

    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ status: 'unavailable', database: 'down' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  it('ignores the query string', async () => {
    const port = await start(async () => {});
    expect((await send(port, 'GET', '/healthz?probe=k8s')).status).toBe(200);
  });
});

describe('/feeds/', () => {
  it('serves a feed file as Atom', async () => {
    const port = await start(async () => {});
    const answer = await send(port, 'GET', '/feeds/sito.xml');

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(FEED)));
    expect(answer.headers['last-modified']).toBeDefined();
    expect(answer.body).toBe(FEED);
  });

  it('answers HEAD with the headers and no body', async () => {
    const port = await start(async () => {});
    const answer = await send(port, 'HEAD', '/feeds/sito.xml');

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(FEED)));
    expect(answer.body).toBe('');
  });

  it('answers 404 for a feed that does not exist', async () => {
    const port = await start(async () => {});
    const answer = await send(port, 'GET', '/feeds/missing.xml');

    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('<feed');
  });

  it.each([
    '/feeds/../etc/passwd',
    '/feeds/../secret.xml',
    '/feeds/..%2Fsecret.xml',
    '/feeds/%2e%2e/secret.xml',
    '/feeds/..%5Csecret.xml',
    '/feeds//etc/passwd',
    '/feeds/sito.xml/../../secret.xml',
    '/secret.xml',
  ])('answers 404 and reveals nothing for %s', async (path) => {
    const port = await start(async () => {});
    const answer = await send(port, 'GET', path);

    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('secret');
    expect(answer.body).not.toContain('root:');
  });

  it('answers 404 for paths outside /healthz and /feeds/', async () => {
    const port = await start(async () => {});
    expect((await send(port, 'GET', '/')).status).toBe(404);
    expect((await send(port, 'GET', '/feeds/')).status).toBe(404);
  });
});

describe('methods', () => {
  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])(
    'answers %s with 405 and the allowed methods',
    async (method) => {
      const port = await start(async () => {});
      for (const path of ['/healthz', '/feeds/sito.xml']) {
        const answer = await send(port, method, path);
        expect(answer.status).toBe(405);
        expect(answer.headers.allow).toBe('GET, HEAD');
      }
    },
  );
});

describe('listen', () => {
  it('resolves with the port it bound when asked for port 0', async () => {
    const port = await start(async () => {});
    expect(port).toBeGreaterThan(0);
    expect((await send(port, 'GET', '/healthz')).status).toBe(200);
  });
});
