import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/app-error.ts';
import { formatLocalClock, formatLocalTime, localDay } from '../../src/core/local-time-format.ts';

const ROME = 'Europe/Rome';

describe('formatLocalTime', () => {
  it('shows a winter time in Rome as CET, in Italian and in English', () => {
    const at = new Date('2026-11-22T08:00:00Z');
    expect(formatLocalTime(at, ROME, 'it')).toBe('domenica 22 novembre 2026, 09:00 (Europe/Rome, CET)');
    expect(formatLocalTime(at, ROME, 'en')).toBe('Sunday 22 November 2026, 09:00 (Europe/Rome, CET)');
  });

  it('shows a summer time in Rome as CEST, in Italian and in English', () => {
    const at = new Date('2026-07-15T16:05:00Z');
    expect(formatLocalTime(at, ROME, 'it')).toBe('mercoledì 15 luglio 2026, 18:05 (Europe/Rome, CEST)');
    expect(formatLocalTime(at, ROME, 'en')).toBe('Wednesday 15 July 2026, 18:05 (Europe/Rome, CEST)');
  });

  it('tells the two 02:30 of the autumn change apart by their abbreviation', () => {
    expect(formatLocalTime(new Date('2026-10-25T00:30:00Z'), ROME, 'it')).toBe(
      'domenica 25 ottobre 2026, 02:30 (Europe/Rome, CEST)',
    );
    expect(formatLocalTime(new Date('2026-10-25T01:30:00Z'), ROME, 'it')).toBe(
      'domenica 25 ottobre 2026, 02:30 (Europe/Rome, CET)',
    );
  });

  it('uses the usual abbreviation outside Europe and the offset where there is none', () => {
    expect(formatLocalTime(new Date('2026-11-22T14:00:00Z'), 'America/New_York', 'en')).toBe(
      'Sunday 22 November 2026, 09:00 (America/New_York, EST)',
    );
    expect(formatLocalTime(new Date('2026-07-15T13:00:00Z'), 'America/New_York', 'en')).toBe(
      'Wednesday 15 July 2026, 09:00 (America/New_York, EDT)',
    );
    expect(formatLocalTime(new Date('2026-11-22T03:30:00Z'), 'Asia/Kolkata', 'en')).toBe(
      'Sunday 22 November 2026, 09:00 (Asia/Kolkata, UTC+05:30)',
    );
    expect(formatLocalTime(new Date('2026-11-22T09:00:00Z'), 'UTC', 'it')).toBe(
      'domenica 22 novembre 2026, 09:00 (UTC, UTC)',
    );
  });

  it('uses the 24-hour clock', () => {
    expect(formatLocalTime(new Date('2026-11-22T22:45:00Z'), ROME, 'en')).toBe(
      'Sunday 22 November 2026, 23:45 (Europe/Rome, CET)',
    );
  });

  it('throws AppError for an unknown time zone', () => {
    expect(() => formatLocalTime(new Date('2026-11-22T08:00:00Z'), 'Mars/Olympus', 'it')).toThrow(AppError);
  });

  it('never throws for any instant between 1900 and 2200 in any of several zones', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1900-01-01T00:00:00Z'),
          max: new Date('2200-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom(
          'Europe/Rome',
          'America/New_York',
          'UTC',
          'Asia/Kolkata',
          'Australia/Lord_Howe',
          'Europe/London',
        ),
        fc.constantFrom('it' as const, 'en' as const),
        (at, timeZone, language) => {
          const text = formatLocalTime(at, timeZone, language);
          expect(text).toMatch(/^\S+ \d{1,2} \S+ \d{4}, \d{2}:\d{2} \(.+, .+\)$/);
          expect(text).toContain(formatLocalClock(at, timeZone));
        },
      ),
    );
  });
});

describe('formatLocalClock', () => {
  it('gives the local wall-clock time as HH:mm', () => {
    expect(formatLocalClock(new Date('2026-11-22T08:00:00Z'), ROME)).toBe('09:00');
    expect(formatLocalClock(new Date('2026-07-15T22:05:00Z'), ROME)).toBe('00:05');
    expect(formatLocalClock(new Date('2026-07-15T12:05:59Z'), ROME)).toBe('14:05');
  });
});

describe('localDay', () => {
  it('gives the calendar day in the zone, not in UTC', () => {
    expect(localDay(new Date('2026-11-21T23:30:00Z'), ROME)).toBe('2026-11-22');
    expect(localDay(new Date('2026-11-22T03:30:00Z'), 'America/New_York')).toBe('2026-11-21');
    expect(localDay(new Date('2026-03-29T01:30:00Z'), ROME)).toBe('2026-03-29');
  });
});
