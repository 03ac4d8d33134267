import { IANAZone } from 'luxon';
import { AppError } from './app-error.ts';
import type { Language } from './language.ts';
import { err, ok, type Result } from './result.ts';

/** Why a time expression was refused: nothing given, not understood, or already past. */
export type TimeRefusalCode = 'empty' | 'unreadable' | 'in_past';

/**
 * A time expression that was refused. `input` is the text as given, trimmed and
 * cut to 200 characters so it can be echoed back safely.
 */
export interface TimeRefusal {
  readonly code: TimeRefusalCode;
  readonly input: string;
  /** when code is in_past: the instant that was read */
  readonly readAs?: Date;
}

/** How a local time that does not exist once was resolved. */
export type DstResolution = 'gap_moved_forward' | 'overlap_earlier';

/**
 * A time that was read: the absolute instant, and `dst` only when the local
 * wall-clock time fell in a daylight-saving gap or overlap and had to be
 * resolved (so the echo can say so).
 */
export interface ReadTime {
  readonly at: Date;
  readonly dst?: DstResolution;
}

/** What reading a time depends on besides the text. */
export interface ReadTimeOptions {
  /** the instant "now", from the injected clock */
  readonly now: Date;
  /** IANA zone of the team, e.g. "Europe/Rome"; calendar forms are wall-clock times in it */
  readonly timeZone: string;
  /** only a hint for ambiguous order; both languages are always accepted */
  readonly language: Language;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Longer input is refused unread: no time expression needs it, and it bounds the work. */
const MAX_INPUT_LENGTH = 200;
/** "adesso" typed a few seconds before the command is handled is still now, not the past. */
const GRACE_MS = 60 * 1000;
/** The hour a day named without a time ("domani", "lunedì", "1 dicembre") means. */
const DEFAULT_HOUR = 9;

interface CalendarDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

interface WallTime extends CalendarDay {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

interface Clock {
  readonly hour: number;
  readonly minute: number;
}

/** What the day part of an expression names, before it meets the clock and "now". */
type DayPart =
  | { readonly kind: 'none' }
  | { readonly kind: 'today'; readonly evening: boolean }
  | { readonly kind: 'days_ahead'; readonly days: number; readonly keepClock: boolean }
  | { readonly kind: 'weekday'; readonly weekday: number; readonly next: boolean }
  | {
      readonly kind: 'date';
      readonly month: number;
      readonly day: number;
      readonly year?: number;
      /** ISO weekday written with the date ("martedì 1 dicembre"); it must agree */
      readonly weekday?: number;
    };

/** A reading before the past check: an exact instant, or a local wall time in the zone. */
type Reading =
  | { readonly kind: 'instant'; readonly at: number }
  | { readonly kind: 'wall'; readonly wall: WallTime };

interface Context {
  readonly now: number;
  readonly zone: IANAZone;
  readonly language: Language;
  readonly today: CalendarDay;
  /** ISO weekday of today in the zone: 1 = Monday … 7 = Sunday */
  readonly todayWeekday: number;
  readonly nowClock: WallTime;
}

const NOW_WORDS: ReadonlySet<string> = new Set([
  'adesso',
  'ora',
  'subito',
  'immediatamente',
  'ora stesso',
  'now',
  'right now',
  'immediately',
  'asap',
]);

const WEEKDAYS: Readonly<Record<string, number>> = {
  lunedi: 1,
  lun: 1,
  martedi: 2,
  // "mar" is left out: it is also March.
  mercoledi: 3,
  mer: 3,
  giovedi: 4,
  gio: 4,
  venerdi: 5,
  ven: 5,
  sabato: 6,
  sab: 6,
  domenica: 7,
  dom: 7,
  monday: 1,
  mon: 1,
  tuesday: 2,
  tue: 2,
  tues: 2,
  wednesday: 3,
  wed: 3,
  thursday: 4,
  thu: 4,
  thur: 4,
  thurs: 4,
  friday: 5,
  fri: 5,
  saturday: 6,
  sat: 6,
  sunday: 7,
  sun: 7,
};

const MONTHS: Readonly<Record<string, number>> = {
  gennaio: 1,
  gen: 1,
  febbraio: 2,
  feb: 2,
  marzo: 3,
  mar: 3,
  aprile: 4,
  apr: 4,
  maggio: 5,
  mag: 5,
  giugno: 6,
  giu: 6,
  luglio: 7,
  lug: 7,
  agosto: 8,
  ago: 8,
  settembre: 9,
  set: 9,
  sett: 9,
  ottobre: 10,
  ott: 10,
  novembre: 11,
  nov: 11,
  dicembre: 12,
  dic: 12,
  january: 1,
  jan: 1,
  february: 2,
  march: 3,
  april: 4,
  may: 5,
  june: 6,
  jun: 6,
  july: 7,
  jul: 7,
  august: 8,
  aug: 8,
  september: 9,
  sep: 9,
  sept: 9,
  october: 10,
  oct: 10,
  november: 11,
  december: 12,
  dec: 12,
};

const WEEKDAY_WORD = `(${Object.keys(WEEKDAYS).join('|')})`;
const MONTH_WORD = `(${Object.keys(MONTHS).join('|')})`;
const ORDINAL = '(?:st|nd|rd|th)?';
/** Spelled-out "one" ("tra un'ora", "in an hour"). */
const AMOUNT = '(\\d{1,5}|un|una|uno|a|an|one)';
const MINUTE_UNIT = '(?:minuti|minuto|min|mins|minute|minutes|m)';
const HOUR_UNIT = '(?:ore|ora|h|hr|hrs|hour|hours)';

// Exact elapsed time from now: "tra 2 ore", "in 30 minutes", "tra 1 ora e 30 minuti".
const RELATIVE_ELAPSED = new RegExp(
  `^(?:tra|fra|in)\\s+${AMOUNT}\\s*(${MINUTE_UNIT}|${HOUR_UNIT})(?:\\s+(?:e|and)\\s+(\\d{1,5})\\s*${MINUTE_UNIT})?$`,
);
const HOUR_UNIT_ONLY = new RegExp(`^${HOUR_UNIT}$`);
const HALF_HOUR = /^(?:tra|fra|in)\s+(?:mezz\s*ora|mezzora|half an hour|a half hour)$/;

// Full ISO 8601 date-time; without an offset it is a local time in the zone.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:\s?(z|[+-]\d{2}(?::?\d{2})?))?$/;

// Time-of-day patterns, tried in order; each must stand between spaces.
const NOON = /(?<!\S)(?:(?:a|alle|at)\s+)?(?:mezzogiorno|mezzodi|noon|midday)(?!\S)/;
const MARKED_CLOCK =
  /(?<!\S)(?:(?:alle|all|ore|h|at|@)\s*){1,3}(\d{1,2})(?:[:.](\d{2}))?(?:\s*(am|pm))?(?!\S)/;
const SEPARATED_CLOCK = /(?<!\S)(\d{1,2})[:.](\d{2})(?:\s*(am|pm))?(?!\S)/;
const MERIDIEM_CLOCK = /(?<!\S)(\d{1,2})\s*(am|pm)(?!\S)/;
const TRAILING_HOUR = /^(.*\S)\s+(\d{1,2})$/;
// "di sera", "del pomeriggio", "in the evening", "questa sera": afternoon/evening move 1–11 to 13–23.
const PART_OF_DAY =
  /(?<!\S)(?:(?:di|del|in the|this|questa|questo)\s+)?(mattina|mattino|pomeriggio|sera|morning|afternoon|evening)(?!\S)/;

// Day parts, matched against what is left once the time of day is taken out.
const TODAY = /^(?:oggi|today|in giornata|stamattina|stamani|stamane)$/;
const TONIGHT = /^(?:stasera|tonight)$/;
const TOMORROW = /^(?:domani|tomorrow)$/;
const AFTER_TOMORROW = /^(?:dopodomani|day after tomorrow)$/;
const WEEKDAY_DAY = new RegExp(
  `^(?:(prossimo|prossima|next|questo|questa|this)\\s+)?${WEEKDAY_WORD}(?:\\s+(prossimo|prossima|next))?$`,
);
const DAYS_AHEAD = new RegExp(
  `^(?:tra|fra|in)\\s+${AMOUNT}\\s*(giorni|giorno|gg|settimane|settimana|days|day|weeks|week)$`,
);
const DAY_MONTH = new RegExp(
  `^(?:${WEEKDAY_WORD}\\s+)?(\\d{1,2})${ORDINAL}\\s+(?:of\\s+)?${MONTH_WORD}(?:\\s+(\\d{4}))?$`,
);
const MONTH_DAY = new RegExp(
  `^(?:${WEEKDAY_WORD}\\s+)?${MONTH_WORD}\\s+(\\d{1,2})${ORDINAL}(?:\\s+(\\d{4}))?$`,
);
const NUMERIC_DATE = new RegExp(
  `^(?:${WEEKDAY_WORD}\\s+)?(\\d{1,2})([/.-])(\\d{1,2})(?:\\3(\\d{4}|\\d{2}))?$`,
);
const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

const EXAMPLES: Readonly<Record<Language, readonly string[]>> = {
  it: Object.freeze([
    'domani alle 9',
    'lunedì prossimo alle 18:30',
    '1 dicembre 9:00',
    'tra 2 ore',
    '2026-12-01T09:00+01:00',
  ]),
  en: Object.freeze([
    'tomorrow 9am',
    'next monday at 18:30',
    'december 1 9:00',
    'in 2 hours',
    '2026-12-01T09:00+01:00',
  ]),
};

/**
 * Reads when a post should go out, from what a person typed in chat, in Italian
 * or English whatever `language` is.
 *
 * Accepted: ISO 8601 with an offset or Z (exact), ISO without an offset or a
 * date alone (local); "adesso"/"now"; relative "tra 2 ore", "in 30 minutes"
 * (exact elapsed time added to `now`, so they ignore DST); "tra 3 giorni"
 * (calendar days in the zone, at the given time or else at the current local
 * clock time); days ("oggi", "stasera", "domani", "dopodomani", weekdays,
 * "1 dicembre", "december 1", "1/12", "01/12/2026") with an optional time
 * ("alle 9", "ore 9", "h 9", "9:30", "9.30", "9am", "mezzogiorno", "noon").
 * Case, accents, apostrophes and surrounding spaces do not matter.
 *
 * Rules for the ambiguous cases:
 * - A day without a time ("domani", "lunedì", "1 dicembre", "2026-12-01",
 *   "domani mattina") means 09:00 local. Evening and afternoon words
 *   ("stasera", "tonight", "domani sera", "del pomeriggio") need a time, and
 *   turn an hour from 1 to 11 without am/pm into the afternoon: "stasera alle
 *   9" is 21:00. A bare number after a day is the hour: "domani 9".
 * - A time without a day ("alle 15", "mezzogiorno") means today; if that has
 *   passed it is refused as `in_past`, never moved to tomorrow.
 * - A weekday ("lunedì") means the next such day after today, or today itself
 *   when the time is still ahead. "lunedì prossimo"/"next monday" is the same
 *   day, except that it never means today: then it is a week later.
 * - A date without a year means this year, or next year when that day is
 *   already over; on the day itself a passed time is `in_past`.
 * - A numeric date is day/month in both languages, as written in Italy and
 *   across Europe ("1/12" is 1 December); month/day only when that is the
 *   sole valid reading ("12/25").
 * - Calendar forms are local wall-clock times in `timeZone`. One that does not
 *   exist (spring gap) moves forward by the gap: 02:30 becomes 03:30 with
 *   `dst: 'gap_moved_forward'`. One that happens twice (autumn) is the earlier
 *   instant, with `dst: 'overlap_earlier'`.
 * - A time more than 60 seconds before `now` is `in_past` with `readAs`; the
 *   grace keeps "adesso" and "alle 15" typed at 15:00:20 from being refused.
 * - Impossible dates or times ("31 febbraio", "25:00") are `unreadable`.
 *
 * Never throws for any input text; over 200 characters is `unreadable` unread.
 * Throws AppError only for a bad `timeZone` (`config_invalid`) or an invalid
 * `now` (`invariant_broken`): those are bugs, not user input.
 */
export function parseWhen(input: string, options: ReadTimeOptions): Result<ReadTime, TimeRefusal> {
  const context = createContext(options);
  const shown = typeof input === 'string' ? shownInput(input) : '';
  try {
    if (typeof input !== 'string') return err({ code: 'unreadable', input: shown });
    const trimmed = input.trim();
    if (trimmed.length > MAX_INPUT_LENGTH) return err({ code: 'unreadable', input: shown });
    const text = normalize(trimmed);
    if (text === '') return err({ code: 'empty', input: shown });
    const reading = read(text, context);
    if (reading === undefined) return err({ code: 'unreadable', input: shown });
    const resolved =
      reading.kind === 'instant' ? { at: reading.at } : resolveWall(context.zone, reading.wall);
    if (resolved === undefined || !isInstant(resolved.at)) return err({ code: 'unreadable', input: shown });
    const at = new Date(resolved.at);
    if (resolved.at < context.now - GRACE_MS) return err({ code: 'in_past', input: shown, readAs: at });
    return ok(resolved.dst === undefined ? { at } : { at, dst: resolved.dst });
  } catch {
    // A reader bug must not turn a typo in chat into a crash; the person gets
    // the examples and can try again.
    return err({ code: 'unreadable', input: shown });
  }
}

/**
 * Examples shown to a person whose time could not be read, in their language.
 * Each one is accepted by parseWhen (the ISO one only until its date passes).
 */
export function timeExamples(language: Language): readonly string[] {
  return EXAMPLES[language];
}

function createContext(options: ReadTimeOptions): Context {
  if (!IANAZone.isValidZone(options.timeZone)) {
    throw new AppError('config_invalid', `Unknown IANA time zone: ${JSON.stringify(options.timeZone)}`);
  }
  const now = options.now instanceof Date ? options.now.getTime() : Number.NaN;
  if (!isInstant(now)) throw new AppError('invariant_broken', 'parseWhen needs a valid "now"');
  const zone = IANAZone.create(options.timeZone) as IANAZone;
  const local = new Date(now + zone.offset(now) * MINUTE_MS);
  const nowClock: WallTime = {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    millisecond: local.getUTCMilliseconds(),
  };
  return {
    now,
    zone,
    language: options.language,
    today: { year: nowClock.year, month: nowClock.month, day: nowClock.day },
    todayWeekday: ((local.getUTCDay() + 6) % 7) + 1,
    nowClock,
  };
}

function shownInput(input: string): string {
  const trimmed = input.trim();
  if (trimmed.length <= MAX_INPUT_LENGTH) return trimmed;
  // Do not cut a surrogate pair in half.
  const cut = trimmed.slice(0, MAX_INPUT_LENGTH);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** Lower case, no accents, no invisible characters, single spaces. */
function normalize(input: string): string {
  return input
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/\p{Cf}/gu, '')
    .replace(/\p{Cc}/gu, ' ')
    .replace(/(?<![a-z])([ap])\.\s?m\.?(?![a-z])/g, '$1m')
    .replace(/['’‘`´,]/g, ' ')
    .replace(/°/g, '')
    .replace(/([a-z])\.(?=\s|$)/g, '$1')
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(/[.!?;]+$/, '')
    .trim();
}

function read(text: string, context: Context): Reading | undefined {
  if (NOW_WORDS.has(text)) return { kind: 'instant', at: context.now };
  return readIsoDateTime(text) ?? readElapsed(text, context) ?? readCalendar(text, context);
}

function readIsoDateTime(text: string): Reading | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, offset] = m;
  const wall: WallTime = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: s === undefined ? 0 : Number(s),
    millisecond: fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0')),
  };
  if (!isValidWallTime(wall)) return undefined;
  if (offset === undefined) return { kind: 'wall', wall };
  const offsetMinutes = parseOffset(offset);
  if (offsetMinutes === undefined) return undefined;
  return { kind: 'instant', at: wallAsUtc(wall) - offsetMinutes * MINUTE_MS };
}

function parseOffset(offset: string): number | undefined {
  if (offset === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset);
  if (m === null) return undefined;
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  if (hours > 23 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function readElapsed(text: string, context: Context): Reading | undefined {
  if (HALF_HOUR.test(text)) return { kind: 'instant', at: context.now + 30 * MINUTE_MS };
  const m = RELATIVE_ELAPSED.exec(text);
  if (m === null) return undefined;
  const [, amount, unit, extraMinutes] = m;
  const n = parseAmount(amount);
  if (n === undefined || unit === undefined) return undefined;
  const isHours = HOUR_UNIT_ONLY.test(unit);
  if (!isHours && extraMinutes !== undefined) return undefined;
  const extra = extraMinutes === undefined ? 0 : Number(extraMinutes);
  return { kind: 'instant', at: context.now + n * (isHours ? HOUR_MS : MINUTE_MS) + extra * MINUTE_MS };
}

function parseAmount(amount: string | undefined): number | undefined {
  if (amount === undefined) return undefined;
  return /^\d+$/.test(amount) ? Number(amount) : 1;
}

function readCalendar(text: string, context: Context): Reading | undefined {
  let rest = text;
  let evening = false;
  const part = PART_OF_DAY.exec(rest);
  if (part !== null) {
    evening = !['mattina', 'mattino', 'morning'].includes(part[1] ?? '');
    rest = removeMatch(rest, part);
  }

  let clock: Clock | undefined;
  let meridiem = false;
  const taken = takeClock(rest);
  if (taken === 'invalid') return undefined;
  let dayPart: DayPart | undefined;
  if (taken !== undefined) {
    clock = taken.clock;
    meridiem = taken.meridiem;
    dayPart = readDay(taken.rest);
  } else {
    dayPart = readDay(rest);
    // "domani 9": a bare number after a day is the hour.
    const trailing = dayPart === undefined ? TRAILING_HOUR.exec(rest) : null;
    if (trailing !== null) {
      const hour = Number(trailing[2]);
      if (hour > 23) return undefined;
      dayPart = readDay(trailing[1] ?? '');
      if (dayPart?.kind === 'none') return undefined;
      clock = { hour, minute: 0 };
    }
  }
  if (dayPart === undefined) return undefined;

  if (dayPart.kind === 'today' && dayPart.evening) evening = true;
  // "domani sera" or "stasera" alone names no hour, and 09:00 would contradict it.
  if (clock === undefined && evening) return undefined;
  if (clock !== undefined && evening && !meridiem && clock.hour >= 1 && clock.hour <= 11) {
    clock = { hour: clock.hour + 12, minute: clock.minute };
  }
  return placeDay(dayPart, clock, context);
}

function removeMatch(text: string, match: RegExpExecArray): string {
  return `${text.slice(0, match.index)} ${text.slice(match.index + match[0].length)}`
    .replace(/\s+/g, ' ')
    .trim();
}

/** Finds the time of day in the text, and returns it with the rest of the text. */
function takeClock(
  text: string,
): { readonly clock: Clock; readonly meridiem: boolean; readonly rest: string } | 'invalid' | undefined {
  const noon = NOON.exec(text);
  if (noon !== null) return { clock: { hour: 12, minute: 0 }, meridiem: true, rest: removeMatch(text, noon) };
  for (const pattern of [MARKED_CLOCK, SEPARATED_CLOCK, MERIDIEM_CLOCK]) {
    const m = pattern.exec(text);
    if (m === null) continue;
    const hasMinutes = pattern !== MERIDIEM_CLOCK;
    const hour = Number(m[1]);
    const minute = hasMinutes && m[2] !== undefined ? Number(m[2]) : 0;
    const suffix = hasMinutes ? m[3] : m[2];
    const clock = toClock(hour, minute, suffix);
    return clock === undefined
      ? 'invalid'
      : { clock, meridiem: suffix !== undefined, rest: removeMatch(text, m) };
  }
  return undefined;
}

function toClock(hour: number, minute: number, meridiem: string | undefined): Clock | undefined {
  if (minute > 59) return undefined;
  if (meridiem === undefined) return hour <= 23 ? { hour, minute } : undefined;
  if (hour < 1 || hour > 12) return undefined;
  const base = hour === 12 ? 0 : hour;
  return { hour: meridiem === 'pm' ? base + 12 : base, minute };
}

/** Reads the day part; undefined when it is not one. */
function readDay(text: string): DayPart | undefined {
  const rest = text.replace(/^(?:il|di|on|the|per|for)\s+/, '');
  if (rest === '') return { kind: 'none' };
  if (TODAY.test(rest)) return { kind: 'today', evening: false };
  if (TONIGHT.test(rest)) return { kind: 'today', evening: true };
  if (TOMORROW.test(rest)) return { kind: 'days_ahead', days: 1, keepClock: false };
  if (AFTER_TOMORROW.test(rest)) return { kind: 'days_ahead', days: 2, keepClock: false };

  const weekday = WEEKDAY_DAY.exec(rest);
  if (weekday !== null) {
    const [, before, name, after] = weekday;
    const next = [before, after].some((w) => w === 'prossimo' || w === 'prossima' || w === 'next');
    return { kind: 'weekday', weekday: WEEKDAYS[name ?? ''] ?? 0, next };
  }

  const ahead = DAYS_AHEAD.exec(rest);
  if (ahead !== null) {
    const n = parseAmount(ahead[1]);
    if (n === undefined) return undefined;
    const weeks = /^(?:settiman|week)/.test(ahead[2] ?? '');
    return { kind: 'days_ahead', days: weeks ? n * 7 : n, keepClock: true };
  }

  return readDate(rest);
}

function readDate(text: string): DayPart | undefined {
  const iso = ISO_DATE.exec(text);
  if (iso !== null) return checkedDate(Number(iso[2]), Number(iso[3]), Number(iso[1]), undefined);

  const dayMonth = DAY_MONTH.exec(text);
  if (dayMonth !== null) {
    const [, weekday, day, month, year] = dayMonth;
    return checkedDate(MONTHS[month ?? ''] ?? 0, Number(day), optionalYear(year), weekday);
  }
  const monthDay = MONTH_DAY.exec(text);
  if (monthDay !== null) {
    const [, weekday, month, day, year] = monthDay;
    return checkedDate(MONTHS[month ?? ''] ?? 0, Number(day), optionalYear(year), weekday);
  }
  const numeric = NUMERIC_DATE.exec(text);
  if (numeric !== null) {
    const [, weekday, first, , second, year] = numeric;
    const a = Number(first);
    const b = Number(second);
    // Day first, as Italian staff write dates whatever the team's language;
    // month first only when it is the sole valid reading.
    const monthFirst = a <= 12 && b > 12;
    const y = year === undefined ? undefined : year.length === 2 ? 2000 + Number(year) : Number(year);
    return monthFirst ? checkedDate(a, b, y, weekday) : checkedDate(b, a, y, weekday);
  }
  return undefined;
}

function optionalYear(year: string | undefined): number | undefined {
  return year === undefined ? undefined : Number(year);
}

/** A named date, if its numbers are in range; the rest is checked once the year is known. */
function checkedDate(
  month: number,
  day: number,
  year: number | undefined,
  weekdayName: string | undefined,
): DayPart | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const weekday = weekdayName === undefined ? undefined : WEEKDAYS[weekdayName];
  return {
    kind: 'date',
    month,
    day,
    ...(year === undefined ? {} : { year }),
    ...(weekday === undefined ? {} : { weekday }),
  };
}

/** Combines the day part with the clock into a wall time, applying the rules of parseWhen. */
function placeDay(dayPart: DayPart, clock: Clock | undefined, context: Context): Reading | undefined {
  const defaultClock: Clock = clock ?? { hour: DEFAULT_HOUR, minute: 0 };
  switch (dayPart.kind) {
    case 'none':
      return clock === undefined ? undefined : wallReading(context.today, clock);
    case 'today':
      return wallReading(context.today, defaultClock);
    case 'days_ahead': {
      const day = addDays(context.today, dayPart.days);
      if (clock === undefined && dayPart.keepClock) {
        return { kind: 'wall', wall: { ...context.nowClock, ...day } };
      }
      return wallReading(day, defaultClock);
    }
    case 'weekday': {
      const delta = (dayPart.weekday - context.todayWeekday + 7) % 7;
      if (delta !== 0) return wallReading(addDays(context.today, delta), defaultClock);
      if (!dayPart.next) {
        const today = wallReading(context.today, defaultClock);
        const resolved = resolveWall(context.zone, today.wall);
        if (resolved !== undefined && resolved.at >= context.now - GRACE_MS) return today;
      }
      return wallReading(addDays(context.today, 7), defaultClock);
    }
    case 'date': {
      const { month, day, weekday } = dayPart;
      const today = context.today;
      const year =
        dayPart.year ??
        (month < today.month || (month === today.month && day < today.day) ? today.year + 1 : today.year);
      if (day > daysInMonth(year, month)) return undefined;
      if (weekday !== undefined && isoWeekday({ year, month, day }) !== weekday) return undefined;
      return wallReading({ year, month, day }, defaultClock);
    }
  }
}

function wallReading(day: CalendarDay, clock: Clock): { readonly kind: 'wall'; readonly wall: WallTime } {
  return {
    kind: 'wall',
    wall: { ...day, hour: clock.hour, minute: clock.minute, second: 0, millisecond: 0 },
  };
}

function addDays(day: CalendarDay, days: number): CalendarDay {
  const shifted = new Date(
    wallAsUtc({ ...day, hour: 0, minute: 0, second: 0, millisecond: 0 }) + days * DAY_MS,
  );
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

function isoWeekday(day: CalendarDay): number {
  const d = new Date(wallAsUtc({ ...day, hour: 12, minute: 0, second: 0, millisecond: 0 })).getUTCDay();
  return ((d + 6) % 7) + 1;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isValidWallTime(w: WallTime): boolean {
  return (
    w.month >= 1 &&
    w.month <= 12 &&
    w.day >= 1 &&
    w.day <= daysInMonth(w.year, w.month) &&
    w.hour <= 23 &&
    w.minute <= 59 &&
    w.second <= 59
  );
}

/** The wall time read as if it were UTC, in ms; years below 100 stay literal. */
function wallAsUtc(w: WallTime): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, w.millisecond);
  return d.getTime();
}

function isInstant(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
}

/**
 * The instant a local wall time names in the zone. A time in a spring gap is
 * read with the offset from before the gap, which moves it forward by the gap;
 * a time that occurs twice takes the earlier instant.
 */
function resolveWall(
  zone: IANAZone,
  wall: WallTime,
): { readonly at: number; readonly dst?: DstResolution } | undefined {
  const asUtc = wallAsUtc(wall);
  if (!isInstant(asUtc)) return undefined;
  // Offsets a day either side cover every transition that can touch this wall time.
  const offsets = [
    ...new Set([zone.offset(asUtc - DAY_MS), zone.offset(asUtc), zone.offset(asUtc + DAY_MS)]),
  ];
  if (offsets.some((o) => !Number.isFinite(o))) return undefined;
  const candidates = offsets
    .map((o) => asUtc - o * MINUTE_MS)
    .filter((t) => zone.offset(t) * MINUTE_MS === asUtc - t)
    .sort((x, y) => x - y);
  const earliest = candidates[0];
  if (earliest !== undefined) {
    return candidates.length > 1 ? { at: earliest, dst: 'overlap_earlier' } : { at: earliest };
  }
  return { at: asUtc - Math.min(...offsets) * MINUTE_MS, dst: 'gap_moved_forward' };
}
