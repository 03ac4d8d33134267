import { and, asc, eq, gte, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { unionAll } from 'drizzle-orm/pg-core';
import type { DeliveryWithPost, Planning, PlanningQuery } from '../core/ports.ts';
import type { Executor } from './outbox-queries.ts';
import { toDelivery, toPost } from './rows.ts';
import { deliveries, posts } from './schema.ts';

/** The most rows one part of the planning lists: a digest is read by people. */
const PART_LIMIT = 500;

type Section = 'due' | 'waiting' | 'failing' | 'published';

/**
 * Reads a team's planning (the digest's four lists, or `/queue`'s two) in
 * one statement: a UNION ALL of one select per part asked for, each with
 * its own order and limit, every row tagged with its part. A waiting post
 * comes without a delivery (the join is on false), so every part has the
 * same columns. PostgreSQL appends the parts one after the other, each in
 * its own order; the parts with an instant to sort by are sorted again here
 * all the same, since SQL promises no order for a UNION ALL.
 */
export async function readPlanning(db: Executor, teamId: string, query: PlanningQuery): Promise<Planning> {
  const part = (section: Section) =>
    db
      .select({ section: sql<Section>`${section}::text`.as('section'), post: posts, delivery: deliveries })
      .from(posts);
  const ofTeam = eq(posts.teamId, teamId);
  const parts = [];
  if (query.due) {
    parts.push(
      part('due')
        .leftJoin(deliveries, eq(deliveries.postId, posts.id))
        .where(
          and(
            ofTeam,
            eq(deliveries.state, 'scheduled'),
            gte(deliveries.nextAttemptAt, query.due.from),
            lt(deliveries.nextAttemptAt, query.due.to),
          ),
        )
        .orderBy(asc(deliveries.nextAttemptAt), asc(posts.number), asc(deliveries.position))
        .limit(PART_LIMIT),
    );
  }
  if (query.waiting) {
    const { states, limit, requestedIn } = query.waiting;
    const conditions: SQL[] = [ofTeam, inArray(posts.state, [...states])];
    if (requestedIn) {
      conditions.push(gte(posts.requestedAt, requestedIn.from), lt(posts.requestedAt, requestedIn.to));
    }
    parts.push(
      part('waiting')
        .leftJoin(deliveries, sql`false`)
        .where(and(...conditions))
        .orderBy(asc(posts.createdAt), asc(posts.number))
        .limit(Math.min(limit, PART_LIMIT)),
    );
  }
  if (query.failingSince) {
    parts.push(
      part('failing')
        .leftJoin(deliveries, eq(deliveries.postId, posts.id))
        .where(
          and(
            ofTeam,
            inArray(deliveries.state, ['failed', 'unknown']),
            or(gte(deliveries.updatedAt, query.failingSince), isNull(deliveries.updatedAt)),
          ),
        )
        .orderBy(asc(deliveries.updatedAt), asc(posts.number), asc(deliveries.position))
        .limit(PART_LIMIT),
    );
  }
  if (query.published) {
    parts.push(
      part('published')
        .leftJoin(deliveries, eq(deliveries.postId, posts.id))
        .where(
          and(
            ofTeam,
            eq(deliveries.state, 'published'),
            gte(deliveries.publishedAt, query.published.from),
            lt(deliveries.publishedAt, query.published.to),
          ),
        )
        .orderBy(asc(deliveries.publishedAt), asc(posts.number), asc(deliveries.position))
        .limit(PART_LIMIT),
    );
  }
  const [first, second, ...rest] = parts;
  const rows = !first ? [] : second ? await unionAll(first, second, ...rest) : await first;

  const lists: Record<Exclude<Section, 'waiting'>, DeliveryWithPost[]> = {
    due: [],
    failing: [],
    published: [],
  };
  const waiting: { post: ReturnType<typeof toPost> }[] = [];
  for (const row of rows) {
    if (row.section === 'waiting') waiting.push({ post: toPost(row.post) });
    else if (row.delivery)
      lists[row.section].push({ delivery: toDelivery(row.delivery), post: toPost(row.post) });
  }
  const byInstant =
    (at: (item: DeliveryWithPost) => Date | undefined) => (a: DeliveryWithPost, b: DeliveryWithPost) =>
      // Undefined sorts last, as nulls do in an ascending PostgreSQL order.
      (at(a)?.getTime() ?? Number.POSITIVE_INFINITY) - (at(b)?.getTime() ?? Number.POSITIVE_INFINITY) ||
      a.post.number - b.post.number;
  return {
    due: lists.due.sort(byInstant((item) => item.delivery.nextAttemptAt)),
    waiting: waiting
      .sort(
        (a, b) => a.post.createdAt.getTime() - b.post.createdAt.getTime() || a.post.number - b.post.number,
      )
      .map((item) => item.post),
    // The core's delivery has no change time: failures keep the order their part was read in.
    failing: lists.failing,
    published: lists.published.sort(byInstant((item) => item.delivery.publishedAt)),
  };
}
