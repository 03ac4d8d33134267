import type { DeskContext } from './desk-context.ts';
import { formatLocalClock, formatLocalTime } from './local-time-format.ts';
import type { Post } from './post.ts';
import { type DeliveryPlan, type PostingPolicy, planDelivery } from './posting-window.ts';
import type { Target } from './target.ts';
import type { Team } from './team.ts';

/** How far ahead free slots are looked for, in milliseconds (the planner's own horizon). */
const SLOT_HORIZON_MS = 29 * 24 * 3_600_000;

/** A target's effective posting policy: its own slots and quiet hours, else the team's. */
export function policyOf(team: Team, target: Target | undefined): PostingPolicy {
  const slots = target?.posting?.slots ?? team.posting.slots;
  const quietHours = target?.posting?.quietHours ?? team.posting.quietHours;
  return { ...(slots ? { slots } : {}), ...(quietHours ? { quietHours } : {}) };
}

/**
 * When each delivery of a post should go out: the requested time, the
 * target's next free slot, or now, moved out of quiet hours; urgent posts
 * at once. Returns one plan per target id.
 */
export async function planPost(
  ctx: DeskContext,
  team: Team,
  post: Pick<Post, 'urgent'>,
  requestedAt: Date | undefined,
  targetIds: readonly string[],
  now: Date,
): Promise<ReadonlyMap<string, DeliveryPlan>> {
  const plans = new Map<string, DeliveryPlan>();
  for (const targetId of targetIds) {
    const target = ctx.target(targetId);
    const policy = policyOf(team, target);
    const occupied = policy.slots
      ? await ctx.store.listTargetDueTimes(targetId, now, new Date(now.getTime() + SLOT_HORIZON_MS))
      : [];
    plans.set(
      targetId,
      planDelivery({ requestedAt, now, urgent: post.urgent, policy, timeZone: team.timeZone, occupied }),
    );
  }
  return plans;
}

/** The due instant of each target, as the store takes them. */
export function dueTimes(plans: ReadonlyMap<string, DeliveryPlan>): ReadonlyMap<string, Date> {
  return new Map([...plans].map(([targetId, plan]) => [targetId, plan.at]));
}

/** The earliest due instant of a plan. */
export function earliest(plans: ReadonlyMap<string, DeliveryPlan>): Date | undefined {
  return [...plans.values()].map((plan) => plan.at).sort((a, b) => a.getTime() - b.getTime())[0];
}

/**
 * Thread lines telling when the post goes out: one line when every target
 * goes at the same time as asked, else one line per target saying why.
 */
export function describePlans(
  ctx: DeskContext,
  team: Team,
  plans: ReadonlyMap<string, DeliveryPlan>,
  now: Date,
): string[] {
  const entries = [...plans];
  const when = (at: Date) => formatLocalTime(at, team.timeZone, team.language);
  const simple = entries.every(([, plan]) => plan.reason !== 'slot' && plan.reason !== 'quiet_hours');
  const instants = new Set(entries.map(([, plan]) => plan.at.getTime()));
  if (simple && instants.size <= 1) {
    const at = entries[0]?.[1].at;
    return [
      at && at > now ? ctx.msg(team, 'schedule.at', { when: when(at) }) : ctx.msg(team, 'schedule.now'),
    ];
  }
  return entries.map(([targetId, plan]) => {
    const target = ctx.target(targetId)?.displayName ?? targetId;
    if (plan.reason === 'quiet_hours') {
      const from = formatLocalClock(plan.movedFrom ?? now, team.timeZone);
      return ctx.msg(team, 'schedule.quiet_hours', { target, from, when: when(plan.at) });
    }
    if (plan.reason === 'slot') return ctx.msg(team, 'schedule.slot', { target, when: when(plan.at) });
    return ctx.msg(team, 'schedule.target_at', {
      target,
      when: plan.at > now ? when(plan.at) : ctx.msg(team, 'schedule.now'),
    });
  });
}
