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
    version: post.version,
    text: post.text,
    images: post.images,
    targets: deliveries.map((delivery) => {
      const target = ctx.target(delivery.targetId);
      const rules = target ? ctx.rulesOf(target) : undefined;
      const meter = rules ? measure(rules, post.text, post.images.length) : undefined;
      return {
        id: delivery.targetId,
        displayName: target?.displayName ?? delivery.targetId,
        network: target?.network ?? 'unknown',
        used: meter?.used ?? post.text.length,
        limit: meter?.limit,
        url: delivery.publicUrl,
        altTextDropped: post.images.length > 0 && rules?.carriesAltText === false,
      };
    }),
    when: post.requestedAt ? formatLocalTime(post.requestedAt, team.timeZone, team.language) : undefined,
    author: post.author,
    state: post.state,
    urgent: post.urgent,
    approvals: { have: approvers.length, need: post.approvalsRequired, by: approvers.map((a) => a.name) },
  };
}

/** The card of a post as it is now, with the approvals of its current version. */
export async function drawCard(ctx: DeskContext, team: Team, entry: PostWithDeliveries): Promise<Card> {
  const approvers = await ctx.store.listApprovals(entry.post.id, entry.post.version);
  return buildCard(ctx, team, entry, approvers);
}
