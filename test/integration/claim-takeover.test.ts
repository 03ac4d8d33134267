import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { it as IT } from '../../src/core/i18n/it.ts';
import type { Publisher, PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import { DEFAULT_PUBLISHING_POLICY } from '../../src/core/publishing.ts';
import type { Target } from '../../src/core/target.ts';
import { type DatabaseHandle, openDatabase } from '../../src/store/database.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createDeskHarness } from '../support/desk-harness.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

// Issue 8, claim tokens: a worker whose lease passed while its publisher
// stalled may answer late, after another worker took the delivery over. Only
// the current claimant's outcome is recorded, announced and audited.

let database: TestDatabase;
/** on PostgreSQL a second connection pool, as a second process would have */
let secondHandle: DatabaseHandle | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
  if (testDriver === 'postgres') secondHandle = await openDatabase(database.location);
});
afterAll(async () => {
  await secondHandle?.close();
  await database.drop();
});

const MASTODON: Target = {
  id: 'comune-masto',
  network: 'mastodon',
  displayName: 'Mastodon del Comune',
  credentials: {},
};

/**
 * An idempotent publisher (Mastodon's Idempotency-Key) that holds each call
 * until the test answers it, ignoring its abort signal like a stalled
 * process would: `entered` resolves once the call has started.
 */
class HeldPublisher implements Publisher {
  readonly idempotent = true;
  readonly requests: PublishRequest[] = [];
  readonly entered: Promise<void>;
  #enter: () => void = () => {};
  #answer: (outcome: PublishOutcome) => void = () => {};
  readonly #answered: Promise<PublishOutcome>;

  constructor() {
    this.entered = new Promise((resolve) => {
      this.#enter = resolve;
    });
    this.#answered = new Promise((resolve) => {
      this.#answer = resolve;
    });
  }

  async publish(request: PublishRequest): Promise<PublishOutcome> {
    this.requests.push(request);
    this.#enter();
    return this.#answered;
  }

  /** lets the held call return `outcome` */
  answer(outcome: PublishOutcome): void {
    this.#answer(outcome);
  }
}

function published(remoteId: string): PublishOutcome {
  return { kind: 'published', remoteId, url: `https://social.example/@comune/${remoteId}` };
}

describe(`a delivery taken over from a stalled worker on ${testDriver}`, () => {
  it('keeps only the new claimant’s publication when the stalled worker answers late', async () => {
    const clock = new FakeClock('2026-11-21T10:00:00Z');
    const stalled = new HeldPublisher();
    const takingOver = new HeldPublisher();
    const a = createDeskHarness(database, {
      clock,
      targets: [MASTODON],
      publishers: { [MASTODON.id]: stalled },
    });
    // A second desk over the same database (its own pool on PostgreSQL): a replica.
    const b = createDeskHarness(database, {
      clock,
      targets: [MASTODON],
      team: { id: a.team.id },
      store: new DrizzleStore((secondHandle ?? database.handle).db),
      publishers: { [MASTODON.id]: takingOver },
    });
    await a.run('editor', `/propose to:${MASTODON.id} Domenica il mercato si sposta in piazza Garibaldi.`);
    await a.react('supervisor', 1, '✅');
    const before = await a.store.getPost(a.team.id, 1);
    const deliveryId = before?.deliveries[0]?.id;

    // A claims and its publisher stalls past the lease.
    const aRound = a.tick();
    await stalled.entered;
    clock.advance(DEFAULT_PUBLISHING_POLICY.leaseMs + 1_000);

    // B finds the claim expired, takes the delivery over and publishes it.
    const bRound = b.tick();
    await takingOver.entered;
    const aThreadBefore = a.chat.thread(1);

    // A's answer arrives while B holds the claim: refused, and only logged.
    stalled.answer(published('a-1'));
    await aRound;
    expect(a.chat.thread(1)).toEqual(aThreadBefore);
    expect(a.logger.lines).toContainEqual({
      level: 'warn',
      fields: { delivery: deliveryId, outcome: 'published' },
      message: 'claim lost before completion; another worker took over',
    });

    takingOver.answer(published('b-1'));
    await bRound;

    expect(stalled.requests).toHaveLength(1);
    expect(takingOver.requests).toHaveLength(1);
    const announcement = IT['publish.published']({
      target: MASTODON.displayName,
      url: 'https://social.example/@comune/b-1',
    });
    // B was late by its lease, so its announcement starts with a line saying so.
    const announced = [...a.chat.thread(1), ...b.chat.thread(1)].filter((text) =>
      text.includes('Pubblicata su'),
    );
    expect(announced).toHaveLength(1);
    expect(announced[0]?.split('\n').at(-1)).toBe(announcement);
    const after = await a.store.getPost(a.team.id, 1);
    expect(after?.post.state).toBe('published');
    expect(after?.deliveries[0]).toMatchObject({
      state: 'published',
      remoteId: 'b-1',
      publicUrl: 'https://social.example/@comune/b-1',
      claimedUntil: undefined,
    });
    const trail = await a.store.listAudit(after?.post.id ?? '');
    const publications = trail.filter((e) => e.action === 'published');
    expect(publications).toHaveLength(1);
    expect(publications[0]?.details).toMatchObject({ remoteId: 'b-1' });
    expect(trail.filter((e) => e.action.startsWith('publish_') && e.action !== 'publish_attempt')).toEqual(
      [],
    );
  });
});
