import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { it as IT } from '../../src/core/i18n/it.ts';
import { createDeskHarness } from '../support/desk-harness.ts';
import { failingStore } from '../support/failing-store.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe(`the desk under failures on ${testDriver}`, () => {
  it('keeps nothing of an approval whose scheduling failed, and schedules on the next ✅', async () => {
    const base = createDeskHarness(database);
    const h = createDeskHarness(database, {
      team: { id: base.team.id },
      store: failingStore(base.store, 'schedulePost'),
    });
    await h.run('editor', '/propose to:sito Avviso');
    await expect(h.react('supervisor', 1, '✅')).rejects.toThrow('connection reset');
    const stored = await h.store.getPost(h.team.id, 1);
    expect(stored?.post.state).toBe('pending');
    // One decision: the approval and its audit events went with the failed scheduling.
    expect(await h.store.listApprovals(stored!.post.id, 1)).toEqual([]);
    expect((await h.store.listAudit(stored!.post.id)).map((e) => e.action)).toEqual(['proposed']);
    // Slack retries the event, or the approver clicks again: the job completes.
    await h.react('supervisor', 1, '✅');
    expect((await h.store.getPost(h.team.id, 1))?.post.state).toBe('approved');
    await h.tick();
    expect(h.publishers.get('sito')?.requests).toHaveLength(1);
  });

  it('does not count approvals while changes are requested, and says an edit comes first', async () => {
    const h = createDeskHarness(database, { team: { approvalsRequired: 2 } });
    await h.run('editor', '/propose to:sito Il concerto è il 3 dicembre');
    await h.react('supervisor', 1, '✅');
    await h.react('capo', 1, '✏️');
    await h.react('capo', 1, '✅');
    expect((await h.store.getPost(h.team.id, 1))?.post.state).toBe('changes_requested');
    expect(h.chat.thread(1).at(-1)).toBe(IT['reaction.needs_edit']({ name: 'capo' }));
    await h.run('editor', '/edit 1 Il concerto è il 4 dicembre');
    await h.react('supervisor', 1, '✅');
    await h.react('capo', 1, '✅');
    await h.tick();
    expect(h.publishers.get('sito')?.requests.map((r) => r.text)).toEqual(['Il concerto è il 4 dicembre']);
  });

  it('keeps the card owed while the chat is down and shows it once when it is back', async () => {
    const h = createDeskHarness(database);
    h.chat.failWith = new Error('slack 503');
    expect(await h.run('editor', '/propose to:sito Avviso', 'trigger-1')).toBe(
      IT['propose.created']({ number: 1 }),
    );
    expect(h.chat.records).toEqual([]);
    h.chat.failWith = undefined;
    // The same request again (a Slack retry) finds the post and owes no second card.
    expect(await h.run('editor', '/propose to:sito Avviso', 'trigger-1')).toBe(
      IT['propose.duplicate']({ number: 1 }),
    );
    h.clock.advance(60_000);
    await h.desk.flushOwed();
    expect(h.chat.records.filter((r) => r.kind === 'card')).toHaveLength(1);
    expect((await h.store.getPost(h.team.id, 1))?.post.cardRef).toBe('card-1');
  });

  it('says when an approval can no longer be withdrawn because publishing started', async () => {
    const h = createDeskHarness(database);
    await h.run('editor', '/propose to:comune-x Avviso');
    await h.react('supervisor', 1, '✅');
    await h.store.claimDueDeliveries([h.team.id], h.clock.now(), 10, 60_000);
    await h.react('supervisor', 1, '✅', false);
    expect(h.chat.thread(1).at(-1)).toBe(IT['reaction.withdraw_too_late']({ name: 'supervisor' }));
  });

  it('keeps an urgent post urgent when it is rescheduled into quiet hours', async () => {
    const h = createDeskHarness(database, {
      team: { posting: { quietHours: { from: '22:00', to: '07:00' } } },
    });
    await h.run('editor', '/propose to:sito urgent at:2026-11-21T15:00:00Z Allerta meteo');
    expect(await h.run('editor', '/reschedule 1 2026-11-21T22:30:00Z')).toContain('spostata');
    await h.react('supervisor', 1, '✅');
    await h.tick();
    expect(h.publishers.get('sito')?.requests).toHaveLength(1);
  });
});
