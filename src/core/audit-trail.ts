import type { AuditEvent } from './audit-event.ts';
import type { CommandReply } from './command-reply.ts';
import type { DeskContext } from './desk-context.ts';
import { quoted } from './excerpt.ts';
import { formatLocalTime } from './local-time-format.ts';
import type { PostWithDeliveries } from './ports.ts';
import type { Team } from './team.ts';

/** Graphemes of a post's text `/audit` shows per event; the CSV export has the whole text. */
const AUDIT_QUOTE_MAX = 120;

const REVIEW_EMOJI: Readonly<Record<string, string>> = { approve: '✅', reject: '❌', request_changes: '✏️' };

/** The few details worth a glance in chat; the CSV export carries them all. */
function detailOf(ctx: DeskContext, team: Team, event: AuditEvent): string {
  const d = event.details;
  const parts: string[] = [];
  if (typeof d.action === 'string') parts.push(REVIEW_EMOJI[d.action] ?? d.action);
  if (typeof d.target === 'string') parts.push(d.target);
  if (typeof d.url === 'string') parts.push(d.url);
  if (typeof d.error === 'string') parts.push(d.error);
  if (d.reason === 'self_approval' || d.reason === 'not_an_approver' || d.reason === 'stale_version')
    parts.push(ctx.msg(team, `audit.reason.${d.reason}`));
  else if (typeof d.reason === 'string') parts.push(d.reason);
  // Chat shows an excerpt on one line; the CSV export keeps every text whole.
  if (typeof d.text === 'string' && event.action === 'commented')
    parts.push(`"${quoted(d.text, AUDIT_QUOTE_MAX)}"`);
  if (event.action === 'edited' && typeof d.after === 'string') {
    // SPEC §6: an edit is on record with the text before and after it.
    parts.push(
      typeof d.before === 'string'
        ? ctx.msg(team, 'audit.edit_detail', {
            before: quoted(d.before, AUDIT_QUOTE_MAX),
            after: quoted(d.after, AUDIT_QUOTE_MAX),
          })
        : `"${quoted(d.after, AUDIT_QUOTE_MAX)}"`,
    );
  }
  if (typeof d.after === 'string' && event.action === 'rescheduled') parts.push(d.after);
  return parts.length > 0 ? ` — ${parts.join(', ')}` : '';
}

/** `/audit ID`: the post's whole history, oldest first, in local time. */
export async function describeAudit(
  ctx: DeskContext,
  team: Team,
  entry: PostWithDeliveries,
): Promise<CommandReply> {
  const events = await ctx.store.listAudit(entry.post.id);
  const lines = [ctx.msg(team, 'audit.title', { number: entry.post.number })];
  for (const event of events) {
    const when = formatLocalTime(event.at, team.timeZone, team.language);
    lines.push(
      `  ${when} · ${event.actorName} · ${ctx.msg(team, `audit.${event.action}`)}${detailOf(ctx, team, event)}`,
    );
  }
  return { text: lines.join('\n') };
}
