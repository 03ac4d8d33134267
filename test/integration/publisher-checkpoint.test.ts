import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { it as IT } from '../../src/core/i18n/it.ts';
import { InMemoryPublisher } from '../fakes/in-memory-publisher.ts';
import { createDeskHarness, type DeskHarness } from '../support/desk-harness.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

async function approved(h: DeskHarness, line: string): Promise<number> {
  const reply = await h.run('editor', line);
  const number = Number(/Proposta #(\d+)/.exec(reply)?.[1]);
  expect(number, reply).toBeGreaterThan(0);
  await h.react('supervisor', number, '✅');
  return number;
}

describe(`what publishers keep between attempts, on ${testDriver}`, () => {
  it('hands the checkpoint of an attempt cut off by a crash to the process that takes the delivery over', async () => {
    // The first process's publisher makes its container, saves its id, then the process dies.
    const dying = new InMemoryPublisher({ idempotent: true });
    dying.checkpointToSave = { containerId: '17895695668004550' };
    dying.gate = new Promise<void>(() => {});
    const first = createDeskHarness(database, { publishers: { 'comune-masto': dying } });
    const number = await approved(first, '/propose to:comune-masto Allerta meteo: scuole chiuse domani.');
    await first.desk.startDue(first.clock.now());
    await expect.poll(() => dying.checkpointsSaved).toEqual([true]);

    // After the lease, another process over the same database resumes from it.
    const resuming = new InMemoryPublisher({ idempotent: true });
    const second = createDeskHarness(database, {
      store: first.store,
      clock: first.clock,
      team: { id: first.team.id },
      publishers: { 'comune-masto': resuming },
    });
    second.clock.advance(3 * 60_000);
    await second.tick();
    expect(resuming.requests.map((r) => r.checkpoint)).toEqual([{ containerId: '17895695668004550' }]);
    // The dead attempt can no longer write over the new one's progress.
    expect(await dying.requests[0]?.saveCheckpoint({ containerId: 'stale' })).toBe(false);
    expect((await second.store.getPost(second.team.id, number))?.post.state).toBe('published');
  });

  it('starts a first attempt without a checkpoint', async () => {
    const h = createDeskHarness(database);
    await approved(h, '/propose to:comune-masto Mercato contadino sabato in piazza.');
    await h.tick();
    expect(h.publishers.get('comune-masto')?.requests.map((r) => r.checkpoint)).toEqual([undefined]);
  });

  it('says in the thread when a publication waits in the account inbox or went out private', async () => {
    const h = createDeskHarness(database);
    const inbox = h.publishers.get('comune-masto');
    const priv = h.publishers.get('comune-x');
    inbox?.willAnswer({ kind: 'published', remoteId: 'p_pub_1', url: '', note: 'awaiting_creator' });
    priv?.willAnswer({
      kind: 'published',
      remoteId: '7311',
      url: 'https://www.tiktok.com/@comune/photo/7311',
      note: 'private',
    });
    const number = await approved(h, '/propose to:comune-masto,comune-x Festa della Befana in biblioteca.');
    await h.tick();
    const thread = h.chat.thread(number).join('\n');
    expect(thread).toContain(IT['publish.published_no_link']({ target: 'Mastodon del Comune' }));
    expect(thread).toContain(IT['publish.note.awaiting_creator']({ target: 'Mastodon del Comune' }));
    expect(thread).toContain(
      IT['publish.published']({ target: 'X del Comune', url: 'https://www.tiktok.com/@comune/photo/7311' }),
    );
    expect(thread).toContain(IT['publish.note.private']({ target: 'X del Comune' }));
  });
});
