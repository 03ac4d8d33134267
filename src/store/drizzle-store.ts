import { randomBytes } from 'node:crypto';
import {
  and,
  asc,
  desc,
  eq,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  min,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { Actor } from '../core/actor.ts';
import type { AuditAction, AuditEvent, NewAuditEvent } from '../core/audit-event.ts';
import { type Delivery, type DeliveryState, derivePublishedState } from '../core/delivery.ts';
import type {
  ClaimedDelivery,
  DeliveryCompletion,
  DeliveryWithPost,
  NewPost,
  PostWithDeliveries,
  Store,
} from '../core/ports.ts';
import type { Post, PostImage, PostState } from '../core/post.ts';
import type { Database } from './database.ts';
import { approvals, auditEvents, deliveries, digests, notices, posts, teams } from './schema.ts';

type PostRow = typeof posts.$inferSelect;
type DeliveryRow = typeof deliveries.$inferSelect;
// Transactions and the database share the query API this file uses.
type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

function toPost(row: PostRow): Post {
  return {
    id: row.id,
    teamId: row.teamId,
    number: row.number,
    author: { id: row.authorId, name: row.authorName },
    text: row.text,
    images: row.images,
    urgent: row.urgent,
    requestedAt: row.requestedAt ?? undefined,
    state: row.state as PostState,
    approvalsRequired: row.approvalsRequired,
    version: row.version,
    cardRef: row.cardRef ?? undefined,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

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

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    postId: row.postId,
    targetId: row.targetId,
    state: row.state as DeliveryState,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt ?? undefined,
    claimedUntil: row.claimedUntil ?? undefined,
    remoteId: row.remoteId ?? undefined,
    publicUrl: row.publicUrl ?? undefined,
    lastError: row.lastError ?? undefined,
    publishedAt: row.publishedAt ?? undefined,
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

async function loadPost(tx: Executor, postId: string): Promise<PostWithDeliveries | undefined> {
  const [row] = await tx.select().from(posts).where(eq(posts.id, postId));
  if (!row) return undefined;
  return { post: toPost(row), deliveries: await loadDeliveries(tx, postId) };
}

async function insertAudit(tx: Executor, event: NewAuditEvent): Promise<void> {
  await tx.insert(auditEvents).values({
    teamId: event.teamId,
    postId: event.postId ?? null,
    at: event.at,
    actorId: event.actorId,
    actorName: event.actorName,
    action: event.action,
    details: { ...event.details },
  });
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

/** Deliveries whose post belongs to one of these teams. */
function ofTeams(teamIds: readonly string[]) {
  return inArray(
    deliveries.postId,
    sql`(select ${posts.id} from ${posts} where ${inArray(posts.teamId, [...teamIds])})`,
  );
}

/** The Store port on drizzle, for PGlite and PostgreSQL alike. */
export class DrizzleStore implements Store {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async ping(): Promise<void> {
    await this.#db.execute(sql`select 1`);
  }

  async createPost(input: NewPost): Promise<{ post: PostWithDeliveries; created: boolean }> {
    return this.#db.transaction(async (tx) => {
      await tx.insert(teams).values({ id: input.teamId }).onConflictDoNothing();
      // Lock the team row before the dedupe check: a retried event arriving
      // while the first is being stored waits here, then finds the first post.
      await tx.select({ id: teams.id }).from(teams).where(eq(teams.id, input.teamId)).for('update');
      if (input.dedupeKey !== undefined) {
        const [seen] = await tx
          .select({ id: posts.id })
          .from(posts)
          .where(and(eq(posts.teamId, input.teamId), eq(posts.dedupeKey, input.dedupeKey)));
        if (seen) {
          const existing = await loadPost(tx, seen.id);
          if (existing) return { post: existing, created: false };
        }
      }
      // The row lock on the team serialises numbering, so numbers never repeat.
      const [counter] = await tx
        .update(teams)
        .set({ nextPostNumber: sql`${teams.nextPostNumber} + 1` })
        .where(eq(teams.id, input.teamId))
        .returning({ number: sql<number>`${teams.nextPostNumber} - 1` });
      if (!counter) throw new Error(`team ${input.teamId} vanished while numbering a post`);
      const [row] = await tx
        .insert(posts)
        .values({
          teamId: input.teamId,
          number: counter.number,
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
        })
        .returning();
      if (!row) throw new Error('insert into posts returned nothing');
      await tx.insert(deliveries).values(
        input.targetIds.map((targetId, position) => ({
          postId: row.id,
          targetId,
          position,
          state: 'pending',
        })),
      );
      await insertAudit(tx, {
        teamId: input.teamId,
        postId: row.id,
        at: input.createdAt,
        actorId: input.author.id,
        actorName: input.author.name,
        action: 'proposed',
        details: {
          number: row.number,
          text: input.text,
          targets: input.targetIds,
          images: input.images,
          urgent: input.urgent,
          requestedAt: input.requestedAt?.toISOString() ?? null,
        },
      });
      return { post: { post: toPost(row), deliveries: await loadDeliveries(tx, row.id) }, created: true };
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
      .select({ id: posts.id })
      .from(posts)
      .where(and(eq(posts.teamId, teamId), eq(posts.cardRef, cardRef)));
    return row ? loadPost(this.#db, row.id) : undefined;
  }

  async setCardRef(postId: string, cardRef: string): Promise<void> {
    await this.#db.update(posts).set({ cardRef }).where(eq(posts.id, postId));
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
    return this.#db.transaction(async (tx) => {
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
    return this.#db.transaction(async (tx) => {
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
  ): Promise<readonly ClaimedDelivery[]> {
    return this.#claim(
      and(eq(deliveries.state, 'scheduled'), lte(deliveries.nextAttemptAt, now), ofTeams(teamIds)),
      deliveries.nextAttemptAt,
      now,
      limit,
      leaseMs,
      true,
    );
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

  /**
   * Locks the matching rows with FOR UPDATE SKIP LOCKED, so concurrent
   * workers each get different rows, and marks them publishing with a lease
   * and a fresh claim token each.
   */
  async #claim(
    where: ReturnType<typeof and>,
    order: typeof deliveries.nextAttemptAt | typeof deliveries.claimedUntil,
    now: Date,
    limit: number,
    leaseMs: number,
    countAttempt: boolean,
  ): Promise<readonly ClaimedDelivery[]> {
    return this.#db.transaction(async (tx) => {
      const candidates = await tx
        .select({ id: deliveries.id })
        .from(deliveries)
        .where(where)
        .orderBy(asc(order))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (candidates.length === 0) return [];
      const tokens = candidates.map((c) => sql`when ${c.id}::uuid then ${newClaimToken()}`);
      const claimed = await tx
        .update(deliveries)
        .set({
          state: 'publishing',
          claimedUntil: new Date(now.getTime() + leaseMs),
          claimToken: sql`case ${deliveries.id} ${sql.join(tokens, sql` `)} end`,
          attempts: countAttempt ? sql`${deliveries.attempts} + 1` : deliveries.attempts,
        })
        .where(
          inArray(
            deliveries.id,
            candidates.map((c) => c.id),
          ),
        )
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
          },
        ];
      });
    });
  }

  async completeDelivery(
    deliveryId: string,
    claimToken: string,
    completion: DeliveryCompletion,
    at: Date,
  ): Promise<PostWithDeliveries | undefined> {
    return this.#db.transaction(async (tx) => {
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
            };
          case 'retry':
            return {
              state: 'scheduled',
              nextAttemptAt: completion.at,
              claimedUntil: null,
              lastError: completion.error,
            };
          case 'failed':
            return { state: 'failed', claimedUntil: null, nextAttemptAt: null, lastError: completion.error };
          case 'unknown':
            return { state: 'unknown', claimedUntil: null, nextAttemptAt: null, lastError: completion.error };
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
        .returning({ postId: deliveries.postId });
      if (!row) return undefined;
      const all = await loadDeliveries(tx, row.postId);
      await tx
        .update(posts)
        .set({ state: derivePublishedState(all), updatedAt: at })
        .where(and(eq(posts.id, row.postId), eq(posts.state, 'publishing')));
      return loadPost(tx, row.postId);
    });
  }

  async nextDueAt(teamIds: readonly string[]): Promise<Date | undefined> {
    const [row] = await this.#db
      .select({ at: min(deliveries.nextAttemptAt) })
      .from(deliveries)
      .where(and(eq(deliveries.state, 'scheduled'), isNotNull(deliveries.nextAttemptAt), ofTeams(teamIds)));
    // Aggregates skip drizzle's column mapping on some drivers: normalise.
    return row?.at ? new Date(row.at) : undefined;
  }

  async editPost(
    postId: string,
    from: readonly PostState[],
    content: { readonly text: string; readonly images: readonly PostImage[] },
    at: Date,
  ): Promise<Post | undefined> {
    return this.#db.transaction(async (tx) => {
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
    return this.#db.transaction(async (tx) => {
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
    return this.#db.transaction(async (tx) => {
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

  async listPostsInStates(
    teamId: string,
    states: readonly PostState[],
    limit: number,
  ): Promise<readonly PostWithDeliveries[]> {
    const rows = await this.#db
      .select()
      .from(posts)
      .where(and(eq(posts.teamId, teamId), inArray(posts.state, [...states])))
      .orderBy(asc(posts.createdAt), asc(posts.number))
      .limit(limit);
    return Promise.all(
      rows.map(async (row) => ({ post: toPost(row), deliveries: await loadDeliveries(this.#db, row.id) })),
    );
  }

  async listDueBetween(teamId: string, from: Date, to: Date): Promise<readonly DeliveryWithPost[]> {
    return this.#deliveriesWithPosts(
      and(
        eq(posts.teamId, teamId),
        eq(deliveries.state, 'scheduled'),
        gte(deliveries.nextAttemptAt, from),
        lt(deliveries.nextAttemptAt, to),
      ),
      deliveries.nextAttemptAt,
    );
  }

  async listPublishedBetween(teamId: string, from: Date, to: Date): Promise<readonly DeliveryWithPost[]> {
    return this.#deliveriesWithPosts(
      and(
        eq(posts.teamId, teamId),
        eq(deliveries.state, 'published'),
        gte(deliveries.publishedAt, from),
        lt(deliveries.publishedAt, to),
      ),
      deliveries.publishedAt,
    );
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

  async listNeedingAttention(teamId: string, since: Date): Promise<readonly DeliveryWithPost[]> {
    return this.#deliveriesWithPosts(
      and(
        eq(posts.teamId, teamId),
        inArray(deliveries.state, ['failed', 'unknown']),
        or(gte(deliveries.updatedAt, since), isNull(deliveries.updatedAt)),
      ),
      deliveries.updatedAt,
    );
  }

  async #deliveriesWithPosts(
    where: ReturnType<typeof and>,
    order: typeof deliveries.nextAttemptAt | typeof deliveries.publishedAt | typeof deliveries.updatedAt,
  ): Promise<readonly DeliveryWithPost[]> {
    const rows = await this.#db
      .select({ delivery: deliveries, post: posts })
      .from(deliveries)
      .innerJoin(posts, eq(posts.id, deliveries.postId))
      .where(where)
      .orderBy(asc(order), asc(posts.number), asc(deliveries.position))
      .limit(500);
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

  async claimDigest(
    teamId: string,
    day: string,
    at: Date,
    staleAfterMs: number,
  ): Promise<string | undefined> {
    const claimToken = newClaimToken();
    const claimed = await this.#db
      .insert(digests)
      .values({ teamId, day, claimedAt: at, claimToken })
      .onConflictDoUpdate({
        target: [digests.teamId, digests.day],
        set: { claimedAt: at, claimToken },
        // Built by drizzle, not raw sql: a Date in a raw template reaches postgres.js unserialised.
        setWhere: and(
          isNull(digests.sentAt),
          lt(digests.claimedAt, new Date(at.getTime() - staleAfterMs)),
        ) as SQL,
      })
      .returning({ day: digests.day });
    return claimed.length === 1 ? claimToken : undefined;
  }

  async markDigestSent(teamId: string, day: string, claimToken: string, at: Date): Promise<boolean> {
    const marked = await this.#db
      .update(digests)
      .set({ sentAt: at })
      .where(
        and(
          eq(digests.teamId, teamId),
          eq(digests.day, day),
          eq(digests.claimToken, claimToken),
          isNull(digests.sentAt),
        ),
      )
      .returning({ day: digests.day });
    return marked.length === 1;
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

  async appendAudit(event: NewAuditEvent): Promise<void> {
    await insertAudit(this.#db, event);
  }

  async listAudit(postId: string): Promise<readonly AuditEvent[]> {
    return this.#auditWhere(eq(auditEvents.postId, postId));
  }
}
