import { DAY_PARTS, formatDayPartMinute } from './day-parts.ts';
import type { DeskContext } from './desk-context.ts';
import { quoted } from './excerpt.ts';
import { formatLocalTime } from './local-time-format.ts';
import { err, ok, type Result } from './result.ts';
import type { Team } from './team.ts';
import { parseWhen, timeExamples } from './time-reader.ts';

/** A time a person typed, read in the team's zone: the instant and remarks to echo. */
export interface TeamTime {
  readonly at: Date;
  /** how a daylight-saving gap or repeated hour was resolved, in the team's language */
  readonly notes: readonly string[];
}

/**
 * Reads a time expression for a team (its zone, its language) and puts
 * every outcome in words: the daylight-saving remarks of a time that was
 * read, or a refusal: a past one echoed as it was read, an hour outside the
 * part of the day named with it with that part's hours, an empty or
 * unreadable one with examples.
 */
export function readTeamTime(
  ctx: Pick<DeskContext, 'now' | 'msg'>,
  team: Team,
  input: string,
): Result<TeamTime, string> {
  const read = parseWhen(input, { now: ctx.now(), timeZone: team.timeZone, language: team.language });
  const examples = timeExamples(team.language).join(', ');
  if (read.ok) {
    const when = formatLocalTime(read.value.at, team.timeZone, team.language);
    const notes: string[] = [];
    if (read.value.dst === 'gap_moved_forward') notes.push(ctx.msg(team, 'time.dst_gap', { when }));
    if (read.value.dst === 'overlap_earlier') notes.push(ctx.msg(team, 'time.dst_overlap', { when }));
    return ok({ at: read.value.at, notes });
  }
  if (read.error.code === 'in_past' && read.error.readAs) {
    const when = formatLocalTime(read.error.readAs, team.timeZone, team.language);
    return err(ctx.msg(team, 'time.in_past', { input: quoted(input), when }));
  }
  if (read.error.code === 'day_part_mismatch' && read.error.dayPart) {
    const hours = DAY_PARTS[read.error.dayPart];
    return err(
      ctx.msg(team, 'time.day_part_mismatch', {
        input: quoted(input),
        part: ctx.msg(team, `time.day_part.${read.error.dayPart}`),
        from: formatDayPartMinute(hours.first),
        to: formatDayPartMinute(hours.last),
      }),
    );
  }
  if (read.error.code === 'empty') return err(ctx.msg(team, 'time.empty', { examples }));
  return err(ctx.msg(team, 'time.unreadable', { input: quoted(input), examples }));
}
