import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk, type Desk } from '../../src/core/desk.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import type { Publisher, PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import { DEFAULT_PUBLISHING_POLICY } from '../../src/core/publishing.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import { rulesOf } from '../../src/publish/registry.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { InMemoryChat } from '../fakes/in-memory-chat.ts';
import { InMemoryPublisher } from '../fakes/in-memory-publisher.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

// SPEC §6, nothing doubled: when it is unknowable whether a network got a
// post (a timeout after the request left, a crash, a publisher that threw),
// Araldo asks in the thread instead of sending again, unless the network
// drops duplicates (Mastodon's Idempotency-Key), in which case it retries.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

const TARGETS: readonly Target[] = [
  { id: 'comune-x', network: 'x', displayName: 'X del Comune', credentials: {} },
  { id: 'comune-fb', network: 'facebook', displayName: 'Facebook del Comune', credentials: {} },
  { id: 'comune-masto', network: 'mastodon', displayName: 'Mastodon del Comune', credentials: {} },
];

/** Whether each network of the targets drops a repeated Idempotency-Key. */
const IDEMPOTENT: Readonly<Record<string, boolean>> = { x: false, facebook: false, mastodon: true };

const TIMEOUT: PublishOutcome = { kind: 'unknown', detail: 'no answer within 30 s' };

/** A publisher whose request may have left before it failed: it throws instead of answering. */
class ThrowingPublisher implements Publisher {
  readonly idempotent = false;
  readonly requests: PublishRequest[] = [];

  async publish(request: PublishRequest): Promise<PublishOutcome> {
    this.requests.push(request);
    throw new Error('socket hang up');
  }
}

let teamCounter = 0;

/** A desk over the real store, a FakeClock at Saturday 21 November 2026 11:00 in Rome, one publisher per target. */
function createScenario(publishers: ReadonlyMap<string, Publisher>) {
  teamCounter += 1;
  const team: Team = {
    id: `unknown-${process.pid}-${teamCounter}`,
    chat: 'shell',
    channel: 'social',
    language: 'it',
    timeZone: 'Europe/Rome',
    approvers: ['supervisor'],
    approvalsRequired: 1,
    targets: TARGETS.map((t) => t.id),
    posting: {},
    digest: { time: '08:30', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
  } as Team;
  const store = new DrizzleStore(database.handle.db);
  const clock = new FakeClock('2026-11-21T10:00:00Z');
  const chat = new InMemoryChat();
  const desk: Desk = createDesk(
    {
      store,
      clock,
      chat,
      logger: new RecordingLogger(),
      teams: [team],
      targets: TARGETS,
      publisherFor: (target) => publishers.get(target.id),
      rulesOf,
    },
    DEFAULT_PUBLISHING_POLICY,
  );
  const actor = (name: string) => ({ id: name, name });
  return {
    team,
    store,
    clock,
    chat,
    propose: (line: string) => desk.command({ teamId: team.id, actor: actor('editor') }, line),
    approve: (number: number) =>
      desk.react({
        teamId: team.id,
        actor: actor('supervisor'),
        post: { number },
        action: 'approve',
        added: true,
      }),
    tick: () => desk.tick(clock.now()),
    deliveries: async (number: number) =>
      Object.fromEntries(
        ((await store.getPost(team.id, number))?.deliveries ?? []).map((d) => [d.targetId, d.state]),
      ),
  };
}

function inMemoryPublishers(): Map<string, InMemoryPublisher> {
  return new Map(
    TARGETS.map((t) => [t.id, new InMemoryPublisher({ idempotent: IDEMPOTENT[t.network] ?? false })]),
  );
}

describe(`an unknown publishing outcome on ${testDriver}`, () => {
  it('asks the team to check X and Facebook instead of posting again, and retries Mastodon', async () => {
    const publishers = inMemoryPublishers();
    for (const publisher of publishers.values()) publisher.willAnswer(TIMEOUT);
    const s = createScenario(publishers);
    await s.propose('/propose to:comune-x,comune-fb,comune-masto Chiuso il ponte di via Roma.');
    await s.approve(1);

    const retryAt = await s.tick();
    expect(await s.deliveries(1)).toEqual({
      'comune-x': 'unknown',
      'comune-fb': 'unknown',
      'comune-masto': 'scheduled',
    });
    // Only Mastodon is due again, after the first backoff (30 s).
    expect(retryAt).toEqual(new Date('2026-11-21T10:00:30Z'));
    const thread = s.chat.records.flatMap((r) => (r.kind === 'thread' ? [r.message] : []));
    expect(thread).toContainEqual({
      text: IT['publish.unknown']({ target: 'X del Comune', number: 1, reason: IT['failure.unknown']() }),
      mentions: ['editor'],
    });
    expect(thread).toContainEqual({
      text: IT['publish.unknown']({
        target: 'Facebook del Comune',
        number: 1,
        reason: IT['failure.unknown'](),
      }),
      mentions: ['editor'],
    });

    // Scheduler rounds over the next day: only the idempotent network is asked again.
    s.clock.set(retryAt!);
    expect(await s.tick()).toBeUndefined();
    for (const hours of [1, 5, 18]) {
      s.clock.advance(hours * 3_600_000);
      expect(await s.tick()).toBeUndefined();
    }
    expect(publishers.get('comune-x')?.requests).toHaveLength(1);
    expect(publishers.get('comune-fb')?.requests).toHaveLength(1);
    const masto = publishers.get('comune-masto')?.requests ?? [];
    expect(masto).toHaveLength(2);
    expect(masto[1]?.idempotencyKey).toBe(masto[0]?.idempotencyKey);
    expect(await s.deliveries(1)).toEqual({
      'comune-x': 'unknown',
      'comune-fb': 'unknown',
      'comune-masto': 'published',
    });
    const audit = await s.store.listAudit((await s.store.getPost(s.team.id, 1))!.post.id);
    const attempts = audit.filter((e) => e.action === 'publish_attempt').map((e) => e.details.target);
    expect(attempts.sort()).toEqual(['comune-fb', 'comune-masto', 'comune-masto', 'comune-x']);
  });

  it('treats a publisher that threw as unknown: no second request, the thread asks to check', async () => {
    const publishers = inMemoryPublishers();
    const throwing = new ThrowingPublisher();
    const s = createScenario(new Map<string, Publisher>([...publishers, ['comune-x', throwing]]));
    await s.propose('/propose to:comune-x Allerta meteo: scuole chiuse domani.');
    await s.approve(1);
    expect(await s.tick()).toBeUndefined();
    s.clock.advance(2 * 3_600_000);
    await s.tick();
    expect(throwing.requests).toHaveLength(1);
    expect(await s.deliveries(1)).toEqual({ 'comune-x': 'unknown' });
    expect(s.chat.thread(1).at(-1)).toBe(
      IT['publish.unknown']({ target: 'X del Comune', number: 1, reason: IT['failure.unknown']() }),
    );
  });

  it('sends X again only when someone asks with /retry, after checking', async () => {
    const publishers = inMemoryPublishers();
    publishers.get('comune-x')?.willAnswer(TIMEOUT);
    const s = createScenario(publishers);
    await s.propose('/propose to:comune-x Mercato in piazza.');
    await s.approve(1);
    await s.tick();
    expect(await s.deliveries(1)).toEqual({ 'comune-x': 'unknown' });
    await s.propose('/retry 1');
    await s.tick();
    expect(publishers.get('comune-x')?.requests).toHaveLength(2);
    expect(await s.deliveries(1)).toEqual({ 'comune-x': 'published' });
  });
});
