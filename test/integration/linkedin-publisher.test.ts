import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Publisher, PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import { DEFAULT_LINKEDIN_VERSION, linkedinNetwork } from '../../src/publish/linkedin/network.ts';
import type { PublisherContext } from '../../src/publish/network-definition.ts';
import { networkNamed } from '../../src/publish/registry.ts';
import {
  FAKE_CLIENT,
  FAKE_LINKEDIN_TOKEN,
  FAKE_ORGANIZATION_ID,
  FakeLinkedin,
  type FakeLinkedinOptions,
  TINY_JPEG,
  TINY_PNG,
} from '../fakes/fake-linkedin.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { publishRequestFor } from '../support/publish-request.ts';
import { testPublisherContext } from '../support/publisher-context.ts';

// The `linkedin` network against a fake LinkedIn on loopback (no LinkedIn
// server can run here), through the real fetch and the registry's factory.
// The fake's behaviour and bodies come from LinkedIn's documentation; see
// test/fakes/fake-linkedin.ts.

const TEAM: Team = {
  id: 'social',
  chat: 'shell',
  channel: 'social',
  language: 'it',
  timeZone: 'Europe/Rome',
  approvers: ['capo'],
  approvalsRequired: 1,
  targets: ['comune-linkedin'],
  posting: {},
  digest: { time: '08:30', days: ['mon'] },
};
const TEAM_EN: Team = { ...TEAM, language: 'en' };
const ORGANIZATION_URN = `urn:li:organization:${FAKE_ORGANIZATION_ID}`;
/** The publisher context's clock (testPublisherContext): 2026-11-21T09:00:00Z. */
const NOW = new Date('2026-11-21T09:00:00Z');

const fakes: FakeLinkedin[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startFake(options: FakeLinkedinOptions = {}): Promise<FakeLinkedin> {
  const fake = await FakeLinkedin.start({ now: () => NOW.getTime(), ...options });
  fakes.push(fake);
  return fake;
}

function targetFor(fake: FakeLinkedin, overrides: Partial<Target> = {}): Target {
  return {
    id: 'comune-linkedin',
    network: 'linkedin',
    displayName: 'Comune su LinkedIn',
    baseUrl: fake.url,
    credentials: { accessToken: FAKE_LINKEDIN_TOKEN },
    settings: { organizationId: FAKE_ORGANIZATION_ID },
    ...overrides,
  };
}

function publisherFor(target: Target, context: Partial<PublisherContext> = {}): Publisher {
  return linkedinNetwork.create(target, testPublisherContext(context));
}

async function publishOnce(
  fake: FakeLinkedin,
  overrides: Partial<PublishRequest> = {},
  target: Partial<Target> = {},
  team: Team = TEAM,
): Promise<PublishOutcome> {
  const bound = targetFor(fake, target);
  return publisherFor(bound).publish(publishRequestFor(bound, team, overrides), new AbortController().signal);
}

describe('LinkedinPublisher', () => {
  it('posts as the organization with the versioned headers and answers the feed URL of the post’s URN', async () => {
    const fake = await startFake();
    const outcome = await publishOnce(fake, { text: 'Domani chiude il ponte di via Roma.' });

    const [post] = fake.posts;
    expect(post?.urn).toMatch(/^urn:li:share:\d+$/);
    expect(outcome).toEqual({
      kind: 'published',
      remoteId: post?.urn,
      url: `https://www.linkedin.com/feed/update/${post?.urn}`,
    });
    const [sent] = fake.requestsTo('post');
    expect(sent?.headers.authorization).toBe(`Bearer ${FAKE_LINKEDIN_TOKEN}`);
    expect(sent?.headers['linkedin-version']).toBe(DEFAULT_LINKEDIN_VERSION);
    expect(sent?.headers['x-restli-protocol-version']).toBe('2.0.0');
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.body).toEqual({
      author: ORGANIZATION_URN,
      commentary: 'Domani chiude il ponte di via Roma.',
      visibility: 'PUBLIC',
      distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
      lifecycleState: 'PUBLISHED',
      isReshareDisabledByAuthor: false,
    });
    expect(fake.requests.map((r) => r.route)).toEqual(['post']);
  });

  it('sends the API version of the target’s settings, and takes the page as a full URN too', async () => {
    const fake = await startFake();
    const outcome = await publishOnce(
      fake,
      {},
      { settings: { organizationId: ORGANIZATION_URN, apiVersion: '202611' } },
    );
    expect(outcome.kind).toBe('published');
    expect(fake.posts[0]?.version).toBe('202611');
    expect(fake.posts[0]?.author).toBe(ORGANIZATION_URN);
  });

  it('escapes every reserved character, so the post reads on LinkedIn exactly as written, and keeps hashtags', async () => {
    const fake = await startFake();
    const text = [
      'Lavori in via Roma (tratto 2) dalle 8 alle 18 <orario> [aggiornato] {bozza}',
      'Scrivete a urp@comune.example.it, *non* al centralino ~ grazie | a_b \\ C# 100%',
      'Orari: https://www.comune.example.it/orari_uffici#sportello',
      '#Bolzano #città #Lavori_Pubblici',
    ].join('\n');
    expect(await publishOnce(fake, { text })).toMatchObject({ kind: 'published' });

    const [post] = fake.posts;
    expect(post?.truncated).toBe(false);
    expect(post?.text).toBe(text);
    expect(post?.hashtags).toEqual(['Bolzano', 'città', 'Lavori']);
    expect(post?.commentary).toContain('\\(tratto 2\\)');
    expect(post?.commentary).toContain('{hashtag|\\#|Bolzano} {hashtag|\\#|città}');
    // A link's fragment is no hashtag; its reserved characters are escaped like the rest.
    expect(post?.commentary).toContain('https://www.comune.example.it/orari\\_uffici\\#sportello');
  });

  it('uploads an image for the organization, PUTs its bytes, and posts it with its alt text', async () => {
    const fake = await startFake();
    const url = fake.serveImage('ponte.png', TINY_PNG, { contentType: 'application/octet-stream' });
    const outcome = await publishOnce(fake, {
      images: [{ url, alt: 'Il ponte di via Roma chiuso con le transenne' }],
    });

    expect(outcome.kind).toBe('published');
    expect(fake.requests.map((r) => r.route)).toEqual(['image', 'image_init', 'image_upload', 'post']);
    const [init] = fake.requestsTo('image_init');
    expect(init?.query).toBe('action=initializeUpload');
    expect(init?.headers['linkedin-version']).toBe(DEFAULT_LINKEDIN_VERSION);
    expect(init?.body).toEqual({ initializeUploadRequest: { owner: ORGANIZATION_URN } });
    const [upload] = fake.requestsTo('image_upload');
    expect(upload?.headers.authorization).toBe(`Bearer ${FAKE_LINKEDIN_TOKEN}`);
    // The type comes from the bytes, whatever the image's server called it.
    expect(upload?.headers['content-type']).toBe('image/png');
    expect(upload?.body).toEqual({ size: TINY_PNG.length });
    const [image] = fake.images.values();
    expect(image?.uploadedType).toBe('image/png');
    expect(fake.requestsTo('post')[0]?.body.content).toEqual({
      media: { id: image?.urn, altText: 'Il ponte di via Roma chiuso con le transenne' },
    });
    expect(fake.posts[0]?.images).toEqual([
      { id: image?.urn, altText: 'Il ponte di via Roma chiuso con le transenne' },
    ]);
  });

  it('posts several images as one multiImage post, in order, each with its alt text', async () => {
    const fake = await startFake();
    const images = ['a.jpg', 'b.png', 'c.jpg'].map((name, i) => ({
      url: fake.serveImage(name, name.endsWith('.png') ? TINY_PNG : TINY_JPEG),
      alt: `Foto ${i + 1} del mercatino`,
    }));
    const outcome = await publishOnce(fake, { images });

    const [post] = fake.posts;
    expect(post?.urn).toMatch(/^urn:li:ugcPost:\d+$/);
    expect(outcome).toEqual({
      kind: 'published',
      remoteId: post?.urn,
      url: `https://www.linkedin.com/feed/update/${post?.urn}`,
    });
    const urns = [...fake.images.keys()];
    expect(fake.requestsTo('post')[0]?.body.content).toEqual({
      multiImage: {
        images: urns.map((id, i) => ({ id, altText: `Foto ${i + 1} del mercatino` })),
      },
    });
    expect([...fake.images.values()].map((image) => image.uploadedType)).toEqual([
      'image/jpeg',
      'image/png',
      'image/jpeg',
    ]);
  });

  it('sends nothing when the attempt’s time ran out before it started', async () => {
    const fake = await startFake();
    const target = targetFor(fake);
    const outcome = await publisherFor(target).publish(publishRequestFor(target, TEAM), AbortSignal.abort());
    expect(outcome.kind).toBe('unavailable');
    expect(fake.requests).toEqual([]);
  });

  describe('maps each failure to its code', () => {
    it('a revoked token is token_revoked; an expired or unknown one token_expired, pointing to the README', async () => {
      const fake = await startFake();
      fake.token(FAKE_LINKEDIN_TOKEN).state = 'revoked';
      expect(await publishOnce(fake)).toEqual({
        kind: 'rejected',
        code: 'token_revoked',
        detail:
          'POST /rest/posts answered HTTP 401 REVOKED_ACCESS_TOKEN: The token used in the request has been revoked by the user',
        networkReason: 'LinkedIn',
      });
      fake.token(FAKE_LINKEDIN_TOKEN).state = 'active';
      fake.token(FAKE_LINKEDIN_TOKEN).expiresAt = NOW.getTime() / 1000 - 1;
      expect(await publishOnce(fake)).toMatchObject({
        code: 'token_expired',
        detail: expect.stringContaining('EXPIRED_ACCESS_TOKEN'),
        networkReason: 'LinkedIn',
      });
      expect(await publishOnce(fake, {}, { credentials: { accessToken: 'AQV-nobody-knows' } })).toMatchObject(
        { code: 'token_expired', detail: expect.stringContaining('Invalid access token') },
      );
      expect(fake.posts).toEqual([]);
    });

    it('a token without w_organization_social, or a page its member does not administer, is permission_missing', async () => {
      const fake = await startFake({
        tokens: {
          [FAKE_LINKEDIN_TOKEN]: { organizations: [FAKE_ORGANIZATION_ID], scopes: ['w_organization_social'] },
          'AQV-member-only': { organizations: [FAKE_ORGANIZATION_ID], scopes: ['w_member_social'] },
        },
      });
      expect(await publishOnce(fake, {}, { credentials: { accessToken: 'AQV-member-only' } })).toEqual({
        kind: 'rejected',
        code: 'permission_missing',
        detail: `POST /rest/posts answered HTTP 403 ACCESS_DENIED: Not enough permissions to access: partnerApiPostsExternal.CREATE.${DEFAULT_LINKEDIN_VERSION}`,
        networkReason: `il token non ha il permesso w_organization_social, o chi l'ha creato non è amministratore della pagina LinkedIn (ruolo ADMINISTRATOR o CONTENT_ADMIN); LinkedIn dice: Not enough permissions to access: partnerApiPostsExternal.CREATE.${DEFAULT_LINKEDIN_VERSION}`,
      });
      const image = { url: fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      const elsewhere = await publishOnce(
        fake,
        { images: [image] },
        { settings: { organizationId: '999' } },
        TEAM_EN,
      );
      expect(elsewhere).toMatchObject({
        code: 'permission_missing',
        detail: expect.stringContaining('POST /rest/images?action=initializeUpload answered HTTP 403'),
        networkReason: expect.stringContaining('the token lacks the w_organization_social permission'),
      });
      expect(fake.posts).toEqual([]);
    });

    it('an API version LinkedIn no longer serves (426) is misconfigured, naming the setting', async () => {
      const fake = await startFake({ activeVersions: ['202611'] });
      expect(await publishOnce(fake)).toEqual({
        kind: 'rejected',
        code: 'misconfigured',
        detail: `POST /rest/posts answered HTTP 426 NONEXISTENT_VERSION: Requested version ${DEFAULT_LINKEDIN_VERSION} is not active`,
        networkReason: `LinkedIn non accetta più la versione ${DEFAULT_LINKEDIN_VERSION} della sua API: va aggiornata in "settings": {"apiVersion": "AAAAMM"}`,
      });
    });

    it('the same post twice is duplicate, with LinkedIn’s words', async () => {
      const fake = await startFake();
      expect(await publishOnce(fake, { text: 'Festa patronale domenica.' })).toMatchObject({
        kind: 'published',
      });
      expect(await publishOnce(fake, { text: 'Festa patronale domenica.' })).toEqual({
        kind: 'rejected',
        code: 'duplicate',
        detail: `POST /rest/posts answered HTTP 422: Content is a duplicate of ${fake.posts[0]?.urn}`,
        networkReason: `Content is a duplicate of ${fake.posts[0]?.urn}`,
      });
      expect(fake.posts).toHaveLength(1);
    });

    it('any other 422 or 400 is content_refused with LinkedIn’s message', async () => {
      const fake = await startFake();
      expect(await publishOnce(fake, { text: 'a'.repeat(3001) })).toEqual({
        kind: 'rejected',
        code: 'content_refused',
        detail:
          'POST /rest/posts answered HTTP 422: ERROR :: /commentary :: text is longer than 3000 characters',
        networkReason: 'ERROR :: /commentary :: text is longer than 3000 characters',
      });
      fake.failNext('post', {
        kind: 'status',
        status: 400,
        body: { status: 400, message: 'Invalid visibility for an organization post' },
      });
      expect(await publishOnce(fake)).toMatchObject({
        code: 'content_refused',
        networkReason: 'Invalid visibility for an organization post',
      });
    });

    it('429 waits for Retry-After when given, else until LinkedIn’s daily quotas reset at midnight UTC', async () => {
      const fake = await startFake();
      fake.failNext('post', { kind: 'rate_limited' }, { kind: 'rate_limited', retryAfter: '120' });
      expect(await publishOnce(fake)).toEqual({
        kind: 'rate_limited',
        // 09:00 UTC → midnight: 15 hours.
        retryAfterMs: 15 * 3_600_000,
        detail:
          'POST /rest/posts answered HTTP 429: Resource level throttle APPLICATION DAY limit for calls to this resource is reached. (daily quota: waiting until midnight UTC)',
      });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 120_000 });
      fake.failNext('image_init', { kind: 'rate_limited' });
      const image = { url: fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      expect(await publishOnce(fake, { images: [image] })).toMatchObject({
        kind: 'rate_limited',
        retryAfterMs: 15 * 3_600_000,
      });
      expect(fake.posts).toEqual([]);
    });

    it('5xx is unavailable', async () => {
      const fake = await startFake();
      fake.failNext(
        'post',
        { kind: 'status', status: 500, body: { status: 500, message: 'Internal Server Error' } },
        { kind: 'status', status: 503, body: '<html>Service Unavailable</html>' },
      );
      expect(await publishOnce(fake)).toEqual({
        kind: 'unavailable',
        detail: 'POST /rest/posts answered HTTP 500: Internal Server Error',
      });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'unavailable' });
    });

    it('a dropped connection after the post was sent is unknown, whether or not LinkedIn made it', async () => {
      const fake = await startFake();
      fake.failNext('post', { kind: 'drop', processed: true }, { kind: 'drop', processed: false });
      expect(await publishOnce(fake, { text: 'Primo' })).toMatchObject({
        kind: 'unknown',
        detail: expect.stringContaining('it may be published'),
      });
      expect(await publishOnce(fake, { text: 'Secondo' })).toMatchObject({ kind: 'unknown' });
      expect(fake.posts.map((post) => post.text)).toEqual(['Primo']);
    });

    it('a timeout after the post was sent is unknown; the slow post lands anyway', async () => {
      const fake = await startFake();
      fake.failNext('post', { kind: 'hold' });
      const target = targetFor(fake);
      const controller = new AbortController();
      const attempt = publisherFor(target).publish(publishRequestFor(target, TEAM), controller.signal);
      await fake.waitForRequests(1, 'post');
      controller.abort();
      expect(await attempt).toEqual({
        kind: 'unknown',
        detail: 'no answer to the post within the attempt’s time: it may be published',
      });
      fake.release();
      await fake.waitForPosts(1);
    });

    it('a 201 without x-restli-id is unknown: the post is there, its address is not known', async () => {
      const fake = await startFake();
      fake.failNext('post', { kind: 'status', status: 201 });
      expect(await publishOnce(fake)).toMatchObject({
        kind: 'unknown',
        detail: expect.stringContaining('without a post URN in x-restli-id'),
      });
    });

    it('LinkedIn out of reach is unavailable: nothing was sent', async () => {
      const fake = await startFake();
      const target = targetFor(fake);
      const publisher = publisherFor(target);
      await fake.close();
      fakes.splice(fakes.indexOf(fake), 1);
      expect(await publisher.publish(publishRequestFor(target, TEAM), new AbortController().signal)).toEqual({
        kind: 'unavailable',
        detail: 'the post: could not reach LinkedIn (ECONNREFUSED); nothing was published',
      });
    });

    it('a failing upload is transient and publishes nothing; a refused image is media_unreachable', async () => {
      const fake = await startFake();
      const image = { url: fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      fake.failNext('image_upload', { kind: 'status', status: 500 }, { kind: 'drop' });
      expect(await publishOnce(fake, { images: [image] })).toEqual({
        kind: 'unavailable',
        detail: 'PUT uploadUrl answered HTTP 500',
      });
      expect(await publishOnce(fake, { images: [image] })).toMatchObject({
        kind: 'unavailable',
        detail: expect.stringContaining('image 1 (PUT uploadUrl)'),
      });
      fake.failNext('image_upload', {
        kind: 'status',
        status: 400,
        body: { status: 400, message: 'Image dimensions exceed the limit' },
      });
      expect(await publishOnce(fake, { images: [image] })).toMatchObject({
        code: 'media_unreachable',
        networkReason: "immagine 1: LinkedIn l'ha rifiutata: Image dimensions exceed the limit",
      });
      expect(fake.requestsTo('post')).toEqual([]);
    });

    it('an image that is missing, no JPEG/PNG/GIF, or not http is media_unreachable before anything reaches LinkedIn', async () => {
      const fake = await startFake();
      const missing = { url: `${fake.url}/images/nowhere.png`, alt: 'Piazza' };
      expect(await publishOnce(fake, { images: [missing] })).toEqual({
        kind: 'rejected',
        code: 'media_unreachable',
        detail: 'image 1: its URL answered HTTP 404',
        networkReason: 'immagine 1: il suo indirizzo risponde HTTP 404',
      });
      const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]);
      const page = { url: fake.serveImage('foto.webp', webp, { contentType: 'image/webp' }), alt: 'x' };
      expect(await publishOnce(fake, { images: [page] })).toMatchObject({
        code: 'media_unreachable',
        networkReason: "immagine 1: non è un'immagine JPEG, PNG o GIF (il server la dichiara image/webp)",
      });
      expect(
        await publishOnce(fake, { images: [{ url: 'ftp://www.comune.example.it/a.png', alt: 'x' }] }),
      ).toMatchObject({ code: 'media_unreachable' });
      const busy = { url: fake.serveImage('busy.png', TINY_PNG, { status: 503 }), alt: 'x' };
      expect(await publishOnce(fake, { images: [busy] })).toEqual({
        kind: 'unavailable',
        detail: 'image 1: its URL answered HTTP 503',
      });
      expect(fake.requests.filter((r) => r.route !== 'image')).toEqual([]);
    });

    it('more than 20 images, or an alt text over 4086 characters, is refused before sending', async () => {
      const fake = await startFake();
      const image = { url: fake.serveImage('a.png', TINY_PNG), alt: 'Piazza' };
      expect(await publishOnce(fake, { images: Array.from({ length: 21 }, () => image) })).toMatchObject({
        code: 'content_refused',
        networkReason: 'LinkedIn accetta al massimo 20 immagini per post, questo ne ha 21',
      });
      expect(
        await publishOnce(fake, { images: [image, { ...image, alt: 'è'.repeat(4087) }] }, {}, TEAM_EN),
      ).toMatchObject({
        code: 'content_refused',
        networkReason: 'the alt text of image 2 has 4087 characters, LinkedIn takes at most 4086',
      });
      expect(fake.requests).toEqual([]);
    });
  });

  it('never writes the token or the client secret in its log lines', async () => {
    const fake = await startFake();
    const logger = new RecordingLogger();
    const target = targetFor(fake, {
      credentials: {
        accessToken: FAKE_LINKEDIN_TOKEN,
        clientId: FAKE_CLIENT.id,
        clientSecret: FAKE_CLIENT.secret,
      },
    });
    const publisher = publisherFor(target, { logger });
    fake.failNext('post', { kind: 'drop', processed: false });
    await publisher.publish(publishRequestFor(target, TEAM), new AbortController().signal);
    await publisher.publish(
      publishRequestFor(target, TEAM, { text: 'a'.repeat(3001) }),
      new AbortController().signal,
    );
    await fake.close();
    fakes.splice(fakes.indexOf(fake), 1);
    await publisher.checkCredentials?.(new AbortController().signal);
    expect(logger.lines.length).toBeGreaterThan(2);
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(FAKE_LINKEDIN_TOKEN);
    expect(logged).not.toContain(FAKE_CLIENT.secret);
  });
});

describe('the LinkedIn token check', () => {
  function checkerFor(fake: FakeLinkedin, secret: string = FAKE_CLIENT.secret): Publisher {
    return publisherFor(
      targetFor(fake, {
        credentials: { accessToken: FAKE_LINKEDIN_TOKEN, clientId: FAKE_CLIENT.id, clientSecret: secret },
      }),
    );
  }

  it('introspects the token with the app’s client id and secret, and reads expires_at as its expiry', async () => {
    const expiresAt = Date.parse('2027-01-15T10:00:00Z') / 1000;
    const fake = await startFake({
      tokens: {
        [FAKE_LINKEDIN_TOKEN]: {
          organizations: [FAKE_ORGANIZATION_ID],
          scopes: ['w_organization_social'],
          expiresAt,
        },
      },
    });
    expect(await checkerFor(fake).checkCredentials?.(new AbortController().signal)).toEqual({
      kind: 'valid',
      expiresAt: new Date('2027-01-15T10:00:00Z'),
      detail: 'active until 2027-01-15T10:00:00.000Z',
    });
    const [asked] = fake.requestsTo('introspect');
    expect(asked?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(asked?.body).toEqual({
      client_id: FAKE_CLIENT.id,
      client_secret: FAKE_CLIENT.secret,
      token: FAKE_LINKEDIN_TOKEN,
    });
  });

  it('says expired for a token past its expires_at, revoked for a revoked one', async () => {
    const fake = await startFake();
    fake.token(FAKE_LINKEDIN_TOKEN).expiresAt = Date.parse('2026-11-20T09:00:00Z') / 1000;
    expect(await checkerFor(fake).checkCredentials?.(new AbortController().signal)).toEqual({
      kind: 'expired',
      detail: 'LinkedIn says the token expired on 2026-11-20T09:00:00.000Z',
    });
    fake.token(FAKE_LINKEDIN_TOKEN).state = 'revoked';
    expect(await checkerFor(fake).checkCredentials?.(new AbortController().signal)).toEqual({
      kind: 'revoked',
      detail: 'LinkedIn says the token was revoked',
    });
  });

  it('learns nothing when LinkedIn refuses the app’s secret or cannot be reached', async () => {
    const fake = await startFake();
    expect(await checkerFor(fake, 'WPL_AP1.wrong').checkCredentials?.(new AbortController().signal)).toEqual({
      kind: 'unknown',
      detail: 'introspectToken answered HTTP 401 (LinkedIn refuses the client secret: check clientSecret)',
    });
    const checker = checkerFor(fake);
    await fake.close();
    fakes.splice(fakes.indexOf(fake), 1);
    expect(await checker.checkCredentials?.(new AbortController().signal)).toEqual({
      kind: 'unknown',
      detail: 'introspectToken could not be reached (ECONNREFUSED)',
    });
  });

  it('has no check without the app’s client id and secret', async () => {
    const fake = await startFake();
    expect(publisherFor(targetFor(fake)).checkCredentials).toBeUndefined();
  });
});

describe('the fake LinkedIn', () => {
  async function rest(fake: FakeLinkedin, path: string, headers: Record<string, string>, body: unknown) {
    const response = await fetch(`${fake.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${FAKE_LINKEDIN_TOKEN}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  const versioned = { 'linkedin-version': DEFAULT_LINKEDIN_VERSION, 'x-restli-protocol-version': '2.0.0' };
  const post = (content?: unknown) => ({
    author: ORGANIZATION_URN,
    commentary: 'Ciao',
    visibility: 'PUBLIC',
    distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
    lifecycleState: 'PUBLISHED',
    ...(content === undefined ? {} : { content }),
  });

  it('refuses a call without LinkedIn-Version or X-Restli-Protocol-Version, as LinkedIn does', async () => {
    const fake = await startFake();
    expect(await rest(fake, '/rest/posts', {}, post())).toEqual({
      status: 400,
      body: {
        status: 400,
        code: 'VERSION_MISSING',
        message: 'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
      },
    });
    expect(
      await rest(fake, '/rest/posts', { 'linkedin-version': DEFAULT_LINKEDIN_VERSION }, post()),
    ).toMatchObject({ status: 400 });
    expect(fake.posts).toEqual([]);
  });

  it('refuses an image URN that was never uploaded, and a post missing a required field', async () => {
    const fake = await startFake();
    const never = await rest(
      fake,
      '/rest/posts',
      versioned,
      post({ media: { id: 'urn:li:image:C4E00', altText: 'x' } }),
    );
    expect(never).toMatchObject({
      status: 422,
      body: { message: expect.stringContaining('urn:li:image:C4E00') },
    });
    const registered = await rest(fake, '/rest/images?action=initializeUpload', versioned, {
      initializeUploadRequest: { owner: ORGANIZATION_URN },
    });
    const image = (registered.body.value as { image: string }).image;
    // Registered, but its bytes were never PUT.
    expect(
      await rest(fake, '/rest/posts', versioned, post({ media: { id: image, altText: 'x' } })),
    ).toMatchObject({ status: 422 });
    const { lifecycleState: _left, ...withoutState } = post();
    expect(await rest(fake, '/rest/posts', versioned, withoutState)).toEqual({
      status: 422,
      body: {
        status: 422,
        message: 'ERROR :: /lifecycleState :: field is required but not found and has no default value',
      },
    });
    expect(fake.posts).toEqual([]);
  });

  it('cuts a commentary at an unescaped reserved character, answering 201 all the same', async () => {
    const fake = await startFake();
    const answer = await fetch(`${fake.url}/rest/posts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${FAKE_LINKEDIN_TOKEN}`,
        'content-type': 'application/json',
        ...versioned,
      },
      body: JSON.stringify({ ...post(), commentary: 'Lavori (tratto 2) in via Roma' }),
    });
    expect(answer.status).toBe(201);
    expect(fake.posts[0]).toMatchObject({ text: 'Lavori ', truncated: true });
  });
});

describe('the linkedin network definition', () => {
  it('is not idempotent, and its registry entry publishes to the target’s baseUrl', async () => {
    const fake = await startFake();
    const network = networkNamed('linkedin');
    expect(network).toBe(linkedinNetwork);
    expect(network?.idempotent).toBe(false);
    expect(network?.rules.maxImages).toBe(20);
    const target = targetFor(fake);
    const publisher = network?.create?.(target, testPublisherContext());
    expect(publisher?.idempotent).toBe(false);
    const outcome = await publisher?.publish(publishRequestFor(target, TEAM), new AbortController().signal);
    expect(outcome).toMatchObject({ kind: 'published', remoteId: fake.posts[0]?.urn });
  });

  it('calls api.linkedin.com and www.linkedin.com when the target names no baseUrl', async () => {
    const seen: string[] = [];
    const target: Target = {
      id: 'comune-linkedin',
      network: 'linkedin',
      displayName: 'Comune',
      credentials: { accessToken: 'AQV-x', clientId: 'id', clientSecret: 'secret' },
      settings: { organizationId: '42' },
    };
    const publisher = linkedinNetwork.create(
      target,
      testPublisherContext({
        fetch: (input) => {
          seen.push(String(input));
          return Promise.resolve(
            String(input).includes('introspectToken')
              ? Response.json({ active: true, expires_at: 1_800_000_000 })
              : new Response(null, { status: 201, headers: { 'x-restli-id': 'urn:li:share:7' } }),
          );
        },
      }),
    );
    expect(await publisher.publish(publishRequestFor(target, TEAM), new AbortController().signal)).toEqual({
      kind: 'published',
      remoteId: 'urn:li:share:7',
      url: 'https://www.linkedin.com/feed/update/urn:li:share:7',
    });
    expect(await publisher.checkCredentials?.(new AbortController().signal)).toMatchObject({ kind: 'valid' });
    expect(seen).toEqual([
      'https://api.linkedin.com/rest/posts',
      'https://www.linkedin.com/oauth/v2/introspectToken',
    ]);
  });

  it('refuses a target it cannot use, saying what to write', () => {
    const base: Target = {
      id: 'comune-linkedin',
      network: 'linkedin',
      displayName: 'Comune',
      credentials: { accessToken: 'AQV-x' },
      settings: { organizationId: '42' },
    };
    const context = testPublisherContext();
    expect(() => linkedinNetwork.create({ ...base, settings: {} }, context)).toThrow(
      `target comune-linkedin: linkedin needs "settings": {"organizationId": "<the page's id>"}`,
    );
    expect(() =>
      linkedinNetwork.create({ ...base, credentials: { accessToken: 'AQV-x', clientId: 'id' } }, context),
    ).toThrow(/needs clientId and clientSecret together/);
    expect(() => linkedinNetwork.create({ ...base, baseUrl: 'http://linkedin.example.it' }, context)).toThrow(
      /baseUrl must be https/,
    );
  });
});

describe('configuration of a linkedin target', () => {
  function configWith(targets: unknown[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'araldo-linkedin-'));
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
    id: 'comune-linkedin',
    network: 'linkedin',
    credentials: {
      accessToken: 'LINKEDIN_TOKEN',
      clientId: 'LINKEDIN_CLIENT_ID',
      clientSecret: 'LINKEDIN_CLIENT_SECRET',
    },
    settings: { organizationId: 'urn:li:organization:2414183', apiVersion: '202611' },
  };
  const env = { LINKEDIN_TOKEN: 'AQV-abc', LINKEDIN_CLIENT_ID: '86abc', LINKEDIN_CLIENT_SECRET: 'WPL_AP1.x' };

  it('takes the token and the app’s client from the variables it names, the page and version from settings', () => {
    const loaded = loadConfig({ ARALDO_CONFIG: configWith([target]), ...env });
    expect(loaded.ok && loaded.value.targets[0]).toMatchObject({
      id: 'comune-linkedin',
      network: 'linkedin',
      credentials: { accessToken: 'AQV-abc', clientId: '86abc', clientSecret: 'WPL_AP1.x' },
      settings: { organizationId: 'urn:li:organization:2414183', apiVersion: '202611' },
      pacing: { minIntervalMs: 60_000, maxInFlight: 1 },
    });
  });

  it('refuses a page that is no organization id and a version that is no YYYYMM', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith([
        { ...target, settings: { organizationId: 'comune-di-bolzano', apiVersion: '2026-11' } },
      ]),
      ...env,
    });
    expect(loaded.ok || loaded.error).toEqual([
      'targets[0].settings.organizationId: expected the page’s organization id, digits as in its admin address linkedin.com/company/<id>/admin (or urn:li:organization:<id>)',
      'targets[0].settings.apiVersion: expected a LinkedIn API version as YYYYMM, e.g. "202605"',
    ]);
  });
});
