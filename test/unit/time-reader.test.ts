import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/app-error.ts';
import { DAY_PARTS, type DayPartName, formatDayPartMinute } from '../../src/core/day-parts.ts';
import { t } from '../../src/core/i18n/translate.ts';
import type { Language } from '../../src/core/language.ts';
import { formatLocalClock, localDay } from '../../src/core/local-time-format.ts';
import {
  type DstResolution,
  parseWhen,
  type ReadTimeOptions,
  timeExamples,
} from '../../src/core/time-reader.ts';

const ROME = 'Europe/Rome';
/** Saturday 21 November 2026, 11:00 CET. */
const SATURDAY_LATE_MORNING = new Date('2026-11-21T10:00:00Z');
/** Saturday 21 November 2026, 07:00 CET. */
const SATURDAY_EARLY = new Date('2026-11-21T06:00:00Z');

function rome(now: Date, language: Language = 'it'): ReadTimeOptions {
  return { now, timeZone: ROME, language };
}

function readAt(input: string, options: ReadTimeOptions): string {
  const result = parseWhen(input, options);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to be read, got ${result.error.code}`);
  return result.value.at.toISOString();
}

interface Example {
  readonly input: string;
  readonly now: Date;
  readonly expected: string;
  readonly language?: Language;
}

const ITALIAN: readonly Example[] = [
  { input: 'adesso', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T10:00:00.000Z' },
  { input: 'ora', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T10:00:00.000Z' },
  { input: 'subito', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T10:00:00.000Z' },
  { input: 'oggi alle 18', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T17:00:00.000Z' },
  { input: 'stasera alle 21', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:00:00.000Z' },
  { input: 'stasera alle 9', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:00:00.000Z' },
  { input: 'domani alle 9', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:00:00.000Z' },
  { input: 'domani 9:30', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:30:00.000Z' },
  { input: 'domani', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:00:00.000Z' },
  { input: 'domani 9', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:00:00.000Z' },
  { input: 'domani sera alle 8', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T19:00:00.000Z' },
  { input: 'dopodomani alle 10', now: SATURDAY_LATE_MORNING, expected: '2026-11-23T09:00:00.000Z' },
  { input: 'lunedì alle 9', now: SATURDAY_LATE_MORNING, expected: '2026-11-23T08:00:00.000Z' },
  { input: 'lunedi alle 9', now: SATURDAY_LATE_MORNING, expected: '2026-11-23T08:00:00.000Z' },
  { input: '  LUNEDÌ   alle 9  ', now: SATURDAY_LATE_MORNING, expected: '2026-11-23T08:00:00.000Z' },
  { input: 'lunedì prossimo alle 18:30', now: SATURDAY_LATE_MORNING, expected: '2026-11-23T17:30:00.000Z' },
  { input: 'sabato alle 18', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T17:00:00.000Z' },
  { input: 'sabato alle 9', now: SATURDAY_LATE_MORNING, expected: '2026-11-28T08:00:00.000Z' },
  { input: 'sabato prossimo alle 18', now: SATURDAY_LATE_MORNING, expected: '2026-11-28T17:00:00.000Z' },
  { input: '1 dicembre 9:00', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
  { input: '1 dicembre alle 9', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
  { input: 'martedì 1 dicembre', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
  { input: '1/12 alle 9', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
  { input: '01/12/2026 09:00', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
  { input: '1 dicembre 2026 ore 9', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
  { input: '1 gennaio', now: SATURDAY_LATE_MORNING, expected: '2027-01-01T08:00:00.000Z' },
  { input: 'tra 2 ore', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T12:00:00.000Z' },
  { input: "tra un'ora", now: SATURDAY_LATE_MORNING, expected: '2026-11-21T11:00:00.000Z' },
  { input: 'fra 30 minuti', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T10:30:00.000Z' },
  { input: 'tra 3 giorni alle 10', now: SATURDAY_LATE_MORNING, expected: '2026-11-24T09:00:00.000Z' },
  { input: 'alle 15', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T14:00:00.000Z' },
  { input: 'mezzogiorno', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T11:00:00.000Z' },
  { input: 'domani a mezzogiorno', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T11:00:00.000Z' },
  { input: 'ore 9', now: SATURDAY_EARLY, expected: '2026-11-21T08:00:00.000Z' },
  { input: 'h 9', now: SATURDAY_EARLY, expected: '2026-11-21T08:00:00.000Z' },
  { input: '9.30', now: SATURDAY_EARLY, expected: '2026-11-21T08:30:00.000Z' },
  { input: '9:30', now: SATURDAY_EARLY, expected: '2026-11-21T08:30:00.000Z' },
];

const ENGLISH: readonly Example[] = [
  { input: 'now', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T10:00:00.000Z' },
  { input: 'today at 6pm', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T17:00:00.000Z' },
  { input: 'tonight 9pm', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:00:00.000Z' },
  { input: 'tomorrow 9am', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:00:00.000Z' },
  { input: 'tomorrow at 09:30', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:30:00.000Z' },
  { input: '9 a.m. tomorrow', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:00:00.000Z' },
  { input: 'monday 9am', now: SATURDAY_LATE_MORNING, expected: '2026-11-23T08:00:00.000Z' },
  { input: 'next monday at 18:30', now: SATURDAY_LATE_MORNING, expected: '2026-11-23T17:30:00.000Z' },
  { input: 'december 1 9:00', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
  { input: '1 december 9am', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
  { input: 'in 2 hours', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T12:00:00.000Z' },
  { input: 'in 30 minutes', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T10:30:00.000Z' },
  { input: 'at 3pm', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T14:00:00.000Z' },
  { input: 'at 12pm', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T11:00:00.000Z' },
  { input: 'noon', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T11:00:00.000Z' },
];

const ISO: readonly Example[] = [
  { input: '2026-12-01T09:00:00Z', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T09:00:00.000Z' },
  { input: '2026-12-01T09:00+01:00', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
  {
    input: '2026-12-01T09:00:00.250-05:00',
    now: SATURDAY_LATE_MORNING,
    expected: '2026-12-01T14:00:00.250Z',
  },
  { input: '2026-12-01T09:00', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
  { input: '2026-12-01 09:00', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
  { input: '2026-12-01', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T08:00:00.000Z' },
];

describe('parseWhen in Europe/Rome', () => {
  it.each(ITALIAN)('reads Italian "$input"', ({ input, now, expected }) => {
    expect(readAt(input, rome(now))).toBe(expected);
  });

  it.each(ENGLISH)('reads English "$input"', ({ input, now, expected }) => {
    expect(readAt(input, rome(now, 'en'))).toBe(expected);
  });

  it.each(ISO)('reads ISO 8601 "$input"', ({ input, now, expected }) => {
    expect(readAt(input, rome(now))).toBe(expected);
  });

  it('accepts either language whatever the team language is', () => {
    expect(readAt('tomorrow 9am', rome(SATURDAY_LATE_MORNING, 'it'))).toBe('2026-11-22T08:00:00.000Z');
    expect(readAt('domani alle 9', rome(SATURDAY_LATE_MORNING, 'en'))).toBe('2026-11-22T08:00:00.000Z');
  });

  it('reads an ambiguous numeric date day first in both languages, month first only when nothing else fits', () => {
    expect(readAt('2/12 alle 9', rome(SATURDAY_LATE_MORNING, 'it'))).toBe('2026-12-02T08:00:00.000Z');
    expect(readAt('2/12 9am', rome(SATURDAY_LATE_MORNING, 'en'))).toBe('2026-12-02T08:00:00.000Z');
    expect(readAt('25/12 alle 9', rome(SATURDAY_LATE_MORNING, 'en'))).toBe('2026-12-25T08:00:00.000Z');
    expect(readAt('12/25 9am', rome(SATURDAY_LATE_MORNING, 'en'))).toBe('2026-12-25T08:00:00.000Z');
  });

  it('reads a weekday named today as today while its time is ahead, else a week later', () => {
    const mondayMorning = new Date('2026-11-23T07:00:00Z');
    expect(readAt('lunedì alle 9', rome(mondayMorning))).toBe('2026-11-23T08:00:00.000Z');
    expect(readAt('lunedì alle 7', rome(mondayMorning))).toBe('2026-11-30T06:00:00.000Z');
    expect(readAt('lunedì prossimo alle 9', rome(mondayMorning))).toBe('2026-11-30T08:00:00.000Z');
    expect(readAt('next monday 9am', rome(mondayMorning, 'en'))).toBe('2026-11-30T08:00:00.000Z');
  });

  it('reads "tra N giorni" without a time at the same local clock time', () => {
    expect(readAt('tra 3 giorni', rome(SATURDAY_LATE_MORNING))).toBe('2026-11-24T10:00:00.000Z');
  });

  it('accepts a time up to 60 seconds ago', () => {
    const justAfterThree = new Date('2026-11-21T14:00:45Z');
    expect(readAt('alle 15', rome(justAfterThree))).toBe('2026-11-21T14:00:00.000Z');
  });

  it('refuses a time already past today as in_past, saying what it read', () => {
    expect(parseWhen('oggi alle 9', rome(SATURDAY_LATE_MORNING))).toEqual({
      ok: false,
      error: { code: 'in_past', input: 'oggi alle 9', readAs: new Date('2026-11-21T08:00:00Z') },
    });
    expect(parseWhen('alle 10', rome(SATURDAY_LATE_MORNING))).toMatchObject({
      ok: false,
      error: { code: 'in_past' },
    });
    expect(parseWhen('2020-01-01T00:00Z', rome(SATURDAY_LATE_MORNING))).toMatchObject({
      ok: false,
      error: { code: 'in_past', readAs: new Date('2020-01-01T00:00:00Z') },
    });
  });

  it('refuses a yearless date already over today as in_past rather than next year', () => {
    expect(parseWhen('21 novembre alle 9', rome(SATURDAY_LATE_MORNING))).toMatchObject({
      ok: false,
      error: { code: 'in_past' },
    });
  });

  it.each(['', '   ', '\u200b'])('refuses %j as empty', (input) => {
    expect(parseWhen(input, rome(SATURDAY_LATE_MORNING))).toMatchObject({
      ok: false,
      error: { code: 'empty' },
    });
  });

  it.each([
    '31 febbraio',
    '31/04/2027 alle 9',
    'domani alle 25:00',
    'domani alle 9:75',
    '2026-02-30T09:00',
    '2026-12-01T24:00',
    'lunedì 1 dicembre',
    'domani alle 9 e 75',
    'domani alle 9 e',
    'stasera di mattina',
    'in the morning in the evening',
    'half to six',
    'mezzanotte pm',
    '13pm',
    'boh',
    'ieri',
    '🚀 domani',
  ])('refuses %j as unreadable', (input) => {
    expect(parseWhen(input, rome(SATURDAY_LATE_MORNING))).toMatchObject({
      ok: false,
      error: { code: 'unreadable', input },
    });
  });

  it('refuses a 10,000-character input, echoing at most 200 characters', () => {
    // How fast is for the benchmarks (npm run bench parses at scale), not a timed assertion here.
    const input = 'domani alle 9 '.repeat(715).slice(0, 10_000);
    const result = parseWhen(input, rome(SATURDAY_LATE_MORNING));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('unreadable');
      expect(result.error.input.length).toBeLessThanOrEqual(200);
    }
  });

  it('throws AppError for an unknown time zone, which is a configuration bug', () => {
    expect(() =>
      parseWhen('domani', { now: SATURDAY_LATE_MORNING, timeZone: 'Mars/Olympus', language: 'it' }),
    ).toThrow(AppError);
  });
});

describe('parseWhen across daylight-saving changes in Europe/Rome', () => {
  interface DstExample {
    readonly input: string;
    readonly now: string;
    readonly expected: string;
    readonly dst?: DstResolution;
  }

  const cases: readonly DstExample[] = [
    // 2026: spring forward 29 March 02:00 → 03:00, fall back 25 October 03:00 → 02:00.
    {
      input: '29 marzo 2026 alle 2:30',
      now: '2026-03-01T00:00:00Z',
      expected: '2026-03-29T01:30:00.000Z',
      dst: 'gap_moved_forward',
    },
    {
      input: '2026-03-29T02:30',
      now: '2026-03-01T00:00:00Z',
      expected: '2026-03-29T01:30:00.000Z',
      dst: 'gap_moved_forward',
    },
    {
      input: 'domani alle 2:30',
      now: '2026-03-28T12:00:00Z',
      expected: '2026-03-29T01:30:00.000Z',
      dst: 'gap_moved_forward',
    },
    {
      input: '25 ottobre 2026 alle 2:30',
      now: '2026-10-01T00:00:00Z',
      expected: '2026-10-25T00:30:00.000Z',
      dst: 'overlap_earlier',
    },
    {
      input: 'domani alle 2:30',
      now: '2026-10-24T12:00:00Z',
      expected: '2026-10-25T00:30:00.000Z',
      dst: 'overlap_earlier',
    },
    { input: '29 marzo 2026 alle 1:59', now: '2026-03-01T00:00:00Z', expected: '2026-03-29T00:59:00.000Z' },
    { input: '29 marzo 2026 alle 3:00', now: '2026-03-01T00:00:00Z', expected: '2026-03-29T01:00:00.000Z' },
    { input: 'domani alle 9', now: '2026-03-28T00:00:00Z', expected: '2026-03-29T07:00:00.000Z' },
    { input: 'domani alle 9', now: '2026-03-28T22:59:00Z', expected: '2026-03-29T07:00:00.000Z' },
    { input: 'domani alle 9', now: '2026-10-24T12:00:00Z', expected: '2026-10-25T08:00:00.000Z' },
    { input: 'domani alle 9', now: '2026-10-24T21:59:00Z', expected: '2026-10-25T08:00:00.000Z' },
    { input: 'domani alle 9', now: '2026-11-20T23:00:00Z', expected: '2026-11-22T08:00:00.000Z' },
    { input: 'domani alle 9', now: '2026-11-21T22:59:00Z', expected: '2026-11-22T08:00:00.000Z' },
    // Elapsed time ignores the clock change; calendar days keep the local clock.
    { input: 'tra 2 ore', now: '2026-03-29T00:30:00Z', expected: '2026-03-29T02:30:00.000Z' },
    { input: 'tra 1 giorno', now: '2026-03-28T09:00:00Z', expected: '2026-03-29T08:00:00.000Z' },
    // 2027: spring forward 28 March, fall back 31 October.
    {
      input: '28 marzo 2027 alle 2:30',
      now: '2027-03-01T00:00:00Z',
      expected: '2027-03-28T01:30:00.000Z',
      dst: 'gap_moved_forward',
    },
    {
      input: '31 ottobre 2027 alle 2:30',
      now: '2027-10-01T00:00:00Z',
      expected: '2027-10-31T00:30:00.000Z',
      dst: 'overlap_earlier',
    },
    { input: 'domani alle 9', now: '2027-03-27T10:00:00Z', expected: '2027-03-28T07:00:00.000Z' },
    { input: 'domani alle 9', now: '2027-10-30T10:00:00Z', expected: '2027-10-31T08:00:00.000Z' },
  ];

  it.each(cases)('reads "$input" at $now as $expected', ({ input, now, expected, dst }) => {
    const result = parseWhen(input, rome(new Date(now)));
    expect(result).toEqual({
      ok: true,
      value: dst === undefined ? { at: new Date(expected) } : { at: new Date(expected), dst },
    });
  });
});

describe('parseWhen in America/New_York', () => {
  it('reads wall-clock times in the given zone, including its own spring gap', () => {
    const options = (now: string): ReadTimeOptions => ({
      now: new Date(now),
      timeZone: 'America/New_York',
      language: 'en',
    });
    expect(readAt('tomorrow 9am', options('2026-11-21T15:00:00Z'))).toBe('2026-11-22T14:00:00.000Z');
    expect(parseWhen('tomorrow 2:30am', options('2026-03-07T15:00:00Z'))).toEqual({
      ok: true,
      value: { at: new Date('2026-03-08T07:30:00Z'), dst: 'gap_moved_forward' },
    });
  });
});

describe('parseWhen reads the parts of the day', () => {
  /** Saturday 21 November 2026, 01:00 CET: the night under way. */
  const SATURDAY_SMALL_HOURS = new Date('2026-11-21T00:00:00Z');
  /** Saturday 21 November 2026, 03:00 CET. */
  const SATURDAY_THREE = new Date('2026-11-21T02:00:00Z');
  /** Saturday 21 November 2026, 15:00 CET. */
  const SATURDAY_AFTERNOON = new Date('2026-11-21T14:00:00Z');
  /** Saturday 21 November 2026, 22:00 CET. */
  const SATURDAY_LATE_EVENING = new Date('2026-11-21T21:00:00Z');
  /** Saturday 21 November 2026, 23:30 CET. */
  const SATURDAY_BEFORE_MIDNIGHT = new Date('2026-11-21T22:30:00Z');

  const italian: readonly Example[] = [
    { input: 'domattina', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:00:00.000Z' },
    { input: 'Domattina', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:00:00.000Z' },
    { input: 'stamattina', now: SATURDAY_EARLY, expected: '2026-11-21T08:00:00.000Z' },
    { input: 'stamani', now: SATURDAY_EARLY, expected: '2026-11-21T08:00:00.000Z' },
    { input: 'stamattina alle 11', now: SATURDAY_EARLY, expected: '2026-11-21T10:00:00.000Z' },
    { input: 'stasera', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:00:00.000Z' },
    { input: 'sta sera alle 8', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T19:00:00.000Z' },
    { input: 'stanotte', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T22:00:00.000Z' },
    { input: 'domani mattina', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:00:00.000Z' },
    { input: 'domani pomeriggio', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T14:00:00.000Z' },
    { input: 'domani sera', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T20:00:00.000Z' },
    { input: 'domani in serata', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T20:00:00.000Z' },
    { input: 'dopodomani mattina', now: SATURDAY_LATE_MORNING, expected: '2026-11-23T08:00:00.000Z' },
    { input: 'mezzogiorno', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T11:00:00.000Z' },
    { input: 'mezzanotte', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T23:00:00.000Z' },
    { input: 'mezzogiorno e mezza', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T11:30:00.000Z' },
    { input: 'mezzanotte e un quarto', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T23:15:00.000Z' },
    { input: 'alle 9 e mezza', now: SATURDAY_EARLY, expected: '2026-11-21T08:30:00.000Z' },
    { input: 'alle 9 e mezzo', now: SATURDAY_EARLY, expected: '2026-11-21T08:30:00.000Z' },
    { input: 'alle 9 e un quarto', now: SATURDAY_EARLY, expected: '2026-11-21T08:15:00.000Z' },
    { input: 'alle 9 e tre quarti', now: SATURDAY_EARLY, expected: '2026-11-21T08:45:00.000Z' },
    { input: 'alle 18 meno un quarto', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T16:45:00.000Z' },
    { input: 'domani alle 10 meno 5', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:55:00.000Z' },
    { input: 'domani alle 9 e 30', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:30:00.000Z' },
    { input: 'alle nove e mezza', now: SATURDAY_EARLY, expected: '2026-11-21T08:30:00.000Z' },
    { input: 'domani sera alle 21', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T20:00:00.000Z' },
    { input: 'stasera alle 21', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:00:00.000Z' },
    { input: 'stasera alle 9', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:00:00.000Z' },
    { input: 'stasera alle 12', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T23:00:00.000Z' },
    { input: 'stasera a mezzanotte', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T23:00:00.000Z' },
    { input: 'domattina alle 8', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T07:00:00.000Z' },
    { input: 'lunedì mattina', now: SATURDAY_LATE_MORNING, expected: '2026-11-23T08:00:00.000Z' },
    { input: 'venerdì pomeriggio', now: SATURDAY_LATE_MORNING, expected: '2026-11-27T14:00:00.000Z' },
    { input: 'oggi pomeriggio', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T14:00:00.000Z' },
    { input: 'domani a mezzogiorno', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T11:00:00.000Z' },
    { input: 'domani a mezzanotte', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T23:00:00.000Z' },
    { input: 'alle 9 e mezza di sera', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:30:00.000Z' },
    { input: 'alle 3 del pomeriggio', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T14:00:00.000Z' },
    { input: 'alle 6 del pomeriggio', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T17:00:00.000Z' },
    { input: "all'una del pomeriggio", now: SATURDAY_LATE_MORNING, expected: '2026-11-21T12:00:00.000Z' },
    { input: '9 di sera', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:00:00.000Z' },
    { input: 'alle 3 di notte', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T02:00:00.000Z' },
    { input: 'stanotte alle 2', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T01:00:00.000Z' },
    { input: 'stanotte alle 2', now: SATURDAY_BEFORE_MIDNIGHT, expected: '2026-11-22T01:00:00.000Z' },
    { input: 'stanotte alle 11', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T22:00:00.000Z' },
    { input: 'domani notte alle 2', now: SATURDAY_LATE_MORNING, expected: '2026-11-23T01:00:00.000Z' },
    { input: '1 dicembre di sera', now: SATURDAY_LATE_MORNING, expected: '2026-12-01T20:00:00.000Z' },
  ];

  const english: readonly Example[] = [
    { input: 'tonight', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:00:00.000Z' },
    { input: 'tomorrow morning', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T08:00:00.000Z' },
    { input: 'tomorrow afternoon', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T14:00:00.000Z' },
    { input: 'tomorrow evening', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T20:00:00.000Z' },
    { input: 'this morning', now: SATURDAY_EARLY, expected: '2026-11-21T08:00:00.000Z' },
    { input: 'this afternoon', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T14:00:00.000Z' },
    { input: 'this evening', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:00:00.000Z' },
    { input: 'noon', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T11:00:00.000Z' },
    { input: 'midnight', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T23:00:00.000Z' },
    { input: 'half past nine', now: SATURDAY_EARLY, expected: '2026-11-21T08:30:00.000Z' },
    { input: 'quarter past nine', now: SATURDAY_EARLY, expected: '2026-11-21T08:15:00.000Z' },
    { input: 'a quarter past 9', now: SATURDAY_EARLY, expected: '2026-11-21T08:15:00.000Z' },
    { input: 'quarter to six pm', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T16:45:00.000Z' },
    {
      input: 'quarter to six in the evening',
      now: SATURDAY_LATE_MORNING,
      expected: '2026-11-21T16:45:00.000Z',
    },
    { input: 'ten to six tomorrow', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T04:50:00.000Z' },
    { input: 'tomorrow evening at 9', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T20:00:00.000Z' },
    { input: 'half past nine tonight', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:30:00.000Z' },
    { input: "nine o'clock tonight", now: SATURDAY_LATE_MORNING, expected: '2026-11-21T20:00:00.000Z' },
    { input: 'tonight at 5', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T16:00:00.000Z' },
    { input: 'tonight at 2', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T01:00:00.000Z' },
    { input: 'tonight at midnight', now: SATURDAY_LATE_MORNING, expected: '2026-11-21T23:00:00.000Z' },
    { input: 'tomorrow night at 9', now: SATURDAY_LATE_MORNING, expected: '2026-11-22T20:00:00.000Z' },
    { input: 'monday morning 9:30', now: SATURDAY_LATE_MORNING, expected: '2026-11-23T08:30:00.000Z' },
    { input: 'friday afternoon', now: SATURDAY_LATE_MORNING, expected: '2026-11-27T14:00:00.000Z' },
  ];

  it.each(italian)('reads Italian "$input" at $now', ({ input, now, expected }) => {
    expect(readAt(input, rome(now))).toBe(expected);
  });

  it.each(english)('reads English "$input" at $now', ({ input, now, expected }) => {
    expect(readAt(input, rome(now, 'en'))).toBe(expected);
  });

  it('reads "stanotte" and "tonight" before 06:00 as the night under way', () => {
    expect(readAt('stanotte alle 2', rome(SATURDAY_SMALL_HOURS))).toBe('2026-11-21T01:00:00.000Z');
    expect(readAt('tonight at 3am', rome(SATURDAY_SMALL_HOURS, 'en'))).toBe('2026-11-21T02:00:00.000Z');
    expect(readAt('stanotte', rome(SATURDAY_SMALL_HOURS))).toBe('2026-11-21T22:00:00.000Z');
    expect(readAt('tonight 9pm', rome(SATURDAY_SMALL_HOURS, 'en'))).toBe('2026-11-21T20:00:00.000Z');
    expect(readAt('stasera', rome(SATURDAY_SMALL_HOURS))).toBe('2026-11-21T20:00:00.000Z');
    expect(parseWhen('stanotte alle 2', rome(SATURDAY_THREE))).toEqual({
      ok: false,
      error: { code: 'in_past', input: 'stanotte alle 2', readAs: new Date('2026-11-21T01:00:00Z') },
    });
  });

  it('refuses a part of the day already over today as in_past, saying the hour it read', () => {
    const cases: readonly [string, Date, string][] = [
      ['stamattina', SATURDAY_AFTERNOON, '2026-11-21T08:00:00Z'],
      ['this morning', SATURDAY_AFTERNOON, '2026-11-21T08:00:00Z'],
      ['oggi pomeriggio', SATURDAY_LATE_EVENING, '2026-11-21T14:00:00Z'],
      ['stasera', SATURDAY_LATE_EVENING, '2026-11-21T20:00:00Z'],
      ['stanotte', SATURDAY_BEFORE_MIDNIGHT, '2026-11-21T22:00:00Z'],
      ['alle 9 e mezza', SATURDAY_LATE_MORNING, '2026-11-21T08:30:00Z'],
      ['quarter to six', SATURDAY_LATE_MORNING, '2026-11-21T04:45:00Z'],
    ];
    for (const [input, now, readAs] of cases) {
      expect(parseWhen(input, rome(now))).toEqual({
        ok: false,
        error: { code: 'in_past', input, readAs: new Date(readAs) },
      });
    }
  });

  it.each([
    ['domattina alle 20', 'morning'],
    ['domani mattina a mezzogiorno', 'morning'],
    ['domattina a mezzanotte', 'morning'],
    ['tomorrow morning 9pm', 'morning'],
    ['oggi pomeriggio alle 20', 'afternoon'],
    ['stasera alle 3', 'evening'],
    ['stasera alle 15', 'evening'],
    ['stanotte alle 9', 'night'],
    ['stanotte alle 6', 'night'],
    ['tonight at 7am', 'tonight'],
  ] as const)('refuses %j as an hour outside the %s', (input, dayPart) => {
    expect(parseWhen(input, rome(SATURDAY_LATE_MORNING))).toEqual({
      ok: false,
      error: { code: 'day_part_mismatch', input, dayPart },
    });
  });
});

describe('parseWhen reads the parts of the day across daylight-saving changes in Europe/Rome', () => {
  interface DstExample {
    readonly input: string;
    readonly now: string;
    readonly expected: string;
    readonly dst?: DstResolution;
  }

  // 2026: spring forward Sunday 29 March 02:00 → 03:00, fall back Sunday 25 October 03:00 → 02:00.
  const SPRING_EVE = '2026-03-28T11:00:00Z'; // Saturday 12:00 CET
  const SPRING_NIGHT = '2026-03-29T00:30:00Z'; // Sunday 01:30 CET
  const AUTUMN_EVE = '2026-10-24T10:00:00Z'; // Saturday 12:00 CEST
  const cases: readonly DstExample[] = [
    { input: 'domattina', now: SPRING_EVE, expected: '2026-03-29T07:00:00.000Z' },
    { input: 'domani sera', now: SPRING_EVE, expected: '2026-03-29T19:00:00.000Z' },
    { input: 'stasera alle 9', now: SPRING_EVE, expected: '2026-03-28T20:00:00.000Z' },
    { input: 'stanotte', now: SPRING_EVE, expected: '2026-03-28T22:00:00.000Z' },
    { input: 'stanotte alle 3', now: SPRING_EVE, expected: '2026-03-29T01:00:00.000Z' },
    {
      input: 'stanotte alle 2 e mezza',
      now: SPRING_EVE,
      expected: '2026-03-29T01:30:00.000Z',
      dst: 'gap_moved_forward',
    },
    {
      input: 'stanotte alle 2:30',
      now: SPRING_NIGHT,
      expected: '2026-03-29T01:30:00.000Z',
      dst: 'gap_moved_forward',
    },
    { input: 'domani a mezzanotte', now: SPRING_EVE, expected: '2026-03-29T22:00:00.000Z' },
    { input: 'tomorrow evening at 9', now: SPRING_EVE, expected: '2026-03-29T19:00:00.000Z' },
    { input: 'domattina', now: AUTUMN_EVE, expected: '2026-10-25T08:00:00.000Z' },
    { input: 'domani sera', now: AUTUMN_EVE, expected: '2026-10-25T20:00:00.000Z' },
    { input: 'stasera', now: AUTUMN_EVE, expected: '2026-10-24T19:00:00.000Z' },
    {
      input: 'stanotte alle 2:30',
      now: AUTUMN_EVE,
      expected: '2026-10-25T00:30:00.000Z',
      dst: 'overlap_earlier',
    },
    { input: 'half past nine tonight', now: AUTUMN_EVE, expected: '2026-10-24T19:30:00.000Z' },
  ];

  it.each(cases)('reads "$input" at $now as $expected', ({ input, now, expected, dst }) => {
    const result = parseWhen(input, rome(new Date(now)));
    expect(result).toEqual({
      ok: true,
      value: dst === undefined ? { at: new Date(expected) } : { at: new Date(expected), dst },
    });
  });
});

describe('timeExamples', () => {
  it.each(['it', 'en'] as const)('gives %s examples that the reader itself accepts', (language) => {
    const examples = timeExamples(language);
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const example of examples) {
      expect(parseWhen(example, rome(SATURDAY_LATE_MORNING, language)).ok).toBe(true);
    }
  });

  it('gives the examples in the language asked for', () => {
    expect(timeExamples('it')).toContain('domani alle 9');
    expect(timeExamples('en')).toContain('tomorrow 9am');
  });
});

describe('the time examples in /help and README.md', () => {
  function quotedIn(line: string): string[] {
    return [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
  }

  it.each([
    [
      'it',
      'Orari:',
      'Senza ora:',
      { morning: 'mattina', afternoon: 'pomeriggio', evening: 'sera', night: 'notte' },
    ],
    [
      'en',
      'Times:',
      'Without an hour:',
      { morning: 'morning', afternoon: 'afternoon', evening: 'evening', night: 'night' },
    ],
  ] as const)(
    'in %s are read by the reader and state the hours it uses',
    (language, timesLabel, hoursLabel, names) => {
      const lines = t(language, 'help.text').split('\n');
      const times = lines.find((line) => line.startsWith(timesLabel)) ?? '';
      const examples = quotedIn(times);
      expect(examples.length).toBeGreaterThanOrEqual(5);
      for (const example of examples) {
        expect(parseWhen(example, rome(SATURDAY_EARLY, language)).ok, example).toBe(true);
      }
      const hours = lines.find((line) => line.startsWith(hoursLabel)) ?? '';
      for (const [part, name] of Object.entries(names)) {
        expect(hours).toContain(`${name} ${formatDayPartMinute(DAY_PARTS[part as DayPartName].usual)}`);
      }
      for (const example of quotedIn(hours)) {
        expect(parseWhen(example, rome(SATURDAY_EARLY, language)).ok, example).toBe(true);
      }
    },
  );

  it("states in README.md each part of the day's hours and usual hour as the reader uses them", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = new Map(
      readme
        .split('\n')
        .filter((line) => line.startsWith('| '))
        .map((line) => line.split('|').map((cell) => cell.trim()))
        .map((cells) => [cells[1] ?? '', cells] as const),
    );
    for (const [part, hours] of Object.entries(DAY_PARTS)) {
      const cells = rows.get(part);
      expect(cells, part).toBeDefined();
      expect(cells?.[4]).toContain(`${formatDayPartMinute(hours.first)}–${formatDayPartMinute(hours.last)}`);
      expect(cells?.[5]).toBe(formatDayPartMinute(hours.usual));
      const written = `${cells?.[2] ?? ''} ${cells?.[3] ?? ''}`;
      for (const example of [...written.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '')) {
        const read = parseWhen(example, rome(SATURDAY_EARLY));
        expect(read.ok || read.error.code === 'in_past', example).toBe(true);
      }
    }
  });
});

describe('parseWhen properties', () => {
  const ITALIAN_MONTHS = [
    'gennaio',
    'febbraio',
    'marzo',
    'aprile',
    'maggio',
    'giugno',
    'luglio',
    'agosto',
    'settembre',
    'ottobre',
    'novembre',
    'dicembre',
  ];
  const ZONES = ['Europe/Rome', 'America/New_York', 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe'] as const;
  const options = fc.record({
    now: fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    timeZone: fc.constantFrom(...ZONES),
    language: fc.constantFrom<Language>('it', 'en'),
  });
  const codeUnits = fc
    .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 })
    .map((units) => String.fromCharCode(...units));
  const vocabulary = fc
    .array(
      fc.constantFrom(
        'domani',
        'alle',
        'ore',
        'h',
        'at',
        '9',
        '9:30',
        '25:00',
        '9.30',
        'pm',
        'am',
        'lunedì',
        'prossimo',
        'next',
        'dicembre',
        'december',
        '1',
        '31',
        '2026',
        '1/12',
        'tra',
        'in',
        '2',
        'ore',
        'giorni',
        'minuti',
        'mezzogiorno',
        'stasera',
        'sera',
        'domattina',
        'stanotte',
        'tonight',
        'mattina',
        'notte',
        'pomeriggio',
        'di',
        'e',
        'mezza',
        'meno',
        'un quarto',
        'half',
        'quarter',
        'past',
        'to',
        'mezzanotte',
        'midnight',
        'nove',
        'nine',
        '2026-03-29T02:30',
        '+01:00',
        'Z',
        '',
        '🚀',
      ),
      { maxLength: 6 },
    )
    .map((words) => words.join(' '));
  const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), codeUnits, vocabulary);

  it('never throws and always answers within its contract', () => {
    fc.assert(
      fc.property(anyText, options, (input, opts) => {
        const result = parseWhen(input, opts);
        if (result.ok) {
          expect(result.value.at).toBeInstanceOf(Date);
          const at = result.value.at.getTime();
          expect(Number.isFinite(at)).toBe(true);
          expect(at).toBeGreaterThanOrEqual(opts.now.getTime() - 60_000);
          expect([undefined, 'gap_moved_forward', 'overlap_earlier']).toContain(result.value.dst);
        } else {
          expect(['empty', 'unreadable', 'in_past', 'day_part_mismatch']).toContain(result.error.code);
          if (result.error.code === 'in_past') {
            expect(result.error.readAs?.getTime()).toBeLessThan(opts.now.getTime() - 60_000);
          }
          expect(result.error.dayPart !== undefined).toBe(result.error.code === 'day_part_mismatch');
        }
      }),
      { numRuns: 2000 },
    );
  });

  /** Minutes after local midnight of the instant, in the zone. */
  function localMinutes(at: Date, timeZone: string): number {
    const [hh, mm] = formatLocalClock(at, timeZone).split(':');
    return Number(hh) * 60 + Number(mm);
  }

  function withinDayPart(part: DayPartName, minutes: number): boolean {
    const { first, last } = DAY_PARTS[part];
    return (minutes >= first && minutes <= last) || (minutes + 1440 >= first && minutes + 1440 <= last);
  }

  const dayWords = fc.constantFrom(
    '',
    'oggi',
    'domani',
    'dopodomani',
    'lunedì',
    'venerdì prossimo',
    'tra 3 giorni',
    'today',
    'tomorrow',
    'friday',
    '1 dicembre',
    'december 1',
  );
  const partWords = fc.constantFrom<readonly [string, DayPartName]>(
    ['mattina', 'morning'],
    ['di mattina', 'morning'],
    ['del mattino', 'morning'],
    ['in the morning', 'morning'],
    ['pomeriggio', 'afternoon'],
    ['del pomeriggio', 'afternoon'],
    ['afternoon', 'afternoon'],
    ['sera', 'evening'],
    ['di sera', 'evening'],
    ['in serata', 'evening'],
    ['evening', 'evening'],
    ['notte', 'night'],
    ['di notte', 'night'],
    ['night', 'tonight'],
  );
  const oneWordParts = fc.constantFrom<readonly [string, DayPartName]>(
    ['domattina', 'morning'],
    ['stamattina', 'morning'],
    ['stamani', 'morning'],
    ['stasera', 'evening'],
    ['sta sera', 'evening'],
    ['stanotte', 'night'],
    ['tonight', 'tonight'],
  );
  const clocks = fc.oneof(
    fc.constant(''),
    fc.integer({ min: 0, max: 23 }).map((h) => `alle ${h}`),
    fc
      .record({ h: fc.integer({ min: 0, max: 23 }), m: fc.integer({ min: 0, max: 59 }) })
      .map(({ h, m }) => `alle ${h}:${String(m).padStart(2, '0')}`),
    fc
      .record({
        h: fc.integer({ min: 1, max: 12 }),
        tail: fc.constantFrom('e mezza', 'e un quarto', 'meno un quarto', 'e 10', 'meno 5'),
      })
      .map(({ h, tail }) => `alle ${h} ${tail}`),
    fc
      .record({ h: fc.integer({ min: 1, max: 12 }), m: fc.constantFrom('am', 'pm') })
      .map(({ h, m }) => `${h}${m}`),
    fc
      .record({
        words: fc.constantFrom('half past', 'quarter past', 'quarter to'),
        h: fc.integer({ min: 1, max: 12 }),
      })
      .map(({ words, h }) => `${words} ${h}`),
    fc.constantFrom('a mezzogiorno', 'a mezzanotte', 'at noon', 'at midnight'),
  );
  const dayPartExpression = fc.oneof(
    fc.tuple(dayWords, partWords, clocks).map(([day, [word, part], clock]) => ({
      text: [day, word, clock].filter((w) => w !== '').join(' '),
      part,
      hasClock: clock !== '',
    })),
    fc.tuple(dayWords, partWords, clocks).map(([day, [word, part], clock]) => ({
      text: [day, clock, word].filter((w) => w !== '').join(' '),
      part,
      hasClock: clock !== '',
    })),
    fc.tuple(oneWordParts, clocks).map(([[word, part], clock]) => ({
      text: [word, clock].filter((w) => w !== '').join(' '),
      part,
      hasClock: clock !== '',
    })),
  );

  it("reads any part-of-the-day expression to a future instant whose local time is in that part's hours, or refuses it", () => {
    fc.assert(
      fc.property(dayPartExpression, options, ({ text, part, hasClock }, opts) => {
        const result = parseWhen(text, opts);
        if (!result.ok) {
          // Well formed: refused only for being past or for an hour outside the part.
          expect(['in_past', 'day_part_mismatch'], text).toContain(result.error.code);
          return;
        }
        expect(result.value.at.getTime()).toBeGreaterThanOrEqual(opts.now.getTime() - 60_000);
        const minutes = localMinutes(result.value.at, opts.timeZone);
        expect(
          withinDayPart(part, minutes),
          `${text} → ${formatLocalClock(result.value.at, opts.timeZone)}`,
        ).toBe(true);
        if (!hasClock && result.value.dst !== 'gap_moved_forward') {
          expect(minutes, text).toBe(DAY_PARTS[part].usual % 1440);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reads an ISO 8601 string with an offset as exactly that instant', () => {
    fc.assert(
      fc.property(
        options,
        fc.integer({ min: 0, max: 10 * 365 * 24 * 3600 * 1000 }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        (opts, ahead, offsetMinutes) => {
          const at = opts.now.getTime() + ahead;
          const local = new Date(at + offsetMinutes * 60_000).toISOString().slice(0, 23);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const result = parseWhen(`${local}${offset}`, opts);
          expect(result.ok && result.value.at.getTime()).toBe(at);
          const utc = parseWhen(new Date(at).toISOString(), opts);
          expect(utc.ok && utc.value.at.getTime()).toBe(at);
        },
      ),
    );
  });

  it('reads "tra N minuti" as exactly N minutes after now', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 0, max: 99_999 }), (opts, minutes) => {
        const result = parseWhen(`tra ${minutes} minuti`, opts);
        expect(result.ok && result.value.at.getTime()).toBe(opts.now.getTime() + minutes * 60_000);
      }),
    );
  });

  it('reads a future local date and time back as the same local day and clock, unless it was in a gap', () => {
    const wall = fc.record({
      daysAhead: fc.integer({ min: 1, max: 3000 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
    });
    fc.assert(
      fc.property(options, wall, (opts, { daysAhead, hour, minute }) => {
        const target = new Date(opts.now.getTime() + daysAhead * 86_400_000);
        const [year, month, day] = localDay(target, opts.timeZone).split('-');
        const clock = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
        const monthName = ITALIAN_MONTHS[Number(month) - 1];
        const result = parseWhen(`${Number(day)} ${monthName} ${year} alle ${clock}`, opts);
        expect(result.ok).toBe(true);
        if (result.ok && result.value.dst !== 'gap_moved_forward') {
          expect(localDay(result.value.at, opts.timeZone)).toBe(`${year}-${month}-${day}`);
          expect(formatLocalClock(result.value.at, opts.timeZone)).toBe(clock);
        }
      }),
    );
  });
});
