import type { WrittenClock } from './day-parts.ts';

/**
 * Finding the time of day in a time expression as people write it in chat:
 * "alle 9", "ore 9:30", "9.30", "9pm", "alle 9 e mezza", "alle 18 meno un
 * quarto", "mezzogiorno", "mezzanotte e un quarto", "half past nine",
 * "quarter to six", "nine o'clock".
 *
 * The text is the time reader's normalized form: lower case, no accents,
 * apostrophes and commas turned into spaces, single spaces.
 */

/** The time of day found, and the text around it with the time taken out. */
export interface TakenClock {
  readonly clock: WrittenClock;
  readonly rest: string;
}

const HOUR_WORDS: Readonly<Record<string, number>> = {
  una: 1,
  uno: 1,
  due: 2,
  tre: 3,
  quattro: 4,
  cinque: 5,
  sei: 6,
  sette: 7,
  otto: 8,
  nove: 9,
  dieci: 10,
  undici: 11,
  dodici: 12,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};

const MINUTE_WORDS: Readonly<Record<string, number>> = {
  mezza: 30,
  mezzo: 30,
  quarto: 15,
  'un quarto': 15,
  'tre quarti': 45,
  cinque: 5,
  dieci: 10,
  venti: 20,
  venticinque: 25,
  half: 30,
  quarter: 15,
  'a quarter': 15,
  five: 5,
  ten: 10,
  twenty: 20,
  'twenty five': 25,
  'twenty-five': 25,
};

const NAMED_HOURS: Readonly<Record<string, number>> = {
  mezzogiorno: 12 * 60,
  mezzodi: 12 * 60,
  noon: 12 * 60,
  midday: 12 * 60,
  // The midnight that ends the day named: "domani a mezzanotte" is the night
  // between tomorrow and the day after, as in "entro domani a mezzanotte".
  mezzanotte: 24 * 60,
  midnight: 24 * 60,
};

const HOUR_WORD = `(?:${Object.keys(HOUR_WORDS).join('|')})`;
const HOUR = `(\\d{1,2}|${HOUR_WORD})`;
const NAMED = `(${Object.keys(NAMED_HOURS).join('|')})`;
/** "e mezza", "e un quarto", "e tre quarti", "e 10 (minuti)", "meno un quarto", "meno 5". */
const ITALIAN_MINUTES =
  '(e|meno)\\s+(mezza|mezzo|un quarto|quarto|tre quarti|venticinque|cinque|dieci|venti|\\d{1,2})(?:\\s+minut[io])?';
const ENGLISH_MINUTES = '(half|a quarter|quarter|twenty[ -]five|twenty|ten|five|\\d{1,2})(?:\\s+minutes?)?';
const MERIDIEM = '(?:\\s*(am|pm))?';
const O_CLOCK = '(?:\\s+o\\s?clock)?';
/** Markers before an hour: "alle", "all'", "ore", "h", "at", "@"; a digit may follow without a space. */
const MARKERS = '(?:(?:alle|all|ore|h|at|@)(?:\\s+|(?=\\d))){1,3}';

// Tried in this order; each must stand between spaces.
const PAST_TO = new RegExp(
  `(?<!\\S)(?:(?:at|@)\\s+)?${ENGLISH_MINUTES}\\s+(past|after|to|before)\\s+(?:${HOUR}|${NAMED})${O_CLOCK}${MERIDIEM}(?!\\S)`,
);
const NAMED_CLOCK = new RegExp(`(?<!\\S)(?:(?:a|alle|at|@)\\s+)?${NAMED}(?:\\s+${ITALIAN_MINUTES})?(?!\\S)`);
const MARKED_CLOCK = new RegExp(
  `(?<!\\S)${MARKERS}${HOUR}(?:[:.](\\d{2})|\\s+${ITALIAN_MINUTES})?${O_CLOCK}${MERIDIEM}(?!\\S)`,
);
const WORDED_CLOCK = new RegExp(`(?<!\\S)${HOUR}\\s+${ITALIAN_MINUTES}${MERIDIEM}(?!\\S)`);
const SEPARATED_CLOCK = /(?<!\S)(\d{1,2})[:.](\d{2})(?:\s*(am|pm))?(?!\S)/;
const MERIDIEM_CLOCK = new RegExp(`(?<!\\S)(?:(\\d{1,2})\\s*|(${HOUR_WORD})\\s+)(am|pm)(?!\\S)`);
const O_CLOCK_HOUR = new RegExp(`(?<!\\S)${HOUR}\\s+o\\s?clock${MERIDIEM}(?!\\S)`);

/**
 * Finds the time of day in `text` and returns it with the rest of the text;
 * 'invalid' when a time is written but cannot exist ("25:00", "9:75",
 * "13pm", "half to six"); undefined when the text names no time of day.
 */
export function takeClock(text: string): TakenClock | 'invalid' | undefined {
  const pastTo = PAST_TO.exec(text);
  if (pastTo !== null) {
    const [, amount, relation, hour, named, meridiem] = pastTo;
    const offset = minuteWord(amount);
    if (offset === undefined || (amount === 'half' && (relation === 'to' || relation === 'before'))) {
      return 'invalid';
    }
    const signed = relation === 'past' || relation === 'after' ? offset : -offset;
    const clock =
      named === undefined ? fromHour(hourValue(hour), signed, meridiem) : fromNamed(named, signed, meridiem);
    return taken(clock, text, pastTo);
  }

  const named = NAMED_CLOCK.exec(text);
  if (named !== null) {
    const [, name, sign, amount] = named;
    return taken(fromNamed(name, italianOffset(sign, amount), undefined), text, named);
  }

  const marked = MARKED_CLOCK.exec(text);
  if (marked !== null) {
    const [, hour, minutes, sign, amount, meridiem] = marked;
    const offset = minutes === undefined ? italianOffset(sign, amount) : twoDigitMinutes(minutes);
    return taken(fromHour(hourValue(hour), offset, meridiem), text, marked);
  }

  const worded = WORDED_CLOCK.exec(text);
  if (worded !== null) {
    const [, hour, sign, amount, meridiem] = worded;
    return taken(fromHour(hourValue(hour), italianOffset(sign, amount), meridiem), text, worded);
  }

  const separated = SEPARATED_CLOCK.exec(text);
  if (separated !== null) {
    const [, hour, minutes, meridiem] = separated;
    return taken(fromHour(Number(hour), twoDigitMinutes(minutes), meridiem), text, separated);
  }

  const withMeridiem = MERIDIEM_CLOCK.exec(text);
  if (withMeridiem !== null) {
    const [, digits, word, meridiem] = withMeridiem;
    return taken(fromHour(hourValue(digits ?? word), 0, meridiem), text, withMeridiem);
  }

  const oClock = O_CLOCK_HOUR.exec(text);
  if (oClock !== null) {
    const [, hour, meridiem] = oClock;
    return taken(fromHour(hourValue(hour), 0, meridiem), text, oClock);
  }
  return undefined;
}

/** Removes a match from the text, keeping single spaces. */
export function removeMatch(text: string, match: RegExpExecArray): string {
  return `${text.slice(0, match.index)} ${text.slice(match.index + match[0].length)}`
    .replace(/\s+/g, ' ')
    .trim();
}

function taken(
  clock: WrittenClock | undefined,
  text: string,
  match: RegExpExecArray,
): TakenClock | 'invalid' {
  return clock === undefined ? 'invalid' : { clock, rest: removeMatch(text, match) };
}

function hourValue(hour: string | undefined): number {
  if (hour === undefined) return Number.NaN;
  return /^\d+$/.test(hour) ? Number(hour) : (HOUR_WORDS[hour] ?? Number.NaN);
}

function minuteWord(amount: string | undefined): number | undefined {
  if (amount === undefined) return undefined;
  if (/^\d+$/.test(amount)) {
    const n = Number(amount);
    return n >= 1 && n <= 59 ? n : undefined;
  }
  return MINUTE_WORDS[amount];
}

/** Minutes after ("e") or before ("meno") the hour; 0 when none are written, NaN when out of range. */
function italianOffset(sign: string | undefined, amount: string | undefined): number {
  if (sign === undefined) return 0;
  const n = minuteWord(amount);
  if (n === undefined) return Number.NaN;
  return sign === 'meno' ? -n : n;
}

function twoDigitMinutes(minutes: string | undefined): number {
  const n = Number(minutes);
  return n <= 59 ? n : Number.NaN;
}

/**
 * The time "hour" plus `offset` minutes. With am/pm the hour must be 1–12;
 * without, 0–23, and 1–12 stays open to a part of the day.
 */
function fromHour(hour: number, offset: number, meridiem: string | undefined): WrittenClock | undefined {
  if (!Number.isInteger(hour) || !Number.isFinite(offset)) return undefined;
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    const base = (hour % 12) + (meridiem === 'pm' ? 12 : 0);
    return withinDay(base * 60 + offset, false);
  }
  if (hour > 23) return undefined;
  return withinDay(hour * 60 + offset, hour >= 1 && hour <= 12);
}

function fromNamed(
  name: string | undefined,
  offset: number,
  meridiem: string | undefined,
): WrittenClock | undefined {
  const base = name === undefined ? undefined : NAMED_HOURS[name];
  if (base === undefined || meridiem !== undefined || !Number.isFinite(offset)) return undefined;
  // Past midnight is the next day's small hours, up to an hour after it.
  const minutes = base + offset;
  return minutes >= 0 && minutes <= 25 * 60 ? { minutes, twelveHour: false } : undefined;
}

function withinDay(minutes: number, twelveHour: boolean): WrittenClock | undefined {
  return minutes >= 0 && minutes < 24 * 60 ? { minutes, twelveHour } : undefined;
}
