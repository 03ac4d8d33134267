import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '../../src/core/target.ts';
import { feedSettingsFor } from '../../src/publish/feed/feed-document.ts';
import { FeedPublisher } from '../../src/publish/feed/feed-publisher.ts';
import { type DatabaseHandle, openDatabase } from '../../src/store/database.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import { createHttpServer, listen } from '../../src/web/http-server.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { parseAtom, textOf } from '../support/atom-reader.ts';
import { createDeskHarness, type DeskHarness } from '../support/desk-harness.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

// Several Araldo processes may share one database (SPEC §5), and the feed is
// "served over HTTP by every process" (SPEC §2): two desks, each with its own
// store client and its own HTTP server, publish to one feed target of one
// team; both serve the same complete document. On PostgreSQL each replica has
// its own connection pool; PGlite in memory has one connection, shared.

const PUBLIC_URL = 'https://araldo.comune.example.it';
const TARGETS: readonly Target[] = [
  { id: 'sito', network: 'feed', displayName: 'Sito istituzionale', credentials: {} },
];
const MINUTE = 60_000;

interface Replica {
  readonly h: DeskHarness;
  readonly server: Server;
  readonly port: number;
}

let database: TestDatabase;
let secondHandle: DatabaseHandle | undefined;
const replicas: Replica[] = [];

async function startReplica(store: DrizzleStore): Promise<Replica> {
  const h = createDeskHarness(database, {
    store,
    targets: TARGETS,
    team: { id: 'comune-replicas' },
    publishers: { sito: new FeedPublisher({ targetId: 'sito', publicUrl: PUBLIC_URL }) },
  });
  const server = createHttpServer({
    ping: () => store.ping(),
    feeds: { store, targets: feedSettingsFor(TARGETS, [h.team]), publicUrl: () => PUBLIC_URL },
    logger: new RecordingLogger(),
  });
  return { h, server, port: await listen(server, 0) };
}

beforeAll(async () => {
  database = await createTestDatabase();
  if (testDriver === 'postgres') secondHandle = await openDatabase(database.location);
  const second = secondHandle ?? database.handle;
  replicas.push(await startReplica(new DrizzleStore(database.handle.db)));
  replicas.push(await startReplica(new DrizzleStore(second.db)));
});

afterAll(async () => {
  for (const { server } of replicas) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await secondHandle?.close();
  await database.drop();
});

/** proposes on `replica`, approves there and lets it publish; both clocks then move on */
async function publishOn(replica: Replica, text: string): Promise<void> {
  const reply = await replica.h.run('editor', `/propose to:sito ${text}`);
  const number = Number(/#(\d+)/.exec(reply)?.[1]);
  if (!number) throw new Error(`no proposal: ${reply}`);
  await replica.h.react('supervisor', number, '✅');
  await replica.h.tick();
  expect((await replica.h.store.getPost(replica.h.team.id, number))?.post.state).toBe('published');
  for (const { h } of replicas) h.clock.advance(MINUTE);
}

async function get(replica: Replica, headers: Record<string, string> = {}) {
  const response = await fetch(`http://127.0.0.1:${replica.port}/feeds/sito.xml`, { headers });
  return { status: response.status, etag: response.headers.get('etag'), body: await response.text() };
}

describe(`two replicas over one ${testDriver} database`, () => {
  it('both serve the same complete feed of what each published', async () => {
    const [a, b] = replicas;
    if (!a || !b) throw new Error('two replicas expected');
    const texts = ['Da A: uno.', 'Da B: uno.', 'Da A: due.', 'Da B: due.', 'Da B: tre.'];
    for (const text of texts) await publishOn(text.startsWith('Da A') ? a : b, text);

    const fromA = await get(a);
    const fromB = await get(b);
    expect(fromA.status).toBe(200);
    expect(fromB.status).toBe(200);
    expect(fromB.body).toBe(fromA.body);
    expect(fromB.etag).toBe(fromA.etag);

    const entries = parseAtom(fromA.body).entry ?? [];
    expect(entries.map((entry) => textOf(entry.content))).toEqual([...texts].reverse());
    const published = await a.h.store.listLatestPublished('sito', 50);
    expect(entries.map((entry) => entry.id)).toEqual(
      published.map((row) => `urn:araldo:delivery:${row.delivery.id}`),
    );

    // A reader's cached copy from one replica is current on the other.
    expect((await get(b, { 'if-none-match': fromA.etag ?? '' })).status).toBe(304);
  });
});
