import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/actor.ts';
import type { ClaimedDelivery, NewPost, PostWithDeliveries, Store } from '../../src/core/ports.ts';
import { type DatabaseHandle, openDatabase } from '../../src/store/database.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

/** Saturday 21 November 2026, 11:00 in Rome: the instant every test starts from. */
const T0 = new Date('2026-11-21T10:00:00.000Z');
const LEASE_MS = 60_000;
const AUTHOR: Actor = { id: 'U-giulia', name: 'Giulia' };

/** `minutes` after T0 (before it when negative). */
function at(minutes: number): Date {
  return new Date(T0.getTime() + minutes * 60_000);
}

let teamCount = 0;
/** A team id no other test uses, so tests sharing the file's database never meet. */
function freshTeam(label: string): string {
  teamCount += 1;
  return `${label}-${teamCount}`;
}

function proposal(teamId: string, overrides: Partial<NewPost> = {}): NewPost {
  return {
    teamId,
    author: AUTHOR,
    text: 'Lunedì gli uffici anagrafe restano chiusi per aggiornamento dei sistemi.',
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

/** Owes a post's card and records it sent at `cardRef`, as the dispatcher does. */
async function sendCard(postId: string, teamId: string, cardRef: string): Promise<void> {
  await store.enqueueMessages([{ teamId, postId, kind: 'card', at: T0 }]);
  const claims = await store.claimOwedMessages([teamId], T0, 10, LEASE_MS);
  const card = claims.find((c) => c.postId === postId && c.kind === 'card');
  if (!card) throw new Error('the card was not claimed');
  await store.completeOwedMessage(card.id, card.claimToken, { kind: 'sent', card: { cardRef } }, T0);
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`expected ${what}`);
  return value;
}

/** Every message in an error's cause chain: drivers wrap the server's message. */
function messagesOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.message);
    current = current.cause;
  }
  return parts.join(' <- ');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

type Connection = Awaited<ReturnType<postgres.Sql['reserve']>>;

/**
 * Runs `race` so that its two transactions are certain to overlap: on
 * PostgreSQL another connection first holds the rows `lock` selects FOR
 * UPDATE, and lets go only once two sessions queue behind a lock (read from
 * the server's own activity view: no timers). PGlite runs one transaction at
 * a time, so there the race simply runs.
 */
async function raceBehindLock<T>(
  lock: (c: Connection) => Promise<unknown>,
  race: () => Promise<T>,
): Promise<T> {
  if (!('url' in database.location)) return race();
  const blocker = postgres(database.location.url, { max: 1, onnotice: () => {} });
  const connection = await blocker.reserve();
  try {
    await connection`begin`;
    await lock(connection);
    const raced = race();
    let over = false;
    // Observed here so a failure surfaces once the lock is let go, not as an unhandled rejection now.
    const settled = raced.then(
      () => {
        over = true;
      },
      () => {
        over = true;
      },
    );
    while (!over) {
      const [row] = await connection<{ waiting: number }[]>`
        select count(*)::int as waiting from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`;
      if ((row?.waiting ?? 0) >= 2) break;
    }
    await connection`commit`;
    await settled;
    return await raced;
  } finally {
    connection.release();
    await blocker.end({ timeout: 5 });
  }
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

/** every target due at the same instant */
function allDueAt(targetIds: readonly string[], dueAt: Date): ReadonlyMap<string, Date> {
  return new Map(targetIds.map((targetId) => [targetId, dueAt]));
}

async function createApproved(teamId: string, overrides: Partial<NewPost> = {}): Promise<PostWithDeliveries> {
  const { post } = await store.createPost(proposal(teamId, overrides));
  must(await store.transitionPost(post.post.id, ['pending'], 'approved', T0), 'the post to be approved');
  return must(await store.getPostById(post.post.id), 'the approved post');
}

/** A post approved and scheduled: its deliveries are due at `dueAt`. */
async function createScheduled(
  teamId: string,
  dueAt: Date,
  targetIds: readonly string[] = ['sito'],
): Promise<PostWithDeliveries> {
  const approved = await createApproved(teamId, { targetIds });
  must(
    await store.schedulePost(approved.post.id, ['approved'], 'scheduled', allDueAt(targetIds, dueAt), T0),
    'the post to be scheduled',
  );
  return must(await store.getPostById(approved.post.id), 'the scheduled post');
}

/** A post being published, with the claims that hold its deliveries. */
interface Publishing extends PostWithDeliveries {
  readonly claims: readonly ClaimedDelivery[];
}

/** A scheduled post with all its deliveries claimed at `now`. */
async function createPublishing(
  teamId: string,
  targetIds: readonly string[],
  now: Date = T0,
): Promise<Publishing> {
  const scheduled = await createScheduled(teamId, now, targetIds);
  const claims = await store.claimDueDeliveries([teamId], now, targetIds.length, LEASE_MS);
  expect(claims).toHaveLength(targetIds.length);
  return { ...must(await store.getPostById(scheduled.post.id), 'the publishing post'), claims };
}

/** the token of the claim `createPublishing` took on the delivery to `targetId` */
function tokenFor(publishing: Publishing, targetId: string): string {
  return must(
    publishing.claims.find((c) => c.delivery.targetId === targetId),
    `a claim on the delivery to ${targetId}`,
  ).claimToken;
}

function deliveryFor(post: PostWithDeliveries, targetId: string): PostWithDeliveries['deliveries'][number] {
  return must(
    post.deliveries.find((d) => d.targetId === targetId),
    `a delivery to ${targetId}`,
  );
}

describe(`Store contract (DrizzleStore on ${testDriver})`, () => {
  it('answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  describe('createPost', () => {
    it('numbers posts per team from 1', async () => {
      const team = freshTeam('numbering');
      const numbers: number[] = [];
      for (let i = 0; i < 3; i++) numbers.push((await store.createPost(proposal(team))).post.post.number);
      expect(numbers).toEqual([1, 2, 3]);
    });

    it('numbers each team independently', async () => {
      const teamA = freshTeam('comune');
      const teamB = freshTeam('provincia');
      const a1 = await store.createPost(proposal(teamA));
      const b1 = await store.createPost(proposal(teamB));
      const a2 = await store.createPost(proposal(teamA));
      const b2 = await store.createPost(proposal(teamB));
      expect([a1, a2, b1, b2].map((r) => r.post.post.number)).toEqual([1, 2, 1, 2]);
      expect(a2.post.post.teamId).toBe(teamA);
      expect(b2.post.post.teamId).toBe(teamB);
    });

    it('gives 20 concurrent proposals distinct consecutive numbers', async () => {
      const team = freshTeam('burst');
      // The team row exists before the burst, as it does in production after the first post.
      await store.createPost(proposal(team));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? store : rivalStore).createPost(proposal(team, { text: `avviso ${i}` })),
        ),
      );
      const numbers = results.map((r) => r.post.post.number).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      expect(results.every((r) => r.created)).toBe(true);
      expect((await store.createPost(proposal(team))).post.post.number).toBe(22);
    });

    it('gives concurrent first proposals of a new team distinct consecutive numbers', async () => {
      const team = freshTeam('brand-new');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : rivalStore).createPost(proposal(team))),
      );
      const numbers = results.map((r) => r.post.post.number).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it('stores the proposal as given, pending, at version 1', async () => {
      const team = freshTeam('fields');
      const input = proposal(team, {
        text: 'Allerta meteo arancione: scuole chiuse domani.',
        images: [{ url: 'https://comune.example/allerta.png', alt: 'Mappa delle zone in allerta' }],
        urgent: true,
        requestedAt: at(90),
        approvalsRequired: 2,
      });
      const { post, created } = await store.createPost(input);
      expect(created).toBe(true);
      expect(post.post).toEqual({
        id: expect.any(String),
        teamId: team,
        number: 1,
        author: AUTHOR,
        text: input.text,
        images: input.images,
        urgent: true,
        requestedAt: at(90),
        state: 'pending',
        approvalsRequired: 2,
        version: 1,
        cardRef: undefined,
        createdAt: T0,
        updatedAt: T0,
      });
      expect(await store.getPostById(post.post.id)).toEqual(post);
    });

    it('creates one pending delivery per target, in target order', async () => {
      const team = freshTeam('targets');
      const targetIds = ['x-comune', 'bluesky', 'sito', 'mastodon'];
      const { post } = await store.createPost(proposal(team, { targetIds }));
      expect(post.deliveries.map((d) => d.targetId)).toEqual(targetIds);
      for (const delivery of post.deliveries) {
        expect(delivery).toEqual({
          id: expect.any(String),
          postId: post.post.id,
          targetId: delivery.targetId,
          state: 'pending',
          attempts: 0,
          nextAttemptAt: undefined,
          claimedUntil: undefined,
          remoteId: undefined,
          publicUrl: undefined,
          lastError: undefined,
          lastErrorCode: undefined,
          publishedAt: undefined,
        });
      }
      const stored = must(await store.getPostById(post.post.id), 'the stored post');
      expect(stored.deliveries.map((d) => d.targetId)).toEqual(targetIds);
    });

    it('writes a proposed audit event with the post', async () => {
      const team = freshTeam('proposed-audit');
      const { post } = await store.createPost(proposal(team, { targetIds: ['sito', 'mastodon'] }));
      const trail = await store.listAudit(post.post.id);
      expect(trail).toHaveLength(1);
      expect(trail[0]).toMatchObject({
        teamId: team,
        postId: post.post.id,
        postNumber: 1,
        at: T0,
        actorId: AUTHOR.id,
        actorName: AUTHOR.name,
        action: 'proposed',
      });
      expect(trail[0]?.details).toMatchObject({ number: 1, targets: ['sito', 'mastodon'] });
    });

    it('stores nothing, not even a number, when part of the proposal cannot be stored', async () => {
      const team = freshTeam('atomic');
      // The same target twice breaks the one-delivery-per-target rule after the post row is written.
      const error = await rejection(store.createPost(proposal(team, { targetIds: ['sito', 'sito'] })));
      expect(error).toBeInstanceOf(Error);
      expect(await store.getPost(team, 1)).toBeUndefined();
      const next = await store.createPost(proposal(team));
      expect(next.post.post.number).toBe(1);
      expect(await store.listAudit(next.post.post.id)).toHaveLength(1);
    });

    it('returns the first post for a repeated dedupeKey and stores nothing new', async () => {
      const team = freshTeam('dedupe');
      const first = await store.createPost(
        proposal(team, { dedupeKey: 'Ev0123', targetIds: ['sito', 'mastodon'] }),
      );
      const again = await store.createPost(
        proposal(team, {
          dedupeKey: 'Ev0123',
          text: 'testo diverso',
          targetIds: ['bluesky'],
          createdAt: at(1),
        }),
      );
      expect(first.created).toBe(true);
      expect(again.created).toBe(false);
      expect(again.post).toEqual(first.post);
      expect(await store.getPost(team, 2)).toBeUndefined();
      expect(await store.listAudit(first.post.post.id)).toHaveLength(1);
      // The repeat consumed no number.
      expect((await store.createPost(proposal(team))).post.post.number).toBe(2);
    });

    // A Slack retry or a duplicated gateway event can arrive while the first is being stored.
    it('returns the first post to concurrent repeats of one dedupeKey', async () => {
      const team = freshTeam('dedupe-race');
      // The team already exists, as for every proposal after a team's first.
      await store.createPost(proposal(team));
      const results = await raceBehindLock(
        (c) => c`select id from teams where id = ${team} for update`,
        () =>
          Promise.all([
            store.createPost(proposal(team, { dedupeKey: 'Ev-retry' })),
            rivalStore.createPost(proposal(team, { dedupeKey: 'Ev-retry' })),
          ]),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.post.post.id)).size).toBe(1);
      expect(await store.getPost(team, 3)).toBeUndefined();
    });

    it('lets different teams reuse a dedupeKey', async () => {
      const teamA = freshTeam('dedupe-a');
      const teamB = freshTeam('dedupe-b');
      const a = await store.createPost(proposal(teamA, { dedupeKey: 'Ev-shared' }));
      const b = await store.createPost(proposal(teamB, { dedupeKey: 'Ev-shared' }));
      expect(a.created).toBe(true);
      expect(b.created).toBe(true);
      expect(b.post.post.id).not.toBe(a.post.post.id);
      expect(b.post.post.teamId).toBe(teamB);
    });

    it('treats posts without a dedupeKey as distinct', async () => {
      const team = freshTeam('no-dedupe');
      const a = await store.createPost(proposal(team));
      const b = await store.createPost(proposal(team));
      expect(b.created).toBe(true);
      expect(b.post.post.id).not.toBe(a.post.post.id);
    });
  });

  // A burst of slash commands is stored by one decision: createPosts.
  describe('createPosts', () => {
    it('numbers a batch in order after the team’s earlier posts, each with its deliveries and audit event', async () => {
      const team = freshTeam('batch');
      await store.createPost(proposal(team));
      const inputs = [
        proposal(team, { text: 'primo', targetIds: ['sito', 'mastodon'] }),
        proposal(team, { text: 'secondo', targetIds: ['telegram'] }),
        proposal(team, { text: 'terzo', targetIds: ['x-comune', 'sito', 'bluesky'] }),
      ];
      const results = await store.createPosts(inputs);
      expect(results.map((r) => [r.created, r.post.post.number, r.post.post.text])).toEqual([
        [true, 2, 'primo'],
        [true, 3, 'secondo'],
        [true, 4, 'terzo'],
      ]);
      for (const [index, result] of results.entries()) {
        expect(result.post.deliveries.map((d) => d.targetId)).toEqual(inputs[index]?.targetIds);
        expect(result.post.deliveries.every((d) => d.postId === result.post.post.id)).toBe(true);
        expect(await store.getPostById(result.post.post.id)).toEqual(result.post);
        const trail = await store.listAudit(result.post.post.id);
        expect(trail.map((event) => [event.action, event.details.number])).toEqual([
          ['proposed', result.post.post.number],
        ]);
      }
      expect((await store.createPost(proposal(team))).post.post.number).toBe(5);
    });

    it('stores a key repeated within the batch once, and returns an earlier post for a key already seen', async () => {
      const team = freshTeam('batch-dedupe');
      const earlier = await store.createPost(proposal(team, { dedupeKey: 'Ev-old' }));
      const results = await store.createPosts([
        proposal(team, { dedupeKey: 'Ev-new', text: 'nuovo' }),
        proposal(team, { dedupeKey: 'Ev-old', text: 'ripetuto' }),
        proposal(team, { dedupeKey: 'Ev-new', text: 'nuovo, ripetuto' }),
        proposal(team, { text: 'senza chiave' }),
      ]);
      expect(results.map((r) => [r.created, r.post.post.number])).toEqual([
        [true, 2],
        [false, 1],
        [false, 2],
        [true, 3],
      ]);
      expect(results[1]?.post.post.id).toBe(earlier.post.post.id);
      expect(results[2]?.post).toEqual(results[0]?.post);
      expect(await store.getPost(team, 4)).toBeUndefined();
    });

    it('numbers each team of a mixed batch on its own', async () => {
      const teamA = freshTeam('batch-a');
      const teamB = freshTeam('batch-b');
      await store.createPost(proposal(teamB));
      const results = await store.createPosts([
        proposal(teamA),
        proposal(teamB),
        proposal(teamA),
        proposal(teamB, { dedupeKey: 'Ev-b' }),
      ]);
      expect(results.map((r) => [r.post.post.teamId, r.post.post.number])).toEqual([
        [teamA, 1],
        [teamB, 2],
        [teamA, 2],
        [teamB, 3],
      ]);
    });

    it('stores nothing of a batch when one of its posts cannot be stored', async () => {
      const team = freshTeam('batch-fails');
      const error = await rejection(
        store.createPosts([proposal(team), proposal(team, { targetIds: ['sito', 'sito'] })]),
      );
      expect(error).toBeInstanceOf(Error);
      expect(await store.getPost(team, 1)).toBeUndefined();
      expect((await store.createPost(proposal(team))).post.post.number).toBe(1);
    });

    it('gives concurrent batches of one team distinct, gapless numbers', async () => {
      const team = freshTeam('batch-race');
      await store.createPost(proposal(team));
      const batches = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          (i % 2 === 0 ? store : rivalStore).createPosts([proposal(team), proposal(team), proposal(team)]),
        ),
      );
      const numbers = batches.flat().map((r) => r.post.post.number);
      expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
    });
  });

  describe('finding posts', () => {
    it('finds a post by its team and number', async () => {
      const team = freshTeam('get');
      const other = freshTeam('get-other');
      await store.createPost(proposal(team, { text: 'primo' }));
      const second = await store.createPost(proposal(team, { text: 'secondo' }));
      await store.createPost(proposal(other, { text: 'altra squadra' }));
      expect(await store.getPost(team, 2)).toEqual(second.post);
      expect((await store.getPost(other, 1))?.post.text).toBe('altra squadra');
      expect(await store.getPost(team, 3)).toBeUndefined();
    });

    it('finds a post by its id', async () => {
      const team = freshTeam('by-id');
      const { post } = await store.createPost(proposal(team, { targetIds: ['sito', 'mastodon'] }));
      expect(await store.getPostById(post.post.id)).toEqual(post);
      expect(await store.getPostById(randomUUID())).toBeUndefined();
    });

    it('finds a post by its card reference within its team', async () => {
      const team = freshTeam('card');
      const other = freshTeam('card-other');
      await store.createPost(proposal(team));
      const { post } = await store.createPost(proposal(team));
      expect(await store.findPostByCardRef(team, 'C42:1732183200.000100')).toBeUndefined();
      await sendCard(post.post.id, team, 'C42:1732183200.000100');
      const found = must(await store.findPostByCardRef(team, 'C42:1732183200.000100'), 'the post by card');
      expect(found.post.id).toBe(post.post.id);
      expect(found.post.cardRef).toBe('C42:1732183200.000100');
      expect(found.deliveries).toEqual(post.deliveries);
      expect(await store.findPostByCardRef(other, 'C42:1732183200.000100')).toBeUndefined();
      expect((await store.getPostById(post.post.id))?.post.cardRef).toBe('C42:1732183200.000100');
    });
  });

  describe('approvals', () => {
    const alice: Actor = { id: 'U-alice', name: 'Alice' };
    const bruno: Actor = { id: 'U-bruno', name: 'Bruno' };
    const carla: Actor = { id: 'U-carla', name: 'Carla' };

    it('counts an approval once per approver and version', async () => {
      const { post } = await store.createPost(proposal(freshTeam('approve-once')));
      expect(await store.addApproval(post.post.id, 1, alice, at(1))).toBe(true);
      expect(await store.addApproval(post.post.id, 1, alice, at(2))).toBe(false);
      expect(await store.listApprovals(post.post.id, 1)).toEqual([alice]);
    });

    it('withdraws an approval once', async () => {
      const { post } = await store.createPost(proposal(freshTeam('withdraw')));
      await store.addApproval(post.post.id, 1, alice, at(1));
      await store.addApproval(post.post.id, 1, bruno, at(2));
      expect(await store.removeApproval(post.post.id, 1, alice.id)).toBe(true);
      expect(await store.removeApproval(post.post.id, 1, alice.id)).toBe(false);
      expect(await store.listApprovals(post.post.id, 1)).toEqual([bruno]);
      expect(await store.addApproval(post.post.id, 1, alice, at(3))).toBe(true);
    });

    it('lists approvers oldest first', async () => {
      const { post } = await store.createPost(proposal(freshTeam('approvals-order')));
      await store.addApproval(post.post.id, 1, carla, at(3));
      await store.addApproval(post.post.id, 1, alice, at(1));
      await store.addApproval(post.post.id, 1, bruno, at(2));
      expect(await store.listApprovals(post.post.id, 1)).toEqual([alice, bruno, carla]);
    });

    it('keeps approvals of different versions apart', async () => {
      const { post } = await store.createPost(proposal(freshTeam('approvals-version')));
      await store.addApproval(post.post.id, 1, alice, at(1));
      await store.addApproval(post.post.id, 1, bruno, at(2));
      expect(await store.listApprovals(post.post.id, 2)).toEqual([]);
      expect(await store.addApproval(post.post.id, 2, alice, at(3))).toBe(true);
      expect(await store.listApprovals(post.post.id, 2)).toEqual([alice]);
      expect(await store.removeApproval(post.post.id, 2, bruno.id)).toBe(false);
      expect(await store.removeApproval(post.post.id, 2, alice.id)).toBe(true);
      expect(await store.listApprovals(post.post.id, 1)).toEqual([alice, bruno]);
    });

    it('keeps approvals of different posts apart', async () => {
      const team = freshTeam('approvals-posts');
      const first = await store.createPost(proposal(team));
      const second = await store.createPost(proposal(team));
      await store.addApproval(first.post.post.id, 1, alice, at(1));
      expect(await store.listApprovals(second.post.post.id, 1)).toEqual([]);
      expect(await store.addApproval(second.post.post.id, 1, alice, at(2))).toBe(true);
    });
  });

  describe('transitionPost', () => {
    it('moves a post from one of the given states and returns it', async () => {
      const { post } = await store.createPost(proposal(freshTeam('transition')));
      const moved = must(
        await store.transitionPost(post.post.id, ['pending', 'changes_requested'], 'approved', at(5)),
        'the moved post',
      );
      expect(moved).toEqual({ ...post.post, state: 'approved', updatedAt: at(5) });
      expect((await store.getPostById(post.post.id))?.post).toEqual(moved);
    });

    it('changes nothing when the post is in none of the given states', async () => {
      const { post } = await store.createPost(proposal(freshTeam('transition-refused')));
      await store.transitionPost(post.post.id, ['pending'], 'approved', at(1));
      const before = await store.getPostById(post.post.id);
      expect(await store.transitionPost(post.post.id, ['pending'], 'rejected', at(2))).toBeUndefined();
      expect(await store.getPostById(post.post.id)).toEqual(before);
    });

    it('lets only one of two concurrent decisions win', async () => {
      const { post } = await store.createPost(proposal(freshTeam('transition-race')));
      const [approved, rejected] = await Promise.all([
        store.transitionPost(post.post.id, ['pending'], 'approved', at(1)),
        rivalStore.transitionPost(post.post.id, ['pending'], 'rejected', at(1)),
      ]);
      expect([approved, rejected].filter((p) => p !== undefined)).toHaveLength(1);
      const winner = approved ?? rejected;
      expect((await store.getPostById(post.post.id))?.post.state).toBe(winner?.state);
    });
  });

  describe('schedulePost and nextDueAt', () => {
    it('makes each pending delivery due at its target’s instant and moves the post', async () => {
      const approved = await createApproved(freshTeam('schedule'), { targetIds: ['sito', 'mastodon'] });
      const dueAt = new Map([
        ['mastodon', at(45)],
        ['sito', at(30)],
      ]);
      const scheduled = must(
        await store.schedulePost(approved.post.id, ['approved'], 'scheduled', dueAt, at(2)),
        'the scheduled post',
      );
      expect(scheduled.state).toBe('scheduled');
      expect(scheduled.updatedAt).toEqual(at(2));
      const stored = must(await store.getPostById(approved.post.id), 'the stored post');
      expect(stored.post.state).toBe('scheduled');
      expect(stored.deliveries.map((d) => [d.targetId, d.state, d.nextAttemptAt])).toEqual([
        ['sito', 'scheduled', at(30)],
        ['mastodon', 'scheduled', at(45)],
      ]);
    });

    it('schedules nothing when the post is in none of the given states', async () => {
      const { post } = await store.createPost(proposal(freshTeam('schedule-refused')));
      expect(
        await store.schedulePost(post.post.id, ['approved'], 'scheduled', allDueAt(['sito'], at(30)), at(2)),
      ).toBeUndefined();
      const stored = must(await store.getPostById(post.post.id), 'the stored post');
      expect(stored).toEqual(post);
    });

    it('reports the earliest due instant of the given teams only', async () => {
      const teamA = freshTeam('due-a');
      const teamB = freshTeam('due-b');
      await createScheduled(teamA, at(120));
      await createScheduled(teamA, at(60));
      await createScheduled(teamB, at(30));
      expect(await store.nextDueAt([teamA])).toEqual(at(60));
      expect(await store.nextDueAt([teamB])).toEqual(at(30));
      expect(await store.nextDueAt([teamA, teamB])).toEqual(at(30));
      expect(await store.nextDueAt([freshTeam('due-none')])).toBeUndefined();
    });

    it('ignores deliveries that are not scheduled', async () => {
      const team = freshTeam('due-states');
      await store.createPost(proposal(team));
      expect(await store.nextDueAt([team])).toBeUndefined();
      await createScheduled(team, at(-5));
      await createScheduled(team, at(45));
      await store.claimDueDeliveries([team], T0, 10, LEASE_MS);
      expect(await store.nextDueAt([team])).toEqual(at(45));
    });
  });

  describe('claimDueDeliveries', () => {
    it('claims only the due deliveries of the given teams', async () => {
      const team = freshTeam('claim');
      const other = freshTeam('claim-other');
      const due = await createScheduled(team, at(-1), ['sito', 'mastodon']);
      const later = await createScheduled(team, at(1));
      const othersDue = await createScheduled(other, at(-1));
      await store.createPost(proposal(team));

      const claims = await store.claimDueDeliveries([team], T0, 10, LEASE_MS);
      expect(claims.map((c) => c.delivery.id).sort()).toEqual(due.deliveries.map((d) => d.id).sort());
      expect((await store.getPostById(later.post.id))?.deliveries[0]?.state).toBe('scheduled');
      expect((await store.getPostById(othersDue.post.id))?.deliveries[0]?.state).toBe('scheduled');
    });

    it('counts the attempt and holds the delivery for the lease', async () => {
      const team = freshTeam('claim-lease');
      const scheduled = await createScheduled(team, at(-1));
      const [claim] = await store.claimDueDeliveries([team], T0, 10, LEASE_MS);
      const claimed = must(claim, 'one claim');
      expect(claimed.delivery).toMatchObject({
        id: scheduled.deliveries[0]?.id,
        state: 'publishing',
        attempts: 1,
        claimedUntil: new Date(T0.getTime() + LEASE_MS),
      });
      const stored = must(await store.getPostById(scheduled.post.id), 'the stored post');
      expect(stored.deliveries[0]).toEqual(claimed.delivery);
    });

    it('moves the post to publishing', async () => {
      const team = freshTeam('claim-post');
      const scheduled = await createScheduled(team, at(-1), ['sito', 'mastodon']);
      const claims = await store.claimDueDeliveries([team], T0, 1, LEASE_MS);
      expect(claims).toHaveLength(1);
      expect(claims[0]?.post).toMatchObject({
        id: scheduled.post.id,
        number: scheduled.post.number,
        state: 'publishing',
      });
      expect((await store.getPostById(scheduled.post.id))?.post.state).toBe('publishing');
    });

    it('claims at most limit deliveries', async () => {
      const team = freshTeam('claim-limit');
      await createScheduled(team, at(-3), ['sito', 'mastodon', 'bluesky']);
      expect(await store.claimDueDeliveries([team], T0, 2, LEASE_MS)).toHaveLength(2);
      expect(await store.claimDueDeliveries([team], T0, 2, LEASE_MS)).toHaveLength(1);
    });

    it('does not hand a claimed delivery to the next claim', async () => {
      const team = freshTeam('claim-twice');
      await createScheduled(team, at(-1));
      expect(await store.claimDueDeliveries([team], T0, 10, LEASE_MS)).toHaveLength(1);
      expect(await store.claimDueDeliveries([team], T0, 10, LEASE_MS)).toEqual([]);
      expect(await store.claimDueDeliveries([team], at(0.5), 10, LEASE_MS)).toEqual([]);
    });

    it('never gives one delivery to two concurrent claimers', async () => {
      const team = freshTeam('claim-race');
      const seeded: string[] = [];
      for (let i = 0; i < 10; i++) {
        const post = await createScheduled(team, at(-1 - (i % 3)), ['sito', 'mastodon', 'bluesky']);
        seeded.push(...post.deliveries.map((d) => d.id));
      }
      expect(seeded).toHaveLength(30);

      async function claimUntilNoneDue(claimer: Store): Promise<string[]> {
        const ids: string[] = [];
        for (;;) {
          const claims = await claimer.claimDueDeliveries([team], T0, 3, LEASE_MS);
          if (claims.length === 0) return ids;
          ids.push(...claims.map((c) => c.delivery.id));
        }
      }
      const [mine, theirs] = await Promise.all([claimUntilNoneDue(store), claimUntilNoneDue(rivalStore)]);
      const all = [...mine, ...theirs];
      expect(all).toHaveLength(30);
      expect(new Set(all).size).toBe(30);
      expect([...all].sort()).toEqual([...seeded].sort());
    });
  });

  describe('claimAbandonedDeliveries', () => {
    it('reclaims only publishing deliveries whose lease has passed, without counting an attempt', async () => {
      const team = freshTeam('abandoned');
      const other = freshTeam('abandoned-other');
      const early = await createPublishing(team, ['sito'], T0);
      const recent = await createPublishing(team, ['sito'], at(0.5));
      const notDue = await createScheduled(team, at(10));
      await createPublishing(other, ['sito'], T0);

      const now = at(1.25);
      const claims = await store.claimAbandonedDeliveries([team], now, 10, LEASE_MS);
      expect(claims.map((c) => c.delivery.id)).toEqual([early.deliveries[0]?.id]);
      expect(claims[0]?.delivery).toMatchObject({
        state: 'publishing',
        attempts: 1,
        claimedUntil: new Date(now.getTime() + LEASE_MS),
      });
      expect(claims[0]?.post.id).toBe(early.post.id);
      expect((await store.getPostById(early.post.id))?.deliveries[0]).toEqual(claims[0]?.delivery);
      expect((await store.getPostById(recent.post.id))?.deliveries).toEqual(recent.deliveries);
      expect((await store.getPostById(notDue.post.id))?.deliveries).toEqual(notDue.deliveries);
    });

    it('does not reclaim a delivery whose new lease still holds', async () => {
      const team = freshTeam('abandoned-twice');
      await createPublishing(team, ['sito'], T0);
      expect(await store.claimAbandonedDeliveries([team], at(2), 10, LEASE_MS)).toHaveLength(1);
      expect(await store.claimAbandonedDeliveries([team], at(2), 10, LEASE_MS)).toEqual([]);
    });

    it('gives the takeover a new claim token and every claim its own', async () => {
      const team = freshTeam('abandoned-token');
      const publishing = await createPublishing(team, ['sito', 'mastodon'], T0);
      const first = publishing.claims.map((c) => c.claimToken);
      expect(first.every((token) => /^[0-9a-f]{32}$/.test(token))).toBe(true);
      expect(new Set(first).size).toBe(2);
      const takeover = await rivalStore.claimAbandonedDeliveries([team], at(2), 10, LEASE_MS);
      const second = takeover.map((c) => c.claimToken);
      expect(second).toHaveLength(2);
      expect(new Set([...first, ...second]).size).toBe(4);
    });

    it('never gives one abandoned delivery to two concurrent claimers', async () => {
      const team = freshTeam('abandoned-race');
      const post = await createPublishing(team, ['sito', 'mastodon', 'bluesky', 'x-comune'], T0);
      const [mine, theirs] = await Promise.all([
        store.claimAbandonedDeliveries([team], at(5), 10, LEASE_MS),
        rivalStore.claimAbandonedDeliveries([team], at(5), 10, LEASE_MS),
      ]);
      const all = [...mine, ...theirs].map((c) => c.delivery.id);
      expect(new Set(all).size).toBe(all.length);
      expect(all.sort()).toEqual(post.deliveries.map((d) => d.id).sort());
    });
  });

  describe('completeDelivery', () => {
    it('records a publication and derives the post published', async () => {
      const team = freshTeam('complete-published');
      const publishing = await createPublishing(team, ['sito']);
      const delivery = deliveryFor(publishing, 'sito');
      const after = must(
        await store.completeDelivery(
          delivery.id,
          tokenFor(publishing, delivery.targetId),
          { kind: 'published', remoteId: '110987', url: 'https://comune.example/notizie/110987' },
          at(1),
        ),
        'the post after completion',
      );
      expect(after.deliveries[0]).toEqual({
        ...delivery,
        state: 'published',
        claimedUntil: undefined,
        nextAttemptAt: undefined,
        remoteId: '110987',
        publicUrl: 'https://comune.example/notizie/110987',
        publishedAt: at(1),
        lastError: undefined,
      });
      expect(after.post.state).toBe('published');
      expect(after.post.updatedAt).toEqual(at(1));
      expect(await store.getPostById(publishing.post.id)).toEqual(after);
    });

    it('schedules a retry and keeps the post publishing', async () => {
      const team = freshTeam('complete-retry');
      const publishing = await createPublishing(team, ['sito', 'mastodon']);
      await store.completeDelivery(
        deliveryFor(publishing, 'sito').id,
        tokenFor(publishing, 'sito'),
        { kind: 'published', remoteId: 's-1', url: 'https://comune.example/s-1' },
        at(1),
      );
      const mastodon = deliveryFor(publishing, 'mastodon');
      const after = must(
        await store.completeDelivery(
          mastodon.id,
          tokenFor(publishing, 'mastodon'),
          { kind: 'retry', at: at(6), code: 'unavailable', error: 'HTTP 503' },
          at(1),
        ),
        'the post after the retry',
      );
      expect(deliveryFor(after, 'mastodon')).toEqual({
        ...mastodon,
        state: 'scheduled',
        nextAttemptAt: at(6),
        claimedUntil: undefined,
        lastError: 'HTTP 503',
        lastErrorCode: 'unavailable',
      });
      expect(after.post.state).toBe('publishing');
      expect(await store.nextDueAt([team])).toEqual(at(6));
      expect(await store.claimDueDeliveries([team], at(5), 10, LEASE_MS)).toEqual([]);

      const [retried] = await store.claimDueDeliveries([team], at(6), 10, LEASE_MS);
      expect(retried?.delivery).toMatchObject({ id: mastodon.id, state: 'publishing', attempts: 2 });
      const done = must(
        await store.completeDelivery(
          mastodon.id,
          must(retried, 'the second claim').claimToken,
          { kind: 'published', remoteId: 'm-1', url: 'https://social.example/@comune/m-1' },
          at(7),
        ),
        'the post after the second attempt',
      );
      expect(deliveryFor(done, 'mastodon')).toMatchObject({
        state: 'published',
        attempts: 2,
        lastError: undefined,
      });
      expect(done.post.state).toBe('published');
    });

    it('records a permanent failure and derives the post failed', async () => {
      const team = freshTeam('complete-failed');
      const publishing = await createPublishing(team, ['bluesky']);
      const delivery = deliveryFor(publishing, 'bluesky');
      const after = must(
        await store.completeDelivery(
          delivery.id,
          tokenFor(publishing, delivery.targetId),
          { kind: 'failed', code: 'content_refused', error: 'text over 300 graphemes' },
          at(1),
        ),
        'the post after the failure',
      );
      expect(after.deliveries[0]).toEqual({
        ...delivery,
        state: 'failed',
        claimedUntil: undefined,
        nextAttemptAt: undefined,
        lastError: 'text over 300 graphemes',
        lastErrorCode: 'content_refused',
      });
      expect(after.post.state).toBe('failed');
    });

    it('derives the post partially failed when some targets fail', async () => {
      const team = freshTeam('complete-partial');
      const publishing = await createPublishing(team, ['sito', 'bluesky']);
      await store.completeDelivery(
        deliveryFor(publishing, 'sito').id,
        tokenFor(publishing, 'sito'),
        { kind: 'published', remoteId: 's-2', url: 'https://comune.example/s-2' },
        at(1),
      );
      const after = must(
        await store.completeDelivery(
          deliveryFor(publishing, 'bluesky').id,
          tokenFor(publishing, 'bluesky'),
          { kind: 'failed', code: 'content_refused', error: 'banned' },
          at(2),
        ),
        'the post after both completions',
      );
      expect(after.post.state).toBe('partially_failed');
    });

    it('keeps the post publishing until every delivery has ended', async () => {
      const team = freshTeam('complete-pending');
      const publishing = await createPublishing(team, ['sito', 'mastodon']);
      const after = must(
        await store.completeDelivery(
          deliveryFor(publishing, 'sito').id,
          tokenFor(publishing, 'sito'),
          { kind: 'published', remoteId: 's-3', url: 'https://comune.example/s-3' },
          at(1),
        ),
        'the post after one completion',
      );
      expect(after.post.state).toBe('publishing');
      expect(deliveryFor(after, 'mastodon').state).toBe('publishing');
    });

    it('records an unknown outcome for a person to check', async () => {
      const team = freshTeam('complete-unknown');
      const publishing = await createPublishing(team, ['x-comune']);
      const delivery = deliveryFor(publishing, 'x-comune');
      const after = must(
        await store.completeDelivery(
          delivery.id,
          tokenFor(publishing, delivery.targetId),
          { kind: 'unknown', code: 'unknown', error: 'interrupted while publishing' },
          at(1),
        ),
        'the post after the unknown outcome',
      );
      expect(after.deliveries[0]).toEqual({
        ...delivery,
        state: 'unknown',
        claimedUntil: undefined,
        nextAttemptAt: undefined,
        lastError: 'interrupted while publishing',
        lastErrorCode: 'unknown',
      });
      expect(after.post.state).not.toBe('publishing');
      expect(after.post.state).not.toBe('published');
    });

    it('returns undefined and changes nothing when the claim was lost', async () => {
      const team = freshTeam('complete-lost');
      const publishing = await createPublishing(team, ['sito']);
      const id = deliveryFor(publishing, 'sito').id;
      await store.completeDelivery(
        id,
        tokenFor(publishing, 'sito'),
        { kind: 'published', remoteId: 's-4', url: 'https://comune.example/s-4' },
        at(1),
      );
      const before = await store.getPostById(publishing.post.id);
      expect(
        await store.completeDelivery(
          id,
          tokenFor(publishing, 'sito'),
          { kind: 'failed', code: 'content_refused', error: 'late worker' },
          at(2),
        ),
      ).toBeUndefined();
      expect(await store.getPostById(publishing.post.id)).toEqual(before);
    });

    it('returns undefined for a delivery that was never claimed', async () => {
      const team = freshTeam('complete-unclaimed');
      const scheduled = await createScheduled(team, at(10));
      const id = deliveryFor(scheduled, 'sito').id;
      expect(
        await store.completeDelivery(
          id,
          'not-a-claim-token',
          { kind: 'published', remoteId: 'x', url: 'https://comune.example/x' },
          at(1),
        ),
      ).toBeUndefined();
      expect(await store.getPostById(scheduled.post.id)).toEqual(scheduled);
    });

    it('refuses a stale claim token after another claim took over, and keeps the winner’s outcome', async () => {
      const team = freshTeam('complete-stale');
      // Worker A claims at T0 and stalls past its lease; worker B takes the delivery over.
      const publishing = await createPublishing(team, ['mastodon'], T0);
      const id = deliveryFor(publishing, 'mastodon').id;
      const stale = tokenFor(publishing, 'mastodon');
      const [takeover] = await rivalStore.claimAbandonedDeliveries([team], at(2), 10, LEASE_MS);
      const current = must(takeover, 'the takeover').claimToken;
      const taken = must(await store.getPostById(publishing.post.id), 'the post after the takeover');

      // A's late answer, while B still holds the claim: refused, whatever it says.
      for (const completion of [
        { kind: 'published', remoteId: 'a-1', url: 'https://social.example/@comune/a-1' },
        { kind: 'retry', at: at(10), code: 'unavailable', error: 'HTTP 503' },
        { kind: 'failed', code: 'content_refused', error: 'late worker' },
        { kind: 'unknown', code: 'unknown', error: 'interrupted while publishing' },
      ] as const) {
        expect(await store.completeDelivery(id, stale, completion, at(2.5))).toBeUndefined();
      }
      expect(await store.getPostById(publishing.post.id)).toEqual(taken);

      // B's own token completes.
      const after = must(
        await rivalStore.completeDelivery(
          id,
          current,
          { kind: 'published', remoteId: 'b-1', url: 'https://social.example/@comune/b-1' },
          at(3),
        ),
        'the post after the winner’s completion',
      );
      expect(deliveryFor(after, 'mastodon')).toMatchObject({ state: 'published', remoteId: 'b-1' });
      expect(after.post.state).toBe('published');

      // A's answer after B's end is refused too, and so is B's own token once spent.
      expect(
        await store.completeDelivery(
          id,
          stale,
          { kind: 'failed', code: 'content_refused', error: 'late' },
          at(4),
        ),
      ).toBeUndefined();
      expect(
        await rivalStore.completeDelivery(
          id,
          current,
          { kind: 'failed', code: 'content_refused', error: 'twice' },
          at(4),
        ),
      ).toBeUndefined();
      expect(await store.getPostById(publishing.post.id)).toEqual(after);
    });

    it('refuses a token of an earlier attempt once the delivery is claimed for a retry', async () => {
      const team = freshTeam('complete-earlier');
      const publishing = await createPublishing(team, ['mastodon'], T0);
      const id = deliveryFor(publishing, 'mastodon').id;
      const first = tokenFor(publishing, 'mastodon');
      await store.completeDelivery(
        id,
        first,
        { kind: 'retry', at: at(1), code: 'unavailable', error: 'HTTP 503' },
        at(0.5),
      );
      const [retried] = await store.claimDueDeliveries([team], at(1), 10, LEASE_MS);
      const second = must(retried, 'the retry claim').claimToken;
      expect(second).not.toBe(first);
      expect(
        await store.completeDelivery(
          id,
          first,
          { kind: 'failed', code: 'content_refused', error: 'stale' },
          at(1.5),
        ),
      ).toBeUndefined();
      expect(
        deliveryFor(must(await store.getPostById(publishing.post.id), 'the post'), 'mastodon').state,
      ).toBe('publishing');
      const done = must(
        await store.completeDelivery(
          id,
          second,
          { kind: 'published', remoteId: 'm-9', url: 'https://s/m-9' },
          at(2),
        ),
        'the post after the retry',
      );
      expect(deliveryFor(done, 'mastodon')).toMatchObject({
        state: 'published',
        attempts: 2,
        remoteId: 'm-9',
      });
    });

    // Workers publish the deliveries of a batch concurrently (core/publishing.ts),
    // so the last two deliveries of a post can end at the same instant.
    it('derives the post from every delivery when two end at once', async () => {
      const team = freshTeam('complete-race');
      const publishing = await createPublishing(team, ['sito', 'mastodon']);
      const [first, second] = await raceBehindLock(
        (c) => c`select id from posts where id = ${publishing.post.id} for update`,
        () =>
          Promise.all([
            store.completeDelivery(
              deliveryFor(publishing, 'sito').id,
              tokenFor(publishing, 'sito'),
              { kind: 'published', remoteId: 's-5', url: 'https://comune.example/s-5' },
              at(1),
            ),
            rivalStore.completeDelivery(
              deliveryFor(publishing, 'mastodon').id,
              tokenFor(publishing, 'mastodon'),
              { kind: 'published', remoteId: 'm-5', url: 'https://social.example/@comune/m-5' },
              at(1),
            ),
          ]),
      );
      expect(first).toBeDefined();
      expect(second).toBeDefined();
      const after = must(await store.getPostById(publishing.post.id), 'the post after both completions');
      expect(after.deliveries.map((d) => d.state)).toEqual(['published', 'published']);
      expect(after.post.state).toBe('published');
    });
  });

  describe('unschedulePost', () => {
    it('takes a scheduled post and its deliveries back to pending', async () => {
      const team = freshTeam('unschedule');
      const scheduled = await createScheduled(team, at(30), ['sito', 'mastodon']);
      const post = must(
        await store.unschedulePost(scheduled.post.id, ['approved', 'scheduled'], 'pending', at(3)),
        'the unscheduled post',
      );
      expect(post).toMatchObject({ state: 'pending', updatedAt: at(3) });
      const stored = must(await store.getPostById(scheduled.post.id), 'the stored post');
      expect(stored.deliveries.map((d) => [d.state, d.nextAttemptAt])).toEqual([
        ['pending', undefined],
        ['pending', undefined],
      ]);
      expect(await store.nextDueAt([team])).toBeUndefined();
      expect(await store.claimDueDeliveries([team], at(60), 10, LEASE_MS)).toEqual([]);
    });

    it('refuses a post in none of the given states', async () => {
      const team = freshTeam('unschedule-state');
      const scheduled = await createScheduled(team, at(30));
      expect(await store.unschedulePost(scheduled.post.id, ['approved'], 'pending', at(3))).toBeUndefined();
      expect(await store.getPostById(scheduled.post.id)).toEqual(scheduled);
    });

    it('refuses once a delivery is publishing', async () => {
      const team = freshTeam('unschedule-publishing');
      const scheduled = await createScheduled(team, at(-1), ['sito', 'mastodon']);
      await store.claimDueDeliveries([team], T0, 1, LEASE_MS);
      const before = await store.getPostById(scheduled.post.id);
      expect(
        await store.unschedulePost(
          scheduled.post.id,
          ['approved', 'scheduled', 'publishing'],
          'pending',
          at(1),
        ),
      ).toBeUndefined();
      expect(await store.getPostById(scheduled.post.id)).toEqual(before);
    });

    it('refuses once a delivery is published', async () => {
      const team = freshTeam('unschedule-published');
      const publishing = await createPublishing(team, ['sito', 'mastodon']);
      await store.completeDelivery(
        deliveryFor(publishing, 'sito').id,
        tokenFor(publishing, 'sito'),
        { kind: 'published', remoteId: 's-6', url: 'https://comune.example/s-6' },
        at(1),
      );
      await store.completeDelivery(
        deliveryFor(publishing, 'mastodon').id,
        tokenFor(publishing, 'mastodon'),
        { kind: 'retry', at: at(30), code: 'unavailable', error: 'HTTP 502' },
        at(1),
      );
      const before = await store.getPostById(publishing.post.id);
      expect(
        await store.unschedulePost(
          publishing.post.id,
          ['approved', 'scheduled', 'publishing'],
          'pending',
          at(2),
        ),
      ).toBeUndefined();
      expect(await store.getPostById(publishing.post.id)).toEqual(before);
    });
  });

  describe('closePost', () => {
    it('rejects an undecided post and cancels its deliveries', async () => {
      const team = freshTeam('close-pending');
      const { post } = await store.createPost(proposal(team, { targetIds: ['sito', 'mastodon'] }));
      const closed = must(
        await store.closePost(post.post.id, ['pending', 'changes_requested'], 'rejected', at(4)),
        'the rejected post',
      );
      expect(closed).toMatchObject({ state: 'rejected', updatedAt: at(4) });
      const stored = must(await store.getPostById(post.post.id), 'the stored post');
      expect(stored.deliveries.map((d) => d.state)).toEqual(['cancelled', 'cancelled']);
    });

    it('cancels a scheduled post so nothing becomes due', async () => {
      const team = freshTeam('close-scheduled');
      const scheduled = await createScheduled(team, at(30), ['sito', 'mastodon']);
      expect(
        await store.closePost(scheduled.post.id, ['approved', 'scheduled'], 'cancelled', at(4)),
      ).toMatchObject({
        state: 'cancelled',
      });
      const stored = must(await store.getPostById(scheduled.post.id), 'the stored post');
      expect(stored.deliveries.map((d) => [d.state, d.nextAttemptAt])).toEqual([
        ['cancelled', undefined],
        ['cancelled', undefined],
      ]);
      expect(await store.nextDueAt([team])).toBeUndefined();
      expect(await store.claimDueDeliveries([team], at(60), 10, LEASE_MS)).toEqual([]);
    });

    it('refuses a post in none of the given states', async () => {
      const team = freshTeam('close-state');
      const { post } = await store.createPost(proposal(team));
      expect(
        await store.closePost(post.post.id, ['approved', 'scheduled'], 'cancelled', at(1)),
      ).toBeUndefined();
      expect(await store.getPostById(post.post.id)).toEqual(post);
    });

    it('refuses once a delivery is publishing', async () => {
      const team = freshTeam('close-publishing');
      const scheduled = await createScheduled(team, at(-1), ['sito', 'mastodon']);
      await store.claimDueDeliveries([team], T0, 1, LEASE_MS);
      const before = await store.getPostById(scheduled.post.id);
      expect(
        await store.closePost(scheduled.post.id, ['approved', 'scheduled', 'publishing'], 'cancelled', at(1)),
      ).toBeUndefined();
      expect(await store.getPostById(scheduled.post.id)).toEqual(before);
    });

    it('refuses once a delivery is published', async () => {
      const team = freshTeam('close-published');
      const publishing = await createPublishing(team, ['sito', 'mastodon']);
      await store.completeDelivery(
        deliveryFor(publishing, 'sito').id,
        tokenFor(publishing, 'sito'),
        { kind: 'published', remoteId: 's-7', url: 'https://comune.example/s-7' },
        at(1),
      );
      await store.completeDelivery(
        deliveryFor(publishing, 'mastodon').id,
        tokenFor(publishing, 'mastodon'),
        { kind: 'retry', at: at(30), code: 'unavailable', error: 'HTTP 502' },
        at(1),
      );
      const before = await store.getPostById(publishing.post.id);
      expect(
        await store.closePost(
          publishing.post.id,
          ['approved', 'scheduled', 'publishing'],
          'cancelled',
          at(2),
        ),
      ).toBeUndefined();
      expect(await store.getPostById(publishing.post.id)).toEqual(before);
    });

    it('never lets a cancellation and a claim both win', async () => {
      const team = freshTeam('close-race');
      const scheduled = await createScheduled(team, at(-1), ['sito', 'mastodon']);
      const [closed, claims] = await Promise.all([
        store.closePost(scheduled.post.id, ['scheduled'], 'cancelled', T0),
        rivalStore.claimDueDeliveries([team], T0, 10, LEASE_MS),
      ]);
      const stored = must(await store.getPostById(scheduled.post.id), 'the stored post');
      if (closed) {
        expect(claims).toEqual([]);
        expect(stored.post.state).toBe('cancelled');
        expect(stored.deliveries.every((d) => d.state === 'cancelled')).toBe(true);
      } else {
        expect(claims.length).toBeGreaterThan(0);
        expect(stored.post.state).toBe('publishing');
      }
    });
  });

  describe('oweDigest', () => {
    it('owes a team’s digest of a day once, whichever process asks', async () => {
      const team = freshTeam('digest');
      expect(await store.oweDigest(team, '2026-11-23', T0)).toBe(true);
      expect(await rivalStore.oweDigest(team, '2026-11-23', at(1))).toBe(false);
      expect(await store.oweDigest(team, '2026-11-23', at(60))).toBe(false);
      expect(await store.oweDigest(team, '2026-11-24', at(60))).toBe(true);
      expect(await store.oweDigest(freshTeam('digest-other'), '2026-11-23', at(1))).toBe(true);
    });
  });

  describe('overview followers', () => {
    it('records who follows which team once, and lists each follower with every team they follow', async () => {
      const at = new Date('2026-11-23T08:00:00Z');
      await store.followOverview(['comunicazione', 'protezione-civile'], 'U0ANNA', at);
      await store.followOverview(['comunicazione'], 'U0MARCO', at);
      // Opening it again changes nothing but the time.
      await store.followOverview(['comunicazione'], 'U0MARCO', new Date('2026-11-24T08:00:00Z'));
      await store.followOverview([], 'U0NESSUNO', at);
      expect(await store.listOverviewAudience('comunicazione')).toEqual([
        { viewer: 'U0ANNA', teamIds: ['comunicazione', 'protezione-civile'] },
        { viewer: 'U0MARCO', teamIds: ['comunicazione'] },
      ]);
      expect(await store.listOverviewAudience('protezione-civile')).toEqual([
        { viewer: 'U0ANNA', teamIds: ['comunicazione', 'protezione-civile'] },
      ]);
      expect(await store.listOverviewAudience('ufficio-stampa')).toEqual([]);
      expect(await store.listFollowedTeams('U0ANNA', ['protezione-civile', 'ufficio-stampa'])).toEqual([
        'protezione-civile',
      ]);
      expect(await store.listFollowedTeams('U0NESSUNO', ['comunicazione'])).toEqual([]);
    });
  });

  describe('listLatestPublished', () => {
    let feedCount = 0;
    /** a target id no other test publishes to: the feed query spans every team */
    function freshFeed(): string {
      feedCount += 1;
      return `feed-${feedCount}`;
    }

    /** a post of `team` published to `targetId` (and nothing else) at `when` */
    async function publishedAt(team: string, targetId: string, when: Date, text: string) {
      const publishing = await createPublishing(team, [targetId], when);
      const delivery = deliveryFor(publishing, targetId);
      return must(
        await store.completeDelivery(
          delivery.id,
          tokenFor(publishing, targetId),
          {
            kind: 'published',
            remoteId: `urn:araldo:delivery:${delivery.id}`,
            url: `https://x.example/${text}`,
          },
          when,
        ),
        'the published post',
      );
    }

    it('lists a target’s published deliveries with their posts, newest first, at most `limit`', async () => {
      const team = freshTeam('feed-newest');
      const feed = freshFeed();
      const published = [];
      for (const [minutes, text] of [
        [1, 'uno'],
        [3, 'tre'],
        [2, 'due'],
      ] as const) {
        published.push(await publishedAt(team, feed, at(minutes), text));
      }
      const [uno, tre, due] = published;

      const all = await store.listLatestPublished(feed, 10);
      expect(all.map((row) => row.post.text)).toEqual([tre, due, uno].map((p) => p?.post.text));
      expect(all.map((row) => row.post.id)).toEqual([tre, due, uno].map((p) => p?.post.id));
      expect(all[0]).toEqual({ delivery: tre?.deliveries[0], post: tre?.post });
      expect(all[0]?.delivery).toMatchObject({
        state: 'published',
        publishedAt: at(3),
        publicUrl: 'https://x.example/tre',
      });

      const two = await store.listLatestPublished(feed, 2);
      expect(two.map((row) => row.delivery.publishedAt)).toEqual([at(3), at(2)]);
    });

    it('leaves out other targets and deliveries not published', async () => {
      const team = freshTeam('feed-only-published');
      const feed = freshFeed();
      const other = freshFeed();
      const kept = await publishedAt(team, feed, at(1), 'kept');
      await publishedAt(team, other, at(2), 'other-target');
      await createScheduled(team, at(60), [feed]);
      const stillPublishing = await createPublishing(team, [feed], at(3));
      const failing = await createPublishing(team, [feed], at(4));
      await store.completeDelivery(
        deliveryFor(failing, feed).id,
        tokenFor(failing, feed),
        { kind: 'failed', code: 'content_refused', error: 'refused' },
        at(4),
      );

      const rows = await store.listLatestPublished(feed, 10);
      expect(rows.map((row) => row.delivery.id)).toEqual([deliveryFor(kept, feed).id]);
      expect(rows.map((row) => row.delivery.id)).not.toContain(deliveryFor(stillPublishing, feed).id);
      expect(await store.listLatestPublished(freshFeed(), 10)).toEqual([]);
    });

    it('orders deliveries published at the same instant by id, the same way every time', async () => {
      const team = freshTeam('feed-ties');
      const feed = freshFeed();
      const ids = [];
      for (const text of ['a', 'b', 'c'])
        ids.push(deliveryFor(await publishedAt(team, feed, at(5), text), feed).id);

      const expected = [...ids].sort().reverse();
      expect((await store.listLatestPublished(feed, 10)).map((row) => row.delivery.id)).toEqual(expected);
      expect((await store.listLatestPublished(feed, 2)).map((row) => row.delivery.id)).toEqual(
        expected.slice(0, 2),
      );
    });
  });

  describe('audit log', () => {
    it('appends events and lists a post’s trail oldest first', async () => {
      const team = freshTeam('audit');
      const { post } = await store.createPost(proposal(team));
      const { post: other } = await store.createPost(proposal(team));
      await store.appendAudit([
        {
          teamId: team,
          postId: post.post.id,
          at: at(1),
          actorId: 'U-alice',
          actorName: 'Alice',
          action: 'reacted',
          details: { emoji: 'white_check_mark' },
        },
      ]);
      await store.appendAudit([
        {
          teamId: team,
          postId: other.post.id,
          at: at(2),
          actorId: 'U-bruno',
          actorName: 'Bruno',
          action: 'commented',
          details: { text: 'altro post' },
        },
      ]);
      await store.appendAudit([
        {
          teamId: team,
          postId: undefined,
          at: at(2),
          actorId: 'araldo',
          actorName: 'Araldo',
          action: 'digest_sent',
          details: { day: '2026-11-21' },
        },
      ]);
      await store.appendAudit([
        {
          teamId: team,
          postId: post.post.id,
          at: at(3),
          actorId: 'U-giulia',
          actorName: 'Giulia',
          action: 'edited',
          details: { before: 'vecchio testo', after: 'nuovo testo', nested: { lines: [1, 2] } },
        },
      ]);

      const trail = await store.listAudit(post.post.id);
      expect(trail.map((e) => e.action)).toEqual(['proposed', 'reacted', 'edited']);
      expect(trail[1]).toEqual({
        id: expect.any(Number),
        teamId: team,
        postId: post.post.id,
        postNumber: 1,
        at: at(1),
        actorId: 'U-alice',
        actorName: 'Alice',
        action: 'reacted',
        details: { emoji: 'white_check_mark' },
      });
      expect(trail[2]?.details).toEqual({
        before: 'vecchio testo',
        after: 'nuovo testo',
        nested: { lines: [1, 2] },
      });
      const ids = trail.map((e) => e.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(ids).size).toBe(3);
      const otherTrail = await store.listAudit(other.post.id);
      expect(otherTrail.map((e) => [e.action, e.postNumber])).toEqual([
        ['proposed', 2],
        ['commented', 2],
      ]);
    });

    describe('append-only at the database', () => {
      async function seededTrail(): Promise<{ postId: string; before: unknown }> {
        const team = freshTeam('audit-immutable');
        const { post } = await store.createPost(proposal(team));
        await store.appendAudit([
          {
            teamId: team,
            postId: post.post.id,
            at: at(1),
            actorId: 'U-alice',
            actorName: 'Alice',
            action: 'approved',
            details: {},
          },
        ]);
        return { postId: post.post.id, before: await store.listAudit(post.post.id) };
      }

      it('refuses UPDATE of audit events', async () => {
        const { postId, before } = await seededTrail();
        const error = await rejection(
          database.handle.db.execute(
            sql`update audit_events set actor_name = 'qualcun altro' where post_id = ${postId}`,
          ),
        );
        expect(messagesOf(error)).toMatch(/audit_events is append-only: UPDATE refused/);
        expect(await store.listAudit(postId)).toEqual(before);
      });

      it('refuses DELETE of audit events', async () => {
        const { postId, before } = await seededTrail();
        const error = await rejection(database.handle.db.execute(sql`delete from audit_events`));
        expect(messagesOf(error)).toMatch(/audit_events is append-only: DELETE refused/);
        expect(await store.listAudit(postId)).toEqual(before);
      });

      it('refuses TRUNCATE of audit events', async () => {
        const { postId, before } = await seededTrail();
        const error = await rejection(database.handle.db.execute(sql`truncate audit_events`));
        expect(messagesOf(error)).toMatch(/audit_events is append-only: TRUNCATE refused/);
        expect(await store.listAudit(postId)).toEqual(before);
      });

      it('still accepts new events after a refused change', async () => {
        const { postId } = await seededTrail();
        await rejection(database.handle.db.execute(sql`delete from audit_events where post_id = ${postId}`));
        const post = must(await store.getPostById(postId), 'the post');
        await store.appendAudit([
          {
            teamId: post.post.teamId,
            postId,
            at: at(2),
            actorId: 'U-bruno',
            actorName: 'Bruno',
            action: 'approved',
            details: {},
          },
        ]);
        expect((await store.listAudit(postId)).map((e) => e.action)).toEqual([
          'proposed',
          'approved',
          'approved',
        ]);
      });
    });
  });
});
