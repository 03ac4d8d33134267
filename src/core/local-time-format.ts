import { AppError } from './app-error.ts';
import type { Language } from './language.ts';
import { ianaZone } from './time-zone.ts';

const MINUTE_MS = 60_000;

// Names are spelled out here rather than taken from Intl so the echo is the same
// on every Node build (small-icu builds have no Italian locale data).
const WEEKDAYS: Readonly<Record<Language, readonly string[]>> = {
  // Indexed by Date#getUTCDay(): Sunday first.
  it: ['domenica', 'lunedì', 'martedì', 'mercoledì', 'giovedì', 'venerdì', 'sabato'],
  en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
};

const MONTHS: Readonly<Record<Language, readonly string[]>> = {
  it: [
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
  ],
  en: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
};

// Zones that keep Central European Time. Node's ICU names them "GMT+1" in en-US
// and small-icu builds have no en-GB data, so the abbreviation an Italian team
// expects to read is fixed here instead of hoped for.
const CENTRAL_EUROPEAN_ZONES: ReadonlySet<string> = new Set([
  'Europe/Rome',
  'Europe/Vatican',
  'Europe/San_Marino',
  'Europe/Malta',
  'Europe/Berlin',
  'Europe/Paris',
  'Europe/Madrid',
  'Europe/Vienna',
  'Europe/Zurich',
  'Europe/Amsterdam',
  'Europe/Brussels',
  'Europe/Luxembourg',
  'Europe/Monaco',
  'Europe/Ljubljana',
  'Europe/Zagreb',
  'Europe/Prague',
  'Europe/Warsaw',
  'Europe/Budapest',
  'Europe/Copenhagen',
  'Europe/Stockholm',
  'Europe/Oslo',
]);

const abbreviationFormats = new Map<string, Intl.DateTimeFormat>();

interface LocalFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** 0 = Sunday, as Date#getUTCDay() */
  readonly weekday: number;
  readonly hour: number;
  readonly minute: number;
  /** minutes east of UTC */
  readonly offset: number;
}

function localFields(at: Date, timeZone: string): LocalFields {
  const zone = ianaZone(timeZone);
  const ms = at.getTime();
  const offset = zone.offset(ms);
  const local = new Date(ms + offset * MINUTE_MS);
  if (Number.isNaN(local.getTime())) {
    throw new AppError('invariant_broken', 'Cannot show a local time for an invalid or out-of-range instant');
  }
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    weekday: local.getUTCDay(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    offset,
  };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

function abbreviationFormat(timeZone: string): Intl.DateTimeFormat {
  // en-GB knows the European abbreviations (BST, EET, WEST); en-US knows the
  // American ones (EST, PDT) and gives "GMT+1" for Europe.
  const locale = timeZone.startsWith('Europe/') ? 'en-GB' : 'en-US';
  const key = `${locale}|${timeZone}`;
  let format = abbreviationFormats.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' });
    abbreviationFormats.set(key, format);
  }
  return format;
}

function zoneAbbreviation(at: Date, timeZone: string, offsetMinutes: number): string {
  if (CENTRAL_EUROPEAN_ZONES.has(timeZone)) {
    if (offsetMinutes === 60) return 'CET';
    if (offsetMinutes === 120) return 'CEST';
  }
  try {
    const name = abbreviationFormat(timeZone)
      .formatToParts(at)
      .find((part) => part.type === 'timeZoneName')?.value;
    // "GMT+5:30" style names are not abbreviations a reader recognises; the
    // explicit offset is clearer.
    if (name !== undefined && /^[A-Z]{2,5}$/.test(name)) return name;
  } catch {
    // Intl refusing a date it cannot place is not worth failing an echo for.
  }
  return formatOffset(offsetMinutes);
}

/**
 * Formats an instant as the absolute local time a person reads back, with the
 * zone and its abbreviation so nobody wonders which clock is meant.
 * e.g. it: "domenica 22 novembre 2026, 09:00 (Europe/Rome, CET)";
 * en: "Sunday 22 November 2026, 09:00 (Europe/Rome, CET)".
 *
 * 24-hour clock, minutes precision (seconds are dropped, not rounded). The
 * abbreviation is CET/CEST for Central European zones, the ICU short name where
 * it is a real abbreviation (EST, BST, UTC), else the offset ("UTC+05:30").
 * Throws AppError `config_invalid` for an unknown IANA zone and
 * `invariant_broken` for an invalid Date: both are bugs, not user input.
 */
export function formatLocalTime(at: Date, timeZone: string, language: Language): string {
  const f = localFields(at, timeZone);
  const weekday = WEEKDAYS[language][f.weekday] ?? '';
  const month = MONTHS[language][f.month - 1] ?? '';
  const abbreviation = zoneAbbreviation(at, timeZone, f.offset);
  return `${weekday} ${f.day} ${month} ${f.year}, ${pad2(f.hour)}:${pad2(f.minute)} (${timeZone}, ${abbreviation})`;
}

/**
 * The local calendar day in words, without year or time, e.g. "lunedì 23
 * novembre" / "Monday 23 November", for headings of lists grouped by day.
 * Uses the module's own names, so small-ICU Node builds print the same.
 */
export function formatLocalDate(at: Date, timeZone: string, language: Language): string {
  const f = localFields(at, timeZone);
  return `${WEEKDAYS[language][f.weekday] ?? ''} ${f.day} ${MONTHS[language][f.month - 1] ?? ''}`;
}

/**
 * The local wall-clock time of an instant as "HH:mm" (24-hour), for lists where
 * the day and zone are already shown. Throws like `formatLocalTime`.
 */
export function formatLocalClock(at: Date, timeZone: string): string {
  const f = localFields(at, timeZone);
  return `${pad2(f.hour)}:${pad2(f.minute)}`;
}

/**
 * The calendar day an instant falls on in the zone, as "YYYY-MM-DD": the key
 * for "today's schedule" and one digest per day. Throws like `formatLocalTime`.
 */
export function localDay(at: Date, timeZone: string): string {
  const f = localFields(at, timeZone);
  return `${String(f.year).padStart(4, '0')}-${pad2(f.month)}-${pad2(f.day)}`;
}
