import postgres from 'postgres';

// The test's own view of an Araldo database on PostgreSQL, read with plain
// SQL through postgres.js (never through Araldo's store), so what a test
// asserts about the rows does not depend on the code under test reading
// them back. Used by the e2e tests that run Araldo as child processes.

/** A post row, as the test reads it. */
export interface PostRow {
  readonly id: string;
  readonly number: number;
  readonly state: string;
  readonly authorId: string;
  readonly approvalsRequired: number;
  readonly version: number;
  readonly cardRef: string | null;
  readonly dedupeKey: string | null;
  readonly urgent: boolean;
}

/** A delivery row. */
export interface DeliveryRow {
  readonly id: string;
  readonly postId: string;
  readonly targetId: string;
  readonly state: string;
  readonly attempts: number;
  readonly remoteId: string | null;
  readonly publicUrl: string | null;
  readonly lastError: string | null;
}

/** An audit event. */
export interface AuditRow {
  readonly id: number;
  readonly postId: string | null;
  readonly action: string;
  readonly actorId: string;
  readonly details: Record<string, unknown>;
}

/** An outbox row. */
export interface OutboxRow {
  readonly id: number;
  readonly postId: string | null;
  readonly kind: string;
  readonly state: string;
  readonly attempts: number;
  readonly uncertain: boolean;
  readonly lastError: string | null;
  readonly payload: Record<string, unknown>;
}

/** A current approval. */
export interface ApprovalRow {
  readonly postId: string;
  readonly version: number;
  readonly approverId: string;
}

/** A digest decision. */
export interface DigestRow {
  readonly teamId: string;
  readonly day: string;
  readonly sent: boolean;
}

/** Everything the exactly-once checks read, taken at one moment. */
export interface DeskSnapshot {
  readonly posts: readonly PostRow[];
  readonly deliveries: readonly DeliveryRow[];
  readonly audit: readonly AuditRow[];
  readonly outbox: readonly OutboxRow[];
  readonly approvals: readonly ApprovalRow[];
  readonly digests: readonly DigestRow[];
}

/** Work still under way: deliveries due or being published, messages owed or being sent. */
export interface OpenWork {
  readonly deliveries: number;
  readonly messages: number;
}

/** Plain-SQL access to one Araldo database. */
export class DeskDatabase {
  readonly #sql: postgres.Sql;

  constructor(url: string) {
    this.#sql = postgres(url, { max: 2, onnotice: () => {} });
  }

  /** whether the child has migrated the schema yet */
  async isMigrated(): Promise<boolean> {
    const [row] = await this.#sql<{ ok: boolean }[]>`select to_regclass('public.outbox') is not null as ok`;
    return row?.ok ?? false;
  }

  /** the post a platform event created (`slack:<trigger id>`), if it was stored */
  async postByDedupeKey(key: string): Promise<PostRow | undefined> {
    if (!(await this.isMigrated())) return undefined;
    const rows = await this.#sql<PostRow[]>`
      select id, number, state, author_id as "authorId", approvals_required as "approvalsRequired",
             version, card_ref as "cardRef", dedupe_key as "dedupeKey", urgent
      from posts where dedupe_key = ${key}`;
    return rows[0];
  }

  async approvalsOf(postId: string): Promise<readonly ApprovalRow[]> {
    return this.#sql<ApprovalRow[]>`
      select post_id as "postId", version, approver_id as "approverId" from approvals where post_id = ${postId}`;
  }

  /** deliveries due or publishing, and owed messages not yet sent */
  async openWork(): Promise<OpenWork> {
    if (!(await this.isMigrated())) return { deliveries: 0, messages: 0 };
    const [row] = await this.#sql<{ deliveries: number; messages: number }[]>`
      select
        (select count(*)::int from deliveries where state in ('scheduled', 'publishing')) as deliveries,
        (select count(*)::int from outbox where state in ('pending', 'sending')) as messages`;
    return row ?? { deliveries: 0, messages: 0 };
  }

  /**
   * Resolves once nothing is due, publishing, owed or sending, polling every
   * `pollMs`; rejects after `timeoutMs` naming what was still open. `guard`
   * runs on each poll and may throw (a child that died).
   */
  async waitQuiescent(options: { timeoutMs: number; pollMs?: number; guard?: () => void }): Promise<void> {
    const deadline = performance.now() + options.timeoutMs;
    let open: OpenWork = { deliveries: -1, messages: -1 };
    // Two quiet polls in a row: a decision committing between the two counts is seen by the second.
    let quiet = 0;
    while (performance.now() < deadline) {
      options.guard?.();
      open = await this.openWork();
      quiet = open.deliveries === 0 && open.messages === 0 ? quiet + 1 : 0;
      if (quiet >= 2) return;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 150));
    }
    const detail = await this.#sql`
      select 'delivery' as what, id::text, state, target_id as detail, next_attempt_at::text as at, claimed_until::text as until
        from deliveries where state in ('scheduled', 'publishing')
      union all
      select 'outbox', id::text, state, kind, next_attempt_at::text, claimed_until::text
        from outbox where state in ('pending', 'sending')`;
    throw new Error(
      `not quiescent after ${options.timeoutMs} ms: ${open.deliveries} deliveries and ${open.messages} messages open\n${JSON.stringify(detail, null, 1)}`,
    );
  }

  /** every row the checks read */
  async snapshot(): Promise<DeskSnapshot> {
    const sql = this.#sql;
    const [posts, deliveries, audit, outbox, approvals, digests] = await Promise.all([
      sql<PostRow[]>`
        select id, number, state, author_id as "authorId", approvals_required as "approvalsRequired",
               version, card_ref as "cardRef", dedupe_key as "dedupeKey", urgent
        from posts order by number`,
      sql<DeliveryRow[]>`
        select id, post_id as "postId", target_id as "targetId", state, attempts,
               remote_id as "remoteId", public_url as "publicUrl", last_error as "lastError"
        from deliveries order by post_id, position`,
      sql<AuditRow[]>`
        select id::int as id, post_id as "postId", action, actor_id as "actorId", details
        from audit_events order by id`,
      sql<OutboxRow[]>`
        select id::int as id, post_id as "postId", kind, state, attempts, uncertain,
               last_error as "lastError", payload
        from outbox order by id`,
      sql<ApprovalRow[]>`select post_id as "postId", version, approver_id as "approverId" from approvals`,
      sql<DigestRow[]>`select team_id as "teamId", day, sent_at is not null as sent from digests`,
    ]);
    return { posts, deliveries, audit, outbox, approvals, digests };
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }
}
