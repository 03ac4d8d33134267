import type { Actor } from './actor.ts';
import type { Card } from './card.ts';
import type { DeskContext } from './desk-context.ts';
import { formatLocalTime } from './local-time-format.ts';
import { measure } from './network-rules.ts';
import type { PostWithDeliveries } from './ports.ts';
import type { Team } from './team.ts';

/** The card of a post as it stands, with a length meter per target. */
export function buildCard(
  ctx: DeskContext,
  team: Team,
  entry: PostWithDeliveries,
  approvers: readonly Actor[],
): Card {
  const { post, deliveries } = entry;
  return {
    language: team.language,
    postNumber: post.number,
    text: post.text,
    images: post.images,
    targets: deliveries.map((delivery) => {
      const target = ctx.target(delivery.targetId);
      const meter = target ? measure(target.network, post.text, post.images.length) : undefined;
      return {
        id: delivery.targetId,
        displayName: target?.displayName ?? delivery.targetId,
        network: target?.network ?? 'unknown',
        used: meter?.used ?? post.text.length,
        limit: meter?.limit,
        url: delivery.publicUrl,
      };
    }),
    when: post.requestedAt ? formatLocalTime(post.requestedAt, team.timeZone, team.language) : undefined,
    author: post.author,
    state: post.state,
    urgent: post.urgent,
    approvals: { have: approvers.length, need: post.approvalsRequired, by: approvers.map((a) => a.name) },
  };
}

/** Loads the post afresh and redraws its card in place; chat failures are logged. */
export async function refreshCard(ctx: DeskContext, team: Team, postId: string): Promise<void> {
  const entry = await ctx.store.getPostById(postId);
  if (!entry?.post.cardRef) return;
  const approvers = await ctx.store.listApprovals(postId, entry.post.version);
  try {
    await ctx.deps.chat.updateCard(team, entry.post.cardRef, buildCard(ctx, team, entry, approvers));
  } catch (error) {
    ctx.deps.logger.error(
      { err: error, teamId: team.id, post: entry.post.number },
      'could not update the card',
    );
  }
}
