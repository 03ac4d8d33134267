import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/app-error.ts';
import type { PostWithDeliveries } from '../../src/core/ports.ts';
import { lockDataDir } from '../../src/store/data-dir-lock.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import { type ChildExit, type ChildNode, spawnTsx } from '../support/child-node.ts';
import type { ClaimerReport } from '../support/delivery-claimer.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

const CLAIMER = 'test/support/delivery-claimer.ts';
const T0 = new Date('2026-11-21T10:00:00.000Z');
const TEAM = 'comune-di-esempio';
const OTHER_TEAM = 'provincia-di-esempio';
const POSTS = 25;
const TARGETS = ['sito', 'mastodon'] as const;

function lastLine(exit: ChildExit): string {
  return exit.stdout.trim().split('\n').at(-1) ?? '';
}

// Several Araldo processes may share one PostgreSQL database (SPEC §5): two
// real processes, each with its own connection pool and a few concurrent
// claim loops, race for the same due deliveries.
describe.runIf(testDriver === 'postgres')('two processes racing for due deliveries on PostgreSQL', () => {
  let database: TestDatabase;
  let store: DrizzleStore;
  const seeded: PostWithDeliveries[] = [];
  let otherTeams: PostWithDeliveries;
  let reports: ClaimerReport[];

  async function seedDue(teamId: string, number: number): Promise<PostWithDeliveries> {
    const { post } = await store.createPost({
      teamId,
      author: { id: 'U-giulia', name: 'Giulia' },
      text: `Avviso ${number}: variazioni al servizio di raccolta rifiuti.`,
      images: [],
      urgent: false,
      requestedAt: undefined,
      approvalsRequired: 1,
      targetIds: [...TARGETS],
      dedupeKey: undefined,
      createdAt: T0,
    });
    await store.transitionPost(post.post.id, ['pending'], 'approved', T0);
    // Due at different instants in the past, so claim order is not insertion order.
    const dueAt = new Date(T0.getTime() - ((number * 7) % 11) * 60_000 - 1_000);
    await store.schedulePost(
      post.post.id,
      ['approved'],
      'scheduled',
      new Map(TARGETS.map((target) => [target, dueAt])),
      T0,
    );
    const scheduled = await store.getPostById(post.post.id);
    if (!scheduled) throw new Error('seeded post vanished');
    return scheduled;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    store = new DrizzleStore(database.handle.db);
    for (let i = 1; i <= POSTS; i++) seeded.push(await seedDue(TEAM, i));
    otherTeams = await seedDue(OTHER_TEAM, 1);

    const { url } = database.location as { url: string };
    const claimers: ChildNode[] = [0, 1].map(() =>
      spawnTsx(CLAIMER, [url, TEAM, T0.toISOString(), '3', '2']),
    );
    try {
      // Both connect first; then both are let go together, so their claims overlap.
      await Promise.all(claimers.map((c) => c.waitForLine((line) => line === 'ready')));
      for (const claimer of claimers) claimer.send('go');
      const exits = await Promise.all(claimers.map((c) => c.exited));
      for (const exit of exits) {
        if (exit.code !== 0) throw new Error(`a claimer failed (code ${exit.code}):\n${exit.stderr}`);
      }
      reports = exits.map((exit) => JSON.parse(lastLine(exit)) as ClaimerReport);
    } finally {
      for (const claimer of claimers) {
        if (claimer.process.exitCode === null && claimer.process.signalCode === null)
          claimer.process.kill('SIGKILL');
      }
      await Promise.all(claimers.map((c) => c.exited));
    }
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('seeds one due delivery per post and target', () => {
    expect(seeded.flatMap((p) => p.deliveries)).toHaveLength(POSTS * TARGETS.length);
    expect(seeded.every((p) => p.deliveries.every((d) => d.state === 'scheduled'))).toBe(true);
  });

  it('claims every due delivery in exactly one process', () => {
    const claimed = reports.flatMap((r) => r.claimed);
    const due = seeded.flatMap((p) => p.deliveries.map((d) => d.id));
    expect(claimed).toHaveLength(due.length);
    expect(new Set(claimed).size).toBe(due.length);
    expect([...claimed].sort()).toEqual([...due].sort());
  });

  it('loses no claim to the other process', () => {
    expect(reports.map((r) => r.lost)).toEqual([[], []]);
  });

  it('publishes every delivery once, as recorded by the process that claimed it', async () => {
    const claimedBy = new Map(reports.flatMap((r) => r.claimed.map((id) => [id, r.pid] as const)));
    for (const { post } of seeded) {
      const after = await store.getPostById(post.id);
      for (const delivery of after?.deliveries ?? []) {
        expect(delivery).toMatchObject({ state: 'published', attempts: 1, claimedUntil: undefined });
        expect(delivery.remoteId).toBe(`${claimedBy.get(delivery.id)}:${delivery.id}`);
      }
      expect(after?.deliveries).toHaveLength(TARGETS.length);
    }
  });

  it('derives every post published', async () => {
    const states = await Promise.all(
      seeded.map(async ({ post }) => (await store.getPostById(post.id))?.post.state),
    );
    expect(states).toEqual(seeded.map(() => 'published'));
  });

  it('leaves the due deliveries of teams it does not serve alone', async () => {
    expect(await store.getPostById(otherTeams.post.id)).toEqual(otherTeams);
    expect(await store.nextDueAt([TEAM])).toBeUndefined();
  });
});

// PGlite serves one process: instead of racing, a second process is refused
// the data directory (SPEC §5; multi-process needs DATABASE_URL).
describe.runIf(testDriver === 'pglite')('two processes on one embedded data directory', () => {
  it('refuses the second process while the first holds the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'araldo-race-'));
    const holder = spawnTsx('test/support/data-dir-lock-holder.ts', [dir]);
    try {
      await holder.waitForLine((line) => line === `locked ${holder.pid}`);
      let refused: unknown;
      try {
        lockDataDir(dir).release();
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(AppError);
      expect(refused).toMatchObject({ code: 'data_dir_locked' });
      expect((refused as AppError).message).toContain(`pid ${holder.pid}`);
      expect((refused as AppError).message).toContain('DATABASE_URL');
    } finally {
      holder.process.kill('SIGKILL');
      await holder.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
