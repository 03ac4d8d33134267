import { type CredentialWarning, credentialWarnings, markWarned } from './credential-watch.ts';
import type { DeskContext } from './desk-context.ts';
import { excerpt } from './excerpt.ts';
import { localDayRange, localTimeOn, localWeekday } from './local-day-range.ts';
import { formatLocalClock, formatLocalDate, localDay } from './local-time-format.ts';
import { UNDECIDED_STATES } from './post.ts';
import type { Team } from './team.ts';

/** How long failures stay in the digest unless someone retries or cancels them. */
export const ATTENTION_WINDOW_MS = 7 * 24 * 3_600_000;

/** How long ago `since` was, in the team's words: minutes, hours up to two days, then days. */
export function age(ctx: DeskContext, team: Team, since: Date): string {
  const minutes = Math.max(0, Math.floor((ctx.now().getTime() - since.getTime()) / 60_000));
  if (minutes < 60) return ctx.msg(team, 'age.minutes', { n: minutes });
  if (minutes < 48 * 60) return ctx.msg(team, 'age.hours', { n: Math.floor(minutes / 60) });
  return ctx.msg(team, 'age.days', { n: Math.floor(minutes / 1440) });
}

/**
 * The digest text for the team's local day containing `now`: accounts whose
 * credentials expire soon or stopped working, what goes out today, what
 * waits for a decision (oldest first, with its age), what failed and needs
 * someone, and yesterday's publications with links. `warnings` are the
 * credential lines to carry; when not given, every current one (a digest
 * asked for by hand).
 */
export async function buildDigest(
  ctx: DeskContext,
  team: Team,
  warnings?: readonly CredentialWarning[],
): Promise<string> {
  const now = ctx.now();
  const credentials = warnings ?? (await credentialWarnings(ctx, team, true));
  const today = localDayRange(now, team.timeZone);
  const yesterday = localDayRange(now, team.timeZone, -1);
  const target = (id: string) => ctx.target(id)?.displayName ?? id;
  const { due, waiting, failing, published } = await ctx.store.readPlanning(team.id, {
    due: { from: now, to: today.end },
    waiting: { states: UNDECIDED_STATES, limit: 50 },
    failingSince: new Date(now.getTime() - ATTENTION_WINDOW_MS),
    published: { from: yesterday.start, to: yesterday.end },
  });
  const lines = [ctx.msg(team, 'digest.title', { date: formatLocalDate(now, team.timeZone, team.language) })];
  if (credentials.length > 0) {
    lines.push('', ctx.msg(team, 'digest.credentials'));
    for (const warning of credentials) lines.push(`  ${credentialLine(ctx, team, warning)}`);
  }
  if (due.length > 0) {
    lines.push('', ctx.msg(team, 'digest.today'));
    for (const { delivery, post } of due) {
      const at = formatLocalClock(delivery.nextAttemptAt ?? now, team.timeZone);
      lines.push(`  ${at} #${post.number} → ${target(delivery.targetId)}: ${excerpt(post.text)}`);
    }
  }
  if (waiting.length > 0) {
    lines.push('', ctx.msg(team, 'digest.waiting'));
    for (const post of waiting) {
      const item = { number: post.number, age: age(ctx, team, post.createdAt), author: post.author.name };
      const link = post.cardLink;
      const line = ctx.msg(team, 'digest.waiting_item', { ...item, excerpt: excerpt(post.text) });
      lines.push(`  ${line}${link ? ` ${link}` : ''}`);
    }
  }
  if (failing.length > 0) {
    lines.push('', ctx.msg(team, 'digest.failed'));
    for (const { delivery, post } of failing) {
      const reason = delivery.lastError ?? delivery.state;
      lines.push(
        `  ${ctx.msg(team, 'digest.failed_item', { number: post.number, target: target(delivery.targetId), reason })}`,
      );
    }
  }
  if (published.length > 0) {
    lines.push('', ctx.msg(team, 'digest.yesterday'));
    for (const { delivery, post } of published) {
      lines.push(`  #${post.number} → ${target(delivery.targetId)}: ${delivery.publicUrl ?? ''}`);
    }
  }
  if (lines.length === 1) lines.push(ctx.msg(team, 'digest.nothing'));
  return lines.join('\n');
}

/** One credential warning in the team's words, naming the target, when, and where to read how to renew. */
function credentialLine(ctx: DeskContext, team: Team, warning: CredentialWarning): string {
  const target = `${warning.target.displayName} (${warning.target.id})`;
  const guide = warning.target.networkTitle ?? warning.target.network;
  if (warning.kind === 'expiring' && warning.expiresAt) {
    return ctx.msg(team, 'digest.credentials_expiring', {
      target,
      days: warning.daysLeft,
      when: `${formatLocalDate(warning.expiresAt, team.timeZone, team.language)}, ${formatLocalClock(warning.expiresAt, team.timeZone)}`,
      guide,
    });
  }
  return ctx.msg(
    team,
    warning.kind === 'revoked' ? 'digest.credentials_revoked' : 'digest.credentials_expired',
    {
      target,
      guide,
    },
  );
}

/** Whether the team's digest is due at `now`: a digest day, at or after its time. */
export function isDigestDue(team: Team, now: Date): boolean {
  if (!team.digest.days.includes(localWeekday(now, team.timeZone))) return false;
  return now >= localTimeOn(now, team.digest.time, team.timeZone);
}

/**
 * Owes each team its digest of today if it is due and not owed yet: the
 * day's row and the digest's outbox row are written in one decision, so
 * restarts and replicas never send it twice, and a process that dies
 * after deciding leaves it owed, not lost. A digest missed while Araldo
 * was down goes on start, if it is still the same day. The digest's words
 * are drawn at the decision; `digest_sent` is on record once the chat has it.
 */
export async function sendDueDigests(
  ctx: DeskContext,
  teams: readonly Team[],
  /** `team/day` keys this process knows are owed already: skipped without asking the database */
  known: Set<string> = new Set(),
): Promise<string[]> {
  const owed: string[] = [];
  for (const team of teams) {
    const now = ctx.now();
    if (!isDigestDue(team, now)) continue;
    const day = localDay(now, team.timeZone);
    const key = `${team.id}/${day}`;
    if (known.has(key)) continue;
    const decided = await ctx.decide(async (tx) => {
      if (!(await tx.store.oweDigest(team.id, day, now))) return false;
      const warnings = await credentialWarnings(tx, team, false);
      const text = await buildDigest(tx, team, warnings);
      await markWarned(tx, warnings);
      await tx.owe([{ teamId: team.id, kind: 'digest', day, message: { text } }]);
      return true;
    });
    // Owed now or earlier (by this or another process): either way, not again today.
    known.add(key);
    if (decided) owed.push(team.id);
  }
  return owed;
}
