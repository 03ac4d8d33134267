import type { AuditAction } from './audit-event.ts';
import { BatchedReader } from './batched-reader.ts';
import { buildCard } from './card-builder.ts';
import { type DeskContext, SYSTEM_ACTOR } from './desk-context.ts';
import { GroupCommit } from './group-commit.ts';
import { buildOverview, type TeamOverview } from './overview.ts';
import type { ClaimedOwedMessage, OwedCompletion } from './owed-message.ts';
import type { ChatResult, MessageKey, PostedCard, PostWithApprovers } from './ports.ts';
import { type InFlight, notBefore } from './publishing.ts';
import { err } from './result.ts';
import type { Team } from './team.ts';

/** Tuning of the chat outbox. */
export interface OutboxPolicy {
  /** how long a claim on a message lasts; a dispatcher that dies frees it after this */
  readonly leaseMs: number;
  /** attempts before a message is given up (logged; the chat is down for good or refuses it) */
  readonly maxAttempts: number;
  /** messages claimed at once */
  readonly batchSize: number;
  /** messages one process sends at once (to different streams) */
  readonly maxInFlight: number;
}

/**
 * Defaults: retries for about four hours (a chat outage of a morning delays
 * messages, it does not lose them), 32 messages at once per process. The
 * lease outlasts the longest attempt (a look-up of 5 pages and a write, each
 * call at most 10 s), so no attempt is taken over while it may still write.
 */
export const DEFAULT_OUTBOX_POLICY: OutboxPolicy = {
  leaseMs: 120_000,
  maxAttempts: 30,
  batchSize: 32,
  maxInFlight: 32,
};

/** Wait before attempt n+1 of a message: 1 s, 2 s, 4 s … capped at 10 minutes. */
export function outboxBackoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 600_000);
}

/** What one attempt sends; the result says how it went. */
async function send(
  ctx: DeskContext,
  team: Team,
  row: ClaimedOwedMessage,
  key: MessageKey,
): Promise<ChatResult<PostedCard | undefined> | { readonly skip: true }> {
  const chat = ctx.deps.chat;
  const current = () => (row.postId === undefined ? undefined : cardReaderOf(ctx).read(row.postId));
  switch (row.kind) {
    case 'card': {
      const found = await current();
      if (!found) return { skip: true };
      return chat.postCard(team, buildCard(ctx, team, found.entry, found.approvers), key);
    }
    case 'card_update': {
      // Drawn now, from the post as it is: every update waiting before this one is in it.
      const found = await current();
      const cardRef = found?.entry.post.cardRef;
      if (!found || !cardRef) return { skip: true };
      const done = await chat.updateCard(
        team,
        cardRef,
        buildCard(ctx, team, found.entry, found.approvers),
        key,
      );
      return done.ok ? { ok: true, value: undefined } : done;
    }
    case 'thread': {
      // The post's card and number came with the claim: a line reads nothing more.
      if (!row.post || !row.message) return { skip: true };
      const done = row.post.cardRef
        ? await chat.replyInThread(team, row.post.cardRef, row.message, key)
        : // The card never went out (the chat refused it): the line goes to the channel, numbered.
          await chat.postInChannel(
            team,
            { ...row.message, text: `#${row.post.number}: ${row.message.text}` },
            key,
          );
      return done.ok ? { ok: true, value: undefined } : done;
    }
    case 'channel':
    case 'digest': {
      if (!row.message) return { skip: true };
      const done = await chat.postInChannel(team, row.message, key);
      return done.ok ? { ok: true, value: undefined } : done;
    }
    case 'private': {
      if (!row.message || row.recipient === undefined) return { skip: true };
      const done = await chat.sayPrivately(team, row.recipient, row.message, key);
      return done.ok ? { ok: true, value: undefined } : done;
    }
    case 'overview': {
      if (row.recipient === undefined) return { skip: true };
      const teamIds = await ctx.store.listFollowedTeams(row.recipient, ctx.teamIds);
      return publishOverviews(ctx, team, [{ viewer: row.recipient, teamIds }], key);
    }
    case 'overview_update':
      return publishOverviews(ctx, team, await ctx.store.listOverviewAudience(team.id), key);
  }
  // A kind a newer release wrote, met by an older process during an upgrade: left for the newer one.
  return { skip: true };
}

/**
 * Draws each follower's overview (every team they follow that this desk
 * serves, each team drawn once) and publishes it; the first failure ends
 * the attempt, and a retry draws them all again (publishing is idempotent).
 */
async function publishOverviews(
  ctx: DeskContext,
  team: Team,
  audience: readonly { viewer: string; teamIds: readonly string[] }[],
  key: MessageKey,
): Promise<ChatResult<PostedCard | undefined> | { readonly skip: true }> {
  const publish = ctx.deps.chat.publishOverview?.bind(ctx.deps.chat);
  if (!publish || audience.length === 0) return { skip: true };
  const drawn = new Map<string, Promise<TeamOverview>>();
  const overviewOf = (teamId: string) => {
    let overview = drawn.get(teamId);
    const followed = ctx.team(teamId);
    if (!overview && followed) {
      overview = buildOverview(ctx, followed);
      drawn.set(teamId, overview);
    }
    return overview;
  };
  // Each follower on their own: one the chat refuses (gone from the
  // workspace) is logged and passed over, so the others are still drawn;
  // a passing failure is retried for all (drawing again is harmless), and
  // a rate limit stops the round at once.
  let failure: ChatResult<PostedCard | undefined> | undefined;
  for (const { viewer, teamIds } of audience) {
    const overviews = await Promise.all(
      teamIds.flatMap((teamId) => {
        const overview = overviewOf(teamId);
        return overview ? [overview] : [];
      }),
    );
    const done = await publish(team, viewer, overviews, key);
    if (done.ok) continue;
    if (done.error.code === 'rate_limited') return done;
    if (done.error.code === 'rejected') {
      ctx.deps.logger.warn(
        { teamId: team.id, viewer, detail: done.error.detail },
        'overview refused for a viewer',
      );
      continue;
    }
    failure ??= done;
  }
  return failure ?? { ok: true, value: undefined };
}

function toCompletion(
  ctx: DeskContext,
  row: ClaimedOwedMessage,
  result: ChatResult<PostedCard | undefined> | { readonly skip: true },
  policy: OutboxPolicy,
): OwedCompletion {
  if ('skip' in result) return { kind: 'skipped' };
  const now = ctx.now();
  if (result.ok) {
    const action: AuditAction | undefined = row.kind === 'digest' ? 'digest_sent' : undefined;
    return {
      kind: 'sent',
      ...(result.value ? { card: result.value } : {}),
      ...(action
        ? {
            audit: {
              teamId: row.teamId,
              postId: undefined,
              at: now,
              actorId: SYSTEM_ACTOR.id,
              actorName: SYSTEM_ACTOR.name,
              action,
              details: { day: row.day },
            },
          }
        : {}),
    };
  }
  const failure = result.error;
  if (failure.code === 'rejected') return { kind: 'failed', error: failure.detail };
  // A rate limit is the chat asking to wait, not failing: it never uses up the attempts.
  if (failure.code !== 'rate_limited' && row.attempts >= policy.maxAttempts)
    return { kind: 'failed', error: `gave up: ${failure.detail}` };
  if (failure.code === 'rate_limited') {
    // A chat platform limits per channel and method: the team's messages of the same lane
    // (private answers, or the channel's) wait, in every process.
    const at = new Date(now.getTime() + Math.max(failure.retryAfterMs, 1000));
    return { kind: 'retry', at, error: failure.detail, uncertain: false, holdChatUntil: at };
  }
  return {
    kind: 'retry',
    at: new Date(now.getTime() + outboxBackoffMs(row.attempts)),
    error: failure.detail,
    uncertain: failure.code === 'uncertain',
  };
}

/** An attempt's end on an owed message, to record. */
interface OwedEnd {
  readonly id: string;
  readonly claimToken: string;
  readonly completion: OwedCompletion;
}

/** The most ends of owed messages recorded in one write. */
const MAX_ENDS_PER_WRITE = 100;

// One group commit of messages' ends per process's set of sends under way.
const recorders = new WeakMap<InFlight, GroupCommit<OwedEnd, boolean>>();

const cardReaders = new WeakMap<DeskContext, BatchedReader<string, PostWithApprovers>>();

/** Reads the posts a batch of cards and card updates are drawn from, in one read. */
function cardReaderOf(ctx: DeskContext): BatchedReader<string, PostWithApprovers> {
  let reader = cardReaders.get(ctx);
  if (!reader) {
    reader = new BatchedReader((postIds) => ctx.store.getPostsWithApprovers(postIds));
    cardReaders.set(ctx, reader);
  }
  return reader;
}

function recorderOf(ctx: DeskContext, inFlight: InFlight): GroupCommit<OwedEnd, boolean> {
  let recorder = recorders.get(inFlight);
  if (!recorder) {
    recorder = new GroupCommit((ends) => ctx.store.completeOwedMessages(ends, ctx.now()), MAX_ENDS_PER_WRITE);
    recorders.set(inFlight, recorder);
  }
  return recorder;
}

/** One attempt at one owed message, from claim to completion. */
async function sendClaimed(
  ctx: DeskContext,
  row: ClaimedOwedMessage,
  policy: OutboxPolicy,
  inFlight: InFlight,
): Promise<void> {
  const log = ctx.deps.logger.child({ teamId: row.teamId, message: row.id, kind: row.kind });
  const team = ctx.team(row.teamId);
  let result: ChatResult<PostedCard | undefined> | { readonly skip: true };
  if (!team) {
    result = err({ code: 'rejected', detail: `team ${row.teamId} is not served by this process` });
  } else {
    const key: MessageKey = {
      messageId: row.id,
      ...(row.postId === undefined ? {} : { postId: row.postId }),
      mayExist: row.uncertain,
      owedAt: row.createdAt,
    };
    try {
      result = await send(ctx, team, row, key);
    } catch (error) {
      // Chats return their failures; a throw is a bug, and the message may have gone.
      log.error({ err: error }, 'chat adapter threw');
      result = err({ code: 'uncertain', detail: `adapter threw: ${(error as Error).message}` });
    }
  }
  const completion = toCompletion(ctx, row, result, policy);
  if (completion.kind === 'failed') log.error({ error: completion.error }, 'owed message given up');
  else if (completion.kind === 'retry')
    log.warn({ error: completion.error, at: completion.at }, 'owed message retried');
  try {
    if (!(await recorderOf(ctx, inFlight).submit({ id: row.id, claimToken: row.claimToken, completion }))) {
      log.warn({}, 'claim on an owed message lost before completion; another dispatcher took over');
    }
  } catch (error) {
    // The lease runs out and another attempt looks for this message before sending again.
    log.error({ err: error }, 'could not record an owed message');
  }
}

/**
 * Starts sending the owed messages that may go at `now`, the first of each
 * stream, as far as this process's room allows; each ending asks for
 * another round. Returns when the next owed message may go.
 */
export async function startOwed(
  ctx: DeskContext,
  now: Date,
  policy: OutboxPolicy,
  inFlight: InFlight,
): Promise<Date | undefined> {
  for (;;) {
    const room = policy.maxInFlight - inFlight.size;
    if (room <= 0) break;
    const asked = Math.min(room, policy.batchSize);
    const rows = await ctx.store.claimOwedMessages(ctx.teamIds, now, asked, policy.leaseMs);
    for (const row of rows) inFlight.track(sendClaimed(ctx, row, policy, inFlight));
    // Fewer than asked: nothing else may go now, no need to ask again.
    if (rows.length < asked) break;
  }
  return notBefore(await ctx.store.nextOwedAt(ctx.teamIds), now);
}

/** Sends every owed message that may go now, in order, and waits for them all (tests, shutdown). */
export async function flushOwed(ctx: DeskContext, policy: OutboxPolicy, inFlight: InFlight): Promise<void> {
  for (;;) {
    const ended = inFlight.ended;
    await startOwed(ctx, ctx.now(), policy, inFlight);
    // A message that ended while this round looked may have freed the next of its stream: look again.
    if (inFlight.size === 0 && inFlight.ended === ended) return;
    await inFlight.any();
  }
}
