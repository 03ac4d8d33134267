import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '../../src/core/target.ts';
import { feedSettingsFor } from '../../src/publish/feed/feed-document.ts';
import { FeedPublisher } from '../../src/publish/feed/feed-publisher.ts';
import { createHttpServer, listen } from '../../src/web/http-server.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { parseAtom, textOf } from '../support/atom-reader.ts';
import { createDeskHarness, type DeskHarness } from '../support/desk-harness.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

// GET and HEAD /feeds/<target>.xml (SPEC §2 feed): the Atom document rendered
// from the target's published deliveries on each request, through a real
// store and a real server on 127.0.0.1, read by an independent XML parser.

const PUBLIC_URL = 'https://araldo.comune.example.it';
const SITE = 'Sito istituzionale';
const MINUTE = 60_000;

let database: TestDatabase;
const servers: Server[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

interface FeedWorld {
  readonly h: DeskHarness;
  /** the feed target's id, unique to this test */
  readonly feedId: string;
  /** a Mastodon target of the same team */
  readonly otherId: string;
  /** GET or HEAD a path of the server, with request headers */
  request(path: string, init?: { method?: string; headers?: Record<string, string> }): Promise<Response>;
  /** proposes `line` (options and text) to the feed target, approves it and publishes it now */
  publish(line: string): Promise<number>;
}

let worlds = 0;

/** A desk publishing to a feed target over the test database, and a server rendering its feed. */
async function createWorld(feed: Target['feed'] = undefined): Promise<FeedWorld> {
  worlds += 1;
  const feedId = `sito-${worlds}`;
  const otherId = `masto-${worlds}`;
  const targets: Target[] = [
    { id: feedId, network: 'feed', displayName: SITE, credentials: {}, ...(feed ? { feed } : {}) },
    { id: otherId, network: 'mastodon', displayName: 'Mastodon del Comune', credentials: {} },
  ];
  const h = createDeskHarness(database, {
    targets,
    publishers: { [feedId]: new FeedPublisher({ targetId: feedId, publicUrl: PUBLIC_URL }) },
  });
  const server = createHttpServer({
    ping: () => h.store.ping(),
    feeds: { store: h.store, targets: feedSettingsFor(targets, [h.team]), publicUrl: () => PUBLIC_URL },
    logger: new RecordingLogger(),
  });
  servers.push(server);
  const port = await listen(server, 0);
  return {
    h,
    feedId,
    otherId,
    request: (path, init = {}) => fetch(`http://127.0.0.1:${port}${path}`, init),
    publish: async (line) => {
      const reply = await h.run('editor', `/propose to:${feedId} ${line}`);
      const number = Number(/#(\d+)/.exec(reply)?.[1]);
      if (!number) throw new Error(`no proposal: ${reply}`);
      await h.react('supervisor', number, '✅');
      await h.tick();
      const state = (await h.store.getPost(h.team.id, number))?.post.state;
      if (state !== 'published') throw new Error(`post #${number} is ${state}`);
      return number;
    },
  };
}

async function feedOf(world: FeedWorld) {
  const response = await world.request(`/feeds/${world.feedId}.xml`);
  expect(response.status).toBe(200);
  return parseAtom(await response.text());
}

describe(`the feed over HTTP on ${testDriver}`, () => {
  it('renders the published deliveries newest first, each entry from its delivery and post', async () => {
    const world = await createWorld();
    const first = await world.publish('Prima notizia: il mercato si sposta in piazza Garibaldi.');
    world.h.clock.advance(MINUTE);
    const second = await world.publish('Seconda notizia: chiuso il ponte di via Roma.');
    world.h.clock.advance(MINUTE);
    const third = await world.publish('Terza notizia: la biblioteca apre anche il sabato.');

    const response = await world.request(`/feeds/${world.feedId}.xml`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=60');
    const body = await response.text();
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    const feed = parseAtom(body);

    const selfUrl = `${PUBLIC_URL}/feeds/${world.feedId}.xml`;
    expect(feed.id).toBe(`urn:araldo:feed:${world.feedId}`);
    expect(textOf(feed.title)).toBe(SITE);
    expect(feed['@_xml:lang']).toBe('it');
    expect(feed.link).toContainEqual({
      '@_rel': 'self',
      '@_type': 'application/atom+xml',
      '@_href': selfUrl,
    });
    const posts = await Promise.all(
      [third, second, first].map(async (n) => {
        const stored = await world.h.store.getPost(world.h.team.id, n);
        if (!stored) throw new Error(`no post #${n}`);
        return stored;
      }),
    );
    const newest = posts[0]?.deliveries[0];
    expect(feed.updated).toBe(newest?.publishedAt?.toISOString());
    const entries = (feed.entry ?? []).map(({ id, title, published, updated, author, link, content }) => ({
      id,
      title,
      published,
      updated,
      author: { name: author.name },
      link,
      content,
    }));
    expect(entries).toEqual(
      posts.map(({ post, deliveries: [delivery] }) => ({
        id: `urn:araldo:delivery:${delivery?.id}`,
        title: { '#text': post.text, '@_type': 'text' },
        published: delivery?.publishedAt?.toISOString(),
        updated: delivery?.publishedAt?.toISOString(),
        // The institution signs its feed, not the staff member who proposed.
        author: { name: SITE },
        link: [
          { '@_rel': 'alternate', '@_href': `${selfUrl}#post-${post.number}-${delivery?.id.slice(0, 8)}` },
        ],
        content: { '#text': post.text, '@_type': 'text' },
      })),
    );
  });

  it('shows only the configured number of newest entries', async () => {
    const world = await createWorld({ entries: 2 });
    for (const word of ['uno', 'due', 'tre']) {
      await world.publish(`Avviso numero ${word}.`);
      world.h.clock.advance(MINUTE);
    }

    const feed = await feedOf(world);
    expect(feed.entry?.map((entry) => textOf(entry.content))).toEqual([
      'Avviso numero tre.',
      'Avviso numero due.',
    ]);
  });

  it('shows 50 entries when the target does not say', () => {
    const [settings] = feedSettingsFor(
      [{ id: 'sito', network: 'feed', displayName: SITE, credentials: {} }],
      [],
    );
    expect(settings).toEqual({ targetId: 'sito', title: SITE, language: 'it', entries: 50 });
  });

  it('leaves out deliveries not published and those of other targets', async () => {
    const world = await createWorld();
    const other = await createWorld();
    await world.publish('Pubblicata sul sito.');
    await other.publish('Pubblicata su un altro sito.');
    await world.h.run('editor', `/propose to:${world.feedId} Ancora in attesa di approvazione.`);
    // Published to Mastodon only: not an entry of the site feed.
    const masto = await world.h.run('editor', `/propose to:${world.otherId} Solo su Mastodon.`);
    await world.h.react('supervisor', Number(/#(\d+)/.exec(masto)?.[1]), '✅');
    await world.h.tick();

    expect((await feedOf(world)).entry?.map((entry) => textOf(entry.content))).toEqual([
      'Pubblicata sul sito.',
    ]);
  });

  it('turns images into enclosures titled with their alt text', async () => {
    const world = await createWorld();
    await world.publish(
      [
        'img:“https://comune.example.it/img/ponte.png|Il ponte "nuovo" di via Roma & la <piazza>”',
        'img:“https://comune.example.it/img/mercato.jpg?v=2&size=large|Il mercato del sabato”',
        'Lavori sul ponte.',
      ].join(' '),
    );

    const [entry] = (await feedOf(world)).entry ?? [];
    expect(entry?.link.filter((link) => link['@_rel'] === 'enclosure')).toEqual([
      {
        '@_rel': 'enclosure',
        '@_href': 'https://comune.example.it/img/ponte.png',
        '@_type': 'image/png',
        '@_title': 'Il ponte "nuovo" di via Roma & la <piazza>',
      },
      {
        '@_rel': 'enclosure',
        '@_href': 'https://comune.example.it/img/mercato.jpg?v=2&size=large',
        '@_type': 'image/jpeg',
        '@_title': 'Il mercato del sabato',
      },
    ]);
  });

  it('keeps accents, markup characters, quotes and emoji, escaped', async () => {
    const world = await createWorld();
    // Control characters are refused at /propose; renderAtom's own tests drop any that get through.
    await world.publish('Festa di Sant\'Agnese: "più" <grande> & più bella 🎉🇮🇹 città!');

    const response = await world.request(`/feeds/${world.feedId}.xml`);
    const body = await response.text();
    expect(body).toContain('&lt;grande&gt; &amp; più');
    const [entry] = parseAtom(body).entry ?? [];
    expect(textOf(entry?.content)).toBe('Festa di Sant\'Agnese: "più" <grande> & più bella 🎉🇮🇹 città!');
    expect(textOf(entry?.title)).toBe('Festa di Sant\'Agnese: "più" <grande> & più bella 🎉🇮🇹 città!');
  });

  it('answers 304 to the ETag it gave, and 200 with a new one after a publication', async () => {
    const world = await createWorld();
    const path = `/feeds/${world.feedId}.xml`;
    await world.publish('Prima.');
    const first = await world.request(path);
    await first.text();
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);

    const again = await world.request(path, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('last-modified')).toBe(first.headers.get('last-modified'));
    // A list of tags, one of them weak, still matches (weak comparison, RFC 9110 §13.1.2).
    const listed = await world.request(path, { headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(listed.status).toBe(304);
    // If-None-Match decides alone: an If-Modified-Since that would match is ignored.
    const stale = await world.request(path, {
      headers: { 'if-none-match': '"other"', 'if-modified-since': new Date().toUTCString() },
    });
    expect(stale.status).toBe(200);
    await stale.text();

    world.h.clock.advance(MINUTE);
    await world.publish('Seconda.');
    const changed = await world.request(path, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect((parseAtom(await changed.text()).entry ?? []).map((entry) => textOf(entry.content))).toEqual([
      'Seconda.',
      'Prima.',
    ]);
  });

  it('dates the feed by its newest entry and answers 304 to If-Modified-Since from then on', async () => {
    const world = await createWorld();
    const path = `/feeds/${world.feedId}.xml`;
    const number = await world.publish('Prima.');
    const publishedAt = (await world.h.store.getPost(world.h.team.id, number))?.deliveries[0]?.publishedAt;
    if (!publishedAt) throw new Error('no publication time');

    const response = await world.request(path);
    await response.text();
    const lastModified = response.headers.get('last-modified') ?? '';
    expect(lastModified).toBe(publishedAt.toUTCString());

    const same = await world.request(path, { headers: { 'if-modified-since': lastModified } });
    expect(same.status).toBe(304);
    expect(await same.text()).toBe('');
    const later = new Date(publishedAt.getTime() + MINUTE).toUTCString();
    expect((await world.request(path, { headers: { 'if-modified-since': later } })).status).toBe(304);
    const earlier = await world.request(path, {
      headers: { 'if-modified-since': new Date(publishedAt.getTime() - MINUTE).toUTCString() },
    });
    expect(earlier.status).toBe(200);
    await earlier.text();
    const unreadable = await world.request(path, { headers: { 'if-modified-since': 'ieri' } });
    expect(unreadable.status).toBe(200);
    await unreadable.text();
  });

  it('serves an empty feed dated at the epoch, with stable validators', async () => {
    const world = await createWorld();
    const path = `/feeds/${world.feedId}.xml`;
    const response = await world.request(path);
    const feed = parseAtom(await response.text());

    expect(feed.entry).toBeUndefined();
    expect(feed.updated).toBe('1970-01-01T00:00:00.000Z');
    expect(response.headers.get('last-modified')).toBe(new Date(0).toUTCString());
    const etag = response.headers.get('etag') ?? '';
    expect((await world.request(path, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const world = await createWorld();
    const path = `/feeds/${world.feedId}.xml`;
    await world.publish('Prima.');
    const get = await world.request(path);
    const body = await get.text();

    const head = await world.request(path, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    for (const name of ['content-type', 'etag', 'last-modified', 'cache-control']) {
      expect(head.headers.get(name)).toBe(get.headers.get(name));
    }
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    const notModified = await world.request(path, {
      method: 'HEAD',
      headers: { 'if-none-match': get.headers.get('etag') ?? '' },
    });
    expect(notModified.status).toBe(304);
  });

  it('answers 404 for a target that is not configured and for a target that is no feed', async () => {
    const world = await createWorld();
    await world.publish('Prima.');

    for (const path of ['/feeds/nessuno.xml', `/feeds/${world.otherId}.xml`, `/feeds/${world.feedId}.json`]) {
      const response = await world.request(path);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('<feed');
    }
  });
});
