import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Teams known to the database; the per-team post counter lives here. */
export const teams = pgTable('teams', {
  id: text('id').primaryKey(),
  nextPostNumber: integer('next_post_number').notNull().default(1),
  createdAt: instant('created_at').notNull().defaultNow(),
});

/** Proposals and their workflow state. */
export const posts = pgTable(
  'posts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id),
    number: integer('number').notNull(),
    authorId: text('author_id').notNull(),
    authorName: text('author_name').notNull(),
    text: text('text').notNull(),
    images: jsonb('images').$type<{ url: string; alt: string }[]>().notNull().default([]),
    urgent: boolean('urgent').notNull().default(false),
    requestedAt: instant('requested_at'),
    state: text('state').notNull(),
    approvalsRequired: integer('approvals_required').notNull(),
    version: integer('version').notNull().default(1),
    cardRef: text('card_ref'),
    /** a link people can open to reach the card, where the chat has one */
    cardLink: text('card_link'),
    dedupeKey: text('dedupe_key'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('posts_team_number_unique').on(t.teamId, t.number),
    uniqueIndex('posts_team_dedupe_unique').on(t.teamId, t.dedupeKey),
    index('posts_team_card_idx').on(t.teamId, t.cardRef),
    index('posts_team_state_idx').on(t.teamId, t.state),
  ],
);

/** One row per target of a post: its own state, attempts and outcome. */
export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    postId: uuid('post_id')
      .notNull()
      .references(() => posts.id),
    targetId: text('target_id').notNull(),
    position: integer('position').notNull(),
    state: text('state').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: instant('next_attempt_at'),
    claimedUntil: instant('claimed_until'),
    /**
     * who holds the claim: a fresh random token on every claim, cleared when
     * the attempt ends; a completion is accepted only with the current one
     */
    claimToken: text('claim_token'),
    remoteId: text('remote_id'),
    publicUrl: text('public_url'),
    lastError: text('last_error'),
    /** the failure code of the last attempt (publish-outcome.ts); last_error holds the words */
    lastErrorCode: text('last_error_code'),
    publishedAt: instant('published_at'),
    /**
     * A publisher's progress on this delivery (Instagram's container id),
     * saved during an attempt so the next one resumes: `{ version, data }`,
     * the post version it was made for; an edit makes it stale.
     */
    checkpoint: jsonb('checkpoint').$type<{ version: number; data: Record<string, string> }>(),
    /** last state change; null on rows written before this column existed */
    updatedAt: instant('updated_at'),
  },
  (t) => [
    uniqueIndex('deliveries_post_target_unique').on(t.postId, t.targetId),
    // Due order with its tie-break, so a claim reads only the rows it takes.
    index('deliveries_due_idx').on(t.nextAttemptAt, t.id).where(sql`${t.state} = 'scheduled'`),
    index('deliveries_target_due_idx').on(t.targetId, t.nextAttemptAt).where(sql`${t.state} = 'scheduled'`),
    index('deliveries_published_idx').on(t.publishedAt).where(sql`${t.state} = 'published'`),
    // The feed of a target, newest first: served on every request to /feeds/<target>.xml.
    index('deliveries_target_published_idx')
      .on(t.targetId, t.publishedAt.desc())
      .where(sql`${t.state} = 'published'`),
    index('deliveries_claimed_idx').on(t.claimedUntil).where(sql`${t.state} = 'publishing'`),
  ],
);

/** Current approvals, per post version; the history lives in the audit log. */
export const approvals = pgTable(
  'approvals',
  {
    postId: uuid('post_id')
      .notNull()
      .references(() => posts.id),
    version: integer('version').notNull(),
    approverId: text('approver_id').notNull(),
    approverName: text('approver_name').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.version, t.approverId] })],
);

/** Append-only record of who did what when; a trigger refuses UPDATE and DELETE. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    teamId: text('team_id').notNull(),
    postId: uuid('post_id'),
    at: instant('at').notNull(),
    actorId: text('actor_id').notNull(),
    actorName: text('actor_name').notNull(),
    action: text('action').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('audit_post_idx').on(t.postId, t.id), index('audit_team_at_idx').on(t.teamId, t.at)],
);

/**
 * Remarks the desk makes once per post and key (e.g. "you may not approve"
 * to one person): the primary key makes "once" hold under concurrency.
 */
export const notices = pgTable(
  'notices',
  {
    postId: uuid('post_id')
      .notNull()
      .references(() => posts.id),
    key: text('key').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.key] })],
);

/**
 * One row per team and local day: the decision that the day's digest is
 * owed, written with its outbox row; `sent_at` once the chat has it.
 */
export const digests = pgTable(
  'digests',
  {
    teamId: text('team_id').notNull(),
    day: text('day').notNull(),
    /** when the digest was decided (owed) */
    claimedAt: instant('claimed_at').notNull(),
    sentAt: instant('sent_at'),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.day] })],
);

/**
 * Who follows a team's overview (opened it in their chat: Slack's App
 * Home), so a change in the team redraws it for each of them. `viewer` is
 * the chat's id of the person.
 */
export const overviewViewers = pgTable(
  'overview_viewers',
  {
    teamId: text('team_id').notNull(),
    viewer: text('viewer').notNull(),
    openedAt: instant('opened_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.viewer] }), index('overview_viewers_viewer_idx').on(t.viewer)],
);

/**
 * Every card Araldo ever posted for a post, so a reaction on any of them
 * counts (one card per post is the rule; a card posted twice by a chat
 * fault must not leave a dead one behind).
 */
export const postCards = pgTable(
  'post_cards',
  {
    teamId: text('team_id').notNull(),
    cardRef: text('card_ref').notNull(),
    postId: uuid('post_id')
      .notNull()
      .references(() => posts.id),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.cardRef] })],
);

/**
 * Messages owed to a chat: written in the transaction of the decision that
 * owes them, sent by the dispatcher of any process, in `id` order within a
 * stream (one post's conversation, a team's channel, one person's answers).
 * `state`: pending → sending (claimed, with a token and a lease) → sent |
 * failed | skipped. `uncertain` is set when an attempt may have reached the
 * chat, so the next one looks for it before writing again.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    teamId: text('team_id').notNull(),
    postId: uuid('post_id').references(() => posts.id),
    stream: text('stream').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    /** a message owed once ever (a post's card, a day's digest): the unique key keeps it once */
    dedupeKey: text('dedupe_key'),
    state: text('state').notNull(),
    attempts: integer('attempts').notNull().default(0),
    uncertain: boolean('uncertain').notNull().default(false),
    nextAttemptAt: instant('next_attempt_at').notNull(),
    claimedUntil: instant('claimed_until'),
    claimToken: text('claim_token'),
    lastError: text('last_error'),
    createdAt: instant('created_at').notNull(),
    sentAt: instant('sent_at'),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_unique').on(t.dedupeKey),
    // Card updates coalesce: one waiting update per post, drawn from the post as it is when sent.
    uniqueIndex('outbox_card_update_waiting_unique')
      .on(t.postId)
      .where(sql`${t.kind} = 'card_update' and ${t.state} = 'pending'`),
    // Overview redraws coalesce the same way: one waiting per team.
    uniqueIndex('outbox_overview_update_waiting_unique')
      .on(t.teamId)
      .where(sql`${t.kind} = 'overview_update' and ${t.state} = 'pending'`),
    // A stream's open messages in order (a stream names its team or its post:
    // unique across teams): the head of a stream is its first entry here.
    index('outbox_open_stream_idx').on(t.stream, t.id).where(sql`${t.state} in ('pending', 'sending')`),
    // A team's open messages oldest first: a claim reads heads in this order and stops at its limit.
    index('outbox_open_order_idx').on(t.teamId, t.id).where(sql`${t.state} in ('pending', 'sending')`),
  ],
);

/**
 * Pacing shared by every process: a target (or a team's chat, key
 * `chat:<team>`) takes no new work before `next_free_at`. Advanced in the
 * transaction that claims, so two replicas never both take the same slot.
 */
export const pacing = pgTable('pacing', {
  key: text('key').primaryKey(),
  nextFreeAt: instant('next_free_at').notNull(),
});

/**
 * A target's own secret that the network rotates (X's refresh token), kept
 * sealed (AES-256-GCM, key from ARALDO_SECRET_KEY): the database never sees
 * it in clear. `version` makes writes compare-and-set; `leased_until` and
 * `lease_holder` let one process at a time spend a refresh token.
 */
export const targetSecrets = pgTable('target_secrets', {
  targetId: text('target_id').primaryKey(),
  sealed: text('sealed'),
  version: integer('version').notNull().default(0),
  leaseHolder: text('lease_holder'),
  leasedUntil: instant('leased_until'),
  updatedAt: instant('updated_at').notNull(),
});

/**
 * What a target's network last said of its credentials (Publisher.
 * checkCredentials), for the digest's warnings: `state` valid | expired |
 * revoked, `expires_at` when valid and known. `warned_stage` is the last
 * warning the digest gave for this expiry (14, 3, 1 days before; 0 once
 * expired), so each is given once; a new expiry clears it.
 */
export const credentialChecks = pgTable('credential_checks', {
  targetId: text('target_id').primaryKey(),
  state: text('state').notNull(),
  expiresAt: instant('expires_at'),
  detail: text('detail'),
  checkedAt: instant('checked_at').notNull(),
  warnedStage: integer('warned_stage'),
});
