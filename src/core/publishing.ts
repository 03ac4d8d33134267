import { refreshCard } from './card-builder.ts';
import { type DeskContext, SYSTEM_ACTOR } from './desk-context.ts';
import { t } from './i18n/translate.ts';
import { formatLocalClock, formatLocalTime } from './local-time-format.ts';
import type { ClaimedDelivery, DeliveryCompletion, PostWithDeliveries } from './ports.ts';
import type { PublishOutcome } from './publish-outcome.ts';

/** Tuning of the publishing loop; the defaults suit a municipal team's volume. */
export interface PublishingPolicy {
  /** how long a claim lasts; a worker that dies mid-attempt frees its delivery after this */
  readonly leaseMs: number;
  /** how long one publisher call may take before it is abandoned */
  readonly attemptTimeoutMs: number;
  /** attempts before a transient failure becomes a failure a person must handle */
  readonly maxAttempts: number;
  /** deliveries claimed per round */
  readonly batchSize: number;
  /** a delivery published this much after its due time is reported as late */
  readonly lateAfterMs: number;
}

/** Defaults: 5 attempts over about 40 minutes, claims of 2 minutes. */
export const DEFAULT_PUBLISHING_POLICY: PublishingPolicy = {
  leaseMs: 120_000,
  attemptTimeoutMs: 30_000,
  maxAttempts: 5,
  batchSize: 10,
  lateAfterMs: 120_000,
};

/** Backoff before attempt n+1: 30 s, 2 min, 8 min, 30 min, capped at 1 h. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 4 ** Math.max(0, attempts - 1), 3_600_000);
}

async function callPublisher(
  ctx: DeskContext,
  claim: ClaimedDelivery,
  timeoutMs: number,
): Promise<PublishOutcome> {
  const target = ctx.target(claim.delivery.targetId);
  const team = ctx.team(claim.post.teamId);
  const publisher = target ? ctx.deps.publisherFor(target) : undefined;
  if (!target || !team || !publisher) {
    // Shown in the thread, /status and the digest: in the team's words. A
    // post always belongs to a served team; the fallback is for a config
    // that dropped the team while its posts were in flight.
    const reason = t(team?.language ?? 'it', 'publish.missing_publisher', {
      target: claim.delivery.targetId,
    });
    return { kind: 'rejected', reason };
  }
  try {
    return await publisher.publish(
      {
        deliveryId: claim.delivery.id,
        idempotencyKey: `araldo-${claim.delivery.id}`,
        target,
        team,
        postNumber: claim.post.number,
        text: claim.post.text,
        images: claim.post.images,
        author: claim.post.author,
        publishedAt: ctx.now(),
      },
      ctx.deps.clock.signalAfter(timeoutMs),
    );
  } catch (error) {
    // Publishers return failures; a throw is a bug, and the request may have left.
    ctx.deps.logger.error({ err: error, delivery: claim.delivery.id }, 'publisher threw');
    // The error's own words are for the log; the thread gets the team's language.
    return { kind: 'unknown', reason: t(team.language, 'publish.publisher_error') };
  }
}

function toCompletion(
  ctx: DeskContext,
  claim: ClaimedDelivery,
  outcome: PublishOutcome,
  policy: PublishingPolicy,
): DeliveryCompletion {
  const now = ctx.now();
  const target = ctx.target(claim.delivery.targetId);
  const idempotent = target ? (ctx.deps.publisherFor(target)?.idempotent ?? false) : false;
  const attempts = claim.delivery.attempts;
  switch (outcome.kind) {
    case 'published':
      return { kind: 'published', remoteId: outcome.remoteId, url: outcome.url };
    case 'rejected':
      return { kind: 'failed', error: outcome.reason };
    case 'rate_limited':
      return attempts < policy.maxAttempts
        ? {
            kind: 'retry',
            at: new Date(now.getTime() + Math.max(outcome.retryAfterMs, 1000)),
            error: outcome.reason,
          }
        : { kind: 'failed', error: outcome.reason };
    case 'unavailable':
      return attempts < policy.maxAttempts
        ? { kind: 'retry', at: new Date(now.getTime() + backoffMs(attempts)), error: outcome.reason }
        : { kind: 'failed', error: outcome.reason };
    case 'unknown':
      // Only a network that drops duplicates may be asked again blindly.
      if (idempotent && attempts < policy.maxAttempts) {
        return { kind: 'retry', at: new Date(now.getTime() + backoffMs(attempts)), error: outcome.reason };
      }
      return { kind: 'unknown', error: outcome.reason };
  }
}

async function report(
  ctx: DeskContext,
  claim: ClaimedDelivery,
  completion: DeliveryCompletion,
  after: PostWithDeliveries,
  policy: PublishingPolicy,
): Promise<void> {
  const team = ctx.team(claim.post.teamId);
  if (!team) return;
  const target = ctx.target(claim.delivery.targetId);
  const name = target?.displayName ?? claim.delivery.targetId;
  const post = after.post;
  const author = [post.author.id];
  const dueAt = claim.delivery.nextAttemptAt;
  const now = ctx.now();
  switch (completion.kind) {
    case 'published': {
      const lines = [ctx.msg(team, 'publish.published', { target: name, url: completion.url })];
      if (dueAt && claim.delivery.attempts === 1 && now.getTime() - dueAt.getTime() > policy.lateAfterMs) {
        lines.unshift(
          ctx.msg(team, 'publish.late', {
            minutes: Math.round((now.getTime() - dueAt.getTime()) / 60_000),
            when: formatLocalTime(dueAt, team.timeZone, team.language),
          }),
        );
      }
      await ctx.sayInThread(team, post, { text: lines.join('\n'), mentions: author });
      break;
    }
    case 'retry':
      await ctx.sayInThread(team, post, {
        text: ctx.msg(team, 'publish.retrying', {
          target: name,
          reason: completion.error,
          when: formatLocalClock(completion.at, team.timeZone),
        }),
      });
      break;
    case 'failed':
      await ctx.sayInThread(team, post, {
        text: ctx.msg(team, 'publish.failed', {
          target: name,
          reason: completion.error,
          number: post.number,
        }),
        mentions: author,
      });
      break;
    case 'unknown':
      await ctx.sayInThread(team, post, {
        text: ctx.msg(team, 'publish.unknown', { target: name, number: post.number }),
        mentions: author,
      });
      break;
  }
  await refreshCard(ctx, team, post.id);
}

const AUDIT_ACTION = {
  published: 'published',
  retry: 'publish_retry',
  failed: 'publish_failed',
  unknown: 'publish_unknown',
} as const;

async function complete(
  ctx: DeskContext,
  claim: ClaimedDelivery,
  completion: DeliveryCompletion,
  policy: PublishingPolicy,
): Promise<void> {
  const after = await ctx.store.completeDelivery(claim.delivery.id, claim.claimToken, completion, ctx.now());
  if (!after) {
    // Our lease passed and another worker holds the delivery now (or has
    // ended it): its outcome is the one on record, announced and audited by
    // it, so this late answer only goes to the log.
    ctx.deps.logger.warn(
      { delivery: claim.delivery.id, outcome: completion.kind },
      'claim lost before completion; another worker took over',
    );
    return;
  }
  await ctx.audit(claim.post, SYSTEM_ACTOR, AUDIT_ACTION[completion.kind], {
    target: claim.delivery.targetId,
    attempt: claim.delivery.attempts,
    ...(completion.kind === 'published' ? { url: completion.url, remoteId: completion.remoteId } : {}),
    ...(completion.kind === 'retry' ? { error: completion.error, retryAt: completion.at.toISOString() } : {}),
    ...(completion.kind === 'failed' || completion.kind === 'unknown' ? { error: completion.error } : {}),
  });
  await report(ctx, claim, completion, after, policy);
  if (completion.kind === 'retry') ctx.wake(completion.at);
}

async function publishClaimed(
  ctx: DeskContext,
  claim: ClaimedDelivery,
  policy: PublishingPolicy,
): Promise<void> {
  const log = ctx.deps.logger.child({
    post: claim.post.number,
    teamId: claim.post.teamId,
    target: claim.delivery.targetId,
  });
  await ctx.audit(claim.post, SYSTEM_ACTOR, 'publish_attempt', {
    target: claim.delivery.targetId,
    attempt: claim.delivery.attempts,
  });
  const outcome = await callPublisher(ctx, claim, policy.attemptTimeoutMs);
  log.info({ outcome: outcome.kind, attempt: claim.delivery.attempts }, 'publish attempt ended');
  await complete(ctx, claim, toCompletion(ctx, claim, outcome, policy), policy);
}

/**
 * Deliveries whose worker died mid-attempt: sent again when their network
 * drops duplicates, otherwise put to a person, since the post may be out.
 */
async function recoverAbandoned(ctx: DeskContext, policy: PublishingPolicy, now: Date): Promise<void> {
  for (;;) {
    const claims = await ctx.store.claimAbandonedDeliveries(
      ctx.teamIds,
      now,
      policy.batchSize,
      policy.leaseMs,
    );
    if (claims.length === 0) return;
    for (const claim of claims) {
      const target = ctx.target(claim.delivery.targetId);
      const idempotent = target ? (ctx.deps.publisherFor(target)?.idempotent ?? false) : false;
      if (idempotent) await publishClaimed(ctx, claim, policy);
      else {
        const language = ctx.team(claim.post.teamId)?.language ?? 'it';
        await complete(ctx, claim, { kind: 'unknown', error: t(language, 'publish.interrupted') }, policy);
      }
    }
  }
}

/**
 * One round of the scheduler: recovers abandoned attempts, then publishes
 * every delivery due at `now`, each on its own. Returns when the next
 * delivery is due, so the caller can sleep until then.
 */
export async function publishDue(
  ctx: DeskContext,
  now: Date,
  policy: PublishingPolicy = DEFAULT_PUBLISHING_POLICY,
): Promise<Date | undefined> {
  await recoverAbandoned(ctx, policy, now);
  for (;;) {
    const claims = await ctx.store.claimDueDeliveries(ctx.teamIds, now, policy.batchSize, policy.leaseMs);
    if (claims.length === 0) break;
    await Promise.all(claims.map((claim) => publishClaimed(ctx, claim, policy)));
  }
  return ctx.store.nextDueAt(ctx.teamIds);
}
