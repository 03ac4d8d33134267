import { afterEach, describe, expect, it } from 'vitest';
import type { PublishCheckpoint, Publisher, PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import type { TargetSecrets } from '../../src/publish/network-definition.ts';
import { tiktokNetwork } from '../../src/publish/tiktok/network.ts';
import { DAILY_CAP_WAIT_MS, RATE_LIMIT_WAIT_MS } from '../../src/publish/tiktok/outcome.ts';
import { MAX_REQUESTS_PER_ATTEMPT, POLL_DELAYS_MS } from '../../src/publish/tiktok/tiktok-publisher.ts';
import {
  FAKE_TIKTOK_CLIENT,
  FakeTikTok,
  type FakeTikTokOptions,
  type ReceivedTikTokRequest,
} from '../fakes/fake-tiktok.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { publishRequestFor } from '../support/publish-request.ts';
import { MemorySecrets, testPublisherContext } from '../support/publisher-context.ts';

// The `tiktok` network against a fake Content Posting API on loopback, through
// the real fetch and the registry's factory. The fake's behaviour and bodies
// come from developers.tiktok.com; see test/fakes/fake-tiktok.ts. Time is one
// clock shared by the fake (token expiry, rate-limit minutes) and the
// publisher (token refresh, polls): the publisher's sleep moves it.

const TEAM: Team = {
  id: 'social',
  chat: 'shell',
  channel: 'social',
  language: 'it',
  timeZone: 'Europe/Rome',
  approvers: ['capo'],
  approvalsRequired: 1,
  targets: ['comune-tiktok'],
  posting: {},
  digest: { time: '08:30', days: ['mon'] },
};
const TEAM_EN: Team = { ...TEAM, language: 'en' };
const START = Date.parse('2026-12-03T09:00:00Z');
const PONTE = 'https://www.comune.example.it/foto/ponte-via-roma.jpg';
const MERCATINO = 'https://www.comune.example.it/foto/mercatino.webp';

/** One clock for the fake and the publisher; sleeping moves it. */
class TestClock {
  ms = START;
  readonly sleeps: number[] = [];
  readonly now = () => new Date(this.ms);
  readonly sleep = async (ms: number, signal: AbortSignal) => {
    signal.throwIfAborted();
    this.sleeps.push(ms);
    this.ms += ms;
  };
}

interface Setup {
  readonly fake: FakeTikTok;
  readonly clock: TestClock;
  readonly target: Target;
  readonly secrets: MemorySecrets;
  readonly publisher: Publisher;
  readonly seed: string;
}

const fakes: FakeTikTok[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function setUp(
  options: FakeTikTokOptions = {},
  settings: Record<string, unknown> = {},
  clock = new TestClock(),
): Promise<Setup> {
  const fake = await FakeTikTok.start({ now: () => clock.ms, ...options });
  fakes.push(fake);
  const seed = fake.authorize();
  const target: Target = {
    id: 'comune-tiktok',
    network: 'tiktok',
    displayName: 'Comune su TikTok',
    networkTitle: 'TikTok',
    baseUrl: fake.url,
    credentials: { ...FAKE_TIKTOK_CLIENT, refreshToken: seed },
    settings,
  };
  const secrets = new MemorySecrets();
  const publisher = publisherFor(target, clock, secrets);
  return { fake, clock, target, secrets, publisher, seed };
}

function publisherFor(target: Target, clock: TestClock, secrets: MemorySecrets): Publisher {
  return tiktokNetwork.create(
    target,
    testPublisherContext({ now: clock.now, sleep: clock.sleep, secrets, logger: new RecordingLogger() }),
  );
}

/** A request whose saved checkpoints are recorded, as the store keeps them. */
function requestFor(
  setup: Setup,
  overrides: Partial<PublishRequest> = {},
  team: Team = TEAM,
): PublishRequest & { readonly saved: PublishCheckpoint[] } {
  const saved: PublishCheckpoint[] = [];
  return {
    ...publishRequestFor(setup.target, team, {
      text: 'Ponte di via Roma chiuso\nDa lunedì 7 il ponte resta chiuso per lavori. #Comune',
      images: [{ url: PONTE, alt: 'Il ponte con le transenne' }],
      saveCheckpoint: async (checkpoint) => {
        saved.push(checkpoint);
        return true;
      },
      ...overrides,
    }),
    saved,
  };
}

function publish(
  setup: Setup,
  request: PublishRequest,
  signal = new AbortController().signal,
): Promise<PublishOutcome> {
  return setup.publisher.publish(request, signal);
}

const routes = (fake: FakeTikTok) => fake.requests.map((request) => request.route);

describe('TikTokPublisher', () => {
  it('reads the creator info, posts the photos publicly, polls, and answers the post’s public URL', async () => {
    const setup = await setUp({ processingPolls: 1 });
    const request = requestFor(setup, {
      images: [
        { url: PONTE, alt: 'Il ponte' },
        { url: MERCATINO, alt: 'Il mercatino' },
      ],
    });
    const outcome = await publish(setup, request);

    const [publication] = setup.fake.publications;
    expect(outcome).toEqual({
      kind: 'published',
      remoteId: publication?.postId,
      url: `https://www.tiktok.com/@comune.example/photo/${publication?.postId}`,
    });
    // A 19-digit int64 read from the body's text, not rounded by JSON.parse.
    expect(publication?.postId).toMatch(/^\d{19}$/);
    expect(routes(setup.fake)).toEqual(['token', 'creator_info', 'init', 'status', 'status']);
    const [token] = setup.fake.requestsTo('token');
    expect(token?.fields).toEqual({
      client_key: FAKE_TIKTOK_CLIENT.clientKey,
      client_secret: FAKE_TIKTOK_CLIENT.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: setup.seed,
    });
    const [init] = setup.fake.requestsTo('init');
    expect(init?.headers.authorization).toMatch(/^Bearer act\./);
    expect(init?.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(init?.fields).toEqual({
      media_type: 'PHOTO',
      post_mode: 'DIRECT_POST',
      post_info: {
        title: 'Ponte di via Roma chiuso',
        description: 'Da lunedì 7 il ponte resta chiuso per lavori. #Comune',
        privacy_level: 'PUBLIC_TO_EVERYONE',
        disable_comment: false,
        auto_add_music: false,
      },
      source_info: { source: 'PULL_FROM_URL', photo_images: [PONTE, MERCATINO], photo_cover_index: 0 },
    });
    // The publish id is kept before the first look at the status.
    expect(request.saved).toEqual([
      {
        publishId: publication?.publishId,
        postMode: 'DIRECT_POST',
        privacyLevel: 'PUBLIC_TO_EVERYONE',
        username: 'comune.example',
      },
    ]);
    expect(setup.fake.requestsTo('status').map((r) => r.fields)).toEqual([
      { publish_id: publication?.publishId },
      { publish_id: publication?.publishId },
    ]);
  });

  it('cuts a long first line into a title at a word boundary and keeps the whole text as description', async () => {
    const setup = await setUp();
    const text =
      'Da lunedì 7 dicembre il ponte di via Roma resta chiuso al traffico per i lavori di consolidamento delle arcate';
    await publish(setup, requestFor(setup, { text }));
    const postInfo = setup.fake.publications[0]?.postInfo;
    expect(postInfo?.title).toBe(
      'Da lunedì 7 dicembre il ponte di via Roma resta chiuso al traffico per i lavori di…',
    );
    expect(postInfo?.description).toBe(text);
  });

  it('honours the target’s settings and an account whose comments are off', async () => {
    const setup = await setUp({ commentDisabled: true }, { autoAddMusic: true });
    await publish(setup, requestFor(setup));
    expect(setup.fake.publications[0]?.postInfo).toMatchObject({
      disable_comment: true,
      auto_add_music: true,
    });
  });

  it('leaves a MEDIA_UPLOAD post in the account’s inbox, published as awaiting the creator', async () => {
    const setup = await setUp({ scopes: ['user.info.basic', 'video.upload'] }, { postMode: 'MEDIA_UPLOAD' });
    const request = requestFor(setup);
    const outcome = await publish(setup, request);

    const publishId = setup.fake.publications[0]?.publishId;
    expect(outcome).toEqual({ kind: 'published', remoteId: publishId, url: '', note: 'awaiting_creator' });
    // creator_info needs video.publish; an inbox upload does without it.
    expect(routes(setup.fake)).toEqual(['token', 'init', 'status']);
    expect(setup.fake.requestsTo('init')[0]?.fields).toMatchObject({
      post_mode: 'MEDIA_UPLOAD',
      post_info: {
        title: 'Ponte di via Roma chiuso',
        description: 'Da lunedì 7 il ponte resta chiuso per lavori. #Comune',
      },
    });
    expect(request.saved[0]).toMatchObject({
      publishId,
      postMode: 'MEDIA_UPLOAD',
      privacyLevel: '',
      username: '',
    });
  });

  describe('privacy', () => {
    it('posts as SELF_ONLY when that is all the account allows, published as private', async () => {
      const setup = await setUp({ privacyLevelOptions: ['SELF_ONLY'], audited: false });
      const outcome = await publish(setup, requestFor(setup));
      const publishId = setup.fake.publications[0]?.publishId;
      // A post only its account sees has no publicly available post id.
      expect(outcome).toEqual({ kind: 'published', remoteId: publishId, url: '', note: 'private' });
      expect(setup.fake.publications[0]?.postInfo.privacy_level).toBe('SELF_ONLY');
    });

    it('tries once more as SELF_ONLY when TikTok says the app is unaudited', async () => {
      const setup = await setUp({ audited: false });
      const outcome = await publish(setup, requestFor(setup));
      expect(outcome).toMatchObject({ kind: 'published', note: 'private' });
      expect(
        setup.fake
          .requestsTo('init')
          .map((r) => [r.status, (r.fields.post_info as { privacy_level: string }).privacy_level]),
      ).toEqual([
        [403, 'PUBLIC_TO_EVERYONE'],
        [200, 'SELF_ONLY'],
      ]);
    });

    it('uses the configured privacy level on an account that allows no public posts', async () => {
      const options = ['FOLLOWER_OF_CREATOR', 'SELF_ONLY'];
      const setup = await setUp({ privacyLevelOptions: options }, { privacyLevel: 'FOLLOWER_OF_CREATOR' });
      const outcome = await publish(setup, requestFor(setup));
      expect(outcome).toMatchObject({ kind: 'published' });
      expect(outcome).not.toHaveProperty('note');
      expect(setup.fake.publications[0]?.postInfo.privacy_level).toBe('FOLLOWER_OF_CREATOR');
    });

    it('refuses, naming the levels the account allows, when none is configured', async () => {
      const setup = await setUp({ privacyLevelOptions: ['FOLLOWER_OF_CREATOR', 'SELF_ONLY'] });
      const outcome = await publish(setup, requestFor(setup, {}, TEAM_EN));
      expect(outcome).toMatchObject({ kind: 'rejected', code: 'misconfigured' });
      expect(outcome.kind === 'rejected' && outcome.networkReason).toContain(
        'FOLLOWER_OF_CREATOR, SELF_ONLY',
      );
      expect(setup.fake.requestsTo('init')).toEqual([]);
    });
  });

  describe('status', () => {
    it('waits between looks with the schedule that keeps an attempt within six requests', async () => {
      const setup = await setUp({ processingPolls: 3 });
      const outcome = await publish(setup, requestFor(setup));
      expect(outcome.kind).toBe('published');
      expect(setup.fake.requestsTo('status')).toHaveLength(4);
      expect(setup.clock.sleeps).toEqual(POLL_DELAYS_MS.slice(0, 4));
    });

    it('leaves a post still processing to the next attempt, which only looks at it', async () => {
      const setup = await setUp({ processingPolls: 6 });
      const request = requestFor(setup);
      const first = await publish(setup, request);
      expect(first).toMatchObject({ kind: 'unavailable' });
      expect(setup.fake.requestsTo('status')).toHaveLength(MAX_REQUESTS_PER_ATTEMPT - 2);

      // The engine's retry hands back what the attempt kept.
      setup.clock.ms += 90_000;
      const retry = requestFor(setup, { deliveryId: request.deliveryId, checkpoint: request.saved[0] });
      const second = await publish(setup, retry);
      expect(second).toMatchObject({ kind: 'published', remoteId: setup.fake.publications[0]?.postId });
      expect(setup.fake.requestsTo('init')).toHaveLength(1);
      expect(setup.fake.requestsTo('creator_info')).toHaveLength(1);
      expect(setup.fake.publications).toHaveLength(1);
      expect(retry.saved).toEqual([]);
    });

    it('maps a FAILED status’s reason and clears the checkpoint, since that publish id is done', async () => {
      const setup = await setUp();
      // The first look waits while TikTok's download of the images fails.
      setup.fake.failNext('status', { kind: 'hold' });
      const request = requestFor(setup);
      const attempt = publish(setup, request);
      await setup.fake.waitForRequests(1, 'status');
      const [publication] = setup.fake.publications;
      setup.fake.failPublication(publication?.publishId ?? '', 'photo_pull_failed');
      setup.fake.release();
      const outcome = await attempt;
      expect(outcome).toMatchObject({ kind: 'rejected', code: 'media_unreachable' });
      expect(outcome.kind === 'rejected' && outcome.networkReason).toContain('pubblico');
      expect(request.saved).toEqual([expect.objectContaining({ publishId: publication?.publishId }), {}]);
    });

    it('reports unavailable for TikTok’s internal failure, so the next attempt posts again', async () => {
      const setup = await setUp();
      setup.fake.failNext('status', { kind: 'hold' });
      const request = requestFor(setup);
      const attempt = publish(setup, request);
      await setup.fake.waitForRequests(1, 'status');
      setup.fake.failPublication(setup.fake.publications[0]?.publishId ?? '', 'internal');
      setup.fake.release();
      expect(await attempt).toMatchObject({ kind: 'unavailable' });
      expect(request.saved.at(-1)).toEqual({});
    });
  });

  describe('image formats', () => {
    it('refuses a PNG by its URL before anything is sent', async () => {
      const setup = await setUp();
      const outcome = await publish(
        setup,
        requestFor(setup, {
          images: [
            { url: PONTE, alt: '' },
            { url: 'https://www.comune.example.it/logo.png', alt: '' },
          ],
        }),
      );
      expect(outcome).toEqual({
        kind: 'rejected',
        code: 'media_unreachable',
        detail: 'image 2 is a png by its URL; TikTok takes only JPEG and WebP',
        networkReason: 'immagine 2: è un PNG, TikTok accetta solo JPEG o WebP',
      });
      expect(setup.fake.requests).toEqual([]);
    });

    it('refuses with a clear reason when TikTok finds a PNG behind a URL without extension', async () => {
      const setup = await setUp();
      const url = 'https://www.comune.example.it/immagine?id=7&format=png';
      const outcome = await publish(setup, requestFor(setup, { images: [{ url, alt: '' }] }, TEAM_EN));
      expect(outcome).toMatchObject({
        kind: 'rejected',
        code: 'media_unreachable',
        networkReason: 'TikTok takes only JPEG or WebP images: one of the images is neither',
      });
    });
  });

  describe('errors', () => {
    it('refreshes once when TikTok refuses the access token, and goes on', async () => {
      const setup = await setUp();
      await publish(setup, requestFor(setup));
      setup.fake.expireAccessTokens();
      const outcome = await publish(setup, requestFor(setup));
      expect(outcome.kind).toBe('published');
      expect(setup.fake.requestsTo('token')).toHaveLength(2);
      expect(setup.fake.requestsTo('creator_info').map((r) => r.status)).toEqual([200, 401, 200]);
    });

    it('reports token_revoked when a just-refreshed token is refused too', async () => {
      const setup = await setUp();
      setup.fake.failNext(
        'creator_info',
        {
          kind: 'error',
          status: 401,
          code: 'access_token_invalid',
          message: 'The access token is invalid or not found in the request.',
        },
        {
          kind: 'error',
          status: 401,
          code: 'access_token_invalid',
          message: 'The access token is invalid or not found in the request.',
        },
      );
      expect(await publish(setup, requestFor(setup))).toMatchObject({
        kind: 'rejected',
        code: 'token_revoked',
      });
    });

    it('reports token_revoked when the person removed the app, and token_expired when the refresh token ran out', async () => {
      const revoked = await setUp();
      revoked.fake.revokeAll();
      expect(await publish(revoked, requestFor(revoked))).toMatchObject({
        kind: 'rejected',
        code: 'token_revoked',
      });

      const lapsing = await setUp({ refreshLifetimeS: 3 * 86_400 });
      expect((await publish(lapsing, requestFor(lapsing))).kind).toBe('published');
      lapsing.clock.ms += 4 * 86_400_000;
      const outcome = await publish(lapsing, requestFor(lapsing));
      expect(outcome).toMatchObject({ kind: 'rejected', code: 'token_expired' });
      expect(outcome.kind === 'rejected' && outcome.networkReason).toContain('refreshToken');
    });

    it('names the scope the token lacks', async () => {
      const direct = await setUp({ scopes: ['user.info.basic', 'video.upload'] });
      const outcome = await publish(direct, requestFor(direct));
      expect(outcome).toMatchObject({ kind: 'rejected', code: 'permission_missing' });
      expect(outcome.kind === 'rejected' && outcome.networkReason).toContain('video.publish');

      const inbox = await setUp(
        { scopes: ['user.info.basic', 'video.publish'] },
        { postMode: 'MEDIA_UPLOAD' },
      );
      const upload = await publish(inbox, requestFor(inbox));
      expect(upload.kind === 'rejected' && upload.networkReason).toContain('video.upload');
    });

    it('waits a minute after rate_limit_exceeded', async () => {
      const setup = await setUp();
      setup.fake.failNext('init', {
        kind: 'error',
        status: 429,
        code: 'rate_limit_exceeded',
        message: 'API rate limit exceeded',
      });
      expect(await publish(setup, requestFor(setup))).toMatchObject({
        kind: 'rate_limited',
        retryAfterMs: RATE_LIMIT_WAIT_MS,
      });
    });

    it('waits hours past the account’s daily cap', async () => {
      const setup = await setUp({ dailyPostCap: 0 });
      expect(await publish(setup, requestFor(setup))).toMatchObject({
        kind: 'rate_limited',
        retryAfterMs: DAILY_CAP_WAIT_MS,
      });
    });

    it('tells a barred account from spam in the text', async () => {
      const setup = await setUp();
      setup.fake.failNext('init', { kind: 'error', status: 403, code: 'spam_risk_user_banned_from_posting' });
      expect(await publish(setup, requestFor(setup))).toMatchObject({
        kind: 'rejected',
        code: 'misconfigured',
      });
      setup.fake.failNext('init', {
        kind: 'error',
        status: 403,
        code: 'spam_risk_text',
        message: 'Spam risk in text',
      });
      expect(await publish(setup, requestFor(setup))).toMatchObject({
        kind: 'rejected',
        code: 'content_refused',
      });
    });

    it('says the images’ domain must be verified in the developer portal', async () => {
      const setup = await setUp();
      const outcome = await publish(
        setup,
        requestFor(setup, { images: [{ url: 'https://cdn.altrove.example/foto.jpg', alt: '' }] }, TEAM_EN),
      );
      expect(outcome).toMatchObject({ kind: 'rejected', code: 'misconfigured' });
      expect(outcome.kind === 'rejected' && outcome.networkReason).toContain(
        'verified in the TikTok developer portal',
      );
    });

    it('refuses the post TikTok finds invalid, in TikTok’s words', async () => {
      const setup = await setUp();
      setup.fake.failNext('init', {
        kind: 'error',
        status: 400,
        code: 'invalid_params',
        message: 'title is invalid.',
      });
      const outcome = await publish(setup, requestFor(setup));
      expect(outcome).toMatchObject({ kind: 'rejected', code: 'content_refused' });
      expect(outcome.kind === 'rejected' && outcome.networkReason).toContain('title is invalid.');
    });

    it('reports a wrong client key or secret as misconfigured', async () => {
      const setup = await setUp({ clientSecret: 'another-secret' });
      const outcome = await publish(setup, requestFor(setup));
      expect(outcome).toMatchObject({ kind: 'rejected', code: 'misconfigured' });
      expect(outcome.kind === 'rejected' && outcome.networkReason).toContain('clientSecret');
    });

    it('reports unavailable for a 5xx and for TikTok’s internal_error', async () => {
      const setup = await setUp();
      setup.fake.failNext('creator_info', {
        kind: 'status',
        status: 503,
        body: '<h1>Service Unavailable</h1>',
      });
      expect(await publish(setup, requestFor(setup))).toMatchObject({ kind: 'unavailable' });
      setup.fake.failNext('init', {
        kind: 'error',
        status: 500,
        code: 'internal_error',
        message: 'Something went wrong',
      });
      expect(await publish(setup, requestFor(setup))).toMatchObject({ kind: 'unavailable' });
      expect(setup.fake.publications).toEqual([]);
    });

    it('reports unavailable when the connection drops before the init, unknown when it drops after', async () => {
      const setup = await setUp();
      setup.fake.failNext('creator_info', { kind: 'drop' });
      expect(await publish(setup, requestFor(setup))).toMatchObject({ kind: 'unavailable' });

      setup.fake.failNext('init', { kind: 'drop', processed: true });
      expect(await publish(setup, requestFor(setup))).toMatchObject({ kind: 'unknown' });
      expect(setup.fake.publications).toHaveLength(1);
    });

    it('reports unknown when the time runs out after the init left', async () => {
      const setup = await setUp();
      setup.fake.failNext('init', { kind: 'hold' });
      const controller = new AbortController();
      const attempt = publish(setup, requestFor(setup), controller.signal);
      await setup.fake.waitForRequests(1, 'init');
      controller.abort();
      expect(await attempt).toMatchObject({ kind: 'unknown' });
    });

    it('keeps the publish id when the status cannot be read, so the next attempt looks again', async () => {
      const setup = await setUp();
      setup.fake.failNext('status', { kind: 'drop' });
      const request = requestFor(setup);
      expect(await publish(setup, request)).toMatchObject({ kind: 'unavailable' });
      expect(request.saved).toHaveLength(1);
      const retry = requestFor(setup, { deliveryId: request.deliveryId, checkpoint: request.saved[0] });
      expect(await publish(setup, retry)).toMatchObject({ kind: 'published' });
      expect(setup.fake.publications).toHaveLength(1);
    });
  });

  describe('the rate limit of 6 requests a minute per token', () => {
    it('holds for a burst of publications started at the registry’s pacing, on TikTok’s strictest reading', async () => {
      const clock = new TestClock();
      // One shared limit of 6 a minute across creator_info, init and status.
      const setup = await setUp({ rateLimits: { all: 6 }, processingPolls: 5 }, {}, clock);
      const interval = tiktokNetwork.pacing.minIntervalMs;
      const outcomes: PublishOutcome[] = [];
      let due: { request: ReturnType<typeof requestFor> }[] = [1, 2, 3].map(() => ({
        request: requestFor(setup),
      }));
      let next = START;
      // The engine: one attempt at a time, each starting `interval` after the last;
      // a post still processing is retried with its checkpoint.
      while (due.length > 0) {
        const [current, ...rest] = due;
        if (!current) break;
        clock.ms = Math.max(clock.ms, next);
        next = clock.ms + interval;
        const outcome = await publish(setup, current.request);
        if (outcome.kind === 'unavailable') {
          const checkpoint = current.request.saved.at(-1);
          due = [
            ...rest,
            { request: requestFor(setup, { deliveryId: current.request.deliveryId, checkpoint }) },
          ];
        } else {
          outcomes.push(outcome);
          due = rest;
        }
      }

      expect(outcomes.map((o) => o.kind)).toEqual(['published', 'published', 'published']);
      expect(setup.fake.publications).toHaveLength(3);
      const limited = setup.fake.requests.filter((r) => r.route !== 'token');
      expect(limited.every((r) => r.status !== 429)).toBe(true);
      expect(busiestMinute(limited)).toBeLessThanOrEqual(6);
    });

    it('keeps one attempt within six requests even when it refreshes and retries as SELF_ONLY', async () => {
      const setup = await setUp({ audited: false, processingPolls: 10 });
      setup.fake.failNext('creator_info', {
        kind: 'error',
        status: 401,
        code: 'access_token_invalid',
        message: 'invalid',
      });
      expect(await publish(setup, requestFor(setup))).toMatchObject({ kind: 'unavailable' });
      expect(setup.fake.requests.filter((r) => r.route !== 'token')).toHaveLength(MAX_REQUESTS_PER_ATTEMPT);
    });

    it('paces attempts far enough apart that a minute never holds two', () => {
      const attemptMs = POLL_DELAYS_MS.reduce((sum, ms) => sum + ms, 0);
      expect(attemptMs).toBeLessThan(30_000);
      expect(tiktokNetwork.pacing.minIntervalMs).toBeGreaterThanOrEqual(60_000 + 30_000);
      expect(tiktokNetwork.pacing.maxInFlight).toBe(1);
    });
  });

  describe('tokens', () => {
    it('when a waited-out lease lets two processes spend the same token, the loser takes the winner’s pair', async () => {
      const setup = await setUp();
      // A lease whose wait ran out: the second process goes ahead while the first still refreshes.
      const unguarded = Object.assign(setup.secrets, { exclusively: <T>(fn: () => Promise<T>) => fn() });
      setup.fake.failNext('token', { kind: 'hold' });
      const slow = publisherFor(setup.target, setup.clock, unguarded).publish(
        requestFor(setup),
        new AbortController().signal,
      );
      await expect.poll(() => setup.fake.requestsTo('token').length).toBe(1);
      const fast = publisherFor(setup.target, setup.clock, unguarded);
      expect((await fast.publish(requestFor(setup), new AbortController().signal)).kind).toBe('published');
      setup.fake.release();
      // TikTok refuses the slow one's spent seed; it finds the fast one's pair and publishes with it.
      expect((await slow).kind).toBe('published');
      expect(setup.fake.publications).toHaveLength(2);
    });

    it('keeps the rotated pair in the target’s secrets, shared by every replica', async () => {
      const setup = await setUp();
      await publish(setup, requestFor(setup));
      expect(setup.fake.isLive(setup.seed)).toBe(false);
      const stored = JSON.parse(setup.secrets.writes.at(-1) ?? '{}') as Record<string, unknown>;
      expect(stored.refreshToken).toBe(setup.fake.refreshTokensIssued.at(-1));
      expect(JSON.stringify(stored)).not.toContain(setup.seed);

      // Another process with the same (now spent) seed uses the stored pair.
      const replica = publisherFor(setup.target, setup.clock, setup.secrets);
      expect((await replica.publish(requestFor(setup), new AbortController().signal)).kind).toBe('published');
      expect(setup.fake.requestsTo('token')).toHaveLength(1);

      // A day later the access token is refreshed with the stored refresh token.
      setup.clock.ms += 86_400_000;
      expect((await replica.publish(requestFor(setup), new AbortController().signal)).kind).toBe('published');
      expect(setup.fake.requestsTo('token').map((r) => r.fields.refresh_token)).toEqual([
        setup.seed,
        setup.fake.refreshTokensIssued[1],
      ]);
    });

    it('reports the refresh token’s expiry as the credentials’ expiry', async () => {
      const setup = await setUp();
      const check = await setup.publisher.checkCredentials?.(new AbortController().signal);
      expect(check).toEqual({
        kind: 'valid',
        expiresAt: new Date(START + 31_536_000_000),
        detail: 'refreshed the access token',
      });
      setup.fake.revokeAll();
      setup.clock.ms += 86_400_000;
      expect(await setup.publisher.checkCredentials?.(new AbortController().signal)).toMatchObject({
        kind: 'revoked',
      });
    });
  });

  it('refuses to start without ARALDO_SECRET_KEY, pointing to the README', async () => {
    const setup = await setUp();
    const noKey: TargetSecrets = {
      available: false,
      read: async () => undefined,
      write: async () => {
        throw new Error('no ARALDO_SECRET_KEY');
      },
      exclusively: (fn) => fn(),
    };
    const context = testPublisherContext({ secrets: noKey });
    expect(() => tiktokNetwork.create(setup.target, context)).toThrow(/ARALDO_SECRET_KEY.*"TikTok"/);
  });
});

/** The most requests any 60-second window holds. */
function busiestMinute(requests: readonly ReceivedTikTokRequest[]): number {
  return Math.max(
    0,
    ...requests.map((r) => requests.filter((o) => o.at >= r.at && o.at < r.at + 60_000).length),
  );
}
