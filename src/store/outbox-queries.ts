import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { NewAuditEvent } from '../core/audit-event.ts';
import type { ClaimedOwedMessage, NewOwedMessage, OwedCompletion, OwedKind } from '../core/owed-message.ts';
import type { OutMessage } from '../core/ports.ts';
import type { Database } from './database.ts';
import { auditEvents, digests, outbox, pacing, postCards, posts } from './schema.ts';

/** Transactions and the database share the query API this file uses. */
export type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

/**
 * The pacing key of a team's chat lane. A 429 holds back the lane it came
 * from: private answers (Slack's chat.postEphemeral, its own rate tier) are
 * never kept waiting behind the channel's cards and thread lines, nor these
 * behind them. `pacingKeySql` writes the same key in SQL.
 */
export function chatPacingKey(teamId: string, kind: string): string {
  if (kind === 'private') return `chat:${teamId}:private`;
  if (kind === 'overview' || kind === 'overview_update') return `chat:${teamId}:overview`;
  return `chat:${teamId}`;
}

/** `chatPacingKey` of outbox row `o` (needs `o.team_id` and `o.kind`), in SQL. */
function pacingKeySql(alias: 'o' | 'h') {
  return sql.raw(
    `'chat:' || ${alias}.team_id || case when ${alias}.kind = 'private' then ':private' when ${alias}.kind in ('overview', 'overview_update') then ':overview' else '' end`,
  );
}

/**
 * The stream an owed message goes out in, in order: a post's conversation,
 * one person's answers, or the team's channel.
 */
function streamOf(message: NewOwedMessage): string {
  if (message.postId !== undefined) return `post:${message.postId}`;
  if (message.kind === 'private') return `private:${message.teamId}:${message.recipient ?? ''}`;
  if (message.kind === 'overview') return `overview:${message.teamId}:${message.recipient ?? ''}`;
  if (message.kind === 'overview_update') return `overview:${message.teamId}`;
  return `team:${message.teamId}`;
}

/** Messages owed once ever: a post's card, a team's digest of a day. */
function dedupeKeyOf(message: NewOwedMessage): string | null {
  if (message.kind === 'card' && message.postId !== undefined) return `card:${message.postId}`;
  if (message.kind === 'digest' && message.day !== undefined)
    return `digest:${message.teamId}:${message.day}`;
  return null;
}

/**
 * Writes owed messages in one statement; those owed once ever, and card
 * updates while one already waits for the post, are skipped when present
 * (ON CONFLICT DO NOTHING skips only the rows that repeat, a row repeating
 * one earlier in the same list included).
 */
export async function enqueueMessages(tx: Executor, messages: readonly NewOwedMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await tx
    .insert(outbox)
    .values(
      messages.map((message) => ({
        teamId: message.teamId,
        postId: message.postId ?? null,
        stream: streamOf(message),
        kind: message.kind,
        payload: {
          ...(message.message
            ? { text: message.message.text, mentions: message.message.mentions ?? [] }
            : {}),
          ...(message.recipient === undefined ? {} : { recipient: message.recipient }),
          ...(message.day === undefined ? {} : { day: message.day }),
        },
        dedupeKey: dedupeKeyOf(message),
        state: 'pending',
        nextAttemptAt: message.at,
        createdAt: message.at,
      })),
    )
    .onConflictDoNothing();
}

const payloadSchemaless = (payload: Record<string, unknown>) => ({
  text: typeof payload.text === 'string' ? payload.text : undefined,
  mentions: Array.isArray(payload.mentions)
    ? payload.mentions.filter((m): m is string => typeof m === 'string')
    : [],
  recipient: typeof payload.recipient === 'string' ? payload.recipient : undefined,
  day: typeof payload.day === 'string' ? payload.day : undefined,
});

type OutboxRow = typeof outbox.$inferSelect;

function toClaimed(
  row: Pick<
    OutboxRow,
    'id' | 'teamId' | 'kind' | 'postId' | 'payload' | 'attempts' | 'uncertain' | 'createdAt' | 'claimToken'
  >,
): ClaimedOwedMessage {
  const payload = payloadSchemaless(row.payload);
  const message: OutMessage | undefined =
    payload.text === undefined
      ? undefined
      : { text: payload.text, ...(payload.mentions.length > 0 ? { mentions: payload.mentions } : {}) };
  return {
    id: String(row.id),
    teamId: row.teamId,
    kind: row.kind as OwedKind,
    postId: row.postId ?? undefined,
    message,
    recipient: payload.recipient,
    day: payload.day,
    attempts: row.attempts,
    uncertain: row.uncertain,
    createdAt: row.createdAt,
    claimToken: row.claimToken ?? '',
  };
}

/**
 * Claims the head of each open stream that may go now. The heads are read
 * from the snapshot; the row lock (SKIP LOCKED) then re-checks the row's
 * own state, so two dispatchers never hold the same row, and a stream's
 * second message is never claimed while its first is unsent.
 */
export async function claimOwedMessages(
  tx: Executor,
  teamIds: readonly string[],
  now: Date,
  limit: number,
  leaseMs: number,
): Promise<ClaimedOwedMessage[]> {
  if (teamIds.length === 0) return [];
  const nowIso = now.toISOString();
  const teams = sqlList(teamIds);
  // One statement: the heads are read from the snapshot, the row lock
  // (SKIP LOCKED) then re-checks each row's own state, and every claimed row
  // gets its own token. The post's card and number come along for thread lines.
  const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
  const result = await tx.execute(sql`
    with chosen as (
      select o.id from outbox o
      where o.team_id in (${teams}) and o.state in ('pending', 'sending')
        and ((o.state = 'pending' and o.next_attempt_at <= ${nowIso}::timestamptz)
          or (o.state = 'sending' and o.claimed_until <= ${nowIso}::timestamptz))
        -- the head of its stream: no older message of the stream is still
        -- open. A scalar subquery, probed through outbox_open_stream_idx for
        -- each row read: an anti join would be planned from statistics
        -- that, after a burst of new rows, say the table is empty.
        and o.id = (
          select min(e.id) from outbox e
          where e.stream = o.stream and e.state in ('pending', 'sending')
        )
        and not exists (
          select 1 from pacing p
          where p.key = ${pacingKeySql('o')} and p.next_free_at > ${nowIso}::timestamptz
        )
      order by o.id
      limit ${limit}
      for update of o skip locked
    )
    update outbox o set
      -- A row still sending was abandoned mid-attempt: the chat may have it.
      uncertain = o.uncertain or o.state = 'sending',
      state = 'sending',
      attempts = o.attempts + 1,
      claim_token = replace(gen_random_uuid()::text, '-', ''),
      claimed_until = ${leaseUntil}::timestamptz
    from chosen c
    where o.id = c.id
    returning o.id, o.team_id, o.kind, o.post_id, o.payload, o.attempts, o.uncertain,
      o.created_at, o.claim_token,
      (select number from posts where posts.id = o.post_id) as post_number,
      (select card_ref from posts where posts.id = o.post_id) as card_ref`);
  return rowsOf<ClaimedRow>(result)
    .map(fromClaimedRow)
    .sort((a, b) => Number(a.id) - Number(b.id));
}

/** A claimed row as the claim statement returns it (raw SQL: snake case). */
interface ClaimedRow {
  readonly id: string | number;
  readonly team_id: string;
  readonly kind: string;
  readonly post_id: string | null;
  readonly payload: Record<string, unknown> | string;
  readonly attempts: number;
  readonly uncertain: boolean;
  readonly created_at: Date | string;
  readonly claim_token: string;
  readonly post_number: number | null;
  readonly card_ref: string | null;
}

function fromClaimedRow(row: ClaimedRow): ClaimedOwedMessage {
  const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
  const claimed = toClaimed({
    id: Number(row.id),
    teamId: row.team_id,
    kind: row.kind,
    postId: row.post_id,
    payload,
    attempts: Number(row.attempts),
    uncertain: row.uncertain,
    createdAt: new Date(row.created_at),
    claimToken: row.claim_token,
  });
  return row.post_number === null
    ? claimed
    : { ...claimed, post: { number: Number(row.post_number), cardRef: row.card_ref ?? undefined } };
}

/** Values as a comma-separated list of bound parameters, for `in (…)` in raw SQL. */
export function sqlList(values: readonly string[]) {
  return sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  );
}

/** postgres.js returns rows as the result itself, PGlite under `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** Appends audit events in one statement, in order; the log is append-only (a trigger refuses changes). */
export async function insertAudit(tx: Executor, events: readonly NewAuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(auditEvents).values(
    events.map((event) => ({
      teamId: event.teamId,
      postId: event.postId ?? null,
      at: event.at,
      actorId: event.actorId,
      actorName: event.actorName,
      action: event.action,
      details: { ...event.details },
    })),
  );
}

/**
 * True when ending an attempt this way can go with others in a few
 * statements (completeSimply): its row's update, and for a sent card the
 * card remembered with its post.
 */
export function isSimpleCompletion(completion: OwedCompletion): boolean {
  switch (completion.kind) {
    case 'sent':
      return completion.audit === undefined;
    case 'skipped':
    case 'failed':
      return true;
    case 'retry':
      return false;
  }
}

/** One attempt's end on an owed message, as `completeSimply` records it. */
export interface OwedEnd {
  readonly id: string;
  readonly claimToken: string;
  readonly completion: OwedCompletion;
}

/**
 * Ends attempts that isSimpleCompletion accepts, in a few statements
 * whatever their number, each only with its current token: true for each
 * row changed, false for a claim lost meanwhile. A sent card is remembered
 * with its post in the same transaction, so a card the outbox calls sent
 * is always one reactions count on. Run it inside a transaction when any
 * end carries a card or may end a digest.
 */
export async function completeSimply(db: Executor, ends: readonly OwedEnd[], at: Date): Promise<boolean[]> {
  if (ends.length === 0) return [];
  const atIso = at.toISOString();
  const values = sql.join(
    ends.map(({ id, claimToken, completion }) => {
      const state = completion.kind === 'retry' ? 'pending' : completion.kind;
      const error = completion.kind === 'failed' ? completion.error : null;
      return sql`(${Number(id)}::bigint, ${claimToken}::text, ${state}::text, ${error}::text)`;
    }),
    sql`, `,
  );
  const result = await db.execute<EndedRow>(sql`
    update outbox o set
      state = v.state,
      sent_at = case when v.state in ('sent', 'skipped') then ${atIso}::timestamptz else o.sent_at end,
      last_error = case when v.state = 'sent' then null when v.state = 'failed' then v.error else o.last_error end,
      claim_token = null,
      claimed_until = null
    from (values ${values}) as v(id, token, state, error)
    where o.id = v.id and o.state = 'sending' and o.claim_token = v.token
    returning o.id, v.token, o.team_id, o.post_id, o.kind, o.payload`);
  // By row and token: two attempts of one row (one whose lease passed, then
  // the current one) may end in the same batch, and only the current one counts.
  const endKey = (id: string | number, token: string) => `${Number(id)}/${token}`;
  const changed = new Map(rowsOf<EndedRow>(result).map((row) => [endKey(row.id, row.token), row]));
  const cards: { teamId: string; postId: string; cardRef: string; link: string | null }[] = [];
  for (const end of ends) {
    if (end.completion.kind !== 'sent') continue;
    const row = changed.get(endKey(end.id, end.claimToken));
    const card = end.completion.card;
    // The claim was lost (taken over), so this attempt's outcome is not the
    // row's. But a card it did post is a card of the post all the same:
    // reactions on it must count.
    if (!row) {
      if (card) await rememberLateCard(db, end.id, card.cardRef, at);
      continue;
    }
    if (card && row.post_id !== null)
      cards.push({
        teamId: row.team_id,
        postId: row.post_id,
        cardRef: card.cardRef,
        link: card.link ?? null,
      });
    if (row.kind === 'digest') await markDigestSent(db, row.team_id, payloadSchemaless(row.payload).day, at);
  }
  await rememberCards(db, cards, at);
  return ends.map((end) => changed.has(endKey(end.id, end.claimToken)));
}

/** An outbox row as completeSimply's update returns it. */
type EndedRow = {
  readonly id: string | number;
  readonly token: string;
  readonly team_id: string;
  readonly post_id: string | null;
  readonly kind: string;
  readonly payload: Record<string, unknown>;
};

/**
 * Records sent cards among their posts' cards; the first card stays the
 * post's card, a second one (a chat fault) only joins post_cards.
 */
async function rememberCards(
  db: Executor,
  cards: readonly { teamId: string; postId: string; cardRef: string; link: string | null }[],
  at: Date,
): Promise<void> {
  if (cards.length === 0) return;
  await db
    .insert(postCards)
    .values(cards.map(({ teamId, cardRef, postId }) => ({ teamId, cardRef, postId, createdAt: at })))
    .onConflictDoNothing();
  const firstOfPost = new Map<string, (typeof cards)[number]>();
  for (const card of cards) if (!firstOfPost.has(card.postId)) firstOfPost.set(card.postId, card);
  const values = sql.join(
    [...firstOfPost.values()].map(
      ({ postId, cardRef, link }) => sql`(${postId}::uuid, ${cardRef}::text, ${link}::text)`,
    ),
    sql`, `,
  );
  await db.execute(sql`
    update posts p set card_ref = v.card_ref, card_link = v.card_link
    from (values ${values}) as v(id, card_ref, card_link)
    where p.id = v.id and p.card_ref is null`);
}

/** A digest's message sent: its day is done. */
async function markDigestSent(
  db: Executor,
  teamId: string,
  day: string | undefined,
  at: Date,
): Promise<void> {
  if (day === undefined) return;
  await db
    .update(digests)
    .set({ sentAt: at })
    .where(and(eq(digests.teamId, teamId), eq(digests.day, day)));
}

/** Ends an attempt, only with the current token; a sent card is remembered with its post. */
export async function completeOwedMessage(
  tx: Executor,
  id: string,
  claimToken: string,
  completion: OwedCompletion,
  at: Date,
): Promise<boolean> {
  const patch = ((): Partial<typeof outbox.$inferInsert> => {
    switch (completion.kind) {
      case 'sent':
        return { state: 'sent', sentAt: at, lastError: null };
      case 'skipped':
        return { state: 'skipped', sentAt: at };
      case 'failed':
        return { state: 'failed', lastError: completion.error };
      case 'retry':
        return {
          state: 'pending',
          nextAttemptAt: completion.at,
          lastError: completion.error,
          ...(completion.uncertain ? { uncertain: true } : {}),
        };
    }
  })();
  const [claimed] = await tx
    .select({ kind: outbox.kind, postId: outbox.postId, teamId: outbox.teamId })
    .from(outbox)
    .where(and(eq(outbox.id, Number(id)), eq(outbox.state, 'sending'), eq(outbox.claimToken, claimToken)));
  if (!claimed) {
    // The claim was lost (taken over), so this attempt's outcome is not the
    // row's. But a card it did post is a card of the post all the same:
    // reactions on it must count.
    if (completion.kind === 'sent' && completion.card)
      await rememberLateCard(tx, id, completion.card.cardRef, at);
    return false;
  }
  // A card update waiting to go already draws the latest post: a retry of
  // this older one would only repeat it (and two may not wait at once).
  const waitingLikeIt =
    claimed.kind === 'card_update' && claimed.postId !== null
      ? and(eq(outbox.postId, claimed.postId), eq(outbox.kind, 'card_update'), eq(outbox.state, 'pending'))
      : claimed.kind === 'overview_update'
        ? and(
            eq(outbox.teamId, claimed.teamId),
            eq(outbox.kind, 'overview_update'),
            eq(outbox.state, 'pending'),
          )
        : undefined;
  const superseded =
    completion.kind === 'retry' &&
    waitingLikeIt !== undefined &&
    (await tx.select({ id: outbox.id }).from(outbox).where(waitingLikeIt).limit(1)).length > 0;
  const end = (executor: Executor, set: Partial<typeof outbox.$inferInsert>) =>
    executor
      .update(outbox)
      .set({ ...set, claimToken: null, claimedUntil: null })
      .where(and(eq(outbox.id, Number(id)), eq(outbox.state, 'sending'), eq(outbox.claimToken, claimToken)))
      .returning();
  const skipped = { state: 'skipped', sentAt: at } as const;
  // A redraw owed meanwhile by another decision may take the one waiting
  // place between the look above and this write: then this one is
  // superseded all the same (in a savepoint, so the transaction goes on).
  const [row] = superseded
    ? await end(tx, skipped)
    : waitingLikeIt !== undefined && completion.kind === 'retry'
      ? await (tx as unknown as Pick<Database, 'transaction'>)
          .transaction((savepoint) => end(savepoint, patch))
          .catch((error: unknown) => {
            if (isUniqueViolation(error)) return end(tx, skipped);
            throw error;
          })
      : await end(tx, patch);
  if (!row) return false;
  if (completion.kind === 'sent' && completion.card && row.postId) {
    const { cardRef, link } = completion.card;
    await rememberCards(tx, [{ teamId: row.teamId, postId: row.postId, cardRef, link: link ?? null }], at);
  }
  if (completion.kind === 'sent' && row.kind === 'digest')
    await markDigestSent(tx, row.teamId, payloadSchemaless(row.payload).day, at);
  if (completion.kind === 'sent' && completion.audit) await insertAudit(tx, [completion.audit]);
  if (completion.kind === 'retry' && completion.holdChatUntil) {
    await holdUntil(tx, chatPacingKey(row.teamId, row.kind), completion.holdChatUntil);
  }
  return true;
}

/** Records a card posted by an attempt whose claim was lost, among the post's cards. */
async function rememberLateCard(tx: Executor, id: string, cardRef: string, at: Date): Promise<void> {
  const [row] = await tx
    .select({ teamId: outbox.teamId, postId: outbox.postId, kind: outbox.kind })
    .from(outbox)
    .where(eq(outbox.id, Number(id)));
  if (row?.kind !== 'card' || row.postId === null) return;
  await tx
    .insert(postCards)
    .values({ teamId: row.teamId, cardRef, postId: row.postId, createdAt: at })
    .onConflictDoNothing();
  // If no attempt has recorded a card yet, this one is the post's card.
  await tx
    .update(posts)
    .set({ cardRef })
    .where(and(eq(posts.id, row.postId), isNull(posts.cardRef)));
}

/** Pushes a pacing key's next free instant to `until`, never earlier than it already is. */
export async function holdUntil(tx: Executor, key: string, until: Date): Promise<void> {
  await tx
    .insert(pacing)
    .values({ key, nextFreeAt: until })
    .onConflictDoUpdate({
      target: pacing.key,
      set: { nextFreeAt: sql`greatest(${pacing.nextFreeAt}, excluded.next_free_at)` },
    });
}

/** The earliest instant an open message of these teams may be tried. */
export async function nextOwedAt(tx: Executor, teamIds: readonly string[]): Promise<Date | undefined> {
  if (teamIds.length === 0) return undefined;
  const teams = sqlList(teamIds);
  // Only the first open message of each stream can go: those behind it wait for it.
  const result = await tx.execute<{ at: string | Date | null }>(sql`
    with heads as (
      select distinct on (stream) id, team_id, kind, state, next_attempt_at, claimed_until
      from outbox
      where team_id in (${teams}) and state in ('pending', 'sending')
      order by stream, id
    )
    select min(greatest(
      case when h.state = 'sending' then h.claimed_until else h.next_attempt_at end,
      coalesce(p.next_free_at, '-infinity'::timestamptz)
    )) as at
    from heads h
    left join pacing p on p.key = ${pacingKeySql('h')}`);
  const at = rowsOf<{ at: string | Date | null }>(result)[0]?.at;
  return at ? new Date(at) : undefined;
}

/** Whether a database error is a unique violation (SQLSTATE 23505), on either driver, wrapped or not. */
function isUniqueViolation(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth += 1) {
    if ((current as { code?: unknown }).code === '23505') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Unsent messages of a team, oldest first. */
export async function listUnsentMessages(
  tx: Executor,
  teamId: string,
): Promise<{ kind: string; postId: string | undefined; state: string }[]> {
  const rows = await tx
    .select({ kind: outbox.kind, postId: outbox.postId, state: outbox.state })
    .from(outbox)
    .where(and(eq(outbox.teamId, teamId), inArray(outbox.state, ['pending', 'sending'])))
    .orderBy(asc(outbox.id));
  return rows.map((row) => ({ kind: row.kind, postId: row.postId ?? undefined, state: row.state }));
}

/** Records that a team's digest of a day is owed; false when it already was. */
export async function oweDigest(tx: Executor, teamId: string, day: string, at: Date): Promise<boolean> {
  const inserted = await tx
    .insert(digests)
    .values({ teamId, day, claimedAt: at })
    .onConflictDoNothing()
    .returning({ day: digests.day });
  return inserted.length === 1;
}
