import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createHttpServer,
  type FeedRoutes,
  type HttpServerOptions,
  listen,
} from '../../src/web/http-server.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';

// `/healthz` and the routing of `/feeds/<target>.xml` (SPEC §2 feed, §5), on
// a real server on 127.0.0.1, port 0. Requests go through node:http so paths
// reach the server exactly as written (fetch would normalize `..` away first).
// What a feed holds, through a real store, is in feed-http.test.ts.

/** One configured feed target, `sito`, with nothing published yet. */
const FEEDS: FeedRoutes = {
  store: { listLatestPublished: () => Promise.resolve([]) },
  targets: [{ targetId: 'sito', title: 'Sito istituzionale', language: 'it', entries: 50 }],
  publicUrl: () => 'http://localhost:3000',
};

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let logger: RecordingLogger;
let server: Server | undefined;

async function start(
  ping: () => Promise<void>,
  more: Pick<HttpServerOptions, 'routes' | 'requestTimeoutMs'> = {},
): Promise<number> {
  server = createHttpServer({ ping, feeds: FEEDS, logger, ...more });
  return listen(server, 0);
}

/** Bytes written on a raw socket (left open unless `end`); resolves with what came back before it closed. */
function raw(port: number, bytes: string, { end = true } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      if (end) socket.end(bytes);
      else socket.write(bytes);
    });
    let received = '';
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
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
  logger = new RecordingLogger();
});

afterEach(async () => {
  const running = server;
  server = undefined;
  if (running) {
    running.closeAllConnections();
    await new Promise<void>((resolve) => running.close(() => resolve()));
  }
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
  it('serves a configured feed target as Atom', async () => {
    const port = await start(async () => {});
    const answer = await send(port, 'GET', '/feeds/sito.xml');

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
    expect(answer.body).toContain('<id>urn:araldo:feed:sito</id>');
  });

  it('answers 503 and logs why when the database cannot be read', async () => {
    server = createHttpServer({
      ping: async () => {},
      feeds: { ...FEEDS, store: { listLatestPublished: () => Promise.reject(new Error('db down')) } },
      logger,
    });
    const port = await listen(server, 0);
    const answer = await send(port, 'GET', '/feeds/sito.xml');

    expect(answer.status).toBe(503);
    expect(answer.body).not.toContain('db down');
    expect(logger.lines.map((line) => line.message)).toContain('feed could not be read from the database');
  });

  it('answers 404 for a feed that does not exist', async () => {
    const port = await start(async () => {});
    const answer = await send(port, 'GET', '/feeds/missing.xml');

    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('<feed');
  });

  it('answers 404 for every feed when none is configured', async () => {
    server = createHttpServer({ ping: async () => {}, logger });
    const port = await listen(server, 0);

    expect((await send(port, 'GET', '/feeds/sito.xml')).status).toBe(404);
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

describe('requests that must not stop the server', () => {
  it.each(['//', '//[', 'http://[', 'http://a:b@/x'])(
    'answers 400 to the request target %s, which is no URL',
    async (target) => {
      const port = await start(async () => {});
      const answer = await raw(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);

      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect((await send(port, 'GET', '/healthz')).status).toBe(200);
    },
  );

  it('answers 500 when a route throws, rejects, or fails after its answer started, and logs each', async () => {
    const routes = new Map([
      [
        '/throws',
        () => {
          throw new Error('sync failure');
        },
      ],
      ['/rejects', () => Promise.reject(new Error('async failure'))],
      [
        '/half',
        async (_req: IncomingMessage, res: ServerResponse) => {
          res.writeHead(200).write('partial');
          throw new Error('late failure');
        },
      ],
    ]);
    const port = await start(async () => {}, { routes });

    expect((await send(port, 'GET', '/throws')).status).toBe(500);
    expect((await send(port, 'POST', '/rejects')).status).toBe(500);
    // Headers were out: the only honest signal left is a cut connection.
    await expect(send(port, 'GET', '/half')).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
    expect((await send(port, 'GET', '/healthz')).status).toBe(200);
    const failures = logger.lines.filter((line) => line.message === 'HTTP request failed');
    expect(failures.map((line) => [(line.fields.err as Error).message, line.fields.path])).toEqual([
      ['sync failure', '/throws'],
      ['async failure', '/rejects'],
      ['late failure', '/half'],
    ]);
  });

  it('answers 408 to a client that never finishes sending its request', async () => {
    // A route that reads the whole body before answering, as /slack/events does.
    const reads = (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    };
    const port = await start(async () => {}, {
      routes: new Map([['/upload', reads]]),
      requestTimeoutMs: 200,
    });
    const head = 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n';
    const answer = await raw(port, `${head}only part of it`, { end: false });

    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe('listen', () => {
  it('resolves with the port it bound when asked for port 0', async () => {
    const port = await start(async () => {});
    expect(port).toBeGreaterThan(0);
    expect((await send(port, 'GET', '/healthz')).status).toBe(200);
  });
});
