import type { Delivery, DeliveryState } from '../core/delivery.ts';
import type { Post, PostState } from '../core/post.ts';
import type { deliveries, posts } from './schema.ts';

// The core's records from the rows drizzle reads.

export type PostRow = typeof posts.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;

export function toPost(row: PostRow): Post {
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
    cardLink: row.cardLink ?? undefined,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toDelivery(row: DeliveryRow): Delivery {
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
    lastErrorCode: row.lastErrorCode ?? undefined,
    publishedAt: row.publishedAt ?? undefined,
  };
}
