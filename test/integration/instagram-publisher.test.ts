import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { checkContent } from '../../src/core/network-rules.ts';
import type { PublishCheckpoint, Publisher, PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import { instagramNetwork } from '../../src/publish/instagram/network.ts';
import type { PublisherContext } from '../../src/publish/network-definition.ts';
import {
  ALL_PERMISSIONS,
  FAKE_IG_USER_ID,
  FAKE_PAGE_ID,
  FAKE_PAGE_TOKEN,
  FakeGraph,
  type FakeGraphOptions,
} from '../fakes/fake-graph.ts';
import { publishRequestFor } from '../support/publish-request.ts';
import { testPublisherContext } from '../support/publisher-context.ts';

// The `instagram` network through its registry entry, against a fake Graph
// API on loopback speaking Meta's wire format (test/fakes/fake-graph.ts),
// through the real fetch: containers, their status, media_publish, the
// quota, and the container id kept on the delivery across a cut-off attempt.

const NOW = Date.parse('2026-11-21T09:00:00Z');
const HOUR = 3_600_000;

const TEAM: Team = {
  id: 'social',
  chat: 'shell',
  channel: 'social',
  language: 'it',
  timeZone: 'Europe/Rome',
  approvers: ['capo'],
  approvalsRequired: 1,
  targets: ['eventi-ig'],
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
    id: 'eventi-ig',
    network: 'instagram',
    displayName: 'Instagram Eventi',
    baseUrl: fake.url,
    credentials: { accessToken: FAKE_PAGE_TOKEN },
    settings: { igUserId: FAKE_IG_USER_ID, apiVersion: 'v23.0' },
    ...overrides,
  };
}

/** The waits the publisher asked for between looks at a container. */
type Sleeps = number[];

function publisherFor(
  fake: FakeGraph,
  overrides: Partial<Target> = {},
  context: Partial<PublisherContext> = {},
): Publisher {
  return instagramNetwork.create(
    targetFor(fake, overrides),
    testPublisherContext({ now: () => new Date(NOW), ...context }),
  );
}

/** A delivery whose checkpoints land in `saved`, as the store keeps them, and come back on the next attempt. */
class Delivery {
  readonly saved: PublishCheckpoint[] = [];
  readonly #request: PublishRequest;

  constructor(fake: FakeGraph, overrides: Partial<PublishRequest> = {}) {
    this.#request = publishRequestFor(targetFor(fake), TEAM, {
      text: 'Stasera concerto in piazza Walther #Bolzano',
      images: [PIAZZA],
      ...overrides,
    });
  }

  /** the request of the next attempt: the last checkpoint saved, if any */
  request(saveCheckpoint?: PublishRequest['saveCheckpoint']): PublishRequest {
    return {
      ...this.#request,
      checkpoint: this.saved.at(-1),
      saveCheckpoint:
        saveCheckpoint ??
        (async (checkpoint) => {
          this.saved.push(checkpoint);
          return true;
        }),
    };
  }
}

function publishOnce(
  fake: FakeGraph,
  overrides: Partial<PublishRequest> = {},
  target: Partial<Target> = {},
): Promise<PublishOutcome> {
  return publisherFor(fake, target).publish(
    new Delivery(fake, overrides).request(),
    new AbortController().signal,
  );
}

const PIAZZA = { url: 'https://www.comune.example.it/foto/piazza.jpg', alt: 'Il palco in piazza Walther' };
const PALCO = { url: 'https://www.comune.example.it/foto/palco.jpg', alt: 'La band sul palco' };
const PUBBLICO = { url: 'https://www.comune.example.it/foto/pubblico.jpg', alt: 'Il pubblico con le luci' };

describe('InstagramPublisher', () => {
  it('reads the quota, makes a container with caption and alt_text, publishes it and answers its permalink', async () => {
    const fake = await startFake();
    const delivery = new Delivery(fake);
    const outcome = await publisherFor(fake).publish(delivery.request(), new AbortController().signal);

    const [container] = fake.containers;
    const [media] = fake.media;
    expect(outcome).toEqual({ kind: 'published', remoteId: media?.id, url: media?.permalink });
    expect(fake.requests.map((r) => [r.method, r.version, r.route])).toEqual([
      ['GET', 'v23.0', 'publishing_limit'],
      ['POST', 'v23.0', 'ig_media'],
      ['GET', 'v23.0', 'node'],
      ['POST', 'v23.0', 'media_publish'],
      ['GET', 'v23.0', 'node'],
    ]);
    expect(fake.requestsTo('publishing_limit')[0]?.query).toEqual({ fields: 'config,quota_usage' });
    expect(fake.requestsTo('ig_media')[0]?.fields).toEqual({
      image_url: PIAZZA.url,
      caption: 'Stasera concerto in piazza Walther #Bolzano',
      alt_text: 'Il palco in piazza Walther',
    });
    expect(fake.requestsTo('node')[0]?.query).toEqual({ fields: 'status_code,status' });
    expect(fake.requestsTo('media_publish')[0]?.fields).toEqual({ creation_id: container?.id });
    expect(fake.requestsTo('node')[1]?.query).toEqual({ fields: 'permalink' });
    expect(media).toMatchObject({
      caption: 'Stasera concerto in piazza Walther #Bolzano',
      containerId: container?.id,
    });
    // The container is kept before anything could publish it, then the media id after.
    expect(delivery.saved).toEqual([
      { containerId: container?.id },
      { containerId: container?.id, mediaId: media?.id },
    ]);
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${FAKE_PAGE_TOKEN}`)).toBe(true);
  });

  it('declares itself idempotent: a container can be published once only', async () => {
    const fake = await startFake();
    expect(publisherFor(fake).idempotent).toBe(true);
    expect(instagramNetwork.idempotent).toBe(true);
  });

  it('looks at a container IN_PROGRESS between the context’s sleeps until FINISHED', async () => {
    const fake = await startFake();
    fake.processingPolls = 3;
    const sleeps: Sleeps = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
    };
    const outcome = await publisherFor(fake, {}, { sleep }).publish(
      new Delivery(fake).request(),
      new AbortController().signal,
    );
    expect(outcome.kind).toBe('published');
    expect(sleeps).toEqual([1000, 1000, 2000]);
    expect(fake.requestsTo('media_publish')).toHaveLength(1);
  });

  it('gives up looking after a bound, keeping the container for the next attempt, which publishes it', async () => {
    const fake = await startFake();
    fake.processingPolls = 100;
    const delivery = new Delivery(fake);
    const first = await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
    expect(first).toMatchObject({
      kind: 'unavailable',
      detail: expect.stringContaining('still IN_PROGRESS'),
    });
    expect(fake.requestsTo('node')).toHaveLength(8);
    expect(fake.requestsTo('media_publish')).toEqual([]);

    const [container] = fake.containers;
    fake.setContainerStatus(container?.id ?? '', 'FINISHED');
    const second = await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
    expect(second).toMatchObject({ kind: 'published', remoteId: fake.media[0]?.id });
    expect(fake.containers).toHaveLength(1);
    expect(fake.media).toHaveLength(1);
  });

  it('publishes 2–10 images as a carousel: one item container each, then a CAROUSEL container', async () => {
    const fake = await startFake();
    fake.processingPolls = 1;
    const delivery = new Delivery(fake, { images: [PIAZZA, PALCO, PUBBLICO] });
    const outcome = await publisherFor(fake).publish(delivery.request(), new AbortController().signal);

    expect(outcome.kind).toBe('published');
    const items = fake.requestsTo('ig_media').map((r) => r.fields);
    expect(items).toEqual([
      { image_url: PIAZZA.url, is_carousel_item: 'true', alt_text: PIAZZA.alt },
      { image_url: PALCO.url, is_carousel_item: 'true', alt_text: PALCO.alt },
      { image_url: PUBBLICO.url, is_carousel_item: 'true', alt_text: PUBBLICO.alt },
      {
        media_type: 'CAROUSEL',
        children: fake.containers
          .slice(0, 3)
          .map((c) => c.id)
          .join(','),
        caption: 'Stasera concerto in piazza Walther #Bolzano',
      },
    ]);
    const carousel = fake.containers[3];
    expect(fake.requestsTo('media_publish').map((r) => r.fields.creation_id)).toEqual([carousel?.id]);
    expect(delivery.saved[0]).toEqual({ containerId: carousel?.id });
    expect(fake.media).toHaveLength(1);
  });

  describe('across a cut-off attempt', () => {
    it('a crash after the container was kept and before media_publish: the retry publishes that container, once', async () => {
      const fake = await startFake();
      const delivery = new Delivery(fake);
      // The first attempt keeps the container id, then its process dies before media_publish.
      const killed = new AbortController();
      const first = await publisherFor(fake).publish(
        delivery.request(async (checkpoint) => {
          delivery.saved.push(checkpoint);
          killed.abort();
          return true;
        }),
        killed.signal,
      );
      expect(first.kind).toBe('unavailable');
      expect(delivery.saved).toEqual([{ containerId: fake.containers[0]?.id }]);
      expect(fake.requestsTo('media_publish')).toEqual([]);

      // A restarted Araldo sends the delivery again, with the checkpoint it kept.
      const second = await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
      expect(second).toMatchObject({ kind: 'published', remoteId: fake.media[0]?.id });
      expect(fake.containers).toHaveLength(1);
      expect(fake.requestsTo('ig_media')).toHaveLength(1);
      expect(fake.requestsTo('media_publish')).toHaveLength(1);
      expect(fake.media).toHaveLength(1);
    });

    it('a cut-off after media_publish landed (container PUBLISHED): the retry finds the post, no second one', async () => {
      const fake = await startFake();
      fake.seedMedia(FAKE_IG_USER_ID, { caption: 'Un post di ieri', timestamp: NOW - 20 * HOUR });
      const delivery = new Delivery(fake);
      fake.failNext('media_publish', { kind: 'drop', processed: true });
      const first = await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
      expect(first).toMatchObject({ kind: 'unknown' });
      expect(fake.containers[0]?.status).toBe('PUBLISHED');

      const second = await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
      const published = fake.media.find((m) => m.containerId === fake.containers[0]?.id);
      expect(second).toEqual({ kind: 'published', remoteId: published?.id, url: published?.permalink });
      expect(fake.requestsTo('media_publish')).toHaveLength(1);
      expect(fake.requestsTo('ig_media')).toHaveLength(1);
      expect(fake.requestsTo('ig_media_list')[0]?.query).toEqual({
        fields: 'id,permalink,caption,timestamp',
        limit: '100',
      });
      expect(fake.media).toHaveLength(2);
      expect(delivery.saved.at(-1)).toEqual({ containerId: fake.containers[0]?.id, mediaId: published?.id });
    });

    it('a PUBLISHED container whose post cannot be found is unknown, never published again', async () => {
      const fake = await startFake();
      const delivery = new Delivery(fake);
      fake.failNext('media_publish', { kind: 'drop', processed: true });
      await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
      fake.media.splice(0);

      const second = await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
      expect(second).toMatchObject({ kind: 'unknown', detail: expect.stringContaining('PUBLISHED') });
      expect(fake.requestsTo('media_publish')).toHaveLength(1);
    });

    it('a lost answer before media_publish was processed: the retry finds the container FINISHED and publishes it', async () => {
      const fake = await startFake();
      const delivery = new Delivery(fake);
      fake.failNext('media_publish', { kind: 'drop', processed: false });
      expect(
        await publisherFor(fake).publish(delivery.request(), new AbortController().signal),
      ).toMatchObject({
        kind: 'unknown',
      });
      expect(
        await publisherFor(fake).publish(delivery.request(), new AbortController().signal),
      ).toMatchObject({
        kind: 'published',
      });
      expect(fake.containers).toHaveLength(1);
      expect(fake.media).toHaveLength(1);
    });

    it('an EXPIRED or ERROR container kept from an earlier attempt is replaced by a new one', async () => {
      const fake = await startFake();
      fake.processingPolls = 100;
      const delivery = new Delivery(fake);
      await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
      fake.setContainerStatus(fake.containers[0]?.id ?? '', 'EXPIRED');
      fake.processingPolls = 0;

      const outcome = await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
      expect(outcome.kind).toBe('published');
      expect(fake.containers.map((c) => c.status)).toEqual(['EXPIRED', 'PUBLISHED']);
      expect(delivery.saved.map((c) => c.containerId)).toEqual([
        fake.containers[0]?.id,
        fake.containers[1]?.id,
        fake.containers[1]?.id,
      ]);
    });

    it('a container Graph no longer knows: its post if it made one, else a new container', async () => {
      const fake = await startFake();
      const landed = new Delivery(fake);
      fake.failNext('media_publish', { kind: 'drop', processed: true });
      await publisherFor(fake).publish(landed.request(), new AbortController().signal);
      fake.containers.splice(0);
      expect(await publisherFor(fake).publish(landed.request(), new AbortController().signal)).toMatchObject({
        kind: 'published',
        remoteId: fake.media[0]?.id,
      });
      expect(fake.media).toHaveLength(1);

      fake.processingPolls = 100;
      const lost = new Delivery(fake, { text: 'Domani mercato in piazza' });
      await publisherFor(fake).publish(lost.request(), new AbortController().signal);
      fake.containers.splice(0);
      fake.processingPolls = 0;
      expect(await publisherFor(fake).publish(lost.request(), new AbortController().signal)).toMatchObject({
        kind: 'published',
      });
      expect(fake.media.map((m) => m.caption)).toEqual([
        'Stasera concerto in piazza Walther #Bolzano',
        'Domani mercato in piazza',
      ]);
    });

    it('a container status that cannot be read on a retry is unavailable: no second container', async () => {
      const fake = await startFake();
      fake.processingPolls = 100;
      const delivery = new Delivery(fake);
      await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
      fake.failNext('node', { kind: 'status', status: 200, body: '<html>captive portal</html>' });
      expect(
        await publisherFor(fake).publish(delivery.request(), new AbortController().signal),
      ).toMatchObject({
        kind: 'unavailable',
        detail: expect.stringContaining('could not be read'),
      });
      expect(fake.containers).toHaveLength(1);
    });

    it('a permalink that cannot be read after publishing still reports the post, without an address', async () => {
      const fake = await startFake();
      fake.failNext('node', { kind: 'pass' }, { kind: 'status', status: 503 });
      const outcome = await publishOnce(fake);
      expect(outcome).toEqual({ kind: 'published', remoteId: fake.media[0]?.id, url: '' });
      expect(fake.media).toHaveLength(1);
    });

    it('a retry of a delivery whose media id was kept only reads its permalink', async () => {
      const fake = await startFake();
      const delivery = new Delivery(fake);
      await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
      const before = fake.requests.length;
      const again = await publisherFor(fake).publish(delivery.request(), new AbortController().signal);
      expect(again).toEqual({
        kind: 'published',
        remoteId: fake.media[0]?.id,
        url: fake.media[0]?.permalink,
      });
      expect(fake.requests.slice(before).map((r) => r.route)).toEqual(['node']);
    });
  });

  describe('the publishing quota', () => {
    it('a used-up quota is rate_limited until the oldest publication leaves the 24 hours; no container is made', async () => {
      const fake = await startFake();
      fake.quotaTotal = 50;
      for (let i = 0; i < 50; i += 1) {
        fake.seedMedia(FAKE_IG_USER_ID, { caption: `post ${i}`, timestamp: NOW - 20 * HOUR + i * 60_000 });
      }
      // Older than the window: no longer counted.
      fake.seedMedia(FAKE_IG_USER_ID, { caption: 'vecchio', timestamp: NOW - 30 * HOUR });
      expect(await publishOnce(fake)).toEqual({
        kind: 'rate_limited',
        retryAfterMs: 4 * HOUR,
        detail: expect.stringContaining('50 of 50 in 24 h'),
      });
      expect(fake.requestsTo('ig_media')).toEqual([]);
      expect(fake.containers).toEqual([]);
    });

    it('publishes while a place is free', async () => {
      const fake = await startFake();
      fake.quotaTotal = 2;
      fake.seedMedia(FAKE_IG_USER_ID, { caption: 'ieri', timestamp: NOW - 2 * HOUR });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'published' });
      expect(fake.quotaUsage(FAKE_IG_USER_ID)).toBe(2);
      expect(await publishOnce(fake, { text: 'Un altro evento' })).toMatchObject({
        kind: 'rate_limited',
        retryAfterMs: 22 * HOUR,
      });
    });

    it('media_publish over the quota (9/2207042) is rate_limited too', async () => {
      const fake = await startFake();
      fake.failNext('media_publish', {
        kind: 'error',
        error: {
          message: 'Application request limit reached',
          code: 9,
          error_subcode: 2207042,
          error_user_msg:
            'You reached maximum number of posts that is allowed to be published by Content Publishing API.',
        },
      });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: HOUR });
    });
  });

  describe('maps each failure to its code', () => {
    it('a container in ERROR for its image is media_unreachable; a transient ERROR unavailable', async () => {
      const fake = await startFake();
      fake.processingEndsIn = 'ERROR';
      expect(await publishOnce(fake)).toMatchObject({
        kind: 'rejected',
        code: 'media_unreachable',
        networkReason: expect.stringContaining('2207052'),
      });
      fake.errorStatus = 'Error: Create media fail, please try to re-create media (2207032)';
      expect(await publishOnce(fake)).toMatchObject({ kind: 'unavailable' });
      expect(fake.media).toEqual([]);
    });

    it('token errors are token_expired or token_revoked', async () => {
      const fake = await startFake();
      fake.expire(FAKE_PAGE_TOKEN);
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rejected', code: 'token_expired' });
      const other = await startFake();
      other.revoke(FAKE_PAGE_TOKEN);
      expect(await publishOnce(other)).toMatchObject({ kind: 'rejected', code: 'token_revoked' });
    });

    it('a token without instagram_content_publish is permission_missing', async () => {
      const fake = await startFake({
        tokens: {
          [FAKE_PAGE_TOKEN]: {
            pageId: FAKE_PAGE_ID,
            igUserId: FAKE_IG_USER_ID,
            permissions: ['instagram_basic'],
          },
        },
      });
      expect(await publishOnce(fake)).toMatchObject({
        code: 'permission_missing',
        networkReason: '(#10) Application does not have permission for this action',
      });
    });

    it('80002 (Instagram’s Business Use Case limit) is rate_limited for the header’s estimate', async () => {
      const fake = await startFake();
      fake.failNext('ig_media', {
        kind: 'error',
        error: { message: 'There have been too many calls to this Instagram account.', code: 80002 },
        headers: {
          'x-business-use-case-usage': JSON.stringify({
            [FAKE_IG_USER_ID]: [{ type: 'instagram', call_count: 100, estimated_time_to_regain_access: 12 }],
          }),
        },
      });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 12 * 60_000 });
    });

    it('Instagram’s spam restriction (4/2207051) is content_refused, not a rate limit', async () => {
      const fake = await startFake();
      fake.failNext('media_publish', {
        kind: 'error',
        error: {
          message: 'We restrict certain activity to protect our community.',
          code: 4,
          error_subcode: 2207051,
        },
      });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'rejected', code: 'content_refused' });
    });

    it('an IG user the token cannot reach is misconfigured, naming igUserId', async () => {
      const fake = await startFake();
      expect(await publishOnce(fake, {}, { settings: { igUserId: '17841400000000000' } })).toMatchObject({
        code: 'misconfigured',
        networkReason: expect.stringContaining('"igUserId"'),
      });
    });

    it('5xx on a container and a container not ready (9007) are unavailable', async () => {
      const fake = await startFake();
      fake.failNext('ig_media', { kind: 'status', status: 500, body: '' });
      fake.failNext('media_publish', {
        kind: 'error',
        error: { message: 'Media ID is not available', code: 9007, error_subcode: 2207027 },
      });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'unavailable' });
      expect(await publishOnce(fake)).toMatchObject({ kind: 'unavailable' });
      expect(fake.media).toEqual([]);
    });

    it('a post without an image is refused before anything is sent', async () => {
      const fake = await startFake();
      expect(await publishOnce(fake, { images: [] })).toMatchObject({
        kind: 'rejected',
        code: 'content_refused',
      });
      expect(fake.requests).toEqual([]);
    });
  });

  describe('checkCredentials (debug_token)', () => {
    it('reports when the token expires, and an expired token as expired', async () => {
      const expiresAt = Math.floor((NOW + 30 * 86_400_000) / 1000);
      const fake = await startFake({
        tokens: {
          [FAKE_PAGE_TOKEN]: {
            pageId: FAKE_PAGE_ID,
            igUserId: FAKE_IG_USER_ID,
            permissions: ALL_PERMISSIONS,
            expiresAt,
            dataAccessExpiresAt: 0,
          },
        },
      });
      const signal = new AbortController().signal;
      expect(await publisherFor(fake).checkCredentials?.(signal)).toMatchObject({
        kind: 'valid',
        expiresAt: new Date(expiresAt * 1000),
      });
      fake.expire(FAKE_PAGE_TOKEN);
      expect(await publisherFor(fake).checkCredentials?.(signal)).toMatchObject({ kind: 'expired' });
    });
  });

  describe('at proposal time', () => {
    const rules = instagramNetwork.rules;
    const image = [{ url: PIAZZA.url }];

    it('refuses 31 hashtags and takes 30', () => {
      const tags = (n: number) => Array.from({ length: n }, (_, i) => `#evento${i}`).join(' ');
      expect(checkContent(rules, tags(31), image)).toEqual([
        { code: 'too_many_hashtags', max: 30, given: 31 },
      ]);
      expect(checkContent(rules, tags(30), image)).toEqual([]);
    });

    it('refuses 21 mentions and takes 20', () => {
      const mentions = (n: number) => Array.from({ length: n }, (_, i) => `@ospite_${i}`).join(' ');
      expect(checkContent(rules, mentions(21), image)).toEqual([
        { code: 'too_many_mentions', max: 20, given: 21 },
      ]);
      expect(checkContent(rules, mentions(20), image)).toEqual([]);
    });

    it('refuses a post without an image, and one over 2,200 characters', () => {
      expect(checkContent(rules, 'Solo testo', [])).toEqual([{ code: 'image_required' }]);
      expect(checkContent(rules, 'è'.repeat(2201), image)).toEqual([
        { code: 'over_limit', used: 2201, limit: 2200, over: 1, unit: 'characters' },
      ]);
    });
  });
});

describe('configuration of an instagram target', () => {
  it('takes the Page token and igUserId, with the default version; refuses a target without igUserId', () => {
    const dir = mkdtempSync(join(tmpdir(), 'araldo-instagram-'));
    const configWith = (target: Record<string, unknown>) => {
      const path = join(dir, `${randomUUID()}.json`);
      writeFileSync(
        path,
        JSON.stringify({
          teams: [{ id: 'social', chat: 'shell', channel: 'social', approvers: ['capo'] }],
          targets: [
            {
              id: 'eventi-ig',
              network: 'instagram',
              credentials: { accessToken: 'EVENTI_IG_PAGE_TOKEN' },
              ...target,
            },
          ],
        }),
      );
      return path;
    };
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith({ settings: { igUserId: FAKE_IG_USER_ID } }),
      EVENTI_IG_PAGE_TOKEN: FAKE_PAGE_TOKEN,
    });
    expect(loaded.ok && loaded.value.targets[0]).toMatchObject({
      networkTitle: 'Instagram',
      credentials: { accessToken: FAKE_PAGE_TOKEN },
      settings: { igUserId: FAKE_IG_USER_ID, apiVersion: 'v25.0' },
      pacing: { minIntervalMs: 60_000, maxInFlight: 1 },
    });
    const refused = loadConfig({
      ARALDO_CONFIG: configWith({ settings: { igUserId: '@comune' } }),
      EVENTI_IG_PAGE_TOKEN: FAKE_PAGE_TOKEN,
    });
    expect(refused.ok ? '' : refused.error.join('\n')).toContain('igUserId');
  });
});
