import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/actor.ts';
import type { AuditAction, AuditEvent, NewAuditEvent } from '../../src/core/audit-event.ts';
import type { ClaimedOwedMessage, NewOwedMessage, OwedCompletion } from '../../src/core/owed-message.ts';
import type {
  ClaimedDelivery,
  CredentialState,
  CredentialStatus,
  DeliveryCompletion,
  DeliveryWithPost,
  NewPost,
  Planning,
  PlanningQuery,
  PostWithDeliveries,
  Publisher,
  PublishRequest,
  Store,
  StoredCheckpoint,
} from '../../src/core/ports.ts';
import type { Post, PostImage, PostState } from '../../src/core/post.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import type { Target, TargetPacing } from '../../src/core/target.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import type { ChatRecord } from '../fakes/in-memory-chat.ts';
import { createDeskHarness, type DeskHarness } from '../support/desk-harness.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

let targetCounter = 0;

/**
 * The harness's three targets under ids no other test uses: pacing, holds
 * and the in-flight count are kept per target id in the shared database,
 * so each scenario needs targets of its own.
 */
function freshTargets(pacing: { sito?: TargetPacing; masto?: TargetPacing; x?: TargetPacing } = {}) {
  targetCounter += 1;
  const ids = { sito: `sito-${targetCounter}`, masto: `masto-${targetCounter}`, x: `x-${targetCounter}` };
  const targets: Target[] = [
    {
      id: ids.sito,
      network: 'feed',
      displayName: 'Sito istituzionale',
      credentials: {},
      ...(pacing.sito ? { pacing: pacing.sito } : {}),
    },
    {
      id: ids.masto,
      network: 'mastodon',
      displayName: 'Mastodon del Comune',
      credentials: {},
      ...(pacing.masto ? { pacing: pacing.masto } : {}),
    },
    {
      id: ids.x,
      network: 'x',
      displayName: 'X del Comune',
      credentials: {},
      ...(pacing.x ? { pacing: pacing.x } : {}),
    },
  ];
  return { ids, targets };
}

/** A promise settled by hand: how these tests wait for one another, with no timers. */
interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

/** A new unsettled Deferred. */
function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** What an ObservedStore is told to do: fail one call, report committed completions. */
interface StoreHooks {
  /** the next call to this method (for appendAudit: of this action) throws, once */
  failOnce?:
    | { readonly method: 'enqueueMessages' }
    | { readonly method: 'appendAudit'; readonly action: AuditAction };
  /** called once the transaction that completed a delivery has committed */
  onDeliveryCompleted?: (deliveryId: string) => void;
  /** called once an owed message's completion has been recorded */
  onMessageCompleted?: () => void;
  /** the next nextOwedAt waits for this before it asks the database, once */
  beforeNextOwedAt?: Promise<void>;
  /** the next nextDueAt waits for this before it asks the database, once */
  beforeNextDueAt?: Promise<void>;
}

/**
 * A Store that delegates every call, and can fail one write like a database
 * blip or report when a delivery's completion has committed. Inside
 * `inTransaction` the transaction's store is wrapped the same way, so a
 * failure lands in the middle of a decision and the whole decision rolls back.
 */
class ObservedStore implements Store {
  readonly #inner: Store;
  readonly #hooks: StoreHooks;
  /** inside a transaction: deliveries completed in it, reported once it commits */
  readonly #completedInTransaction: string[] | undefined;

  constructor(inner: Store, hooks: StoreHooks, completedInTransaction?: string[]) {
    this.#inner = inner;
    this.#hooks = hooks;
    this.#completedInTransaction = completedInTransaction;
  }

  /** throws when the hooks say this call is the one to fail */
  #maybeFail(method: 'enqueueMessages' | 'appendAudit', action?: AuditAction): void {
    const failure = this.#hooks.failOnce;
    if (!failure || failure.method !== method) return;
    if (failure.method === 'appendAudit' && failure.action !== action) return;
    delete this.#hooks.failOnce;
    throw new Error(`connection reset during ${method}`);
  }

  ping(): Promise<void> {
    return this.#inner.ping();
  }
  async inTransaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    if (this.#completedInTransaction) {
      const joined = this.#completedInTransaction;
      return this.#inner.inTransaction((tx) => work(new ObservedStore(tx, this.#hooks, joined)));
    }
    const completed: string[] = [];
    const result = await this.#inner.inTransaction((tx) =>
      work(new ObservedStore(tx, this.#hooks, completed)),
    );
    for (const id of completed) this.#hooks.onDeliveryCompleted?.(id);
    return result;
  }
  lockPost(postId: string): Promise<PostWithDeliveries | undefined> {
    return this.#inner.lockPost(postId);
  }
  async enqueueMessages(messages: readonly NewOwedMessage[]): Promise<void> {
    this.#maybeFail('enqueueMessages');
    return this.#inner.enqueueMessages(messages);
  }
  claimOwedMessages(
    teamIds: readonly string[],
    now: Date,
    limit: number,
    leaseMs: number,
  ): Promise<readonly ClaimedOwedMessage[]> {
    return this.#inner.claimOwedMessages(teamIds, now, limit, leaseMs);
  }
  async completeOwedMessage(
    id: string,
    claimToken: string,
    completion: OwedCompletion,
    at: Date,
  ): Promise<boolean> {
    const recorded = await this.#inner.completeOwedMessage(id, claimToken, completion, at);
    this.#hooks.onMessageCompleted?.();
    return recorded;
  }
  async completeOwedMessages(
    ends: readonly { id: string; claimToken: string; completion: OwedCompletion }[],
    at: Date,
  ): Promise<readonly boolean[]> {
    const recorded = await this.#inner.completeOwedMessages(ends, at);
    for (const _ of ends) this.#hooks.onMessageCompleted?.();
    return recorded;
  }
  async nextOwedAt(teamIds: readonly string[]): Promise<Date | undefined> {
    const gate = this.#hooks.beforeNextOwedAt;
    delete this.#hooks.beforeNextOwedAt;
    await gate;
    return this.#inner.nextOwedAt(teamIds);
  }
  listUnsentMessages(
    teamId: string,
  ): Promise<readonly { kind: string; postId: string | undefined; state: string }[]> {
    return this.#inner.listUnsentMessages(teamId);
  }
  oweDigest(teamId: string, day: string, at: Date): Promise<boolean> {
    return this.#inner.oweDigest(teamId, day, at);
  }
  createPost(post: NewPost): Promise<{ readonly post: PostWithDeliveries; readonly created: boolean }> {
    return this.#inner.createPost(post);
  }
  createPosts(
    posts: readonly NewPost[],
  ): Promise<readonly { readonly post: PostWithDeliveries; readonly created: boolean }[]> {
    return this.#inner.createPosts(posts);
  }
  getPost(teamId: string, number: number): Promise<PostWithDeliveries | undefined> {
    return this.#inner.getPost(teamId, number);
  }
  getPostById(postId: string): Promise<PostWithDeliveries | undefined> {
    return this.#inner.getPostById(postId);
  }
  getPostsWithApprovers(postIds: readonly string[]) {
    return this.#inner.getPostsWithApprovers(postIds);
  }
  findPostByCardRef(teamId: string, cardRef: string): Promise<PostWithDeliveries | undefined> {
    return this.#inner.findPostByCardRef(teamId, cardRef);
  }
  addApproval(postId: string, version: number, approver: Actor, at: Date): Promise<boolean> {
    return this.#inner.addApproval(postId, version, approver, at);
  }
  removeApproval(postId: string, version: number, approverId: string): Promise<boolean> {
    return this.#inner.removeApproval(postId, version, approverId);
  }
  listApprovals(postId: string, version: number): Promise<readonly Actor[]> {
    return this.#inner.listApprovals(postId, version);
  }
  transitionPost(
    postId: string,
    from: readonly PostState[],
    to: PostState,
    at: Date,
  ): Promise<Post | undefined> {
    return this.#inner.transitionPost(postId, from, to, at);
  }
  schedulePost(
    postId: string,
    from: readonly PostState[],
    to: PostState,
    dueAt: ReadonlyMap<string, Date>,
    at: Date,
    version?: number,
  ): Promise<Post | undefined> {
    return this.#inner.schedulePost(postId, from, to, dueAt, at, version);
  }
  unschedulePost(
    postId: string,
    from: readonly PostState[],
    to: PostState,
    at: Date,
  ): Promise<Post | undefined> {
    return this.#inner.unschedulePost(postId, from, to, at);
  }
  closePost(postId: string, from: readonly PostState[], to: PostState, at: Date): Promise<Post | undefined> {
    return this.#inner.closePost(postId, from, to, at);
  }
  claimDueDeliveries(
    teamIds: readonly string[],
    now: Date,
    limit: number,
    leaseMs: number,
    pacing?: ReadonlyMap<string, TargetPacing>,
  ): Promise<readonly ClaimedDelivery[]> {
    return this.#inner.claimDueDeliveries(teamIds, now, limit, leaseMs, pacing);
  }
  claimAbandonedDeliveries(
    teamIds: readonly string[],
    now: Date,
    limit: number,
    leaseMs: number,
  ): Promise<readonly ClaimedDelivery[]> {
    return this.#inner.claimAbandonedDeliveries(teamIds, now, limit, leaseMs);
  }
  async completeDelivery(
    deliveryId: string,
    claimToken: string,
    completion: DeliveryCompletion,
    at: Date,
  ): Promise<PostWithDeliveries | undefined> {
    const after = await this.#inner.completeDelivery(deliveryId, claimToken, completion, at);
    if (after) {
      if (this.#completedInTransaction) this.#completedInTransaction.push(deliveryId);
      else this.#hooks.onDeliveryCompleted?.(deliveryId);
    }
    return after;
  }
  async completeDeliveries(
    items: readonly { deliveryId: string; claimToken: string; completion: DeliveryCompletion }[],
    at: Date,
  ): Promise<readonly boolean[]> {
    const recorded = await this.#inner.completeDeliveries(items, at);
    items.forEach((item, index) => {
      if (!recorded[index]) return;
      if (this.#completedInTransaction) this.#completedInTransaction.push(item.deliveryId);
      else this.#hooks.onDeliveryCompleted?.(item.deliveryId);
    });
    return recorded;
  }
  async nextDueAt(teamIds: readonly string[]): Promise<Date | undefined> {
    const gate = this.#hooks.beforeNextDueAt;
    delete this.#hooks.beforeNextDueAt;
    await gate;
    return this.#inner.nextDueAt(teamIds);
  }
  editPost(
    postId: string,
    from: readonly PostState[],
    content: { readonly text: string; readonly images: readonly PostImage[] },
    at: Date,
  ): Promise<Post | undefined> {
    return this.#inner.editPost(postId, from, content, at);
  }
  reschedulePost(
    postId: string,
    from: readonly PostState[],
    requestedAt: Date,
    dueAt: ReadonlyMap<string, Date>,
    at: Date,
  ): Promise<Post | undefined> {
    return this.#inner.reschedulePost(postId, from, requestedAt, dueAt, at);
  }
  retryDeliveries(postId: string, at: Date): Promise<number> {
    return this.#inner.retryDeliveries(postId, at);
  }
  readPlanning(teamId: string, query: PlanningQuery): Promise<Planning> {
    return this.#inner.readPlanning(teamId, query);
  }
  listLatestPublished(targetId: string, limit: number): Promise<readonly DeliveryWithPost[]> {
    return this.#inner.listLatestPublished(targetId, limit);
  }
  listTargetDueTimes(targetId: string, from: Date, to: Date): Promise<readonly Date[]> {
    return this.#inner.listTargetDueTimes(targetId, from, to);
  }
  listAuditBetween(from: Date, to: Date): Promise<readonly AuditEvent[]> {
    return this.#inner.listAuditBetween(from, to);
  }
  followOverview(
    teamIds: readonly string[],
    viewer: string,
    at: Date,
    among?: readonly string[],
  ): Promise<void> {
    return this.#inner.followOverview(teamIds, viewer, at, among);
  }
  listOverviewAudience(teamId: string): Promise<readonly { viewer: string; teamIds: readonly string[] }[]> {
    return this.#inner.listOverviewAudience(teamId);
  }
  listFollowedTeams(viewer: string, teamIds: readonly string[]): Promise<readonly string[]> {
    return this.#inner.listFollowedTeams(viewer, teamIds);
  }
  claimNotice(postId: string, key: string, at: Date): Promise<boolean> {
    return this.#inner.claimNotice(postId, key, at);
  }
  saveDeliveryCheckpoint(
    deliveryId: string,
    claimToken: string,
    checkpoint: StoredCheckpoint,
  ): Promise<boolean> {
    return this.#inner.saveDeliveryCheckpoint(deliveryId, claimToken, checkpoint);
  }
  recordCredentialCheck(
    targetId: string,
    check: { readonly state: CredentialState; readonly expiresAt: Date | undefined; readonly detail: string },
    at: Date,
  ): Promise<void> {
    return this.#inner.recordCredentialCheck(targetId, check, at);
  }
  listCredentialStatus(targetIds: readonly string[]): Promise<readonly CredentialStatus[]> {
    return this.#inner.listCredentialStatus(targetIds);
  }
  markCredentialWarned(targetId: string, stage: number, expiresAt: Date | undefined): Promise<void> {
    return this.#inner.markCredentialWarned(targetId, stage, expiresAt);
  }
  async appendAudit(events: readonly NewAuditEvent[]): Promise<void> {
    for (const event of events) this.#maybeFail('appendAudit', event.action);
    return this.#inner.appendAudit(events);
  }
  listAudit(postId: string): Promise<readonly AuditEvent[]> {
    return this.#inner.listAudit(postId);
  }
}

/**
 * A publisher that answers only when the test says so: `started` settles
 * when it is called, `answer` settles its publication.
 */
class HeldPublisher implements Publisher {
  readonly idempotent = false;
  readonly requests: PublishRequest[] = [];
  readonly started = deferred();
  readonly #answer = deferred<PublishOutcome>();

  publish(request: PublishRequest): Promise<PublishOutcome> {
    this.requests.push(request);
    this.started.resolve();
    return this.#answer.promise;
  }

  /** lets the publication end with `outcome` */
  answer(outcome: PublishOutcome): void {
    this.#answer.resolve(outcome);
  }
}

/** `value`, or a thrown error naming `what` when it is missing. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`expected ${what}`);
  return value;
}

/** Proposes as `editor` and returns the new post's number. */
async function proposeOne(h: DeskHarness, line: string): Promise<number> {
  const reply = await h.run('editor', line);
  expect(reply).toContain('Proposta #');
  return Number(/#(\d+)/.exec(reply)?.[1]);
}

/** Post `number` of the harness's team, which must exist. */
async function postOf(h: DeskHarness, number: number): Promise<PostWithDeliveries> {
  return must(await h.store.getPost(h.team.id, number), `post #${number}`);
}

/** The chat records about one post, in the order the chat received them. */
function recordsOf(h: DeskHarness, postId: string): ChatRecord[] {
  return h.chat.records.filter((r) => r.key.postId === postId);
}

/** How many times the chat received each owed message, by its outbox id. */
function writesPerMessage(h: DeskHarness): number[] {
  const counts = new Map<string, number>();
  for (const r of h.chat.records) counts.set(r.key.messageId, (counts.get(r.key.messageId) ?? 0) + 1);
  return [...counts.values()];
}

/** Everything a decision could have changed about a post, to compare before and after. */
async function snapshot(h: DeskHarness, number: number) {
  const entry = await postOf(h, number);
  return {
    entry,
    approvals: await h.store.listApprovals(entry.post.id, entry.post.version),
    audit: await h.store.listAudit(entry.post.id),
    unsent: await h.store.listUnsentMessages(h.team.id),
    said: h.chat.records.length,
  };
}

/** The thread lines of post `number` that start with `prefix`. */
function linesStarting(h: DeskHarness, number: number, prefix: string): string[] {
  return h.chat.thread(number).filter((line) => line.startsWith(prefix));
}

/** The audit actions that end a publishing attempt. */
const OUTCOME_ACTIONS: readonly AuditAction[] = [
  'published',
  'publish_retry',
  'publish_failed',
  'publish_unknown',
];

/** A thread line's outcome and target name, read back from its words. */
function outcomeOf(line: string): [AuditAction, string] | undefined {
  const published = /^Pubblicata su (.+?): /.exec(line);
  if (published?.[1]) return ['published', published[1]];
  const retry = /^Pubblicazione su (.+?) non riuscita/.exec(line);
  if (retry?.[1]) return ['publish_retry', retry[1]];
  const failed = /^Pubblicazione su (.+?) fallita/.exec(line);
  if (failed?.[1]) return ['publish_failed', failed[1]];
  return undefined;
}

/**
 * Sends what may go now, flushing again until a round changes nothing.
 * One flushOwed can return while the message it just sent has made the
 * next one of its stream sendable (see 'sends the next message of a
 * stream…' below), so the tests about other things flush to a fixpoint.
 */
async function flushAll(h: DeskHarness): Promise<void> {
  for (;;) {
    const before = [h.chat.records.length, (await h.store.listUnsentMessages(h.team.id)).length];
    await h.desk.flushOwed();
    const after = [h.chat.records.length, (await h.store.listUnsentMessages(h.team.id)).length];
    if (after[0] === before[0] && after[1] === before[1]) return;
  }
}

/** One publishing round at the clock's now, then every owed message that may go (see flushAll). */
async function tickAll(h: DeskHarness): Promise<Date | undefined> {
  const next = await h.tick();
  await flushAll(h);
  return next;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe(`the engine's decisions on ${testDriver}`, () => {
  describe('a chat outage', () => {
    it('lets proposing, approving and publishing go on, then says everything once, in order', async () => {
      const { ids, targets } = freshTargets();
      const h = createDeskHarness(database, { targets });
      h.chat.failWith = new Error('Slack non risponde');

      const n = await proposeOne(h, `/propose to:${ids.sito},${ids.masto} Chiuso il ponte di via Roma.`);
      await h.react('supervisor', n, '✅');
      await h.tick();

      const entry = await postOf(h, n);
      expect(entry.post.state).toBe('published');
      expect(entry.deliveries.map((d) => d.state)).toEqual(['published', 'published']);
      expect((await h.store.listAudit(entry.post.id)).map((e) => e.action)).toEqual(
        expect.arrayContaining(['proposed', 'approved', 'scheduled', 'published']),
      );
      expect(h.chat.records).toEqual([]);
      expect((await h.store.listUnsentMessages(h.team.id)).map((m) => m.kind)).toEqual([
        'card',
        'thread',
        'card_update',
        'thread',
        'thread',
      ]);

      h.chat.failWith = undefined;
      // Past every backoff the outage left behind.
      h.clock.advance(10 * MINUTE);
      await flushAll(h);

      const said = recordsOf(h, entry.post.id);
      expect(said.map((r) => r.kind)).toEqual(['card', 'thread', 'card_update', 'thread', 'thread']);
      const messageIds = said.map((r) => BigInt(r.key.messageId));
      expect(messageIds).toEqual([...messageIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(writesPerMessage(h).every((count) => count === 1)).toBe(true);
      expect(h.chat.thread(n)).toEqual([
        '✅ Approvata da supervisor (1/1).\nLa pubblico subito.',
        expect.stringMatching(/^Pubblicata su (Sito istituzionale|Mastodon del Comune): /),
        expect.stringMatching(/^Pubblicata su (Sito istituzionale|Mastodon del Comune): /),
      ]);
      expect(h.chat.latestCard(n)?.state).toBe('published');
      expect((await postOf(h, n)).post.cardRef).toBe(`card-${n}`);
      expect(await h.store.listUnsentMessages(h.team.id)).toEqual([]);

      // Nothing is said twice on later rounds.
      h.clock.advance(10 * MINUTE);
      await h.tick();
      expect(recordsOf(h, entry.post.id)).toHaveLength(5);
    });
  });

  describe('chat faults', () => {
    it('writes each owed message once when an uncertain attempt did reach the chat', async () => {
      const { ids, targets } = freshTargets();
      const h = createDeskHarness(database, { targets });
      h.chat.willFail({ failure: { code: 'uncertain', detail: 'HTTP 502 after posting' }, performed: true });
      const n = await proposeOne(h, `/propose to:${ids.sito} Mercato spostato in piazza Duomo.`);
      // The card is in the channel, but Araldo does not know where yet.
      expect(h.chat.records.map((r) => r.kind)).toEqual(['card']);
      expect((await postOf(h, n)).post.cardRef).toBeUndefined();

      h.clock.advance(SECOND);
      await h.desk.flushOwed();
      // The retry looked before writing (mayExist) and found the card.
      expect(h.chat.records.map((r) => r.kind)).toEqual(['card']);
      expect((await postOf(h, n)).post.cardRef).toBe(`card-${n}`);

      h.chat.willFail({ failure: { code: 'uncertain', detail: 'socket hang up' }, performed: true });
      await h.react('supervisor', n, '✅');
      h.clock.advance(SECOND);
      await tickAll(h);
      expect(writesPerMessage(h).every((count) => count === 1)).toBe(true);
      expect(h.chat.thread(n)).toEqual([
        '✅ Approvata da supervisor (1/1).\nLa pubblico subito.',
        expect.stringMatching(/^Pubblicata su Sito istituzionale: /),
      ]);
      expect(await h.store.listUnsentMessages(h.team.id)).toEqual([]);
    });

    it('writes a message once when an uncertain attempt did not reach the chat', async () => {
      const { ids, targets } = freshTargets();
      const h = createDeskHarness(database, { targets });
      h.chat.willFail({ failure: { code: 'uncertain', detail: 'timeout' }, performed: false });
      const n = await proposeOne(h, `/propose to:${ids.sito} Mercato spostato.`);
      expect(h.chat.records).toEqual([]);
      h.clock.advance(SECOND);
      await h.desk.flushOwed();
      expect(h.chat.records.map((r) => [r.kind, r.key.mayExist])).toEqual([['card', true]]);
      expect((await postOf(h, n)).post.cardRef).toBe(`card-${n}`);
    });

    it('sends nothing of the team until a rate limit has passed, then each message once', async () => {
      const { ids, targets } = freshTargets();
      const h = createDeskHarness(database, { targets });
      h.chat.willFail({
        failure: { code: 'rate_limited', retryAfterMs: 30 * SECOND, detail: 'HTTP 429' },
        performed: false,
      });
      const first = await proposeOne(h, `/propose to:${ids.sito} Primo avviso.`);
      // Another post's card is a different stream, but the limit is the team's chat.
      const second = await proposeOne(h, `/propose to:${ids.sito} Secondo avviso.`);
      expect(h.chat.records).toEqual([]);

      h.clock.advance(30 * SECOND - 1);
      await h.desk.flushOwed();
      expect(h.chat.records).toEqual([]);

      h.clock.advance(1);
      await h.desk.flushOwed();
      // Two streams, sent side by side: in either order, each once.
      expect(h.chat.records.map((r) => `${r.kind} ${r.key.postId}`).sort()).toEqual(
        [`card ${(await postOf(h, first)).post.id}`, `card ${(await postOf(h, second)).post.id}`].sort(),
      );
      await h.desk.flushOwed();
      expect(h.chat.records).toHaveLength(2);
    });
  });

  describe('one transaction per decision', () => {
    it('rolls back an approval whole when the messages it owes cannot be stored, and takes it again after', async () => {
      const { ids, targets } = freshTargets();
      const hooks: StoreHooks = {};
      const h = createDeskHarness(database, {
        targets,
        store: new ObservedStore(new DrizzleStore(database.handle.db), hooks),
      });
      const n = await proposeOne(h, `/propose to:${ids.sito},${ids.masto} Scuole chiuse per neve.`);
      const before = await snapshot(h, n);
      expect(before.entry.post.state).toBe('pending');

      hooks.failOnce = { method: 'enqueueMessages' };
      await expect(h.react('supervisor', n, '✅')).rejects.toThrow('connection reset during enqueueMessages');
      expect(hooks.failOnce).toBeUndefined();
      expect(await snapshot(h, n)).toEqual(before);

      await h.react('supervisor', n, '✅');
      const after = await snapshot(h, n);
      expect(after.entry.post.state).toBe('approved');
      expect(after.entry.deliveries.map((d) => d.state)).toEqual(['scheduled', 'scheduled']);
      expect(after.approvals.map((a) => a.id)).toEqual(['supervisor']);
      expect(after.audit.map((e) => e.action)).toEqual(['proposed', 'reacted', 'approved', 'scheduled']);
      expect(h.chat.thread(n)).toEqual(['✅ Approvata da supervisor (1/1).\nLa pubblico subito.']);
      await h.tick();
      expect((await postOf(h, n)).post.state).toBe('published');
    });

    it('rolls back a proposal whole when its card cannot be owed', async () => {
      const { ids, targets } = freshTargets();
      const hooks: StoreHooks = {};
      const h = createDeskHarness(database, {
        targets,
        store: new ObservedStore(new DrizzleStore(database.handle.db), hooks),
      });
      hooks.failOnce = { method: 'enqueueMessages' };
      const reply = await h.run('editor', `/propose to:${ids.sito} Avviso.`);
      expect(reply).toContain('Qualcosa è andato storto');
      expect(await h.store.getPost(h.team.id, 1)).toBeUndefined();
      expect(await h.store.listUnsentMessages(h.team.id)).toEqual([]);
      expect(h.chat.records).toEqual([]);
      // The number was not used up either.
      expect(await proposeOne(h, `/propose to:${ids.sito} Avviso.`)).toBe(1);
      expect(h.chat.records.map((r) => r.kind)).toEqual(['card']);
    });

    it('leaves a publication unrecorded, not half-recorded, when its audit event fails, and recovers it', async () => {
      const { ids, targets } = freshTargets();
      const hooks: StoreHooks = {};
      const h = createDeskHarness(database, {
        targets,
        idempotent: true,
        store: new ObservedStore(new DrizzleStore(database.handle.db), hooks),
      });
      const n = await proposeOne(h, `/propose to:${ids.sito} Raccolta rifiuti anticipata.`);
      await h.react('supervisor', n, '✅');
      await flushAll(h);
      const said = h.chat.records.length;

      hooks.failOnce = { method: 'appendAudit', action: 'published' };
      await h.tick();
      expect(hooks.failOnce).toBeUndefined();
      const stuck = await postOf(h, n);
      expect(stuck.post.state).toBe('publishing');
      expect(stuck.deliveries[0]?.state).toBe('publishing');
      expect((await h.store.listAudit(stuck.post.id)).map((e) => e.action).slice(-1)).toEqual([
        'publish_attempt',
      ]);
      expect(h.chat.records).toHaveLength(said);
      expect(h.logger.lines.some((l) => l.message === 'could not record the end of a publish attempt')).toBe(
        true,
      );

      // Once the lease passes, recovery publishes again (the network drops duplicates) and records it once.
      h.clock.advance(2 * MINUTE + SECOND);
      await tickAll(h);
      const done = await postOf(h, n);
      expect(done.post.state).toBe('published');
      const requests = must(h.publishers.get(ids.sito), 'the publisher').requests;
      expect(requests.map((r) => r.idempotencyKey)).toEqual([
        `araldo-${done.deliveries[0]?.id}`,
        `araldo-${done.deliveries[0]?.id}`,
      ]);
      expect((await h.store.listAudit(done.post.id)).map((e) => e.action).slice(-3)).toEqual([
        'publish_attempt',
        'publish_attempt',
        'published',
      ]);
      // Said once; recovered late, the line also says it is late.
      expect(
        h.chat.thread(n).filter((line) => line.includes('Pubblicata su Sito istituzionale')),
      ).toHaveLength(1);
    });
  });

  describe('the audit log after a whole scenario', () => {
    it('has an event for each change of state and a state change for each event, and each outcome is said once', async () => {
      const { ids, targets } = freshTargets();
      const h = createDeskHarness(database, { targets, team: { approvalsRequired: 2 } });
      must(h.publishers.get(ids.masto), 'masto').willAnswer({ kind: 'unavailable', detail: 'HTTP 503' });
      must(h.publishers.get(ids.x), 'x').willAnswer({
        kind: 'rejected',
        code: 'content_refused',
        detail: 'HTTP 403',
        networkReason: 'testo duplicato',
      });

      const n = await proposeOne(
        h,
        `/propose to:${ids.sito},${ids.masto},${ids.x} Consiglio comunale giovedì.`,
      );
      await h.react('supervisor', n, '✅');
      h.clock.advance(SECOND);
      await h.react('capo', n, '✅');
      const retryAt = must(await tickAll(h), 'the retry instant');
      h.clock.set(retryAt);
      await tickAll(h);

      const entry = await postOf(h, n);
      expect(entry.post.state).toBe('partially_failed');
      const audit = await h.store.listAudit(entry.post.id);

      // Nothing on record that did not happen: every event is one of these changes.
      expect(audit.map((e) => e.action).sort()).toEqual(
        [
          'proposed',
          'reacted',
          'approved',
          'reacted',
          'approved',
          'scheduled',
          'publish_attempt',
          'publish_attempt',
          'publish_attempt',
          'publish_attempt',
          'published',
          'published',
          'publish_retry',
          'publish_failed',
        ].sort(),
      );
      const count = (action: AuditAction) => audit.filter((e) => e.action === action).length;
      expect(count('proposed')).toBe(1);
      // Each approval on record is an `approved` event, by the same people.
      const approvals = await h.store.listApprovals(entry.post.id, entry.post.version);
      expect(audit.filter((e) => e.action === 'approved').map((e) => e.actorId)).toEqual(
        approvals.map((a) => a.id),
      );
      expect(approvals.map((a) => a.id)).toEqual(['supervisor', 'capo']);
      expect(count('scheduled')).toBe(1);
      const scheduledAt = audit.findIndex((e) => e.action === 'scheduled');
      expect(audit.findIndex((e) => e.action === 'publish_attempt')).toBeGreaterThan(scheduledAt);

      const completionOf: Record<string, AuditAction> = {
        published: 'published',
        failed: 'publish_failed',
        unknown: 'publish_unknown',
      };
      for (const delivery of entry.deliveries) {
        const trail = audit
          .filter((e) => e.details.target === delivery.targetId)
          .map((e) => [e.action, e.details.attempt]);
        // Each claim is an attempt event, each attempt ends in exactly one outcome event.
        const expected: [AuditAction, number][] = [];
        for (let attempt = 1; attempt <= delivery.attempts; attempt++) {
          const last = attempt === delivery.attempts;
          expected.push(['publish_attempt', attempt]);
          expected.push([
            last ? must(completionOf[delivery.state], delivery.state) : 'publish_retry',
            attempt,
          ]);
        }
        expect(trail, delivery.targetId).toEqual(expected);
      }
      expect(entry.deliveries.map((d) => [d.targetId, d.state, d.attempts])).toEqual([
        [ids.sito, 'published', 1],
        [ids.masto, 'published', 2],
        [ids.x, 'failed', 1],
      ]);

      // Each outcome in the thread once, in the order of the log.
      const outcomeLines = h.chat
        .thread(n)
        .filter((line) => line.startsWith('Pubblicata') || line.startsWith('Pubblicazione'));
      expect(outcomeLines).toHaveLength(4);
      const byTarget: Record<string, string> = {
        [ids.sito]: 'Sito istituzionale',
        [ids.masto]: 'Mastodon del Comune',
        [ids.x]: 'X del Comune',
      };
      const outcomes = audit
        .filter((e) => OUTCOME_ACTIONS.includes(e.action))
        .map((e) => [e.action, byTarget[String(e.details.target)]]);
      expect(outcomeLines.map(outcomeOf)).toEqual(outcomes);
      expect(linesStarting(h, n, 'Pubblicazione su Mastodon del Comune non riuscita')).toHaveLength(1);
      expect(linesStarting(h, n, 'Pubblicata su Mastodon del Comune')).toHaveLength(1);
      expect(linesStarting(h, n, 'Pubblicata su Sito istituzionale')).toHaveLength(1);
      expect(linesStarting(h, n, 'Pubblicazione su X del Comune fallita')).toHaveLength(1);
      expect(writesPerMessage(h).every((c) => c === 1)).toBe(true);
      expect(await h.store.listUnsentMessages(h.team.id)).toEqual([]);
    });
  });

  describe('rounds that wait for everything', () => {
    it('sends the next message of a stream when the one before it ends while flushOwed looks for more', async () => {
      const { ids, targets } = freshTargets();
      const hooks: StoreHooks = {};
      const h = createDeskHarness(database, {
        targets,
        store: new ObservedStore(new DrizzleStore(database.handle.db), hooks),
      });
      // Owed and not yet sent: the card, then the approval's thread line and redraw.
      await h.desk.command(
        { teamId: h.team.id, actor: { id: 'editor', name: 'editor' } },
        `/propose to:${ids.sito} Avviso.`,
      );
      expect(
        await h.desk.react({
          teamId: h.team.id,
          actor: { id: 'supervisor', name: 'supervisor' },
          post: { number: 1 },
          action: 'approve',
          added: true,
        }),
      ).toBe('applied');
      expect((await h.store.listUnsentMessages(h.team.id)).map((m) => m.kind)).toEqual([
        'card',
        'thread',
        'card_update',
      ]);

      // The card's attempt ends while the round asks when the next message may go.
      const cardRecorded = deferred();
      hooks.onMessageCompleted = () => cardRecorded.resolve();
      hooks.beforeNextOwedAt = cardRecorded.promise;
      await h.desk.flushOwed();

      expect(h.chat.records.map((r) => r.kind)).toEqual(['card', 'thread', 'card_update']);
      expect(await h.store.listUnsentMessages(h.team.id)).toEqual([]);
    });

    it('publishes a delivery an ending attempt made room for while tick looks for more', async () => {
      const { ids, targets } = freshTargets({ sito: { minIntervalMs: 0, maxInFlight: 1 } });
      const hooks: StoreHooks = {};
      const h = createDeskHarness(database, {
        targets,
        store: new ObservedStore(new DrizzleStore(database.handle.db), hooks),
      });
      const first = await proposeOne(h, `/propose to:${ids.sito} Primo avviso.`);
      const second = await proposeOne(h, `/propose to:${ids.sito} Secondo avviso.`);
      await h.react('supervisor', first, '✅');
      await h.react('supervisor', second, '✅');

      // One at a time on this target: the first attempt ends while the round asks what is due next.
      const firstRecorded = deferred();
      hooks.onDeliveryCompleted = () => firstRecorded.resolve();
      hooks.beforeNextDueAt = firstRecorded.promise;
      await h.tick();

      expect(must(h.publishers.get(ids.sito), 'the publisher').requests).toHaveLength(2);
      expect((await postOf(h, first)).post.state).toBe('published');
      expect((await postOf(h, second)).post.state).toBe('published');
    });
  });

  describe('pacing through the desk', () => {
    it('publishes one post at a time on a target with a minimum interval, and says when it is free', async () => {
      const { ids, targets } = freshTargets({ sito: { minIntervalMs: MINUTE, maxInFlight: 1 } });
      const h = createDeskHarness(database, { targets });
      const first = await proposeOne(h, `/propose to:${ids.sito} Primo avviso.`);
      const second = await proposeOne(h, `/propose to:${ids.sito} Secondo avviso.`);
      await h.react('supervisor', first, '✅');
      await h.react('supervisor', second, '✅');
      const start = h.clock.now();

      const free = await h.tick();
      const publisher = must(h.publishers.get(ids.sito), 'the publisher');
      // Both are due at the same instant: either may go first, only one goes now.
      expect(publisher.requests).toHaveLength(1);
      expect(free).toEqual(new Date(start.getTime() + MINUTE));

      h.clock.set(must(free, 'the instant the target is free'));
      await h.tick();
      expect(publisher.requests.map((r) => r.postNumber).sort()).toEqual([first, second].sort());
      expect((await postOf(h, first)).post.state).toBe('published');
      expect((await postOf(h, second)).post.state).toBe('published');
    });

    it('holds back a rate-limited target’s other delivery, and not another target’s', async () => {
      const { ids, targets } = freshTargets();
      const h = createDeskHarness(database, { targets });
      const masto = must(h.publishers.get(ids.masto), 'masto');
      const sito = must(h.publishers.get(ids.sito), 'sito');
      masto.willAnswer({ kind: 'rate_limited', retryAfterMs: 30 * MINUTE, detail: 'HTTP 429' });
      const start = h.clock.now();
      const later = new Date(start.getTime() + 5 * MINUTE);

      const first = await proposeOne(h, `/propose to:${ids.masto} Primo avviso.`);
      const second = await proposeOne(
        h,
        `/propose to:${ids.masto},${ids.sito} at:${later.toISOString().replace('.000', '')} Secondo avviso.`,
      );
      await h.react('supervisor', first, '✅');
      await h.react('supervisor', second, '✅');

      expect(await h.tick()).toEqual(later);
      expect(masto.requests.map((r) => r.postNumber)).toEqual([first]);

      h.clock.set(later);
      const next = await h.tick();
      // The other target goes on time; the limited one waits for the whole hold.
      expect(sito.requests.map((r) => r.postNumber)).toEqual([second]);
      expect(masto.requests.map((r) => r.postNumber)).toEqual([first]);
      expect(next).toEqual(new Date(start.getTime() + 30 * MINUTE));

      h.clock.set(must(next, 'the end of the hold'));
      await h.tick();
      expect(masto.requests.map((r) => r.postNumber).sort()).toEqual([first, first, second].sort());
      expect((await postOf(h, first)).post.state).toBe('published');
      expect((await postOf(h, second)).post.state).toBe('published');
    });

    it('does not let a slow network delay another target’s publication started in the same round', async () => {
      const { ids, targets } = freshTargets();
      const slow = new HeldPublisher();
      const hooks: StoreHooks = {};
      const h = createDeskHarness(database, {
        targets,
        publishers: { [ids.masto]: slow },
        store: new ObservedStore(new DrizzleStore(database.handle.db), hooks),
      });
      const n = await proposeOne(h, `/propose to:${ids.sito},${ids.masto} Allerta meteo gialla.`);
      await h.react('supervisor', n, '✅');
      const fastDelivery = must(
        (await postOf(h, n)).deliveries.find((d) => d.targetId === ids.sito),
        'the fast delivery',
      );
      const fastDone = deferred();
      hooks.onDeliveryCompleted = (id) => {
        if (id === fastDelivery.id) fastDone.resolve();
      };

      await h.desk.startDue(h.clock.now());
      await slow.started.promise;
      await fastDone.promise;
      await flushAll(h);

      const meanwhile = await postOf(h, n);
      expect(meanwhile.deliveries.map((d) => [d.targetId, d.state])).toEqual([
        [ids.sito, 'published'],
        [ids.masto, 'publishing'],
      ]);
      expect(linesStarting(h, n, 'Pubblicata su Sito istituzionale')).toHaveLength(1);
      expect(linesStarting(h, n, 'Pubblicata su Mastodon del Comune')).toEqual([]);

      slow.answer({ kind: 'published', remoteId: '1099', url: 'https://mastodon.example/@comune/1099' });
      await h.desk.idle();
      await flushAll(h);
      expect((await postOf(h, n)).post.state).toBe('published');
      expect(linesStarting(h, n, 'Pubblicata su Mastodon del Comune')).toEqual([
        'Pubblicata su Mastodon del Comune: https://mastodon.example/@comune/1099',
      ]);
    });
  });
});
