import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import { webhookNetwork } from '../../src/publish/webhook/network.ts';
import { parseSecret, signMessage } from '../../src/publish/webhook/signature.ts';
import { WebhookPublisher } from '../../src/publish/webhook/webhook-publisher.ts';
import { FakeWebhookReceiver, type ReceivedWebhook } from '../fakes/fake-webhook-receiver.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { approvalOf } from '../support/publish-request.ts';
import { testPublisherContext } from '../support/publisher-context.ts';

// The `webhook` network against a real HTTP receiver on loopback, through
// the real fetch. Signatures follow Standard Webhooks 1.0.0
// (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md).

/** A 32-byte secret in the spec's serialization. */
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

const TEAM: Team = {
  id: 'social',
  chat: 'shell',
  channel: 'social',
  language: 'it',
  timeZone: 'Europe/Rome',
  approvers: ['capo'],
  approvalsRequired: 1,
  targets: ['sito-hook'],
  posting: {},
  digest: { time: '08:30', days: ['mon'] },
};

function targetFor(url: string, secret = SECRET): Target {
  return {
    id: 'sito-hook',
    network: 'webhook',
    displayName: 'Sito (webhook)',
    credentials: { url, secret },
  };
}

function requestFor(target: Target, overrides: Partial<PublishRequest> = {}): PublishRequest {
  return {
    deliveryId: '0b7c2a4e-8f1d-4c55-9a0e-3f2d1c0b9a87',
    idempotencyKey: 'araldo-0b7c2a4e-8f1d-4c55-9a0e-3f2d1c0b9a87',
    target,
    team: TEAM,
    postNumber: 12,
    text: 'Mercatino di Natale in piazza Walther: dal 27 novembre, tutti i giorni 10-19. 🎄',
    images: [
      { url: 'https://www.comune.example.it/img/mercatino.jpg', alt: 'Bancarelle illuminate in piazza' },
    ],
    author: { id: 'U0EDITOR', name: 'Giulia' },
    publishedAt: new Date('2026-11-21T09:00:00Z'),
    proposedAt: new Date('2026-11-20T15:30:00Z'),
    approval: async () => approvalOf(target),
    checkpoint: undefined,
    saveCheckpoint: async () => true,
    ...overrides,
  };
}

/**
 * Verification written from the spec alone (not from Araldo's code nor the
 * fake's): strip `whsec_`, base64-decode the key, HMAC-SHA256 the string
 * `${id}.${timestamp}.${body}`, base64; any `v1,` entry of the header may match.
 */
function verifyFromSpec(secret: string, request: ReceivedWebhook): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const id = request.headers['webhook-id'] ?? '';
  const timestamp = request.headers['webhook-timestamp'] ?? '';
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.rawBody}`).digest('base64');
  return (request.headers['webhook-signature'] ?? '').split(' ').includes(`v1,${expected}`);
}

const receivers: FakeWebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function startReceiver(options: Partial<Parameters<typeof FakeWebhookReceiver.start>[0]> = {}) {
  const receiver = await FakeWebhookReceiver.start({ secret: SECRET, ...options });
  receivers.push(receiver);
  return receiver;
}

function publisherFor(url: string, secret = SECRET): WebhookPublisher {
  const key = parseSecret(secret);
  if (!key.ok) throw new Error('test secret refused');
  return new WebhookPublisher({ url, key: key.value, logger: new RecordingLogger() });
}

async function publishOnce(receiver: FakeWebhookReceiver, request?: PublishRequest): Promise<PublishOutcome> {
  return publisherFor(receiver.url).publish(
    request ?? requestFor(targetFor(receiver.url)),
    new AbortController().signal,
  );
}

describe('the webhook signature', () => {
  it('matches the test vector of the Standard Webhooks reference library', () => {
    // libraries/javascript/src/webhook.test.ts, "sign function works"
    const key = parseSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(key.ok).toBe(true);
    if (!key.ok) return;
    expect(signMessage(key.value, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('takes the secret with or without its whsec_ prefix, and refuses one that cannot sign', () => {
    const bare = Buffer.alloc(24, 1).toString('base64');
    expect(parseSecret(`whsec_${bare}`)).toEqual(parseSecret(bare));
    expect(parseSecret('whsec_not base64!')).toEqual({ ok: false, error: 'not_base64' });
    expect(parseSecret(`whsec_${Buffer.alloc(23).toString('base64')}`)).toEqual({
      ok: false,
      error: 'too_short',
    });
    expect(parseSecret(`whsec_${Buffer.alloc(65).toString('base64')}`)).toEqual({
      ok: false,
      error: 'too_long',
    });
    expect(parseSecret('whsec_')).toEqual({ ok: false, error: 'not_base64' });
  });
});

describe('WebhookPublisher', () => {
  it('posts the published post as signed JSON that the spec’s verification accepts', async () => {
    const receiver = await startReceiver();
    const before = Math.floor(Date.now() / 1000);
    const outcome = await publishOnce(receiver);
    const after = Math.floor(Date.now() / 1000);

    const [request] = receiver.requests;
    expect(request?.signatureValid).toBe(true);
    expect(request && verifyFromSpec(SECRET, request)).toBe(true);
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['webhook-id']).toBe('araldo-0b7c2a4e-8f1d-4c55-9a0e-3f2d1c0b9a87');
    // The attempt's real time, whatever Araldo's clock reads: receivers compare it with theirs.
    const timestamp = Number(request?.headers['webhook-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expect(request?.body).toEqual({
      type: 'post.published',
      timestamp: '2026-11-21T09:00:00.000Z',
      data: {
        post: 12,
        team: 'social',
        target: { id: 'sito-hook', displayName: 'Sito (webhook)' },
        deliveryId: '0b7c2a4e-8f1d-4c55-9a0e-3f2d1c0b9a87',
        text: 'Mercatino di Natale in piazza Walther: dal 27 novembre, tutti i giorni 10-19. 🎄',
        images: [
          { url: 'https://www.comune.example.it/img/mercatino.jpg', alt: 'Bancarelle illuminate in piazza' },
        ],
        author: { id: 'U0EDITOR', name: 'Giulia' },
        approvers: [{ id: 'U0CAPO', name: 'Capo' }],
        targets: [{ id: 'sito-hook', displayName: 'Sito (webhook)', network: 'webhook' }],
        publishedAt: '2026-11-21T09:00:00.000Z',
      },
    });
    expect(outcome).toEqual({
      kind: 'published',
      remoteId: 'araldo-0b7c2a4e-8f1d-4c55-9a0e-3f2d1c0b9a87',
      url: `${receiver.url}/posts/12`,
    });
  });

  it('takes the receiver’s id as the remote id when it gives one', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: 'news-881', url: 'https://www.comune.example.it/notizie/881' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const outcome = await publisherFor(url).publish(
        requestFor(targetFor(url)),
        new AbortController().signal,
      );
      expect(outcome).toEqual({
        kind: 'published',
        remoteId: 'news-881',
        url: 'https://www.comune.example.it/notizie/881',
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('says in the team’s words that the post was delivered when the receiver names no page', async () => {
    const receiver = await startReceiver({ publicUrl: () => undefined });
    const it = await publishOnce(receiver);
    expect(it).toMatchObject({ kind: 'published', url: expect.stringContaining('consegnato al webhook') });
    const en = await publishOnce(
      receiver,
      requestFor(targetFor(receiver.url), { team: { ...TEAM, language: 'en' }, idempotencyKey: 'araldo-en' }),
    );
    expect(en).toMatchObject({ kind: 'published', url: expect.stringContaining('delivered to the webhook') });
  });

  it('sends the same webhook-id on a retry, so the receiver processes the post once', async () => {
    const receiver = await startReceiver();
    // The receiver stores the post, then the connection drops before its answer.
    receiver.failNext({ kind: 'drop', processed: true });
    const first = await publishOnce(receiver);
    expect(first.kind).toBe('unknown');
    const second = await publishOnce(receiver);

    expect(second).toMatchObject({ kind: 'published', url: `${receiver.url}/posts/12` });
    expect(receiver.requests.map((r) => r.id)).toEqual([
      'araldo-0b7c2a4e-8f1d-4c55-9a0e-3f2d1c0b9a87',
      'araldo-0b7c2a4e-8f1d-4c55-9a0e-3f2d1c0b9a87',
    ]);
    expect(receiver.distinctIds).toBe(1);
    expect(receiver.duplicates).toBe(1);
    expect(receiver.processed.size).toBe(1);
    // Each attempt is signed afresh, and both verify.
    expect(receiver.requests.every((r) => verifyFromSpec(SECRET, r))).toBe(true);
  });

  it('reports an unknown outcome when the attempt’s time runs out after the request left', async () => {
    const receiver = await startReceiver();
    receiver.failNext({ kind: 'hold' });
    const controller = new AbortController();
    const attempt = publisherFor(receiver.url).publish(
      requestFor(targetFor(receiver.url)),
      controller.signal,
    );
    await receiver.waitForRequests(1);
    controller.abort();
    expect(await attempt).toMatchObject({ kind: 'unknown' });

    // The slow receiver finishes its work anyway; the retry finds it done.
    receiver.release();
    const again = await publishOnce(receiver);
    expect(again).toMatchObject({ kind: 'published' });
    expect(receiver.processed.size).toBe(1);
    expect(receiver.duplicates).toBe(1);
  });

  it('sends nothing when the attempt’s time ran out before it started', async () => {
    const receiver = await startReceiver();
    const outcome = await publisherFor(receiver.url).publish(
      requestFor(targetFor(receiver.url)),
      AbortSignal.abort(),
    );
    expect(outcome.kind).toBe('unavailable');
    expect(receiver.requests).toEqual([]);
  });

  it('sends nothing and retries later when the approvers cannot be read', async () => {
    const receiver = await startReceiver();
    const outcome = await publisherFor(receiver.url).publish(
      requestFor(targetFor(receiver.url), {
        approval: () => Promise.reject(new Error('connection terminated')),
      }),
      new AbortController().signal,
    );
    expect(outcome.kind).toBe('unavailable');
    expect(receiver.requests).toEqual([]);
  });

  it('names every approver and every target of the post', async () => {
    const receiver = await startReceiver();
    const target = targetFor(receiver.url);
    await publisherFor(receiver.url).publish(
      requestFor(target, {
        approval: async () => ({
          approvers: [
            { id: 'U0CAPO', name: 'Capo' },
            { id: 'U0VICE', name: 'Vice' },
          ],
          targets: [
            { id: 'sito', displayName: 'Sito', network: 'feed' },
            { id: 'sito-hook', displayName: 'Sito (webhook)', network: 'webhook' },
          ],
        }),
      }),
      new AbortController().signal,
    );
    const body = receiver.requests[0]?.body as { data: { approvers: unknown; targets: unknown } };
    expect(body.data.approvers).toEqual([
      { id: 'U0CAPO', name: 'Capo' },
      { id: 'U0VICE', name: 'Vice' },
    ]);
    expect(body.data.targets).toEqual([
      { id: 'sito', displayName: 'Sito', network: 'feed' },
      { id: 'sito-hook', displayName: 'Sito (webhook)', network: 'webhook' },
    ]);
  });

  it('reports a receiver that cannot be reached as unavailable: nothing was sent', async () => {
    const receiver = await startReceiver();
    const url = receiver.url;
    await receiver.close();
    receivers.splice(receivers.indexOf(receiver), 1);
    const outcome = await publisherFor(url).publish(requestFor(targetFor(url)), new AbortController().signal);
    expect(outcome).toMatchObject({ kind: 'unavailable', detail: expect.stringContaining('ECONNREFUSED') });
  });

  describe('maps each failure to its code', () => {
    it('a refused signature is a revoked token (wrong secret: 401; or 403)', async () => {
      const receiver = await startReceiver({ secret: `whsec_${Buffer.alloc(32, 9).toString('base64')}` });
      const outcome = await publishOnce(receiver);
      expect(outcome).toMatchObject({
        kind: 'rejected',
        code: 'token_revoked',
        networkReason: 'invalid signature',
      });
      expect(receiver.requests[0]?.signatureValid).toBe(false);

      const forbidding = await startReceiver();
      forbidding.failNext({ kind: 'status', status: 403, body: { error: 'sender not allowed' } });
      expect(await publishOnce(forbidding)).toMatchObject({ kind: 'rejected', code: 'token_revoked' });
    });

    it('404 and 410 are a misconfigured target', async () => {
      const receiver = await startReceiver();
      receiver.failNext({ kind: 'status', status: 404 }, { kind: 'status', status: 410, body: 'gone' });
      expect(await publishOnce(receiver)).toMatchObject({ kind: 'rejected', code: 'misconfigured' });
      expect(await publishOnce(receiver)).toMatchObject({
        kind: 'rejected',
        code: 'misconfigured',
        detail: expect.stringContaining('410 Gone'),
      });
    });

    it('400, 413 and 422 are refused content, with the receiver’s reason', async () => {
      const receiver = await startReceiver();
      receiver.failNext(
        { kind: 'status', status: 422, body: { error: 'Il testo contiene parole non ammesse' } },
        { kind: 'status', status: 413, body: 'Payload\ntoo large' },
        { kind: 'status', status: 400, body: { error: { message: 'images[0].alt is empty' } } },
        { kind: 'status', status: 400, body: '<html><body>Bad Request</body></html>' },
      );
      expect(await publishOnce(receiver)).toEqual({
        kind: 'rejected',
        code: 'content_refused',
        detail: 'the receiver refused the post (HTTP 422): Il testo contiene parole non ammesse',
        networkReason: 'Il testo contiene parole non ammesse',
      });
      expect(await publishOnce(receiver)).toMatchObject({
        code: 'content_refused',
        networkReason: 'Payload too large',
      });
      expect(await publishOnce(receiver)).toMatchObject({
        code: 'content_refused',
        networkReason: 'images[0].alt is empty',
      });
      const html = await publishOnce(receiver);
      expect(html).toMatchObject({ code: 'content_refused' });
      expect(html).not.toHaveProperty('networkReason');
    });

    it('429 is rate_limited for the Retry-After it gives, in seconds or as a date', async () => {
      const receiver = await startReceiver();
      receiver.failNext(
        { kind: 'rate_limited', retryAfter: '120' },
        { kind: 'rate_limited', retryAfter: new Date(Date.now() + 90_000).toUTCString() },
        { kind: 'rate_limited' },
      );
      expect(await publishOnce(receiver)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 120_000 });
      const dated = await publishOnce(receiver);
      expect(dated.kind).toBe('rate_limited');
      // An HTTP-date has whole seconds: between 88 and 90 s from now.
      expect(dated.kind === 'rate_limited' && dated.retryAfterMs).toBeGreaterThan(87_000);
      expect(dated.kind === 'rate_limited' && dated.retryAfterMs).toBeLessThanOrEqual(90_000);
      expect(await publishOnce(receiver)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000 });
    });

    it('5xx is unavailable, or rate_limited when it says how long to wait', async () => {
      const receiver = await startReceiver();
      receiver.failNext(
        { kind: 'status', status: 500, body: 'boom' },
        { kind: 'status', status: 503, headers: { 'retry-after': '30' } },
      );
      expect(await publishOnce(receiver)).toMatchObject({ kind: 'unavailable' });
      expect(await publishOnce(receiver)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000 });
    });

    it('a redirect is a misconfigured target, not followed', async () => {
      const receiver = await startReceiver();
      receiver.failNext({ kind: 'status', status: 301, headers: { location: 'https://elsewhere.example/' } });
      expect(await publishOnce(receiver)).toMatchObject({ kind: 'rejected', code: 'misconfigured' });
      expect(receiver.requests).toHaveLength(1);
    });

    it('a connection dropped after the body was sent is unknown', async () => {
      const receiver = await startReceiver();
      receiver.failNext({ kind: 'drop', processed: false });
      expect(await publishOnce(receiver)).toMatchObject({ kind: 'unknown' });
      expect(receiver.processed.size).toBe(0);
    });
  });
});

describe('the webhook network definition', () => {
  it('creates a publisher from a target’s credentials that publishes to the receiver', async () => {
    const receiver = await startReceiver();
    const target = targetFor(receiver.url);
    const publisher = webhookNetwork.create(target, testPublisherContext({ logger: new RecordingLogger() }));
    expect(publisher.idempotent).toBe(true);
    expect(await publisher.publish(requestFor(target), new AbortController().signal)).toMatchObject({
      kind: 'published',
    });
    expect(receiver.requests[0]?.signatureValid).toBe(true);
  });

  it('publishes through an injected fetch', async () => {
    const seen: string[] = [];
    const target = targetFor('https://www.comune.example.it/araldo/hook');
    const publisher = webhookNetwork.create(target, {
      ...testPublisherContext(),
      logger: new RecordingLogger(),
      fetch: (input) => {
        seen.push(String(input));
        return Promise.resolve(Response.json({ url: 'https://www.comune.example.it/notizie/12' }));
      },
    });
    expect(await publisher.publish(requestFor(target), new AbortController().signal)).toMatchObject({
      url: 'https://www.comune.example.it/notizie/12',
    });
    expect(seen).toEqual(['https://www.comune.example.it/araldo/hook']);
  });
});
