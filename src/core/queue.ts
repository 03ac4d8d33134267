import type { CommandReply } from './command-reply.ts';
import type { DeskContext } from './desk-context.ts';
import { excerpt } from './excerpt.ts';
import { localDayRange } from './local-day-range.ts';
import { formatLocalClock, formatLocalDate } from './local-time-format.ts';
import type { Team } from './team.ts';

const DAYS = 7;

/**
 * `/queue`: what goes out in the next 7 days, grouped by local day, at local
 * times, with posts still awaiting approval that asked for a time in it.
 */
export async function describeQueue(ctx: DeskContext, team: Team): Promise<CommandReply> {
  const now = ctx.now();
  const { start } = localDayRange(now, team.timeZone);
  const end = localDayRange(now, team.timeZone, DAYS).start;
  const { due, waiting } = await ctx.store.readPlanning(team.id, {
    due: { from: now, to: end },
    waiting: { states: ['pending', 'changes_requested'], limit: 200, requestedIn: { from: now, to: end } },
  });
  type Row = { at: Date; line: string };
  const rows: Row[] = [
    ...due.map(({ delivery, post }) => ({
      at: delivery.nextAttemptAt ?? now,
      line: `${post.urgent ? '🚨 ' : ''}#${post.number} → ${ctx.target(delivery.targetId)?.displayName ?? delivery.targetId}: ${excerpt(post.text)}`,
    })),
    ...waiting.map((post) => ({
      at: post.requestedAt ?? now,
      line: `⏳ #${post.number} (${ctx.msg(team, 'queue.awaiting')}): ${excerpt(post.text)}`,
    })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  if (rows.length === 0) return { text: ctx.msg(team, 'queue.empty') };
  const lines = [ctx.msg(team, 'queue.title', { zone: team.timeZone })];
  for (let day = 0; day < DAYS; day++) {
    const range = localDayRange(start, team.timeZone, day);
    const ofDay = rows.filter((row) => row.at >= range.start && row.at < range.end);
    if (ofDay.length === 0) continue;
    lines.push(`${formatLocalDate(range.start, team.timeZone, team.language)}:`);
    for (const row of ofDay) lines.push(`  ${formatLocalClock(row.at, team.timeZone)} ${row.line}`);
  }
  return { text: lines.join('\n') };
}
