import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { it as IT } from '../../src/core/i18n/it.ts';
import { FakeSlack } from '../fakes/fake-slack.ts';
import { FakeWebhookReceiver } from '../fakes/fake-webhook-receiver.ts';
import { ephemeralAnswerOf } from '../fixtures/slack-payloads.ts';
import { type AraldoProcess, killAllAraldos, parseLog } from '../support/araldo-process.ts';
import { DeskDatabase, type PostRow } from '../support/desk-database.ts';
import {
  auditProblems,
  auditStoryProblems,
  blueskyProblems,
  chatProblems,
  deliveryProblems,
  feedProblems,
  mastodonProblems,
  type PostTexts,
  telegramProblems,
  webhookProblems,
} from '../support/exactly-once-checks.ts';
import { createSeededRandom, type SeededRandom, seedFrom } from '../support/seeded-random.ts';
import {
  ALL_DESK_TARGETS,
  cardOf,
  commandBody,
  DESK,
  DESK_BLUESKY,
  DESK_TELEGRAM,
  type DeskReceivers,
  type DeskTargetId,
  deliverToAraldo,
  displayNameOf,
  reactionBody,
  type SlackDelivery,
  startDeskChild,
  startDeskNetworks,
  WEBHOOK_SECRETS,
  writeDeskConfig,
} from '../support/slack-desk.ts';
import { createPostgresDatabase } from '../support/test-database.ts';

// Issue 8, "Crash proof" (and issue 10: with the open networks among its
// targets): Araldo as a child process on PostgreSQL, Slack in HTTP mode
// against FakeSlack; two webhook receivers, a Mastodon instance, a Bluesky
// PDS and a Telegram Bot API living in the test process (so what they
// recorded survives every kill); and the feed. A seeded script proposes,
// approves, rejects and cancels through signed Slack requests while at least
// 20 kill -9 land at random moments: right after a request, while a webhook,
// a Mastodon status, a Bluesky record, a Telegram message or a chat message is
// in flight (the fake does what was asked and holds its answer a little, so
// the kill lands inside the call after it took effect), while idle, during
// start-up. Each restart is on the same database; Slack redelivers the events
// a dead process never answered, with the same event_id and X-Slack-Retry-Num,
// as Slack does. At the end one process runs until nothing is due or owed,
// and everything is checked from outside: the database, FakeSlack's messages,
// the receivers, the feed, the statuses, the records and the channel. The
// webhooks, Mastodon and Bluesky drop what they already have, so each of
// their deliveries is published once; Telegram does not, so a delivery cut
// off after its request may have left is asked about in the thread, never
// sent again, and the channel holds it at most once.
//
// Replay a run: ARALDO_CRASH_SEED=<seed printed> TEST_DATABASE_URL=… npx vitest run test/e2e/crash-proof.test.ts
// The seed fixes the script and where each kill goes; the exact interleaving
// with the child's own work still varies from run to run.
// Keep the database and the children's logs: ARALDO_E2E_KEEP=1 (they are kept when the test fails).

const DATABASE = process.env.TEST_DATABASE_URL;
const TEST_TIMEOUT_MS = 360_000;
/** Wednesday 10 June 2026, 09:05 in Rome: a digest day, after the 08:30 digest. */
const CLOCK_START = '2026-06-10T09:05:00+02:00';
/**
 * Each restart starts the child's clock this far past where the dead one had
 * got: past the delivery lease and the outbox lease (120 s each), as if the
 * restart had come two minutes later, so what the dead process held is taken
 * over at once rather than after two real minutes. The clock never goes back.
 */
const RESTART_JUMP_MS = 125_000;
const KILLS_AT_LEAST = 20;
const APPROVE = 'white_check_mark';
const REJECT = 'x';

type KillKind =
  | 'after-request'
  | 'idle'
  | 'webhook-in-flight'
  | 'mastodon-in-flight'
  | 'bluesky-in-flight'
  | 'telegram-in-flight'
  | 'chat-write-in-flight'
  | 'during-start';

/** The kills that may land anywhere, to make up the count at the end of the script. */
const FILLER_KILLS = [
  'idle',
  'webhook-in-flight',
  'mastodon-in-flight',
  'bluesky-in-flight',
  'telegram-in-flight',
] as const satisfies readonly KillKind[];

/** The XRPC call that writes a Bluesky post. */
const PUT_RECORD = 'com.atproto.repo.putRecord';

type Fate = 'approve' | 'reject' | 'cancel' | 'leave';

/** One proposal the script means to make, and what the team does with it. */
interface Intent {
  readonly index: number;
  readonly targets: readonly DeskTargetId[];
  /** publish this many seconds after proposing (by the child's clock); undefined: at once */
  readonly atSeconds: number | undefined;
  readonly urgent: boolean;
  readonly fate: Fate;
  readonly text: string;
  /** trigger ids of each /propose typed for it (a retype after a lost one adds one) */
  readonly triggers: string[];
}

/** A request the script sent, and how it went. */
interface Sent {
  readonly what: string;
  readonly intent: Intent;
  /** which child process was running when it was sent */
  readonly generation: number;
  readonly result: SlackDelivery;
  /** `performance.now()` when the answer (or the failure) came */
  readonly answeredAt: number;
  readonly eventId?: string;
}

type Step =
  | { readonly kind: 'propose'; readonly intent: Intent }
  | { readonly kind: 'review'; readonly intent: Intent }
  | { readonly kind: 'cancel'; readonly intent: Intent; readonly afterMs: number };

/** how many items fall under each key */
function tally<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Draws the proposals and the order of everything the team does. */
function drawScript(rng: SeededRandom): { intents: Intent[]; steps: Step[] } {
  const count = rng.int(14, 18);
  const ids = ALL_DESK_TARGETS.map((target) => target.id);
  const intents: Intent[] = [];
  for (let index = 0; index < count; index++) {
    const roll = rng.next();
    const fate: Fate = roll < 0.08 ? 'leave' : roll < 0.18 ? 'reject' : roll < 0.28 ? 'cancel' : 'approve';
    const targets = rng.chance(0.7)
      ? ids
      : rng
          .shuffled(ids)
          .slice(0, rng.int(1, 3))
          .sort((a, b) => ids.indexOf(a) - ids.indexOf(b));
    const atSeconds = fate === 'cancel' ? rng.int(15, 25) : rng.chance(0.3) ? rng.int(3, 12) : undefined;
    intents.push({
      index,
      targets,
      atSeconds,
      urgent: fate === 'approve' && rng.chance(0.2),
      fate,
      text: `Avviso ${index + 1} (seme ${rng.seed}): chiusura temporanea di via Roma per lavori, ${rng.int(1, 28)} giugno.`,
      triggers: [],
    });
  }
  const steps: Step[] = [];
  const waiting: Intent[] = [];
  const review = (intent: Intent) => {
    steps.push({ kind: 'review', intent });
    if (intent.fate === 'cancel') steps.push({ kind: 'cancel', intent, afterMs: rng.int(0, 1500) });
  };
  for (const intent of intents) {
    steps.push({ kind: 'propose', intent });
    if (intent.fate !== 'leave') waiting.push(intent);
    while (waiting.length > 0 && rng.chance(0.55)) {
      const next = waiting.splice(rng.int(0, waiting.length - 1), 1)[0];
      if (next) review(next);
    }
  }
  for (const intent of rng.shuffled(waiting)) review(intent);
  return { intents, steps };
}

/** Where to kill, after which step: one kill per entry (a start-up kill adds one more). */
function drawKills(rng: SeededRandom, steps: number): Map<number, KillKind[]> {
  const kinds: KillKind[] = [
    'after-request',
    'after-request',
    'idle',
    'webhook-in-flight',
    'webhook-in-flight',
    'mastodon-in-flight',
    'bluesky-in-flight',
    'telegram-in-flight',
    'telegram-in-flight',
    'chat-write-in-flight',
    'during-start',
  ];
  const kills = new Map<number, KillKind[]>();
  const total = rng.int(21, 24);
  for (let n = 0; n < total; n++) {
    const at = rng.int(0, steps - 1);
    kills.set(at, [...(kills.get(at) ?? []), rng.pick(kinds)]);
  }
  return kills;
}

/**
 * Runs Araldo and kills it: one child at a time, restarted on the same
 * database with its clock moved on, and Slack's redelivery of the events a
 * dead child never answered.
 */
class Crasher {
  readonly #rng: SeededRandom;
  readonly #dir: string;
  readonly #env: Record<string, string>;
  readonly #logs: string[] = [];
  /** every child started, in order */
  readonly children: AraldoProcess[] = [];
  #child: AraldoProcess | undefined;
  #url = '';
  #clockStartMs = new Date(CLOCK_START).getTime();
  #spawnedAt = 0;
  generation = 0;
  /** when each generation was killed (`performance.now()`) */
  readonly killedAt = new Map<number, number>();
  readonly kills: KillKind[] = [];
  readonly retries: { body: Readonly<Record<string, unknown>>; eventId: string; num: number; sent: Sent }[] =
    [];
  readonly redelivered: Sent[] = [];

  constructor(rng: SeededRandom, dir: string, env: Record<string, string>) {
    this.#rng = rng;
    this.#dir = dir;
    this.#env = env;
  }

  get url(): string {
    return this.#url;
  }

  get child(): AraldoProcess | undefined {
    return this.#child;
  }

  /** the child's clock now, at most this: its clock starts a little after the spawn */
  childNow(): number {
    return this.#clockStartMs + (performance.now() - this.#spawnedAt);
  }

  /** starts a child and waits for it to serve; `killAfterMs` kills it during start-up first */
  async start(killAfterMs?: number): Promise<void> {
    for (let killDuringStart = killAfterMs; ; killDuringStart = undefined) {
      if (this.#child) this.#clockStartMs = this.childNow() + RESTART_JUMP_MS;
      this.#spawnedAt = performance.now();
      const child = startDeskChild({
        dataDir: join(this.#dir, 'data'),
        env: this.#env,
        clockStart: new Date(this.#clockStartMs).toISOString(),
      });
      this.#child = child;
      this.children.push(child);
      this.generation += 1;
      const log = join(this.#dir, `child-${String(this.generation).padStart(2, '0')}.log`);
      this.#logs.push(log);
      void child.exited.then(() => writeFileSync(log, `${child.transcript()}\n`));
      if (killDuringStart !== undefined) {
        await sleep(killDuringStart);
        await this.#kill9('during-start');
        continue;
      }
      const port = await child.port(60_000);
      this.#url = `http://127.0.0.1:${port}/slack/events`;
      await this.redeliver();
      return;
    }
  }

  async #kill9(kind: KillKind): Promise<void> {
    const child = this.#child;
    if (!child || child.exit) return;
    child.kill('SIGKILL');
    this.killedAt.set(this.generation, performance.now());
    this.kills.push(kind);
    await child.exited;
  }

  /** kill -9 now, then a fresh start (itself killed during start-up for `during-start`) */
  async killAndRestart(kind: KillKind): Promise<void> {
    await this.#kill9(kind);
    await this.start(kind === 'during-start' ? this.#rng.int(100, 2500) : undefined);
  }

  /** an event Slack got no answer for is redelivered, up to 3 times, as Slack does */
  noteFailedEvent(sent: Sent, body: Readonly<Record<string, unknown>>, num = 0): void {
    if (sent.result.ok && sent.result.status >= 200 && sent.result.status < 300) return;
    if (num >= 3 || sent.eventId === undefined) return;
    this.retries.push({ body, eventId: sent.eventId, num: num + 1, sent });
  }

  /** redelivers to the running child what Slack still owes it */
  async redeliver(): Promise<void> {
    for (const retry of this.retries.splice(0)) {
      const result = await deliverToAraldo(this.#url, retry.body, 'application/json', {
        num: retry.num,
        reason: retry.sent.result.ok ? 'http_error' : 'connection_failed',
      });
      const sent: Sent = {
        ...retry.sent,
        generation: this.generation,
        result,
        answeredAt: performance.now(),
        what: `${retry.sent.what} retry ${retry.num}`,
      };
      this.redelivered.push(sent);
      this.noteFailedEvent(sent, retry.body, retry.num);
    }
  }

  /** how a request went: which process answered what, and how long that process lived after */
  ackStory(sent: Sent): string {
    const answer = sent.result.ok ? `answered ${sent.result.status}` : `failed (${sent.result.error})`;
    const killed = this.killedAt.get(sent.generation);
    const after =
      killed === undefined
        ? 'is still running'
        : `was killed ${Math.round(killed - sent.answeredAt)} ms after`;
    return `process ${sent.generation} ${answer} and ${after}`;
  }

  /** fails the test's wait if the running child has died on its own */
  assertAlive(): void {
    if (this.#child?.exit) {
      throw new Error(`Araldo died on its own (generation ${this.generation})\n${this.#child.transcript()}`);
    }
  }

  /** every child's error-level log lines, for the report */
  errorLines(children: readonly AraldoProcess[]): string[] {
    return children.flatMap((child) =>
      child.stderr.filter((line) => {
        const level = parseLog(line)?.level;
        return typeof level === 'number' && level >= 50;
      }),
    );
  }

  get logFiles(): readonly string[] {
    return this.#logs;
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!DATABASE)('crash proof (PostgreSQL)', () => {
  it(
    'publishes every approved delivery once, records and announces every outcome once, across kill -9',
    async () => {
      const began = performance.now();
      const rng = createSeededRandom(seedFrom(process.env, 'ARALDO_CRASH_SEED'));
      console.log(`crash-proof seed: ${rng.seed} (replay with ARALDO_CRASH_SEED=${rng.seed})`);
      let keep = process.env.ARALDO_E2E_KEEP === '1';
      onTestFailed(() => {
        keep = true;
      });

      const server = await createPostgresDatabase();
      if (!server) throw new Error('TEST_DATABASE_URL is set, yet no database was created');
      const dir = mkdtempSync(join(tmpdir(), `araldo-crash-${rng.seed}-`));
      const fake = await FakeSlack.start({ channels: [DESK.channel] });
      fake.setUser(DESK.editor, { name: 'editor', displayName: 'Giulia Redattrice' });
      fake.setUser(DESK.supervisor, { name: 'supervisor', displayName: 'Marco Capo' });
      const receivers: DeskReceivers = {
        portale: await FakeWebhookReceiver.start({ secret: WEBHOOK_SECRETS.portale }),
        'app-comune': await FakeWebhookReceiver.start({ secret: WEBHOOK_SECRETS['app-comune'] }),
      };
      const networks = await startDeskNetworks();
      const db = new DeskDatabase(server.url);
      cleanups.push(async () => {
        await killAllAraldos();
        await db.close();
        await fake.close();
        await receivers.portale.close();
        await receivers['app-comune'].close();
        await networks.close();
        if (keep) {
          console.log(`kept for inspection: database ${server.url}, logs in ${dir}`);
        } else {
          await server.drop();
          rmSync(dir, { recursive: true, force: true });
        }
      });

      const env = writeDeskConfig(dir, { databaseUrl: server.url, fake, receivers, networks });
      const crasher = new Crasher(rng, dir, env);
      const children = crasher.children;
      const { intents, steps } = drawScript(rng);
      const kills = drawKills(rng, steps.length);
      const sent: Sent[] = [];
      /** requests Araldo acknowledged with 200 whose effect never reached the database */
      const lostAfterAck: string[] = [];
      let eventSequence = 0;
      const nextEventId = () =>
        `Ev${rng.seed.toString(36).toUpperCase()}X${String(++eventSequence).padStart(4, '0')}`;

      await crasher.start();

      /** sends a request; `killAfterMs` kills the child that long after sending, before the answer is read */
      const send = async (
        intent: Intent,
        what: string,
        body: Readonly<Record<string, unknown>>,
        type: 'application/json' | 'application/x-www-form-urlencoded',
        killAfterMs: number | undefined,
        eventId?: string,
      ): Promise<Sent> => {
        const generation = crasher.generation;
        const answer = deliverToAraldo(crasher.url, body, type).then((result) => ({
          result,
          at: performance.now(),
        }));
        if (killAfterMs !== undefined) {
          await sleep(killAfterMs);
          await crasher.killAndRestart('after-request');
        }
        const answered = await answer;
        const record: Sent = {
          what,
          intent,
          generation,
          result: answered.result,
          answeredAt: answered.at,
          ...(eventId ? { eventId } : {}),
        };
        sent.push(record);
        if (eventId) {
          crasher.noteFailedEvent(record, body);
          // Slack redelivers at once what the process it reached never answered.
          await crasher.redeliver();
        }
        return record;
      };

      const findPost = async (intent: Intent): Promise<PostRow | undefined> => {
        for (const trigger of intent.triggers) {
          const post = await db.postByDedupeKey(`slack:${trigger}`);
          if (post) return post;
        }
        return undefined;
      };

      /** types /propose for `intent`, its time drawn from the child's clock now */
      const propose = async (intent: Intent, killAfterMs?: number): Promise<void> => {
        const trigger = `${rng.seed}.${intent.index}.${intent.triggers.length}.fake`;
        intent.triggers.push(trigger);
        const at =
          intent.atSeconds === undefined
            ? undefined
            : new Date(Math.ceil((crasher.childNow() + intent.atSeconds * 1000) / 1000) * 1000)
                .toISOString()
                .replace('.000Z', 'Z');
        const options = [
          `to:${intent.targets.join(',')}`,
          ...(at ? [`at:${at}`] : []),
          ...(intent.urgent ? ['urgent'] : []),
        ];
        const text = `${options.join(' ')} ${intent.text}`;
        await send(
          intent,
          `/propose #${intent.index}`,
          commandBody(DESK.editor, '/propose', text, trigger),
          'application/x-www-form-urlencoded',
          killAfterMs,
        );
      };

      /**
       * The intent's post, once stored. A /propose the running child
       * acknowledged is waited for; one a dead child took is typed again, as
       * its author would on seeing no card (and noted, when it had been acknowledged).
       */
      const ensurePost = async (intent: Intent): Promise<PostRow | undefined> => {
        for (;;) {
          const found = await findPost(intent);
          if (found) return found;
          const last = [...sent].reverse().find((s) => s.intent === intent && s.what.startsWith('/propose'));
          if (last?.result.ok && last.generation === crasher.generation) {
            const deadline = performance.now() + 15_000;
            while (performance.now() < deadline) {
              crasher.assertAlive();
              const post = await findPost(intent);
              if (post) return post;
              await sleep(50);
            }
            lostAfterAck.push(
              `/propose #${intent.index} (trigger ${intent.triggers.at(-1)}): acknowledged by a live Araldo, no post after 15 s`,
            );
          } else if (last?.result.ok && last.result.status === 200) {
            lostAfterAck.push(
              `/propose #${intent.index} (trigger ${intent.triggers.at(-1)}): ${crasher.ackStory(last)}; no post stored`,
            );
          }
          if (intent.triggers.length >= 5) return undefined;
          await propose(intent);
        }
      };

      /** the card of `post` in FakeSlack, once the outbox has sent it */
      const waitForCard = async (post: PostRow): Promise<string> => {
        const deadline = performance.now() + 30_000;
        while (performance.now() < deadline) {
          crasher.assertAlive();
          const card = cardOf(fake, post.id);
          if (card) return card.ts;
          await sleep(50);
        }
        throw new Error(`no card for post #${post.number} after 30 s\n${crasher.child?.transcript()}`);
      };

      const react = async (intent: Intent, reaction: string, killAfterMs?: number): Promise<void> => {
        const post = await ensurePost(intent);
        if (!post) return;
        const ts = await waitForCard(post);
        const eventId = nextEventId();
        const body = reactionBody(fake, DESK.supervisor, reaction, ts, eventId);
        await send(
          intent,
          `:${reaction}: on #${post.number}`,
          body,
          'application/json',
          killAfterMs,
          eventId,
        );
      };

      const cancel = async (intent: Intent, killAfterMs?: number): Promise<void> => {
        const post = await ensurePost(intent);
        if (!post) return;
        const trigger = `${rng.seed}.cancel.${intent.index}.fake`;
        await send(
          intent,
          `/cancel ${post.number}`,
          commandBody(DESK.editor, '/araldo', `annulla ${post.number}`, trigger),
          'application/x-www-form-urlencoded',
          killAfterMs,
        );
      };

      /**
       * Waits (up to 2 s) for the next request to a network whose fake was
       * just told to answer it late, then a little more: the kill lands after
       * the post is out, before Araldo hears of it. When nothing is publishing
       * the fault stays armed for a later request, and the kill lands idle.
       */
      const networkInFlight = async (arrived: Promise<unknown>): Promise<void> => {
        await Promise.race([arrived, sleep(2000)]);
        await sleep(rng.int(0, 300));
      };

      /** the other kills: at a random idle moment, or inside a call that has taken effect */
      const killAt = async (kind: KillKind): Promise<void> => {
        const { mastodon, bluesky, telegram } = networks;
        switch (kind) {
          case 'idle':
            await sleep(rng.int(0, 1500));
            break;
          case 'webhook-in-flight': {
            const receiver = rng.pick([receivers.portale, receivers['app-comune']]);
            // The receiver processes the request at once and answers it late: the kill lands in between.
            receiver.failNext({ kind: 'delay', ms: rng.int(800, 2000) });
            const arrived = receiver.waitForRequests(receiver.requests.length + 1);
            await Promise.race([arrived, sleep(2000)]);
            await sleep(rng.int(0, 300));
            break;
          }
          case 'mastodon-in-flight':
            // The instance makes the status at once and answers late.
            mastodon.failNext('status', { kind: 'late', ms: rng.int(800, 2000) });
            await networkInFlight(
              mastodon.waitForRequests(mastodon.requestsTo('status').length + 1, 'status'),
            );
            break;
          case 'bluesky-in-flight':
            // The PDS writes the record at once and answers late.
            bluesky.failNext({ method: PUT_RECORD, kind: 'late', ms: rng.int(800, 2000) });
            await networkInFlight(bluesky.waitForRequests(bluesky.count(PUT_RECORD) + 1, PUT_RECORD));
            break;
          case 'telegram-in-flight':
            // Telegram posts the message at once and answers late.
            telegram.failNext({ kind: 'late', ms: rng.int(800, 2000) });
            await networkInFlight(telegram.waitForRequests(telegram.requests.length + 1));
            break;
          case 'chat-write-in-flight': {
            const before = fake.calls.length;
            fake.failNext('chat.postMessage', { delayMs: rng.int(500, 1500), performed: true });
            await fake
              .waitForCall('chat.postMessage', (call) => fake.calls.indexOf(call) >= before, 2000)
              .catch(() => undefined);
            await sleep(rng.int(0, 100));
            break;
          }
          case 'after-request':
          case 'during-start':
            break;
        }
        await crasher.killAndRestart(kind);
        fake.clearFailures();
      };

      // The script, with the kills drawn for it.
      for (const [index, step] of steps.entries()) {
        const planned = [...(kills.get(index) ?? [])];
        // A kill "after the request" goes with the step's own request, a few milliseconds after it left.
        const fused = planned.indexOf('after-request');
        const killAfterMs = fused >= 0 ? rng.int(0, 30) : undefined;
        if (fused >= 0) planned.splice(fused, 1);
        switch (step.kind) {
          case 'propose':
            await propose(step.intent, killAfterMs);
            break;
          case 'review':
            await react(step.intent, step.intent.fate === 'reject' ? REJECT : APPROVE, killAfterMs);
            break;
          case 'cancel':
            await sleep(step.afterMs);
            await cancel(step.intent, killAfterMs);
            break;
        }
        for (const kind of planned) await killAt(kind);
      }
      while (crasher.kills.length < KILLS_AT_LEAST) await killAt(rng.pick(FILLER_KILLS));
      const scriptEnded = performance.now();

      // No more kills. Every proposal is stored (retyped if it was lost), and
      // every review the team made is in: one that never reached the
      // database is made again, as an approver seeing a card still waiting would.
      for (const intent of intents) {
        const post = await ensurePost(intent);
        if (!post || intent.fate === 'leave') continue;
        const reaction = intent.fate === 'reject' ? REJECT : APPROVE;
        const reviews = sent.filter((s) => s.intent === intent && s.what.startsWith(`:${reaction}:`));
        const acked = [...reviews, ...crasher.redelivered.filter((s) => s.intent === intent)].filter(
          (s) => s.result.ok && s.result.status === 200,
        );
        const reviewed = async () =>
          (await db.approvalsOf(post.id)).length > 0 ||
          (await db.postByDedupeKey(post.dedupeKey ?? ''))?.state !== 'pending';
        // A review the running process acknowledged may still be on its way to the database.
        const waitFor = acked.some((s) => s.generation === crasher.generation) ? 15_000 : 0;
        const deadline = performance.now() + waitFor;
        let done = await reviewed();
        while (!done && performance.now() < deadline) {
          await sleep(50);
          done = await reviewed();
        }
        if (done) continue;
        if (acked.length > 0) {
          lostAfterAck.push(
            `:${reaction}: on #${post.number} (event ${reviews.map((s) => s.eventId).join(', ')}): ${acked.map((s) => crasher.ackStory(s)).join('; ')}; never recorded`,
          );
        }
        await react(intent, reaction);
      }
      await db.waitQuiescent({ timeoutMs: 120_000, guard: () => crasher.assertAlive() });

      // A few stories, asked in chat.
      const snapshotBefore = await db.snapshot();
      const published = snapshotBefore.posts.filter((post) => post.state === 'published');
      const audited = rng.shuffled(published).slice(0, 3);
      const stories = new Map<number, string>();
      for (const post of audited) {
        const trigger = `${rng.seed}.audit.${post.number}.fake`;
        const answer = await deliverToAraldo(
          crasher.url,
          commandBody(DESK.supervisor, '/araldo', `audit ${post.number}`, trigger),
          'application/x-www-form-urlencoded',
        );
        expect(answer.ok && answer.status).toBe(200);
        // The story is the answer the command's acknowledgement carries.
        const story = answer.ok ? ephemeralAnswerOf(answer.body) : undefined;
        expect(story?.startsWith(IT['audit.title']({ number: post.number }))).toBe(true);
        stories.set(post.number, story ?? '');
      }
      await db.waitQuiescent({ timeoutMs: 30_000, guard: () => crasher.assertAlive() });
      const feedUrl = crasher.url.replace('/slack/events', '/feeds/sito.xml');
      const feed = await fetch(feedUrl);
      expect(feed.status).toBe(200);
      const xml = await feed.text();

      // Everything, checked from outside.
      const snapshot = await db.snapshot();
      const chat = chatProblems(fake, DESK.channel, snapshot, displayNameOf);
      const hooks = (['portale', 'app-comune'] as const).map((id) => ({
        id,
        ...webhookProblems(receivers[id], snapshot, id),
      }));
      // The post each intent became (its retyped /propose included), and its text.
      const texts: PostTexts = new Map(
        snapshot.posts.flatMap((post) => {
          const intent = intents.find((i) => i.triggers.some((t) => post.dedupeKey === `slack:${t}`));
          return intent ? [[post.id, intent.text] as const] : [];
        }),
      );
      const open = {
        mastodon: mastodonProblems(networks.mastodon, snapshot, 'comune-mastodon', texts),
        bluesky: blueskyProblems(networks.bluesky, DESK_BLUESKY.did, snapshot, 'comune-bluesky', texts),
        telegram: telegramProblems(
          networks.telegram,
          DESK_TELEGRAM.channel.id,
          snapshot,
          'allerte-telegram',
          texts,
        ),
      };
      const uncertain = snapshot.outbox.filter((row) => row.uncertain);
      const lookups = children.flatMap((child) =>
        child.stderr.filter(
          (line) => parseLog(line)?.msg === 'earlier attempt found in Slack; not written again',
        ),
      );
      const resumed = snapshot.audit.filter(
        (e) => e.action === 'publish_attempt' && e.details.resumed === true,
      );
      const killsByKind = tally(crasher.kills, (kind) => kind);
      console.log(
        [
          `crash-proof seed ${rng.seed}: ${intents.length} proposals (${snapshot.posts.length} posts stored), ${steps.length} steps`,
          `  kills: ${crasher.kills.length} ${JSON.stringify(killsByKind)}, children started: ${crasher.generation}`,
          `  posts by state: ${JSON.stringify(tally(snapshot.posts, (post) => post.state))}`,
          `  deliveries published: ${snapshot.deliveries.filter((d) => d.state === 'published').length}, attempts resumed after a kill: ${resumed.length}`,
          `  webhook receivers: ${hooks.map((h) => `${h.id} ${h.distinct} ids, ${h.duplicates} repeated ids`).join('; ')}`,
          `  Mastodon: ${open.mastodon.summary}`,
          `  Bluesky: ${open.bluesky.summary}`,
          `  Telegram: ${open.telegram.summary}`,
          `  Slack: ${chat.cards} cards, ${chat.threadReplies} thread replies, ${chat.marked} marked messages; ${uncertain.length} outbox rows retried after an uncertain attempt, ${lookups.length} found by look-up`,
          `  Slack events redelivered: ${crasher.redelivered.length}; inputs acknowledged then lost: ${lostAfterAck.length}`,
          `  script ${Math.round((scriptEnded - began) / 1000)} s, total ${Math.round((performance.now() - began) / 1000)} s`,
          `  children's logs: ${crasher.logFiles.length} files in ${dir}`,
        ].join('\n'),
      );
      // What the dispatcher's look-ups for its own earlier writes asked, and what they got.
      const lookupCalls = [
        ...fake.callsTo('conversations.history'),
        ...fake.callsTo('conversations.replies'),
        // the dispatcher's look-ups; the adapter's own reads of a reacted card name `latest`
      ].filter((call) => call.args.include_all_metadata !== undefined && call.args.latest === undefined);
      const stamps = fake.messages(DESK.channel).map((m) => m.ts);
      console.log(
        `look-ups: ${lookupCalls.length} calls, ${lookupCalls.filter((c) => Array.isArray(c.response?.messages) && c.response.messages.length > 0).length} returned any message; e.g. ${lookupCalls
          .slice(0, 3)
          .map(
            (c) =>
              `${c.method} oldest=${String(c.args.oldest)} → ${Array.isArray(c.response?.messages) ? c.response.messages.length : c.outcome} messages`,
          )
          .join('; ')}; FakeSlack's messages have ts ${stamps[0]} … ${stamps.at(-1)}`,
      );
      const errors = crasher.errorLines(children);
      if (errors.length > 0) console.log(`error-level log lines:\n${errors.slice(0, 40).join('\n')}`);

      expect(crasher.kills.length).toBeGreaterThanOrEqual(KILLS_AT_LEAST);
      expect
        .soft(
          deliveryProblems(snapshot, { mayBeUnknown: (target) => target === 'allerte-telegram' }),
          'every approved delivery published (or, on Telegram, asked about)',
        )
        .toEqual([]);
      for (const hook of hooks) expect.soft(hook.problems, `webhook ${hook.id}`).toEqual([]);
      expect.soft(open.mastodon.problems, 'Mastodon: each delivery one status').toEqual([]);
      expect.soft(open.bluesky.problems, 'Bluesky: each delivery one record').toEqual([]);
      expect.soft(open.telegram.problems, 'Telegram: never a delivery twice in the channel').toEqual([]);
      expect.soft(feedProblems(xml, snapshot, 'sito'), 'the feed').toEqual([]);
      expect.soft(auditProblems(snapshot), 'audit log matches the state').toEqual([]);
      expect.soft(chat.problems, 'chat: one card per post, each outcome once').toEqual([]);
      for (const post of audited) {
        const deliveries = snapshot.deliveries.filter((d) => d.postId === post.id);
        expect
          .soft(auditStoryProblems(stories.get(post.number) ?? '', post, deliveries), `/audit ${post.number}`)
          .toEqual([]);
      }
      expect
        .soft(lostAfterAck, 'Slack requests acknowledged with 200 whose decision was never stored')
        .toEqual([]);
      expect
        .soft(
          children
            .filter((child) => child.exit && child.exit.signal !== 'SIGKILL')
            .map((c) => c.transcript()),
        )
        .toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
