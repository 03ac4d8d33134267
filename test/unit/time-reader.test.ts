import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/app-error.ts';
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
    'domani alle 9 e 30',
    'domani sera',
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

  it('refuses a 10,000-character input quickly, echoing at most 200 characters', () => {
    const input = 'domani alle 9 '.repeat(715).slice(0, 10_000);
    const started = performance.now();
    const result = parseWhen(input, rome(SATURDAY_LATE_MORNING));
    expect(performance.now() - started).toBeLessThan(100);
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
          const at = result.value.at.getTime();
          expect(Number.isFinite(at)).toBe(true);
          expect(at).toBeGreaterThanOrEqual(opts.now.getTime() - 60_000);
          expect([undefined, 'gap_moved_forward', 'overlap_earlier']).toContain(result.value.dst);
        } else {
          expect(['empty', 'unreadable', 'in_past']).toContain(result.error.code);
          if (result.error.code === 'in_past') {
            expect(result.error.readAs?.getTime()).toBeLessThan(opts.now.getTime() - 60_000);
          }
        }
      }),
      { numRuns: 2000 },
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
