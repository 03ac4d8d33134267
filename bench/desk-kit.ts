import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config.ts';
import type { Card } from '../src/core/card.ts';
import { createDesk, type Desk } from '../src/core/desk.ts';
import type {
  ChatOut,
  ChatResult,
  Clock,
  Logger,
  MessageKey,
  OutMessage,
  PostedCard,
  Publisher,
  PublishRequest,
  Store,
} from '../src/core/ports.ts';
import type { PublishOutcome } from '../src/core/publish-outcome.ts';
import { ok } from '../src/core/result.ts';
import type { Target } from '../src/core/target.ts';
import type { Team } from '../src/core/team.ts';
import { createLogger } from '../src/logger.ts';
import { rulesOf } from '../src/publish/registry.ts';

// The desk every figure measures: one municipal team on Slack publishing to
// two feed targets (the website and the online notice board), configured by
// the same JSON file and environment whether Araldo runs as a child
// (`node dist/main.js`) or in the bench's own process (engine, lateness,
// queries). In-process desks get a zero-latency publisher and chat, so what
// is measured is Araldo's own work: its store, its decisions, its outbox.
// The targets allow 32 publications under way each (a feed's default is 4):
// a zero-latency network has no limit of its own to respect, and with 4 the
// engine figure would measure the cap, not the engine.

/** Who is who in the bench's team, and the secrets the fakes share with Araldo. */
export const BENCH_DESK = {
  teamId: 'comunicazione',
  channel: 'C0SOCIAL',
  /** the workspace FakeSlack and the slash-command payloads use */
  workspace: 'T0FAKE',
  supervisor: 'U0SUPERV',
  /** the editors who type /propose: a real team has a handful */
  editors: ['U0ED0001', 'U0ED0002', 'U0ED0003', 'U0ED0004', 'U0ED0005', 'U0ED0006', 'U0ED0007', 'U0ED0008'],
  signingSecret: 'bench-signing-secret-7c1f',
  botToken: 'xoxb-bench-bot-token',
  targets: ['sito', 'albo'],
} as const;

/** Writes the desk's configuration file into `dir`; returns its path. */
export function writeDeskConfig(dir: string): string {
  const path = join(dir, 'araldo.json');
  writeFileSync(
    path,
    JSON.stringify({
      teams: [
        {
          id: BENCH_DESK.teamId,
          chat: 'slack',
          channel: BENCH_DESK.channel,
          workspace: BENCH_DESK.workspace,
          approvers: [BENCH_DESK.supervisor],
          approvalsRequired: 1,
          targets: [...BENCH_DESK.targets],
        },
      ],
      targets: [
        { id: 'sito', network: 'feed', displayName: 'Sito istituzionale', pacing: { maxInFlight: 32 } },
        { id: 'albo', network: 'feed', displayName: 'Albo pretorio online', pacing: { maxInFlight: 32 } },
      ],
    }),
  );
  return path;
}

/** The environment of a child Araldo on this desk, Slack pointing at the fake. */
export function deskEnv(configPath: string, slackApiUrl: string): Record<string, string> {
  return {
    ARALDO_CONFIG: configPath,
    SLACK_BOT_TOKEN: BENCH_DESK.botToken,
    SLACK_SIGNING_SECRET: BENCH_DESK.signingSecret,
    SLACK_API_URL: slackApiUrl,
  };
}

/** The teams and targets of the configuration file, read by Araldo's own loader. */
export function loadDeskConfig(configPath: string): { teams: readonly Team[]; targets: readonly Target[] } {
  const loaded = loadConfig(deskEnv(configPath, 'http://127.0.0.1:9/api/'));
  if (!loaded.ok) throw new Error(`the bench's desk configuration is refused: ${loaded.error.join('; ')}`);
  return { teams: loaded.value.teams, targets: loaded.value.targets };
}

/** Milliseconds on the wall clock with sub-millisecond precision. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A deferred count: resolves when `count` reaches `target`. */
class CountWaiter {
  count = 0;
  readonly #waiters: { target: number; resolve: () => void }[] = [];

  add(): void {
    this.count += 1;
    for (let index = this.#waiters.length - 1; index >= 0; index--) {
      const waiter = this.#waiters[index];
      if (waiter && this.count >= waiter.target) {
        this.#waiters.splice(index, 1);
        waiter.resolve();
      }
    }
  }

  reach(target: number): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ target, resolve }));
  }
}

/** One publication: which post and target, and when the publisher was called (wall ms). */
export interface PublishedAt {
  readonly postNumber: number;
  readonly targetId: string;
  readonly at: number;
}

/**
 * A publisher that answers at once, published, and notes when each call
 * came. `failFor` makes chosen posts fail (rejected) instead.
 */
export class ZeroPublisher implements Publisher {
  readonly idempotent = true;
  readonly published: PublishedAt[] = [];
  readonly #count = new CountWaiter();
  failFor: ((postNumber: number) => boolean) | undefined;

  async publish(request: PublishRequest): Promise<PublishOutcome> {
    this.published.push({ postNumber: request.postNumber, targetId: request.target.id, at: wallMs() });
    this.#count.add();
    if (this.failFor?.(request.postNumber)) {
      return { kind: 'rejected', code: 'content_refused', detail: 'refused by the bench' };
    }
    const remoteId = `bench-${request.deliveryId}`;
    return { kind: 'published', remoteId, url: `https://example.test/${request.target.id}/${remoteId}` };
  }

  /** resolves once `count` calls have come */
  reach(count: number): Promise<void> {
    return this.#count.reach(count);
  }
}

/** A chat that accepts everything at once; cards are `card-<number>`. It counts thread lines. */
export class ZeroChat implements ChatOut {
  readonly #threadLines = new CountWaiter();
  writes = 0;

  get threadLines(): number {
    return this.#threadLines.count;
  }

  /** resolves once `count` thread lines (or their channel fallbacks) were written */
  reachThreadLines(count: number): Promise<void> {
    return this.#threadLines.reach(count);
  }

  async postCard(_team: Team, card: Card, _key: MessageKey): Promise<ChatResult<PostedCard>> {
    this.writes += 1;
    const cardRef = `card-${card.postNumber}`;
    return ok({ cardRef, link: `https://chat.test/${cardRef}` });
  }

  async updateCard(_team: Team, _cardRef: string, _card: Card, _key: MessageKey): Promise<ChatResult<void>> {
    this.writes += 1;
    return ok(undefined);
  }

  async replyInThread(
    _team: Team,
    _cardRef: string,
    _message: OutMessage,
    _key: MessageKey,
  ): Promise<ChatResult<void>> {
    this.writes += 1;
    this.#threadLines.add();
    return ok(undefined);
  }

  async postInChannel(_team: Team, _message: OutMessage, _key: MessageKey): Promise<ChatResult<void>> {
    this.writes += 1;
    this.#threadLines.add();
    return ok(undefined);
  }

  async sayPrivately(
    _team: Team,
    _recipient: string,
    _message: OutMessage,
    _key: MessageKey,
  ): Promise<ChatResult<void>> {
    this.writes += 1;
    return ok(undefined);
  }
}

/**
 * Araldo's own logger (pino, JSON, level info as in production) writing
 * into a sink that drops the lines: formatting them is Araldo's cost, where
 * they go is the operator's.
 */
export function droppingLogger(): Logger {
  const sink = new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  return createLogger({ level: 'info', secrets: [BENCH_DESK.botToken], destination: sink });
}

/** What an in-process desk is built from. */
export interface BenchDeskParts {
  readonly store: Store;
  readonly clock: Clock;
  readonly teams: readonly Team[];
  readonly targets: readonly Target[];
  readonly publisher: Publisher;
  readonly chat: ChatOut;
  readonly logger?: Logger;
  readonly wake?: (at: Date) => void;
  readonly kick?: () => void;
}

/** A desk wired as main.ts wires it, with the bench's publisher for every target. */
export function createBenchDesk(parts: BenchDeskParts): Desk {
  return createDesk({
    store: parts.store,
    clock: parts.clock,
    chat: parts.chat,
    logger: parts.logger ?? droppingLogger(),
    teams: parts.teams,
    targets: parts.targets,
    publisherFor: () => parts.publisher,
    rulesOf,
    ...(parts.wake ? { wake: parts.wake } : {}),
    ...(parts.kick ? { kick: parts.kick } : {}),
  });
}

/** The command context of a bench user. */
export function asUser(userId: string, eventId?: string) {
  return {
    teamId: BENCH_DESK.teamId,
    actor: { id: userId, name: userId },
    ...(eventId === undefined ? {} : { eventId }),
  };
}
