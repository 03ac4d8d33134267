import { sql } from 'drizzle-orm';
import { type DeliveryState, derivePublishedState } from '../core/delivery.ts';
import type { DeliveryCompletion } from '../core/ports.ts';
import { type Executor, holdUntil, rowsOf, sqlList } from './outbox-queries.ts';

/** One attempt's end, as `completeDeliveries` records it. */
export interface CompletionItem {
  readonly deliveryId: string;
  readonly claimToken: string;
  readonly completion: DeliveryCompletion;
}

/** The pacing key of a target. */
export function targetPacingKey(targetId: string): string {
  return `target:${targetId}`;
}

interface LockedDelivery {
  readonly id: string;
  readonly post_id: string;
  readonly target_id: string;
  readonly state: DeliveryState;
  readonly claim_token: string | null;
}

/** The columns an attempt's end writes, by how it ended. */
function columnsOf(completion: DeliveryCompletion) {
  switch (completion.kind) {
    case 'published':
      return {
        state: 'published' as const,
        next: null,
        error: null,
        code: null,
        remoteId: completion.remoteId,
        url: completion.url,
      };
    case 'retry':
      return {
        state: 'scheduled' as const,
        next: completion.at.toISOString(),
        error: completion.error,
        code: completion.code,
        remoteId: null,
        url: null,
      };
    case 'failed':
    case 'unknown':
      return {
        state: completion.kind,
        next: null,
        error: completion.error,
        code: completion.code,
        remoteId: null,
        url: null,
      };
  }
}

/**
 * Records the ends of many attempts in a few statements, whatever their
 * number: every delivery of their posts locked at once (id order, as
 * `lockDeliveriesOf` does, so it never deadlocks with a decision on one
 * post), the deliveries whose claim still holds updated in one statement,
 * then their posts' derived states in one. An item whose claim was lost
 * (taken over, or already ended) changes nothing and gets `false`.
 * Runs inside the caller's transaction.
 */
export async function completeDeliveries(
  tx: Executor,
  items: readonly CompletionItem[],
  at: Date,
): Promise<boolean[]> {
  if (items.length === 0) return [];
  const ids = sqlList(items.map((item) => item.deliveryId));
  const locked = rowsOf<LockedDelivery>(
    await tx.execute(sql`
      select id::text as id, post_id::text as post_id, target_id, state, claim_token
      from deliveries
      where post_id in (select post_id from deliveries where id in (${ids}))
      order by id
      for update`),
  );
  const byId = new Map(locked.map((row) => [row.id, row]));
  const recorded = items.map((item) => {
    const row = byId.get(item.deliveryId);
    return row?.state === 'publishing' && row.claim_token === item.claimToken;
  });
  const winners = items.filter((_, index) => recorded[index]);
  if (winners.length === 0) return recorded;

  const atIso = at.toISOString();
  const values = sql.join(
    winners.map((item) => {
      const c = columnsOf(item.completion);
      return sql`(${item.deliveryId}::uuid, ${item.claimToken}::text, ${c.state}::text,
        ${c.next}::timestamptz, ${c.error}::text, ${c.code}::text, ${c.remoteId}::text, ${c.url}::text)`;
    }),
    sql`, `,
  );
  await tx.execute(sql`
    update deliveries d set
      state = v.state,
      next_attempt_at = v.next,
      claimed_until = null,
      claim_token = null,
      last_error = v.error,
      last_error_code = v.code,
      remote_id = case when v.state = 'published' then v.remote_id else d.remote_id end,
      public_url = case when v.state = 'published' then v.url else d.public_url end,
      published_at = case when v.state = 'published' then ${atIso}::timestamptz else d.published_at end,
      updated_at = ${atIso}::timestamptz
    from (values ${values}) as v(id, token, state, next, error, code, remote_id, url)
    where d.id = v.id and d.state = 'publishing' and d.claim_token = v.token`);

  // The posts' states, derived from their deliveries as they are now.
  for (const item of winners) {
    const row = byId.get(item.deliveryId);
    if (row) byId.set(row.id, { ...row, state: columnsOf(item.completion).state, claim_token: null });
  }
  const touched = new Set(winners.map((item) => byId.get(item.deliveryId)?.post_id));
  const byPost = new Map<string, LockedDelivery[]>();
  for (const row of byId.values()) {
    if (touched.has(row.post_id)) byPost.set(row.post_id, [...(byPost.get(row.post_id) ?? []), row]);
  }
  const states = [...byPost].map(
    ([postId, all]) => sql`(${postId}::uuid, ${derivePublishedState(all)}::text)`,
  );
  await tx.execute(sql`
    update posts p set state = v.state, updated_at = ${atIso}::timestamptz
    from (values ${sql.join(states, sql`, `)}) as v(id, state)
    where p.id = v.id and p.state = 'publishing'`);

  // A rate limit is the target's, not this delivery's: every replica waits.
  for (const item of winners) {
    const { completion } = item;
    const row = byId.get(item.deliveryId);
    if (completion.kind === 'retry' && completion.holdTargetUntil && row) {
      await holdUntil(tx, targetPacingKey(row.target_id), completion.holdTargetUntil);
    }
  }
  return recorded;
}
