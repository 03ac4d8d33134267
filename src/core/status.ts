import type { CommandReply } from './command-reply.ts';
import type { DeskContext } from './desk-context.ts';
import { formatLocalTime } from './local-time-format.ts';
import type { PostWithDeliveries } from './ports.ts';
import type { Team } from './team.ts';

/**
 * `/status ID`: the post's state, approvals and each delivery's outcome,
 * every state in the team's language (never the raw identifier).
 */
export async function describeStatus(
  ctx: DeskContext,
  team: Team,
  entry: PostWithDeliveries,
): Promise<CommandReply> {
  const { post, deliveries } = entry;
  const approvers = await ctx.store.listApprovals(post.id, post.version);
  const lines = [
    `#${post.number} — ${ctx.msg(team, `state.${post.state}`)}`,
    ctx.msg(team, 'card.author', { name: post.author.name }),
    post.requestedAt
      ? ctx.msg(team, 'card.when.at', {
          when: formatLocalTime(post.requestedAt, team.timeZone, team.language),
        })
      : ctx.msg(team, 'card.when.asap'),
    ctx.msg(team, 'card.approvals', {
      have: approvers.length,
      need: post.approvalsRequired,
      by: approvers.map((a) => a.name).join(', '),
    }),
    ...deliveries.map((d) =>
      ctx.msg(team, 'status.delivery', {
        target: ctx.target(d.targetId)?.displayName ?? d.targetId,
        state: ctx.msg(team, `delivery.${d.state}`),
        attempts: d.attempts,
        detail: d.publicUrl ?? d.lastError ?? '',
      }),
    ),
  ];
  return { text: lines.join('\n') };
}
