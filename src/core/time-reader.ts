import type { IANAZone } from 'luxon';
import { AppError } from './app-error.ts';
import { removeMatch, takeClock } from './clock-phrase.ts';
import { DAY_PARTS, type DayPartName, placeInDayPart } from './day-parts.ts';
import type { Language } from './language.ts';
import { err, ok, type Result } from './result.ts';
import { ianaZone } from './time-zone.ts';

/**
 * Why a time expression was refused: nothing given, not understood, already
 * past, or an hour that contradicts the part of the day named with it
 * ("domattina alle 20").
 */
export type TimeRefusalCode = 'empty' | 'unreadable' | 'in_past' | 'day_part_mismatch';

/**
 * A time expression that was refused. `input` is the text as given, trimmed and
 * cut to 200 characters so it can be echoed back safely.
 */
export interface TimeRefusal {
  readonly code: TimeRefusalCode;
  readonly input: string;
  /** when code is in_past: the instant that was read */
  readonly readAs?: Date;
  /** when code is day_part_mismatch: the part of the day the hour does not fall in */
  readonly dayPart?: DayPartName;
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
const DAY_MINUTES = 24 * 60;
/** Until this local hour, "stanotte" and "tonight" mean the night under way. */
const NIGHT_ENDS_HOUR = 6;

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

/** The day an expression names, before it meets the clock and "now". */
type NamedDay =
  | { readonly kind: 'none' }
  | { readonly kind: 'today' }
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

/** The day named, and the part of the day a word for it implies ("domattina", "stasera"). */
interface DayReading {
  readonly day: NamedDay;
  readonly part?: DayPartName;
}

/**
 * A reading before the past check: an exact instant, a local wall time in the
 * zone, or an hour that contradicts the part of the day named with it.
 */
type Reading =
  | { readonly kind: 'instant'; readonly at: number }
  | { readonly kind: 'wall'; readonly wall: WallTime }
  | { readonly kind: 'mismatch'; readonly part: DayPartName };

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

const TRAILING_HOUR = /^(?:(.*\S)\s+)?(\d{1,2})$/;

/** Words for a part of the day; English "night" is "tonight", evening and night together. */
const PART_WORDS: Readonly<Record<string, DayPartName>> = {
  mattina: 'morning',
  mattino: 'morning',
  mattinata: 'morning',
  morning: 'morning',
  pomeriggio: 'afternoon',
  afternoon: 'afternoon',
  sera: 'evening',
  serata: 'evening',
  evening: 'evening',
  notte: 'night',
  nottata: 'night',
  night: 'tonight',
};
// "di sera", "del pomeriggio", "nella notte", "in the evening", "at night", "questa mattina".
const PART_OF_DAY = new RegExp(
  `(?<!\\S)(?:(?:di|del|della|nel|nella|in|in the|at|questa|questo|this)\\s+)?(${Object.keys(PART_WORDS).join('|')})(?!\\S)`,
);
// "sta sera", "sta mattina", "sta notte", as often typed.
const SPLIT_TODAY_PART = /(?<!\S)sta\s(mattina|sera|notte)(?!\S)/g;

// Days, matched against what is left once the part of the day and the time of day are taken out.
const TODAY = /^(?:oggi|today|in giornata)$/;
/** One word for a day and a part of it. */
const DAY_WITH_PART: ReadonlyMap<string, DayReading> = new Map<string, DayReading>([
  ['stamattina', { day: { kind: 'today' }, part: 'morning' }],
  ['stamani', { day: { kind: 'today' }, part: 'morning' }],
  ['stamane', { day: { kind: 'today' }, part: 'morning' }],
  ['stasera', { day: { kind: 'today' }, part: 'evening' }],
  ['stanotte', { day: { kind: 'today' }, part: 'night' }],
  ['tonight', { day: { kind: 'today' }, part: 'tonight' }],
  ['domattina', { day: { kind: 'days_ahead', days: 1, keepClock: false }, part: 'morning' }],
]);
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
    'domattina',
    'domani sera alle 21',
    'lunedì prossimo alle 18:30',
    '1 dicembre 9:00',
    'tra 2 ore',
    '2026-12-01T09:00+01:00',
  ]),
  en: Object.freeze([
    'tomorrow 9am',
    'tomorrow morning',
    'tomorrow evening at 9',
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
 * clock time); days ("oggi", "domani", "dopodomani", weekdays, "1 dicembre",
 * "december 1", "1/12", "01/12/2026") with an optional part of the day
 * ("mattina", "pomeriggio", "sera", "notte", "morning", "afternoon",
 * "evening", "night", or one word for both: "domattina", "stamattina",
 * "stasera", "stanotte", "tonight") and an optional time ("alle 9", "ore 9",
 * "h 9", "9:30", "9.30", "9am", "alle 9 e mezza", "alle 18 meno un quarto",
 * "half past nine", "quarter to six", "mezzogiorno", "mezzanotte", "noon",
 * "midnight"). Case, accents, apostrophes and surrounding spaces do not matter.
 *
 * Rules for the ambiguous cases:
 * - A day without a time ("domani", "lunedì", "1 dicembre", "2026-12-01")
 *   means 09:00 local. A part of the day without a time means its usual hour
 *   (DAY_PARTS in day-parts.ts: mattina 09:00, pomeriggio 15:00, sera 21:00,
 *   notte 23:00). With a time, the time must fall in the part's hours, else
 *   `day_part_mismatch`; an hour 1–12 without am/pm moves by 12 hours to fit,
 *   so "stasera alle 9" is 21:00 and "stanotte alle 2" is 02:00 of the next
 *   calendar day. Before 06:00, "stanotte" and "tonight" are the night under
 *   way, so at 01:00 "stanotte alle 2" is an hour later. A bare number after
 *   a day is the hour: "domani 9". Without a part of the day or am/pm an
 *   hour is on the 24-hour clock: "alle 9 e mezza" is 09:30, "quarter to
 *   six" is 05:45.
 * - "Mezzanotte"/"midnight" is the midnight that ends the day named:
 *   "domani a mezzanotte" is 00:00 the day after tomorrow.
 * - A time or part of the day without a day ("alle 15", "mezzogiorno",
 *   "stamattina") means today; if that has passed it is refused as `in_past`,
 *   never moved to tomorrow.
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
    if (reading.kind === 'mismatch')
      return err({ code: 'day_part_mismatch', input: shown, dayPart: reading.part });
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
  const zone = ianaZone(options.timeZone);
  const now = options.now instanceof Date ? options.now.getTime() : Number.NaN;
  if (!isInstant(now)) throw new AppError('invariant_broken', 'parseWhen needs a valid "now"');
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
  let rest = text.replace(SPLIT_TODAY_PART, 'sta$1');
  let part: DayPartName | undefined;
  const partMatch = PART_OF_DAY.exec(rest);
  if (partMatch !== null) {
    part = PART_WORDS[partMatch[1] ?? ''];
    rest = removeMatch(rest, partMatch);
    // "di mattina ... di sera" names two parts: no reading is safe.
    if (PART_OF_DAY.test(rest)) return undefined;
  }

  const taken = takeClock(rest);
  if (taken === 'invalid') return undefined;
  let clock = taken?.clock;
  let dayReading = readDay(taken === undefined ? rest : taken.rest);
  if (taken === undefined && dayReading === undefined) {
    // "domani 9": a bare number after a day is the hour; so is a number
    // alone with a part of the day ("9 di sera").
    const trailing = TRAILING_HOUR.exec(rest);
    if (trailing !== null) {
      const hour = Number(trailing[2]);
      if (hour > 23) return undefined;
      dayReading = readDay(trailing[1] ?? '');
      if (dayReading?.day.kind === 'none' && part === undefined) return undefined;
      clock = { minutes: hour * 60, twelveHour: hour >= 1 && hour <= 12 };
    }
  }
  if (dayReading === undefined) return undefined;
  if (part !== undefined && dayReading.part !== undefined && part !== dayReading.part) return undefined;
  part ??= dayReading.part;

  let minutes: number | undefined;
  if (part === undefined) {
    minutes = clock?.minutes;
  } else if (clock === undefined) {
    minutes = DAY_PARTS[part].usual;
  } else {
    minutes = placeInDayPart(part, clock);
    if (minutes === undefined) return { kind: 'mismatch', part };
  }
  return placeDay(dayReading.day, minutes, part, context);
}

/** Reads the day; undefined when the text is not one. */
function readDay(text: string): DayReading | undefined {
  const rest = text.replace(/^(?:il|di|on|the|per|for)\s+/, '');
  if (rest === '') return { day: { kind: 'none' } };
  const withPart = DAY_WITH_PART.get(rest);
  if (withPart !== undefined) return withPart;
  if (TODAY.test(rest)) return { day: { kind: 'today' } };
  if (TOMORROW.test(rest)) return { day: { kind: 'days_ahead', days: 1, keepClock: false } };
  if (AFTER_TOMORROW.test(rest)) return { day: { kind: 'days_ahead', days: 2, keepClock: false } };

  const weekday = WEEKDAY_DAY.exec(rest);
  if (weekday !== null) {
    const [, before, name, after] = weekday;
    const next = [before, after].some((w) => w === 'prossimo' || w === 'prossima' || w === 'next');
    return { day: { kind: 'weekday', weekday: WEEKDAYS[name ?? ''] ?? 0, next } };
  }

  const ahead = DAYS_AHEAD.exec(rest);
  if (ahead !== null) {
    const n = parseAmount(ahead[1]);
    if (n === undefined) return undefined;
    const weeks = /^(?:settiman|week)/.test(ahead[2] ?? '');
    return { day: { kind: 'days_ahead', days: weeks ? n * 7 : n, keepClock: true } };
  }

  const date = readDate(rest);
  return date === undefined ? undefined : { day: date };
}

function readDate(text: string): NamedDay | undefined {
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
): NamedDay | undefined {
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

/**
 * Puts the time (minutes after the day's midnight, past 1440 for the small
 * hours after it) on the day named, applying the rules of parseWhen; without
 * minutes, a day means DEFAULT_HOUR and a bare time needs a day.
 */
function placeDay(
  day: NamedDay,
  written: number | undefined,
  part: DayPartName | undefined,
  context: Context,
): Reading | undefined {
  let minutes = written;
  const isToday = day.kind === 'none' || day.kind === 'today';
  // Before 06:00, "stanotte" and "tonight" are the night under way: its small
  // hours are today's, not tomorrow's.
  if (
    isToday &&
    minutes !== undefined &&
    minutes >= DAY_MINUTES &&
    (part === 'night' || part === 'tonight') &&
    context.nowClock.hour < NIGHT_ENDS_HOUR
  ) {
    minutes -= DAY_MINUTES;
  }
  const orDefault = minutes ?? DEFAULT_HOUR * 60;
  switch (day.kind) {
    case 'none':
      return minutes === undefined ? undefined : wallReading(context.today, minutes);
    case 'today':
      return wallReading(context.today, orDefault);
    case 'days_ahead': {
      const target = addDays(context.today, day.days);
      if (minutes === undefined && day.keepClock) {
        return { kind: 'wall', wall: { ...context.nowClock, ...target } };
      }
      return wallReading(target, orDefault);
    }
    case 'weekday': {
      const delta = (day.weekday - context.todayWeekday + 7) % 7;
      if (delta !== 0) return wallReading(addDays(context.today, delta), orDefault);
      if (!day.next) {
        const today = wallReading(context.today, orDefault);
        const resolved = resolveWall(context.zone, today.wall);
        if (resolved !== undefined && resolved.at >= context.now - GRACE_MS) return today;
      }
      return wallReading(addDays(context.today, 7), orDefault);
    }
    case 'date': {
      const { month, day: dayOfMonth, weekday } = day;
      const today = context.today;
      const year =
        day.year ??
        (month < today.month || (month === today.month && dayOfMonth < today.day)
          ? today.year + 1
          : today.year);
      if (dayOfMonth > daysInMonth(year, month)) return undefined;
      if (weekday !== undefined && isoWeekday({ year, month, day: dayOfMonth }) !== weekday) return undefined;
      return wallReading({ year, month, day: dayOfMonth }, orDefault);
    }
  }
}

/** The wall time `minutes` after the midnight that starts `day`; 1440 and above fall on the days after. */
function wallReading(day: CalendarDay, minutes: number): { readonly kind: 'wall'; readonly wall: WallTime } {
  const dayShift = Math.floor(minutes / DAY_MINUTES);
  const onDay = dayShift === 0 ? day : addDays(day, dayShift);
  const clock = minutes - dayShift * DAY_MINUTES;
  return {
    kind: 'wall',
    wall: { ...onDay, hour: Math.floor(clock / 60), minute: clock % 60, second: 0, millisecond: 0 },
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
