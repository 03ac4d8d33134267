import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpText } from '../../src/core/help.ts';
import { en as EN } from '../../src/core/i18n/en.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import type { Store } from '../../src/core/ports.ts';
import { timeExamples } from '../../src/core/time-reader.ts';
import { createDeskHarness, type DeskHarness } from '../support/desk-harness.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

// Every harness starts on Saturday 21 November 2026, 11:00 in Rome (10:00Z).

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

async function proposeOne(h: DeskHarness, line = '/propose to:sito Chiuso il ponte di via Roma per lavori.') {
  const reply = await h.run('editor', line);
  expect(reply).toContain('Proposta #');
  return Number(/#(\d+)/.exec(reply)?.[1]);
}

async function stateOf(h: DeskHarness, n: number) {
  return (await h.store.getPost(h.team.id, n))?.post.state;
}

async function auditOf(h: DeskHarness, n: number) {
  const entry = await h.store.getPost(h.team.id, n);
  if (!entry) throw new Error(`no post #${n}`);
  return h.store.listAudit(entry.post.id);
}

const SUNDAY_9 = 'domenica 22 novembre 2026, 09:00 (Europe/Rome, CET)';

describe(`the desk's commands on ${testDriver}`, () => {
  describe('owed messages where rounds are driven', () => {
    // A running Araldo gives the desk a `kick`: what a decision owes then
    // goes out at once, without waiting for a scheduler round.
    it('sends a proposal’s card without a round, and nothing new on its own once stopped', async () => {
      let kicks = 0;
      const h = createDeskHarness(database, {
        kick: () => {
          kicks += 1;
        },
      });
      const propose = (text: string) =>
        h.desk.command(
          { teamId: h.team.id, actor: { id: 'editor', name: 'editor' } },
          `/propose to:sito ${text}`,
        );
      await propose('Primo avviso.');
      await h.desk.idle();
      expect(h.chat.latestCard(1)?.postNumber).toBe(1);

      h.desk.stop();
      await propose('Secondo avviso.');
      await h.desk.idle();
      expect(h.chat.latestCard(2)).toBeUndefined();
      // Still owed, so the next start (here a flush) sends it.
      await h.desk.flushOwed();
      expect(h.chat.latestCard(2)?.postNumber).toBe(2);
      expect(kicks).toBe(0);
    });
  });

  describe('/propose in a burst', () => {
    // A burst of slash commands is stored by a few decisions (a group commit):
    // each proposer still gets their own post, number, answer and card.
    it('gives each of many concurrent proposals its own number, answer and card, and a repeated event none', async () => {
      const h = createDeskHarness(database);
      const lines = Array.from(
        { length: 12 },
        (_, i) => `/propose to:sito Avviso numero ${i + 1} alla cittadinanza.`,
      );
      const replies = await Promise.all([
        ...lines.map((line, i) => h.run(`redattore-${i}`, line, `Ev-${i}`)),
        // Slack retries of two of them, arriving while the burst is stored
        h.run('redattore-3', lines[3] as string, 'Ev-3'),
        h.run('redattore-7', lines[7] as string, 'Ev-7'),
        // one that cannot be stored, amid the burst
        h.run('redattore-x', '/propose to:nessuno Testo.', 'Ev-bad'),
      ]);
      const numbers = replies.slice(0, 12).map((reply) => Number(/#(\d+)/.exec(reply)?.[1]));
      expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      for (const [i, n] of numbers.entries()) {
        const entry = await h.store.getPost(h.team.id, n);
        expect(entry?.post.text).toBe(`Avviso numero ${i + 1} alla cittadinanza.`);
        expect(entry?.post.author.id).toBe(`redattore-${i}`);
        expect((await auditOf(h, n)).map((e) => e.action)).toEqual(['proposed']);
      }
      // A retry gets the first post's number, said to be the same proposal.
      for (const [reply, first] of [
        [replies[12], numbers[3]],
        [replies[13], numbers[7]],
      ] as const) {
        expect([
          IT['propose.created']({ number: first as number }),
          IT['propose.duplicate']({ number: first as number }),
        ]).toContain(reply);
      }
      expect(replies[14]).toContain('nessuno');
      expect(await h.store.getPost(h.team.id, 13)).toBeUndefined();

      await h.tick();
      const cards = h.chat.records.filter((r) => r.kind === 'card');
      expect(cards.map((r) => (r.kind === 'card' ? r.card.postNumber : 0)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
    });
  });

  describe('/cancel', () => {
    it('lets the author cancel a pending post and says so in the thread', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      expect(await h.run('editor', `/cancel ${n}`)).toBe(IT['cancel.reply']({ number: n }));
      expect(await stateOf(h, n)).toBe('cancelled');
      expect(h.chat.thread(n)).toEqual([IT['cancel.thread']({ name: 'editor' })]);
      expect(h.chat.latestCard(n)?.state).toBe('cancelled');
      expect((await auditOf(h, n)).map((e) => e.action)).toEqual(['proposed', 'cancelled']);
    });

    it('lets an approver cancel a scheduled post, which then never publishes', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito at:"domani alle 9" Mercato in piazza.');
      await h.react('supervisor', n, '✅');
      expect(await stateOf(h, n)).toBe('scheduled');
      expect(await h.run('capo', `/cancel ${n}`)).toBe(IT['cancel.reply']({ number: n }));
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.state).toBe('cancelled');
      expect(entry?.deliveries.map((d) => d.state)).toEqual(['cancelled']);
      h.clock.set('2026-11-22T08:00:00Z');
      await h.tick();
      expect(h.publishers.get('sito')?.requests).toHaveLength(0);
    });

    it('refuses someone who is neither the author nor an approver, and changes nothing', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      expect(await h.run('stagista', `/cancel ${n}`)).toBe(IT['command.not_allowed']({ number: n }));
      expect(await stateOf(h, n)).toBe('pending');
      expect(h.chat.thread(n)).toEqual([]);
    });

    it('ignores an approval after the cancel, and the tick publishes nothing', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.run('editor', `/cancel ${n}`);
      await h.react('supervisor', n, '✅');
      await h.tick();
      expect(await stateOf(h, n)).toBe('cancelled');
      expect(h.publishers.get('sito')?.requests).toHaveLength(0);
      expect(h.wakes).toEqual([]);
      const entry = await h.store.getPost(h.team.id, n);
      expect(await h.store.listApprovals(entry!.post.id, entry!.post.version)).toEqual([]);
    });

    it('says it is too late to cancel a post already published', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✅');
      await h.tick();
      expect(await stateOf(h, n)).toBe('published');
      expect(await h.run('editor', `/cancel ${n}`)).toBe(
        IT['command.too_late']({ number: n, status: IT['state.published']() }),
      );
      expect(await stateOf(h, n)).toBe('published');
    });
  });

  describe('/edit', () => {
    it('checks the new text against every target, naming the target and the excess', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito,comune-x Orari della biblioteca.');
      const reply = await h.run('editor', `/edit ${n} ${'a'.repeat(285)}`);
      expect(reply).toContain('X del Comune (comune-x): 285/280');
      expect(reply).toContain('5 di troppo');
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.text).toBe('Orari della biblioteca.');
      expect(entry?.post.version).toBe(1);
      expect((await auditOf(h, n)).map((e) => e.action)).toEqual(['proposed']);
    });

    it('bumps the version: an earlier ✅ no longer counts after an edit', async () => {
      const h = createDeskHarness(database, { team: { approvalsRequired: 2 } });
      const n = await proposeOne(h, '/propose to:sito Prima versione.');
      await h.react('supervisor', n, '✅');
      expect(h.chat.thread(n).at(-1)).toContain('(1/2)');
      expect(await h.run('editor', `/edit ${n} Seconda versione.`)).toBe(IT['edit.reply']({ number: n }));
      const edited = await h.store.getPost(h.team.id, n);
      expect(edited?.post.version).toBe(2);
      expect(edited?.post.text).toBe('Seconda versione.');
      expect(await h.store.listApprovals(edited!.post.id, 2)).toEqual([]);
      await h.react('capo', n, '✅');
      expect(await stateOf(h, n)).toBe('pending');
      expect(h.chat.thread(n).at(-1)).toContain('(1/2)');
      await h.react('supervisor', n, '✅');
      expect(await stateOf(h, n)).toBe('approved');
      await h.tick();
      expect(h.publishers.get('sito')?.requests.map((r) => r.text)).toEqual(['Seconda versione.']);
    });

    it('says in the thread that approvals were reset, with the text before and after', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito Prima versione.');
      await h.run('capo', `/edit ${n} Seconda versione.`);
      expect(h.chat.thread(n)).toEqual([
        IT['edit.thread']({ name: 'capo', before: 'Prima versione.', after: 'Seconda versione.' }),
      ]);
      expect(h.chat.thread(n)[0]).toContain('Le approvazioni precedenti non valgono più');
      expect(h.chat.latestCard(n)?.text).toBe('Seconda versione.');
    });

    it('redraws the card with a length meter of the new text for each target', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito,comune-x Breve.');
      await h.run('editor', `/edit ${n} Testo nuovo: https://comune.example.it/avvisi/ponte`);
      expect(h.chat.latestCard(n)?.targets.map((t) => [t.id, t.used, t.limit])).toEqual([
        ['sito', 'Testo nuovo: https://comune.example.it/avvisi/ponte'.length, undefined],
        // X counts the URL as 23: "Testo nuovo: " is 13.
        ['comune-x', 36, 280],
      ]);
      expect(h.chat.latestCard(n)?.approvals).toEqual({ have: 0, need: 1, by: [] });
    });

    it('does not let an approval of the earlier version, landing during an edit, publish the new text', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito Prima versione.');
      // The reaction is read while the post is at version 1; the edit commits
      // before the approval is decided (a Slack reaction and an /edit a few
      // milliseconds apart, or two replicas). The approval was for the text
      // the approver saw, so it does not count for the new one.
      let edited = false;
      const racing = new Proxy(h.store, {
        get(target, key) {
          const value: unknown = Reflect.get(target, key);
          if (key === 'getPost') {
            return async (...args: Parameters<Store['getPost']>) => {
              const found = await target.getPost(...args);
              if (!edited) {
                edited = true;
                await h.run('editor', `/edit ${n} Seconda versione, mai approvata.`);
              }
              return found;
            };
          }
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const approver = createDeskHarness(database, { team: { id: h.team.id }, store: racing });
      await approver.react('supervisor', n, '✅');
      expect(edited).toBe(true);
      expect(approver.chat.thread(n).at(-1)).toBe(IT['reaction.stale_version']({ name: 'supervisor' }));
      await h.tick();
      expect(h.publishers.get('sito')?.requests.map((r) => r.text)).toEqual([]);
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.version).toBe(2);
      expect(entry?.post.state).toBe('pending');
    });

    it('records the text before and after in the audit log', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito Prima versione.');
      await h.run('editor', `/edit ${n} Seconda versione,\ncon un a capo.`);
      const edited = (await auditOf(h, n)).find((e) => e.action === 'edited');
      expect(edited?.actorId).toBe('editor');
      expect(edited?.details).toMatchObject({
        before: 'Prima versione.',
        after: 'Seconda versione,\ncon un a capo.',
        version: 2,
      });
    });

    it('takes an approved, scheduled post back to pending: it does not publish at its old time', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito at:"domani alle 9" Prima versione.');
      await h.react('supervisor', n, '✅');
      expect(await stateOf(h, n)).toBe('scheduled');
      await h.run('editor', `/edit ${n} Seconda versione.`);
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.state).toBe('pending');
      expect(entry?.deliveries.map((d) => d.state)).toEqual(['pending']);
      h.clock.set('2026-11-22T08:00:00Z');
      await h.tick();
      expect(h.publishers.get('sito')?.requests).toHaveLength(0);
    });

    it('brings a post whose changes were requested back to pending', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✏️');
      expect(await stateOf(h, n)).toBe('changes_requested');
      await h.run('editor', `/edit ${n} Testo corretto.`);
      expect(await stateOf(h, n)).toBe('pending');
    });

    it('refuses an edit after publishing', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✅');
      await h.tick();
      expect(await h.run('editor', `/edit ${n} Troppo tardi.`)).toBe(
        IT['command.too_late']({ number: n, status: IT['state.published']() }),
      );
      expect((await h.store.getPost(h.team.id, n))?.post.text).toBe(
        'Chiuso il ponte di via Roma per lavori.',
      );
    });

    it('refuses someone who may not change the post, and asks for the text when it is missing', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      expect(await h.run('stagista', `/edit ${n} Altro`)).toBe(IT['command.not_allowed']({ number: n }));
      expect(await h.run('editor', `/edit ${n}`)).toBe(IT['edit.usage']());
      expect((await h.store.getPost(h.team.id, n))?.post.version).toBe(1);
    });
  });

  describe('/reschedule', () => {
    it('moves a scheduled post: nothing at the old time, published at the new one', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito at:"domani alle 9" Mercato in piazza.');
      await h.react('supervisor', n, '✅');
      const monday10 = 'lunedì 23 novembre 2026, 10:00 (Europe/Rome, CET)';
      expect(await h.run('editor', `/reschedule ${n} lunedì alle 10`)).toBe(
        IT['reschedule.reply']({ number: n, when: monday10 }),
      );
      expect(h.chat.thread(n).at(-1)).toBe(
        `${IT['reschedule.thread']({ name: 'editor', when: monday10 })}\n${IT['schedule.at']({ when: monday10 })}`,
      );
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.state).toBe('scheduled');
      expect(entry?.post.requestedAt).toEqual(new Date('2026-11-23T09:00:00Z'));
      expect(entry?.deliveries[0]?.nextAttemptAt).toEqual(new Date('2026-11-23T09:00:00Z'));
      expect(h.wakes.at(-1)).toEqual(new Date('2026-11-23T09:00:00Z'));

      h.clock.set('2026-11-22T08:00:00Z');
      expect(await h.tick()).toEqual(new Date('2026-11-23T09:00:00Z'));
      expect(h.publishers.get('sito')?.requests).toHaveLength(0);
      h.clock.set('2026-11-23T09:00:00Z');
      await h.tick();
      expect(h.publishers.get('sito')?.requests).toHaveLength(1);
      expect(await stateOf(h, n)).toBe('published');
    });

    it('sets the time of a pending post, used once it is approved', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.run('editor', `/reschedule ${n} domani alle 9`);
      expect(h.chat.latestCard(n)?.when).toBe(SUNDAY_9);
      await h.react('supervisor', n, '✅');
      expect(h.chat.thread(n).at(-1)).toBe(
        `${IT['reaction.approved']({ name: 'supervisor', have: 1, need: 1 })}\n${IT['schedule.at']({ when: SUNDAY_9 })}`,
      );
      await h.tick();
      expect(h.publishers.get('sito')?.requests).toHaveLength(0);
    });

    it('refuses a time it cannot read, with examples, and keeps the old time', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito at:"domani alle 9" Mercato.');
      expect(await h.run('editor', `/reschedule ${n} quando vuoi`)).toBe(
        IT['time.unreadable']({ input: 'quando vuoi', examples: timeExamples('it').join(', ') }),
      );
      expect((await h.store.getPost(h.team.id, n))?.post.requestedAt).toEqual(
        new Date('2026-11-22T08:00:00Z'),
      );
    });

    it('refuses a time in the past, echoing how it read it', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito at:"domani alle 9" Mercato.');
      expect(await h.run('editor', `/reschedule ${n} 2026-11-20T09:00:00Z`)).toBe(
        IT['time.in_past']({
          input: '2026-11-20T09:00:00Z',
          when: 'venerdì 20 novembre 2026, 10:00 (Europe/Rome, CET)',
        }),
      );
      expect(await h.run('editor', `/reschedule ${n}`)).toBe(IT['reschedule.usage']());
      expect(h.chat.thread(n)).toEqual([]);
    });

    it('refuses someone who may not change the post, and a post already published', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      expect(await h.run('stagista', `/reschedule ${n} domani alle 9`)).toBe(
        IT['command.not_allowed']({ number: n }),
      );
      await h.react('supervisor', n, '✅');
      await h.tick();
      expect(await h.run('capo', `/reschedule ${n} domani alle 9`)).toBe(
        IT['command.too_late']({ number: n, status: IT['state.published']() }),
      );
    });
  });

  describe('/retry', () => {
    it('re-queues a delivery that failed for good; the next tick publishes it', async () => {
      const h = createDeskHarness(database);
      h.publishers.get('sito')?.willAnswer({ kind: 'rejected', code: 'token_revoked', detail: 'HTTP 401' });
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✅');
      await h.tick();
      expect(await stateOf(h, n)).toBe('failed');
      expect((await h.store.getPost(h.team.id, n))?.deliveries[0]?.lastError).toBe(
        IT['failure.token_revoked']({ detail: '' }),
      );

      h.clock.set('2026-11-21T10:30:00Z');
      expect(await h.run('editor', `/retry ${n}`)).toBe(IT['retry.reply']({ number: n, count: 1 }));
      expect(h.chat.thread(n)).toContain(IT['retry.thread']({ name: 'editor' }));
      expect(h.wakes.at(-1)).toEqual(new Date('2026-11-21T10:30:00Z'));
      await h.tick();
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.state).toBe('published');
      expect(entry?.deliveries[0]?.publicUrl).toBe('https://example.test/sito/remote-2');
      expect(h.publishers.get('sito')?.requests).toHaveLength(2);
      expect(h.chat.thread(n).at(-1)).toBe(
        IT['publish.published']({ target: 'Sito istituzionale', url: 'https://example.test/sito/remote-2' }),
      );
      expect((await auditOf(h, n)).map((e) => e.action)).toContain('retried');
    });

    it('retries only the failed delivery of a partially failed post', async () => {
      const h = createDeskHarness(database);
      h.publishers.get('comune-x')?.willAnswer({
        kind: 'rejected',
        code: 'content_refused',
        detail: 'HTTP 422',
        networkReason: 'contenuto rifiutato',
      });
      const n = await proposeOne(h, '/propose to:sito,comune-x Orari estivi.');
      await h.react('supervisor', n, '✅');
      await h.tick();
      expect(await stateOf(h, n)).toBe('partially_failed');
      expect(await h.run('capo', `/retry ${n}`)).toBe(IT['retry.reply']({ number: n, count: 1 }));
      await h.tick();
      expect(await stateOf(h, n)).toBe('published');
      expect(h.publishers.get('sito')?.requests).toHaveLength(1);
      expect(h.publishers.get('comune-x')?.requests).toHaveLength(2);
    });

    it('answers that there is nothing to retry when nothing failed', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      expect(await h.run('editor', `/retry ${n}`)).toBe(IT['retry.none']({ number: n }));
      await h.react('supervisor', n, '✅');
      await h.tick();
      expect(await h.run('editor', `/retry ${n}`)).toBe(IT['retry.none']({ number: n }));
      expect(h.publishers.get('sito')?.requests).toHaveLength(1);
    });

    it('refuses a retry from someone who may not change the post', async () => {
      const h = createDeskHarness(database);
      h.publishers
        .get('sito')
        ?.willAnswer({ kind: 'rejected', code: 'content_refused', detail: 'HTTP 422', networkReason: 'no' });
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✅');
      await h.tick();
      expect(await h.run('stagista', `/retry ${n}`)).toBe(IT['command.not_allowed']({ number: n }));
      expect(await stateOf(h, n)).toBe('failed');
    });
  });

  describe('/queue', () => {
    it('says there is nothing in the next 7 days when nothing is planned', async () => {
      const h = createDeskHarness(database);
      expect(await h.run('stagista', '/queue')).toBe(IT['queue.empty']());
    });

    it('groups the next 7 days by local day, at local times, with pending posts that asked for a time', async () => {
      const h = createDeskHarness(database);
      const sunday = await proposeOne(h, '/propose to:sito at:"domani alle 9" Mercato in piazza.');
      await h.react('supervisor', sunday, '✅');
      const monday = await proposeOne(h, '/propose to:sito at:"lunedì alle 18:30" Consiglio comunale.');
      const today = await proposeOne(h, '/propose to:sito,comune-masto at:"oggi alle 13" Pranzo solidale.');
      await h.react('capo', today, '✅');
      // Not in the queue: beyond 7 days, cancelled, and pending without a time.
      const later = await proposeOne(h, '/propose to:sito at:2026-12-05T09:00:00Z Fiera di dicembre.');
      await h.react('capo', later, '✅');
      const cancelled = await proposeOne(h, '/propose to:sito at:"domani alle 10" Annullato.');
      await h.react('capo', cancelled, '✅');
      await h.run('editor', `/cancel ${cancelled}`);
      await proposeOne(h, '/propose to:sito Senza orario.');

      expect(await h.run('stagista', '/queue')).toBe(
        [
          IT['queue.title']({ zone: 'Europe/Rome' }),
          'sabato 21 novembre:',
          `  13:00 #${today} → Sito istituzionale: Pranzo solidale.`,
          `  13:00 #${today} → Mastodon del Comune: Pranzo solidale.`,
          'domenica 22 novembre:',
          `  09:00 #${sunday} → Sito istituzionale: Mercato in piazza.`,
          'lunedì 23 novembre:',
          `  18:30 ⏳ #${monday} (${IT['queue.awaiting']()}): Consiglio comunale.`,
        ].join('\n'),
      );
    });

    it('answers in English for an English team', async () => {
      const h = createDeskHarness(database, { team: { language: 'en' } });
      expect(await h.run('someone', '/queue')).toBe(EN['queue.empty']());
      expect(await h.run('editor', '/propose to:sito at:"tomorrow 9am" Market day.')).toContain(
        EN['propose.created']({ number: 1 }),
      );
      expect(await h.run('someone', '/queue')).toBe(
        [
          EN['queue.title']({ zone: 'Europe/Rome' }),
          'Sunday 22 November:',
          `  09:00 ⏳ #1 (${EN['queue.awaiting']()}): Market day.`,
        ].join('\n'),
      );
    });
  });

  describe('/audit', () => {
    it('lists the whole history in order, in local time, to anyone', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      h.clock.set('2026-11-21T10:05:00Z');
      await h.react('supervisor', n, '✅');
      h.clock.set('2026-11-21T10:06:00Z');
      await h.tick();
      const lines = (await h.run('stagista', `/audit ${n}`)).split('\n');
      expect(lines[0]).toBe(IT['audit.title']({ number: n }));
      const at = (hm: string) => `sabato 21 novembre 2026, ${hm} (Europe/Rome, CET)`;
      const events = lines.slice(1);
      expect(events).toHaveLength(6);
      const expected = [
        [at('11:00'), 'editor', IT['audit.proposed']()],
        [at('11:05'), 'supervisor', IT['audit.reacted']()],
        [at('11:05'), 'supervisor', IT['audit.approved']()],
        [at('11:05'), 'Araldo', IT['audit.scheduled']()],
        [at('11:06'), 'Araldo', IT['audit.publish_attempt']()],
        [at('11:06'), 'Araldo', IT['audit.published']()],
      ];
      expected.forEach(([when, who, what], i) => {
        expect(events[i]?.startsWith(`  ${when} · ${who} · ${what}`)).toBe(true);
      });
      expect(events[5]).toContain('https://example.test/sito/remote-1');
    });

    it('shows an edit with its text before and after, and a reschedule with its new time', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.run('editor', `/edit ${n} Nuovo testo.`);
      await h.run('capo', `/edit ${n} Terzo testo.`);
      await h.run('editor', `/reschedule ${n} domani alle 9`);
      const lines = (await h.run('capo', `/audit ${n}`)).split('\n');
      const edits = lines.filter((line) => line.includes(IT['audit.edited']()));
      expect(edits).toHaveLength(2);
      expect(edits[0]).toMatch(
        new RegExp(
          `· editor · ${IT['audit.edited']()} — prima: "Chiuso il ponte di via Roma per lavori\\." → ora: "Nuovo testo\\."$`,
        ),
      );
      expect(edits[1]).toContain(
        `· capo · ${IT['audit.edited']()} — ${IT['audit.edit_detail']({ before: 'Nuovo testo.', after: 'Terzo testo.' })}`,
      );
      expect(lines.some((line) => line.includes(IT['audit.rescheduled']()))).toBe(true);
    });

    it('shows an edit before and after in English for an English team', async () => {
      const h = createDeskHarness(database, { team: { language: 'en' } });
      await h.run('editor', '/propose to:sito Bridge closed.');
      await h.run('editor', '/edit 1 Bridge open again.');
      const text = await h.run('capo', '/audit 1');
      expect(text).toContain(
        `${EN['audit.edited']()} — before: "Bridge closed." → now: "Bridge open again."`,
      );
    });

    it('shows reactions in the team language, not as internal codes', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✏️');
      const reacted = (await h.run('capo', `/audit ${n}`))
        .split('\n')
        .find((line) => line.includes(IT['audit.reacted']()));
      expect(reacted).toBeDefined();
      // "request_changes" is the code of ✏️, not words an Italian team reads.
      expect(reacted).not.toMatch(/request_changes|approve|reject/);
    });
  });

  describe('/help', () => {
    it('lists every command in Italian, also as /aiuto', async () => {
      const h = createDeskHarness(database);
      const help = await h.run('chiunque', '/help');
      expect(help).toBe(helpText('it'));
      expect(await h.run('chiunque', '/aiuto')).toBe(help);
      for (const command of [
        '/propose',
        '/araldo coda',
        '/araldo stato',
        '/araldo modifica',
        '/araldo riprogramma',
        '/araldo annulla',
        '/araldo riprova',
        '/araldo registro',
        '/araldo riepilogo',
        '/araldo aiuto',
        '/araldo status',
        '/araldo queue',
      ]) {
        expect(help).toContain(command);
      }
      // The long forms answer like the short ones, in either language.
      expect(await h.run('chiunque', '/araldo aiuto')).toBe(help);
      expect(await h.run('chiunque', '/araldo')).toBe(help);
      expect(await h.run('chiunque', '/araldo help')).toBe(help);
      expect(help).toContain('domani alle 9');
    });

    it('lists every command in English for an English team', async () => {
      const h = createDeskHarness(database, { team: { language: 'en' } });
      const help = await h.run('anyone', '/help');
      expect(help).toBe(helpText('en'));
      expect(help.split('\n')[0]).toBe('Araldo commands:');
      expect(help).toContain('tomorrow 9am');
      expect(help).not.toContain('Comandi');
    });
  });

  describe('bad post numbers', () => {
    const COMMANDS = ['status', 'cancel', 'edit', 'reschedule', 'retry', 'audit'] as const;

    it.each(COMMANDS)('/%s answers in words for a missing post and for a non-number', async (command) => {
      const h = createDeskHarness(database);
      await proposeOne(h);
      expect(await h.run('supervisor', `/${command} 999 domani alle 9`)).toBe(
        IT['command.no_such_post']({ number: 999 }),
      );
      expect(await h.run('supervisor', `/${command} #999`)).toBe(IT['command.no_such_post']({ number: 999 }));
      expect(await h.run('supervisor', `/${command} abc`)).toBe(IT['command.not_a_number']({ given: 'abc' }));
      expect(await h.run('supervisor', `/${command} -1`)).toBe(IT['command.not_a_number']({ given: '-1' }));
      expect(await h.run('supervisor', `/${command} 1.5`)).toBe(IT['command.not_a_number']({ given: '1.5' }));
      expect(await h.run('supervisor', `/${command} 99999999999999999999`)).toBe(
        IT['command.not_a_number']({ given: '99999999999999999999' }),
      );
      expect(await h.run('supervisor', `/${command}`)).toBe(IT['command.needs_number']({ command }));
      expect(await stateOf(h, 1)).toBe('pending');
      expect(h.chat.thread(1)).toEqual([]);
    });

    it.each(COMMANDS)('/%s answers in English for an English team', async (command) => {
      const h = createDeskHarness(database, { team: { language: 'en' } });
      expect(await h.run('supervisor', `/${command} 7`)).toBe(EN['command.no_such_post']({ number: 7 }));
      expect(await h.run('supervisor', `/${command} seven`)).toBe(
        EN['command.not_a_number']({ given: 'seven' }),
      );
    });
  });
});
