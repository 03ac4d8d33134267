import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCardText } from '../../src/chat/shell/card-text.ts';
import { en as EN } from '../../src/core/i18n/en.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import type { PostingPolicy } from '../../src/core/posting-window.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import { createDeskHarness, type DeskHarness } from '../support/desk-harness.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

const WEEKDAY_SLOTS: PostingPolicy = {
  slots: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], times: ['09:00', '13:00', '18:00'] }],
};
const QUIET_NIGHTS: PostingPolicy = { quietHours: { from: '22:00', to: '07:00' } };

let targetCounter = 0;
/**
 * Targets with ids of their own: free slots are looked up per target id
 * across the whole database, so scenarios sharing this file's database
 * must not share target ids.
 */
function freshTargets(...postings: (PostingPolicy | undefined)[]): Target[] {
  return postings.map((posting, index) => {
    targetCounter += 1;
    return {
      id: `t${targetCounter}`,
      network: 'feed',
      displayName: `Canale ${String.fromCharCode(65 + index)}`,
      credentials: {},
      ...(posting ? { posting } : {}),
    };
  });
}

function harness(options: { now: string; team?: Partial<Team>; targets?: readonly Target[] }): DeskHarness {
  return createDeskHarness(database, { targets: options.targets ?? freshTargets(undefined), ...options });
}

async function propose(h: DeskHarness, options: string, text = 'Avviso alla cittadinanza.') {
  const to = h.team.targets.join(',');
  const reply = await h.run('editor', `/propose to:${to} ${options} ${text}`.replace(/\s+/g, ' '));
  const number = Number(/#(\d+)/.exec(reply)?.[1]);
  expect(number, reply).toBeGreaterThan(0);
  return { reply, number };
}

async function dueTimes(h: DeskHarness, n: number) {
  return (await h.store.getPost(h.team.id, n))?.deliveries.map((d) => d.nextAttemptAt?.toISOString());
}

function requests(h: DeskHarness): number {
  return [...h.publishers.values()].reduce((sum, p) => sum + p.requests.length, 0);
}

const approved = (have = 1, need = 1) => IT['reaction.approved']({ name: 'supervisor', have, need });

describe(`scheduling on ${testDriver}`, () => {
  describe('reading times across daylight-saving changes (Europe/Rome)', () => {
    it('reads "domani alle 9" on 21 November 2026 as 22 November 08:00Z', async () => {
      const h = harness({ now: '2026-11-21T10:00:00Z' });
      const { reply, number } = await propose(h, 'at:"domani alle 9"');
      expect(reply).toContain(
        IT['schedule.at']({ when: 'domenica 22 novembre 2026, 09:00 (Europe/Rome, CET)' }),
      );
      expect((await h.store.getPost(h.team.id, number))?.post.requestedAt).toEqual(
        new Date('2026-11-22T08:00:00Z'),
      );
    });

    const CHANGES = [
      {
        day: 'the spring change of 29 March 2026',
        readOn: '2026-03-28T10:00:00Z',
        nine: '2026-03-29T07:00:00Z',
        nineShown: 'domenica 29 marzo 2026, 09:00 (Europe/Rome, CEST)',
      },
      {
        day: 'the autumn change of 25 October 2026',
        readOn: '2026-10-24T10:00:00Z',
        nine: '2026-10-25T08:00:00Z',
        nineShown: 'domenica 25 ottobre 2026, 09:00 (Europe/Rome, CET)',
      },
      {
        day: 'the spring change of 28 March 2027',
        readOn: '2027-03-27T10:00:00Z',
        nine: '2027-03-28T07:00:00Z',
        nineShown: 'domenica 28 marzo 2027, 09:00 (Europe/Rome, CEST)',
      },
      {
        day: 'the autumn change of 31 October 2027',
        readOn: '2027-10-30T10:00:00Z',
        nine: '2027-10-31T08:00:00Z',
        nineShown: 'domenica 31 ottobre 2027, 09:00 (Europe/Rome, CET)',
      },
    ];

    it.each(CHANGES)(
      'reads "domani alle 9" the day before $day in the new offset, and publishes then',
      async ({ readOn, nine, nineShown }) => {
        const h = harness({ now: readOn });
        const { reply, number } = await propose(h, 'at:"domani alle 9"');
        expect(reply).toBe(
          [IT['propose.created']({ number }), IT['schedule.at']({ when: nineShown })].join('\n'),
        );
        await h.react('supervisor', number, '✅');
        expect(h.chat.thread(number)).toEqual([`${approved()}\n${IT['schedule.at']({ when: nineShown })}`]);
        expect(await dueTimes(h, number)).toEqual([new Date(nine).toISOString()]);
        h.clock.set(new Date(new Date(nine).getTime() - 1000));
        await h.tick();
        expect(requests(h)).toBe(0);
        h.clock.set(nine);
        await h.tick();
        expect(requests(h)).toBe(1);
      },
    );

    it.each([
      ['2026-03-28T10:00:00Z', '2026-03-29T01:30:00Z', 'domenica 29 marzo 2026, 03:30 (Europe/Rome, CEST)'],
      ['2027-03-27T10:00:00Z', '2027-03-28T01:30:00Z', 'domenica 28 marzo 2027, 03:30 (Europe/Rome, CEST)'],
    ])('moves a time in the spring gap forward and says so (read on %s)', async (readOn, at, shown) => {
      const h = harness({ now: readOn });
      const { reply, number } = await propose(h, 'at:"domani alle 2:30"');
      expect(reply).toBe(
        [
          IT['propose.created']({ number }),
          IT['schedule.at']({ when: shown }),
          IT['time.dst_gap']({ when: shown }),
        ].join('\n'),
      );
      await h.react('supervisor', number, '✅');
      expect(h.chat.thread(number)).toEqual([`${approved()}\n${IT['schedule.at']({ when: shown })}`]);
      expect(await dueTimes(h, number)).toEqual([new Date(at).toISOString()]);
    });

    it.each([
      ['2026-10-24T10:00:00Z', '2026-10-25T00:30:00Z', 'domenica 25 ottobre 2026, 02:30 (Europe/Rome, CEST)'],
      ['2027-10-30T10:00:00Z', '2027-10-31T00:30:00Z', 'domenica 31 ottobre 2027, 02:30 (Europe/Rome, CEST)'],
    ])('takes the first of the repeated autumn hour and says so (read on %s)', async (readOn, at, shown) => {
      const h = harness({ now: readOn });
      const { reply, number } = await propose(h, 'at:"domani alle 2:30"');
      expect(reply).toBe(
        [
          IT['propose.created']({ number }),
          IT['schedule.at']({ when: shown }),
          IT['time.dst_overlap']({ when: shown }),
        ].join('\n'),
      );
      await h.react('supervisor', number, '✅');
      expect(await dueTimes(h, number)).toEqual([new Date(at).toISOString()]);
    });

    it('reads and echoes times in English for an English team, across the change', async () => {
      const h = harness({ now: '2026-03-28T10:00:00Z', team: { language: 'en' } });
      const nine = 'Sunday 29 March 2026, 09:00 (Europe/Rome, CEST)';
      const first = await propose(h, 'at:"tomorrow 9am"', 'Market day.');
      expect(first.reply).toBe(
        [EN['propose.created']({ number: first.number }), EN['schedule.at']({ when: nine })].join('\n'),
      );
      await h.react('supervisor', first.number, '✅');
      expect(h.chat.thread(first.number)).toEqual([
        `${EN['reaction.approved']({ name: 'supervisor', have: 1, need: 1 })}\n${EN['schedule.at']({ when: nine })}`,
      ]);
      expect(await dueTimes(h, first.number)).toEqual(['2026-03-29T07:00:00.000Z']);

      const gap = 'Sunday 29 March 2026, 03:30 (Europe/Rome, CEST)';
      const second = await propose(h, 'at:"tomorrow 2:30am"', 'Night works.');
      expect(second.reply).toBe(
        [
          EN['propose.created']({ number: second.number }),
          EN['schedule.at']({ when: gap }),
          EN['time.dst_gap']({ when: gap }),
        ].join('\n'),
      );
    });

    it('reads the repeated autumn hour in English as the first one', async () => {
      const h = harness({ now: '2026-10-24T10:00:00Z', team: { language: 'en' } });
      const shown = 'Sunday 25 October 2026, 02:30 (Europe/Rome, CEST)';
      const { reply, number } = await propose(h, 'at:"tomorrow 2:30am"');
      expect(reply).toBe(
        [
          EN['propose.created']({ number }),
          EN['schedule.at']({ when: shown }),
          EN['time.dst_overlap']({ when: shown }),
        ].join('\n'),
      );
      expect((await h.store.getPost(h.team.id, number))?.post.requestedAt).toEqual(
        new Date('2026-10-25T00:30:00Z'),
      );
    });
  });

  describe('posting slots', () => {
    // Saturday 21 November 2026, 11:00 in Rome.
    const SATURDAY = '2026-11-21T10:00:00Z';

    it('puts a post approved without a time on Saturday in Monday 09:00, and the next one at 13:00', async () => {
      const h = harness({ now: SATURDAY, team: { posting: WEEKDAY_SLOTS } });
      const first = await propose(h, '');
      await h.react('supervisor', first.number, '✅');
      expect(h.chat.thread(first.number)).toEqual([
        `${approved()}\n${IT['schedule.slot']({ target: 'Canale A', when: 'lunedì 23 novembre 2026, 09:00 (Europe/Rome, CET)' })}`,
      ]);
      expect(await dueTimes(h, first.number)).toEqual(['2026-11-23T08:00:00.000Z']);
      expect((await h.store.getPost(h.team.id, first.number))?.post.state).toBe('scheduled');

      const second = await propose(h, '');
      await h.react('capo', second.number, '✅');
      expect(h.chat.thread(second.number)).toEqual([
        `${IT['reaction.approved']({ name: 'capo', have: 1, need: 1 })}\n${IT['schedule.slot']({ target: 'Canale A', when: 'lunedì 23 novembre 2026, 13:00 (Europe/Rome, CET)' })}`,
      ]);
      expect(await dueTimes(h, second.number)).toEqual(['2026-11-23T12:00:00.000Z']);

      await h.tick();
      expect(requests(h)).toBe(0);
      h.clock.set('2026-11-23T08:00:00Z');
      await h.tick();
      expect(requests(h)).toBe(1);
      expect((await h.store.getPost(h.team.id, first.number))?.post.state).toBe('published');
      expect((await h.store.getPost(h.team.id, second.number))?.post.state).toBe('scheduled');
      h.clock.set('2026-11-23T12:00:00Z');
      await h.tick();
      expect(requests(h)).toBe(2);
    });

    it("lets a target's own slots win over the team's", async () => {
      const targets = freshTargets(undefined, { slots: [{ days: ['sat', 'sun'], times: ['12:00'] }] });
      const h = harness({ now: SATURDAY, team: { posting: WEEKDAY_SLOTS }, targets });
      const { number } = await propose(h, '');
      await h.react('supervisor', number, '✅');
      expect(h.chat.thread(number)).toEqual([
        [
          approved(),
          IT['schedule.slot']({
            target: 'Canale A',
            when: 'lunedì 23 novembre 2026, 09:00 (Europe/Rome, CET)',
          }),
          IT['schedule.slot']({
            target: 'Canale B',
            when: 'sabato 21 novembre 2026, 12:00 (Europe/Rome, CET)',
          }),
        ].join('\n'),
      ]);
      expect(await dueTimes(h, number)).toEqual(['2026-11-23T08:00:00.000Z', '2026-11-21T11:00:00.000Z']);
      h.clock.set('2026-11-21T11:00:00Z');
      await h.tick();
      const entry = await h.store.getPost(h.team.id, number);
      expect(entry?.deliveries.map((d) => d.state)).toEqual(['scheduled', 'published']);
    });

    it('keeps the time asked for instead of a slot', async () => {
      const h = harness({ now: SATURDAY, team: { posting: WEEKDAY_SLOTS } });
      const { number } = await propose(h, 'at:"domani alle 10"');
      await h.react('supervisor', number, '✅');
      expect(await dueTimes(h, number)).toEqual(['2026-11-22T09:00:00.000Z']);
    });

    it('places a slot at its local time on the day of the spring change', async () => {
      const targets = freshTargets({ slots: [{ days: ['sun'], times: ['09:00'] }] });
      const h = harness({ now: '2026-03-28T10:00:00Z', targets });
      const { number } = await propose(h, '');
      await h.react('supervisor', number, '✅');
      expect(await dueTimes(h, number)).toEqual(['2026-03-29T07:00:00.000Z']);
      expect(h.chat.thread(number)[0]).toContain('domenica 29 marzo 2026, 09:00 (Europe/Rome, CEST)');
    });
  });

  describe('quiet hours', () => {
    it('publishes a post asked for 23:30 at 07:00 the next day, and the thread says so', async () => {
      const h = harness({ now: '2026-11-21T10:00:00Z', team: { posting: QUIET_NIGHTS } });
      const { number } = await propose(h, 'at:"oggi alle 23:30"');
      await h.react('supervisor', number, '✅');
      expect(h.chat.thread(number)).toEqual([
        [
          approved(),
          IT['schedule.quiet_hours']({
            target: 'Canale A',
            from: '23:30',
            when: 'domenica 22 novembre 2026, 07:00 (Europe/Rome, CET)',
          }),
        ].join('\n'),
      ]);
      expect(await dueTimes(h, number)).toEqual(['2026-11-22T06:00:00.000Z']);
      h.clock.set('2026-11-21T22:30:00Z');
      await h.tick();
      expect(requests(h)).toBe(0);
      h.clock.set('2026-11-22T06:00:00Z');
      await h.tick();
      expect(requests(h)).toBe(1);
      expect((await h.store.getPost(h.team.id, number))?.post.state).toBe('published');
    });

    it('holds a post approved at night without a time until 07:00', async () => {
      const h = harness({ now: '2026-11-21T22:00:00Z', team: { posting: QUIET_NIGHTS } });
      const { number } = await propose(h, '');
      await h.react('supervisor', number, '✅');
      expect(h.chat.thread(number)[0]).toBe(
        [
          approved(),
          IT['schedule.quiet_hours']({
            target: 'Canale A',
            from: '23:00',
            when: 'domenica 22 novembre 2026, 07:00 (Europe/Rome, CET)',
          }),
        ].join('\n'),
      );
      await h.tick();
      expect(requests(h)).toBe(0);
    });

    it('ends quiet hours at 07:00 local on the night of each change', async () => {
      const spring = harness({ now: '2026-03-28T10:00:00Z', team: { posting: QUIET_NIGHTS } });
      const a = await propose(spring, 'at:"domani alle 2:30"');
      await spring.react('supervisor', a.number, '✅');
      expect(await dueTimes(spring, a.number)).toEqual(['2026-03-29T05:00:00.000Z']);

      const autumn = harness({ now: '2026-10-24T10:00:00Z', team: { posting: QUIET_NIGHTS } });
      const b = await propose(autumn, 'at:"domani alle 2:30"');
      await autumn.react('supervisor', b.number, '✅');
      expect(await dueTimes(autumn, b.number)).toEqual(['2026-10-25T06:00:00.000Z']);
    });
  });

  describe('urgent posts', () => {
    it('ignore slots and quiet hours, need one approval, publish at once and show 🚨', async () => {
      const targets = freshTargets(undefined, { slots: [{ days: ['mon'], times: ['09:00'] }] });
      // Saturday 23:30 in Rome: inside quiet hours, outside every slot.
      const h = harness({
        now: '2026-11-21T22:30:00Z',
        team: { posting: { ...WEEKDAY_SLOTS, ...QUIET_NIGHTS }, approvalsRequired: 3 },
        targets,
      });
      const { number } = await propose(h, 'urgent', 'Allerta meteo rossa: scuole chiuse domani.');
      const card = h.chat.latestCard(number);
      expect(card?.urgent).toBe(true);
      expect(card?.approvals.need).toBe(1);
      expect(renderCardText(card!)[0]).toBe(`🚨 Proposta #${number}`);
      await h.react('supervisor', number, '✅');
      expect(h.chat.thread(number)).toEqual([`${approved()}\n${IT['schedule.now']()}`]);
      expect(await dueTimes(h, number)).toEqual(['2026-11-21T22:30:00.000Z', '2026-11-21T22:30:00.000Z']);
      await h.tick();
      expect(requests(h)).toBe(2);
      expect((await h.store.getPost(h.team.id, number))?.post.state).toBe('published');
    });

    it('ignore the time asked for as well', async () => {
      const h = harness({ now: '2026-11-21T22:30:00Z', team: { posting: QUIET_NIGHTS } });
      const { number } = await propose(h, 'urgent at:"domani alle 9"');
      await h.react('capo', number, '✅');
      await h.tick();
      expect(requests(h)).toBe(1);
    });
  });
});
