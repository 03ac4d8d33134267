import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_BODY_LIMIT_BYTES } from '../../src/chat/slack/events-endpoint.ts';
import { FakeSlack } from '../fakes/fake-slack.ts';
import { encodeSlackBody, postSigned, slackSignature } from '../fakes/slack-signing.ts';
import { ephemeralAnswerOf, slashCommandBody } from '../fixtures/slack-payloads.ts';
import {
  type AraldoProcess,
  killAllAraldos,
  parseLog,
  startAraldoProcess,
} from '../support/araldo-process.ts';

// Issue 7, point 2: no request can stop the process. The real entry point
// runs as a child process with Slack in HTTP mode against FakeSlack; every
// request here is one a careless client or an attacker can send to the
// public port, and each must get an HTTP status while Araldo keeps serving.
// One child serves the whole file (starting PGlite takes seconds). Each test
// sends a table of requests at once, compares every status with the one
// expected (a request that got no answer shows how it failed), then checks
// that /healthz answers and that a signed slash command still gets its reply.

const SECRET = 'hostile-signing-secret-123';
const CHANNEL = 'C0SOCIAL';
const EDITOR = 'U0EDITOR';
const START_TIMEOUT = { timeout: 90_000 };
const FORM = 'application/x-www-form-urlencoded';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface SendOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** send the body in pieces with no Content-Length (chunked transfer coding) */
  readonly chunks?: readonly Buffer[];
}

let fake: FakeSlack;
let araldo: AraldoProcess;
let port: number;
let dataDir: string;

beforeAll(async () => {
  fake = await FakeSlack.start({ channels: [CHANNEL] });
  fake.setUser(EDITOR, { name: 'editor', displayName: 'Giulia Redattrice' });
  dataDir = mkdtempSync(join(tmpdir(), 'araldo-hostile-'));
  const configPath = join(dataDir, 'araldo.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      teams: [{ id: 'comunicazione', chat: 'slack', channel: CHANNEL, approvers: ['U0SUPERV'] }],
      targets: [{ id: 'sito', network: 'feed', displayName: 'Sito istituzionale' }],
    }),
  );
  araldo = startAraldoProcess({
    dataDir,
    env: {
      ARALDO_CONFIG: configPath,
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.url,
    },
  });
  port = await araldo.port();
}, START_TIMEOUT.timeout);

afterAll(async () => {
  await killAllAraldos();
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** One request through node:http (paths reach the server exactly as written), one connection. */
function send(method: string, path: string, options: SendOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    let answered = false;
    req.on('response', () => {
      answered = true;
    });
    // Once the answer is in, the server may close on a body still being sent (413): not a failure.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

/** Slack's signature headers for `body`, signed now (Bolt checks staleness against the real clock). */
function signed(body: string, contentType: string, timestamp = Math.floor(Date.now() / 1000)) {
  return {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(SECRET, body, timestamp),
  };
}

function postEvents(body: string, contentType: string): Promise<Answer> {
  return send('POST', '/slack/events', { headers: signed(body, contentType), body });
}

/** Bytes written on a raw socket; resolves with what came back before the server closed it. */
function raw(bytes: string | Buffer, { hangUp = false } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if (hangUp) socket.destroy();
      else socket.end();
    });
    let received = '';
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' && received) resolve(received);
      else reject(error);
    });
    socket.on('close', () => resolve(received));
  });
}

/** the status of a raw HTTP answer (`HTTP/1.1 400 Bad Request…`) */
function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1] ?? 0);
}

/** One request of a table, and the answer it must get (a status, or a status and a header). */
interface Case {
  readonly label: string;
  readonly expected: string;
  readonly run: () => Promise<string>;
}

function status(label: string, expected: number, run: () => Promise<Answer>): Case {
  return { label, expected: String(expected), run: () => run().then((answer) => String(answer.status)) };
}

function withHeader(label: string, expected: string, run: () => Promise<Answer>, header: string): Case {
  return {
    label,
    expected,
    run: () => run().then((a) => `${a.status} ${header}: ${String(a.headers[header])}`),
  };
}

/** every case's outcome, `label → status`, failures to answer included */
async function outcomes(cases: readonly Case[]): Promise<string[]> {
  return Promise.all(
    cases.map(async (c) => {
      const outcome = await c
        .run()
        .catch((error: NodeJS.ErrnoException) => `no answer (${error.code ?? error.message})`);
      return `${c.label} → ${outcome}`;
    }),
  );
}

async function expectAnswers(cases: readonly Case[]): Promise<void> {
  expect(await outcomes(cases), araldo.transcript()).toEqual(cases.map((c) => `${c.label} → ${c.expected}`));
}

async function expectStillServing(): Promise<void> {
  const health = await send('GET', '/healthz');
  expect(health.status, araldo.transcript()).toBe(200);
  expect(araldo.exit).toBeUndefined();
  // Nothing reached the process-level safety net either: each request was answered where it arrived.
  const escaped = araldo.stderr.filter((line) => parseLog(line)?.component === 'process');
  expect(escaped).toEqual([]);
  // And Slack still works: a signed /help is acked, the answer with it.
  const ack = await postSigned(`http://127.0.0.1:${port}/slack/events`, {
    secret: SECRET,
    body: slashCommandBody({ command: '/araldo', text: '', userId: EDITOR, channelId: CHANNEL }),
  });
  expect(ack.status).toBe(200);
  expect(ephemeralAnswerOf(ack.body)).toMatch(/Comandi di Araldo/);
}

const JSON_TYPE = 'application/json';
const helpForm = () =>
  encodeSlackBody(
    slashCommandBody({ command: '/araldo', text: '', userId: EDITOR, channelId: CHANNEL }),
    FORM,
  );
const cutShort = `POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM}\r\nContent-Length: 1000\r\n\r\ncommand=%2Fhelp`;
const rawStatus = (bytes: string, options?: { hangUp?: boolean }) => () =>
  raw(bytes, options).then((answer) => String(statusOf(answer)));

describe('hostile requests to a running Araldo', () => {
  it('answers every request to /slack/events that is not a valid Slack request with a status, and keeps serving', async () => {
    const json = (body: string) => () => postEvents(body, JSON_TYPE);
    const form = (body: string) => () => postEvents(body, FORM);
    const url = JSON.stringify({ type: 'url_verification', challenge: 'c' });
    const big = `payload=${'a'.repeat(2 * 1024 * 1024)}`;
    const chunk = Buffer.alloc(256 * 1024, 'a');
    const now = Math.floor(Date.now() / 1000);
    expect(big.length).toBeGreaterThan(SLACK_BODY_LIMIT_BYTES);
    await expectAnswers([
      // Any method but POST: 405 with Allow (the query string does not route around it).
      ...['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].map((method) =>
        withHeader(`${method}`, '405 allow: POST', () => send(method, '/slack/events'), 'allow'),
      ),
      withHeader(
        'GET ?ssl_check=1',
        '405 allow: POST',
        () => send('GET', '/slack/events?ssl_check=1'),
        'allow',
      ),
      // A signed body that is neither a form nor JSON: 415 naming the two types.
      ...[
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
      ].map((type) =>
        withHeader(
          `signed ${type}`,
          `415 accept: ${FORM}, ${JSON_TYPE}`,
          () => postEvents(helpForm(), type),
          'accept',
        ),
      ),
      status('no content type', 415, () => send('POST', '/slack/events', { body: '{}' })),
      // A signed body Bolt cannot read as a Slack payload: 400.
      ...['{"type": "event_callback", ', 'null', '[]', '"text"', '42', ''].map((body) =>
        status(`signed JSON ${JSON.stringify(body)}`, 400, json(body)),
      ),
      ...['payload=not-json', 'payload=null', `payload=${encodeURIComponent('[1,2]')}`].map((body) =>
        status(`signed form ${body}`, 400, form(body)),
      ),
      // Unsigned, badly signed, stale: 401, whatever the body.
      status('unsigned', 401, () =>
        send('POST', '/slack/events', { headers: { 'content-type': JSON_TYPE }, body: url }),
      ),
      status('unsigned null', 401, () =>
        send('POST', '/slack/events', { headers: { 'content-type': JSON_TYPE }, body: 'null' }),
      ),
      status('bad signature', 401, () =>
        send('POST', '/slack/events', {
          headers: { ...signed(url, JSON_TYPE), 'x-slack-signature': `v0=${'0'.repeat(64)}` },
          body: url,
        }),
      ),
      status('stale', 401, () =>
        send('POST', '/slack/events', { headers: signed(url, JSON_TYPE, now - 600), body: url }),
      ),
      // 2 MB, over the 1 MiB limit: 413, by Content-Length or as it streams.
      status('2 MB declared', 413, () =>
        send('POST', '/slack/events', { headers: signed(big, FORM), body: big }),
      ),
      status('2 MB chunked', 413, () =>
        send('POST', '/slack/events', {
          headers: { 'content-type': FORM },
          chunks: Array.from({ length: 8 }, () => chunk),
        }),
      ),
      // A body cut short: Node's 400; a client that hangs up mid-body gets nothing, and harms nothing.
      { label: 'body cut short', expected: '400', run: rawStatus(cutShort) },
      { label: 'hang-up mid-body', expected: '0', run: rawStatus(cutShort, { hangUp: true }) },
      // Signed and readable, but nothing Slack sends: Bolt answers. Nothing acks the first two, so its
      // unhandledRequestTimeoutMillis (3 s) gives 404; it throws on `event: null`, and its
      // processEventErrorHandler gives 500. Statuses, not crashes.
      status('signed form foo=bar', 404, form('foo=bar')),
      status('signed JSON of no known type', 404, json(JSON.stringify({ type: 'no_such_type' }))),
      status('signed event: null', 500, json(JSON.stringify({ type: 'event_callback', event: null }))),
    ]);
    await expectStillServing();
  });

  it('answers hostile requests to the rest of the port with a status, and keeps serving', async () => {
    const withBody = { headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(100_000) };
    await expectAnswers([
      ...(
        [
          ['POST', '/healthz'],
          ['PUT', '/healthz'],
          ['OPTIONS', '/healthz'],
          ['DELETE', '/feeds/sito.xml'],
          ['POST', '/feeds/sito.xml'],
        ] as const
      ).map(([method, path]) =>
        withHeader(`${method} ${path}`, '405 allow: GET, HEAD', () => send(method, path, withBody), 'allow'),
      ),
      ...[
        '/',
        '/nope',
        '/slack',
        '/slack/events/x',
        '/feeds/../../etc/passwd',
        '/feeds/..%2F..%2Fetc%2Fpasswd',
        '/feeds/sito.xml/..',
      ].map((path) => status(`GET ${path}`, 404, () => send('GET', path))),
      // Request targets that are no URL.
      ...['//', '//[', 'http://[', 'http://a:b@/x'].map((target) => ({
        label: `GET ${target}`,
        expected: '400',
        run: rawStatus(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      })),
      { label: 'not HTTP', expected: '400', run: rawStatus('hello\r\n\r\n') },
      {
        label: '20 KB header',
        expected: '431',
        run: rawStatus(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      },
    ]);
    await expectStillServing();
  });

  it('accepts the JSON and form types with a UTF-8 charset, which Bolt alone would misread', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'sfida' });
    const answer = await postEvents(body, 'Application/JSON; charset=UTF-8');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ challenge: 'sfida' });
    // Slack's SSL check is the one request it sends unsigned; Bolt answers it.
    const sslCheck = await send('POST', '/slack/events', {
      headers: { 'content-type': `${FORM}; charset=utf-8` },
      body: 'ssl_check=1&token=x',
    });
    expect(sslCheck.status).toBe(200);
    await expectStillServing();
  });
});
