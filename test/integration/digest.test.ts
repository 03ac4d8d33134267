import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en as EN } from '../../src/core/i18n/en.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import type { Store } from '../../src/core/ports.ts';
import { openDatabase } from '../../src/store/database.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import { createDeskHarness, type DeskHarness } from '../support/desk-harness.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

// Monday 23 November 2026: 08:30 in Rome is 07:30Z.
const MONDAY_0830 = '2026-11-23T07:30:00Z';

/**
 * A second store on its own connection pool where the driver allows it
 * (PostgreSQL); PGlite serves one client, so there it is a second store
 * over the same database.
 */
async function secondStore(): Promise<{ store: Store; close(): Promise<void> }> {
  if (testDriver === 'postgres') {
    const handle = await openDatabase(database.location);
    return { store: new DrizzleStore(handle.db), close: () => handle.close() };
  }
  return { store: new DrizzleStore(database.handle.db), close: async () => {} };
}

async function propose(h: DeskHarness, at: string, line: string): Promise<number> {
  h.clock.set(at);
  const reply = await h.run('editor', line);
  const number = Number(/Proposta #(\d+)/.exec(reply)?.[1]);
  expect(number, reply).toBeGreaterThan(0);
  return number;
}

function channel(h: DeskHarness): string[] {
  return h.chat.records.flatMap((r) => (r.kind === 'channel' ? [r.message.text] : []));
}

async function digestEvents(h: DeskHarness) {
  const events = await h.store.listAuditBetween(
    new Date('2026-11-01T00:00:00Z'),
    new Date('2026-12-31T00:00:00Z'),
  );
  return events.filter((e) => e.teamId === h.team.id && e.action === 'digest_sent');
}

describe(`the daily digest on ${testDriver}`, () => {
  describe('contents', () => {
    it("tells today's schedule, what waits oldest first with its age, what failed, and yesterday's links", async () => {
      const h = createDeskHarness(database);
      // Saturday: published the day before yesterday, so not in Monday's digest.
      const saturday = await propose(h, '2026-11-21T10:00:00Z', '/propose to:sito Mercato del sabato.');
      await h.react('supervisor', saturday, '✅');
      await h.tick();
      // Sunday: one published, one failed for good, one left waiting, two scheduled.
      const published = await propose(h, '2026-11-22T10:00:00Z', '/propose to:sito Domenica ecologica.');
      await h.react('supervisor', published, '✅');
      await h.tick();
      h.publishers
        .get('comune-x')
        ?.willAnswer({ kind: 'rejected', code: 'token_revoked', detail: 'HTTP 401' });
      const failed = await propose(h, '2026-11-22T12:00:00Z', '/propose to:comune-x Raccolta rifiuti.');
      await h.react('supervisor', failed, '✅');
      await h.tick();
      const oldest = await propose(h, '2026-11-22T15:00:00Z', '/propose to:sito Consiglio straordinario.');
      const today = await propose(
        h,
        '2026-11-22T16:00:00Z',
        '/propose to:sito,comune-masto at:"domani alle 18" Alle 18 incontro in biblioteca.',
      );
      await h.react('capo', today, '✅');
      const tomorrow = await propose(
        h,
        '2026-11-22T16:00:00Z',
        '/propose to:sito at:"martedì alle 9" Martedì.',
      );
      await h.react('capo', tomorrow, '✅');
      // Monday morning: two more waiting, one of them sent back for changes.
      const newer = await propose(h, '2026-11-23T06:00:00Z', '/propose to:sito Orari degli uffici.');
      const newest = await propose(h, '2026-11-23T07:00:00Z', '/propose to:sito Bozza da rivedere.');
      await h.react('supervisor', newest, '✏️');

      h.clock.set(MONDAY_0830);
      const digest = await h.run('chiunque', '/digest');
      expect(digest).toBe(
        [
          IT['digest.title']({ date: 'lunedì 23 novembre' }),
          '',
          IT['digest.today'](),
          `  18:00 #${today} → Sito istituzionale: Alle 18 incontro in biblioteca.`,
          `  18:00 #${today} → Mastodon del Comune: Alle 18 incontro in biblioteca.`,
          '',
          IT['digest.waiting'](),
          // Each waiting proposal links to its card, where the chat gives a link.
          `  ${IT['digest.waiting_item']({ number: oldest, author: 'editor', age: '16 ore', excerpt: 'Consiglio straordinario.' })} https://chat.test/card-${oldest}`,
          `  ${IT['digest.waiting_item']({ number: newer, author: 'editor', age: '1 ora', excerpt: 'Orari degli uffici.' })} https://chat.test/card-${newer}`,
          `  ${IT['digest.waiting_item']({ number: newest, author: 'editor', age: '30 min', excerpt: 'Bozza da rivedere.' })} https://chat.test/card-${newest}`,
          '',
          IT['digest.failed'](),
          `  ${IT['digest.failed_item']({ number: failed, target: 'X del Comune', reason: IT['failure.token_revoked']({ detail: '' }) })}`,
          '',
          IT['digest.yesterday'](),
          `  #${published} → Sito istituzionale: https://example.test/sito/remote-2`,
        ].join('\n'),
      );
      expect(digest).toContain(`(/araldo riprova ${failed})`);
      expect(digest).not.toContain(`#${saturday} `);
      expect(digest).not.toContain(`#${tomorrow} `);
    });

    it('says a friendly line when there is nothing to tell', async () => {
      const h = createDeskHarness(database, { now: MONDAY_0830 });
      expect(await h.run('chiunque', '/digest')).toBe(
        [IT['digest.title']({ date: 'lunedì 23 novembre' }), IT['digest.nothing']()].join('\n'),
      );
    });

    it('speaks English for an English team', async () => {
      const h = createDeskHarness(database, { now: MONDAY_0830, team: { language: 'en' } });
      expect(await h.run('anyone', '/digest')).toBe(
        [EN['digest.title']({ date: 'Monday 23 November' }), EN['digest.nothing']()].join('\n'),
      );
    });

    it('gives ages in days once a proposal has waited two days', async () => {
      const h = createDeskHarness(database);
      const n = await propose(h, '2026-11-20T07:30:00Z', '/propose to:sito Vecchia proposta.');
      h.clock.set(MONDAY_0830);
      expect(await h.run('chiunque', '/digest')).toContain(
        IT['digest.waiting_item']({
          number: n,
          author: 'editor',
          age: '3 giorni',
          excerpt: 'Vecchia proposta.',
        }),
      );
    });
  });

  describe('sending once a day', () => {
    it('sends nothing before 08:30 local, nor on Saturday and Sunday by default', async () => {
      const h = createDeskHarness(database, { now: '2026-11-23T07:29:59Z' });
      expect(await h.sendDueDigests()).toEqual([]);
      h.clock.set('2026-11-21T10:00:00Z');
      expect(await h.sendDueDigests()).toEqual([]);
      h.clock.set('2026-11-22T10:00:00Z');
      expect(await h.sendDueDigests()).toEqual([]);
      expect(channel(h)).toEqual([]);
      expect(await digestEvents(h)).toEqual([]);
    });

    it('sends at 08:30 local once, not again the same day, and again the next weekday', async () => {
      const h = createDeskHarness(database, { now: MONDAY_0830 });
      const expected = await h.run('chiunque', '/digest');
      expect(await h.sendDueDigests()).toEqual([h.team.id]);
      expect(channel(h)).toEqual([expected]);
      h.clock.set('2026-11-23T07:31:00Z');
      expect(await h.sendDueDigests()).toEqual([]);
      h.clock.set('2026-11-23T22:59:00Z');
      expect(await h.sendDueDigests()).toEqual([]);
      expect(channel(h)).toHaveLength(1);

      h.clock.set('2026-11-24T07:30:00Z');
      expect(await h.sendDueDigests()).toEqual([h.team.id]);
      expect(channel(h)).toHaveLength(2);
      expect(channel(h)[1]).toContain('martedì 24 novembre');
    });

    it('records each digest sent in the audit log, by Araldo, with its local day', async () => {
      const h = createDeskHarness(database, { now: MONDAY_0830 });
      await h.sendDueDigests();
      await h.sendDueDigests();
      const events = await digestEvents(h);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        actorId: 'araldo',
        postId: undefined,
        postNumber: undefined,
        details: { day: '2026-11-23' },
        at: new Date(MONDAY_0830),
      });
    });

    it('sends a digest missed in the morning when it starts later that day, but not the next day', async () => {
      const h = createDeskHarness(database, { now: '2026-11-23T14:00:00Z' });
      expect(await h.sendDueDigests()).toEqual([h.team.id]);
      // A restart the same day: a new desk over the same database and team.
      const restarted = createDeskHarness(database, { team: { id: h.team.id }, now: '2026-11-23T15:00:00Z' });
      expect(await restarted.sendDueDigests()).toEqual([]);
      expect(channel(restarted)).toEqual([]);

      // Down all Tuesday: Wednesday morning before 08:30 sends nothing for Tuesday.
      const wednesday = createDeskHarness(database, {
        team: { id: h.team.id },
        now: '2026-11-25T06:00:00Z',
      });
      expect(await wednesday.sendDueDigests()).toEqual([]);
      wednesday.clock.set('2026-11-25T07:30:00Z');
      expect(await wednesday.sendDueDigests()).toEqual([h.team.id]);
      expect((await digestEvents(h)).map((e) => e.details.day)).toEqual(['2026-11-23', '2026-11-25']);
    });

    it('follows the team digest time and days', async () => {
      const h = createDeskHarness(database, {
        now: '2026-11-21T05:59:00Z',
        team: { digest: { time: '07:00', days: ['sat'] } },
      });
      expect(await h.sendDueDigests()).toEqual([]);
      h.clock.set('2026-11-21T06:00:00Z');
      expect(await h.sendDueDigests()).toEqual([h.team.id]);
      h.clock.set('2026-11-23T07:30:00Z');
      expect(await h.sendDueDigests()).toEqual([]);
    });

    it('sends at 08:30 local on the day after the spring change', async () => {
      // Monday 30 March 2026 is in summer time: 08:30 is 06:30Z.
      const h = createDeskHarness(database, { now: '2026-03-30T06:29:00Z' });
      expect(await h.sendDueDigests()).toEqual([]);
      h.clock.set('2026-03-30T06:30:00Z');
      expect(await h.sendDueDigests()).toEqual([h.team.id]);
      expect(channel(h)[0]).toContain('lunedì 30 marzo');
    });

    it('does not spend the daily digest when someone asks for /digest first', async () => {
      const h = createDeskHarness(database, { now: '2026-11-23T06:00:00Z' });
      const early = await h.run('chiunque', '/digest');
      expect(early).toContain(IT['digest.nothing']());
      h.clock.set(MONDAY_0830);
      const onDemand = await h.run('chiunque', '/digest');
      expect(channel(h)).toEqual([]);
      expect(await h.sendDueDigests()).toEqual([h.team.id]);
      expect(channel(h)).toEqual([onDemand]);
      expect(await h.run('chiunque', '/digest')).toBe(onDemand);
    });

    it('sends the digest once when a process died after deciding it, and once when it died mid-send', async () => {
      const h = createDeskHarness(database, { now: MONDAY_0830 });
      // A process decided today's digest and died before sending it: it stays owed.
      expect(await h.desk.sendDueDigests()).toEqual([h.team.id]);
      expect(channel(h)).toEqual([]);
      // Another claimed it and died mid-send: its lease runs out, and the next
      // attempt looks for the message before writing (here it never arrived).
      const [claimed] = await h.store.claimOwedMessages([h.team.id], new Date(MONDAY_0830), 10, 60_000);
      expect(claimed?.kind).toBe('digest');
      await h.desk.flushOwed();
      expect(channel(h)).toEqual([]);
      h.clock.advance(61_000);
      await h.desk.flushOwed();
      expect(channel(h)).toHaveLength(1);
      const [record] = h.chat.records;
      expect(record?.key.mayExist).toBe(true);
      expect(await h.sendDueDigests()).toEqual([]);
      expect(channel(h)).toHaveLength(1);
      expect((await digestEvents(h)).map((e) => e.details.day)).toEqual(['2026-11-23']);
    });
  });

  describe('several processes', () => {
    it('sends exactly one digest per team and day when two desks on two connections race', async () => {
      const other = await secondStore();
      try {
        const first = createDeskHarness(database, { now: MONDAY_0830 });
        const second = createDeskHarness(database, {
          now: MONDAY_0830,
          team: { id: first.team.id },
          store: other.store,
        });
        const days = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'];
        for (const day of days) {
          first.clock.set(`${day}T07:30:00Z`);
          second.clock.set(`${day}T07:30:00Z`);
          const [a, b] = await Promise.all([first.sendDueDigests(), second.sendDueDigests()]);
          expect([...a, ...b]).toEqual([first.team.id]);
        }
        expect(channel(first).length + channel(second).length).toBe(days.length);
        expect((await digestEvents(first)).map((e) => e.details.day)).toEqual(days);
      } finally {
        await other.close();
      }
    });
  });
});
