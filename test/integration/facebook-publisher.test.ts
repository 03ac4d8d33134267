import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Publisher, PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import { facebookNetwork } from '../../src/publish/facebook/network.ts';
import { networkNamed } from '../../src/publish/registry.ts';
import {
  ALL_PERMISSIONS,
  FAKE_PAGE_ID,
  FAKE_PAGE_TOKEN,
  FakeGraph,
  type FakeGraphOptions,
} from '../fakes/fake-graph.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { publishRequestFor } from '../support/publish-request.ts';
import { testPublisherContext } from '../support/publisher-context.ts';

// The `facebook` network through its registry entry, against a fake Graph API
// on loopback speaking Meta's wire format (test/fakes/fake-graph.ts), through
// the real fetch.

const NOW = Date.parse('2026-11-21T09:00:00Z');

const TEAM: Team = {
  id: 'social',
  chat: 'shell',
  channel: 'social',
  language: 'it',
  timeZone: 'Europe/Rome',
  approvers: ['capo'],
  approvalsRequired: 1,
  targets: ['comune-fb'],
  posting: {},
  digest: { time: '08:30', days: ['mon'] },
};

const fakes: FakeGraph[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startFake(options: FakeGraphOptions = {}): Promise<FakeGraph> {
  const fake = await FakeGraph.start({ now: () => NOW, ...options });
  fakes.push(fake);
  return fake;
}

function targetFor(fake: FakeGraph, overrides: Partial<Target> = {}): Target {
  return {
    id: 'comune-fb',
    network: 'facebook',
    displayName: 'Pagina del Comune',
    baseUrl: fake.url,
    credentials: { pageAccessToken: FAKE_PAGE_TOKEN },
    settings: { pageId: FAKE_PAGE_ID, apiVersion: 'v23.0' },
    ...overrides,
  };
}

function publisherFor(fake: FakeGraph, overrides: Partial<Target> = {}): Publisher {
  return facebookNetwork.create(
    targetFor(fake, overrides),
    testPublisherContext({ now: () => new Date(NOW) }),
  );
}

function publishOnce(
  fake: FakeGraph,
  request: Partial<PublishRequest> = {},
  target: Partial<Target> = {},
): Promise<PublishOutcome> {
  return publisherFor(fake, target).publish(
    publishRequestFor(targetFor(fake, target), TEAM, request),
    new AbortController().signal,
  );
}

const PONTE = { url: 'https://www.comune.example.it/foto/ponte.jpg', alt: 'Il ponte di via Roma chiuso' };
const MERCATO = { url: 'https://www.comune.example.it/foto/mercato.jpg', alt: 'Le bancarelle in piazza' };

describe('FacebookPublisher', () => {
  it('posts a text to the Page feed on the pinned version and answers its permalink_url', async () => {
    const fake = await startFake();
    const outcome = await publishOnce(fake, { text: 'Domani chiude il ponte di via Roma.' });

    const [post] = fake.posts;
    expect(outcome).toEqual({ kind: 'published', remoteId: post?.id, url: post?.permalink });
    expect(post?.message).toBe('Domani chiude il ponte di via Roma.');
    expect(fake.requests.map((r) => [r.method, r.version, r.path])).toEqual([
      ['POST', 'v23.0', `${FAKE_PAGE_ID}/feed`],
      ['GET', 'v23.0', post?.id],
    ]);
    const [feed, permalink] = fake.requests;
    expect(feed?.fields).toEqual({ message: 'Domani chiude il ponte di via Roma.' });
    expect(feed?.headers.authorization).toBe(`Bearer ${FAKE_PAGE_TOKEN}`);
    expect(feed?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(permalink?.query).toEqual({ fields: 'permalink_url' });
    // The token travels in the header only, never in a URL.
    expect(fake.requests.every((r) => r.query.access_token === undefined)).toBe(true);
  });

  it('calls the default Graph version when the target pins none', async () => {
    const fake = await startFake();
    await publishOnce(fake, {}, { settings: { pageId: FAKE_PAGE_ID } });
    expect(fake.requests.map((r) => r.version)).toEqual(['v25.0', 'v25.0']);
  });

  it('publishes one image as a photo post with its caption and alt_text_custom', async () => {
    const fake = await startFake();
    const outcome = await publishOnce(fake, {
      text: 'Il ponte resta chiuso fino a lunedì.',
      images: [PONTE],
    });

    const [photo] = fake.photos;
    expect(fake.requestsTo('photos')[0]?.fields).toEqual({
      url: PONTE.url,
      caption: 'Il ponte resta chiuso fino a lunedì.',
      alt_text_custom: 'Il ponte di via Roma chiuso',
    });
    expect(photo).toMatchObject({ published: true, altText: 'Il ponte di via Roma chiuso' });
    expect(outcome).toEqual({ kind: 'published', remoteId: photo?.postId, url: fake.posts[0]?.permalink });
    expect(fake.requests.map((r) => r.route)).toEqual(['photos', 'node']);
  });

  it('uploads several images unpublished, each with its alt text, then attaches them in order to one post', async () => {
    const fake = await startFake();
    const outcome = await publishOnce(fake, { text: 'Mercatino di Natale', images: [PONTE, MERCATO] });

    expect(fake.requests.map((r) => r.route)).toEqual(['photos', 'photos', 'feed', 'node']);
    expect(fake.requestsTo('photos').map((r) => r.fields)).toEqual([
      { url: PONTE.url, published: 'false', alt_text_custom: PONTE.alt },
      { url: MERCATO.url, published: 'false', alt_text_custom: MERCATO.alt },
    ]);
    const [first, second] = fake.photos;
    expect(fake.requestsTo('feed')[0]?.fields).toEqual({
      message: 'Mercatino di Natale',
      'attached_media[0]': JSON.stringify({ media_fbid: first?.id }),
      'attached_media[1]': JSON.stringify({ media_fbid: second?.id }),
    });
    expect(fake.posts).toHaveLength(1);
    expect(fake.posts[0]?.photoIds).toEqual([first?.id, second?.id]);
    expect(outcome).toEqual({
      kind: 'published',
      remoteId: fake.posts[0]?.id,
      url: fake.posts[0]?.permalink,
    });
  });

  it('answers the post id address when permalink_url cannot be read: the post is there', async () => {
    const fake = await startFake();
    fake.failNext('node', { kind: 'status', status: 502, body: '<html>Bad Gateway</html>' });
    const outcome = await publishOnce(fake);
    const id = fake.posts[0]?.id ?? '';
    expect(outcome).toEqual({ kind: 'published', remoteId: id, url: `https://www.facebook.com/${id}` });
  });

  it('is not idempotent: a lost answer to the post is unknown, for a person to check', async () => {
    const fake = await startFake();
    expect(publisherFor(fake).idempotent).toBe(false);
    expect(facebookNetwork.idempotent).toBe(false);
    fake.failNext('feed', { kind: 'drop', processed: true });
    expect(await publishOnce(fake)).toMatchObject({ kind: 'unknown' });
    expect(fake.posts).toHaveLength(1);
  });

  it('reports unavailable when an unpublished upload loses its answer: nothing is public', async () => {
    const fake = await startFake();
    fake.failNext('photos', { kind: 'status', status: 200, body: '' }, { kind: 'drop' });
    expect(await publishOnce(fake, { images: [PONTE, MERCATO] })).toMatchObject({ kind: 'unavailable' });
    expect(await publishOnce(fake, { images: [PONTE, MERCATO] })).toMatchObject({ kind: 'unavailable' });
    expect(fake.posts).toEqual([]);
  });

  it('sends nothing when the attempt’s time ran out before it started', async () => {
    const fake = await startFake();
    const outcome = await publisherFor(fake).publish(
      publishRequestFor(targetFor(fake), TEAM),
      AbortSignal.abort(),
    );
    expect(outcome.kind).toBe('unavailable');
    expect(fake.requests).toEqual([]);
  });

  describe('maps each Graph error to its code', () => {
    it('190 with subcode 463 is token_expired; 460, 467 or none is token_revoked', async () => {
      const fake = await startFake();
      fake.failNext('feed', {
        kind: 'error',
        error: {
          message: 'Error validating access token: The user has not authorized application.',
          code: 190,
          error_subcode: 467,
        },
      });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rejected', code: 'token_revoked' });
      expect(await publishOnce(fake, {}, { credentials: { pageAccessToken: 'EAAnotAToken' } })).toEqual({
        kind: 'rejected',
        code: 'token_revoked',
        detail: expect.stringMatching(
          /^POST \/\{page-id\}\/feed answered HTTP 400 code 190: Invalid OAuth access token/,
        ),
      });
      fake.revoke(FAKE_PAGE_TOKEN);
      expect(await publishOnce(fake)).toMatchObject({
        kind: 'rejected',
        code: 'token_revoked',
        detail: expect.stringContaining('code 190/460'),
      });
      const other = await startFake();
      other.expire(FAKE_PAGE_TOKEN);
      expect(await publishOnce(other)).toMatchObject({
        kind: 'rejected',
        code: 'token_expired',
        detail: expect.stringContaining('code 190/463: Error validating access token: Session has expired'),
      });
      expect([...fake.posts, ...other.posts]).toEqual([]);
    });

    it('10 and 200–299 are permission_missing, naming the permissions Graph’s message names', async () => {
      const fake = await startFake({
        tokens: { [FAKE_PAGE_TOKEN]: { pageId: FAKE_PAGE_ID, permissions: ['pages_show_list'] } },
      });
      expect(await publishOnce(fake)).toEqual({
        kind: 'rejected',
        code: 'permission_missing',
        detail: expect.stringContaining('HTTP 403 code 200: (#200) If posting to a page'),
        networkReason: 'pages_read_engagement, pages_manage_posts',
      });
      fake.failNext('photos', {
        kind: 'error',
        error: { message: '(#10) Application does not have permission for this action', code: 10 },
      });
      expect(await publishOnce(fake, { images: [PONTE] })).toMatchObject({
        code: 'permission_missing',
        networkReason: '(#10) Application does not have permission for this action',
      });
    });

    it.each([4, 17, 32, 613, 80001])(
      'throttling code %i is rate_limited for estimated_time_to_regain_access',
      async (code) => {
        const fake = await startFake();
        fake.failNext('feed', {
          kind: 'error',
          error: { message: '(#32) Page request limit reached', code },
          headers: {
            'x-business-use-case-usage': JSON.stringify({
              [FAKE_PAGE_ID]: [
                {
                  type: 'pages',
                  call_count: 100,
                  total_cputime: 12,
                  total_time: 20,
                  estimated_time_to_regain_access: 37,
                },
              ],
            }),
          },
        });
        expect(await publishOnce(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 37 * 60_000 });
        expect(fake.posts).toEqual([]);
      },
    );

    it('throttling without a usage header waits a default 15 minutes; X-App-Usage counts too', async () => {
      const fake = await startFake();
      fake.failNext(
        'feed',
        { kind: 'error', error: { message: '(#4) Application request limit reached', code: 4 } },
        {
          kind: 'error',
          error: { message: '(#17) User request limit reached', code: 17 },
          headers: { 'x-app-usage': JSON.stringify({ call_count: 100, estimated_time_to_regain_access: 5 }) },
        },
      );
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 15 * 60_000 });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 5 * 60_000 });
    });

    it('368 is content_refused with Meta’s words for the person', async () => {
      const fake = await startFake();
      fake.failNext('feed', {
        kind: 'error',
        error: {
          message: 'The action attempted has been deemed abusive or is otherwise disallowed',
          code: 368,
          error_user_msg: 'Il contenuto viola gli Standard della community',
        },
      });
      expect(await publishOnce(fake)).toMatchObject({
        kind: 'rejected',
        code: 'content_refused',
        networkReason: 'Il contenuto viola gli Standard della community',
      });
    });

    it('506 is duplicate: the same message twice in a row', async () => {
      const fake = await startFake();
      expect(await publishOnce(fake, { text: 'Allerta meteo' })).toMatchObject({ kind: 'published' });
      expect(await publishOnce(fake, { text: 'Allerta meteo' })).toMatchObject({
        kind: 'rejected',
        code: 'duplicate',
        detail: expect.stringContaining('code 506: (#506) Duplicate status message'),
      });
      expect(fake.posts).toHaveLength(1);
    });

    it('an image Meta cannot use is media_unreachable, naming the image', async () => {
      const fake = await startFake();
      expect(
        await publishOnce(fake, { images: [PONTE, { url: 'ftp://example.it/a.jpg', alt: 'a' }] }),
      ).toMatchObject({
        code: 'media_unreachable',
        networkReason:
          "immagine 2: Meta non è riuscita a scaricarla o l'ha rifiutata ((#324) Missing or invalid image file)",
      });
      expect(fake.posts).toEqual([]);
    });

    it('a Page the token cannot reach (100/33) is misconfigured, naming pageId', async () => {
      const fake = await startFake();
      expect(await publishOnce(fake, {}, { settings: { pageId: '999' } })).toMatchObject({
        code: 'misconfigured',
        networkReason: expect.stringContaining('Meta non trova "pageId"'),
      });
    });

    it('1, 2, is_transient and 5xx are unavailable', async () => {
      const fake = await startFake();
      fake.failNext(
        'feed',
        { kind: 'error', status: 500, error: { message: 'An unknown error has occurred.', code: 1 } },
        { kind: 'error', status: 503, error: { message: 'Service temporarily unavailable', code: 2 } },
        { kind: 'error', error: { message: 'Please retry', code: 100, is_transient: true } },
        { kind: 'status', status: 502, body: '<html>502</html>' },
      );
      for (let i = 0; i < 4; i += 1) expect(await publishOnce(fake)).toMatchObject({ kind: 'unavailable' });
      expect(fake.posts).toEqual([]);
    });

    it('Graph that cannot be reached is unavailable: nothing was sent', async () => {
      const fake = await startFake();
      const publisher = publisherFor(fake);
      const request = publishRequestFor(targetFor(fake), TEAM);
      await fake.close();
      fakes.splice(fakes.indexOf(fake), 1);
      expect(await publisher.publish(request, new AbortController().signal)).toMatchObject({
        kind: 'unavailable',
        detail: expect.stringContaining('ECONNREFUSED'),
      });
    });
  });

  describe('checkCredentials (debug_token)', () => {
    const inDays = (days: number) => Math.floor((NOW + days * 86_400_000) / 1000);

    it('a Page token that never expires is valid until its data access lapses', async () => {
      const fake = await startFake({
        tokens: {
          [FAKE_PAGE_TOKEN]: {
            pageId: FAKE_PAGE_ID,
            permissions: ALL_PERMISSIONS,
            expiresAt: 0,
            dataAccessExpiresAt: inDays(80),
          },
        },
      });
      expect(await publisherFor(fake).checkCredentials?.(new AbortController().signal)).toMatchObject({
        kind: 'valid',
        expiresAt: new Date(inDays(80) * 1000),
      });
      const [call] = fake.requestsTo('debug_token');
      expect(call?.query).toEqual({ input_token: FAKE_PAGE_TOKEN });
      expect(call?.token).toBe(FAKE_PAGE_TOKEN);
    });

    it('reports the earlier of expires_at and data_access_expires_at', async () => {
      const fake = await startFake({
        tokens: {
          [FAKE_PAGE_TOKEN]: {
            pageId: FAKE_PAGE_ID,
            permissions: ALL_PERMISSIONS,
            expiresAt: inDays(12),
            dataAccessExpiresAt: inDays(80),
          },
        },
      });
      expect(await publisherFor(fake).checkCredentials?.(new AbortController().signal)).toMatchObject({
        kind: 'valid',
        expiresAt: new Date(inDays(12) * 1000),
      });
    });

    it('an expired token is expired, a revoked one revoked, an unreachable Graph unknown', async () => {
      const fake = await startFake({
        tokens: {
          [FAKE_PAGE_TOKEN]: { pageId: FAKE_PAGE_ID, permissions: ALL_PERMISSIONS, expiresAt: inDays(-1) },
          EAArevoked: { pageId: FAKE_PAGE_ID, permissions: ALL_PERMISSIONS },
        },
      });
      const signal = new AbortController().signal;
      expect(await publisherFor(fake).checkCredentials?.(signal)).toMatchObject({
        kind: 'expired',
        detail: expect.stringContaining('code 190/463'),
      });
      fake.revoke('EAArevoked');
      expect(
        await publisherFor(fake, { credentials: { pageAccessToken: 'EAArevoked' } }).checkCredentials?.(
          signal,
        ),
      ).toMatchObject({ kind: 'revoked' });
      const publisher = publisherFor(fake);
      await fake.close();
      fakes.splice(fakes.indexOf(fake), 1);
      expect(await publisher.checkCredentials?.(signal)).toMatchObject({ kind: 'unknown' });
    });
  });

  describe('its registry entry', () => {
    it('refuses at start a target without pageId, with a bad version or a plain-http baseUrl', async () => {
      const fake = await startFake();
      const context = testPublisherContext({ logger: new RecordingLogger() });
      expect(() => facebookNetwork.create(targetFor(fake, { settings: {} }), context)).toThrow(/pageId/);
      expect(() =>
        facebookNetwork.create(
          targetFor(fake, { settings: { pageId: FAKE_PAGE_ID, apiVersion: '23' } }),
          context,
        ),
      ).toThrow(/apiVersion/);
      expect(() =>
        facebookNetwork.create(targetFor(fake, { baseUrl: 'http://graph.example.it' }), context),
      ).toThrow(/https/);
      expect(facebookNetwork.settings?.safeParse({ pageId: FAKE_PAGE_ID, extra: 1 }).success).toBe(false);
    });
  });
});

describe('configuration of a facebook target', () => {
  function configWith(targets: unknown[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'araldo-facebook-'));
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

  it('takes the Page token from its variable and the settings with the default version, and publishes with them', async () => {
    const fake = await startFake();
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith([
        {
          id: 'comune-fb',
          network: 'facebook',
          baseUrl: fake.url,
          credentials: { pageAccessToken: 'COMUNE_FB_PAGE_TOKEN' },
          settings: { pageId: FAKE_PAGE_ID },
        },
      ]),
      COMUNE_FB_PAGE_TOKEN: FAKE_PAGE_TOKEN,
    });
    if (!loaded.ok) throw new Error(loaded.error.join('\n'));
    const [target] = loaded.value.targets;
    expect(target).toMatchObject({
      networkTitle: 'Facebook Page',
      credentials: { pageAccessToken: FAKE_PAGE_TOKEN },
      settings: { pageId: FAKE_PAGE_ID, apiVersion: 'v25.0' },
      pacing: { minIntervalMs: 30_000, maxInFlight: 1 },
    });
    if (target === undefined) throw new Error('no target');
    const definition = networkNamed('facebook');
    if (!definition?.create) throw new Error('facebook has no publisher');
    const publisher = definition.create(target, testPublisherContext());
    expect(
      await publisher.publish(publishRequestFor(target, TEAM), new AbortController().signal),
    ).toMatchObject({ kind: 'published' });
    expect(fake.requests[0]?.version).toBe('v25.0');
  });

  it('refuses a target without pageId, and a token with spaces without quoting it', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith([
        { id: 'comune-fb', network: 'facebook', credentials: { pageAccessToken: 'COMUNE_FB_PAGE_TOKEN' } },
      ]),
      COMUNE_FB_PAGE_TOKEN: 'EAA segreto',
    });
    expect(loaded.ok).toBe(false);
    const problems = loaded.ok ? '' : loaded.error.join('\n');
    expect(problems).toContain('targets[0].settings');
    expect(problems).toContain('pageId');
    expect(problems).toContain('COMUNE_FB_PAGE_TOKEN');
    expect(problems).not.toContain('segreto');
  });
});
