import type { Actor } from './actor.ts';
import type { AuditEvent, NewAuditEvent } from './audit-event.ts';
import type { Card } from './card.ts';
import type { Delivery } from './delivery.ts';
import type { TeamOverview } from './overview.ts';
import type { ClaimedOwedMessage, NewOwedMessage, OwedCompletion } from './owed-message.ts';
import type { Post, PostImage, PostState } from './post.ts';
import type { FailureCode, PublishedNote, PublishOutcome } from './publish-outcome.ts';
import type { Result } from './result.ts';
import type { Target, TargetPacing } from './target.ts';
import type { Team } from './team.ts';

/** The source of "now". Core code never reads the system clock itself. */
export interface Clock {
  /** the current instant */
  now(): Date;
  /**
   * A signal that aborts once `ms` milliseconds have passed on this clock:
   * the core's only way to set a time limit, so it needs no timers of its own.
   */
  signalAfter(ms: number): AbortSignal;
}

/** Structured logging; adapters pass pino, tests a silent or recording logger. */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  /** a logger that adds `fields` to every line */
  child(fields: Record<string, unknown>): Logger;
}

/** A message to a chat: already in the team's language. */
export interface OutMessage {
  readonly text: string;
  /** platform ids of the people to mention at the start of the message */
  readonly mentions?: readonly string[];
}

/**
 * Which owed message a chat write is. The chat marks each message it writes
 * with `messageId` (in the message's metadata, or as a nonce the platform
 * enforces), so that after an uncertain failure it can find its own
 * earlier write instead of writing a second one.
 */
export interface MessageKey {
  /** the outbox row's id: unique per owed message, the same on every attempt; at most 20 digits */
  readonly messageId: string;
  /** the post the message is about, when it is about one */
  readonly postId?: string;
  /**
   * true when an earlier attempt may have reached the chat (it timed out,
   * got a 5xx, lost its connection, or its process died mid-send): the chat
   * looks for its own message first and writes only if it is not there
   */
  readonly mayExist: boolean;
  /** when the message was first owed: where a look-up for it can start */
  readonly owedAt: Date;
}

/**
 * Why a chat write did not happen, and so what the outbox does next:
 * - `rate_limited`: the chat asked to wait `retryAfterMs` (429); nothing was written.
 * - `uncertain`: it may have been written (5xx, timeout, dropped connection);
 *   the next attempt goes with `mayExist`.
 * - `unavailable`: certainly not written (connection refused); retry later.
 * - `rejected`: it never will be (channel gone, bot removed, bad token);
 *   a person must act, the log says why.
 */
export type ChatFailure =
  | { readonly code: 'rate_limited'; readonly retryAfterMs: number; readonly detail: string }
  | { readonly code: 'uncertain'; readonly detail: string }
  | { readonly code: 'unavailable'; readonly detail: string }
  | { readonly code: 'rejected'; readonly detail: string };

/** The outcome of one chat write: expected failures are values, never throws. */
export type ChatResult<T> = Result<T, ChatFailure>;

/** Where a posted card is: its reference (opaque to the core) and a link people can open. */
export interface PostedCard {
  readonly cardRef: string;
  /** a permalink to the card, where the platform has one */
  readonly link?: string;
}

/**
 * Everything the core says in chat outside a command's own reply. One
 * implementation per platform; main.ts routes by `team.chat`. Only the
 * outbox dispatcher calls it, from durable rows: every call carries the
 * row's key, and a throw counts as an `uncertain` failure.
 */
export interface ChatOut {
  /** posts the proposal card in the team channel */
  postCard(team: Team, card: Card, key: MessageKey): Promise<ChatResult<PostedCard>>;
  /** replaces the card in place (idempotent: the same card twice shows once) */
  updateCard(team: Team, cardRef: string, card: Card, key: MessageKey): Promise<ChatResult<void>>;
  /** writes in the card's thread */
  replyInThread(team: Team, cardRef: string, message: OutMessage, key: MessageKey): Promise<ChatResult<void>>;
  /** writes in the team channel, outside any thread (digests, remarks on a post without a card) */
  postInChannel(team: Team, message: OutMessage, key: MessageKey): Promise<ChatResult<void>>;
  /**
   * a message only one person sees (the answer to a command sent after the
   * ack); `recipient` is the address the adapter gave as `replyTo`
   */
  sayPrivately(
    team: Team,
    recipient: string,
    message: OutMessage,
    key: MessageKey,
  ): Promise<ChatResult<void>>;
  /**
   * whether the team's chat has a standing overview for its people (an
   * app's home tab); absent or false: no overview is owed for the team
   */
  showsOverview?(team: Team): boolean;
  /**
   * replaces what `viewer` sees of their teams (every overview they follow,
   * `team` among them); idempotent, so a repeat only draws it again
   */
  publishOverview?(
    team: Team,
    viewer: string,
    overviews: readonly TeamOverview[],
    key: MessageKey,
  ): Promise<ChatResult<void>>;
}

/** What a publisher needs to publish one delivery. */
export interface PublishRequest {
  readonly deliveryId: string;
  /** stable across retries of the same delivery; networks that accept one use it to drop duplicates */
  readonly idempotencyKey: string;
  readonly target: Target;
  readonly team: Team;
  readonly postNumber: number;
  readonly text: string;
  readonly images: readonly PostImage[];
  readonly author: Actor;
  /** the instant the publication happens, from the core's clock */
  readonly publishedAt: Date;
  /**
   * When the post was proposed: the same on every attempt, so a network
   * whose record ids carry a time (Bluesky's TIDs) derives the same id again.
   */
  readonly proposedAt: Date;
  /**
   * Who approved the version being published, and every target the post
   * goes to. Read on demand (only some networks carry them, and the
   * publishing loop must stay a few statements per delivery).
   */
  readonly approval: () => Promise<PublishApproval>;
  /**
   * What an earlier attempt of this delivery saved with `saveCheckpoint`
   * (Instagram's container id, TikTok's publish id), for the same version
   * of the post; undefined on a first attempt or after an edit.
   */
  readonly checkpoint: PublishCheckpoint | undefined;
  /**
   * Stores progress durably before the next call that could leave a post
   * behind, so an attempt cut off by a crash resumes from it instead of
   * starting over. Resolves true once stored, false when this worker no
   * longer holds the delivery (its lease passed): the publisher should stop.
   */
  readonly saveCheckpoint: (checkpoint: PublishCheckpoint) => Promise<boolean>;
}

/** A checkpoint as the store keeps it: with the post version it was saved for. */
export interface StoredCheckpoint {
  readonly version: number;
  readonly data: PublishCheckpoint;
}

/** What a target's credentials were found to be: CredentialCheck without `unknown`, which teaches nothing. */
export type CredentialState = 'valid' | 'expired' | 'revoked';

/** What Araldo last learnt of a target's credentials, as the store keeps it for the digest. */
export interface CredentialStatus {
  readonly targetId: string;
  readonly state: CredentialState;
  /** when valid credentials expire; undefined when the network tells none */
  readonly expiresAt: Date | undefined;
  readonly detail: string | undefined;
  readonly checkedAt: Date;
  /** the last warning the digest gave for this expiry (days before it; 0: expired), undefined when none */
  readonly warnedStage: number | undefined;
}

/** A publisher's progress on one delivery: a few named strings (ids the network gave). */
export type PublishCheckpoint = Readonly<Record<string, string>>;

/**
 * What a network says of a target's credentials when asked
 * (Publisher.checkCredentials): `valid` until `expiresAt` (undefined: no
 * expiry the network tells), `expired` or `revoked` (publishing fails until a
 * person renews them), `unknown` when the check itself failed (network
 * down): nothing is learnt. `detail` is for the log and never a secret.
 */
export type CredentialCheck =
  | { readonly kind: 'valid'; readonly expiresAt: Date | undefined; readonly detail?: string }
  | { readonly kind: 'expired'; readonly detail: string }
  | { readonly kind: 'revoked'; readonly detail: string }
  | { readonly kind: 'unknown'; readonly detail: string };

/** What `PublishRequest.approval` reads: the post's approvers and all its targets. */
export interface PublishApproval {
  readonly approvers: readonly Actor[];
  readonly targets: readonly {
    readonly id: string;
    readonly displayName: string;
    readonly network: string;
  }[];
}

/** Publishes to one target's account. One instance per target, credentials bound. */
export interface Publisher {
  /**
   * True when sending the same `idempotencyKey` twice can never create two
   * posts, so a delivery interrupted by a crash can simply be sent again.
   */
  readonly idempotent: boolean;
  /**
   * How long the network remembers an idempotency key (Mastodon: an hour),
   * when not for ever: a delivery whose interrupted attempt started longer
   * ago than this is not sent again blindly, but asked about, like one to a
   * network without idempotency.
   */
  readonly idempotencyWindowMs?: number | undefined;
  /** publishes; never throws for network or API failures, it returns them */
  publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome>;
  /**
   * Asks the network when the target's credentials expire (Graph
   * debug_token, LinkedIn token introspection, X's refresh), for the
   * digest's warnings; absent when the network cannot tell. Called at start
   * and a few times a day, never while publishing; never throws.
   */
  checkCredentials?(signal: AbortSignal): Promise<CredentialCheck>;
}

/** A proposal ready to be stored: validated, numbered by the store. */
export interface NewPost {
  readonly teamId: string;
  readonly author: Actor;
  readonly text: string;
  readonly images: readonly PostImage[];
  readonly urgent: boolean;
  readonly requestedAt: Date | undefined;
  readonly approvalsRequired: number;
  readonly targetIds: readonly string[];
  /** platform event id; the same key twice returns the first post instead of a second one */
  readonly dedupeKey: string | undefined;
  readonly createdAt: Date;
}

/** A post with its deliveries and the approvers of its current version: what its card shows. */
export interface PostWithApprovers {
  readonly entry: PostWithDeliveries;
  readonly approvers: readonly Actor[];
}

/** A post with its deliveries, in target order. */
export interface PostWithDeliveries {
  readonly post: Post;
  readonly deliveries: readonly Delivery[];
}

/** The parts of a team's planning to read (Store.readPlanning); each list holds at most 500. */
export interface PlanningQuery {
  /** scheduled deliveries due in [from, to) */
  readonly due?: { readonly from: Date; readonly to: Date };
  /** posts in these states, the oldest `limit`; with `requestedIn`, only those asking for a time in it */
  readonly waiting?: {
    readonly states: readonly PostState[];
    readonly limit: number;
    readonly requestedIn?: { readonly from: Date; readonly to: Date };
  };
  /** failed or unknown deliveries last touched at or after this instant */
  readonly failingSince?: Date;
  /** deliveries published in [from, to) */
  readonly published?: { readonly from: Date; readonly to: Date };
}

/** A team's planning: each list empty unless asked for. */
export interface Planning {
  /** soonest first */
  readonly due: readonly DeliveryWithPost[];
  /** oldest first */
  readonly waiting: readonly Post[];
  /** oldest change first */
  readonly failing: readonly DeliveryWithPost[];
  /** in publication order */
  readonly published: readonly DeliveryWithPost[];
}

/** A delivery with the post it belongs to, as the store lists them. */
export interface DeliveryWithPost {
  readonly delivery: Delivery;
  readonly post: Post;
}

/** A delivery claimed by this worker for publishing. */
export interface ClaimedDelivery extends DeliveryWithPost {
  /**
   * The proof of this claim: random, new on every claim (a takeover of an
   * expired claim gets a new one), opaque to the core. Ending the attempt
   * needs it, so a worker whose lease passed and was taken over can no
   * longer write over the new claimant's outcome.
   */
  readonly claimToken: string;
  /**
   * The lease of the claim this one took over, when the delivery was taken
   * from a worker that stopped answering: that attempt started one lease
   * before it.
   */
  readonly previousClaimUntil?: Date;
  /** what an earlier attempt saved (Store.saveDeliveryCheckpoint), with the post version it was for */
  readonly checkpoint?: StoredCheckpoint;
}

/**
 * How a publishing attempt ended, as the store records it. `error` is the
 * team's words for the failure, `code` its code (publish-outcome.ts).
 */
export type DeliveryCompletion =
  | {
      readonly kind: 'published';
      readonly remoteId: string;
      readonly url: string;
      /** said in the thread beside the publication (publish-outcome.ts) */
      readonly note?: PublishedNote;
    }
  | {
      readonly kind: 'retry';
      readonly at: Date;
      readonly code: FailureCode;
      readonly error: string;
      /** a rate limit: the whole target takes no new publication before this instant */
      readonly holdTargetUntil?: Date;
    }
  | { readonly kind: 'failed'; readonly code: FailureCode; readonly error: string }
  | { readonly kind: 'unknown'; readonly code: FailureCode; readonly error: string };

/**
 * Persistence. Every state change is a conditional transition, so two
 * approvers, two replicas or a retried event can never both win.
 */
export interface Store {
  /** resolves when the database answers */
  ping(): Promise<void>;
  /**
   * runs `work` in one transaction over a store bound to it: everything it
   * writes commits together or not at all (a decision, its audit events and
   * the messages it owes). Inside, use only the store given to `work`.
   */
  inTransaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /**
   * locks a post for a decision (its deliveries, then the post row, the
   * order every writer takes) and reads it afresh; held until the
   * transaction ends, so decisions on one post happen one after the other
   */
  lockPost(postId: string): Promise<PostWithDeliveries | undefined>;
  /**
   * records messages owed to the chat; a post's card and a day's digest are
   * owed once ever, and waiting card updates of a post coalesce into one
   */
  enqueueMessages(messages: readonly NewOwedMessage[]): Promise<void>;
  /**
   * claims up to `limit` owed messages of these teams that may go at `now`:
   * only the first unsent one of each stream (a post, a team's channel, a
   * person), none of a team whose chat is held back; an attempt whose lease
   * passed is taken over and marked uncertain. Each claim has a new token.
   */
  claimOwedMessages(
    teamIds: readonly string[],
    now: Date,
    limit: number,
    leaseMs: number,
  ): Promise<readonly ClaimedOwedMessage[]>;
  /**
   * records how an attempt ended, only with the current claim token (false
   * otherwise, and nothing changes). A sent card's reference is kept on the
   * post and among the post's cards, in the same transaction.
   */
  completeOwedMessage(id: string, claimToken: string, completion: OwedCompletion, at: Date): Promise<boolean>;
  /**
   * records how many attempts ended, as completeOwedMessage does each
   * (in one statement for those that only change their rows): for each,
   * true when recorded, false when its claim was lost
   */
  completeOwedMessages(
    ends: readonly {
      readonly id: string;
      readonly claimToken: string;
      readonly completion: OwedCompletion;
    }[],
    at: Date,
  ): Promise<readonly boolean[]>;
  /** the earliest instant an unsent message of these teams may be tried, if any */
  nextOwedAt(teamIds: readonly string[]): Promise<Date | undefined>;
  /** owed messages of a post or team still unsent, oldest first (for /status and tests) */
  listUnsentMessages(
    teamId: string,
  ): Promise<readonly { kind: string; postId: string | undefined; state: string }[]>;
  /**
   * records that the team's digest of a local day is owed; false when it
   * already was (by this or another process), so each day's digest goes once
   */
  oweDigest(teamId: string, day: string, at: Date): Promise<boolean>;
  /**
   * stores a post, its deliveries (state `pending`) and its audit event in one
   * transaction, numbering it per team. With a dedupeKey already seen, stores
   * nothing and returns the earlier post with `created: false`.
   */
  createPost(post: NewPost): Promise<{ readonly post: PostWithDeliveries; readonly created: boolean }>;
  /**
   * createPost for many posts in one transaction, a few statements for the
   * whole batch; results in the order of `posts`. A dedupeKey repeated within
   * the batch stores the first and returns it for the others.
   */
  createPosts(
    posts: readonly NewPost[],
  ): Promise<readonly { readonly post: PostWithDeliveries; readonly created: boolean }[]>;
  /** a post by its per-team number */
  getPost(teamId: string, number: number): Promise<PostWithDeliveries | undefined>;
  /** a post by its database id */
  getPostById(postId: string): Promise<PostWithDeliveries | undefined>;
  /** the post one of whose cards is `cardRef` in that team (any card Araldo ever posted for it) */
  findPostByCardRef(teamId: string, cardRef: string): Promise<PostWithDeliveries | undefined>;
  /**
   * records an approval of the post's current version; false when this
   * approver had already approved it (so double clicks count once)
   */
  addApproval(postId: string, version: number, approver: Actor, at: Date): Promise<boolean>;
  /** withdraws an approval; false when there was none */
  removeApproval(postId: string, version: number, approverId: string): Promise<boolean>;
  /**
   * posts with their deliveries and the approvers of their current version
   * (oldest first), in one read whatever their number; a post that does not
   * exist is missing from the map
   */
  getPostsWithApprovers(postIds: readonly string[]): Promise<ReadonlyMap<string, PostWithApprovers>>;
  /** names of the approvers of the post's current version, oldest first */
  listApprovals(postId: string, version: number): Promise<readonly Actor[]>;
  /**
   * moves the post to `to` only if it is in one of `from`; returns the
   * updated post, or undefined when another actor got there first
   */
  transitionPost(
    postId: string,
    from: readonly PostState[],
    to: PostState,
    at: Date,
  ): Promise<Post | undefined>;
  /**
   * makes the post's pending deliveries due, each at its target's instant in
   * `dueAt` (target id → instant), and moves the post from `from` to `to`,
   * atomically; undefined when the post was not in `from`
   */
  schedulePost(
    postId: string,
    from: readonly PostState[],
    to: PostState,
    dueAt: ReadonlyMap<string, Date>,
    at: Date,
    /** when given, only this version of the post is scheduled: an edit in between wins */
    version?: number,
  ): Promise<Post | undefined>;
  /**
   * takes an approved or scheduled post back to `to` (pending) and its
   * scheduled deliveries back to pending, unless publishing has started;
   * undefined when it was too late or the post was not in `from`
   */
  unschedulePost(
    postId: string,
    from: readonly PostState[],
    to: PostState,
    at: Date,
  ): Promise<Post | undefined>;
  /**
   * ends a post that will never be published (rejected, cancelled): moves it
   * from `from` to `to` and cancels its deliveries, unless publishing has
   * started; undefined when it was too late or the post was not in `from`
   */
  closePost(postId: string, from: readonly PostState[], to: PostState, at: Date): Promise<Post | undefined>;
  /**
   * claims up to `limit` deliveries of these teams due at `now` (scheduled,
   * next attempt passed) for `leaseMs`, counting the attempt; skips rows
   * other workers hold, so no delivery is claimed twice. A process claims
   * only for the teams it is configured for. Each claim carries a fresh
   * `claimToken`, the one completeDelivery asks for.
   *
   * Pacing holds across processes: a target whose next free instant is
   * after `now` gives nothing, nor does one another claim is taking at that
   * very moment; one with a minimum interval gives one
   * delivery and moves its next free instant on by that interval; none
   * gives more than its `maxInFlight` minus those already publishing.
   * `pacing` has every target's figures (a target missing from it gets
   * DEFAULT_PACING); without `pacing` at all, nothing is paced.
   */
  claimDueDeliveries(
    teamIds: readonly string[],
    now: Date,
    limit: number,
    leaseMs: number,
    pacing?: ReadonlyMap<string, TargetPacing>,
  ): Promise<readonly ClaimedDelivery[]>;
  /**
   * deliveries whose claim expired while publishing: their worker died
   * or stalled mid-attempt. Returns them claimed again for `leaseMs`, each
   * with a new `claimToken`, so the earlier claimant's token stops working.
   */
  claimAbandonedDeliveries(
    teamIds: readonly string[],
    now: Date,
    limit: number,
    leaseMs: number,
  ): Promise<readonly ClaimedDelivery[]>;
  /**
   * records the end of an attempt on a claimed delivery (published, a retry
   * scheduled, failed, unknown) and re-derives the post's state, only while
   * `claimToken` is still the delivery's current claim: a conditional
   * transition from `publishing` with that token, which the claim then loses.
   * Returns the post afterwards, or undefined when the claim was lost
   * (another worker took it over, or the attempt already ended); then
   * nothing changed.
   */
  completeDelivery(
    deliveryId: string,
    claimToken: string,
    completion: DeliveryCompletion,
    at: Date,
  ): Promise<PostWithDeliveries | undefined>;
  /**
   * records the ends of many attempts at once, as `completeDelivery` does
   * each (the same conditions, one transaction, a few statements whatever
   * their number): for each item, true when recorded, false when its claim
   * was lost and nothing changed
   */
  completeDeliveries(
    items: readonly {
      readonly deliveryId: string;
      readonly claimToken: string;
      readonly completion: DeliveryCompletion;
    }[],
    at: Date,
  ): Promise<readonly boolean[]>;
  /**
   * the earliest instant any scheduled delivery of these teams may go: its
   * due time, or its target's next free instant when that is later
   */
  nextDueAt(teamIds: readonly string[]): Promise<Date | undefined>;
  /**
   * replaces the post's text and images, bumps its version (so earlier
   * approvals no longer count) and takes it back to pending with its
   * deliveries, unless publishing has started; undefined when too late or
   * the post was not in `from`
   */
  editPost(
    postId: string,
    from: readonly PostState[],
    content: { readonly text: string; readonly images: readonly PostImage[] },
    at: Date,
  ): Promise<Post | undefined>;
  /**
   * sets the requested time; deliveries already scheduled (not started)
   * become due at `dueAt` (target id → instant); undefined when publishing
   * has started or the post was not in `from`
   */
  reschedulePost(
    postId: string,
    from: readonly PostState[],
    requestedAt: Date,
    dueAt: ReadonlyMap<string, Date>,
    at: Date,
  ): Promise<Post | undefined>;
  /**
   * makes the post's failed and unknown deliveries due at `at` again with a
   * fresh attempt budget, and the post publishing; returns how many
   */
  retryDeliveries(postId: string, at: Date): Promise<number>;
  /**
   * What the digest and `/queue` show of a team, read in one statement
   * whatever the number of posts: only the parts `query` asks for are read.
   */
  readPlanning(teamId: string, query: PlanningQuery): Promise<Planning>;
  /**
   * the newest `limit` published deliveries of one target, with their posts:
   * newest publication first, ties broken by delivery id so every replica
   * lists them in the same order. A feed target's Atom document is this list.
   */
  listLatestPublished(targetId: string, limit: number): Promise<readonly DeliveryWithPost[]>;
  /** due instants of a target's scheduled deliveries in [from, to), to find free slots */
  listTargetDueTimes(targetId: string, from: Date, to: Date): Promise<readonly Date[]>;
  /** audit events of every team in [from, to), in order, for exports */
  listAuditBetween(from: Date, to: Date): Promise<readonly AuditEvent[]>;
  /**
   * claims the right to make a remark once per post and key; false when it
   * was already made (by this or a concurrent handler)
   */
  claimNotice(postId: string, key: string, at: Date): Promise<boolean>;
  /**
   * records that `viewer` follows the overview of these teams (opened it),
   * and no longer follows the others of `among` (left their channel);
   * repeats change nothing
   */
  followOverview(
    teamIds: readonly string[],
    viewer: string,
    at: Date,
    among?: readonly string[],
  ): Promise<void>;
  /** the followers of a team's overview, each with every team they follow */
  listOverviewAudience(teamId: string): Promise<readonly { viewer: string; teamIds: readonly string[] }[]>;
  /** the teams `viewer` follows, among `teamIds` */
  listFollowedTeams(viewer: string, teamIds: readonly string[]): Promise<readonly string[]>;
  /**
   * saves a publisher's progress on a delivery while `claimToken` holds its
   * claim; false when the claim was lost (lease passed, taken over)
   */
  saveDeliveryCheckpoint(
    deliveryId: string,
    claimToken: string,
    checkpoint: StoredCheckpoint,
  ): Promise<boolean>;
  /**
   * records what a check said of a target's credentials; a new state or
   * expiry clears the warnings already given
   */
  recordCredentialCheck(
    targetId: string,
    check: { readonly state: CredentialState; readonly expiresAt: Date | undefined; readonly detail: string },
    at: Date,
  ): Promise<void>;
  /** the last check of each of these targets' credentials; never-checked targets are absent */
  listCredentialStatus(targetIds: readonly string[]): Promise<readonly CredentialStatus[]>;
  /** records the digest's warning `stage` for the expiry the target's row still holds (`expiresAt`) */
  markCredentialWarned(targetId: string, stage: number, expiresAt: Date | undefined): Promise<void>;
  /** appends to the audit log; the log is never updated or deleted */
  appendAudit(events: readonly NewAuditEvent[]): Promise<void>;
  /** a post's audit trail, oldest first */
  listAudit(postId: string): Promise<readonly AuditEvent[]>;
}
