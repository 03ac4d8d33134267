import { type Actor, isListed } from './actor.ts';
import { type DeskContext, SYSTEM_ACTOR } from './desk-context.ts';
import { describePlans, dueTimes, earliest, planPost } from './planning.ts';
import type { PostWithDeliveries } from './ports.ts';
import { isUndecided, type Post, type PostState, UNDECIDED_STATES } from './post.ts';
import type { DeliveryPlan } from './posting-window.ts';
import type { ReviewAction } from './review-action.ts';
import type { Team } from './team.ts';

/** States in which an approval can still be withdrawn: approved, not yet publishing. */
const WITHDRAWABLE: readonly PostState[] = ['approved', 'scheduled'];

function mayApprove(team: Team, actor: Actor): boolean {
  return isListed(team.approvers, actor);
}

/**
 * Answers a reaction that does not count, but only once per person and
 * post, so a card does not fill with the same remark; the claimed notice
 * keeps "once" true even when two events race.
 */
async function ignoreOnce(
  ctx: DeskContext,
  team: Team,
  post: Post,
  actor: Actor,
  reason: 'self_approval' | 'not_an_approver',
): Promise<void> {
  const first = await ctx.store.claimNotice(post.id, `${reason}:${actor.id}`, ctx.now());
  await ctx.audit(post, actor, 'approval_ignored', { reason });
  if (first) {
    await ctx.say(post, { text: ctx.msg(team, `reaction.${reason}`, { name: actor.name }) });
  }
}

/**
 * Schedules an approved post: each delivery at its planned instant (the
 * requested time, the target's next free slot, or now, out of quiet hours;
 * urgent posts at once). Two approvers at the same instant both reach the
 * threshold; the conditional transition lets exactly one of them schedule it.
 */
async function scheduleApproved(
  ctx: DeskContext,
  team: Team,
  post: Post,
): Promise<{ post: Post; plans: ReadonlyMap<string, DeliveryPlan>; now: Date } | undefined> {
  const now = ctx.now();
  const entry = await ctx.store.getPostById(post.id);
  if (!entry) return undefined;
  const targetIds = entry.deliveries.filter((d) => d.state === 'pending').map((d) => d.targetId);
  const plans = await planPost(ctx, team, post, post.requestedAt, targetIds, now);
  const first = earliest(plans) ?? now;
  const scheduled = await ctx.store.schedulePost(
    post.id,
    UNDECIDED_STATES,
    first > now ? 'scheduled' : 'approved',
    dueTimes(plans),
    now,
    // Approvals were counted for this version; an edit since then resets them.
    post.version,
  );
  if (!scheduled) return undefined;
  await ctx.audit(post, SYSTEM_ACTOR, 'scheduled', {
    due: Object.fromEntries(
      [...plans].map(([id, plan]) => [id, { at: plan.at.toISOString(), reason: plan.reason }]),
    ),
  });
  return { post: scheduled, plans, now };
}

/**
 * Counts an approval and schedules the post once enough are in. The count
 * is taken afresh every time, even for an approval already stored: if a
 * crash or an outage hit between storing an approval and scheduling, the
 * next ✅ (or the platform's retry of the same event) finishes the job instead of
 * leaving an approved post waiting forever.
 */
async function approve(
  ctx: DeskContext,
  team: Team,
  post: Post,
  actor: Actor,
  seenVersion: number | undefined,
): Promise<void> {
  if (seenVersion !== undefined && seenVersion !== post.version && post.state === 'pending') {
    // An edit landed between the ✅ and its handling: the approver saw the
    // earlier text, so this approval is not for the text there is now.
    await ctx.audit(post, actor, 'approval_ignored', { reason: 'stale_version', seen: seenVersion });
    await ctx.say(post, { text: ctx.msg(team, 'reaction.stale_version', { name: actor.name }) });
    return;
  }
  if (post.state === 'changes_requested') {
    // Approving the text someone asked to change would publish it unchanged.
    await ctx.say(post, { text: ctx.msg(team, 'reaction.needs_edit', { name: actor.name }) });
    return;
  }
  if (post.state !== 'pending') return;
  const added = await ctx.store.addApproval(post.id, post.version, actor, ctx.now());
  const have = (await ctx.store.listApprovals(post.id, post.version)).length;
  const need = post.approvalsRequired;
  if (added) await ctx.audit(post, actor, 'approved', { version: post.version, have, need });
  if (have < need) {
    if (!added) return;
    await ctx.say(post, {
      text: ctx.msg(team, 'reaction.approval_counted', { name: actor.name, have, need }),
    });
    await ctx.refreshCard(post);
    return;
  }
  const scheduled = await scheduleApproved(ctx, team, post);
  if (!scheduled) return;
  await ctx.say(post, {
    text: [
      ctx.msg(team, 'reaction.approved', { name: actor.name, have, need }),
      ...describePlans(ctx, team, scheduled.plans, scheduled.now),
    ].join('\n'),
  });
  await ctx.refreshCard(post);
  const first = earliest(scheduled.plans);
  if (first) ctx.wake(first);
}

/**
 * Withdraws an approval; a post that no longer has enough goes back to
 * waiting, unless publishing has started. Like approve, it recounts even
 * when the approval was already gone, so an interrupted withdrawal completes.
 */
async function withdraw(ctx: DeskContext, team: Team, post: Post, actor: Actor): Promise<void> {
  if (!isUndecided(post.state) && !WITHDRAWABLE.includes(post.state)) {
    // Publishing has started or ended: the approval stays on record, and the person is told.
    if (post.state !== 'rejected' && post.state !== 'cancelled') {
      await ctx.say(post, {
        text: ctx.msg(team, 'reaction.withdraw_too_late', { name: actor.name }),
      });
    }
    return;
  }
  const removed = await ctx.store.removeApproval(post.id, post.version, actor.id);
  const have = (await ctx.store.listApprovals(post.id, post.version)).length;
  const need = post.approvalsRequired;
  if (removed) await ctx.audit(post, actor, 'approval_withdrawn', { version: post.version, have, need });
  if (WITHDRAWABLE.includes(post.state) && have < need) {
    const back = await ctx.store.unschedulePost(post.id, WITHDRAWABLE, 'pending', ctx.now());
    const now = back ?? (await ctx.store.getPostById(post.id))?.post;
    if (now?.state !== 'pending') {
      await ctx.say(post, {
        text: ctx.msg(team, 'reaction.withdraw_too_late', { name: actor.name }),
      });
      return;
    }
  } else if (!removed) {
    return;
  }
  await ctx.say(post, {
    text: ctx.msg(team, 'reaction.withdrawn', { name: actor.name, have, need }),
  });
  await ctx.refreshCard(post);
}

async function reject(ctx: DeskContext, team: Team, post: Post, actor: Actor): Promise<void> {
  const closed = await ctx.store.closePost(
    post.id,
    [...UNDECIDED_STATES, ...WITHDRAWABLE],
    'rejected',
    ctx.now(),
  );
  if (!closed) return;
  await ctx.audit(post, actor, 'rejected', {});
  await ctx.say(post, {
    text: ctx.msg(team, 'reaction.rejected', { name: actor.name }),
    mentions: [post.author.id],
  });
  await ctx.refreshCard(post);
}

async function requestChanges(ctx: DeskContext, team: Team, post: Post, actor: Actor): Promise<void> {
  const moved = await ctx.store.unschedulePost(
    post.id,
    ['pending', ...WITHDRAWABLE],
    'changes_requested',
    ctx.now(),
  );
  if (!moved) return;
  await ctx.audit(post, actor, 'changes_requested', {});
  await ctx.say(post, {
    text: ctx.msg(team, 'reaction.changes_requested', { name: actor.name }),
    mentions: [post.author.id],
  });
  await ctx.refreshCard(post);
}

/**
 * Why a review by a button on the card is refused, for the clicker alone:
 * undefined when it goes on to `review`. A button, unlike a reaction, is
 * answered privately and every time (each click is a question).
 */
export async function refuseReviewClick(
  ctx: DeskContext,
  team: Team,
  post: Post,
  actor: Actor,
  action: ReviewAction,
  seenVersion: number | undefined,
): Promise<string | undefined> {
  const refused = async (reason: 'self_approval' | 'not_an_approver') => {
    await ctx.audit(post, actor, 'approval_ignored', { reason, by: 'button' });
    return ctx.msg(team, `button.${reason}`, { number: post.number });
  };
  if (actor.id === post.author.id) return refused('self_approval');
  if (!mayApprove(team, actor)) return refused('not_an_approver');
  if (!isUndecided(post.state) && !(action === 'request_changes' && WITHDRAWABLE.includes(post.state))) {
    return ctx.msg(team, 'button.not_waiting', {
      number: post.number,
      status: ctx.msg(team, `state.${post.state}`),
    });
  }
  if (action === 'approve' && post.state === 'changes_requested') {
    return ctx.msg(team, 'button.needs_edit', { number: post.number });
  }
  if (action === 'request_changes' && post.state === 'changes_requested') {
    return ctx.msg(team, 'button.changes_already_requested', { number: post.number });
  }
  if (action === 'approve' && seenVersion !== undefined && seenVersion !== post.version) {
    // The card clicked showed an earlier text: an approval is for the text there is now.
    await ctx.audit(post, actor, 'approval_ignored', {
      reason: 'stale_version',
      seen: seenVersion,
      by: 'button',
    });
    return ctx.msg(team, 'button.stale_version', { number: post.number });
  }
  if (action === 'approve' && post.state === 'pending') {
    const approvals = await ctx.store.listApprovals(post.id, post.version);
    if (approvals.some((approval) => approval.id === actor.id)) {
      return ctx.msg(team, 'button.already_approved', { number: post.number });
    }
  }
  return undefined;
}

/** A reaction on a proposal card, as every chat reports it. */
export interface ReactionEvent {
  readonly actor: Actor;
  readonly action: ReviewAction;
  /** true when added, false when removed */
  readonly added: boolean;
  /** the post's version when the reaction arrived, if known: an approval of an earlier version does not count */
  readonly seenVersion?: number;
}

/**
 * Applies a reaction on a post's card: only approvers count, never the
 * author, and double events count once (approvals are unique per person and
 * version). Removing ✅ before publication withdraws that approval.
 */
export async function review(
  ctx: DeskContext,
  team: Team,
  entry: PostWithDeliveries,
  event: ReactionEvent,
): Promise<void> {
  const { post } = entry;
  const { actor, action, added } = event;
  await ctx.audit(post, actor, added ? 'reacted' : 'unreacted', { action });
  if (!added) {
    if (action === 'approve' && mayApprove(team, actor)) await withdraw(ctx, team, post, actor);
    return;
  }
  if (actor.id === post.author.id) {
    if (action === 'approve') await ignoreOnce(ctx, team, post, actor, 'self_approval');
    return;
  }
  if (!mayApprove(team, actor)) {
    await ignoreOnce(ctx, team, post, actor, 'not_an_approver');
    return;
  }
  switch (action) {
    case 'approve':
      return approve(ctx, team, post, actor, event.seenVersion);
    case 'reject':
      return reject(ctx, team, post, actor);
    case 'request_changes':
      return requestChanges(ctx, team, post, actor);
  }
}
