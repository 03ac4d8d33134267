import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, lt, lte, notInArray, sql } from 'drizzle-orm';
import type { Actor } from '../core/actor.ts';
import type { AuditAction, AuditEvent, NewAuditEvent } from '../core/audit-event.ts';
import { type Delivery, derivePublishedState } from '../core/delivery.ts';
import type { ClaimedOwedMessage, NewOwedMessage, OwedCompletion } from '../core/owed-message.ts';
import type {
  ClaimedDelivery,
  CredentialState,
  CredentialStatus,
  DeliveryCompletion,
  DeliveryWithPost,
  NewPost,
  Planning,
  PlanningQuery,
  PostWithApprovers,
  PostWithDeliveries,
  Store,
  StoredCheckpoint,
} from '../core/ports.ts';
import type { Post, PostImage, PostState } from '../core/post.ts';
import { DEFAULT_PACING, type TargetPacing } from '../core/target.ts';
import type { Database } from './database.ts';
import { type CompletionItem, completeDeliveries, targetPacingKey } from './delivery-completion.ts';
import * as owed from './outbox-queries.ts';
import { type Executor, holdUntil, insertAudit, rowsOf, sqlList } from './outbox-queries.ts';
import { readPlanning } from './planning-queries.ts';
import * as publisherState from './publisher-state-queries.ts';
import { toDelivery, toPost } from './rows.ts';
import {
  approvals,
  auditEvents,
  deliveries,
  notices,
  overviewViewers,
  pacing,
  postCards,
  posts,
  teams,
} from './schema.ts';

function toAuditEvent(row: typeof auditEvents.$inferSelect, postNumber: number | null): AuditEvent {
  return {
    postNumber: postNumber ?? undefined,
    id: row.id,
    teamId: row.teamId,
    postId: row.postId ?? undefined,
    at: row.at,
    actorId: row.actorId,
    actorName: row.actorName,
    action: row.action as AuditAction,
    details: row.details,
  };
}

async function loadDeliveries(tx: Executor, postId: string): Promise<Delivery[]> {
  const rows = await tx
    .select()
    .from(deliveries)
    .where(eq(deliveries.postId, postId))
    .orderBy(asc(deliveries.position));
  return rows.map(toDelivery);
}

/** The approvers of a post's current version, as JSON, oldest first: a column of the post's own query. */
const currentApprovers = sql<Actor[] | string>`(
  select coalesce(json_agg(json_build_object('id', a.approver_id, 'name', a.approver_name)
    order by a.created_at, a.approver_id), '[]'::json)
  from approvals a where a.post_id = ${posts.id} and a.version = ${posts.version})`;

/**
 * Posts with their deliveries (and the approvers of their current version)
 * in one statement: a post's columns repeat on each of its deliveries' rows.
 */
async function loadPostsWithApprovers(
  tx: Executor,
  postIds: readonly string[],
): Promise<Map<string, PostWithApprovers>> {
  const found = new Map<string, PostWithApprovers>();
  if (postIds.length === 0) return found;
  const rows = await tx
    .select({ post: posts, delivery: deliveries, approvers: currentApprovers })
    .from(posts)
    .leftJoin(deliveries, eq(deliveries.postId, posts.id))
    .where(
      postIds.length === 1 ? eq(posts.id, postIds[0] as string) : inArray(posts.id, [...new Set(postIds)]),
    )
    .orderBy(asc(posts.id), asc(deliveries.position));
  const byPost = new Map<string, typeof rows>();
  for (const row of rows) {
    const list = byPost.get(row.post.id);
    if (list) list.push(row);
    else byPost.set(row.post.id, [row]);
  }
  for (const [id, list] of byPost) {
    const first = list[0] as (typeof rows)[number];
    const approvers = typeof first.approvers === 'string' ? JSON.parse(first.approvers) : first.approvers;
    found.set(id, {
      entry: {
        post: toPost(first.post),
        deliveries: list.flatMap((row) => (row.delivery ? [toDelivery(row.delivery)] : [])),
      },
      approvers,
    });
  }
  return found;
}

async function loadPost(tx: Executor, postId: string): Promise<PostWithDeliveries | undefined> {
  return (await loadPostsWithApprovers(tx, [postId])).get(postId)?.entry;
}

/**
 * Locks every delivery of a post, always in id order so two transactions
 * never wait on each other in a cycle.
 */
function lockDeliveriesOf(tx: Executor, postId: string): Promise<{ id: string; state: string }[]> {
  return tx
    .select({ id: deliveries.id, state: deliveries.state })
    .from(deliveries)
    .where(eq(deliveries.postId, postId))
    .orderBy(asc(deliveries.id))
    .for('update');
}

/**
 * Makes the post's deliveries in `states` scheduled at their target's
 * instant; a target missing from `dueAt` keeps its row untouched.
 */
async function setDueTimes(
  tx: Executor,
  postId: string,
  states: readonly string[],
  dueAt: ReadonlyMap<string, Date>,
  at: Date,
): Promise<void> {
  for (const [targetId, due] of dueAt) {
    await tx
      .update(deliveries)
      .set({ state: 'scheduled', nextAttemptAt: due, updatedAt: at })
      .where(
        and(
          eq(deliveries.postId, postId),
          eq(deliveries.targetId, targetId),
          inArray(deliveries.state, [...states]),
        ),
      );
  }
}

/** A claim's proof of ownership: 16 random bytes, hex. */
function newClaimToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Deliveries whose post belongs to one of these teams. A correlated
 * subquery, looked up by primary key for each row the claim reads in due
 * order: a join would be planned from the tables' statistics, which after
 * a burst of new rows (before autovacuum) say the tables are empty, and
 * the planner then compares every delivery with every post.
 */
function ofTeams(teamIds: readonly string[]) {
  return inArray(sql`(select ${posts.teamId} from ${posts} where ${posts.id} = ${deliveries.postId})`, [
    ...teamIds,
  ]);
}

/**
 * Of the due candidates (locked by the caller), the ones their targets'
 * pacing lets go now, at most `limit`. The targets' pacing rows are locked
 * in key order, so two replicas claiming for one target take turns and
 * each sees the other's claims: the interval and the in-flight cap hold
 * across processes. Targets with an interval give one delivery per claim
 * and move their next free instant on.
 */
async function choosePaced(
  tx: Executor,
  candidates: readonly { id: string; targetId: string }[],
  now: Date,
  limit: number,
  pacingOf: ReadonlyMap<string, TargetPacing>,
): Promise<{ chosen: string[]; full: string[] }> {
  const targetIds = [...new Set(candidates.map((c) => c.targetId))].sort();
  const keys = targetIds.map(targetPacingKey);
  await tx
    .insert(pacing)
    .values(keys.map((key) => ({ key, nextFreeAt: new Date(0) })))
    .onConflictDoNothing();
  const rows = await tx
    .select()
    .from(pacing)
    .where(inArray(pacing.key, keys))
    .orderBy(asc(pacing.key))
    // Another claim holding a target's row is taking its slot right now:
    // that target counts as full for this claim. Waiting instead could
    // deadlock two replicas whose windows lock the same targets in turns.
    .for('update', { skipLocked: true });
  const freeAt = new Map(rows.map((row) => [row.key, row.nextFreeAt]));
  const inFlight = await tx
    .select({ targetId: deliveries.targetId, n: sql<number>`count(*)::int` })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.state, 'publishing'),
        sql`${deliveries.claimedUntil} > ${now.toISOString()}::timestamptz`,
        inArray(deliveries.targetId, targetIds),
      ),
    )
    .groupBy(deliveries.targetId);
  const busy = new Map(inFlight.map((row) => [row.targetId, Number(row.n)]));
  const room = new Map<string, number>();
  for (const targetId of targetIds) {
    const rules = pacingOf.get(targetId) ?? DEFAULT_PACING;
    const lockedNow = freeAt.get(targetPacingKey(targetId));
    const free = lockedNow !== undefined && lockedNow <= now;
    const cap = Math.max(0, rules.maxInFlight - (busy.get(targetId) ?? 0));
    room.set(targetId, free ? (rules.minIntervalMs > 0 ? Math.min(cap, 1) : cap) : 0);
  }
  const chosen: string[] = [];
  const taken = new Set<string>();
  for (const candidate of candidates) {
    if (chosen.length >= limit) break;
    const left = room.get(candidate.targetId) ?? 0;
    if (left <= 0) continue;
    room.set(candidate.targetId, left - 1);
    chosen.push(candidate.id);
    taken.add(candidate.targetId);
  }
  const full = targetIds.filter((targetId) => !taken.has(targetId));
  for (const targetId of taken) {
    const interval = (pacingOf.get(targetId) ?? DEFAULT_PACING).minIntervalMs;
    if (interval > 0) {
      await tx
        .update(pacing)
        .set({ nextFreeAt: new Date(now.getTime() + interval) })
        .where(eq(pacing.key, targetPacingKey(targetId)));
    }
  }
  return { chosen, full };
}

/**
 * Marks locked deliveries publishing with a lease and a fresh claim token
 * each, and moves their posts into publishing.
 */
async function claimRows(
  tx: Executor,
  ids: readonly string[],
  now: Date,
  leaseMs: number,
  countAttempt: boolean,
  previousClaims: ReadonlyMap<string, Date> = new Map(),
  unlockedIn?: 'scheduled',
): Promise<ClaimedDelivery[]> {
  const tokens = ids.map((id) => sql`when ${id}::uuid then ${newClaimToken()}`);
  // Candidates read without a lock are locked here, only the chosen ones:
  // one another worker claimed meanwhile is skipped, not claimed twice.
  const which = unlockedIn
    ? inArray(
        deliveries.id,
        tx
          .select({ id: deliveries.id })
          .from(deliveries)
          .where(and(inArray(deliveries.id, [...ids]), eq(deliveries.state, unlockedIn)))
          .for('update', { skipLocked: true }),
      )
    : inArray(deliveries.id, [...ids]);
  const claimed = await tx
    .update(deliveries)
    .set({
      state: 'publishing',
      claimedUntil: new Date(now.getTime() + leaseMs),
      claimToken: sql`case ${deliveries.id} ${sql.join(tokens, sql` `)} end`,
      attempts: countAttempt ? sql`${deliveries.attempts} + 1` : deliveries.attempts,
    })
    .where(which)
    .returning();
  const postIds = [...new Set(claimed.map((d) => d.postId))];
  const postRows = await tx.select().from(posts).where(inArray(posts.id, postIds));
  const byId = new Map(postRows.map((row) => [row.id, toPost(row)]));
  // The first claimed delivery moves the post into publishing.
  await tx
    .update(posts)
    .set({ state: 'publishing', updatedAt: now })
    .where(and(inArray(posts.id, postIds), inArray(posts.state, ['approved', 'scheduled'])));
  return claimed.flatMap((row) => {
    const post = byId.get(row.postId);
    if (!post || row.claimToken === null) return [];
    return [
      {
        delivery: toDelivery(row),
        post: { ...post, state: 'publishing' as const },
        claimToken: row.claimToken,
        ...(row.checkpoint ? { checkpoint: row.checkpoint } : {}),
        ...(previousClaims.has(row.id) ? { previousClaimUntil: previousClaims.get(row.id) as Date } : {}),
      },
    ];
  });
}

/** The Store port on drizzle, for PGlite and PostgreSQL alike. */
/**
 * Stores one team's proposals in the transaction in progress: a few
 * statements for the whole batch, whatever its size, so a burst of
 * proposals costs one lock of the team row instead of one per proposal.
 */
async function createTeamPosts(
  tx: Executor,
  teamId: string,
  inputs: readonly NewPost[],
): Promise<Map<NewPost, { post: PostWithDeliveries; created: boolean }>> {
  const results = new Map<NewPost, { post: PostWithDeliveries; created: boolean }>();
  await tx.insert(teams).values({ id: teamId }).onConflictDoNothing();
  // Lock the team row before the dedupe check: a retried event arriving
  // while the first is being stored waits here, then finds the first post.
  await tx.select({ id: teams.id }).from(teams).where(eq(teams.id, teamId)).for('update');
  const keys = [
    ...new Set(inputs.flatMap((input) => (input.dedupeKey === undefined ? [] : [input.dedupeKey]))),
  ];
  const seen = new Map<string, string>();
  if (keys.length > 0) {
    const rows = await tx
      .select({ id: posts.id, dedupeKey: posts.dedupeKey })
      .from(posts)
      .where(and(eq(posts.teamId, teamId), inArray(posts.dedupeKey, keys)));
    for (const row of rows) if (row.dedupeKey !== null) seen.set(row.dedupeKey, row.id);
  }
  // A key repeated within the batch (a retry arriving with its first) is stored once.
  const fresh: NewPost[] = [];
  const firstOfKey = new Map<string, NewPost>();
  for (const input of inputs) {
    const key = input.dedupeKey;
    if (key !== undefined && (seen.has(key) || firstOfKey.has(key))) continue;
    if (key !== undefined) firstOfKey.set(key, input);
    fresh.push(input);
  }
  if (fresh.length > 0) {
    // The row lock on the team serialises numbering, so numbers never repeat.
    const [counter] = await tx
      .update(teams)
      .set({ nextPostNumber: sql`${teams.nextPostNumber} + ${fresh.length}` })
      .where(eq(teams.id, teamId))
      .returning({ first: sql<number>`${teams.nextPostNumber} - ${fresh.length}` });
    if (!counter) throw new Error(`team ${teamId} vanished while numbering a post`);
    const first = Number(counter.first);
    const rows = await tx
      .insert(posts)
      .values(
        fresh.map((input, index) => ({
          teamId,
          number: first + index,
          authorId: input.author.id,
          authorName: input.author.name,
          text: input.text,
          images: input.images.map((image) => ({ url: image.url, alt: image.alt })),
          urgent: input.urgent,
          requestedAt: input.requestedAt ?? null,
          state: 'pending',
          approvalsRequired: input.approvalsRequired,
          dedupeKey: input.dedupeKey ?? null,
          createdAt: input.createdAt,
          updatedAt: input.createdAt,
        })),
      )
      .returning();
    const rowOf = new Map(rows.map((row) => [row.number, row]));
    const stored = fresh.map((input, index) => {
      const row = rowOf.get(first + index);
      if (!row) throw new Error('insert into posts returned fewer rows than posts');
      return { input, row };
    });
    const deliveryRows = await tx
      .insert(deliveries)
      .values(
        stored.flatMap(({ input, row }) =>
          input.targetIds.map((targetId, position) => ({
            postId: row.id,
            targetId,
            position,
            state: 'pending',
          })),
        ),
      )
      .returning();
    await insertAudit(
      tx,
      stored.map(({ input, row }) => ({
        teamId,
        postId: row.id,
        at: input.createdAt,
        actorId: input.author.id,
        actorName: input.author.name,
        action: 'proposed' as const,
        details: {
          number: row.number,
          text: input.text,
          targets: input.targetIds,
          images: input.images,
          urgent: input.urgent,
          requestedAt: input.requestedAt?.toISOString() ?? null,
        },
      })),
    );
    for (const { input, row } of stored) {
      const own = deliveryRows
        .filter((delivery) => delivery.postId === row.id)
        .sort((a, b) => a.position - b.position)
        .map(toDelivery);
      results.set(input, { post: { post: toPost(row), deliveries: own }, created: true });
    }
  }
  for (const input of inputs) {
    if (results.has(input)) continue;
    const key = input.dedupeKey as string;
    const earlier = firstOfKey.get(key);
    const existing = earlier ? results.get(earlier)?.post : await loadPost(tx, seen.get(key) as string);
    if (!existing) throw new Error(`the post of event ${key} vanished`);
    results.set(input, { post: existing, created: false });
  }
  return results;
}

export class DrizzleStore implements Store {
  readonly #db: Database;
  /** true when `#db` is a transaction (a store made by inTransaction) */
  readonly #inTransaction: boolean;

  /** `db` may be a transaction: the store then works inside it (see inTransaction). */
  constructor(db: Database, inTransaction = false) {
    this.#db = db;
    this.#inTransaction = inTransaction;
  }

  /** Runs `work` atomically: in the transaction already open, else in a new one (no savepoint round trips). */
  #atomically<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.#inTransaction ? work(this.#db) : this.#db.transaction((tx) => work(tx));
  }

  async ping(): Promise<void> {
    await this.#db.execute(sql`select 1`);
  }

  inTransaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    // Inside a transaction this opens a savepoint, so nesting stays correct.
    return this.#db.transaction((tx) => work(new DrizzleStore(tx as unknown as Database, true)));
  }

  async lockPost(postId: string): Promise<PostWithDeliveries | undefined> {
    await lockDeliveriesOf(this.#db, postId);
    const [row] = await this.#db.select().from(posts).where(eq(posts.id, postId)).for('update');
    if (!row) return undefined;
    return { post: toPost(row), deliveries: await loadDeliveries(this.#db, postId) };
  }

  enqueueMessages(messages: readonly NewOwedMessage[]): Promise<void> {
    return owed.enqueueMessages(this.#db, messages);
  }

  claimOwedMessages(
    teamIds: readonly string[],
    now: Date,
    limit: number,
    leaseMs: number,
  ): Promise<readonly ClaimedOwedMessage[]> {
    // One statement: atomic on its own.
    return owed.claimOwedMessages(this.#db, teamIds, now, limit, leaseMs);
  }

  completeOwedMessage(
    id: string,
    claimToken: string,
    completion: OwedCompletion,
    at: Date,
  ): Promise<boolean> {
    return this.#atomically((tx) => owed.completeOwedMessage(tx, id, claimToken, completion, at));
  }

  async completeOwedMessages(ends: readonly owed.OwedEnd[], at: Date): Promise<readonly boolean[]> {
    // Most ends only change their rows: one statement for all of them. The
    // rest (a card to remember, a digest, a retry) each in a transaction.
    const simple = ends.filter((end) => owed.isSimpleCompletion(end.completion));
    const done = new Map<owed.OwedEnd, boolean>();
    // Cards and digests remember more than their rows: then one transaction.
    const simply =
      simple.length === 0
        ? []
        : simple.some((end) => end.completion.kind === 'sent')
          ? await this.#atomically((tx) => owed.completeSimply(tx, simple, at))
          : await owed.completeSimply(this.#db, simple, at);
    for (const [index, end] of simple.entries()) done.set(end, simply[index] ?? false);
    for (const end of ends) {
      if (done.has(end)) continue;
      done.set(
        end,
        await this.#atomically((tx) =>
          owed.completeOwedMessage(tx, end.id, end.claimToken, end.completion, at),
        ),
      );
    }
    return ends.map((end) => done.get(end) ?? false);
  }

  nextOwedAt(teamIds: readonly string[]): Promise<Date | undefined> {
    return owed.nextOwedAt(this.#db, teamIds);
  }

  listUnsentMessages(
    teamId: string,
  ): Promise<readonly { kind: string; postId: string | undefined; state: string }[]> {
    return owed.listUnsentMessages(this.#db, teamId);
  }

  oweDigest(teamId: string, day: string, at: Date): Promise<boolean> {
    return owed.oweDigest(this.#db, teamId, day, at);
  }

  async createPost(input: NewPost): Promise<{ post: PostWithDeliveries; created: boolean }> {
    const [result] = await this.createPosts([input]);
    if (!result) throw new Error('createPosts returned nothing for one post');
    return result;
  }

  createPosts(inputs: readonly NewPost[]): Promise<{ post: PostWithDeliveries; created: boolean }[]> {
    return this.#atomically(async (tx) => {
      const results = new Map<NewPost, { post: PostWithDeliveries; created: boolean }>();
      // Teams in id order, so two batches never wait on each other in a cycle.
      const teamIds = [...new Set(inputs.map((input) => input.teamId))].sort();
      for (const teamId of teamIds) {
        const batch = inputs.filter((input) => input.teamId === teamId);
        for (const [input, result] of await createTeamPosts(tx, teamId, batch)) results.set(input, result);
      }
      return inputs.map((input) => {
        const result = results.get(input);
        if (!result) throw new Error('a post of the batch was neither stored nor found');
        return result;
      });
    });
  }

  async getPost(teamId: string, number: number): Promise<PostWithDeliveries | undefined> {
    const [row] = await this.#db
      .select({ id: posts.id })
      .from(posts)
      .where(and(eq(posts.teamId, teamId), eq(posts.number, number)));
    return row ? loadPost(this.#db, row.id) : undefined;
  }

  async getPostById(postId: string): Promise<PostWithDeliveries | undefined> {
    return loadPost(this.#db, postId);
  }

  async findPostByCardRef(teamId: string, cardRef: string): Promise<PostWithDeliveries | undefined> {
    const [row] = await this.#db
      .select({ id: postCards.postId })
      .from(postCards)
      .where(and(eq(postCards.teamId, teamId), eq(postCards.cardRef, cardRef)));
    return row ? loadPost(this.#db, row.id) : undefined;
  }

  async addApproval(postId: string, version: number, approver: Actor, at: Date): Promise<boolean> {
    const inserted = await this.#db
      .insert(approvals)
      .values({ postId, version, approverId: approver.id, approverName: approver.name, createdAt: at })
      .onConflictDoNothing()
      .returning({ postId: approvals.postId });
    return inserted.length === 1;
  }

  async removeApproval(postId: string, version: number, approverId: string): Promise<boolean> {
    const removed = await this.#db
      .delete(approvals)
      .where(
        and(
          eq(approvals.postId, postId),
          eq(approvals.version, version),
          eq(approvals.approverId, approverId),
        ),
      )
      .returning({ postId: approvals.postId });
    return removed.length === 1;
  }

  getPostsWithApprovers(postIds: readonly string[]): Promise<ReadonlyMap<string, PostWithApprovers>> {
    return loadPostsWithApprovers(this.#db, postIds);
  }

  async listApprovals(postId: string, version: number): Promise<readonly Actor[]> {
    const rows = await this.#db
      .select({ id: approvals.approverId, name: approvals.approverName })
      .from(approvals)
      .where(and(eq(approvals.postId, postId), eq(approvals.version, version)))
      .orderBy(asc(approvals.createdAt), asc(approvals.approverId));
    return rows;
  }

  async transitionPost(
    postId: string,
    from: readonly PostState[],
    to: PostState,
    at: Date,
  ): Promise<Post | undefined> {
    const [row] = await this.#db
      .update(posts)
      .set({ state: to, updatedAt: at })
      .where(and(eq(posts.id, postId), inArray(posts.state, [...from])))
      .returning();
    return row ? toPost(row) : undefined;
  }

  async schedulePost(
    postId: string,
    from: readonly PostState[],
    to: PostState,
    dueAt: ReadonlyMap<string, Date>,
    at: Date,
    version?: number,
  ): Promise<Post | undefined> {
    return this.#atomically(async (tx) => {
      const [row] = await tx
        .update(posts)
        .set({ state: to, updatedAt: at })
        .where(
          and(
            eq(posts.id, postId),
            inArray(posts.state, [...from]),
            version === undefined ? undefined : eq(posts.version, version),
          ),
        )
        .returning();
      if (!row) return undefined;
      await setDueTimes(tx, postId, ['pending'], dueAt, at);
      return toPost(row);
    });
  }

  async unschedulePost(
    postId: string,
    from: readonly PostState[],
    to: PostState,
    at: Date,
  ): Promise<Post | undefined> {
    return this.#withUnstartedDeliveries(postId, from, to, at, 'pending');
  }

  async closePost(
    postId: string,
    from: readonly PostState[],
    to: PostState,
    at: Date,
  ): Promise<Post | undefined> {
    return this.#withUnstartedDeliveries(postId, from, to, at, 'cancelled');
  }

  /**
   * Locks the post's deliveries first (the same rows a claim locks), so
   * either the claim wins and this refuses, or this wins and the claim finds
   * nothing due: a post is never both withdrawn and published.
   */
  async #withUnstartedDeliveries(
    postId: string,
    from: readonly PostState[],
    to: PostState,
    at: Date,
    deliveryState: 'pending' | 'cancelled',
  ): Promise<Post | undefined> {
    return this.#atomically(async (tx) => {
      const locked = await lockDeliveriesOf(tx, postId);
      if (locked.some((d) => d.state !== 'pending' && d.state !== 'scheduled')) return undefined;
      const [row] = await tx
        .update(posts)
        .set({ state: to, updatedAt: at })
        .where(and(eq(posts.id, postId), inArray(posts.state, [...from])))
        .returning();
      if (!row) return undefined;
      await tx
        .update(deliveries)
        .set({ state: deliveryState, nextAttemptAt: null, attempts: 0, updatedAt: at })
        .where(and(eq(deliveries.postId, postId), inArray(deliveries.state, ['pending', 'scheduled'])));
      return toPost(row);
    });
  }

  async claimDueDeliveries(
    teamIds: readonly string[],
    now: Date,
    limit: number,
    leaseMs: number,
    pacingOf?: ReadonlyMap<string, TargetPacing>,
  ): Promise<readonly ClaimedDelivery[]> {
    return this.#atomically(async (tx) => {
      if (!pacingOf) {
        const ids = await tx
          .select({ id: deliveries.id })
          .from(deliveries)
          .where(and(eq(deliveries.state, 'scheduled'), lte(deliveries.nextAttemptAt, now), ofTeams(teamIds)))
          .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
          .limit(limit)
          .for('update', { skipLocked: true });
        return ids.length === 0
          ? []
          : claimRows(
              tx,
              ids.map((c) => c.id),
              now,
              leaseMs,
              true,
            );
      }
      // Windows wider than `limit`: the first due rows may all belong to
      // targets that must wait; those targets are left out of the next
      // window, so another target's due deliveries never starve behind them.
      const window = Math.min(limit * 8, 400);
      const waiting: string[] = [];
      for (let round = 0; round < 8; round += 1) {
        const candidates = await tx
          .select({ id: deliveries.id, targetId: deliveries.targetId })
          .from(deliveries)
          .where(
            and(
              eq(deliveries.state, 'scheduled'),
              lte(deliveries.nextAttemptAt, now),
              ofTeams(teamIds),
              waiting.length > 0 ? notInArray(deliveries.targetId, waiting) : undefined,
            ),
          )
          .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
          .limit(window);
        if (candidates.length === 0) return [];
        const { chosen, full } = await choosePaced(tx, candidates, now, limit, pacingOf);
        if (chosen.length > 0) return claimRows(tx, chosen, now, leaseMs, true, new Map(), 'scheduled');
        if (candidates.length < window) return [];
        waiting.push(...full);
      }
      return [];
    });
  }

  async claimAbandonedDeliveries(
    teamIds: readonly string[],
    now: Date,
    limit: number,
    leaseMs: number,
  ): Promise<readonly ClaimedDelivery[]> {
    return this.#claim(
      and(eq(deliveries.state, 'publishing'), lte(deliveries.claimedUntil, now), ofTeams(teamIds)),
      deliveries.claimedUntil,
      now,
      limit,
      leaseMs,
      false,
    );
  }

  /** Locks the matching rows with FOR UPDATE SKIP LOCKED and claims them (see claimRows). */
  async #claim(
    where: ReturnType<typeof and>,
    order: typeof deliveries.nextAttemptAt | typeof deliveries.claimedUntil,
    now: Date,
    limit: number,
    leaseMs: number,
    countAttempt: boolean,
  ): Promise<readonly ClaimedDelivery[]> {
    return this.#atomically(async (tx) => {
      const candidates = await tx
        .select({ id: deliveries.id, claimedUntil: deliveries.claimedUntil })
        .from(deliveries)
        .where(where)
        .orderBy(asc(order))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (candidates.length === 0) return [];
      return claimRows(
        tx,
        candidates.map((c) => c.id),
        now,
        leaseMs,
        countAttempt,
        new Map(candidates.flatMap((c) => (c.claimedUntil ? [[c.id, c.claimedUntil] as const] : []))),
      );
    });
  }

  async completeDelivery(
    deliveryId: string,
    claimToken: string,
    completion: DeliveryCompletion,
    at: Date,
  ): Promise<PostWithDeliveries | undefined> {
    return this.#atomically(async (tx) => {
      const patch = ((): Partial<typeof deliveries.$inferInsert> => {
        switch (completion.kind) {
          case 'published':
            return {
              state: 'published',
              remoteId: completion.remoteId,
              publicUrl: completion.url,
              publishedAt: at,
              claimedUntil: null,
              nextAttemptAt: null,
              lastError: null,
              lastErrorCode: null,
            };
          case 'retry':
            return {
              state: 'scheduled',
              nextAttemptAt: completion.at,
              claimedUntil: null,
              lastError: completion.error,
              lastErrorCode: completion.code,
            };
          case 'failed':
          case 'unknown':
            return {
              state: completion.kind,
              claimedUntil: null,
              nextAttemptAt: null,
              lastError: completion.error,
              lastErrorCode: completion.code,
            };
        }
      })();
      const [owner] = await tx
        .select({ postId: deliveries.postId })
        .from(deliveries)
        .where(eq(deliveries.id, deliveryId));
      if (!owner) return undefined;
      // Deliveries of one post complete in parallel: locking all of them
      // serialises the completions, so the last one sees every outcome when
      // it derives the post's state.
      await lockDeliveriesOf(tx, owner.postId);
      // Only the current claimant wins; the attempt's end clears the token.
      const [row] = await tx
        .update(deliveries)
        .set({ ...patch, claimToken: null, updatedAt: at })
        .where(
          and(
            eq(deliveries.id, deliveryId),
            eq(deliveries.state, 'publishing'),
            eq(deliveries.claimToken, claimToken),
          ),
        )
        .returning({ postId: deliveries.postId, targetId: deliveries.targetId });
      if (!row) return undefined;
      // A rate limit is the target's, not this delivery's: every replica waits.
      if (completion.kind === 'retry' && completion.holdTargetUntil) {
        await holdUntil(tx, targetPacingKey(row.targetId), completion.holdTargetUntil);
      }
      const all = await loadDeliveries(tx, row.postId);
      await tx
        .update(posts)
        .set({ state: derivePublishedState(all), updatedAt: at })
        .where(and(eq(posts.id, row.postId), eq(posts.state, 'publishing')));
      return loadPost(tx, row.postId);
    });
  }

  completeDeliveries(items: readonly CompletionItem[], at: Date): Promise<readonly boolean[]> {
    return this.#atomically((tx) => completeDeliveries(tx, items, at));
  }

  async nextDueAt(teamIds: readonly string[]): Promise<Date | undefined> {
    if (teamIds.length === 0) return undefined;
    const teamList = sqlList(teamIds);
    // Runs after every round, so it must not read every scheduled delivery
    // (100,000 of them when a year is planned): the targets with something
    // scheduled are found by skipping through deliveries_target_due_idx, one
    // index probe per target, and each target's earliest due delivery is the
    // first entry of its part of that index; only then does its pacing apply.
    const result = await this.#db.execute<{ at: string | Date | null }>(sql`
      with recursive targets(target_id) as (
        (select target_id from deliveries where state = 'scheduled' order by target_id limit 1)
        union all
        select (
          select d.target_id from deliveries d
          where d.state = 'scheduled' and d.target_id > t.target_id
          order by d.target_id limit 1
        )
        from targets t where t.target_id is not null
      )
      select min(greatest(first.at, coalesce(p.next_free_at, '-infinity'::timestamptz))) as at
      from targets t
      cross join lateral (
        select d.next_attempt_at as at
        from deliveries d
        join posts on posts.id = d.post_id
        where d.state = 'scheduled' and d.target_id = t.target_id
          and d.next_attempt_at is not null and posts.team_id in (${teamList})
        order by d.next_attempt_at
        limit 1
      ) first
      left join pacing p on p.key = 'target:' || t.target_id
      where t.target_id is not null`);
    const at = rowsOf<{ at: string | Date | null }>(result)[0]?.at;
    return at ? new Date(at) : undefined;
  }

  async editPost(
    postId: string,
    from: readonly PostState[],
    content: { readonly text: string; readonly images: readonly PostImage[] },
    at: Date,
  ): Promise<Post | undefined> {
    return this.#atomically(async (tx) => {
      const locked = await lockDeliveriesOf(tx, postId);
      if (locked.some((d) => d.state !== 'pending' && d.state !== 'scheduled')) return undefined;
      const [row] = await tx
        .update(posts)
        .set({
          text: content.text,
          images: content.images.map((image) => ({ url: image.url, alt: image.alt })),
          version: sql`${posts.version} + 1`,
          state: 'pending',
          updatedAt: at,
        })
        .where(and(eq(posts.id, postId), inArray(posts.state, [...from])))
        .returning();
      if (!row) return undefined;
      await tx
        .update(deliveries)
        .set({ state: 'pending', nextAttemptAt: null, attempts: 0, updatedAt: at })
        .where(and(eq(deliveries.postId, postId), eq(deliveries.state, 'scheduled')));
      return toPost(row);
    });
  }

  async reschedulePost(
    postId: string,
    from: readonly PostState[],
    requestedAt: Date,
    dueAt: ReadonlyMap<string, Date>,
    at: Date,
  ): Promise<Post | undefined> {
    return this.#atomically(async (tx) => {
      const locked = await lockDeliveriesOf(tx, postId);
      if (locked.some((d) => d.state !== 'pending' && d.state !== 'scheduled')) return undefined;
      const scheduled = locked.some((d) => d.state === 'scheduled');
      const [row] = await tx
        .update(posts)
        .set({ requestedAt, updatedAt: at, ...(scheduled ? { state: 'scheduled' } : {}) })
        .where(and(eq(posts.id, postId), inArray(posts.state, [...from])))
        .returning();
      if (!row) return undefined;
      if (scheduled) await setDueTimes(tx, postId, ['scheduled'], dueAt, at);
      return toPost(row);
    });
  }

  async retryDeliveries(postId: string, at: Date): Promise<number> {
    return this.#atomically(async (tx) => {
      await lockDeliveriesOf(tx, postId);
      const retried = await tx
        .update(deliveries)
        .set({
          state: 'scheduled',
          nextAttemptAt: at,
          attempts: 0,
          claimedUntil: null,
          claimToken: null,
          updatedAt: at,
        })
        .where(and(eq(deliveries.postId, postId), inArray(deliveries.state, ['failed', 'unknown'])))
        .returning({ id: deliveries.id });
      if (retried.length > 0) {
        await tx.update(posts).set({ state: 'publishing', updatedAt: at }).where(eq(posts.id, postId));
      }
      return retried.length;
    });
  }

  readPlanning(teamId: string, query: PlanningQuery): Promise<Planning> {
    return readPlanning(this.#db, teamId, query);
  }

  async listLatestPublished(targetId: string, limit: number): Promise<readonly DeliveryWithPost[]> {
    // Served on every feed request. `nulls last` matches deliveries_target_published_idx
    // (plain `desc` means nulls first in PostgreSQL), so the index gives the order.
    const rows = await this.#db
      .select({ delivery: deliveries, post: posts })
      .from(deliveries)
      .innerJoin(posts, eq(posts.id, deliveries.postId))
      .where(and(eq(deliveries.targetId, targetId), eq(deliveries.state, 'published')))
      .orderBy(sql`${deliveries.publishedAt} desc nulls last`, desc(deliveries.id))
      .limit(limit);
    return rows.map((row) => ({ delivery: toDelivery(row.delivery), post: toPost(row.post) }));
  }

  async listTargetDueTimes(targetId: string, from: Date, to: Date): Promise<readonly Date[]> {
    const rows = await this.#db
      .select({ at: deliveries.nextAttemptAt })
      .from(deliveries)
      .where(
        and(
          eq(deliveries.targetId, targetId),
          eq(deliveries.state, 'scheduled'),
          gte(deliveries.nextAttemptAt, from),
          lt(deliveries.nextAttemptAt, to),
        ),
      )
      .orderBy(asc(deliveries.nextAttemptAt));
    return rows.flatMap((row) => (row.at ? [row.at] : []));
  }

  async listAuditBetween(from: Date, to: Date): Promise<readonly AuditEvent[]> {
    return this.#auditWhere(and(gte(auditEvents.at, from), lt(auditEvents.at, to)));
  }

  async #auditWhere(where: ReturnType<typeof and>): Promise<readonly AuditEvent[]> {
    const rows = await this.#db
      .select({ event: auditEvents, number: posts.number })
      .from(auditEvents)
      .leftJoin(posts, eq(posts.id, auditEvents.postId))
      .where(where)
      .orderBy(asc(auditEvents.id));
    return rows.map((row) => toAuditEvent(row.event, row.number));
  }

  async claimNotice(postId: string, key: string, at: Date): Promise<boolean> {
    const inserted = await this.#db
      .insert(notices)
      .values({ postId, key, createdAt: at })
      .onConflictDoNothing()
      .returning({ key: notices.key });
    return inserted.length === 1;
  }

  async followOverview(
    teamIds: readonly string[],
    viewer: string,
    at: Date,
    among: readonly string[] = teamIds,
  ): Promise<void> {
    const left = among.filter((teamId) => !teamIds.includes(teamId));
    if (left.length > 0) {
      await this.#db
        .delete(overviewViewers)
        .where(and(eq(overviewViewers.viewer, viewer), inArray(overviewViewers.teamId, left)));
    }
    if (teamIds.length === 0) return;
    await this.#db
      .insert(overviewViewers)
      .values(teamIds.map((teamId) => ({ teamId, viewer, openedAt: at })))
      .onConflictDoUpdate({
        target: [overviewViewers.teamId, overviewViewers.viewer],
        set: { openedAt: at },
      });
  }

  async listOverviewAudience(
    teamId: string,
  ): Promise<readonly { viewer: string; teamIds: readonly string[] }[]> {
    const rows = await this.#db
      .select({ viewer: overviewViewers.viewer, teamId: overviewViewers.teamId })
      .from(overviewViewers)
      .where(
        inArray(
          overviewViewers.viewer,
          this.#db
            .select({ viewer: overviewViewers.viewer })
            .from(overviewViewers)
            .where(eq(overviewViewers.teamId, teamId)),
        ),
      )
      .orderBy(asc(overviewViewers.viewer), asc(overviewViewers.teamId));
    const byViewer = new Map<string, string[]>();
    for (const row of rows) byViewer.set(row.viewer, [...(byViewer.get(row.viewer) ?? []), row.teamId]);
    return [...byViewer].map(([viewer, teamIds]) => ({ viewer, teamIds }));
  }

  async listFollowedTeams(viewer: string, teamIds: readonly string[]): Promise<readonly string[]> {
    if (teamIds.length === 0) return [];
    const rows = await this.#db
      .select({ teamId: overviewViewers.teamId })
      .from(overviewViewers)
      .where(and(eq(overviewViewers.viewer, viewer), inArray(overviewViewers.teamId, [...teamIds])))
      .orderBy(asc(overviewViewers.teamId));
    return rows.map((row) => row.teamId);
  }

  async saveDeliveryCheckpoint(
    deliveryId: string,
    claimToken: string,
    checkpoint: StoredCheckpoint,
  ): Promise<boolean> {
    return publisherState.saveDeliveryCheckpoint(this.#db, deliveryId, claimToken, checkpoint);
  }

  async recordCredentialCheck(
    targetId: string,
    check: { readonly state: CredentialState; readonly expiresAt: Date | undefined; readonly detail: string },
    at: Date,
  ): Promise<void> {
    await publisherState.recordCredentialCheck(this.#db, targetId, check, at);
  }

  async listCredentialStatus(targetIds: readonly string[]): Promise<readonly CredentialStatus[]> {
    return publisherState.listCredentialStatus(this.#db, targetIds);
  }

  async markCredentialWarned(targetId: string, stage: number, expiresAt: Date | undefined): Promise<void> {
    await publisherState.markCredentialWarned(this.#db, targetId, stage, expiresAt);
  }

  // A target's sealed secret (src/publish/target-secrets.ts): not on the
  // core's Store port, since only publishers keep secrets; main.ts hands
  // these to them.

  async readTargetSecret(targetId: string): Promise<{ sealed: string; version: number } | undefined> {
    return publisherState.readTargetSecret(this.#db, targetId);
  }

  async writeTargetSecret(targetId: string, sealed: string, version: number, at: Date): Promise<boolean> {
    return publisherState.writeTargetSecret(this.#db, targetId, sealed, version, at);
  }

  async leaseTargetSecret(targetId: string, holder: string, until: Date, at: Date): Promise<boolean> {
    return publisherState.leaseTargetSecret(this.#db, targetId, holder, until, at);
  }

  async releaseTargetSecret(targetId: string, holder: string): Promise<void> {
    await publisherState.releaseTargetSecret(this.#db, targetId, holder);
  }

  async appendAudit(events: readonly NewAuditEvent[]): Promise<void> {
    await insertAudit(this.#db, events);
  }

  async listAudit(postId: string): Promise<readonly AuditEvent[]> {
    return this.#auditWhere(eq(auditEvents.postId, postId));
  }
}
