import { createDesk, type Desk, type LocateResult } from '../../src/core/desk.ts';
import type { Publisher, Store } from '../../src/core/ports.ts';
import { DEFAULT_PUBLISHING_POLICY, type PublishingPolicy } from '../../src/core/publishing.ts';
import { fromReviewEmoji } from '../../src/core/review-action.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import { rulesOf } from '../../src/publish/registry.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { InMemoryChat } from '../fakes/in-memory-chat.ts';
import { InMemoryPublisher } from '../fakes/in-memory-publisher.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import type { TestDatabase } from './test-database.ts';

/** A desk over a real store, with a fake clock, chat and publishers, for scenario tests. */
export interface DeskHarness {
  readonly desk: Desk;
  readonly store: Store;
  readonly clock: FakeClock;
  readonly chat: InMemoryChat;
  readonly logger: RecordingLogger;
  readonly team: Team;
  /** one recording publisher per target id */
  readonly publishers: ReadonlyMap<string, InMemoryPublisher>;
  /** instants the desk asked to be woken at */
  readonly wakes: Date[];
  /** runs `/command` as `user` (id = name) */
  run(user: string, line: string, eventId?: string): Promise<string>;
  /** reacts on post `number`'s card as `user`, with an emoji (✅, ❌, ✏️… or any other, which means nothing) */
  react(user: string, number: number, emoji: string, added?: boolean): Promise<LocateResult>;
  /** one publishing round at the clock's now, and every message it owes sent */
  tick(): Promise<Date | undefined>;
  /** owes the digests due at the clock's now and sends them; returns the teams whose digest was owed */
  sendDueDigests(): Promise<string[]>;
}

let teamCounter = 0;

/** the default targets of a harness: the site feed, a Mastodon and an X account */
export const HARNESS_TARGETS: readonly Target[] = [
  { id: 'sito', network: 'feed', displayName: 'Sito istituzionale', credentials: {} },
  { id: 'comune-masto', network: 'mastodon', displayName: 'Mastodon del Comune', credentials: {} },
  { id: 'comune-x', network: 'x', displayName: 'X del Comune', credentials: {} },
];

/**
 * Builds a desk for one scenario. Every harness gets its own team id, so
 * scenarios sharing a test file's database never see each other's posts.
 */
export function createDeskHarness(
  database: TestDatabase,
  options: {
    team?: Partial<Team>;
    targets?: readonly Target[];
    now?: string;
    policy?: PublishingPolicy;
    idempotent?: boolean;
    /** how long the publishers' idempotency keys are remembered (Mastodon: an hour) */
    idempotencyWindowMs?: number;
    store?: Store;
    /** a clock shared with other harnesses, for several desks (replicas) living one timeline */
    clock?: FakeClock;
    /** publishers that take the place of the recording ones, by target id */
    publishers?: Readonly<Record<string, Publisher>>;
    /** as a scheduler-driven process gives it: owed messages then start on their own */
    kick?: () => void;
  } = {},
): DeskHarness {
  teamCounter += 1;
  const targets = options.targets ?? HARNESS_TARGETS;
  const team: Team = {
    id: `team-${process.pid}-${teamCounter}`,
    chat: 'shell',
    channel: 'social',
    language: 'it',
    timeZone: 'Europe/Rome',
    approvers: ['supervisor', 'capo'],
    approvalsRequired: 1,
    targets: targets.map((t) => t.id),
    posting: {},
    digest: { time: '08:30', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
    ...options.team,
  } as Team;
  const store = options.store ?? new DrizzleStore(database.handle.db);
  const clock = options.clock ?? new FakeClock(options.now ?? '2026-11-21T10:00:00Z');
  const chat = new InMemoryChat();
  const logger = new RecordingLogger();
  const publishers = new Map(
    targets.map(
      (t) =>
        [
          t.id,
          new InMemoryPublisher({
            idempotent: options.idempotent ?? false,
            ...(options.idempotencyWindowMs === undefined
              ? {}
              : { idempotencyWindowMs: options.idempotencyWindowMs }),
          }),
        ] as const,
    ),
  );
  const wakes: Date[] = [];
  const desk = createDesk(
    {
      store,
      clock,
      chat,
      logger,
      teams: [team],
      targets,
      publisherFor: (target): Publisher | undefined =>
        options.publishers?.[target.id] ?? publishers.get(target.id),
      // The real rules, by network, whatever publishers stand in for the targets.
      rulesOf,
      wake: (at) => wakes.push(at),
      ...(options.kick ? { kick: options.kick } : {}),
    },
    options.policy ?? DEFAULT_PUBLISHING_POLICY,
  );
  return {
    desk,
    store,
    clock,
    chat,
    logger,
    team,
    publishers,
    wakes,
    // Each step sends what it owes the chat before returning, as a running
    // Araldo's dispatcher would moments later.
    run: async (user, line, eventId) => {
      const reply = await desk.command(
        { teamId: team.id, actor: { id: user, name: user }, ...(eventId ? { eventId } : {}) },
        line,
      );
      await desk.flushOwed();
      return reply.text;
    },
    react: async (user, number, emoji, added = true) => {
      const result = await desk.react({
        teamId: team.id,
        actor: { id: user, name: user },
        post: { number },
        action: fromReviewEmoji(emoji),
        added,
      });
      await desk.flushOwed();
      return result;
    },
    tick: () => desk.tick(clock.now()),
    sendDueDigests: async () => {
      const owed = await desk.sendDueDigests();
      await desk.flushOwed();
      return owed;
    },
  };
}
