import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/app-error.ts';
import { formatLocalClock } from '../../src/core/local-time-format.ts';
import {
  type DeliveryPlan,
  isInQuietHours,
  isWallClock,
  type PlanInput,
  type PostingPolicy,
  parseDays,
  planDelivery,
  type QuietHours,
  WEEKDAYS,
  type WeeklySlots,
} from '../../src/core/posting-window.ts';

const ROME = 'Europe/Rome';
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const OFFICE_SLOTS: WeeklySlots = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  times: ['09:00', '13:00', '18:00'],
};
const EVERY_DAY = WEEKDAYS;
const NIGHT: QuietHours = { from: '22:00', to: '07:00' };
const LUNCH: QuietHours = { from: '13:00', to: '15:00' };

/** Saturday 21 November 2026, 11:00 CET. */
const SATURDAY_LATE_MORNING = new Date('2026-11-21T10:00:00Z');
/** Tuesday 24 November 2026, 10:00 CET. */
const TUESDAY_MORNING = new Date('2026-11-24T09:00:00Z');

function plan(overrides: Partial<PlanInput> & Pick<PlanInput, 'now'>): DeliveryPlan {
  return planDelivery({
    requestedAt: undefined,
    urgent: false,
    policy: {},
    timeZone: ROME,
    occupied: [],
    ...overrides,
  });
}

function iso(p: DeliveryPlan): { at: string; reason: string; movedFrom?: string } {
  return {
    at: p.at.toISOString(),
    reason: p.reason,
    ...(p.movedFrom === undefined ? {} : { movedFrom: p.movedFrom.toISOString() }),
  };
}

describe('planDelivery: urgent', () => {
  it('sends an urgent post at once, skipping the requested time, slots and quiet hours', () => {
    const now = new Date('2026-11-21T22:30:00Z'); // 23:30 CET, inside 22:00–07:00
    const result = plan({
      now,
      urgent: true,
      requestedAt: new Date('2026-11-23T08:00:00Z'),
      policy: { slots: [OFFICE_SLOTS], quietHours: NIGHT },
    });
    expect(iso(result)).toEqual({ at: '2026-11-21T22:30:00.000Z', reason: 'urgent' });
  });

  it('returns a copy of now, not the caller’s Date', () => {
    const now = new Date('2026-11-21T10:00:00Z');
    const result = plan({ now, urgent: true });
    expect(result.at).not.toBe(now);
    expect(result.at.getTime()).toBe(now.getTime());
  });
});

describe('planDelivery: a requested time', () => {
  it('keeps a future time outside quiet hours', () => {
    const requestedAt = new Date('2026-11-21T20:59:00Z'); // 21:59 CET
    expect(iso(plan({ now: SATURDAY_LATE_MORNING, requestedAt, policy: { quietHours: NIGHT } }))).toEqual({
      at: '2026-11-21T20:59:00.000Z',
      reason: 'requested',
    });
  });

  it('moves 23:30 local, inside quiet hours across midnight, to 07:00 local the next day', () => {
    const requestedAt = new Date('2026-11-21T22:30:00Z'); // Saturday 23:30 CET
    expect(iso(plan({ now: SATURDAY_LATE_MORNING, requestedAt, policy: { quietHours: NIGHT } }))).toEqual({
      at: '2026-11-22T06:00:00.000Z', // Sunday 07:00 CET
      reason: 'quiet_hours',
      movedFrom: '2026-11-21T22:30:00.000Z',
    });
  });

  it('moves 03:00 local to 07:00 local the same day', () => {
    const requestedAt = new Date('2026-11-22T02:00:00Z'); // Sunday 03:00 CET
    expect(iso(plan({ now: SATURDAY_LATE_MORNING, requestedAt, policy: { quietHours: NIGHT } }))).toEqual({
      at: '2026-11-22T06:00:00.000Z',
      reason: 'quiet_hours',
      movedFrom: '2026-11-22T02:00:00.000Z',
    });
  });

  it('counts the start of quiet hours as inside and their end as outside', () => {
    const atStart = plan({
      now: SATURDAY_LATE_MORNING,
      requestedAt: new Date('2026-11-21T21:00:00Z'), // 22:00 CET
      policy: { quietHours: NIGHT },
    });
    expect(iso(atStart)).toMatchObject({ at: '2026-11-22T06:00:00.000Z', reason: 'quiet_hours' });
    const atEnd = plan({
      now: SATURDAY_LATE_MORNING,
      requestedAt: new Date('2026-11-22T06:00:00Z'), // 07:00 CET
      policy: { quietHours: NIGHT },
    });
    expect(iso(atEnd)).toEqual({ at: '2026-11-22T06:00:00.000Z', reason: 'requested' });
  });

  it('moves a time inside quiet hours that do not cross midnight to their end', () => {
    const result = plan({
      now: SATURDAY_LATE_MORNING,
      requestedAt: new Date('2026-11-21T13:00:00Z'), // 14:00 CET
      policy: { quietHours: LUNCH },
    });
    expect(iso(result)).toEqual({
      at: '2026-11-21T14:00:00.000Z', // 15:00 CET
      reason: 'quiet_hours',
      movedFrom: '2026-11-21T13:00:00.000Z',
    });
  });

  it('treats quiet hours from 22:00 to 22:00 as none', () => {
    const result = plan({
      now: SATURDAY_LATE_MORNING,
      requestedAt: new Date('2026-11-21T22:30:00Z'),
      policy: { quietHours: { from: '22:00', to: '22:00' } },
    });
    expect(iso(result)).toEqual({ at: '2026-11-21T22:30:00.000Z', reason: 'requested' });
  });

  it('does not apply slots when a time was requested', () => {
    const result = plan({
      now: SATURDAY_LATE_MORNING,
      requestedAt: new Date('2026-11-21T14:00:00Z'), // Saturday 15:00 CET, no slot that day
      policy: { slots: [OFFICE_SLOTS] },
    });
    expect(iso(result)).toEqual({ at: '2026-11-21T14:00:00.000Z', reason: 'requested' });
  });

  it('sends a time already past at once, ignoring slots', () => {
    const result = plan({
      now: SATURDAY_LATE_MORNING,
      requestedAt: new Date('2026-11-21T09:00:00Z'),
      policy: { slots: [OFFICE_SLOTS] },
    });
    expect(iso(result)).toEqual({ at: '2026-11-21T10:00:00.000Z', reason: 'now' });
  });

  it('sends a time equal to now at once', () => {
    const result = plan({ now: SATURDAY_LATE_MORNING, requestedAt: new Date('2026-11-21T10:00:00Z') });
    expect(iso(result)).toEqual({ at: '2026-11-21T10:00:00.000Z', reason: 'now' });
  });

  it('moves a time already past to the end of quiet hours when now is inside them', () => {
    const result = plan({
      now: new Date('2026-11-21T22:30:00Z'), // 23:30 CET
      requestedAt: new Date('2026-11-21T20:00:00Z'),
      policy: { quietHours: NIGHT },
    });
    expect(iso(result)).toEqual({
      at: '2026-11-22T06:00:00.000Z',
      reason: 'quiet_hours',
      movedFrom: '2026-11-21T22:30:00.000Z',
    });
  });
});

describe('planDelivery: slots', () => {
  it('takes Monday 09:00 when asked on a Saturday', () => {
    const result = plan({ now: SATURDAY_LATE_MORNING, policy: { slots: [OFFICE_SLOTS] } });
    expect(iso(result)).toEqual({ at: '2026-11-23T08:00:00.000Z', reason: 'slot' });
  });

  it('takes Tuesday 13:00 when asked on Tuesday at 10:00', () => {
    const result = plan({ now: TUESDAY_MORNING, policy: { slots: [OFFICE_SLOTS] } });
    expect(iso(result)).toEqual({ at: '2026-11-24T12:00:00.000Z', reason: 'slot' });
  });

  it('takes 18:00 when 13:00 is occupied', () => {
    const result = plan({
      now: TUESDAY_MORNING,
      policy: { slots: [OFFICE_SLOTS] },
      occupied: [new Date('2026-11-24T12:00:00Z')],
    });
    expect(iso(result)).toEqual({ at: '2026-11-24T17:00:00.000Z', reason: 'slot' });
  });

  it('counts a delivery within 60 seconds of a slot as holding it, and one further away as not', () => {
    const slots = { slots: [OFFICE_SLOTS] };
    const near = plan({ now: TUESDAY_MORNING, policy: slots, occupied: [new Date('2026-11-24T12:01:00Z')] });
    expect(iso(near).at).toBe('2026-11-24T17:00:00.000Z');
    const far = plan({ now: TUESDAY_MORNING, policy: slots, occupied: [new Date('2026-11-24T11:58:59Z')] });
    expect(iso(far).at).toBe('2026-11-24T12:00:00.000Z');
  });

  it('takes the slot that is exactly now when it is free', () => {
    const now = new Date('2026-11-24T12:00:00Z'); // Tuesday 13:00 CET
    expect(iso(plan({ now, policy: { slots: [OFFICE_SLOTS] } }))).toEqual({
      at: '2026-11-24T12:00:00.000Z',
      reason: 'slot',
    });
    const taken = plan({ now, policy: { slots: [OFFICE_SLOTS] }, occupied: [now] });
    expect(iso(taken).at).toBe('2026-11-24T17:00:00.000Z');
  });

  it('skips a slot a few seconds past', () => {
    const now = new Date('2026-11-24T12:00:30Z'); // Tuesday 13:00:30 CET
    expect(iso(plan({ now, policy: { slots: [OFFICE_SLOTS] } })).at).toBe('2026-11-24T17:00:00.000Z');
  });

  it('goes on to Monday after the Friday 18:00 slot', () => {
    const now = new Date('2026-11-27T17:30:00Z'); // Friday 18:30 CET
    expect(iso(plan({ now, policy: { slots: [OFFICE_SLOTS] } })).at).toBe('2026-11-30T08:00:00.000Z');
  });

  it('combines several slot entries', () => {
    const weekend: WeeklySlots = { days: ['sat', 'sun'], times: ['11:30'] };
    const result = plan({ now: SATURDAY_LATE_MORNING, policy: { slots: [OFFICE_SLOTS, weekend] } });
    expect(iso(result)).toEqual({ at: '2026-11-21T10:30:00.000Z', reason: 'slot' });
  });

  it('skips a slot inside quiet hours', () => {
    const now = new Date('2026-11-21T22:00:00Z'); // Saturday 23:00 CET
    const result = plan({
      now,
      policy: { slots: [{ days: EVERY_DAY, times: ['06:30', '09:00'] }], quietHours: NIGHT },
    });
    expect(iso(result)).toEqual({ at: '2026-11-22T08:00:00.000Z', reason: 'slot' }); // Sunday 09:00 CET
  });

  it('sends at once when every slot of the next 28 days is occupied', () => {
    const occupied: Date[] = [];
    // Every weekday slot from Monday 23 November to Friday 18 December 2026 (all CET).
    for (let day = Date.UTC(2026, 10, 23); day <= Date.UTC(2026, 11, 18); day += DAY_MS) {
      const weekday = new Date(day).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      for (const utcHour of [8, 12, 17]) occupied.push(new Date(day + utcHour * 60 * MINUTE_MS));
    }
    const result = plan({ now: SATURDAY_LATE_MORNING, policy: { slots: [OFFICE_SLOTS] }, occupied });
    expect(iso(result)).toEqual({ at: '2026-11-21T10:00:00.000Z', reason: 'now' });
  });

  it('falls back to the end of quiet hours when every slot is occupied at night', () => {
    const now = new Date('2026-11-21T22:30:00Z'); // Saturday 23:30 CET
    const occupied = [0, 7, 14, 21, 28].map((d) => new Date(Date.UTC(2026, 10, 23, 8) + d * DAY_MS));
    const result = plan({
      now,
      policy: { slots: [{ days: ['mon'], times: ['09:00'] }], quietHours: NIGHT },
      occupied,
    });
    expect(iso(result)).toEqual({
      at: '2026-11-22T06:00:00.000Z',
      reason: 'quiet_hours',
      movedFrom: '2026-11-21T22:30:00.000Z',
    });
  });

  it('looks exactly 28 days ahead and no further', () => {
    const now = new Date('2026-11-23T08:00:00Z'); // Monday 09:00 CET
    const mondays = { slots: [{ days: ['mon'], times: ['09:00'] }] } satisfies PostingPolicy;
    const firstFour = [0, 7, 14, 21].map((d) => new Date(now.getTime() + d * DAY_MS));
    expect(iso(plan({ now, policy: mondays, occupied: firstFour }))).toEqual({
      at: '2026-12-21T08:00:00.000Z',
      reason: 'slot',
    });
    const firstFive = [...firstFour, new Date('2026-12-21T08:00:00Z')];
    expect(iso(plan({ now, policy: mondays, occupied: firstFive }))).toEqual({
      at: '2026-11-23T08:00:00.000Z',
      reason: 'now',
    });
  });

  it('sends at once when the slots name no day or no time', () => {
    const result = plan({
      now: SATURDAY_LATE_MORNING,
      policy: {
        slots: [
          { days: [], times: ['09:00'] },
          { days: ['sat'], times: [] },
        ],
      },
    });
    expect(iso(result)).toEqual({ at: '2026-11-21T10:00:00.000Z', reason: 'now' });
  });
});

describe('planDelivery: no slots', () => {
  it('sends at once outside quiet hours', () => {
    expect(iso(plan({ now: SATURDAY_LATE_MORNING, policy: { quietHours: NIGHT } }))).toEqual({
      at: '2026-11-21T10:00:00.000Z',
      reason: 'now',
    });
  });

  it('waits for the end of quiet hours inside them', () => {
    const now = new Date('2026-11-22T04:15:00Z'); // Sunday 05:15 CET
    expect(iso(plan({ now, policy: { quietHours: NIGHT } }))).toEqual({
      at: '2026-11-22T06:00:00.000Z',
      reason: 'quiet_hours',
      movedFrom: '2026-11-22T04:15:00.000Z',
    });
  });
});

describe('planDelivery across daylight-saving changes in Europe/Rome', () => {
  const half = (days: readonly (typeof WEEKDAYS)[number][] = EVERY_DAY) => ({
    slots: [{ days, times: ['02:30'] }],
  });
  const nine = { slots: [{ days: EVERY_DAY, times: ['09:00'] }] };

  it.each([
    { year: 2026, now: '2026-03-29T00:00:00Z', expected: '2026-03-29T01:30:00.000Z' },
    { year: 2027, now: '2027-03-28T00:00:00Z', expected: '2027-03-28T01:30:00.000Z' },
  ])('moves a 02:30 slot skipped in spring $year forward by the gap, to 03:30 CEST', ({ now, expected }) => {
    const result = plan({ now: new Date(now), policy: half() }); // 01:00 CET
    expect(iso(result)).toEqual({ at: expected, reason: 'slot' });
    expect(formatLocalClock(result.at, ROME)).toBe('03:30');
  });

  it('counts a 02:30 slot moved onto a 03:30 slot as one slot', () => {
    const policy = { slots: [{ days: EVERY_DAY, times: ['02:30', '03:30'] }] };
    const result = plan({
      now: new Date('2026-03-29T00:00:00Z'),
      policy,
      occupied: [new Date('2026-03-29T01:30:00Z')],
    });
    expect(iso(result).at).toBe('2026-03-30T00:30:00.000Z'); // Monday 02:30 CEST
  });

  it.each([
    {
      year: 2026,
      now: '2026-10-24T23:00:00Z',
      first: '2026-10-25T00:30:00.000Z',
      next: '2026-10-26T01:30:00.000Z',
    },
    {
      year: 2027,
      now: '2027-10-30T23:00:00Z',
      first: '2027-10-31T00:30:00.000Z',
      next: '2027-11-01T01:30:00.000Z',
    },
  ])('takes a 02:30 slot repeated in autumn $year once, at the earlier instant', ({ now, first, next }) => {
    const result = plan({ now: new Date(now), policy: half() }); // 01:00 CEST
    expect(iso(result)).toEqual({ at: first, reason: 'slot' });
    // With the first 02:30 taken, the repeated 02:30 (CET) is not a second slot.
    const taken = plan({ now: new Date(now), policy: half(), occupied: [new Date(first)] });
    expect(iso(taken)).toEqual({ at: next, reason: 'slot' });
  });

  it.each([
    {
      change: 'spring 2026',
      now: '2026-03-28T07:00:00Z',
      before: '2026-03-28T08:00:00.000Z',
      after: '2026-03-29T07:00:00.000Z',
    },
    {
      change: 'autumn 2026',
      now: '2026-10-24T06:00:00Z',
      before: '2026-10-24T07:00:00.000Z',
      after: '2026-10-25T08:00:00.000Z',
    },
    {
      change: 'spring 2027',
      now: '2027-03-27T07:00:00Z',
      before: '2027-03-27T08:00:00.000Z',
      after: '2027-03-28T07:00:00.000Z',
    },
    {
      change: 'autumn 2027',
      now: '2027-10-30T06:00:00Z',
      before: '2027-10-30T07:00:00.000Z',
      after: '2027-10-31T08:00:00.000Z',
    },
  ])('keeps a 09:00 slot at 09:00 local on both sides of the $change change', ({ now, before, after }) => {
    const first = plan({ now: new Date(now), policy: nine });
    expect(iso(first)).toEqual({ at: before, reason: 'slot' });
    const second = plan({ now: new Date(now), policy: nine, occupied: [first.at] });
    expect(iso(second)).toEqual({ at: after, reason: 'slot' });
    expect(formatLocalClock(first.at, ROME)).toBe('09:00');
    expect(formatLocalClock(second.at, ROME)).toBe('09:00');
  });

  it('ends night quiet hours at 07:00 local across the spring and autumn changes', () => {
    const spring = plan({ now: new Date('2026-03-28T22:00:00Z'), policy: { quietHours: NIGHT } }); // 23:00 CET
    expect(iso(spring).at).toBe('2026-03-29T05:00:00.000Z'); // 07:00 CEST
    const autumn = plan({ now: new Date('2026-10-24T21:00:00Z'), policy: { quietHours: NIGHT } }); // 23:00 CEST
    expect(iso(autumn).at).toBe('2026-10-25T06:00:00.000Z'); // 07:00 CET
  });

  it('ends quiet hours whose end the spring change skips at the change itself', () => {
    const now = new Date('2026-03-29T00:45:00Z'); // 01:45 CET, quiet until 02:30
    const result = plan({ now, policy: { quietHours: { from: '22:00', to: '02:30' } } });
    expect(iso(result)).toEqual({
      at: '2026-03-29T01:00:00.000Z', // 03:00 CEST, the first wall time past 02:30
      reason: 'quiet_hours',
      movedFrom: '2026-03-29T00:45:00.000Z',
    });
  });

  it('ends quiet hours at the 02:30 of the same pass through the repeated autumn hour', () => {
    const quietHours = { from: '01:00', to: '02:30' };
    const firstPass = plan({ now: new Date('2026-10-25T00:10:00Z'), policy: { quietHours } }); // 02:10 CEST
    expect(iso(firstPass).at).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
    const secondPass = plan({ now: new Date('2026-10-25T01:10:00Z'), policy: { quietHours } }); // 02:10 CET
    expect(iso(secondPass).at).toBe('2026-10-25T01:30:00.000Z'); // 02:30 CET
  });
});

describe('planDelivery: configuration mistakes', () => {
  it('throws config_invalid for an unknown time zone', () => {
    expect(() => plan({ now: SATURDAY_LATE_MORNING, timeZone: 'Europe/Atlantis' })).toThrow(AppError);
    try {
      plan({ now: SATURDAY_LATE_MORNING, timeZone: 'Europe/Atlantis' });
    } catch (error) {
      expect((error as AppError).code).toBe('config_invalid');
    }
  });

  it('throws config_invalid for a slot time that is not HH:MM', () => {
    expect(() =>
      plan({ now: SATURDAY_LATE_MORNING, policy: { slots: [{ days: ['mon'], times: ['9am'] }] } }),
    ).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });

  it('throws invariant_broken for an invalid now', () => {
    expect(() => plan({ now: new Date(Number.NaN) })).toThrow(
      expect.objectContaining({ code: 'invariant_broken' }),
    );
  });
});

describe('isInQuietHours', () => {
  it('includes the start and excludes the end of quiet hours across midnight', () => {
    expect(isInQuietHours(new Date('2026-11-21T20:59:59.999Z'), NIGHT, ROME)).toBe(false); // 21:59:59.999
    expect(isInQuietHours(new Date('2026-11-21T21:00:00Z'), NIGHT, ROME)).toBe(true); // 22:00
    expect(isInQuietHours(new Date('2026-11-21T23:00:00Z'), NIGHT, ROME)).toBe(true); // 00:00
    expect(isInQuietHours(new Date('2026-11-22T05:59:00Z'), NIGHT, ROME)).toBe(true); // 06:59
    expect(isInQuietHours(new Date('2026-11-22T06:00:00Z'), NIGHT, ROME)).toBe(false); // 07:00
  });

  it('reads quiet hours that do not cross midnight', () => {
    expect(isInQuietHours(new Date('2026-07-15T10:59:00Z'), LUNCH, ROME)).toBe(false); // 12:59 CEST
    expect(isInQuietHours(new Date('2026-07-15T11:00:00Z'), LUNCH, ROME)).toBe(true); // 13:00 CEST
    expect(isInQuietHours(new Date('2026-07-15T13:00:00Z'), LUNCH, ROME)).toBe(false); // 15:00 CEST
  });

  it('reads the wall clock of the zone given', () => {
    const at = new Date('2026-11-21T21:30:00Z');
    expect(isInQuietHours(at, NIGHT, ROME)).toBe(true); // 22:30 CET
    expect(isInQuietHours(at, NIGHT, 'UTC')).toBe(false); // 21:30 UTC
  });

  it('is never true when from equals to', () => {
    expect(isInQuietHours(new Date('2026-11-21T21:30:00Z'), { from: '22:30', to: '22:30' }, ROME)).toBe(
      false,
    );
  });
});

describe('isWallClock', () => {
  it.each(['00:00', '09:30', '23:59', '12:00'])('accepts %s', (value) => {
    expect(isWallClock(value)).toBe(true);
  });

  it.each(['24:00', '9:00', '12:60', '12:5', '', ' 12:00', '12:00 ', '12:00:00', '12.00', '１２:００'])(
    'refuses %j',
    (value) => {
      expect(isWallClock(value)).toBe(false);
    },
  );
});

describe('parseDays', () => {
  it.each([
    { input: 'mon-fri', expected: ['mon', 'tue', 'wed', 'thu', 'fri'] },
    { input: 'sat,sun', expected: ['sat', 'sun'] },
    { input: 'mon', expected: ['mon'] },
    { input: 'fri-mon', expected: ['fri', 'sat', 'sun', 'mon'] },
    { input: 'mon-mon', expected: ['mon'] },
    { input: 'sun-sat', expected: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
    { input: ' Mon - Wed , FRI ', expected: ['mon', 'tue', 'wed', 'fri'] },
    { input: 'mon,mon-tue', expected: ['mon', 'tue'] },
  ])('reads $input', ({ input, expected }) => {
    expect(parseDays(input)).toEqual(expected);
  });

  it.each(['lun', '', 'monday', 'mon,', 'mon-', 'mon-lun', 'mon fri', 'mon--fri'])('refuses %j', (input) => {
    expect(parseDays(input)).toBeUndefined();
  });
});

describe('planDelivery properties', () => {
  const zones = ['Europe/Rome', 'UTC', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];
  const clock = fc.oneof(
    fc.constantFrom('00:00', '02:00', '02:30', '03:00', '07:00', '09:00', '22:00', '23:59'),
    fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
  );
  const slots = fc.array(
    fc.record({ days: fc.subarray([...WEEKDAYS]), times: fc.array(clock, { maxLength: 4 }) }),
    { maxLength: 3 },
  );
  const policy: fc.Arbitrary<PostingPolicy> = fc.record(
    { slots, quietHours: fc.record({ from: clock, to: clock }) },
    { requiredKeys: [] },
  );
  const instant = fc.oneof(
    fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 11, 31) }),
    // Whole minutes meet slot and quiet-hour boundaries exactly.
    fc
      .integer({ min: Date.UTC(2025, 0, 1) / MINUTE_MS, max: Date.UTC(2028, 11, 31) / MINUTE_MS })
      .map((m) => m * MINUTE_MS),
  );
  const input: fc.Arbitrary<PlanInput> = fc
    .record({
      now: instant,
      requestedOffset: fc.option(fc.integer({ min: -30 * DAY_MS, max: 30 * DAY_MS }), { nil: undefined }),
      urgent: fc.boolean(),
      policy,
      timeZone: fc.constantFrom(...zones),
      occupiedOffsets: fc.array(
        fc.integer({ min: -DAY_MS / MINUTE_MS, max: (29 * DAY_MS) / MINUTE_MS }).map((m) => m * MINUTE_MS),
        { maxLength: 20 },
      ),
    })
    .map((r) => ({
      now: new Date(r.now),
      requestedAt: r.requestedOffset === undefined ? undefined : new Date(r.now + r.requestedOffset),
      urgent: r.urgent,
      policy: r.policy,
      timeZone: r.timeZone,
      occupied: r.occupiedOffsets.map((o) => new Date(r.now + o)),
    }));

  it('never throws, never plans before now, and never plans inside quiet hours unless urgent', () => {
    fc.assert(
      fc.property(input, (i) => {
        const result = planDelivery(i);
        expect(result.at.getTime()).toBeGreaterThanOrEqual(i.now.getTime());
        const quiet = i.policy.quietHours;
        if (quiet !== undefined && !i.urgent) {
          expect(isInQuietHours(result.at, quiet, i.timeZone)).toBe(false);
        }
        if (result.reason === 'quiet_hours') {
          expect(result.movedFrom).toBeDefined();
          expect(result.at.getTime()).toBeGreaterThan(result.movedFrom?.getTime() ?? Number.NaN);
        } else {
          expect(result.movedFrom).toBeUndefined();
        }
      }),
      { numRuns: 500 },
    );
  });

  it('plans a slot at one of the configured wall times (or moved by a DST gap), free, within 28 days', () => {
    fc.assert(
      fc.property(input, (i) => {
        const result = planDelivery(i);
        if (result.reason !== 'slot') return;
        const at = result.at.getTime();
        const times = new Set((i.policy.slots ?? []).flatMap((s) => s.times));
        const wall = formatLocalClock(result.at, i.timeZone);
        const zone = IANAZone.create(i.timeZone);
        const gap = zone.offset(at) - zone.offset(at - 3 * 60 * MINUTE_MS);
        const [h, m] = wall.split(':').map(Number);
        const beforeGap = ((h ?? 0) * 60 + (m ?? 0) - gap + 24 * 60) % (24 * 60);
        const shifted = `${String(Math.floor(beforeGap / 60)).padStart(2, '0')}:${String(beforeGap % 60).padStart(2, '0')}`;
        expect(times.has(wall) || (gap > 0 && times.has(shifted))).toBe(true);
        expect(at).toBeLessThanOrEqual(i.now.getTime() + 28 * DAY_MS);
        expect(i.occupied.some((o) => Math.abs(o.getTime() - at) <= MINUTE_MS)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('plans now for a non-urgent past request when quiet hours allow it', () => {
    fc.assert(
      fc.property(input, (i) => {
        const requestedAt = new Date(i.now.getTime() - 1);
        const result = planDelivery({ ...i, urgent: false, requestedAt });
        expect(result.at.getTime()).toBeGreaterThanOrEqual(i.now.getTime());
        expect(['now', 'quiet_hours']).toContain(result.reason);
      }),
      { numRuns: 200 },
    );
  });
});
