import type { DeskContext } from './desk-context.ts';
import { ATTENTION_WINDOW_MS, age } from './digest.ts';
import { excerpt } from './excerpt.ts';
import { localDayRange } from './local-day-range.ts';
import { formatLocalClock, formatLocalDate, formatLocalTime } from './local-time-format.ts';
import { UNDECIDED_STATES } from './post.ts';
import type { Team } from './team.ts';

/** Days the overview looks ahead, today included. */
const DAYS = 7;
/** Most proposals listed as waiting: the oldest, which most need someone. */
const MAX_WAITING = 50;

/** One publication planned in the days ahead. */
export interface OverviewItem {
  /** local 'HH:MM' */
  readonly time: string;
  readonly number: number;
  readonly urgent: boolean;
  readonly target: string;
  readonly excerpt: string;
  readonly cardLink: string | undefined;
}

/** A proposal waiting for a decision. */
export interface OverviewWaiting {
  readonly number: number;
  readonly author: string;
  /** how long it has waited, in the team's words */
  readonly age: string;
  readonly excerpt: string;
  readonly changesRequested: boolean;
  readonly cardLink: string | undefined;
}

/** A publication that failed, or whose outcome is unknown: someone must look. */
export interface OverviewFailure {
  readonly number: number;
  readonly target: string;
  readonly reason: string;
  readonly cardLink: string | undefined;
}

/**
 * What a team has in hand, platform-neutral, for a chat's standing view of
 * it (an app's home tab): the next 7 days by local day, the proposals
 * waiting for a decision (oldest first), and the failures that need
 * someone. Labels come from the catalog in the team's language.
 */
export interface TeamOverview {
  readonly teamId: string;
  /** the team's channel: a chat shows a team's overview only to the people in it */
  readonly channel: string;
  readonly language: Team['language'];
  readonly timeZone: string;
  /** when it was drawn, in local time with the zone */
  readonly drawnAt: string;
  readonly days: readonly { readonly label: string; readonly items: readonly OverviewItem[] }[];
  readonly waiting: readonly OverviewWaiting[];
  readonly failures: readonly OverviewFailure[];
}

/** The team's overview as it stands now, read in one statement. */
export async function buildOverview(ctx: DeskContext, team: Team): Promise<TeamOverview> {
  const now = ctx.now();
  const { start } = localDayRange(now, team.timeZone);
  const end = localDayRange(now, team.timeZone, DAYS).start;
  const target = (id: string) => ctx.target(id)?.displayName ?? id;
  const { due, waiting, failing } = await ctx.store.readPlanning(team.id, {
    due: { from: now, to: end },
    waiting: { states: UNDECIDED_STATES, limit: MAX_WAITING },
    failingSince: new Date(now.getTime() - ATTENTION_WINDOW_MS),
  });
  const days: { label: string; items: OverviewItem[] }[] = [];
  for (let day = 0; day < DAYS; day++) {
    const range = localDayRange(start, team.timeZone, day);
    const items = due
      .filter(({ delivery }) => {
        const at = delivery.nextAttemptAt ?? now;
        return at >= range.start && at < range.end;
      })
      .map(({ delivery, post }) => ({
        time: formatLocalClock(delivery.nextAttemptAt ?? now, team.timeZone),
        number: post.number,
        urgent: post.urgent,
        target: target(delivery.targetId),
        excerpt: excerpt(post.text),
        cardLink: post.cardLink,
      }));
    if (items.length > 0)
      days.push({ label: formatLocalDate(range.start, team.timeZone, team.language), items });
  }
  return {
    teamId: team.id,
    channel: team.channel,
    language: team.language,
    timeZone: team.timeZone,
    drawnAt: formatLocalTime(now, team.timeZone, team.language),
    days,
    waiting: waiting.map((post) => ({
      number: post.number,
      author: post.author.name,
      age: age(ctx, team, post.createdAt),
      excerpt: excerpt(post.text),
      changesRequested: post.state === 'changes_requested',
      cardLink: post.cardLink,
    })),
    failures: failing.map(({ delivery, post }) => ({
      number: post.number,
      target: target(delivery.targetId),
      reason: delivery.lastError ?? ctx.msg(team, `delivery.${delivery.state}`),
      cardLink: post.cardLink,
    })),
  };
}
