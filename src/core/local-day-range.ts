import { DateTime } from 'luxon';

/**
 * The instants bounding a local calendar day in `timeZone`: [start, end).
 * Days are 23 or 25 hours long on daylight-saving changes; this follows the
 * zone, not a fixed 24 hours. `offsetDays` picks a day before or after the
 * one containing `at`.
 */
export function localDayRange(at: Date, timeZone: string, offsetDays = 0): { start: Date; end: Date } {
  const day = DateTime.fromJSDate(at, { zone: timeZone }).startOf('day').plus({ days: offsetDays });
  return { start: day.toJSDate(), end: day.plus({ days: 1 }).toJSDate() };
}

/** The local weekday of `at` in `timeZone` as mon … sun. */
export function localWeekday(
  at: Date,
  timeZone: string,
): 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun' {
  const names = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
  return names[DateTime.fromJSDate(at, { zone: timeZone }).weekday - 1] ?? 'mon';
}

/** The instant of local wall-clock `time` ('HH:MM') on the local day containing `at`. */
export function localTimeOn(at: Date, time: string, timeZone: string): Date {
  const [hour, minute] = time.split(':').map((part) => Number.parseInt(part, 10));
  return DateTime.fromJSDate(at, { zone: timeZone })
    .set({ hour: hour ?? 0, minute: minute ?? 0, second: 0, millisecond: 0 })
    .toJSDate();
}
