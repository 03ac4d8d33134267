import { type DeskContext, SYSTEM_ACTOR } from './desk-context.ts';
import { describeFailure } from './failure-words.ts';
import { GroupCommit } from './group-commit.ts';
import { formatLocalClock, formatLocalTime } from './local-time-format.ts';
import type { ClaimedDelivery, DeliveryCompletion, PublishApproval } from './ports.ts';
import type { PublishOutcome } from './publish-outcome.ts';
import { DEFAULT_PACING, type TargetPacing } from './target.ts';

/** Tuning of the publishing loop; the defaults suit a municipal team's volume. */
export interface PublishingPolicy {
  /** how long a claim lasts; a worker that dies mid-attempt frees its delivery after this */
  readonly leaseMs: number;
  /** how long one publisher call may take before it is abandoned */
  readonly attemptTimeoutMs: number;
  /** attempts before a transient failure becomes a failure a person must handle */
  readonly maxAttempts: number;
  /** deliveries claimed per claim */
  readonly batchSize: number;
  /** deliveries one process publishes at once, whatever their targets */
  readonly maxInFlight: number;
  /** a delivery published this much after its due time is reported as late */
  readonly lateAfterMs: number;
}

/** Defaults: 5 attempts over about 40 minutes, claims of 2 minutes. */
export const DEFAULT_PUBLISHING_POLICY: PublishingPolicy = {
  leaseMs: 120_000,
  attemptTimeoutMs: 30_000,
  maxAttempts: 5,
  batchSize: 32,
  maxInFlight: 64,
  lateAfterMs: 120_000,
};

/** Backoff before attempt n+1: 30 s, 2 min, 8 min, 30 min, capped at 1 h. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 4 ** Math.max(0, attempts - 1), 3_600_000);
}

/**
 * The attempts this process has under way. A slow network holds only its
 * own slots: the others are claimed and published as soon as room frees,
 * and no round waits for its slowest member.
 */
export class InFlight {
  readonly #running = new Set<Promise<void>>();
  readonly #onSettled: () => void;
  #ended = 0;

  /** `onSettled` runs after each attempt ends, to claim more */
  constructor(onSettled: () => void) {
    this.#onSettled = onSettled;
  }

  get size(): number {
    return this.#running.size;
  }

  /** how many attempts have ended so far: a change means room was made or a stream moved on */
  get ended(): number {
    return this.#ended;
  }

  track(work: Promise<void>): void {
    const settled = work.finally(() => {
      this.#running.delete(settled);
      this.#ended += 1;
      this.#onSettled();
    });
    this.#running.add(settled);
  }

  /** resolves when every attempt under way has ended */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** resolves when any attempt under way ends */
  async any(): Promise<void> {
    if (this.#running.size > 0) await Promise.race([...this.#running].map((p) => p.catch(() => undefined)));
  }
}

function isIdempotent(ctx: DeskContext, targetId: string): boolean {
  const target = ctx.target(targetId);
  return target ? (ctx.deps.publisherFor(target)?.idempotent ?? false) : false;
}

/**
 * True when an abandoned delivery may simply be sent again: its network
 * drops duplicates, and still remembers the key of the attempt that was
 * cut off (a Mastodon instance forgets it after an hour).
 */
function mayResendAbandoned(
  ctx: DeskContext,
  claim: ClaimedDelivery,
  policy: PublishingPolicy,
  now: Date,
): boolean {
  const target = ctx.target(claim.delivery.targetId);
  const publisher = target ? ctx.deps.publisherFor(target) : undefined;
  if (!publisher?.idempotent) return false;
  const window = publisher.idempotencyWindowMs;
  if (window === undefined || claim.previousClaimUntil === undefined) return true;
  const startedAt = claim.previousClaimUntil.getTime() - policy.leaseMs;
  return now.getTime() - startedAt < window;
}

/** The approvers of the version being published and every live target of the post, for networks that carry them. */
async function readApproval(ctx: DeskContext, claim: ClaimedDelivery): Promise<PublishApproval> {
  const [approvers, entry] = await Promise.all([
    ctx.store.listApprovals(claim.post.id, claim.post.version),
    ctx.store.getPostById(claim.post.id),
  ]);
  const targets = (entry?.deliveries ?? [])
    .filter((delivery) => delivery.state !== 'cancelled')
    .map((delivery) => {
      const target = ctx.target(delivery.targetId);
      return {
        id: delivery.targetId,
        displayName: target?.displayName ?? delivery.targetId,
        network: target?.network ?? 'unknown',
      };
    });
  return { approvers, targets };
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
    return { kind: 'rejected', code: 'no_publisher', detail: `no publisher for ${claim.delivery.targetId}` };
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
        proposedAt: claim.post.createdAt,
        approval: () => readApproval(ctx, claim),
        // A checkpoint made for another version of the post would publish the old text.
        checkpoint: claim.checkpoint?.version === claim.post.version ? claim.checkpoint.data : undefined,
        saveCheckpoint: (data) =>
          ctx.store.saveDeliveryCheckpoint(claim.delivery.id, claim.claimToken, {
            version: claim.post.version,
            data,
          }),
      },
      ctx.deps.clock.signalAfter(timeoutMs),
    );
  } catch (error) {
    // Publishers return failures; a throw is a bug, and the request may have left.
    ctx.deps.logger.error({ err: error, delivery: claim.delivery.id }, 'publisher threw');
    return { kind: 'unknown', detail: `publisher threw: ${(error as Error).message}` };
  }
}

function toCompletion(
  ctx: DeskContext,
  claim: ClaimedDelivery,
  outcome: PublishOutcome,
  policy: PublishingPolicy,
): DeliveryCompletion {
  const now = ctx.now();
  const language = ctx.team(claim.post.teamId)?.language ?? 'it';
  const attempts = claim.delivery.attempts;
  const canRetry = attempts < policy.maxAttempts;
  switch (outcome.kind) {
    case 'published':
      return {
        kind: 'published',
        remoteId: outcome.remoteId,
        url: outcome.url,
        ...(outcome.note ? { note: outcome.note } : {}),
      };
    case 'rejected':
      return {
        kind: 'failed',
        code: outcome.code,
        // Credentials that stopped working: the words point to how to renew them.
        error: describeFailure(
          language,
          outcome.code,
          outcome.code === 'token_expired' || outcome.code === 'token_revoked'
            ? (ctx.target(claim.delivery.targetId)?.networkTitle ?? '')
            : outcome.networkReason,
        ),
      };
    case 'rate_limited': {
      const error = describeFailure(language, 'rate_limited');
      if (!canRetry) return { kind: 'failed', code: 'rate_limited', error };
      // The limit is the account's: the whole target waits, in every process.
      const at = new Date(now.getTime() + Math.max(outcome.retryAfterMs, 1000));
      return { kind: 'retry', at, code: 'rate_limited', error, holdTargetUntil: at };
    }
    case 'unavailable': {
      const error = describeFailure(language, 'unavailable');
      return canRetry
        ? { kind: 'retry', at: new Date(now.getTime() + backoffMs(attempts)), code: 'unavailable', error }
        : { kind: 'failed', code: 'unavailable', error };
    }
    case 'unknown': {
      const error = describeFailure(language, 'unknown');
      // Only a network that drops duplicates may be asked again blindly.
      if (isIdempotent(ctx, claim.delivery.targetId) && canRetry) {
        return { kind: 'retry', at: new Date(now.getTime() + backoffMs(attempts)), code: 'unknown', error };
      }
      return { kind: 'unknown', code: 'unknown', error };
    }
  }
}

/** Owes the thread its line about the attempt, and the card its redraw. */
async function report(
  ctx: DeskContext,
  claim: ClaimedDelivery,
  completion: DeliveryCompletion,
  policy: PublishingPolicy,
): Promise<void> {
  const team = ctx.team(claim.post.teamId);
  if (!team) return;
  const target = ctx.target(claim.delivery.targetId);
  const name = target?.displayName ?? claim.delivery.targetId;
  // Its number and author: what the thread's line needs never changes.
  const post = claim.post;
  const author = [post.author.id];
  const dueAt = claim.delivery.nextAttemptAt;
  const now = ctx.now();
  switch (completion.kind) {
    case 'published': {
      const lines = [
        completion.url === ''
          ? ctx.msg(team, 'publish.published_no_link', { target: name })
          : ctx.msg(team, 'publish.published', { target: name, url: completion.url }),
      ];
      if (completion.note) lines.push(ctx.msg(team, `publish.note.${completion.note}`, { target: name }));
      if (dueAt && claim.delivery.attempts === 1 && now.getTime() - dueAt.getTime() > policy.lateAfterMs) {
        lines.unshift(
          ctx.msg(team, 'publish.late', {
            minutes: Math.round((now.getTime() - dueAt.getTime()) / 60_000),
            when: formatLocalTime(dueAt, team.timeZone, team.language),
          }),
        );
      }
      await ctx.say(post, { text: lines.join('\n'), mentions: author });
      break;
    }
    case 'retry':
      await ctx.say(post, {
        text: ctx.msg(team, 'publish.retrying', {
          target: name,
          reason: completion.error,
          when: formatLocalClock(completion.at, team.timeZone),
        }),
      });
      break;
    case 'failed':
      await ctx.say(post, {
        text: ctx.msg(team, 'publish.failed', {
          target: name,
          reason: completion.error,
          number: post.number,
        }),
        mentions: author,
      });
      break;
    case 'unknown':
      await ctx.say(post, {
        text: ctx.msg(team, 'publish.unknown', {
          target: name,
          number: post.number,
          reason: completion.error,
        }),
        mentions: author,
      });
      break;
  }
  await ctx.refreshCard(post);
}

const AUDIT_ACTION = {
  published: 'published',
  retry: 'publish_retry',
  failed: 'publish_failed',
  unknown: 'publish_unknown',
} as const;

/** An attempt's end to record. */
interface AttemptEnd {
  readonly claim: ClaimedDelivery;
  readonly completion: DeliveryCompletion;
}

/** The most attempt ends recorded in one decision. */
const MAX_COMPLETIONS_PER_DECISION = 100;

/**
 * Ends attempts in one decision: each delivery's new state, its audit
 * event, the thread's line and the card's redraw commit together. Returns,
 * for each, whether it was recorded (false: the claim was lost).
 */
function completeAll(
  ctx: DeskContext,
  batch: readonly AttemptEnd[],
  policy: PublishingPolicy,
): Promise<readonly boolean[]> {
  return ctx.decide(async (tx) => {
    const recorded = await tx.store.completeDeliveries(
      batch.map(({ claim, completion }) => ({
        deliveryId: claim.delivery.id,
        claimToken: claim.claimToken,
        completion,
      })),
      tx.now(),
    );
    for (const [index, { claim, completion }] of batch.entries()) {
      if (!recorded[index]) continue;
      await tx.audit(claim.post, SYSTEM_ACTOR, AUDIT_ACTION[completion.kind], {
        target: claim.delivery.targetId,
        attempt: claim.delivery.attempts,
        ...(completion.kind === 'published' ? { url: completion.url, remoteId: completion.remoteId } : {}),
        ...(completion.kind === 'retry'
          ? { code: completion.code, error: completion.error, retryAt: completion.at.toISOString() }
          : {}),
        ...(completion.kind === 'failed' || completion.kind === 'unknown'
          ? { code: completion.code, error: completion.error }
          : {}),
      });
      await report(tx, claim, completion, policy);
      if (completion.kind === 'retry') tx.wake(completion.at);
    }
    return recorded;
  });
}

// One group commit of attempts' ends per process's set of attempts under way.
const recorders = new WeakMap<InFlight, GroupCommit<AttemptEnd, boolean>>();

/** Ends an attempt, with others that end at the same time; logs a claim lost meanwhile. */
async function complete(
  ctx: DeskContext,
  claim: ClaimedDelivery,
  completion: DeliveryCompletion,
  policy: PublishingPolicy,
  inFlight: InFlight,
): Promise<void> {
  let recorder = recorders.get(inFlight);
  if (!recorder) {
    recorder = new GroupCommit((batch) => completeAll(ctx, batch, policy), MAX_COMPLETIONS_PER_DECISION);
    recorders.set(inFlight, recorder);
  }
  if (!(await recorder.submit({ claim, completion }))) {
    // Our lease passed and another worker holds the delivery now (or has
    // ended it): its outcome is the one on record, announced and audited by
    // it, so this late answer only goes to the log.
    ctx.deps.logger.warn(
      { delivery: claim.delivery.id, outcome: completion.kind },
      'claim lost before completion; another worker took over',
    );
  }
}

async function publishClaimed(
  ctx: DeskContext,
  claim: ClaimedDelivery,
  policy: PublishingPolicy,
  inFlight: InFlight,
): Promise<void> {
  const log = ctx.deps.logger.child({
    post: claim.post.number,
    teamId: claim.post.teamId,
    target: claim.delivery.targetId,
  });
  try {
    const outcome = await callPublisher(ctx, claim, policy.attemptTimeoutMs);
    log.info(
      {
        outcome: outcome.kind,
        attempt: claim.delivery.attempts,
        ...(outcome.kind === 'published' ? {} : { detail: outcome.detail }),
      },
      'publish attempt ended',
    );
    await complete(ctx, claim, toCompletion(ctx, claim, outcome, policy), policy, inFlight);
  } catch (error) {
    // The database failed while recording: the lease runs out and recovery takes it over.
    log.error({ err: error }, 'could not record the end of a publish attempt');
  }
}

/** The pacing of every target this desk knows. */
function pacingOf(ctx: DeskContext): ReadonlyMap<string, TargetPacing> {
  return new Map(ctx.deps.targets.map((target) => [target.id, target.pacing ?? DEFAULT_PACING]));
}

/** Records the start of a claimed attempt (`resumed` when it takes over a dead worker's). */
function auditAttempt(tx: DeskContext, claim: ClaimedDelivery, resumed: boolean): Promise<void> {
  return tx.audit(claim.post, SYSTEM_ACTOR, 'publish_attempt', {
    target: claim.delivery.targetId,
    attempt: claim.delivery.attempts,
    ...(resumed ? { resumed: true } : {}),
  });
}

/** Claims due deliveries and records each attempt's start with the claim, in one transaction. */
function claimDue(
  ctx: DeskContext,
  now: Date,
  limit: number,
  policy: PublishingPolicy,
): Promise<readonly ClaimedDelivery[]> {
  return ctx.decide(async (tx) => {
    const claims = await tx.store.claimDueDeliveries(tx.teamIds, now, limit, policy.leaseMs, pacingOf(tx));
    for (const claim of claims) await auditAttempt(tx, claim, false);
    return claims;
  });
}

/**
 * Deliveries whose worker died mid-attempt: sent again when their network
 * drops duplicates, otherwise put to a person, since the post may be out.
 */
async function recoverAbandoned(
  ctx: DeskContext,
  policy: PublishingPolicy,
  now: Date,
  inFlight: InFlight,
): Promise<void> {
  for (;;) {
    const claims = await ctx.decide(async (tx) => {
      const taken = await tx.store.claimAbandonedDeliveries(
        tx.teamIds,
        now,
        policy.batchSize,
        policy.leaseMs,
      );
      for (const claim of taken.filter((c) => mayResendAbandoned(tx, c, policy, now))) {
        await auditAttempt(tx, claim, true);
      }
      return taken;
    });
    if (claims.length === 0) return;
    for (const claim of claims) {
      if (mayResendAbandoned(ctx, claim, policy, now)) {
        inFlight.track(publishClaimed(ctx, claim, policy, inFlight));
      } else {
        const language = ctx.team(claim.post.teamId)?.language ?? 'it';
        const error = describeFailure(language, 'interrupted');
        await complete(ctx, claim, { kind: 'unknown', code: 'interrupted', error }, policy, inFlight);
      }
    }
  }
}

/**
 * Starts publishing what is due at `now`, as far as this process's room
 * and each target's pacing allow, without waiting for the attempts to end
 * (each ending asks for another round). Returns when the next delivery may go.
 */
export async function startDue(
  ctx: DeskContext,
  now: Date,
  policy: PublishingPolicy,
  inFlight: InFlight,
): Promise<Date | undefined> {
  await recoverAbandoned(ctx, policy, now, inFlight);
  for (;;) {
    const room = policy.maxInFlight - inFlight.size;
    if (room <= 0) break;
    const claims = await claimDue(ctx, now, Math.min(room, policy.batchSize), policy);
    for (const claim of claims) inFlight.track(publishClaimed(ctx, claim, policy, inFlight));
    if (claims.length === 0) break;
  }
  return notBefore(await ctx.store.nextDueAt(ctx.teamIds), now);
}

/** Least wait between two rounds when what is due cannot go yet (a target at its in-flight cap). */
const RECHECK_MS = 1000;

/**
 * The next instant worth a round: a due time already passed means what is
 * due waits for room (its own attempts' endings ask for a round, another
 * process's do not), so a round is worth it a little later, never in a loop.
 */
export function notBefore(next: Date | undefined, now: Date): Date | undefined {
  if (!next || next > now) return next;
  return new Date(now.getTime() + RECHECK_MS);
}

/**
 * Publishes everything due at `now` and waits until every attempt has
 * ended: a whole round, for tests and one-shot runs.
 */
export async function publishDue(
  ctx: DeskContext,
  now: Date,
  policy: PublishingPolicy,
  inFlight: InFlight,
): Promise<Date | undefined> {
  for (;;) {
    const ended = inFlight.ended;
    const next = await startDue(ctx, now, policy, inFlight);
    // An attempt that ended while this round looked may have made room: look again.
    if (inFlight.size === 0 && inFlight.ended === ended) return next;
    await inFlight.any();
  }
}
