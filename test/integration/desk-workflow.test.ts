import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { it as IT } from '../../src/core/i18n/it.ts';
import type { Target } from '../../src/core/target.ts';
import { createDeskHarness, type DeskHarness, HARNESS_TARGETS } from '../support/desk-harness.ts';
import { failingStore } from '../support/failing-store.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

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

describe(`the desk on ${testDriver}`, () => {
  describe('proposing', () => {
    it('creates a proposal and posts its card with a length meter per target', async () => {
      const h = createDeskHarness(database);
      const reply = await h.run(
        'editor',
        '/propose to:sito,comune-x Domani mercato in piazza. https://comune.example.it/mercato',
      );
      expect(reply).toBe('Proposta #1 creata: la trovi nel canale.');
      const card = h.chat.latestCard(1);
      expect(card?.state).toBe('pending');
      expect(card?.author).toEqual({ id: 'editor', name: 'editor' });
      expect(card?.targets.map((t) => [t.id, t.used, t.limit])).toEqual([
        ['sito', 59, undefined],
        // X counts the URL as 23: "Domani mercato in piazza. " is 26.
        ['comune-x', 49, 280],
      ]);
      expect(card?.approvals).toEqual({ have: 0, need: 1, by: [] });
    });

    it('refuses an unknown target, lists the valid ones, and stores nothing', async () => {
      const h = createDeskHarness(database);
      const reply = await h.run('editor', '/propose to:comune-tiktok Ciao');
      expect(reply).toContain('Destinazione sconosciuta: comune-tiktok');
      expect(reply).toContain('sito, comune-masto, comune-x');
      expect(await h.store.getPost(h.team.id, 1)).toBeUndefined();
      expect(h.chat.records).toEqual([]);
    });

    it('refuses a text over a target limit, naming the target and the excess counted its way', async () => {
      const h = createDeskHarness(database);
      const reply = await h.run('editor', `/propose to:comune-x,sito ${'é'.repeat(281)}`);
      expect(reply).toContain('X del Comune (comune-x): 281/280');
      expect(reply).toContain('1 di troppo');
      expect(await h.store.getPost(h.team.id, 1)).toBeUndefined();
    });

    it('refuses an image without alt text, as an accessibility duty', async () => {
      const h = createDeskHarness(database);
      const reply = await h.run(
        'editor',
        '/propose to:sito img:https://comune.example.it/ponte.jpg Il ponte',
      );
      expect(reply).toContain('non ha un testo alternativo');
      expect(await h.store.getPost(h.team.id, 1)).toBeUndefined();
    });

    it('refuses a time in the past and a time it cannot read, with examples', async () => {
      const h = createDeskHarness(database);
      const past = await h.run('editor', '/propose to:sito at:2026-11-20T09:00:00Z Testo');
      expect(past).toContain('è già passato');
      const unreadable = await h.run('editor', '/propose to:sito at:"quando vuoi" Testo');
      expect(unreadable).toContain('Non riesco a leggere l\'orario "quando vuoi"');
      expect(unreadable).toContain('domani alle 9');
      expect(await h.store.getPost(h.team.id, 1)).toBeUndefined();
    });

    it('reports every problem of a proposal at once', async () => {
      const h = createDeskHarness(database);
      const reply = await h.run('editor', '/propose to:nessuno at:ieri img:https://x.example/a.png Testo');
      expect(reply.split('\n')).toHaveLength(3);
    });

    it('echoes a requested time as absolute local time with the zone', async () => {
      const h = createDeskHarness(database);
      const reply = await h.run('editor', '/propose to:sito at:2026-11-22T08:00:00Z Testo');
      expect(reply).toContain('domenica 22 novembre 2026, 09:00 (Europe/Rome, CET)');
    });

    it('returns the first proposal when the same event arrives twice', async () => {
      const h = createDeskHarness(database);
      await h.run('editor', '/propose to:sito Testo', 'event-1');
      const again = await h.run('editor', '/propose to:sito Testo', 'event-1');
      expect(again).toContain('è la proposta #1');
      expect(await h.store.getPost(h.team.id, 2)).toBeUndefined();
      expect(h.chat.records.filter((r) => r.kind === 'card')).toHaveLength(1);
    });

    it('answers in English for an English team', async () => {
      const h = createDeskHarness(database, { team: { language: 'en' } });
      expect(await h.run('editor', '/propose to:nowhere Hello')).toContain('Unknown target: nowhere');
      expect(await h.run('editor', '/frobnicate')).toContain('Unknown command: /frobnicate');
    });

    it('still stores the proposal when the chat cannot show its card, and keeps the card owed', async () => {
      const h = createDeskHarness(database);
      h.chat.failWith = new Error('chat down');
      await proposeOne(h);
      expect((await h.store.getPost(h.team.id, 1))?.post.state).toBe('pending');
      expect(h.logger.lines.some((l) => l.message === 'owed message retried')).toBe(true);
      expect((await h.store.listUnsentMessages(h.team.id)).map((m) => m.kind)).toEqual(['card']);
    });
  });

  describe('reviewing', () => {
    it('publishes at once when an approver approves a post without a time', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✅');
      expect(h.chat.thread(n)).toEqual(['✅ Approvata da supervisor (1/1).\nLa pubblico subito.']);
      expect(h.wakes).toHaveLength(1);
      await h.tick();
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.state).toBe('published');
      expect(entry?.deliveries[0]?.publicUrl).toBe('https://example.test/sito/remote-1');
      expect(h.chat.thread(n).at(-1)).toBe(
        'Pubblicata su Sito istituzionale: https://example.test/sito/remote-1',
      );
      expect(h.chat.latestCard(n)?.state).toBe('published');
      expect(h.chat.latestCard(n)?.targets[0]?.url).toBe('https://example.test/sito/remote-1');
    });

    it('never counts the author, and says so in the thread once', async () => {
      const h = createDeskHarness(database, { team: { approvers: ['editor', 'supervisor'] } });
      const n = await proposeOne(h);
      await h.react('editor', n, '✅');
      await h.react('editor', n, '✅', false);
      await h.react('editor', n, '✅');
      expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('pending');
      expect(h.chat.thread(n)).toEqual([
        "editor, l'autore non può approvare la propria proposta: serve l'approvazione di un altro supervisore.",
      ]);
      await h.tick();
      expect(h.publishers.get('sito')?.requests).toHaveLength(0);
    });

    it('ignores approvals from people who may not approve, answering once', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.react('stagista', n, '✅');
      await h.react('stagista', n, '✔️');
      expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('pending');
      expect(h.chat.thread(n)).toHaveLength(1);
      expect(h.chat.thread(n)[0]).toContain('solo i supervisori configurati possono approvare');
    });

    it('ignores reactions that are not review actions', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.react('supervisor', n, '🎉');
      expect(h.chat.thread(n)).toEqual([]);
    });

    it('needs the largest approvals required among team and targets', async () => {
      const h = createDeskHarness(database, {
        targets: [
          { id: 'sito', network: 'feed', displayName: 'Sito', credentials: {} },
          {
            id: 'sindaco-x',
            network: 'x',
            displayName: 'X del Sindaco',
            credentials: {},
            approvalsRequired: 2,
          },
        ],
      });
      const n = await proposeOne(h, '/propose to:sito,sindaco-x Il sindaco incontra i cittadini.');
      await h.react('supervisor', n, '✅');
      expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('pending');
      expect(h.chat.thread(n)[0]).toContain('(1/2)');
      await h.react('capo', n, '✅');
      expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('approved');
    });

    it('counts a double click once', async () => {
      const h = createDeskHarness(database, { team: { approvalsRequired: 2 } });
      const n = await proposeOne(h);
      await Promise.all([h.react('supervisor', n, '✅'), h.react('supervisor', n, '✅')]);
      expect(await h.store.listApprovals((await h.store.getPost(h.team.id, n))!.post.id, 1)).toHaveLength(1);
      expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('pending');
    });

    it('counts two approvers reacting at the same instant as two, and schedules once', async () => {
      const h = createDeskHarness(database, { team: { approvalsRequired: 2 } });
      const n = await proposeOne(h);
      await Promise.all([h.react('supervisor', n, '✅'), h.react('capo', n, '✅')]);
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.state).toBe('approved');
      expect(await h.store.listApprovals(entry!.post.id, 1)).toHaveLength(2);
      const audit = await h.store.listAudit(entry!.post.id);
      expect(audit.filter((e) => e.action === 'scheduled')).toHaveLength(1);
      expect(h.chat.thread(n).filter((t) => t.endsWith('La pubblico subito.'))).toHaveLength(1);
    });

    it('withdraws an approval when ✅ is removed before publication', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito at:2026-11-22T08:00:00Z Domani il mercato.');
      await h.react('supervisor', n, '✅');
      expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('scheduled');
      await h.react('supervisor', n, '✅', false);
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.state).toBe('pending');
      expect(entry?.deliveries[0]?.state).toBe('pending');
      expect(h.chat.thread(n).at(-1)).toBe("supervisor ha ritirato l'approvazione (0/1).");
      h.clock.set('2026-11-22T08:00:00Z');
      await h.tick();
      expect(h.publishers.get('sito')?.requests).toHaveLength(0);
    });

    it('rejects: the post never publishes and the author is told', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.react('supervisor', n, '❌');
      await h.react('capo', n, '✅');
      await h.tick();
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.state).toBe('rejected');
      expect(entry?.deliveries[0]?.state).toBe('cancelled');
      expect(h.publishers.get('sito')?.requests).toHaveLength(0);
      expect(h.chat.records.some((r) => r.kind === 'thread' && r.message.mentions?.includes('editor'))).toBe(
        true,
      );
    });

    it('moves to changes requested on ✏️', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✏️');
      expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('changes_requested');
      expect(h.chat.thread(n)[0]).toContain('chiede modifiche');
    });

    it('makes an urgent post need one approval and publish at once, whatever its time', async () => {
      const h = createDeskHarness(database, { team: { approvalsRequired: 3 } });
      const n = await proposeOne(
        h,
        '/propose to:sito urgent at:2026-11-22T08:00:00Z Allerta meteo rossa: scuole chiuse.',
      );
      expect(h.chat.latestCard(n)?.urgent).toBe(true);
      await h.react('supervisor', n, '✅');
      await h.tick();
      expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('published');
    });
  });

  describe('publishing', () => {
    it('publishes a scheduled post at its time, not before', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(
        h,
        '/propose to:sito at:2026-11-21T12:00:00Z Alle 13 il consiglio comunale.',
      );
      await h.react('supervisor', n, '✅');
      expect(h.chat.thread(n).at(-1)).toBe(
        '✅ Approvata da supervisor (1/1).\nProgrammata per sabato 21 novembre 2026, 13:00 (Europe/Rome, CET).',
      );
      expect(await h.tick()).toEqual(new Date('2026-11-21T12:00:00Z'));
      expect(h.publishers.get('sito')?.requests).toHaveLength(0);
      h.clock.set('2026-11-21T12:00:00Z');
      await h.tick();
      expect(h.publishers.get('sito')?.requests).toHaveLength(1);
      expect(h.chat.thread(n).at(-1)).not.toContain('ritardo');
    });

    it('says in the thread that a post was late when Araldo was down at its time', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(
        h,
        '/propose to:sito at:2026-11-21T12:00:00Z Alle 13 il consiglio comunale.',
      );
      await h.react('supervisor', n, '✅');
      h.clock.set('2026-11-21T12:47:00Z');
      await h.tick();
      expect(h.chat.thread(n).at(-1)).toContain('Pubblicazione in ritardo di 47 minuti');
    });

    it('publishes each delivery on its own and reports each outcome', async () => {
      const h = createDeskHarness(database);
      h.publishers
        .get('comune-x')
        ?.willAnswer({ kind: 'rejected', code: 'token_revoked', detail: 'HTTP 401' });
      const n = await proposeOne(h, '/propose to:sito,comune-x Orari estivi della biblioteca.');
      await h.react('supervisor', n, '✅');
      await h.tick();
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.state).toBe('partially_failed');
      expect(entry?.deliveries.map((d) => d.state)).toEqual(['published', 'failed']);
      const thread = h.chat.thread(n);
      expect(thread).toContain(
        IT['publish.failed']({
          target: 'X del Comune',
          reason: IT['failure.token_revoked']({ detail: '' }),
          number: n,
        }),
      );
    });

    it('retries transient failures with backoff and then publishes', async () => {
      const h = createDeskHarness(database);
      h.publishers.get('sito')?.willAnswer({ kind: 'unavailable', detail: 'HTTP 503' });
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✅');
      const next = await h.tick();
      expect(next).toEqual(new Date('2026-11-21T10:00:30Z'));
      expect(h.chat.thread(n).at(-1)).toBe(
        `Pubblicazione su Sito istituzionale non riuscita (${IT['failure.unavailable']()}). Riprovo alle 11:00.`,
      );
      expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('publishing');
      h.clock.set(next!);
      await h.tick();
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.state).toBe('published');
      expect(entry?.deliveries[0]?.attempts).toBe(2);
    });

    it('waits as long as a rate limit asks', async () => {
      // A rate limit holds its target in every process sharing the database:
      // this test's target is its own, so the hold does not reach the others.
      const limited: Target = {
        id: 'sito-limitato',
        network: 'feed',
        displayName: 'Sito limitato',
        credentials: {},
      };
      const h = createDeskHarness(database, { targets: [limited, ...HARNESS_TARGETS.slice(1)] });
      h.publishers
        .get('sito-limitato')
        ?.willAnswer({ kind: 'rate_limited', retryAfterMs: 90_000, detail: 'HTTP 429' });
      const n = await proposeOne(h, '/propose to:sito-limitato Chiuso il ponte di via Roma per lavori.');
      await h.react('supervisor', n, '✅');
      expect(await h.tick()).toEqual(new Date('2026-11-21T10:01:30Z'));
    });

    it('gives up after the last attempt and mentions the author', async () => {
      const h = createDeskHarness(database, {
        policy: {
          leaseMs: 60_000,
          attemptTimeoutMs: 1000,
          maxAttempts: 2,
          batchSize: 5,
          maxInFlight: 16,
          lateAfterMs: 60_000,
        },
      });
      const down = { kind: 'unavailable', detail: 'HTTP 502' } as const;
      h.publishers.get('sito')?.willAnswer(down, down);
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✅');
      h.clock.set((await h.tick())!);
      await h.tick();
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.state).toBe('failed');
      expect(entry?.deliveries[0]?.lastError).toBe(IT['failure.unavailable']());
      expect(entry?.deliveries[0]?.lastErrorCode).toBe('unavailable');
      const last = h.chat.records.at(-2);
      expect(last?.kind === 'thread' && last.message.mentions).toEqual(['editor']);
    });

    it('asks a person instead of guessing when a crash interrupted a non-idempotent network', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:comune-x Avviso.');
      await h.react('supervisor', n, '✅');
      // A worker claims the delivery and dies before recording the outcome.
      const claims = await h.store.claimDueDeliveries([h.team.id], h.clock.now(), 10, 60_000);
      expect(claims).toHaveLength(1);
      h.clock.advance(61_000);
      await h.tick();
      expect(h.publishers.get('comune-x')?.requests).toHaveLength(0);
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.deliveries[0]?.state).toBe('unknown');
      expect(h.chat.thread(n).at(-1)).toContain('Non so se il post è arrivato su X del Comune');
    });

    it('sends again after a crash when the network drops duplicates', async () => {
      const h = createDeskHarness(database, { idempotent: true });
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✅');
      const [claim] = await h.store.claimDueDeliveries([h.team.id], h.clock.now(), 10, 60_000);
      h.clock.advance(61_000);
      await h.tick();
      const requests = h.publishers.get('sito')?.requests ?? [];
      expect(requests).toHaveLength(1);
      expect(requests[0]?.idempotencyKey).toBe(`araldo-${claim?.delivery.id}`);
      expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('published');
    });

    it('asks instead of sending again when the network has forgotten the interrupted attempt’s key', async () => {
      // Mastodon keeps an Idempotency-Key an hour: after a longer outage a resend could double the post.
      const h = createDeskHarness(database, { idempotent: true, idempotencyWindowMs: 55 * 60_000 });
      const n = await proposeOne(h);
      await h.react('supervisor', n, '✅');
      await h.store.claimDueDeliveries([h.team.id], h.clock.now(), 10, 60_000);
      // The lease was a minute; the restart comes two hours later.
      h.clock.advance(2 * 3_600_000);
      await h.tick();
      expect(h.publishers.get('sito')?.requests).toHaveLength(0);
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.deliveries[0]?.state).toBe('unknown');
      expect(h.chat.thread(n).at(-1)).toContain('Non so se il post è arrivato su');

      // Within the window the same crash is simply sent again.
      const again = createDeskHarness(database, { idempotent: true, idempotencyWindowMs: 55 * 60_000 });
      const m = await proposeOne(again);
      await again.react('supervisor', m, '✅');
      await again.store.claimDueDeliveries([again.team.id], again.clock.now(), 10, 60_000);
      again.clock.advance(61_000);
      await again.tick();
      expect(again.publishers.get('sito')?.requests).toHaveLength(1);
      expect((await again.store.getPost(again.team.id, m))?.post.state).toBe('published');
    });

    it('publishes after a restart what was approved before it', async () => {
      const first = createDeskHarness(database);
      const n = await proposeOne(first, '/propose to:sito at:2026-11-21T12:00:00Z Testo.');
      await first.react('supervisor', n, '✅');
      // A new desk over the same database and team, as after a restart.
      const second = createDeskHarness(database, { team: { id: first.team.id } });
      second.clock.set('2026-11-21T12:30:00Z');
      await second.tick();
      await second.tick();
      expect(second.publishers.get('sito')?.requests).toHaveLength(1);
      expect(first.publishers.get('sito')?.requests).toHaveLength(0);
    });
  });

  describe('commands', () => {
    it('shows a post status with each delivery', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      const status = await h.run('capo', `/status ${n}`);
      expect(status).toContain(`#${n} — in attesa di approvazione`);
      expect(status).toContain('Sito istituzionale: in attesa di approvazione');
      expect(status).not.toMatch(/\bpending\b/);
      expect(await h.run('capo', '/status 999')).toBe('Non esiste la proposta #999.');
      expect(await h.run('capo', '/status abc')).toContain('non è il numero di una proposta');
    });

    it('keeps a thread reply on record', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      await h.desk.threadReply({
        teamId: h.team.id,
        actor: { id: 'capo', name: 'capo' },
        post: { number: n },
        text: 'Ok',
      });
      const audit = await h.store.listAudit((await h.store.getPost(h.team.id, n))!.post.id);
      expect(audit.map((e) => e.action)).toEqual(['proposed', 'commented']);
    });

    it('answers with words, not a stack trace, when something breaks', async () => {
      const h = createDeskHarness(database);
      const broken = createDeskHarness(database, {
        team: { id: h.team.id },
        store: failingStore(h.store, 'createPosts'),
      });
      const reply = await broken.run('editor', '/propose to:sito Testo');
      expect(reply).toBe(
        "Qualcosa è andato storto e l'operazione non è stata fatta. Riprova tra poco; se succede ancora avvisa l'ufficio IT.",
      );
    });
  });
});
