import type { IANAZone } from 'luxon';
import { AppError } from './app-error.ts';
import { ianaZone } from './time-zone.ts';

/**
 * Days of the week as configured: mon … sun, Monday first (ISO order).
 * The index of a day here is its ISO weekday minus one.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** One day of the week as configured, a three-letter English code from `WEEKDAYS`. */
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * Weekly posting slots: on these days, at these local wall-clock times
 * ('HH:MM', 24 h), read in the time zone the plan is made in. Every time applies
 * on every day of the same entry; several entries combine (their union).
 */
export interface WeeklySlots {
  readonly days: readonly Weekday[];
  readonly times: readonly string[];
}

/**
 * Local wall-clock interval when only urgent posts go out, 'HH:MM' (24 h) in the
 * plan's time zone. `from` is inside, `to` is not: [from, to). It may cross
 * midnight (22:00–07:00 covers 22:00 to 06:59:59.999 the next day); `from` equal
 * to `to` means no quiet hours at all.
 */
export interface QuietHours {
  readonly from: string;
  readonly to: string;
}

/**
 * A target's (or team's) posting policy. Both parts optional: without slots a
 * delivery goes out at once, without quiet hours it never waits.
 */
export interface PostingPolicy {
  readonly slots?: readonly WeeklySlots[];
  readonly quietHours?: QuietHours;
}

/**
 * Why a delivery is due when it is: `urgent` (at once, policy skipped),
 * `requested` (the future time asked for), `now` (nothing to wait for, or the time
 * asked for had already passed), `slot` (the next free weekly slot),
 * `quiet_hours` (moved to the end of the quiet hours it fell into).
 */
export type PlanReason = 'urgent' | 'requested' | 'now' | 'slot' | 'quiet_hours';

/** When one delivery becomes due, and why. `at` is never before the plan's `now`. */
export interface DeliveryPlan {
  /** when the delivery becomes due */
  readonly at: Date;
  readonly reason: PlanReason;
  /** for reason 'quiet_hours': the instant that fell inside quiet hours and was moved */
  readonly movedFrom?: Date;
}

/** Everything `planDelivery` looks at; it reads no clock of its own. */
export interface PlanInput {
  /** the time asked for, if any (may already be past when the approval came late) */
  readonly requestedAt: Date | undefined;
  readonly now: Date;
  readonly urgent: boolean;
  readonly policy: PostingPolicy;
  /** IANA zone in which slots and quiet hours are read */
  readonly timeZone: string;
  /** due instants of this target's other scheduled deliveries: a slot holding one is not free */
  readonly occupied: readonly Date[];
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** How far ahead a free slot is looked for, in elapsed time from now. */
const SLOT_SEARCH_MS = 28 * DAY_MS;
/** A delivery due this close to a slot (either side, inclusive) holds it. */
const OCCUPIED_TOLERANCE_MS = 60 * SECOND_MS;
/** Local days walked for slots: 28 days plus one, as DST can push now + 28 days onto the next date. */
const SLOT_SEARCH_DAYS = 29;
/** Steps out of quiet hours; one is enough except around a DST overlap, which needs two. */
const MAX_QUIET_STEPS = 4;
const WEEKDAY_INDEX: ReadonlyMap<string, number> = new Map(WEEKDAYS.map((day, index) => [day, index]));
const WALL_CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_CODE = /^[a-z]{3}$/;
const DAY_RANGE = /^([a-z]{3})\s*-\s*([a-z]{3})$/;

interface CalendarDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Quiet hours as milliseconds since local midnight. */
interface QuietRange {
  readonly from: number;
  readonly to: number;
}

interface LocalPosition {
  readonly day: CalendarDay;
  /** milliseconds since local midnight, by the wall clock */
  readonly timeOfDay: number;
}

/**
 * When one delivery should go out, in this order:
 * 1. `urgent`: now, skipping slots and quiet hours.
 * 2. `requestedAt` after `now`: that instant ('requested'); slots are not applied.
 * 3. `requestedAt` at or before `now`: now ('now').
 * 4. no `requestedAt`, slots configured: the first slot instant at or after now,
 *    at most 28 days (elapsed) ahead, that is outside quiet hours and not
 *    occupied (another delivery due within ±60 s of it) ('slot'); when there is
 *    none, as 5.
 * 5. otherwise now ('now').
 * In 2, 3 and 5, an instant inside quiet hours is moved to the end of that quiet
 * period, the first instant at or after it when quiet hours are over
 * ('quiet_hours', with `movedFrom`).
 *
 * Slots and quiet hours are wall-clock times in `timeZone`. A slot time that a
 * spring DST change skips is moved forward by the gap (02:30 → 03:30); one that an
 * autumn change repeats is taken once, at the earlier instant. A quiet-hours end
 * that the spring change skips ends at the change itself (03:00 for 02:30).
 *
 * Pure: time comes only from `input.now`; the returned Dates are fresh copies.
 * Throws AppError `config_invalid` for an unknown zone, a time that is not
 * 'HH:MM' or a day that is not a `Weekday`, and `invariant_broken` for an
 * invalid `now` or `requestedAt`: bugs, never user input.
 */
export function planDelivery(input: PlanInput): DeliveryPlan {
  const now = instantOf(input.now, 'now');
  const zone = ianaZone(input.timeZone);
  const quiet = quietRangeOf(input.policy.quietHours);
  if (input.urgent) return { at: new Date(now), reason: 'urgent' };

  if (input.requestedAt !== undefined) {
    const requested = instantOf(input.requestedAt, 'requestedAt');
    return requested > now
      ? outsideQuietHours(requested, 'requested', quiet, zone)
      : outsideQuietHours(now, 'now', quiet, zone);
  }

  const slot = firstFreeSlot(now, input.policy.slots ?? [], input.occupied, quiet, zone);
  if (slot !== undefined) return { at: new Date(slot), reason: 'slot' };
  return outsideQuietHours(now, 'now', quiet, zone);
}

/**
 * Whether `at` is inside the quiet hours, by the wall clock in `timeZone`:
 * from ≤ local time < to, across midnight when `from` is later than `to`; never
 * when `from` equals `to`. Throws like `planDelivery` for an unknown zone, a
 * malformed time or an invalid Date.
 */
export function isInQuietHours(at: Date, quiet: QuietHours, timeZone: string): boolean {
  const range = quietRangeOf(quiet);
  return range !== undefined && isQuiet(instantOf(at, 'at'), range, ianaZone(timeZone));
}

/**
 * Whether `value` is a wall-clock time 'HH:MM' from 00:00 to 23:59: exactly two
 * digits each, 24-hour, no spaces, no seconds ('9:00' and '24:00' are refused).
 */
export function isWallClock(value: string): boolean {
  return WALL_CLOCK.test(value);
}

/**
 * Parses a list of days: three-letter codes ('mon' … 'sun') and ranges
 * ('mon-fri'), separated by commas ('sat,sun', 'mon-wed,fri'). A range runs
 * forward through the week and may wrap ('fri-mon' is fri, sat, sun, mon;
 * 'mon-mon' is mon alone). Case and spaces around codes do not matter. Days come
 * back in the order written, each once. Undefined when anything is unreadable:
 * an empty text or item, an unknown code ('lun', 'monday').
 */
export function parseDays(value: string): readonly Weekday[] | undefined {
  const days: Weekday[] = [];
  for (const raw of value.toLowerCase().split(',')) {
    const item = raw.trim();
    const range = DAY_RANGE.exec(item);
    if (range !== null) {
      const first = weekdayIndex(range[1]);
      const last = weekdayIndex(range[2]);
      if (first === undefined || last === undefined) return undefined;
      const length = ((last - first + 7) % 7) + 1;
      for (let i = 0; i < length; i++) days.push(weekdayAt((first + i) % 7));
      continue;
    }
    const single = DAY_CODE.test(item) ? weekdayIndex(item) : undefined;
    if (single === undefined) return undefined;
    days.push(weekdayAt(single));
  }
  return Object.freeze([...new Set(days)]);
}

function weekdayIndex(code: string | undefined): number | undefined {
  return code === undefined ? undefined : WEEKDAY_INDEX.get(code);
}

function weekdayAt(index: number): Weekday {
  const day = WEEKDAYS[index];
  if (day === undefined) throw new AppError('invariant_broken', `No weekday at index ${index}`);
  return day;
}

function instantOf(at: Date, what: string): number {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new AppError('invariant_broken', `Invalid Date given as ${what}`);
  return ms;
}

/** Milliseconds since midnight of an 'HH:MM' time. */
function clockOf(value: string): number {
  const m = WALL_CLOCK.exec(value);
  if (m === null) {
    throw new AppError('config_invalid', `Not a wall-clock time HH:MM: ${JSON.stringify(value)}`);
  }
  return Number(m[1]) * HOUR_MS + Number(m[2]) * MINUTE_MS;
}

function quietRangeOf(quiet: QuietHours | undefined): QuietRange | undefined {
  if (quiet === undefined) return undefined;
  const from = clockOf(quiet.from);
  const to = clockOf(quiet.to);
  return from === to ? undefined : { from, to };
}

function isQuiet(ms: number, quiet: QuietRange, zone: IANAZone): boolean {
  const t = localPosition(ms, zone).timeOfDay;
  return quiet.from < quiet.to ? t >= quiet.from && t < quiet.to : t >= quiet.from || t < quiet.to;
}

function outsideQuietHours(
  ms: number,
  reason: 'requested' | 'now',
  quiet: QuietRange | undefined,
  zone: IANAZone,
): DeliveryPlan {
  const at = quiet === undefined ? ms : endOfQuietHours(ms, quiet, zone);
  return at === ms
    ? { at: new Date(ms), reason }
    : { at: new Date(at), reason: 'quiet_hours', movedFrom: new Date(ms) };
}

/** The first instant at or after `ms` outside quiet hours. */
function endOfQuietHours(ms: number, quiet: QuietRange, zone: IANAZone): number {
  let at = ms;
  // The wall clock can re-enter quiet hours once more after their end when an
  // autumn change repeats an hour, hence a few steps rather than one.
  for (let step = 0; step < MAX_QUIET_STEPS && isQuiet(at, quiet, zone); step++) {
    const { day, timeOfDay } = localPosition(at, zone);
    const endDay = quiet.from > quiet.to && timeOfDay >= quiet.from ? addDays(day, 1) : day;
    const end = firstInstantReaching(zone, endDay, quiet.to, at);
    // Cannot happen for a real zone; the step keeps the loop moving if it did.
    at = end !== undefined && end > at ? end : at + MINUTE_MS;
  }
  return at;
}

function firstFreeSlot(
  now: number,
  slots: readonly WeeklySlots[],
  occupied: readonly Date[],
  quiet: QuietRange | undefined,
  zone: IANAZone,
): number | undefined {
  const byWeekday = slotClocksByWeekday(slots);
  if (byWeekday.every((clocks) => clocks.size === 0)) return undefined;
  const limit = now + SLOT_SEARCH_MS;
  const taken = occupied
    .map((d) => d.getTime())
    .filter((t) => t >= now - OCCUPIED_TOLERANCE_MS && t <= limit + OCCUPIED_TOLERANCE_MS);

  const today = localPosition(now, zone).day;
  const candidates = new Set<number>();
  for (let i = 0; i <= SLOT_SEARCH_DAYS; i++) {
    const day = addDays(today, i);
    for (const clock of byWeekday[isoWeekday(day) - 1] ?? []) candidates.add(slotInstant(zone, day, clock));
  }
  // Sorted, not in walk order: a slot moved forward by a DST gap can pass a later one.
  const ordered = [...candidates].filter((t) => t >= now && t <= limit).sort((a, b) => a - b);
  return ordered.find(
    (t) =>
      !taken.some((o) => Math.abs(o - t) <= OCCUPIED_TOLERANCE_MS) &&
      (quiet === undefined || !isQuiet(t, quiet, zone)),
  );
}

/** For each weekday (index 0 = Monday), the slot times as milliseconds since midnight. */
function slotClocksByWeekday(slots: readonly WeeklySlots[]): ReadonlySet<number>[] {
  const byWeekday = WEEKDAYS.map(() => new Set<number>());
  for (const slot of slots) {
    const clocks = slot.times.map(clockOf);
    for (const day of slot.days) {
      const index = weekdayIndex(day);
      if (index === undefined) {
        throw new AppError('config_invalid', `Not a weekday: ${JSON.stringify(day)}`);
      }
      for (const clock of clocks) byWeekday[index]?.add(clock);
    }
  }
  return byWeekday;
}

function localPosition(ms: number, zone: IANAZone): LocalPosition {
  const localMs = ms + zone.offset(ms) * MINUTE_MS;
  const local = new Date(localMs);
  if (Number.isNaN(local.getTime())) {
    throw new AppError('invariant_broken', 'Cannot place an out-of-range instant in a time zone');
  }
  // The local time read as UTC: its days are whole multiples of DAY_MS.
  return { day: localDayOf(local), timeOfDay: ((localMs % DAY_MS) + DAY_MS) % DAY_MS };
}

function localDayOf(local: Date): CalendarDay {
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/** The wall time (day + ms since midnight) read as if it were UTC, in ms; years below 100 stay literal. */
function wallAsUtc(day: CalendarDay, timeOfDay: number): number {
  const d = new Date(0);
  d.setUTCFullYear(day.year, day.month - 1, day.day);
  return d.getTime() + timeOfDay;
}

function addDays(day: CalendarDay, days: number): CalendarDay {
  return localDayOf(new Date(wallAsUtc(day, 0) + days * DAY_MS));
}

/** 1 = Monday … 7 = Sunday. */
function isoWeekday(day: CalendarDay): number {
  return ((new Date(wallAsUtc(day, 12 * HOUR_MS)).getUTCDay() + 6) % 7) + 1;
}

/** The zone's offsets (minutes east of UTC) that can apply around a wall time read as UTC. */
function offsetsAround(zone: IANAZone, asUtc: number): readonly number[] {
  // A day either side covers every transition that can touch this wall time.
  return [...new Set([zone.offset(asUtc - DAY_MS), zone.offset(asUtc), zone.offset(asUtc + DAY_MS)])];
}

/** Every instant at which the wall clock reads this time on this day, earliest first; none in a gap. */
function wallInstants(zone: IANAZone, day: CalendarDay, timeOfDay: number): readonly number[] {
  const asUtc = wallAsUtc(day, timeOfDay);
  return offsetsAround(zone, asUtc)
    .map((offset) => asUtc - offset * MINUTE_MS)
    .filter((t) => zone.offset(t) * MINUTE_MS === asUtc - t)
    .sort((a, b) => a - b);
}

/**
 * The instant of a slot: a repeated wall time is taken at its earlier instant;
 * a skipped one is read with the offset from before the gap, which moves it
 * forward by the gap (as luxon does).
 */
function slotInstant(zone: IANAZone, day: CalendarDay, timeOfDay: number): number {
  const earliest = wallInstants(zone, day, timeOfDay)[0];
  if (earliest !== undefined) return earliest;
  const asUtc = wallAsUtc(day, timeOfDay);
  return asUtc - Math.min(...offsetsAround(zone, asUtc)) * MINUTE_MS;
}

/**
 * The first instant not before `notBefore` at which the wall clock of `day`
 * reaches `timeOfDay`: the time itself, or, when a spring change skips it, the
 * change (the clock jumps from before it to after it).
 */
function firstInstantReaching(
  zone: IANAZone,
  day: CalendarDay,
  timeOfDay: number,
  notBefore: number,
): number | undefined {
  const instants = wallInstants(zone, day, timeOfDay);
  if (instants.length > 0) return instants.find((t) => t >= notBefore);
  const asUtc = wallAsUtc(day, timeOfDay);
  const offsets = offsetsAround(zone, asUtc);
  // Before the change the wall clock is short of the time, after it past it.
  let before = asUtc - Math.max(...offsets) * MINUTE_MS;
  let after = asUtc - Math.min(...offsets) * MINUTE_MS;
  const offsetBefore = zone.offset(before);
  while (after - before > SECOND_MS) {
    const middle = before + Math.floor((after - before) / 2 / SECOND_MS) * SECOND_MS;
    if (zone.offset(middle) === offsetBefore) before = middle;
    else after = middle;
  }
  return after >= notBefore ? after : undefined;
}
