import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import type { Publisher } from '../../src/core/ports.ts';
import type { Target } from '../../src/core/target.ts';
import { networkNamed } from '../../src/publish/registry.ts';
import { createTargetSecrets } from '../../src/publish/target-secrets.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { FAKE_IG_USER_ID, FAKE_PAGE_ID, FAKE_PAGE_TOKEN, FakeGraph } from '../fakes/fake-graph.ts';
import { FAKE_LINKEDIN_TOKEN, FAKE_ORGANIZATION_ID, FakeLinkedin } from '../fakes/fake-linkedin.ts';
import { FAKE_TIKTOK_CLIENT, FakeTikTok } from '../fakes/fake-tiktok.ts';
import { FAKE_X_CLIENT_ID, FakeX, TINY_JPEG } from '../fakes/fake-x.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { createDeskHarness } from '../support/desk-harness.ts';
import { noSleep } from '../support/publisher-context.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

// Issue 11, "Done when": one post approved for Facebook, Instagram, X,
// LinkedIn and TikTok at once is published to each and reported per target
// in its thread. The targets come from a config file and the environment as
// README shows them, each publisher is made by its registry entry, the
// rotating tokens (X, TikTok) are sealed in the real database, and each
// network is its loopback fake. The post's photo lives on the municipality's
// website, which this test serves locally: requests for it are routed there,
// as DNS would.

const SITE = 'https://www.comune.example.it';
const PHOTO = `${SITE}/media/befana-2027.jpg`;
const START = '2026-12-28T09:00:00Z';

let database: TestDatabase;
let site: Server;
let siteUrl = '';
const photoGets: string[] = [];
let graph: FakeGraph;
let x: FakeX;
let linkedin: FakeLinkedin;
let tiktok: FakeTikTok;

beforeAll(async () => {
  database = await createTestDatabase();
  site = createServer((request, response) => {
    photoGets.push(request.url ?? '');
    if (request.url === '/media/befana-2027.jpg') {
      response.writeHead(200, { 'content-type': 'image/jpeg' }).end(TINY_JPEG);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all([graph?.close(), x?.close(), linkedin?.close(), tiktok?.close()]);
  await new Promise((resolve) => site?.close(resolve));
  await database?.drop();
});

/** The global fetch, with the municipality's website answered by the local one. */
const routedFetch: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  return fetch(url.startsWith(SITE) ? `${siteUrl}${url.slice(SITE.length)}` : input, init);
};

describe(`one post to the five platform networks at once, on ${testDriver}`, () => {
  it('publishes to each and reports each in the thread', async () => {
    const clock = new FakeClock(START);
    const now = () => clock.now().getTime();
    graph = await FakeGraph.start({ now });
    x = await FakeX.start({ now });
    linkedin = await FakeLinkedin.start({ now });
    tiktok = await FakeTikTok.start({ now });
    const env = {
      ARALDO_CONFIG: writeConfig([
        {
          id: 'comune-fb',
          network: 'facebook',
          displayName: 'Facebook del Comune',
          baseUrl: graph.url,
          credentials: { pageAccessToken: 'COMUNE_FB_PAGE_TOKEN' },
          settings: { pageId: FAKE_PAGE_ID },
        },
        {
          id: 'comune-ig',
          network: 'instagram',
          displayName: 'Instagram del Comune',
          baseUrl: graph.url,
          credentials: { accessToken: 'COMUNE_IG_PAGE_TOKEN' },
          settings: { igUserId: FAKE_IG_USER_ID },
        },
        {
          id: 'comune-x',
          network: 'x',
          displayName: 'X del Comune',
          baseUrl: x.url,
          credentials: { clientId: 'X_CLIENT_ID', refreshToken: 'X_REFRESH_TOKEN' },
        },
        {
          id: 'comune-linkedin',
          network: 'linkedin',
          displayName: 'LinkedIn del Comune',
          baseUrl: linkedin.url,
          credentials: { accessToken: 'LINKEDIN_ACCESS_TOKEN' },
          settings: { organizationId: FAKE_ORGANIZATION_ID },
        },
        {
          id: 'comune-tiktok',
          network: 'tiktok',
          displayName: 'TikTok del Comune',
          baseUrl: tiktok.url,
          credentials: {
            clientKey: 'TIKTOK_CLIENT_KEY',
            clientSecret: 'TIKTOK_CLIENT_SECRET',
            refreshToken: 'TIKTOK_REFRESH_TOKEN',
          },
        },
      ]),
      ARALDO_SECRET_KEY: randomBytes(32).toString('hex'),
      COMUNE_FB_PAGE_TOKEN: FAKE_PAGE_TOKEN,
      COMUNE_IG_PAGE_TOKEN: FAKE_PAGE_TOKEN,
      X_CLIENT_ID: FAKE_X_CLIENT_ID,
      X_REFRESH_TOKEN: x.authorize(),
      LINKEDIN_ACCESS_TOKEN: FAKE_LINKEDIN_TOKEN,
      TIKTOK_CLIENT_KEY: FAKE_TIKTOK_CLIENT.clientKey,
      TIKTOK_CLIENT_SECRET: FAKE_TIKTOK_CLIENT.clientSecret,
      TIKTOK_REFRESH_TOKEN: tiktok.authorize(),
    };
    const loaded = loadConfig(env);
    if (!loaded.ok) throw new Error(loaded.error.join('\n'));
    const { targets, secretKey } = loaded.value;
    const store = new DrizzleStore(database.handle.db);
    const publishers: Record<string, Publisher> = {};
    for (const target of targets) {
      publishers[target.id] = publisherOf(target, store, clock, secretKey);
    }
    const h = createDeskHarness(database, { targets, publishers, clock, store });

    const reply = await h.run(
      'editor',
      `/propose to:${targets.map((t) => t.id).join(',')} img:${PHOTO}|"I bambini in biblioteca con la Befana" ` +
        'Il 6 gennaio la Befana arriva in biblioteca: letture e calze per tutti i bambini dalle 16. #Befana',
    );
    const number = Number(/Proposta #(\d+)/.exec(reply)?.[1]);
    expect(number, reply).toBeGreaterThan(0);
    await h.react('supervisor', number, '✅');
    await h.tick();

    expect(graph.posts).toHaveLength(1);
    expect(graph.posts[0]?.message).toContain('la Befana arriva in biblioteca');
    expect(graph.media).toHaveLength(1);
    expect(x.posts).toHaveLength(1);
    expect(x.posts[0]?.mediaIds).toHaveLength(1);
    expect(linkedin.posts).toHaveLength(1);
    expect(linkedin.posts[0]?.images).toEqual([
      expect.objectContaining({ altText: 'I bambini in biblioteca con la Befana' }),
    ]);
    expect(linkedin.posts[0]?.hashtags).toEqual(['Befana']);
    expect(tiktok.publications).toHaveLength(1);
    expect(tiktok.publications[0]?.images).toEqual([PHOTO]);
    // X and LinkedIn fetched the photo to upload it; the others pass its address on.
    expect(photoGets).toEqual(['/media/befana-2027.jpg', '/media/befana-2027.jpg']);

    const entry = await h.store.getPost(h.team.id, number);
    expect(entry?.post.state).toBe('published');
    expect(entry?.deliveries.map((d) => [d.targetId, d.state])).toEqual(
      targets.map((t) => [t.id, 'published']),
    );
    const thread = h.chat.thread(number).join('\n');
    for (const delivery of entry?.deliveries ?? []) {
      const target = targets.find((t) => t.id === delivery.targetId);
      expect(thread).toContain(
        IT['publish.published']({ target: target?.displayName ?? '', url: delivery.publicUrl ?? '' }),
      );
      expect(delivery.publicUrl, delivery.targetId).toMatch(/^https:\/\//);
    }
    // The rotated refresh tokens are in the database, sealed: neither seed nor token shows in clear.
    for (const id of ['comune-x', 'comune-tiktok']) {
      const row = await store.readTargetSecret(id);
      expect(row?.version, id).toBeGreaterThanOrEqual(1);
      expect(row?.sealed).not.toContain(env.X_REFRESH_TOKEN);
      expect(row?.sealed).not.toContain(env.TIKTOK_REFRESH_TOKEN);
    }
  });
});

describe(`Instagram across a crash, on ${testDriver}`, () => {
  it('publishes one post after a process was killed between making the container and publishing it', async () => {
    const clock = new FakeClock(START);
    const fake = await FakeGraph.start({ now: () => clock.now().getTime() });
    const target: Target = {
      id: 'eventi-ig',
      network: 'instagram',
      networkTitle: 'Instagram',
      displayName: 'Instagram Eventi',
      baseUrl: fake.url,
      credentials: { accessToken: FAKE_PAGE_TOKEN },
      settings: { igUserId: FAKE_IG_USER_ID, apiVersion: 'v25.0' },
    };
    const store = new DrizzleStore(database.handle.db);
    try {
      // The first process makes the container and keeps its id; its media_publish never reaches Meta.
      fake.failNext('media_publish', { kind: 'hold' });
      // The dying process lives on its own clock, which stops with it: the
      // restart's clock moving on must not time out its attempt, since a
      // killed process records nothing.
      const stopped = new FakeClock(START);
      const dying = createDeskHarness(database, {
        targets: [target],
        clock: stopped,
        store,
        publishers: { 'eventi-ig': publisherOf(target, store, stopped, undefined) },
      });
      const reply = await dying.run(
        'editor',
        `/propose to:eventi-ig img:${PHOTO}|"La Befana in biblioteca" Il 6 gennaio la Befana arriva in biblioteca.`,
      );
      const number = Number(/Proposta #(\d+)/.exec(reply)?.[1]);
      await dying.react('supervisor', number, '✅');
      await dying.desk.startDue(stopped.now());
      await expect.poll(() => fake.requests.filter((r) => r.route === 'media_publish').length).toBe(1);
      expect(fake.containers).toHaveLength(1);

      // Restarted over the same database once the dead attempt's lease has run out.
      const restarted = createDeskHarness(database, {
        targets: [target],
        clock,
        store,
        team: { id: dying.team.id },
        publishers: { 'eventi-ig': publisherOf(target, store, clock, undefined) },
      });
      clock.advance(3 * 60_000);
      await restarted.tick();
      expect(fake.containers).toHaveLength(1);
      expect(fake.media).toHaveLength(1);
      const entry = await store.getPost(restarted.team.id, number);
      expect(entry?.deliveries[0]?.state).toBe('published');
      expect(restarted.chat.thread(number).join('\n')).toContain(
        IT['publish.published']({ target: 'Instagram Eventi', url: entry?.deliveries[0]?.publicUrl ?? '' }),
      );
      // The held request arriving late cannot make a second post: the container is published already.
      fake.release();
      await expect.poll(() => fake.media.length).toBe(1);
    } finally {
      await fake.close();
    }
  });
});

function writeConfig(targets: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'araldo-platforms-'));
  const path = join(dir, 'araldo.json');
  const team = { id: 'social', chat: 'shell', channel: 'social', approvers: ['supervisor'] };
  writeFileSync(path, JSON.stringify({ teams: [team], targets }));
  return path;
}

/** The target's publisher as main.ts makes it, with the database's secrets and the test's clock. */
function publisherOf(
  target: Target,
  store: DrizzleStore,
  clock: FakeClock,
  key: Buffer | undefined,
): Publisher {
  const network = networkNamed(target.network);
  if (!network) throw new Error(`no network ${target.network}`);
  const sleep = async () => {};
  return network.create(target, {
    publicUrl: () => '',
    logger: new RecordingLogger(),
    fetch: routedFetch,
    now: () => clock.now(),
    sleep: noSleep,
    secrets: createTargetSecrets(target.id, store, { key, now: () => clock.now(), sleep }),
  });
}
