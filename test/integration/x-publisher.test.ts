import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Publisher, PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import type { PublisherContext } from '../../src/publish/network-definition.ts';
import { networkNamed } from '../../src/publish/registry.ts';
import { xNetwork } from '../../src/publish/x/network.ts';
import {
  DUPLICATE_BODY,
  FAKE_X_CLIENT_ID,
  FakeX,
  type FakeXOptions,
  TINY_JPEG,
  TINY_PNG,
} from '../fakes/fake-x.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { publishRequestFor } from '../support/publish-request.ts';
import { MemorySecrets, testPublisherContext } from '../support/publisher-context.ts';

// The `x` network against a fake X API v2 on loopback, through the real fetch
// and the real registry entry. The fake's behaviour and bodies come from
// docs.x.com and X's answers seen in the wild; see test/fakes/fake-x.ts.

const TEAM: Team = {
  id: 'social',
  chat: 'shell',
  channel: 'social',
  language: 'it',
  timeZone: 'Europe/Rome',
  approvers: ['capo'],
  approvalsRequired: 1,
  targets: ['comune-x'],
  posting: {},
  digest: { time: '08:30', days: ['mon'] },
};
const TEAM_EN: Team = { ...TEAM, language: 'en' };
const START = Date.parse('2026-11-21T09:00:00Z');
const MINUTE = 60_000;

const fakes: FakeX[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

/** A fake X, the seed its admin got, and one clock for both sides. */
interface World {
  readonly fake: FakeX;
  readonly seed: string;
  readonly secrets: MemorySecrets;
  readonly logger: RecordingLogger;
  /** moves the clock of Araldo and of the fake by `ms` */
  advance(ms: number): void;
  /** the publisher of a target with these credentials (a new process, when called again) */
  publisher(overrides?: {
    seed?: string;
    clientSecret?: string;
    context?: Partial<PublisherContext>;
  }): Publisher;
  target(overrides?: { seed?: string; clientSecret?: string }): Target;
}

async function startWorld(options: FakeXOptions = {}): Promise<World> {
  let now = START;
  const fake = await FakeX.start({ now: () => now, ...options });
  fakes.push(fake);
  const seed = fake.authorize();
  const secrets = new MemorySecrets();
  const logger = new RecordingLogger();
  const target = (overrides: { seed?: string; clientSecret?: string } = {}): Target => ({
    id: 'comune-x',
    network: 'x',
    displayName: 'Comune su X',
    baseUrl: fake.url,
    credentials: {
      clientId: FAKE_X_CLIENT_ID,
      refreshToken: overrides.seed ?? seed,
      ...(overrides.clientSecret === undefined ? {} : { clientSecret: overrides.clientSecret }),
    },
  });
  return {
    fake,
    seed,
    secrets,
    logger,
    advance: (ms) => {
      now += ms;
    },
    target,
    publisher: (overrides = {}) =>
      xNetwork.create(
        target(overrides),
        testPublisherContext({ logger, secrets, now: () => new Date(now), ...overrides.context }),
      ),
  };
}

function requestFor(
  world: World,
  overrides: Partial<PublishRequest> = {},
  team: Team = TEAM,
): PublishRequest {
  return publishRequestFor(world.target(), team, overrides);
}

async function publishOnce(
  world: World,
  overrides: Partial<PublishRequest> = {},
  publisher: Publisher = world.publisher(),
): Promise<PublishOutcome> {
  return publisher.publish(requestFor(world, overrides), new AbortController().signal);
}

function stored(world: World): Record<string, unknown> {
  const last = world.secrets.writes.at(-1);
  return last === undefined ? {} : (JSON.parse(last) as Record<string, unknown>);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('XPublisher', () => {
  it('refreshes from the seed, posts the text and answers its public URL', async () => {
    const world = await startWorld();
    const outcome = await publishOnce(world, { text: 'Domani chiude il ponte di via Roma.' });

    const [post] = world.fake.posts;
    expect(outcome).toEqual({
      kind: 'published',
      remoteId: post?.id,
      url: `https://x.com/i/web/status/${post?.id}`,
    });
    expect(world.fake.requests.map((r) => r.route)).toEqual(['token', 'post']);
    const [token] = world.fake.requestsTo('token');
    expect(token?.fields).toEqual({
      grant_type: 'refresh_token',
      refresh_token: world.seed,
      client_id: FAKE_X_CLIENT_ID,
    });
    // A public client sends no secret.
    expect(token?.headers.authorization).toBeUndefined();
    const [sent] = world.fake.requestsTo('post');
    expect(sent?.headers.authorization).toBe(`Bearer ${post?.accessToken}`);
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.fields).toEqual({ text: 'Domani chiude il ponte di via Roma.' });
  });

  it('authenticates a confidential client with HTTP Basic', async () => {
    const world = await startWorld({ clientSecret: 'segreto-app' });
    expect(await publishOnce(world, {}, world.publisher({ clientSecret: 'segreto-app' }))).toMatchObject({
      kind: 'published',
    });
    const [token] = world.fake.requestsTo('token');
    expect(token?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${FAKE_X_CLIENT_ID}:segreto-app`).toString('base64')}`,
    );
  });

  it('uploads four images, gives each its alt text, and attaches them in order', async () => {
    const world = await startWorld();
    const images = ['a', 'b', 'c', 'd'].map((name, i) => ({
      url: world.fake.serveImage(`${name}.jpg`, i % 2 === 0 ? TINY_JPEG : TINY_PNG, {
        contentType: 'application/octet-stream',
      }),
      alt: `Foto ${i + 1} del mercatino di Natale`,
    }));
    const outcome = await publishOnce(world, { images });

    expect(outcome.kind).toBe('published');
    expect(world.fake.requests.map((r) => r.route)).toEqual([
      ...['image', 'image', 'image', 'image', 'token'],
      ...['media_upload', 'media_metadata', 'media_upload', 'media_metadata'],
      ...['media_upload', 'media_metadata', 'media_upload', 'media_metadata', 'post'],
    ]);
    // The type comes from the bytes, whatever the image's server called it.
    expect(world.fake.requestsTo('media_upload').map((r) => r.fields)).toEqual(
      ['image/jpeg', 'image/png', 'image/jpeg', 'image/png'].map((type, i) => ({
        media: { type, size: i % 2 === 0 ? TINY_JPEG.length : TINY_PNG.length },
        media_category: 'tweet_image',
        media_type: type,
      })),
    );
    const media = [...world.fake.media.values()];
    expect(media.map((m) => m.alt)).toEqual(images.map((image) => image.alt));
    expect(world.fake.requestsTo('media_metadata')[0]?.fields).toEqual({
      id: media[0]?.id,
      metadata: { alt_text: { text: 'Foto 1 del mercatino di Natale' } },
    });
    expect(world.fake.posts[0]?.mediaIds).toEqual(media.map((m) => m.id));
    expect(world.fake.requestsTo('post')[0]?.fields).toEqual({
      text: 'Domani chiude il ponte di via Roma.',
      media: { media_ids: media.map((m) => m.id) },
    });
  });

  it('sends no metadata for an image without alt text, and no text for a post of images alone', async () => {
    const world = await startWorld();
    const image = { url: world.fake.serveImage('a.png', TINY_PNG), alt: '  ' };
    expect(await publishOnce(world, { text: '', images: [image] })).toMatchObject({ kind: 'published' });
    expect(world.fake.requestsTo('media_metadata')).toEqual([]);
    expect(world.fake.requestsTo('post')[0]?.fields).toEqual({
      media: { media_ids: [...world.fake.media.keys()] },
    });
  });

  it('more than four images, or an alt text over 1000 characters, is refused before anything is sent', async () => {
    const world = await startWorld();
    const image = { url: world.fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
    expect(await publishOnce(world, { images: [image, image, image, image, image] })).toEqual({
      kind: 'rejected',
      code: 'content_refused',
      detail: '5 images, over 4',
      networkReason: 'X accetta al massimo 4 immagini per post, questo ne ha 5',
    });
    expect(await publishOnce(world, { images: [image, { ...image, alt: 'è'.repeat(1001) }] })).toMatchObject({
      code: 'content_refused',
      networkReason: "il testo alternativo dell'immagine 2 ha 1001 caratteri, X ne accetta al massimo 1000",
    });
    expect(world.fake.requests).toEqual([]);
  });

  it('an image that is missing, too big or not one X takes is media_unreachable, before any token is spent', async () => {
    const world = await startWorld();
    const missing = { url: `${world.fake.url}/images/nowhere.png`, alt: 'x' };
    expect(await publishOnce(world, { images: [missing] })).toEqual({
      kind: 'rejected',
      code: 'media_unreachable',
      detail: 'image 1: its URL answered HTTP 404',
      networkReason: 'immagine 1: il suo indirizzo risponde HTTP 404',
    });
    const gif = {
      url: world.fake.serveImage('a.gif', Buffer.from('GIF89a...'), { contentType: 'image/gif' }),
      alt: 'x',
    };
    expect(await publishOnce(world, { images: [gif] })).toMatchObject({
      code: 'media_unreachable',
      networkReason: "immagine 1: non è un'immagine JPEG, PNG o WebP (il server la dichiara image/gif)",
    });
    const big = {
      url: world.fake.serveImage('big.png', Buffer.concat([TINY_PNG, Buffer.alloc(5 * 1024 * 1024)])),
      alt: 'x',
    };
    expect(await publishOnce(world, { images: [big] })).toMatchObject({
      code: 'media_unreachable',
      networkReason: 'immagine 1: pesa 5.0 MB, oltre il limite di 5 MB di X',
    });
    // An image server failing for now is tried again later.
    const busy = { url: world.fake.serveImage('busy.png', TINY_PNG, { status: 503 }), alt: 'x' };
    expect(await publishOnce(world, { images: [busy] })).toEqual({
      kind: 'unavailable',
      detail: 'image 1: its URL answered HTTP 503',
    });
    expect(world.fake.requests.filter((r) => r.route !== 'image')).toEqual([]);
  });

  it('sends nothing when the attempt’s time ran out before it started', async () => {
    const world = await startWorld();
    const outcome = await world.publisher().publish(requestFor(world), AbortSignal.abort());
    expect(outcome.kind).toBe('unavailable');
    expect(world.fake.requests).toEqual([]);
  });

  describe('maps each failure to its code', () => {
    it('the same text twice is duplicate, saying X refuses it and that an earlier attempt may have landed', async () => {
      const world = await startWorld();
      const publisher = world.publisher();
      expect(await publishOnce(world, {}, publisher)).toMatchObject({ kind: 'published' });
      expect(await publishOnce(world, {}, publisher)).toEqual({
        kind: 'rejected',
        code: 'duplicate',
        detail:
          'POST /2/tweets answered HTTP 403: You are not allowed to create a Tweet with duplicate content. (X refuses a post identical to one the account already has; if an earlier attempt of this delivery got no answer, that one probably landed)',
        networkReason: DUPLICATE_BODY.detail,
      });
      expect(world.fake.posts).toHaveLength(1);
    });

    it('a token without tweet.write or media.write is permission_missing, naming the scopes', async () => {
      const world = await startWorld({ scopes: ['tweet.read', 'users.read', 'offline.access'] });
      expect(await publishOnce(world)).toEqual({
        kind: 'rejected',
        code: 'permission_missing',
        detail: 'POST /2/tweets answered HTTP 403: You are not permitted to perform this action.',
        networkReason:
          'X nega il permesso (You are not permitted to perform this action.): servono l\'accesso "Read and write" dell\'app e gli ambiti tweet.read, tweet.write, users.read, media.write e offline.access (README, section "X")',
      });
      const image = { url: world.fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      const en = await world
        .publisher()
        .publish(requestFor(world, { images: [image] }, TEAM_EN), new AbortController().signal);
      expect(en).toMatchObject({
        code: 'permission_missing',
        detail: 'POST /2/media/upload answered HTTP 403: You are not permitted to perform this action.',
      });
    });

    it('an app outside a project is permission_missing; other refusals of the text are content_refused', async () => {
      const world = await startWorld();
      world.fake.failNext(
        'post',
        {
          kind: 'status',
          status: 403,
          body: {
            client_id: '26924600',
            detail:
              'When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.',
            title: 'Client Forbidden',
            reason: 'client-not-enrolled',
            type: 'https://api.twitter.com/2/problems/client-forbidden',
          },
        },
        {
          kind: 'status',
          status: 403,
          body: {
            title: 'Forbidden',
            type: 'about:blank',
            status: 403,
            detail: 'This request looks like it might be automated.',
          },
        },
      );
      expect(await publishOnce(world)).toMatchObject({
        code: 'permission_missing',
        networkReason: expect.stringContaining(
          "l'app X non ha l'accesso all'API v2 che serve (When authenticating",
        ),
      });
      expect(await publishOnce(world)).toMatchObject({
        code: 'content_refused',
        networkReason: 'This request looks like it might be automated.',
      });
    });

    it('a text X finds too long is content_refused in X’s words', async () => {
      const world = await startWorld();
      expect(await publishOnce(world, { text: 'a'.repeat(281) })).toEqual({
        kind: 'rejected',
        code: 'content_refused',
        detail: 'POST /2/tweets answered HTTP 400: Post text is too long.',
        networkReason: 'Post text is too long.',
      });
      // URLs weigh 23, on X as in Araldo's rules.
      const withUrl = `${'a'.repeat(250)} https://www.comune.example.it/${'x'.repeat(80)}`;
      expect(await publishOnce(world, { text: withUrl })).toMatchObject({ kind: 'published' });
    });

    it('an image X refuses is media_unreachable', async () => {
      const world = await startWorld();
      world.fake.failNext('media_upload', {
        kind: 'status',
        status: 400,
        body: {
          title: 'Invalid Request',
          detail: 'One or more parameters to your request was invalid.',
          errors: [{ message: 'Unsupported media type.' }],
        },
      });
      const image = { url: world.fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      expect(await publishOnce(world, { images: [image] })).toMatchObject({
        code: 'media_unreachable',
        networkReason: "immagine 1: X l'ha rifiutata: Unsupported media type.",
      });
      expect(world.fake.requestsTo('post')).toEqual([]);
    });

    it('429 is rate_limited until x-rate-limit-reset, read against X’s own Date', async () => {
      const world = await startWorld();
      world.fake.failNext('post', { kind: 'rate_limited', resetInSeconds: 420 });
      expect(await publishOnce(world)).toEqual({
        kind: 'rate_limited',
        retryAfterMs: 420_000,
        detail: `POST /2/tweets answered HTTP 429: Too Many Requests (x-rate-limit-reset ${START / 1000 + 420})`,
      });
    });

    it('429 with the day’s post quota spent waits for the 24-hour reset', async () => {
      const world = await startWorld();
      world.fake.failNext('post', {
        kind: 'rate_limited',
        resetInSeconds: 600,
        headers: {
          'x-user-limit-24hour-limit': '17',
          'x-user-limit-24hour-remaining': '0',
          'x-user-limit-24hour-reset': String(START / 1000 + 5 * 3600),
        },
      });
      expect(await publishOnce(world)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 5 * 3_600_000 });
    });

    it('5xx is unavailable; a plan without credits (402) is misconfigured', async () => {
      const world = await startWorld();
      world.fake.failNext(
        'post',
        { kind: 'status', status: 503, body: problem(503, 'Service Unavailable', 'Service Unavailable') },
        {
          kind: 'status',
          status: 402,
          body: {
            title: 'CreditsDepleted',
            detail: 'Your enrolled account does not have any credits to fulfill this request.',
            type: 'https://api.twitter.com/2/problems/credits',
          },
        },
      );
      expect(await publishOnce(world)).toEqual({
        kind: 'unavailable',
        detail: 'POST /2/tweets answered HTTP 503: Service Unavailable',
      });
      expect(
        await publishOnce(world, {}, world.publisher({ context: { logger: new RecordingLogger() } })),
      ).toMatchObject({
        code: 'misconfigured',
        networkReason:
          "il piano dell'API X non ha più crediti (Your enrolled account does not have any credits to fulfill this request.)",
      });
    });

    it('a post whose connection drops is unknown (it may be there); an upload’s is unavailable', async () => {
      const world = await startWorld();
      world.fake.failNext('post', { kind: 'drop', processed: true });
      expect(await publishOnce(world)).toMatchObject({ kind: 'unknown' });
      expect(world.fake.posts).toHaveLength(1);
      // Not idempotent: a blind retry meets the duplicate refusal.
      expect(await publishOnce(world)).toMatchObject({ code: 'duplicate' });

      world.fake.failNext('media_upload', { kind: 'drop' });
      const image = { url: world.fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      expect(await publishOnce(world, { text: 'Altro', images: [image] })).toMatchObject({
        kind: 'unavailable',
      });
      expect(world.fake.posts).toHaveLength(1);
    });

    it('reports unknown when the time runs out after the post left', async () => {
      const world = await startWorld();
      world.fake.failNext('post', { kind: 'hold' });
      const controller = new AbortController();
      const attempt = world.publisher().publish(requestFor(world), controller.signal);
      await world.fake.waitForRequests(1, 'post');
      controller.abort();
      expect(await attempt).toEqual({
        kind: 'unknown',
        detail: 'no answer to the post within the attempt’s time: it may be published',
      });
    });

    it('X out of reach is unavailable: nothing was sent', async () => {
      const world = await startWorld();
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const target: Target = { ...world.target(), baseUrl: `http://127.0.0.1:${port}` };
      const publisher = xNetwork.create(target, testPublisherContext({ secrets: world.secrets }));
      expect(await publisher.publish(publishRequestFor(target, TEAM), new AbortController().signal)).toEqual({
        kind: 'unavailable',
        detail: 'the token refresh: could not reach X (ECONNREFUSED); nothing was published',
      });
    });
  });

  describe('the access token', () => {
    it('is reused while fresh and refreshed ahead of its expiry, rotating the refresh token', async () => {
      const world = await startWorld();
      const publisher = world.publisher();
      await publishOnce(world, { text: 'Primo' }, publisher);
      world.advance(100 * MINUTE);
      await publishOnce(world, { text: 'Secondo' }, publisher);
      expect(world.fake.requestsTo('token')).toHaveLength(1);
      // 2 hours less 5 minutes: a refresh now, not a 401 halfway through.
      world.advance(16 * MINUTE);
      await publishOnce(world, { text: 'Terzo' }, publisher);
      const tokens = world.fake.requestsTo('token').map((r) => r.fields.refresh_token);
      expect(tokens).toEqual([world.seed, world.fake.refreshTokensIssued[1]]);
      expect(world.fake.isLive(world.seed)).toBe(false);
      expect(world.fake.posts.map((p) => p.accessToken)).toEqual([
        world.fake.posts[0]?.accessToken,
        world.fake.posts[0]?.accessToken,
        expect.not.stringMatching(world.fake.posts[0]?.accessToken ?? ''),
      ]);
    });

    it('stores the rotated pair with the seed’s SHA-256, never the seed itself', async () => {
      const world = await startWorld();
      await publishOnce(world);
      expect(stored(world)).toEqual({
        accessToken: world.fake.posts[0]?.accessToken,
        refreshToken: world.fake.refreshTokensIssued[1],
        expiresAt: new Date(START + 7_200_000).toISOString(),
        seed: sha256(world.seed),
        formerSeeds: [],
      });
      expect(world.secrets.writes.join('\n')).not.toContain(world.seed);
    });

    it('on a 401 refreshes once and sends the call again', async () => {
      const world = await startWorld();
      const publisher = world.publisher();
      await publishOnce(world, { text: 'Primo' }, publisher);
      world.fake.expireAccessTokens();
      const image = { url: world.fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      expect(await publishOnce(world, { text: 'Secondo', images: [image] }, publisher)).toMatchObject({
        kind: 'published',
      });
      expect(world.fake.requests.slice(2).map((r) => [r.route, r.status])).toEqual([
        ['image', 200],
        ['media_upload', 401],
        ['token', 200],
        ['media_upload', 200],
        ['media_metadata', 200],
        ['post', 201],
      ]);
    });

    it('a 401 after a refresh is token_revoked', async () => {
      const world = await startWorld();
      world.fake.failNext(
        'post',
        { kind: 'status', status: 401, body: problem(401, 'Unauthorized', 'Unauthorized') },
        { kind: 'status', status: 401, body: problem(401, 'Unauthorized', 'Unauthorized') },
      );
      expect(await publishOnce(world)).toMatchObject({
        kind: 'rejected',
        code: 'token_revoked',
        detail:
          'POST /2/tweets answered HTTP 401: Unauthorized (with an access token just refreshed): the account must be authorized again',
      });
      expect(world.fake.requests.map((r) => r.route)).toEqual(['token', 'post', 'token', 'post']);
    });

    it('a spent or revoked refresh token is token_revoked, telling the admin to authorize again', async () => {
      const world = await startWorld();
      world.fake.revokeAll();
      expect(await publishOnce(world)).toEqual({
        kind: 'rejected',
        code: 'token_revoked',
        detail:
          'POST /2/oauth2/token answered HTTP 400: invalid_request Value passed for the token was invalid.; the account must be authorized again',
        networkReason:
          'X non accetta più il refresh token: qualcuno deve autorizzare di nuovo Araldo sull\'account X e mettere il nuovo refresh token nella variabile della credenziale refreshToken (README, section "X")',
      });
      // RFC 6749's own code for it counts the same.
      world.fake.failNext('token', {
        kind: 'status',
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Refresh token is invalid.' },
      });
      expect(await publishOnce(world, {}, world.publisher())).toMatchObject({ code: 'token_revoked' });
      expect(world.fake.requestsTo('post')).toEqual([]);
    });

    it('a client X refuses is misconfigured; the token endpoint failing is transient', async () => {
      const world = await startWorld({ clientSecret: 'segreto-app' });
      expect(await publishOnce(world, {}, world.publisher({ clientSecret: 'sbagliato' }))).toMatchObject({
        code: 'misconfigured',
        networkReason:
          'X rifiuta l\'app (Missing valid authorization header): controlla le credenziali clientId e clientSecret (README, section "X")',
      });
      world.fake.failNext(
        'token',
        { kind: 'status', status: 503, body: '' },
        { kind: 'rate_limited', resetInSeconds: 60 },
      );
      const publisher = world.publisher({ clientSecret: 'segreto-app' });
      expect(await publishOnce(world, {}, publisher)).toMatchObject({ kind: 'unavailable' });
      expect(await publishOnce(world, {}, publisher)).toMatchObject({
        kind: 'rate_limited',
        retryAfterMs: 60_000,
      });
      // The seed survived both: it was never spent.
      expect(await publishOnce(world, {}, publisher)).toMatchObject({ kind: 'published' });
    });
  });

  describe('the rotating refresh token across processes', () => {
    it('after a restart, publishes with the stored rotated pair, never the spent seed', async () => {
      const world = await startWorld();
      const a = world.publisher();
      await publishOnce(world, { text: 'Prima del riavvio' }, a);
      expect(world.fake.isLive(world.seed)).toBe(false);

      // A new process, the same environment and database.
      const b = world.publisher();
      expect(await publishOnce(world, { text: 'Dopo il riavvio' }, b)).toMatchObject({ kind: 'published' });
      expect(world.fake.requestsTo('token')).toHaveLength(1);

      // Once the stored access token runs out, it refreshes with the stored refresh token.
      world.advance(3 * 60 * MINUTE);
      const c = world.publisher();
      expect(await publishOnce(world, { text: 'Più tardi' }, c)).toMatchObject({ kind: 'published' });
      expect(world.fake.requestsTo('token').map((r) => [r.fields.refresh_token, r.status])).toEqual([
        [world.seed, 200],
        [world.fake.refreshTokensIssued[1], 200],
      ]);
    });

    it('two processes refreshing at once spend the refresh token once', async () => {
      const world = await startWorld();
      world.fake.failNext('token', { kind: 'hold' });
      const a = world.publisher();
      const b = world.publisher();
      const first = publishOnce(world, { text: 'Dal primo processo' }, a);
      await world.fake.waitForRequests(1, 'token');
      // B asks while A's refresh is in flight: it waits for A's lease, then reads A's pair.
      const second = publishOnce(world, { text: 'Dal secondo processo' }, b);
      world.fake.release();
      expect(await Promise.all([first, second])).toMatchObject([
        { kind: 'published' },
        { kind: 'published' },
      ]);
      expect(world.fake.requestsTo('token')).toHaveLength(1);
      expect(world.fake.posts.map((p) => p.accessToken)).toEqual([
        world.fake.posts[0]?.accessToken,
        world.fake.posts[0]?.accessToken,
      ]);
    });

    it('when a waited-out lease lets two processes spend the same token, the loser takes the winner’s pair', async () => {
      const world = await startWorld();
      // A lease whose wait ran out: the second process goes ahead while the first still refreshes.
      const unguarded = Object.assign(world.secrets, { exclusively: <T>(fn: () => Promise<T>) => fn() });
      world.fake.failNext('token', { kind: 'hold' });
      const slow = publishOnce(
        world,
        { text: 'Dal processo lento' },
        world.publisher({ context: { secrets: unguarded } }),
      );
      await world.fake.waitForRequests(1, 'token');
      const fast = await publishOnce(
        world,
        { text: 'Dal processo veloce' },
        world.publisher({ context: { secrets: unguarded } }),
      );
      expect(fast).toMatchObject({ kind: 'published' });
      world.fake.release();
      // X refuses the slow one's spent seed; it finds the fast one's pair and publishes with it.
      expect(await slow).toMatchObject({ kind: 'published' });
      // In arrival order: the slow one's refresh (answered last, refused), then the fast one's.
      expect(world.fake.requestsTo('token').map((r) => r.status)).toEqual([400, 200]);
      expect(world.fake.posts.map((p) => p.accessToken)).toEqual([
        world.fake.posts[0]?.accessToken,
        world.fake.posts[0]?.accessToken,
      ]);
    });

    it('a refresh cut off by the attempt’s time still stores the new pair', async () => {
      const world = await startWorld();
      world.fake.failNext('token', { kind: 'hold' });
      const controller = new AbortController();
      const cut = world.publisher().publish(requestFor(world, { text: 'Interrotto' }), controller.signal);
      await world.fake.waitForRequests(1, 'token');
      controller.abort();
      expect(await cut).toEqual({
        kind: 'unavailable',
        detail: 'post: the attempt’s time ran out while refreshing the access token; nothing was published',
      });
      world.fake.release();
      // The lease is handed on in order: once it is free again, the refresh has stored its pair.
      await world.secrets.exclusively(async () => undefined);
      // X spent the seed while the attempt was cut off; the pair it answered was kept.
      expect(stored(world)).toMatchObject({ refreshToken: world.fake.refreshTokensIssued[1] });
      expect(await publishOnce(world, { text: 'Dopo' }, world.publisher())).toMatchObject({
        kind: 'published',
      });
      expect(world.fake.requestsTo('token')).toHaveLength(1);
      expect(world.fake.posts.map((p) => p.text)).toEqual(['Dopo']);
    });

    it('a new seed in the environment wins over the stored pair; a process still on the old one follows', async () => {
      const world = await startWorld();
      await publishOnce(world, { text: 'Primo' });
      // The admin authorized again and put the new refresh token in the environment.
      const newSeed = world.fake.authorize();
      const renewed = world.publisher({ seed: newSeed });
      expect(await publishOnce(world, { text: 'Con il nuovo token' }, renewed)).toMatchObject({
        kind: 'published',
      });
      expect(world.fake.requestsTo('token').map((r) => r.fields.refresh_token)).toEqual([
        world.seed,
        newSeed,
      ]);
      expect(stored(world)).toMatchObject({ seed: sha256(newSeed), formerSeeds: [sha256(world.seed)] });

      // A replica not yet restarted, still configured with the old seed, uses the stored pair.
      const stale = world.publisher();
      expect(await publishOnce(world, { text: 'Dalla replica vecchia' }, stale)).toMatchObject({
        kind: 'published',
      });
      expect(world.fake.requestsTo('token')).toHaveLength(2);
    });
  });

  describe('checkCredentials', () => {
    it('is valid, with no expiry X tells, when the refresh that is due succeeds; no request when none is due', async () => {
      const world = await startWorld();
      const publisher = world.publisher();
      expect(await publisher.checkCredentials?.(new AbortController().signal)).toEqual({
        kind: 'valid',
        expiresAt: undefined,
        detail: 'refreshed the access token',
      });
      expect(await publisher.checkCredentials?.(new AbortController().signal)).toEqual({
        kind: 'valid',
        expiresAt: undefined,
        detail: 'the stored access token is fresh',
      });
      expect(world.fake.requestsTo('token')).toHaveLength(1);
    });

    it('is revoked when X refuses the refresh token, unknown when X cannot be reached', async () => {
      const world = await startWorld();
      world.fake.revokeAll();
      expect(await world.publisher().checkCredentials?.(new AbortController().signal)).toEqual({
        kind: 'revoked',
        detail:
          'POST /2/oauth2/token answered HTTP 400 invalid_request: Value passed for the token was invalid.; the account must be authorized again (README, section "X")',
      });
      world.fake.failNext('token', { kind: 'drop', processed: false });
      expect(await world.publisher().checkCredentials?.(new AbortController().signal)).toMatchObject({
        kind: 'unknown',
        detail: expect.stringMatching(/^X did not answer the token refresh \(/),
      });
    });
  });

  it('never writes a token or the client secret in its log lines', async () => {
    const world = await startWorld({ clientSecret: 'segreto-app' });
    const publisher = world.publisher({ clientSecret: 'segreto-app' });
    await publishOnce(world, { text: 'Primo' }, publisher);
    world.fake.failNext('post', { kind: 'drop', processed: false });
    await publishOnce(world, { text: 'Secondo' }, publisher);
    world.fake.revokeAll();
    world.advance(3 * 60 * MINUTE);
    await publishOnce(world, { text: 'Terzo' }, publisher);
    expect(world.logger.lines.length).toBeGreaterThan(0);
    const logged = JSON.stringify(world.logger.lines, (_key, value: unknown) =>
      value instanceof Error ? String(value) : value,
    );
    for (const secret of [
      ...world.fake.refreshTokensIssued,
      world.fake.posts[0]?.accessToken ?? '-',
      'segreto-app',
    ]) {
      expect(logged).not.toContain(secret);
    }
  });
});

describe('the x network definition', () => {
  it('is in the registry, not idempotent, and refuses GIFs at proposal time', () => {
    expect(networkNamed('x')).toBe(xNetwork);
    expect(xNetwork.idempotent).toBe(false);
    expect(xNetwork.rules.imageFormats).toEqual(['jpeg', 'png', 'webp']);
    expect(xNetwork.rules.count(`${'à'.repeat(250)} https://www.comune.example.it/${'x'.repeat(80)}`)).toBe(
      274,
    );
  });

  it('refuses to start without ARALDO_SECRET_KEY, saying why X needs it', async () => {
    const world = await startWorld();
    const context = testPublisherContext({
      secrets: {
        ...new MemorySecrets(),
        available: false,
        read: async () => undefined,
        write: async () => false,
        exclusively: (fn) => fn(),
      },
    });
    expect(() => xNetwork.create(world.target(), context)).toThrow(
      'target comune-x: X spends the refresh token on every refresh and answers a new one, which Araldo must keep sealed in the database: set ARALDO_SECRET_KEY (README, section "X")',
    );
  });

  it('refuses a baseUrl that would send tokens in clear, and defaults to api.x.com', async () => {
    const seen: string[] = [];
    const base: Target = {
      id: 'comune-x',
      network: 'x',
      displayName: 'Comune',
      credentials: { clientId: 'abc', refreshToken: 'rt' },
    };
    expect(() =>
      xNetwork.create({ ...base, baseUrl: 'http://api.example.com' }, testPublisherContext()),
    ).toThrow(/must be https \(the tokens travel with every request\)/);
    const publisher = xNetwork.create(
      base,
      testPublisherContext({
        fetch: (input) => {
          seen.push(String(input));
          return Promise.resolve(
            Response.json(
              { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' },
              { status: 400 },
            ),
          );
        },
      }),
    );
    expect(
      await publisher.publish(publishRequestFor(base, TEAM), new AbortController().signal),
    ).toMatchObject({
      code: 'token_revoked',
    });
    expect(seen).toEqual(['https://api.x.com/2/oauth2/token']);
  });
});

describe('configuration of an x target', () => {
  function configWith(targets: unknown[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'araldo-x-'));
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
    id: 'comune-x',
    network: 'x',
    credentials: {
      clientId: 'X_CLIENT_ID',
      clientSecret: 'X_CLIENT_SECRET',
      refreshToken: 'X_REFRESH_TOKEN',
    },
  };
  const env = {
    X_CLIENT_ID: 'cid',
    X_CLIENT_SECRET: 'csecret',
    X_REFRESH_TOKEN: 'rt-seed',
    ARALDO_SECRET_KEY: 'a'.repeat(64),
  };

  it('takes the client and the seed from the variables it names; the secret is optional', () => {
    const loaded = loadConfig({ ARALDO_CONFIG: configWith([target]), ...env });
    expect(loaded.ok && loaded.value.targets[0]?.credentials).toEqual({
      clientId: 'cid',
      clientSecret: 'csecret',
      refreshToken: 'rt-seed',
    });
    const publicClient = {
      ...target,
      credentials: { clientId: 'X_CLIENT_ID', refreshToken: 'X_REFRESH_TOKEN' },
    };
    expect(loadConfig({ ARALDO_CONFIG: configWith([publicClient]), ...env }).ok).toBe(true);
  });

  it('refuses a refresh token with spaces, never quoting it', () => {
    const loaded = loadConfig({ ARALDO_CONFIG: configWith([target]), ...env, X_REFRESH_TOKEN: 'rt segreto' });
    expect(loaded.ok || loaded.error).toEqual([
      'targets[0].credentials.refreshToken: environment variable X_REFRESH_TOKEN: expected the refresh token of an authorization with the offline.access scope, with no spaces or line breaks',
    ]);
  });
});

function problem(status: number, title: string, detail: string): Record<string, unknown> {
  return { title, type: 'about:blank', status, detail };
}
