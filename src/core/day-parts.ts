/**
 * The parts of the day a team names instead of an hour ("domattina",
 * "stasera", "tomorrow afternoon"), with the hours each one means.
 *
 * Times here are minutes after the midnight that starts the day the part
 * belongs to, in local wall-clock time; they go past 24:00 (1440) for the
 * hours after midnight that still belong to that day's evening or night, so
 * "stanotte alle 2" is 26:00 of today, that is 02:00 tomorrow.
 */

/** A part of the day, named in Italian or English. */
export type DayPartName = 'morning' | 'afternoon' | 'evening' | 'night' | 'tonight';

/** The hours a part of the day spans and the one it means when no hour is given. */
export interface DayPartHours {
  /** first minute of the part, from the midnight that starts its day */
  readonly first: number;
  /** last minute of the part, inclusive; above 1440 means the next calendar day */
  readonly last: number;
  /** the time a part named without an hour means ("domattina" is 09:00) */
  readonly usual: number;
}

const H = 60;

/**
 * Every part of the day and its hours; README.md states the same table.
 *
 * - morning (mattina): 00:00–11:59, i.e. a.m., so "alle 4 di mattina" is 04:00; usually 09:00.
 * - afternoon (pomeriggio): 12:00–18:59 ("le 6 del pomeriggio" is 18:00); usually 15:00.
 * - evening (sera): 17:00–24:00 ("le 5 di sera" is 17:00, "stasera a mezzanotte" ends the
 *   day); usually 21:00, the start of prime time, so "stasera" typed at 19:00 still works.
 * - night (notte): 22:00–05:59 of the next day; usually 23:00.
 * - tonight (English only, covering both stasera and stanotte): 17:00–05:59; usually 21:00,
 *   as the evening.
 */
export const DAY_PARTS: Readonly<Record<DayPartName, DayPartHours>> = Object.freeze({
  morning: { first: 0, last: 12 * H - 1, usual: 9 * H },
  afternoon: { first: 12 * H, last: 19 * H - 1, usual: 15 * H },
  evening: { first: 17 * H, last: 24 * H, usual: 21 * H },
  night: { first: 22 * H, last: 30 * H - 1, usual: 23 * H },
  tonight: { first: 17 * H, last: 30 * H - 1, usual: 21 * H },
});

/** A time of day as written, before a part of the day is applied. */
export interface WrittenClock {
  /** minutes after midnight as written; 1440 and above for "mezzanotte" (the end of the day named) */
  readonly minutes: number;
  /**
   * true when the hour was written 1–12 without am/pm or a 24-hour form, so a
   * part of the day may move it by 12 hours ("stasera alle 9" is 21:00)
   */
  readonly twelveHour: boolean;
}

/**
 * Where a written time falls in a part of the day, in minutes after the
 * midnight that starts the part's day, or undefined when it cannot fall in
 * it ("domattina alle 20"). A 12-hour time takes the first of h, h+12, h+24,
 * h+36 that fits; any other time takes h or h+24, so only the small hours
 * move to the next calendar day.
 */
export function placeInDayPart(part: DayPartName, clock: WrittenClock): number | undefined {
  const { first, last } = DAY_PARTS[part];
  const steps = clock.twelveHour ? [0, 12, 24, 36] : [0, 24];
  for (const step of steps) {
    const minutes = clock.minutes + step * H;
    if (minutes >= first && minutes <= last) return minutes;
  }
  return undefined;
}

/** A minute of a part of the day as a local clock "HH:MM", keeping 24:00 for the midnight that ends a day. */
export function formatDayPartMinute(minutes: number): string {
  const wrapped = minutes > 24 * H ? minutes - 24 * H : minutes;
  const hh = String(Math.floor(wrapped / H)).padStart(2, '0');
  const mm = String(wrapped % H).padStart(2, '0');
  return `${hh}:${mm}`;
}
