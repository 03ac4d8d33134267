import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import {
  MastodonPublisher,
  type MastodonPublisherOptions,
} from '../../src/publish/mastodon/mastodon-publisher.ts';
import { mastodonNetwork } from '../../src/publish/mastodon/network.ts';
import { networkNamed } from '../../src/publish/registry.ts';
import {
  FAKE_MASTODON_TOKEN,
  FakeMastodon,
  type FakeMastodonOptions,
  TINY_JPEG,
  TINY_PNG,
} from '../fakes/fake-mastodon.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { publishRequestFor } from '../support/publish-request.ts';
import { testPublisherContext } from '../support/publisher-context.ts';

// The `mastodon` network against a fake instance on loopback (no Mastodon
// server can be installed here: /work/shared/notes/networks.md), through the
// real fetch. The fake's behaviour and bodies come from Mastodon's source and
// docs.joinmastodon.org; see test/fakes/fake-mastodon.ts.

const TEAM: Team = {
  id: 'social',
  chat: 'shell',
  channel: 'social',
  language: 'it',
  timeZone: 'Europe/Rome',
  approvers: ['capo'],
  approvalsRequired: 1,
  targets: ['comune-masto'],
  posting: {},
  digest: { time: '08:30', days: ['mon'] },
};
const TEAM_EN: Team = { ...TEAM, language: 'en' };

const fakes: FakeMastodon[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startFake(options: FakeMastodonOptions = {}): Promise<FakeMastodon> {
  const fake = await FakeMastodon.start(options);
  fakes.push(fake);
  return fake;
}

function targetFor(fake: FakeMastodon, token = FAKE_MASTODON_TOKEN): Target {
  return {
    id: 'comune-masto',
    network: 'mastodon',
    displayName: 'Comune su Mastodon',
    baseUrl: fake.url,
    credentials: { accessToken: token },
  };
}

function publisherFor(
  fake: FakeMastodon,
  options: Partial<MastodonPublisherOptions> = {},
): MastodonPublisher {
  return new MastodonPublisher({
    instanceUrl: fake.url,
    accessToken: FAKE_MASTODON_TOKEN,
    logger: new RecordingLogger(),
    // No real waits between looks at a processing upload.
    pollDelayMs: () => 0,
    ...options,
  });
}

function requestFor(fake: FakeMastodon, overrides: Partial<PublishRequest> = {}): PublishRequest {
  return publishRequestFor(targetFor(fake), TEAM, overrides);
}

async function publishOnce(
  fake: FakeMastodon,
  overrides: Partial<PublishRequest> = {},
  options: Partial<MastodonPublisherOptions> = {},
): Promise<PublishOutcome> {
  return publisherFor(fake, options).publish(requestFor(fake, overrides), new AbortController().signal);
}

describe('MastodonPublisher', () => {
  it('posts a public status with the Idempotency-Key and answers its public URL', async () => {
    const fake = await startFake();
    const request = requestFor(fake, {
      text: 'Domani chiude il ponte di via Roma: https://www.comune.example.it/ponte',
    });
    const outcome = await publisherFor(fake).publish(request, new AbortController().signal);

    const [status] = fake.statuses;
    expect(outcome).toEqual({
      kind: 'published',
      remoteId: status?.id,
      url: `${fake.url}/@comune/${status?.id}`,
    });
    const [sent] = fake.requestsTo('status');
    expect(sent?.headers.authorization).toBe(`Bearer ${FAKE_MASTODON_TOKEN}`);
    expect(sent?.headers['idempotency-key']).toBe(request.idempotencyKey);
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.fields).toEqual({
      status: 'Domani chiude il ponte di via Roma: https://www.comune.example.it/ponte',
      media_ids: [],
      visibility: 'public',
      language: 'it',
    });
    expect(fake.requests.map((r) => r.route)).toEqual(['status']);
  });

  it('writes the status in the team’s language', async () => {
    const fake = await startFake();
    await publisherFor(fake).publish(
      publishRequestFor(targetFor(fake), TEAM_EN),
      new AbortController().signal,
    );
    expect(fake.statuses[0]?.language).toBe('en');
  });

  it('uploads an image with its alt text as description and attaches it', async () => {
    const fake = await startFake();
    const url = fake.serveImage('ponte.png', TINY_PNG, { contentType: 'application/octet-stream' });
    const outcome = await publishOnce(fake, {
      images: [{ url, alt: 'Il ponte di via Roma chiuso con le transenne' }],
    });

    expect(outcome.kind).toBe('published');
    expect(fake.requests.map((r) => r.route)).toEqual(['image', 'media_upload', 'status']);
    const [upload] = fake.requestsTo('media_upload');
    expect(upload?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload?.headers.authorization).toBe(`Bearer ${FAKE_MASTODON_TOKEN}`);
    // The type comes from the bytes, whatever the image's server called it.
    expect(upload?.fields).toEqual({
      file: { name: 'araldo-1.png', type: 'image/png', size: TINY_PNG.length },
      description: 'Il ponte di via Roma chiuso con le transenne',
    });
    const [media] = fake.media.values();
    expect(media?.description).toBe('Il ponte di via Roma chiuso con le transenne');
    expect(fake.statuses[0]?.mediaIds).toEqual([media?.id]);
    expect(media?.statusId).toBe(fake.statuses[0]?.id);
    expect(fake.requestsTo('image')[0]?.headers['user-agent']).toBe('Araldo');
  });

  it('waits until the instance has processed each of four images, then attaches them in order', async () => {
    const fake = await startFake();
    fake.processingPolls = 2;
    const images = ['a', 'b', 'c', 'd'].map((name, i) => ({
      url: fake.serveImage(`${name}.jpg`, TINY_JPEG, { contentType: 'image/jpeg' }),
      alt: `Foto ${i + 1} del mercatino`,
    }));
    const polls: number[] = [];
    const pollDelayMs = (poll: number): number => {
      polls.push(poll);
      return 0;
    };
    const outcome = await publishOnce(fake, { images }, { pollDelayMs });

    expect(outcome.kind).toBe('published');
    expect(fake.requestsTo('media_upload').map((r) => r.status)).toEqual([202, 202, 202, 202]);
    // Each upload: 206, 206, then 200 with its url.
    expect(fake.requestsTo('media_check').map((r) => r.status)).toEqual([
      206, 206, 200, 206, 206, 200, 206, 206, 200, 206, 206, 200,
    ]);
    expect(polls).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    const ids = [...fake.media.values()].map((media) => media.id);
    expect(fake.statuses[0]?.mediaIds).toEqual(ids);
    expect([...fake.media.values()].map((m) => [m.description, m.fileName])).toEqual([
      ['Foto 1 del mercatino', 'araldo-1.jpg'],
      ['Foto 2 del mercatino', 'araldo-2.jpg'],
      ['Foto 3 del mercatino', 'araldo-3.jpg'],
      ['Foto 4 del mercatino', 'araldo-4.jpg'],
    ]);
  });

  it('sends nothing when the attempt’s time ran out before it started', async () => {
    const fake = await startFake();
    const outcome = await publisherFor(fake).publish(requestFor(fake), AbortSignal.abort());
    expect(outcome.kind).toBe('unavailable');
    expect(fake.requests).toEqual([]);
  });

  it('reports unavailable, with no status sent, when time runs out while the instance processes an image', async () => {
    const fake = await startFake();
    fake.processingPolls = 1_000;
    const controller = new AbortController();
    const image = { url: fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
    const attempt = publisherFor(fake).publish(requestFor(fake, { images: [image] }), controller.signal);
    await fake.waitForRequests(3, 'media_check');
    controller.abort();
    expect(await attempt).toMatchObject({ kind: 'unavailable' });
    expect(fake.requestsTo('status')).toEqual([]);
  });

  describe('after a crash or a timeout', () => {
    it('sends the status again with the same key and gets the first one back: one post', async () => {
      const fake = await startFake();
      const image = { url: fake.serveImage('a.png', TINY_PNG), alt: 'Piazza Walther' };
      const request = requestFor(fake, { images: [image] });
      // The instance makes the status, then the connection drops before its answer.
      fake.failNext('status', { kind: 'drop', processed: true });
      const first = await publisherFor(fake).publish(request, new AbortController().signal);
      expect(first.kind).toBe('unknown');
      expect(fake.statuses).toHaveLength(1);

      // The engine resends (the network is idempotent), as a restarted Araldo would.
      const second = await publisherFor(fake).publish(request, new AbortController().signal);
      expect(second).toEqual({
        kind: 'published',
        remoteId: fake.statuses[0]?.id,
        url: fake.statuses[0]?.url,
      });
      expect(fake.statuses).toHaveLength(1);
      expect(fake.requestsTo('status').map((r) => r.headers['idempotency-key'])).toEqual([
        request.idempotencyKey,
        request.idempotencyKey,
      ]);
      // The image went up twice; the second upload stays unattached (the instance removes such uploads).
      const uploads = [...fake.media.values()];
      expect(uploads.map((m) => m.statusId)).toEqual([fake.statuses[0]?.id, undefined]);
    });

    it('reports unknown when the time runs out after the status left, and the retry finds it', async () => {
      const fake = await startFake();
      fake.failNext('status', { kind: 'hold' });
      const request = requestFor(fake);
      const controller = new AbortController();
      const attempt = publisherFor(fake).publish(request, controller.signal);
      await fake.waitForRequests(1, 'status');
      controller.abort();
      expect(await attempt).toMatchObject({ kind: 'unknown' });

      // The slow instance finishes its work anyway.
      fake.release();
      await fake.waitForStatuses(1);
      const again = await publisherFor(fake).publish(request, new AbortController().signal);
      expect(again).toMatchObject({ kind: 'published', remoteId: fake.statuses[0]?.id });
      expect(fake.statuses).toHaveLength(1);
    });

    it('reports unknown when the connection drops before the instance made the status', async () => {
      const fake = await startFake();
      fake.failNext('status', { kind: 'drop', processed: false });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'unknown' });
      expect(fake.statuses).toEqual([]);
    });

    it('reports unknown when the instance answers 200 with a body it cannot read', async () => {
      const fake = await startFake();
      fake.failNext('status', { kind: 'status', status: 200, body: '<html>proxy</html>' });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'unknown' });
    });

    it('reports unavailable when an upload’s connection drops: nothing was published', async () => {
      const fake = await startFake();
      fake.failNext('media_upload', { kind: 'drop' });
      const image = { url: fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      expect(await publishOnce(fake, { images: [image] })).toMatchObject({ kind: 'unavailable' });
      expect(fake.requestsTo('status')).toEqual([]);
    });
  });

  describe('maps each failure to its code', () => {
    it('an invalid or revoked token is token_revoked; an expired one token_expired', async () => {
      const fake = await startFake({
        tokens: {
          [FAKE_MASTODON_TOKEN]: { account: 'comune', scopes: ['write'] },
          'token-old': { account: 'comune', scopes: ['write'] },
        },
      });
      expect(await publishOnce(fake, {}, { accessToken: 'token-unknown' })).toEqual({
        kind: 'rejected',
        code: 'token_revoked',
        detail: 'POST /api/v1/statuses answered HTTP 401: The access token is invalid',
      });
      fake.revoke(FAKE_MASTODON_TOKEN);
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rejected', code: 'token_revoked' });
      fake.expire('token-old');
      expect(await publishOnce(fake, {}, { accessToken: 'token-old' })).toMatchObject({
        kind: 'rejected',
        code: 'token_expired',
      });
      expect(fake.statuses).toEqual([]);
    });

    it('a missing scope is permission_missing, naming the scope in the team’s language', async () => {
      const fake = await startFake({
        tokens: {
          'token-text': { account: 'comune', scopes: ['write:statuses'] },
          'token-media': { account: 'comune', scopes: ['write:media'] },
        },
      });
      const image = { url: fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      expect(await publishOnce(fake, { images: [image] }, { accessToken: 'token-text' })).toEqual({
        kind: 'rejected',
        code: 'permission_missing',
        detail: 'POST /api/v2/media answered HTTP 403: This action is outside the authorized scopes',
        networkReason: "il token non ha l'ambito write:media",
      });
      const en = await publisherFor(fake, { accessToken: 'token-media' }).publish(
        publishRequestFor(targetFor(fake), TEAM_EN),
        new AbortController().signal,
      );
      expect(en).toMatchObject({
        code: 'permission_missing',
        networkReason: 'the token lacks the write:statuses scope',
      });
    });

    it('an account the instance will not serve, or a token of no account, is misconfigured', async () => {
      const fake = await startFake({
        tokens: {
          [FAKE_MASTODON_TOKEN]: { account: 'comune', scopes: ['write'] },
          'token-app': { account: undefined, scopes: ['write'] },
        },
      });
      fake.failNext('status', {
        kind: 'status',
        status: 403,
        body: { error: 'Your login is currently disabled' },
      });
      expect(await publishOnce(fake)).toMatchObject({
        code: 'misconfigured',
        networkReason: "l'istanza non accetta l'account: Your login is currently disabled",
      });
      expect(await publishOnce(fake, {}, { accessToken: 'token-app' })).toMatchObject({
        code: 'misconfigured',
        networkReason: expect.stringContaining('il token non appartiene a un account'),
      });
    });

    it('a text over the instance’s limit is content_refused with the instance’s reason', async () => {
      const fake = await startFake();
      expect(await publishOnce(fake, { text: 'a'.repeat(501) })).toEqual({
        kind: 'rejected',
        code: 'content_refused',
        detail:
          'POST /api/v1/statuses answered HTTP 422: Validation failed: Text character limit of 500 exceeded',
        networkReason: 'Validation failed: Text character limit of 500 exceeded',
      });
      // URLs count 23, on the instance as in Araldo's rules.
      const withUrl = `${'a'.repeat(470)} https://www.comune.example.it/${'x'.repeat(80)}`;
      expect(await publishOnce(fake, { text: withUrl })).toMatchObject({ kind: 'published' });
    });

    it('an upload still processing when the status is sent is transient', async () => {
      const fake = await startFake();
      fake.failNext('status', {
        kind: 'status',
        status: 422,
        body: { error: 'Cannot attach files that have not finished processing. Try again in a moment!' },
      });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'unavailable' });
    });

    it('429 is rate_limited until X-RateLimit-Reset, read against the instance’s own Date', async () => {
      const fake = await startFake();
      fake.failNext('status', { kind: 'rate_limited', resetInSeconds: 120 });
      fake.failNext('media_upload', { kind: 'rate_limited', resetInSeconds: 1_500 });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 120_000 });
      const image = { url: fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      expect(await publishOnce(fake, { images: [image] })).toMatchObject({
        kind: 'rate_limited',
        retryAfterMs: 1_500_000,
      });
      expect(fake.statuses).toEqual([]);
    });

    it('429 without a reset waits five minutes; a reset days away is taken as 24 hours', async () => {
      const fake = await startFake();
      fake.failNext(
        'status',
        { kind: 'rate_limited', withoutReset: true },
        { kind: 'rate_limited', resetInSeconds: 3 * 86_400 },
      );
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 300_000 });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 86_400_000 });
    });

    it('5xx is unavailable; with a proxy’s Retry-After, rate_limited for it', async () => {
      const fake = await startFake();
      fake.failNext(
        'status',
        { kind: 'status', status: 500, body: { error: 'Internal server error' } },
        { kind: 'status', status: 502, body: '<html>Bad Gateway</html>' },
        { kind: 'status', status: 503, body: '', headers: { 'retry-after': '30' } },
      );
      expect(await publishOnce(fake)).toMatchObject({ kind: 'unavailable' });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'unavailable' });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000 });
    });

    it('an instance that cannot be reached is unavailable: nothing was sent', async () => {
      const fake = await startFake();
      const publisher = publisherFor(fake);
      const request = requestFor(fake);
      await fake.close();
      fakes.splice(fakes.indexOf(fake), 1);
      expect(await publisher.publish(request, new AbortController().signal)).toMatchObject({
        kind: 'unavailable',
        detail: expect.stringContaining('ECONNREFUSED'),
      });
    });

    it('no Mastodon API at baseUrl (404) or a redirect is misconfigured', async () => {
      const fake = await startFake();
      expect(await publishOnce(fake, {}, { instanceUrl: `${fake.url}/mastodon` })).toMatchObject({
        code: 'misconfigured',
        networkReason: `nessuna API Mastodon su ${new URL(fake.url).host} (HTTP 404): controlla "baseUrl"`,
      });
      fake.failNext('status', {
        kind: 'status',
        status: 301,
        headers: { location: 'https://social.comune.example.it/api/v1/statuses' },
      });
      expect(await publishOnce(fake)).toMatchObject({
        code: 'misconfigured',
        networkReason: expect.stringContaining('(a social.comune.example.it)'),
      });
      expect(fake.requestsTo('status')).toHaveLength(1);
    });

    it('an image the instance cannot process, or refuses, is media_unreachable', async () => {
      const fake = await startFake();
      fake.failProcessing = true;
      const image = { url: fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      expect(await publishOnce(fake, { images: [image] })).toMatchObject({
        code: 'media_unreachable',
        networkReason:
          "immagine 1: l'istanza Mastodon l'ha rifiutata: Error processing thumbnail for uploaded media",
      });
      fake.failProcessing = false;
      fake.failNext('media_upload', {
        kind: 'status',
        status: 422,
        body: { error: 'Validation failed: File content type is invalid, File is invalid' },
      });
      expect(await publishOnce(fake, { images: [image] })).toMatchObject({
        code: 'media_unreachable',
        networkReason: expect.stringContaining('File content type is invalid'),
      });
      expect(fake.requestsTo('status')).toEqual([]);
    });

    it('an image that is missing or no image is media_unreachable, one whose server fails for now is retried, before anything reaches the instance', async () => {
      const fake = await startFake();
      const missing = { url: `${fake.url}/images/nowhere.png`, alt: 'Piazza' };
      expect(await publishOnce(fake, { images: [missing] })).toEqual({
        kind: 'rejected',
        code: 'media_unreachable',
        detail: 'image 1: its URL answered HTTP 404',
        networkReason: 'immagine 1: il suo indirizzo risponde HTTP 404',
      });
      const page = {
        url: fake.serveImage('page', Buffer.from('<html></html>'), { contentType: 'text/html' }),
        alt: 'x',
      };
      expect(await publishOnce(fake, { images: [page] })).toMatchObject({
        code: 'media_unreachable',
        networkReason: expect.stringContaining('il server la dichiara text/html'),
      });
      const notHttp = { url: 'ftp://www.comune.example.it/a.png', alt: 'x' };
      expect(await publishOnce(fake, { images: [notHttp] })).toMatchObject({ code: 'media_unreachable' });

      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      expect(
        await publishOnce(fake, { images: [{ url: `http://127.0.0.1:${port}/a.png`, alt: 'x' }] }),
      ).toEqual({ kind: 'unavailable', detail: 'image 1: could not be fetched (ECONNREFUSED)' });
      // An image server failing for now is tried again later, not refused for good.
      const busy = { url: fake.serveImage('busy.png', Buffer.from('x'), { status: 503 }), alt: 'x' };
      expect(await publishOnce(fake, { images: [busy] })).toEqual({
        kind: 'unavailable',
        detail: 'image 1: its URL answered HTTP 503',
      });
      expect(fake.requests.filter((r) => r.route !== 'image')).toEqual([]);
    });

    it('an image over 16 MB is media_unreachable, whether its size is declared or not', async () => {
      const fake = await startFake();
      const big = Buffer.concat([TINY_PNG, Buffer.alloc(16 * 1024 * 1024)]);
      const declared = { url: fake.serveImage('big.png', big), alt: 'x' };
      expect(await publishOnce(fake, { images: [declared] })).toMatchObject({
        code: 'media_unreachable',
        networkReason: 'immagine 1: pesa 16.0 MB, oltre il limite di 16 MB di Mastodon',
      });
      const streamed = { url: fake.serveImage('big-stream.png', big, { chunked: true }), alt: 'x' };
      expect(await publishOnce(fake, { images: [streamed] })).toMatchObject({
        code: 'media_unreachable',
        networkReason: 'immagine 1: è più grande del limite di 16 MB di Mastodon',
      });
      expect(fake.requestsTo('media_upload')).toEqual([]);
    });

    it('more than four images, or an alt text over 1500 characters, is refused before sending', async () => {
      const fake = await startFake();
      const image = { url: fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      expect(await publishOnce(fake, { images: [image, image, image, image, image] })).toMatchObject({
        code: 'content_refused',
        networkReason: 'Mastodon accetta al massimo 4 immagini per post, questo ne ha 5',
      });
      expect(await publishOnce(fake, { images: [image, { ...image, alt: 'è'.repeat(1501) }] })).toMatchObject(
        {
          code: 'content_refused',
          networkReason:
            "il testo alternativo dell'immagine 2 ha 1501 caratteri, Mastodon ne accetta al massimo 1500",
        },
      );
      expect(fake.requests).toEqual([]);
    });
  });

  it('never writes the token in its log lines', async () => {
    const fake = await startFake();
    const logger = new RecordingLogger();
    fake.failNext('status', { kind: 'drop', processed: false });
    await publishOnce(fake, {}, { logger });
    await publishOnce(fake, { text: 'a'.repeat(501) }, { logger });
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(
      JSON.stringify(logger.lines, (_key, value: unknown) =>
        value instanceof Error ? String(value) : value,
      ),
    ).not.toContain(FAKE_MASTODON_TOKEN);
  });
});

describe('the fake instance', () => {
  it('keeps an Idempotency-Key an hour per account, as Mastodon does', async () => {
    let now = Date.parse('2026-11-21T09:00:00Z');
    const fake = await startFake({ now: () => now });
    const request = requestFor(fake);
    const first = await publisherFor(fake).publish(request, new AbortController().signal);
    now += 3_599_000;
    const again = await publisherFor(fake).publish(request, new AbortController().signal);
    expect(again).toEqual(first);
    now += 2_000;
    // Past the hour the key protects nothing: the engine must not resend blindly that late.
    const late = await publisherFor(fake).publish(request, new AbortController().signal);
    expect(late).not.toEqual(first);
    expect(fake.statuses).toHaveLength(2);
  });
});

describe('the mastodon network definition', () => {
  it('is idempotent, and its registry entry creates a publisher that posts to the target’s instance', async () => {
    const fake = await startFake();
    const network = networkNamed('mastodon');
    expect(network).toBe(mastodonNetwork);
    expect(network?.idempotent).toBe(true);
    const target = targetFor(fake);
    const publisher = network?.create?.(target, testPublisherContext({ logger: new RecordingLogger() }));
    expect(publisher?.idempotent).toBe(true);
    const outcome = await publisher?.publish(publishRequestFor(target, TEAM), new AbortController().signal);
    expect(outcome).toMatchObject({ kind: 'published', url: `${fake.url}/@comune/${fake.statuses[0]?.id}` });
  });

  it('publishes through an injected fetch, to the baseUrl without its trailing slash', async () => {
    const seen: string[] = [];
    const target: Target = {
      ...targetFor(await startFake()),
      baseUrl: 'https://mastodon.comune.example.it/',
    };
    const publisher = mastodonNetwork.create(target, {
      ...testPublisherContext(),
      logger: new RecordingLogger(),
      fetch: (input) => {
        seen.push(String(input));
        return Promise.resolve(
          Response.json({ id: '1', url: 'https://mastodon.comune.example.it/@comune/1', uri: 'x' }),
        );
      },
    });
    expect(await publisher.publish(publishRequestFor(target, TEAM), new AbortController().signal)).toEqual({
      kind: 'published',
      remoteId: '1',
      url: 'https://mastodon.comune.example.it/@comune/1',
    });
    expect(seen).toEqual(['https://mastodon.comune.example.it/api/v1/statuses']);
  });

  it('refuses a target without a usable baseUrl, saying what to write', () => {
    const base: Target = {
      id: 'comune-masto',
      network: 'mastodon',
      displayName: 'Comune',
      credentials: { accessToken: 'abc' },
    };
    const context = testPublisherContext({ logger: new RecordingLogger() });
    expect(() => mastodonNetwork.create(base, context)).toThrow(
      'target comune-masto: a mastodon target needs "baseUrl": the address of its Mastodon instance, e.g. "baseUrl": "https://mastodon.uno"',
    );
    expect(() => mastodonNetwork.create({ ...base, baseUrl: 'http://mastodon.uno' }, context)).toThrow(
      /must be https \(the access token travels with every request\)/,
    );
    expect(() => mastodonNetwork.create({ ...base, baseUrl: 'https://mastodon.uno/?x=1' }, context)).toThrow(
      /no user, password, query or fragment/,
    );
    expect(() =>
      mastodonNetwork.create({ ...base, baseUrl: 'https://mastodon.uno', credentials: {} }, context),
    ).toThrow(/needs the credential accessToken/);
  });
});

describe('configuration of a mastodon target', () => {
  function configWith(targets: unknown[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'araldo-mastodon-'));
    const path = join(dir, 'araldo.json');
    writeFileSync(
      path,
      JSON.stringify({
        teams: [{ id: 'social', chat: 'shell', channel: 'social', approvers: ['capo'] }],
        targets,
      }),
    );
    return path;
  }
  const target = {
    id: 'comune-masto',
    network: 'mastodon',
    baseUrl: 'https://mastodon.uno',
    credentials: { accessToken: 'MASTODON_TOKEN' },
  };

  it('takes the access token from the variable it names, with the network’s pacing', () => {
    const loaded = loadConfig({ ARALDO_CONFIG: configWith([target]), MASTODON_TOKEN: 'vE3Q-x_9' });
    expect(loaded.ok && loaded.value.targets[0]).toEqual({
      id: 'comune-masto',
      network: 'mastodon',
      displayName: 'comune-masto',
      networkTitle: 'Mastodon',
      baseUrl: 'https://mastodon.uno',
      credentials: { accessToken: 'vE3Q-x_9' },
      pacing: { minIntervalMs: 60_000, maxInFlight: 1 },
    });
  });

  it('refuses a token with spaces, naming the variable and never quoting the value', () => {
    const loaded = loadConfig({ ARALDO_CONFIG: configWith([target]), MASTODON_TOKEN: 'Bearer segreto123' });
    expect(loaded.ok || loaded.error).toEqual([
      'targets[0].credentials.accessToken: environment variable MASTODON_TOKEN: expected the access token of the instance’s application (Preferences → Development), with no spaces or line breaks',
    ]);
    expect(loaded.ok || loaded.error.join('\n')).not.toContain('segreto123');
  });

  it('refuses unknown credential fields and a missing token', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith([{ ...target, credentials: { token: 'MASTODON_TOKEN' } }]),
      MASTODON_TOKEN: 'abc',
    });
    expect(loaded.ok || loaded.error).toEqual([
      'config targets[0].credentials.token: mastodon has no credential "token" (it takes accessToken)',
      'config targets[0].credentials.accessToken: mastodon needs this credential: name the environment variable that holds it',
    ]);
  });
});
