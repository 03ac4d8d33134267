import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/actor.ts';
import type { ClaimedOwedMessage, NewOwedMessage, OwedCompletion } from '../../src/core/owed-message.ts';
import type { ClaimedDelivery, NewPost, PostWithDeliveries, Store } from '../../src/core/ports.ts';
import type { TargetPacing } from '../../src/core/target.ts';
import { type DatabaseHandle, openDatabase } from '../../src/store/database.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import { rowsOf } from '../../src/store/outbox-queries.ts';
import { digests } from '../../src/store/schema.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

/** Saturday 21 November 2026, 11:00 in Rome: the instant every test starts from. */
const T0 = new Date('2026-11-21T10:00:00.000Z');
const LEASE_MS = 60_000;
const AUTHOR: Actor = { id: 'U-giulia', name: 'Giulia' };
const SYSTEM: Actor = { id: 'araldo', name: 'Araldo' };

/** `minutes` after T0 (before it when negative). */
function at(minutes: number): Date {
  return new Date(T0.getTime() + minutes * 60_000);
}

let counter = 0;
/** A team id no other test uses, so tests sharing the file's database never meet. */
function freshTeam(label: string): string {
  counter += 1;
  return `${label}-${counter}`;
}

/** A target id no other test uses: pacing is kept per target id, across teams. */
function freshTarget(label: string): string {
  counter += 1;
  return `${label}-${counter}`;
}

/** A proposal of `teamId` to `targetIds`, ready for createPost. */
function proposal(teamId: string, overrides: Partial<NewPost> = {}): NewPost {
  return {
    teamId,
    author: AUTHOR,
    text: 'Domenica il centro storico è chiuso al traffico per la maratona.',
    images: [],
    urgent: false,
    requestedAt: undefined,
    approvalsRequired: 1,
    targetIds: ['sito'],
    dedupeKey: undefined,
    createdAt: T0,
    ...overrides,
  };
}

/** `value`, or a thrown error naming `what` when it is missing. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`expected ${what}`);
  return value;
}

/** A promise settled by hand: the only way these tests wait for one another. */
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

let database: TestDatabase;
/** on PostgreSQL a second connection pool on the same database, for real row-lock races */
let secondHandle: DatabaseHandle | undefined;
let store: Store;
let rivalStore: Store;

beforeAll(async () => {
  database = await createTestDatabase();
  store = new DrizzleStore(database.handle.db);
  if (testDriver === 'postgres') {
    secondHandle = await openDatabase(database.location);
    rivalStore = new DrizzleStore(secondHandle.db);
  } else {
    // PGlite is one connection serving one process: the second store shares it.
    rivalStore = new DrizzleStore(database.handle.db);
  }
});

afterAll(async () => {
  await secondHandle?.close();
  await database?.drop();
});

/** A new pending post of `teamId`. */
async function createPost(teamId: string, overrides: Partial<NewPost> = {}): Promise<PostWithDeliveries> {
  return (await store.createPost(proposal(teamId, overrides))).post;
}

/** A post approved and scheduled: each of its deliveries is due at `dueAt`. */
async function createScheduled(
  teamId: string,
  dueAt: Date,
  targetIds: readonly string[],
): Promise<PostWithDeliveries> {
  const { post } = await createPost(teamId, { targetIds });
  must(await store.transitionPost(post.id, ['pending'], 'approved', T0), 'the post to be approved');
  must(
    await store.schedulePost(
      post.id,
      ['approved'],
      'scheduled',
      new Map(targetIds.map((id) => [id, dueAt])),
      T0,
    ),
    'the post to be scheduled',
  );
  return must(await store.getPostById(post.id), 'the scheduled post');
}

/** A line in a post's thread, owed at `when`. */
function threadLine(teamId: string, postId: string, text: string, when: Date = T0): NewOwedMessage {
  return { teamId, postId, kind: 'thread', message: { text }, at: when };
}

/** A post's card, owed at `when`. */
function card(teamId: string, postId: string, when: Date = T0): NewOwedMessage {
  return { teamId, postId, kind: 'card', at: when };
}

/** A redraw of a post's card, owed at `when`. */
function cardUpdate(teamId: string, postId: string, when: Date = T0): NewOwedMessage {
  return { teamId, postId, kind: 'card_update', at: when };
}

/** Claims what `claimer` may send of `teamId` at `now` (at most 50). */
function claim(teamId: string, now: Date, claimer: Store = store): Promise<readonly ClaimedOwedMessage[]> {
  return claimer.claimOwedMessages([teamId], now, 50, LEASE_MS);
}

/** The one claimed message of `kind`; fails when there is not exactly one. */
function only(claims: readonly ClaimedOwedMessage[], kind: string): ClaimedOwedMessage {
  const found = claims.filter((c) => c.kind === kind);
  expect(found, `claimed messages of kind ${kind}`).toHaveLength(1);
  return must(found[0], `a claimed ${kind}`);
}

/** Ends an attempt with the claim's own token. */
function complete(
  claimed: ClaimedOwedMessage,
  completion: OwedCompletion,
  when: Date = T0,
  completer: Store = store,
): Promise<boolean> {
  return completer.completeOwedMessage(claimed.id, claimed.claimToken, completion, when);
}

/** How many sessions of this database wait on a lock right now (PostgreSQL only). */
async function lockWaiters(): Promise<number> {
  const result = await database.handle.db.execute<{ waiting: number }>(sql`
    select count(*)::int as waiting from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'`);
  return Number(rowsOf<{ waiting: number }>(result)[0]?.waiting ?? 0);
}

/**
 * Resolves once `waiting` is stuck behind a lock (read from the server's
 * own activity view, no timers), or once it has settled, whichever comes
 * first; returns whether it settled.
 */
async function untilBlockedOrSettled(waiting: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void waiting.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  while (!settled && (await lockWaiters()) < 1) {
    // Each round trip to the server is the wait; nothing sleeps.
  }
  return settled;
}

/**
 * Runs `work` in a transaction of `holder` and keeps it open, locks and
 * all, until `release` is called; `done` settles once it has committed.
 */
async function holdTransaction<T>(
  holder: Store,
  work: (tx: Store) => Promise<T>,
): Promise<{ value: T; release: () => void; done: Promise<void> }> {
  const opened = deferred<T>();
  const released = deferred();
  const done = holder
    .inTransaction(async (tx) => {
      opened.resolve(await work(tx));
      await released.promise;
    })
    .then(() => undefined);
  const value = await Promise.race([
    opened.promise,
    done.then((): never => {
      throw new Error('the transaction ended before its work did');
    }),
  ]);
  return { value, release: () => released.resolve(), done };
}

const onPostgres = testDriver === 'postgres';

describe(`Store contract: outbox, pacing and transactions (DrizzleStore on ${testDriver})`, () => {
  describe('claiming owed messages', () => {
    it('claims only the first unsent message of a post: its thread line waits for its card', async () => {
      const team = freshTeam('stream');
      const { post } = await createPost(team);
      await store.enqueueMessages([card(team, post.id), threadLine(team, post.id, 'Approvata da Marco.')]);

      const first = await claim(team, T0);
      expect(first.map((c) => c.kind)).toEqual(['card']);
      expect(await claim(team, at(0.5))).toEqual([]);
      expect(await complete(only(first, 'card'), { kind: 'sent', card: { cardRef: 'C1:1' } }, at(0.5))).toBe(
        true,
      );

      const second = await claim(team, at(0.5));
      expect(second.map((c) => [c.kind, c.message?.text])).toEqual([['thread', 'Approvata da Marco.']]);
    });

    it('hands out a claimed message with what the dispatcher needs to send it', async () => {
      const team = freshTeam('payload');
      const { post } = await createPost(team);
      await store.enqueueMessages([
        {
          teamId: team,
          postId: post.id,
          kind: 'thread',
          message: { text: 'Pubblicata.', mentions: ['U1'] },
          at: T0,
        },
      ]);
      const [claimed] = await claim(team, at(1));
      expect(claimed).toMatchObject({
        teamId: team,
        kind: 'thread',
        postId: post.id,
        message: { text: 'Pubblicata.', mentions: ['U1'] },
        recipient: undefined,
        attempts: 1,
        uncertain: false,
        createdAt: T0,
      });
      expect(claimed?.id).toMatch(/^\d{1,20}$/);
      expect(claimed?.claimToken).toMatch(/^[0-9a-f]{32}$/);
    });

    it('claims the heads of different streams at once', async () => {
      const team = freshTeam('parallel');
      const one = (await createPost(team)).post;
      const two = (await createPost(team)).post;
      await store.enqueueMessages([
        card(team, one.id),
        threadLine(team, one.id, 'dopo la scheda 1'),
        card(team, two.id),
        { teamId: team, kind: 'channel', message: { text: 'Riepilogo' }, at: T0 },
        { teamId: team, kind: 'channel', message: { text: 'dopo il riepilogo' }, at: T0 },
        { teamId: team, kind: 'private', recipient: 'U-anna', message: { text: 'Fatto.' }, at: T0 },
        { teamId: team, kind: 'private', recipient: 'U-luca', message: { text: 'Fatto.' }, at: T0 },
      ]);
      const claims = await claim(team, T0);
      expect(claims.map((c) => [c.kind, c.postId ?? c.recipient ?? c.message?.text]).sort()).toEqual(
        [
          ['card', one.id],
          ['card', two.id],
          ['channel', 'Riepilogo'],
          ['private', 'U-anna'],
          ['private', 'U-luca'],
        ].sort(),
      );
    });

    it('claims only the given teams’ messages, and none owed for later', async () => {
      const team = freshTeam('teams');
      const other = freshTeam('teams-other');
      await store.enqueueMessages([
        { teamId: team, kind: 'channel', message: { text: 'ora' }, at: T0 },
        { teamId: other, kind: 'channel', message: { text: 'altra squadra' }, at: T0 },
        { teamId: team, kind: 'private', recipient: 'U-anna', message: { text: 'più tardi' }, at: at(5) },
      ]);
      const now = await claim(team, T0);
      expect(now.map((c) => c.message?.text)).toEqual(['ora']);
      expect(await complete(only(now, 'channel'), { kind: 'sent' })).toBe(true);
      expect(await store.claimOwedMessages([], T0, 10, LEASE_MS)).toEqual([]);
      expect((await claim(team, at(5))).map((c) => c.message?.text)).toEqual(['più tardi']);
    });

    it('claims at most `limit` messages, oldest first', async () => {
      const team = freshTeam('limit');
      await store.enqueueMessages(
        ['U-1', 'U-2', 'U-3'].map((recipient) => ({
          teamId: team,
          kind: 'private' as const,
          recipient,
          message: { text: recipient },
          at: T0,
        })),
      );
      const claims = await store.claimOwedMessages([team], T0, 2, LEASE_MS);
      expect(claims.map((c) => c.recipient)).toEqual(['U-1', 'U-2']);
    });

    it('holds a stream whose head is being sent, until its lease passes', async () => {
      const team = freshTeam('lease');
      const { post } = await createPost(team);
      await store.enqueueMessages([card(team, post.id), threadLine(team, post.id, 'in coda')]);
      expect((await claim(team, T0)).map((c) => c.kind)).toEqual(['card']);
      expect(await claim(team, at(0.99))).toEqual([]);
      expect(await claim(team, at(0.99), rivalStore)).toEqual([]);
      // The lease passed: the card is taken over, and the line still waits behind it.
      expect((await claim(team, at(1), rivalStore)).map((c) => c.kind)).toEqual(['card']);
    });

    it('takes over a message whose lease passed with a new token, marked uncertain', async () => {
      const team = freshTeam('takeover');
      const { post } = await createPost(team);
      await store.enqueueMessages([card(team, post.id)]);
      const first = only(await claim(team, T0), 'card');
      expect(first.uncertain).toBe(false);

      const second = only(await claim(team, at(1), rivalStore), 'card');
      expect(second.id).toBe(first.id);
      expect(second.claimToken).not.toBe(first.claimToken);
      expect(second.attempts).toBe(2);
      expect(second.uncertain).toBe(true);

      // The first dispatcher answers late: refused, and the takeover's outcome stands.
      expect(await complete(first, { kind: 'sent', card: { cardRef: 'C1:late' } }, at(1.5))).toBe(false);
      // The late card is in the channel all the same: with no card recorded yet, it is the post's.
      expect((await store.getPostById(post.id))?.post.cardRef).toBe('C1:late');
      expect(await store.listUnsentMessages(team)).toEqual([
        { kind: 'card', postId: post.id, state: 'sending' },
      ]);
      expect(
        await complete(second, { kind: 'sent', card: { cardRef: 'C1:takeover' } }, at(1.5), rivalStore),
      ).toBe(true);
      // The first card recorded stays the post's; a reaction on either counts.
      expect((await store.getPostById(post.id))?.post.cardRef).toBe('C1:late');
      expect((await store.findPostByCardRef(team, 'C1:takeover'))?.post.id).toBe(post.id);
      expect((await store.findPostByCardRef(team, 'C1:late'))?.post.id).toBe(post.id);
    });

    it('refuses a completion with a token that is not the claim’s, and changes nothing but the cards it knows of', async () => {
      const team = freshTeam('stale');
      const { post } = await createPost(team);
      await store.enqueueMessages([card(team, post.id), threadLine(team, post.id, 'dopo')]);
      const claimed = only(await claim(team, T0), 'card');
      const forged = { ...claimed, claimToken: 'f'.repeat(32) };

      for (const completion of [
        { kind: 'sent', card: { cardRef: 'C9:1', link: 'https://chat.test/C9' } },
        { kind: 'failed', error: 'no' },
        { kind: 'skipped' },
        { kind: 'retry', at: at(5), error: '502', uncertain: true, holdChatUntil: at(60) },
      ] as const satisfies readonly OwedCompletion[]) {
        expect(await complete(forged, completion, at(0.5))).toBe(false);
      }
      // A card the chat did post is the post's card (none was recorded), whoever claims the row.
      expect((await store.getPostById(post.id))?.post.cardRef).toBe('C9:1');
      expect((await store.findPostByCardRef(team, 'C9:1'))?.post.id).toBe(post.id);
      expect(await store.listUnsentMessages(team)).toEqual([
        { kind: 'card', postId: post.id, state: 'sending' },
        { kind: 'thread', postId: post.id, state: 'pending' },
      ]);

      expect(await complete(claimed, { kind: 'sent', card: { cardRef: 'C9:1' } }, at(0.5))).toBe(true);
      // An attempt ends once: its token stops working with it.
      expect(await complete(claimed, { kind: 'failed', error: 'again' }, at(0.6))).toBe(false);
      expect(await store.listUnsentMessages(team)).toEqual([
        { kind: 'thread', postId: post.id, state: 'pending' },
      ]);
      // The refused retry held nothing back: the thread line goes at once.
      expect((await claim(team, at(0.6))).map((c) => c.kind)).toEqual(['thread']);
    });

    it('never gives one message to two dispatchers claiming at once', async () => {
      const team = freshTeam('claim-race');
      const seeded: string[] = [];
      for (let i = 0; i < 12; i++) {
        const { post } = await createPost(team);
        seeded.push(post.id);
        await store.enqueueMessages([card(team, post.id), threadLine(team, post.id, `riga ${i}`)]);
      }
      let order = 0;
      /** Claims three at a time and sends each at once, until nothing is left; notes when each was claimed. */
      async function dispatch(
        claimer: Store,
      ): Promise<{ id: string; postId: string; kind: string; seq: number }[]> {
        const taken: { id: string; postId: string; kind: string; seq: number }[] = [];
        for (;;) {
          const claims = await claimer.claimOwedMessages([team], T0, 3, LEASE_MS);
          if (claims.length === 0) return taken;
          for (const c of claims) {
            order += 1;
            taken.push({ id: c.id, postId: must(c.postId, 'a post id'), kind: c.kind, seq: order });
          }
          for (const c of claims) {
            expect(await claimer.completeOwedMessage(c.id, c.claimToken, { kind: 'sent' }, T0)).toBe(true);
          }
        }
      }
      const [mine, theirs] = await Promise.all([dispatch(store), dispatch(rivalStore)]);
      const all = [...mine, ...theirs];
      expect(all).toHaveLength(24);
      expect(new Set(all.map((c) => c.id)).size).toBe(24);
      for (const postId of seeded) {
        const ofPost = all.filter((c) => c.postId === postId).sort((a, b) => a.seq - b.seq);
        expect(ofPost.map((c) => c.kind)).toEqual(['card', 'thread']);
      }
      expect(await store.listUnsentMessages(team)).toEqual([]);
    });

    it.runIf(onPostgres)(
      'skips the messages another open claim holds instead of waiting for them',
      async () => {
        const team = freshTeam('skip-locked');
        await store.enqueueMessages(
          ['U-1', 'U-2', 'U-3', 'U-4'].map((recipient) => ({
            teamId: team,
            kind: 'private' as const,
            recipient,
            message: { text: recipient },
            at: T0,
          })),
        );
        // The first claim is still uncommitted when the second one runs.
        const held = await holdTransaction(store, (tx) => tx.claimOwedMessages([team], T0, 2, LEASE_MS));
        try {
          const theirs = await rivalStore.claimOwedMessages([team], T0, 10, LEASE_MS);
          expect(held.value.map((c) => c.recipient)).toEqual(['U-1', 'U-2']);
          expect(theirs.map((c) => c.recipient)).toEqual(['U-3', 'U-4']);
        } finally {
          held.release();
          await held.done;
        }
        expect(await rivalStore.claimOwedMessages([team], T0, 10, LEASE_MS)).toEqual([]);
      },
    );
  });

  describe('cards and card updates', () => {
    it('owes a post’s card once, however often and whenever it is owed', async () => {
      const team = freshTeam('card-once');
      const { post } = await createPost(team);
      await store.enqueueMessages([card(team, post.id), card(team, post.id)]);
      await rivalStore.enqueueMessages([card(team, post.id, at(1))]);
      expect(await store.listUnsentMessages(team)).toEqual([
        { kind: 'card', postId: post.id, state: 'pending' },
      ]);

      const claimed = only(await claim(team, at(1)), 'card');
      expect(await complete(claimed, { kind: 'sent', card: { cardRef: 'C2:1' } }, at(1))).toBe(true);
      // Owed again after it went out (a retried /propose): still nothing new.
      await store.enqueueMessages([card(team, post.id, at(2))]);
      expect(await store.listUnsentMessages(team)).toEqual([]);
      expect(await claim(team, at(2))).toEqual([]);
    });

    it('owes each post its own card', async () => {
      const team = freshTeam('card-each');
      const one = (await createPost(team)).post;
      const two = (await createPost(team)).post;
      await store.enqueueMessages([card(team, one.id), card(team, two.id)]);
      expect((await store.listUnsentMessages(team)).map((m) => m.postId)).toEqual([one.id, two.id]);
    });

    it('coalesces waiting card updates of a post into one, and keeps its thread lines', async () => {
      const team = freshTeam('coalesce');
      const { post } = await createPost(team);
      const other = (await createPost(team)).post;
      await store.enqueueMessages([
        cardUpdate(team, post.id),
        threadLine(team, post.id, 'prima'),
        cardUpdate(team, post.id, at(1)),
        threadLine(team, post.id, 'seconda'),
        cardUpdate(team, other.id),
      ]);
      await rivalStore.enqueueMessages([cardUpdate(team, post.id, at(2))]);
      expect(await store.listUnsentMessages(team)).toEqual([
        { kind: 'card_update', postId: post.id, state: 'pending' },
        { kind: 'thread', postId: post.id, state: 'pending' },
        { kind: 'thread', postId: post.id, state: 'pending' },
        { kind: 'card_update', postId: other.id, state: 'pending' },
      ]);
    });

    it('owes a new card update while an earlier one is being sent', async () => {
      const team = freshTeam('update-sending');
      const { post } = await createPost(team);
      await store.enqueueMessages([cardUpdate(team, post.id)]);
      const sending = only(await claim(team, T0), 'card_update');
      await store.enqueueMessages([cardUpdate(team, post.id, at(0.1)), cardUpdate(team, post.id, at(0.2))]);
      expect(await store.listUnsentMessages(team)).toEqual([
        { kind: 'card_update', postId: post.id, state: 'sending' },
        { kind: 'card_update', postId: post.id, state: 'pending' },
      ]);
      // The newer one waits for the one being sent, then goes.
      expect(await claim(team, at(0.3))).toEqual([]);
      expect(await complete(sending, { kind: 'sent' }, at(0.3))).toBe(true);
      expect(only(await claim(team, at(0.3)), 'card_update').id).not.toBe(sending.id);
    });

    it('records a failed card update for a retry while a newer one waits, and keeps one update owed', async () => {
      const team = freshTeam('update-retry');
      const { post } = await createPost(team);
      await store.enqueueMessages([cardUpdate(team, post.id)]);
      const sending = only(await claim(team, T0), 'card_update');
      await store.enqueueMessages([cardUpdate(team, post.id, at(0.1))]);

      // The chat answered 503: the attempt goes back to waiting, next to the newer redraw.
      await expect(
        complete(sending, { kind: 'retry', at: at(1), error: 'HTTP 503', uncertain: false }, at(0.2)),
      ).resolves.toBe(true);
      const unsent = await store.listUnsentMessages(team);
      expect(unsent.filter((m) => m.state === 'sending')).toEqual([]);
      expect(unsent.filter((m) => m.kind === 'card_update')).toHaveLength(1);
      expect(only(await claim(team, at(1)), 'card_update').kind).toBe('card_update');
    });

    it('keeps a sent card on its post, with its link, and finds the post by it', async () => {
      const team = freshTeam('card-ref');
      const { post } = await createPost(team);
      await store.enqueueMessages([card(team, post.id)]);
      const claimed = only(await claim(team, T0), 'card');
      const posted = { cardRef: 'C7:1732183200.000100', link: 'https://comune.slack.com/archives/C7/p1' };
      expect(await complete(claimed, { kind: 'sent', card: posted }, at(0.5))).toBe(true);

      const after = must(await store.getPostById(post.id), 'the post');
      expect(after.post.cardRef).toBe(posted.cardRef);
      expect(after.post.cardLink).toBe(posted.link);
      expect((await store.findPostByCardRef(team, posted.cardRef))?.post.id).toBe(post.id);
      expect(await store.findPostByCardRef(freshTeam('card-ref-other'), posted.cardRef)).toBeUndefined();
    });

    it('records sent cards of many posts in one completion, a lost claim’s card among the post’s cards', async () => {
      // A team's cards go one at a time (one channel): three teams' cards go at once.
      const teams = [freshTeam('cards-batch'), freshTeam('cards-batch'), freshTeam('cards-batch')];
      const [one, two, lost] = (await Promise.all(teams.map((team) => createPost(team)))).map((e) => e.post);
      if (!one || !two || !lost) throw new Error('expected three posts');
      await store.enqueueMessages([
        card(one.teamId, one.id),
        card(two.teamId, two.id),
        card(lost.teamId, lost.id),
      ]);
      const claims = await store.claimOwedMessages(teams, T0, 50, LEASE_MS);
      const claimOf = (postId: string) =>
        must(
          claims.find((c) => c.postId === postId),
          `the card of ${postId}`,
        );
      const sent = (claimed: ClaimedOwedMessage, cardRef: string) => ({
        id: claimed.id,
        claimToken: claimed.claimToken,
        completion: { kind: 'sent', card: { cardRef, link: `https://chat.test/${cardRef}` } } as const,
      });
      const done = await store.completeOwedMessages(
        [
          sent(claimOf(one.id), 'C9:one'),
          sent(claimOf(two.id), 'C9:two'),
          // an attempt whose claim was taken over meanwhile: its token is no longer the row's
          { ...sent(claimOf(lost.id), 'C9:late'), claimToken: 'a-token-taken-over' },
        ],
        at(2),
      );
      expect(done).toEqual([true, true, false]);

      expect(must(await store.getPostById(one.id), 'post one').post.cardRef).toBe('C9:one');
      expect(must(await store.getPostById(two.id), 'post two').post.cardLink).toBe(
        'https://chat.test/C9:two',
      );
      // The late card counts for reactions, and stays the post's card when the claim's own is sent.
      expect((await store.findPostByCardRef(lost.teamId, 'C9:late'))?.post.id).toBe(lost.id);
      expect(await complete(claimOf(lost.id), { kind: 'sent', card: { cardRef: 'C9:again' } }, at(2))).toBe(
        true,
      );
      expect(must(await store.getPostById(lost.id), 'the third post').post.cardRef).toBe('C9:late');
      expect(await store.claimOwedMessages(teams, at(3), 50, LEASE_MS)).toEqual([]);
    });

    it('counts only the current claim when two attempts of one card end in the same completion', async () => {
      const team = freshTeam('cards-two-attempts');
      const { post } = await createPost(team);
      await store.enqueueMessages([card(team, post.id)]);
      const stale = only(await claim(team, T0), 'card');
      // The first attempt outlives its lease; the same dispatcher claims the card again.
      const current = only(await claim(team, at(1.5)), 'card');
      const sent = (claimed: ClaimedOwedMessage, cardRef: string) => ({
        id: claimed.id,
        claimToken: claimed.claimToken,
        completion: { kind: 'sent', card: { cardRef } } as const,
      });
      expect(
        await store.completeOwedMessages([sent(stale, 'C8:stale'), sent(current, 'C8:current')], at(2)),
      ).toEqual([false, true]);
      // Both cards were posted, so reactions on either count.
      expect((await store.findPostByCardRef(team, 'C8:stale'))?.post.id).toBe(post.id);
      expect((await store.findPostByCardRef(team, 'C8:current'))?.post.id).toBe(post.id);
      expect(await claim(team, at(3))).toEqual([]);
    });

    it('keeps a second card among the post’s cards, and the first as the post’s card', async () => {
      const team = freshTeam('second-card');
      const { post } = await createPost(team);
      await store.enqueueMessages([card(team, post.id)]);
      const first = only(await claim(team, T0), 'card');
      await complete(first, { kind: 'sent', card: { cardRef: 'C3:first', link: 'https://chat.test/first' } });
      // The port takes a card on any sent completion of the post: here a redraw
      // that could not find the card and posted it anew (a chat fault).
      await store.enqueueMessages([cardUpdate(team, post.id, at(1))]);
      const redraw = only(await claim(team, at(1)), 'card_update');
      expect(
        await complete(
          redraw,
          { kind: 'sent', card: { cardRef: 'C3:second', link: 'https://chat.test/2' } },
          at(1),
        ),
      ).toBe(true);

      const after = must(await store.getPostById(post.id), 'the post');
      expect(after.post.cardRef).toBe('C3:first');
      expect(after.post.cardLink).toBe('https://chat.test/first');
      expect((await store.findPostByCardRef(team, 'C3:first'))?.post.id).toBe(post.id);
      expect((await store.findPostByCardRef(team, 'C3:second'))?.post.id).toBe(post.id);
    });
  });

  describe('digests', () => {
    /** The digests row of a team and day, read straight from the table. */
    async function digestRow(teamId: string, day: string) {
      const [row] = await database.handle.db
        .select()
        .from(digests)
        .where(and(eq(digests.teamId, teamId), eq(digests.day, day)));
      return row;
    }

    it('records a sent digest and its audit event with the completion', async () => {
      const team = freshTeam('digest');
      const day = '2026-11-23';
      expect(await store.oweDigest(team, day, T0)).toBe(true);
      await store.enqueueMessages([
        { teamId: team, kind: 'digest', day, message: { text: 'Oggi: 2 proposte in attesa.' }, at: T0 },
        { teamId: team, kind: 'digest', day, message: { text: 'Oggi, di nuovo.' }, at: T0 },
      ]);
      const claimed = only(await claim(team, T0), 'digest');
      expect(claimed).toMatchObject({ day, message: { text: 'Oggi: 2 proposte in attesa.' } });
      expect((await digestRow(team, day))?.sentAt).toBeNull();

      const audit = {
        teamId: team,
        postId: undefined,
        at: at(1),
        actorId: SYSTEM.id,
        actorName: SYSTEM.name,
        action: 'digest_sent' as const,
        details: { day },
      };
      // A late answer of an earlier claim records nothing at all.
      expect(await complete({ ...claimed, claimToken: 'stale' }, { kind: 'sent', audit }, at(1))).toBe(false);
      expect((await digestRow(team, day))?.sentAt).toBeNull();
      expect((await store.listAuditBetween(T0, at(2))).filter((e) => e.teamId === team)).toEqual([]);

      expect(await complete(claimed, { kind: 'sent', audit }, at(1))).toBe(true);
      expect((await digestRow(team, day))?.sentAt).toEqual(at(1));
      const events = (await store.listAuditBetween(T0, at(2))).filter((e) => e.teamId === team);
      expect(events).toMatchObject([
        { action: 'digest_sent', details: { day }, actorId: 'araldo', at: at(1) },
      ]);
      expect(await store.listUnsentMessages(team)).toEqual([]);
    });
  });

  describe('retries and holds', () => {
    it('holds every channel message of a team after a rate limit, and only that team, never its private answers', async () => {
      const team = freshTeam('hold');
      const other = freshTeam('hold-other');
      const { post } = await createPost(team);
      await store.enqueueMessages([
        card(team, post.id),
        { teamId: team, kind: 'channel', message: { text: 'riepilogo' }, at: at(0.5) },
        { teamId: other, kind: 'channel', message: { text: 'altra squadra' }, at: at(0.5) },
        {
          teamId: team,
          kind: 'private',
          recipient: 'U-7',
          message: { text: 'proposta ricevuta' },
          at: at(0.5),
        },
      ]);
      const first = only(await claim(team, T0), 'card');
      expect(
        await complete(first, {
          kind: 'retry',
          at: at(2),
          error: 'HTTP 429',
          uncertain: false,
          holdChatUntil: at(2),
        }),
      ).toBe(true);

      // The proposer's answer goes in its own lane: a burst of cards never delays it.
      expect(await store.nextOwedAt([team])).toEqual(at(0.5));
      const answer = only(await claim(team, at(1)), 'private');
      expect(answer.message?.text).toBe('proposta ricevuta');
      expect(await complete(answer, { kind: 'sent' }, at(1))).toBe(true);
      expect(await store.nextOwedAt([team])).toEqual(at(2));
      expect(await claim(team, at(1.99))).toEqual([]);
      expect(await claim(team, at(1.99), rivalStore)).toEqual([]);
      expect((await claim(other, at(1))).map((c) => c.message?.text)).toEqual(['altra squadra']);

      const after = await claim(team, at(2), rivalStore);
      expect(after.map((c) => c.kind).sort()).toEqual(['card', 'channel']);
      expect(only(after, 'card')).toMatchObject({ id: first.id, attempts: 2, uncertain: false });
    });

    it('never shortens a hold with a later, shorter one', async () => {
      const team = freshTeam('hold-longest');
      await store.enqueueMessages([
        { teamId: team, kind: 'private', recipient: 'U-1', message: { text: 'uno' }, at: T0 },
        { teamId: team, kind: 'private', recipient: 'U-2', message: { text: 'due' }, at: T0 },
      ]);
      const [one, two] = await claim(team, T0);
      await complete(must(one, 'a claim'), {
        kind: 'retry',
        at: at(10),
        error: '429',
        uncertain: false,
        holdChatUntil: at(10),
      });
      await complete(must(two, 'a claim'), {
        kind: 'retry',
        at: at(3),
        error: '429',
        uncertain: false,
        holdChatUntil: at(3),
      });
      expect(await claim(team, at(5))).toEqual([]);
      expect(await store.nextOwedAt([team])).toEqual(at(10));
      expect(await claim(team, at(10))).toHaveLength(2);
    });

    it('retries at the given time, and marks the message uncertain when it may have gone', async () => {
      const team = freshTeam('uncertain');
      const { post } = await createPost(team);
      await store.enqueueMessages([threadLine(team, post.id, 'Pubblicata.')]);
      const first = only(await claim(team, T0), 'thread');
      expect(
        await complete(first, { kind: 'retry', at: at(1), error: 'socket hang up', uncertain: true }, T0),
      ).toBe(true);
      expect(await store.listUnsentMessages(team)).toEqual([
        { kind: 'thread', postId: post.id, state: 'pending' },
      ]);
      expect(await claim(team, at(0.99))).toEqual([]);

      const second = only(await claim(team, at(1)), 'thread');
      expect(second).toMatchObject({ id: first.id, attempts: 2, uncertain: true });
      // A later failure that surely wrote nothing does not make the first attempt's write impossible.
      await complete(second, { kind: 'retry', at: at(2), error: 'ECONNREFUSED', uncertain: false }, at(1));
      expect(only(await claim(team, at(2)), 'thread')).toMatchObject({ attempts: 3, uncertain: true });
    });

    it('ends a message for good when it failed or has nothing to send', async () => {
      const team = freshTeam('ended');
      const one = (await createPost(team)).post;
      const two = (await createPost(team)).post;
      await store.enqueueMessages([
        threadLine(team, one.id, 'rifiutata'),
        threadLine(team, one.id, 'dopo la rifiutata'),
        cardUpdate(team, two.id),
      ]);
      const claims = await claim(team, T0);
      expect(await complete(only(claims, 'thread'), { kind: 'failed', error: 'channel_not_found' })).toBe(
        true,
      );
      expect(await complete(only(claims, 'card_update'), { kind: 'skipped' })).toBe(true);
      // A message given up does not block its stream.
      expect((await claim(team, T0)).map((c) => c.message?.text)).toEqual(['dopo la rifiutata']);
    });
  });

  describe('nextOwedAt and listUnsentMessages', () => {
    it('says when the earliest unsent message of the given teams may be tried', async () => {
      const team = freshTeam('next');
      const other = freshTeam('next-other');
      expect(await store.nextOwedAt([team])).toBeUndefined();
      expect(await store.nextOwedAt([])).toBeUndefined();
      await store.enqueueMessages([
        { teamId: team, kind: 'private', recipient: 'U-1', message: { text: 'tra 5' }, at: at(5) },
        { teamId: team, kind: 'private', recipient: 'U-2', message: { text: 'tra 3' }, at: at(3) },
        { teamId: other, kind: 'channel', message: { text: 'altra' }, at: at(1) },
      ]);
      expect(await store.nextOwedAt([team])).toEqual(at(3));
      expect(await store.nextOwedAt([team, other])).toEqual(at(1));

      const [claimed] = await claim(team, at(3));
      // Being sent: the next try is when its lease passes.
      expect(await store.nextOwedAt([team])).toEqual(at(4));
      await complete(must(claimed, 'a claim'), { kind: 'sent' }, at(3));
      expect(await store.nextOwedAt([team])).toEqual(at(5));
      const [last] = await claim(team, at(5));
      await complete(must(last, 'a claim'), { kind: 'sent' }, at(5));
      expect(await store.nextOwedAt([team])).toBeUndefined();
    });

    it('says when a stream’s head may go, not when a message waiting behind it was owed', async () => {
      const team = freshTeam('next-head');
      const { post } = await createPost(team);
      await store.enqueueMessages([card(team, post.id), threadLine(team, post.id, 'dietro la scheda')]);
      const claimed = only(await claim(team, T0), 'card');
      await complete(claimed, { kind: 'retry', at: at(10), error: 'HTTP 503', uncertain: false });
      // Nothing of this team can go before 10 minutes: a scheduler woken earlier finds nothing to do.
      expect(await claim(team, at(9))).toEqual([]);
      expect(await store.nextOwedAt([team])).toEqual(at(10));
    });

    it('lists a team’s unsent messages oldest first, with their state', async () => {
      const team = freshTeam('list');
      const { post } = await createPost(team);
      expect(await store.listUnsentMessages(team)).toEqual([]);
      await store.enqueueMessages([
        card(team, post.id),
        threadLine(team, post.id, 'riga'),
        { teamId: team, kind: 'channel', message: { text: 'canale' }, at: T0 },
        { teamId: freshTeam('list-other'), kind: 'channel', message: { text: 'altra' }, at: T0 },
      ]);
      const claims = await claim(team, T0);
      expect(await store.listUnsentMessages(team)).toEqual([
        { kind: 'card', postId: post.id, state: 'sending' },
        { kind: 'thread', postId: post.id, state: 'pending' },
        { kind: 'channel', postId: undefined, state: 'sending' },
      ]);
      await complete(only(claims, 'channel'), { kind: 'sent' });
      expect((await store.listUnsentMessages(team)).map((m) => m.kind)).toEqual(['card', 'thread']);
    });
  });

  describe('inTransaction', () => {
    /** A post, an audit event and two owed messages, all written through `tx`. */
    async function decideProposal(tx: Store, teamId: string): Promise<PostWithDeliveries> {
      const { post } = await tx.createPost(proposal(teamId));
      await tx.appendAudit([
        {
          teamId,
          postId: post.post.id,
          at: T0,
          actorId: AUTHOR.id,
          actorName: AUTHOR.name,
          action: 'commented',
          details: { text: 'nota' },
        },
      ]);
      await tx.enqueueMessages([card(teamId, post.post.id), threadLine(teamId, post.post.id, 'creata')]);
      return post;
    }

    it('commits everything written inside together', async () => {
      const team = freshTeam('tx-commit');
      const post = await store.inTransaction((tx) => decideProposal(tx, team));
      const seen = must(await rivalStore.getPost(team, 1), 'the post from another connection');
      expect(seen.post.id).toBe(post.post.id);
      expect((await rivalStore.listAudit(post.post.id)).map((e) => e.action)).toEqual([
        'proposed',
        'commented',
      ]);
      expect((await rivalStore.listUnsentMessages(team)).map((m) => m.kind)).toEqual(['card', 'thread']);
    });

    it('writes nothing, not even a post number, when the work throws', async () => {
      const team = freshTeam('tx-rollback');
      let postId = '';
      await expect(
        store.inTransaction(async (tx) => {
          postId = (await decideProposal(tx, team)).post.id;
          throw new Error('the decision failed halfway');
        }),
      ).rejects.toThrow('the decision failed halfway');
      expect(postId).not.toBe('');
      expect(await store.getPostById(postId)).toBeUndefined();
      expect(await store.getPost(team, 1)).toBeUndefined();
      expect(await store.listAudit(postId)).toEqual([]);
      expect(await store.listUnsentMessages(team)).toEqual([]);
      expect((await store.createPost(proposal(team))).post.post.number).toBe(1);
    });

    it('rolls back a claim and its completion with the transaction around them', async () => {
      const team = freshTeam('tx-claim');
      const { post } = await createPost(team);
      await store.enqueueMessages([card(team, post.id)]);
      await expect(
        store.inTransaction(async (tx) => {
          const [claimed] = await tx.claimOwedMessages([team], T0, 10, LEASE_MS);
          const c = must(claimed, 'a claim');
          expect(
            await tx.completeOwedMessage(c.id, c.claimToken, { kind: 'sent', card: { cardRef: 'X' } }, T0),
          ).toBe(true);
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      expect((await store.getPostById(post.id))?.post.cardRef).toBeUndefined();
      expect(only(await claim(team, T0), 'card').attempts).toBe(1);
    });

    it('keeps the outer work when an inner transaction throws, and drops only the inner', async () => {
      const team = freshTeam('tx-nested');
      const outcome = await store.inTransaction(async (tx) => {
        const post = await decideProposal(tx, team);
        const inner = await tx
          .inTransaction(async (inner) => {
            await inner.enqueueMessages([threadLine(team, post.post.id, 'dentro')]);
            must(await inner.transitionPost(post.post.id, ['pending'], 'approved', T0), 'the transition');
            throw new Error('inner failure');
          })
          .catch((error: unknown) => (error as Error).message);
        // The outer transaction goes on after the inner one rolled back.
        await tx.enqueueMessages([threadLine(team, post.post.id, 'dopo')]);
        return { post, inner };
      });
      expect(outcome.inner).toBe('inner failure');
      const after = must(await store.getPostById(outcome.post.post.id), 'the post');
      expect(after.post.state).toBe('pending');
      expect((await store.listUnsentMessages(team)).map((m) => m.kind)).toEqual(['card', 'thread', 'thread']);
      const [cardClaim] = await claim(team, T0);
      await complete(must(cardClaim, 'the card'), { kind: 'sent', card: { cardRef: 'C-n' } });
      expect((await claim(team, T0)).map((c) => c.message?.text)).toEqual(['creata']);
    });

    it('rolls back an inner transaction that committed when the outer one throws', async () => {
      const team = freshTeam('tx-nested-outer');
      let postId = '';
      await expect(
        store.inTransaction(async (tx) => {
          postId = await tx.inTransaction(async (inner) => (await decideProposal(inner, team)).post.id);
          throw new Error('outer failure');
        }),
      ).rejects.toThrow('outer failure');
      expect(await store.getPostById(postId)).toBeUndefined();
      expect(await store.listUnsentMessages(team)).toEqual([]);
    });

    it.runIf(onPostgres)('hides what it writes from other connections until it commits', async () => {
      const team = freshTeam('tx-hidden');
      const held = await holdTransaction(store, (tx) => decideProposal(tx, team));
      try {
        expect(await rivalStore.getPost(team, 1)).toBeUndefined();
        expect(await rivalStore.listUnsentMessages(team)).toEqual([]);
      } finally {
        held.release();
        await held.done;
      }
      expect((await rivalStore.getPost(team, 1))?.post.id).toBe(held.value.post.id);
      expect(await rivalStore.listUnsentMessages(team)).toHaveLength(2);
    });
  });

  describe('lockPost', () => {
    it('reads the post and its deliveries afresh, or nothing for an unknown post', async () => {
      const team = freshTeam('lock-read');
      const { post } = await createPost(team, { targetIds: ['sito', 'masto'] });
      const locked = await store.inTransaction(async (tx) => {
        await tx.transitionPost(post.id, ['pending'], 'approved', at(1));
        return tx.lockPost(post.id);
      });
      expect(locked?.post.state).toBe('approved');
      expect(locked?.deliveries.map((d) => d.targetId)).toEqual(['sito', 'masto']);
      expect(await store.inTransaction((tx) => tx.lockPost(randomUUID()))).toBeUndefined();
    });

    it.runIf(onPostgres)('makes another store’s lockPost wait until the first transaction ends', async () => {
      const team = freshTeam('lock-wait');
      const { post } = await createPost(team, { targetIds: ['sito', 'masto'] });
      const held = await holdTransaction(store, async (tx) => {
        const locked = must(await tx.lockPost(post.id), 'the locked post');
        await tx.transitionPost(post.id, ['pending'], 'approved', at(1));
        return locked;
      });
      expect(held.value.post.state).toBe('pending');

      let rivalHasIt = false;
      const rival = rivalStore.inTransaction(async (tx) => {
        const locked = await tx.lockPost(post.id);
        rivalHasIt = true;
        return locked;
      });
      try {
        expect(await untilBlockedOrSettled(rival)).toBe(false);
        expect(rivalHasIt).toBe(false);
      } finally {
        held.release();
      }
      await held.done;
      // It reads the post as the first decision left it.
      expect((await rival)?.post.state).toBe('approved');
      expect(rivalHasIt).toBe(true);
    });
  });

  describe('pacing of deliveries', () => {
    /** Each target's pacing, for claimDueDeliveries. */
    function paced(entries: Record<string, TargetPacing>): ReadonlyMap<string, TargetPacing> {
      return new Map(Object.entries(entries));
    }

    /** `n` posts of `teamId`, each with one delivery to `targetId` due at `dueAt`; their delivery ids. */
    async function dueDeliveries(
      teamId: string,
      targetId: string,
      n: number,
      dueAt: Date,
    ): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const post = await createScheduled(teamId, dueAt, [targetId]);
        ids.push(must(post.deliveries[0], 'a delivery').id);
      }
      return ids;
    }

    /** Claims for `teamId` with `pacing` at `now`. */
    function claimPaced(
      claimer: Store,
      teamId: string,
      now: Date,
      pacing: ReadonlyMap<string, TargetPacing>,
      limit = 10,
    ): Promise<readonly ClaimedDelivery[]> {
      return claimer.claimDueDeliveries([teamId], now, limit, LEASE_MS, pacing);
    }

    /** Ends a claimed attempt as published. */
    async function publish(claimed: ClaimedDelivery, when: Date): Promise<void> {
      must(
        await store.completeDelivery(
          claimed.delivery.id,
          claimed.claimToken,
          { kind: 'published', remoteId: 'r', url: 'https://example.test/r' },
          when,
        ),
        'the completion',
      );
    }

    it('gives a target with a minimum interval one delivery per claim, and none until it passed', async () => {
      const team = freshTeam('interval');
      const target = freshTarget('masto');
      const pacing = paced({ [target]: { minIntervalMs: 60_000, maxInFlight: 4 } });
      const ids = await dueDeliveries(team, target, 3, at(-5));

      const first = await claimPaced(store, team, T0, pacing);
      expect(first).toHaveLength(1);
      await publish(must(first[0], 'a claim'), at(0.1));
      expect(await claimPaced(rivalStore, team, at(0.5), pacing)).toEqual([]);
      expect(await claimPaced(store, team, at(0.99), pacing)).toEqual([]);

      const second = await claimPaced(rivalStore, team, at(1), pacing);
      expect(second).toHaveLength(1);
      expect(await claimPaced(store, team, at(1), pacing)).toEqual([]);
      const third = await claimPaced(store, team, at(2), pacing);
      expect([...first, ...second, ...third].map((c) => c.delivery.id).sort()).toEqual([...ids].sort());
    });

    it('gives one delivery of an interval target to two stores claiming at once', async () => {
      const team = freshTeam('interval-race');
      const target = freshTarget('masto');
      const pacing = paced({ [target]: { minIntervalMs: 60_000, maxInFlight: 4 } });
      await dueDeliveries(team, target, 4, at(-1));
      const [mine, theirs] = await Promise.all([
        claimPaced(store, team, T0, pacing, 1),
        claimPaced(rivalStore, team, T0, pacing, 1),
      ]);
      expect(mine.length + theirs.length).toBe(1);
      expect(await store.nextDueAt([team])).toEqual(at(1));
    });

    it('caps the deliveries publishing on a target at maxInFlight, across stores', async () => {
      const team = freshTeam('in-flight');
      const target = freshTarget('feed');
      const pacing = paced({ [target]: { minIntervalMs: 0, maxInFlight: 2 } });
      await dueDeliveries(team, target, 5, at(-1));

      const mine = await claimPaced(store, team, T0, pacing);
      expect(mine).toHaveLength(2);
      expect(await claimPaced(rivalStore, team, T0, pacing)).toEqual([]);
      await publish(must(mine[0], 'a claim'), at(0.2));
      expect(await claimPaced(rivalStore, team, at(0.2), pacing)).toHaveLength(1);
      expect(await claimPaced(store, team, at(0.3), pacing)).toEqual([]);
      // A publication whose lease passed holds no slot any more: its worker is gone.
      expect(await claimPaced(store, team, at(1.1), pacing)).toHaveLength(1);
    });

    it('lets two stores claiming at once together stay within maxInFlight', async () => {
      const team = freshTeam('in-flight-race');
      const target = freshTarget('feed');
      const pacing = paced({ [target]: { minIntervalMs: 0, maxInFlight: 3 } });
      await dueDeliveries(team, target, 8, at(-1));
      const [mine, theirs] = await Promise.all([
        claimPaced(store, team, T0, pacing, 2),
        claimPaced(rivalStore, team, T0, pacing, 2),
      ]);
      expect(mine.length + theirs.length).toBeLessThanOrEqual(3);
      expect(mine.length + theirs.length).toBeGreaterThanOrEqual(2);
      const ids = [...mine, ...theirs].map((c) => c.delivery.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it.runIf(onPostgres)('makes a second store’s claim wait for the first one’s and see it', async () => {
      const team = freshTeam('in-flight-turns');
      const target = freshTarget('feed');
      const pacing = paced({ [target]: { minIntervalMs: 0, maxInFlight: 1 } });
      // More due than the first claim looks at, so the second finds rows of its own to lock.
      await dueDeliveries(team, target, 10, at(-1));
      const held = await holdTransaction(store, (tx) => claimPaced(tx, team, T0, pacing, 1));
      expect(held.value).toHaveLength(1);
      const rival = claimPaced(rivalStore, team, T0, pacing, 1);
      try {
        expect(await untilBlockedOrSettled(rival)).toBe(false);
      } finally {
        held.release();
      }
      await held.done;
      expect(await rival).toEqual([]);
    });

    it('gives a target with no interval up to maxInFlight deliveries at once', async () => {
      const team = freshTeam('burst');
      const target = freshTarget('feed');
      const pacing = paced({ [target]: { minIntervalMs: 0, maxInFlight: 3 } });
      await dueDeliveries(team, target, 5, at(-1));
      expect(await claimPaced(store, team, T0, pacing)).toHaveLength(3);
      expect(await store.nextDueAt([team])).toEqual(at(-1));
    });

    it('paces a target missing from the map by the default, and not at all without a map', async () => {
      const team = freshTeam('default-pacing');
      const target = freshTarget('feed');
      await dueDeliveries(team, target, 6, at(-1));
      expect(await claimPaced(store, team, T0, paced({}))).toHaveLength(4);
      expect(await store.claimDueDeliveries([team], T0, 10, LEASE_MS)).toHaveLength(2);
    });

    it('never lets a paced target starve another target’s due deliveries', async () => {
      const team = freshTeam('starve');
      const slow = freshTarget('slow');
      const fast = freshTarget('fast');
      const pacing = paced({
        [slow]: { minIntervalMs: 3_600_000, maxInFlight: 1 },
        [fast]: { minIntervalMs: 0, maxInFlight: 4 },
      });
      await dueDeliveries(team, slow, 3, at(-30));
      const [fastOne] = await dueDeliveries(team, fast, 1, at(-1));

      const claims = await claimPaced(store, team, T0, pacing, 2);
      expect(claims.map((c) => c.delivery.targetId).sort()).toEqual([fast, slow].sort());
      expect(claims.some((c) => c.delivery.id === fastOne)).toBe(true);
    });

    it('never lets a paced target starve another, even with more due than one claim looks at', async () => {
      const team = freshTeam('starve-many');
      const slow = freshTarget('slow');
      const fast = freshTarget('fast');
      const pacing = paced({
        [slow]: { minIntervalMs: 3_600_000, maxInFlight: 1 },
        [fast]: { minIntervalMs: 0, maxInFlight: 4 },
      });
      await dueDeliveries(team, slow, 12, at(-30));
      const [fastOne] = await dueDeliveries(team, fast, 1, at(-1));

      // One slot at a time, as a process with one free slot claims.
      const first = await claimPaced(store, team, T0, pacing, 1);
      expect(first.map((c) => c.delivery.targetId)).toEqual([slow]);
      const second = await claimPaced(store, team, T0, pacing, 1);
      expect(second.map((c) => c.delivery.id)).toEqual([fastOne]);
    });

    it('holds the whole target after a rate limit, and no other target', async () => {
      const team = freshTeam('rate-limit');
      const target = freshTarget('x');
      const other = freshTarget('sito');
      const pacing = paced({ [target]: { minIntervalMs: 0, maxInFlight: 1 } });
      // Both due at one instant: either is claimed first, the other waits behind the cap.
      const held = await dueDeliveries(team, target, 2, at(-1));
      const [elsewhere] = await dueDeliveries(team, other, 1, at(1));

      const [claimed] = await claimPaced(store, team, T0, pacing);
      expect(held).toContain(claimed?.delivery.id);
      must(
        await store.completeDelivery(
          must(claimed, 'a claim').delivery.id,
          must(claimed, 'a claim').claimToken,
          {
            kind: 'retry',
            at: at(5),
            code: 'rate_limited',
            error: 'Troppe pubblicazioni: riprovo più tardi.',
            holdTargetUntil: at(15),
          },
          at(0.1),
        ),
        'the completion',
      );

      // The other delivery of the held target waits; another target's does not.
      expect((await claimPaced(rivalStore, team, at(1), pacing)).map((c) => c.delivery.id)).toEqual([
        elsewhere,
      ]);
      expect(await claimPaced(store, team, at(14.99), pacing)).toEqual([]);
      // Its own retry was due at 5 and the other at -1: both wait for the hold.
      expect(await store.nextDueAt([team])).toEqual(at(15));

      const after = await claimPaced(
        rivalStore,
        team,
        at(15),
        paced({ [target]: { minIntervalMs: 0, maxInFlight: 4 } }),
      );
      expect(after.map((c) => c.delivery.id).sort()).toEqual([...held].sort());
    });

    it('says a delivery due after its target’s hold is due at its own time', async () => {
      const team = freshTeam('hold-later');
      const target = freshTarget('x');
      const pacing = paced({ [target]: { minIntervalMs: 0, maxInFlight: 4 } });
      const [limited] = await dueDeliveries(team, target, 1, at(-1));
      await dueDeliveries(team, target, 1, at(60));
      const [claimed] = await claimPaced(store, team, T0, pacing);
      expect(claimed?.delivery.id).toBe(limited);
      must(
        await store.completeDelivery(
          must(claimed, 'a claim').delivery.id,
          must(claimed, 'a claim').claimToken,
          { kind: 'failed', code: 'content_refused', error: 'rifiutata' },
          at(0.1),
        ),
        'the completion',
      );
      expect(await store.nextDueAt([team])).toEqual(at(60));
      // A hold until 30 is later than nothing due now, earlier than the delivery at 60.
      const [again] = await dueDeliveries(team, target, 1, at(-1));
      const [retried] = await claimPaced(store, team, T0, pacing);
      expect(retried?.delivery.id).toBe(again);
      await store.completeDelivery(
        must(retried, 'a claim').delivery.id,
        must(retried, 'a claim').claimToken,
        { kind: 'retry', at: at(20), code: 'rate_limited', error: 'attendi', holdTargetUntil: at(30) },
        at(0.2),
      );
      expect(await store.nextDueAt([team])).toEqual(at(30));
    });
  });
});
