import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { FakeSlack } from '../fakes/fake-slack.ts';
import { FakeWebhookReceiver } from '../fakes/fake-webhook-receiver.ts';
import { type AraldoProcess, killAllAraldos, parseLog } from '../support/araldo-process.ts';
import { DeskDatabase, type PostRow } from '../support/desk-database.ts';
import {
  auditProblems,
  chatProblems,
  deliveryProblems,
  feedProblems,
  webhookProblems,
} from '../support/exactly-once-checks.ts';
import {
  cardOf,
  commandBody,
  DESK,
  DESK_TARGETS,
  type DeskReceivers,
  type DeskTargetId,
  deliverToAraldo,
  displayNameOf,
  reactionBody,
  startDeskChild,
  WEBHOOK_SECRETS,
  writeDeskConfig,
} from '../support/slack-desk.ts';
import { createPostgresDatabase } from '../support/test-database.ts';

// Issue 8, "Replicas": two Araldo processes on one PostgreSQL database serve
// one Slack team (SPEC §5). Both start together on an empty database, both
// answer /slack/events on their own port, and the team's commands and
// reactions go to one or the other in turn, as a load balancer would send
// them; a few of Slack's redeliveries land on the other one. Both clocks
// start at 08:30:00 on a weekday, so the day's digest is due in both at once.
// Then, from outside: each delivery reached its receiver once, each owed chat
// message is in Slack once, one digest for the day, and both processes serve
// the same complete feed, byte for byte.
//
// Keep the database and the logs: ARALDO_E2E_KEEP=1 (they are kept when the test fails).

const DATABASE = process.env.TEST_DATABASE_URL;
const TEST_TIMEOUT_MS = 180_000;
/** Wednesday 10 June 2026, 08:30:00 in Rome: the default digest is due at once. */
const CLOCK_START = '2026-06-10T08:30:00+02:00';
const PROPOSALS = 12;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Replica {
  readonly name: 'A' | 'B';
  readonly child: AraldoProcess;
  readonly base: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!DATABASE)('replicas (PostgreSQL)', () => {
  it(
    'publishes each delivery once, sends each message and the day’s digest once, and serves one feed from both processes',
    async () => {
      const began = performance.now();
      let keep = process.env.ARALDO_E2E_KEEP === '1';
      onTestFailed(() => {
        keep = true;
      });
      const server = await createPostgresDatabase();
      if (!server) throw new Error('TEST_DATABASE_URL is set, yet no database was created');
      const dir = mkdtempSync(join(tmpdir(), 'araldo-replicas-'));
      const fake = await FakeSlack.start({ channels: [DESK.channel] });
      fake.setUser(DESK.editor, { name: 'editor', displayName: 'Giulia Redattrice' });
      fake.setUser(DESK.supervisor, { name: 'supervisor', displayName: 'Marco Capo' });
      const receivers: DeskReceivers = {
        portale: await FakeWebhookReceiver.start({ secret: WEBHOOK_SECRETS.portale }),
        'app-comune': await FakeWebhookReceiver.start({ secret: WEBHOOK_SECRETS['app-comune'] }),
      };
      const db = new DeskDatabase(server.url);
      const replicas: Replica[] = [];
      cleanups.push(async () => {
        if (keep) {
          for (const replica of replicas) {
            console.log(`--- replica ${replica.name} ---\n${replica.child.transcript()}`);
          }
        }
        await killAllAraldos();
        await db.close();
        await fake.close();
        await receivers.portale.close();
        await receivers['app-comune'].close();
        if (keep) console.log(`kept for inspection: database ${server.url}`);
        else await server.drop();
        rmSync(dir, { recursive: true, force: true });
      });

      // Both start at once on the empty database: migrations take turns, the digest is owed once.
      const env = writeDeskConfig(dir, { databaseUrl: server.url, fake, receivers });
      const spawnedAt = performance.now();
      const children = (['A', 'B'] as const).map((name) => ({
        name,
        child: startDeskChild({ dataDir: join(dir, `data-${name}`), env, clockStart: CLOCK_START }),
      }));
      for (const { name, child } of children) {
        replicas.push({ name, child, base: `http://127.0.0.1:${await child.port(60_000)}` });
      }
      const [first, second] = replicas as [Replica, Replica];
      /** the children's clocks now, at most: each starts a little after its spawn */
      const childNow = () => new Date(CLOCK_START).getTime() + (performance.now() - spawnedAt);
      const alive = () => {
        for (const replica of replicas) {
          if (replica.child.exit)
            throw new Error(`replica ${replica.name} died\n${replica.child.transcript()}`);
        }
      };
      let turn = 0;
      const nextReplica = () => (turn++ % 2 === 0 ? first : second);
      const other = (replica: Replica) => (replica === first ? second : first);
      const post = async (
        replica: Replica,
        body: Readonly<Record<string, unknown>>,
        json: boolean,
        retry?: number,
      ) => {
        const answer = await deliverToAraldo(
          `${replica.base}/slack/events`,
          body,
          json ? 'application/json' : 'application/x-www-form-urlencoded',
          retry === undefined ? undefined : { num: retry, reason: 'http_timeout' },
        );
        expect(answer.ok && answer.status, JSON.stringify(answer)).toBe(200);
      };

      // Proposals, in turn to each process; some for a few seconds ahead, some urgent.
      const ids = DESK_TARGETS.map((target) => target.id);
      const triggers: string[] = [];
      for (let n = 0; n < PROPOSALS; n++) {
        const targets: readonly DeskTargetId[] = n % 4 === 3 ? ids.slice(n % 3, (n % 3) + 1) : ids;
        const at =
          n % 3 === 1
            ? ` at:${new Date(Math.ceil((childNow() + (4 + n) * 1000) / 1000) * 1000).toISOString().replace('.000Z', 'Z')}`
            : '';
        const urgent = n % 5 === 2 ? ' urgent' : '';
        const trigger = `replicas.${n}.fake`;
        triggers.push(trigger);
        const text = `to:${targets.join(',')}${at}${urgent} Comunicato ${n + 1}: apertura straordinaria degli uffici anagrafe.`;
        await post(nextReplica(), commandBody(DESK.editor, '/propose', text, trigger), false);
      }

      // Each post approved on its card, in turn to each process; every third event Slack also
      // redelivers, and the redelivery lands on the other process.
      const posts: PostRow[] = [];
      for (const trigger of triggers) {
        const deadline = performance.now() + 20_000;
        let found: PostRow | undefined;
        let card: string | undefined;
        while (performance.now() < deadline && card === undefined) {
          alive();
          found ??= await db.postByDedupeKey(`slack:${trigger}`);
          card = found ? cardOf(fake, found.id)?.ts : undefined;
          if (card === undefined) await sleep(50);
        }
        if (!found || card === undefined) throw new Error(`no post or card for ${trigger} after 20 s`);
        posts.push(found);
        const eventId = `EvREPLICAS${String(posts.length).padStart(4, '0')}`;
        const body = reactionBody(fake, DESK.supervisor, 'white_check_mark', card, eventId);
        const to = nextReplica();
        await post(to, body, true);
        if (posts.length % 3 === 0) await post(other(to), body, true, 1);
      }

      await db.waitQuiescent({ timeoutMs: 90_000, guard: alive });
      const snapshot = await db.snapshot();
      const feeds = await Promise.all(
        replicas.map(async (replica) => {
          const response = await fetch(`${replica.base}/feeds/sito.xml`);
          expect(response.status).toBe(200);
          return response.text();
        }),
      );

      const chat = chatProblems(fake, DESK.channel, snapshot, displayNameOf);
      const hooks = (['portale', 'app-comune'] as const).map((id) => ({
        id,
        expected: snapshot.deliveries.filter((d) => d.targetId === id).length,
        ...webhookProblems(receivers[id], snapshot, id),
      }));
      const attemptsBy = replicas.map(
        (replica) =>
          `${replica.name} ${replica.child.stderr.filter((line) => parseLog(line)?.msg === 'publish attempt ended').length}`,
      );
      const digestMessages = snapshot.outbox
        .filter((row) => row.kind === 'digest')
        .flatMap((row) =>
          fake
            .messages(DESK.channel)
            .filter(
              (m) => m.metadata?.event_payload.message_id === String(row.id) && m.threadTs === undefined,
            ),
        );
      console.log(
        [
          `replicas: ${snapshot.posts.length} posts, ${snapshot.deliveries.filter((d) => d.state === 'published').length} deliveries published`,
          `  publish attempts ended by process: ${attemptsBy.join(', ')}`,
          `  webhook receivers: ${hooks.map((h) => `${h.id} ${h.distinct} ids for ${h.expected} deliveries, ${h.duplicates} repeated`).join('; ')}`,
          `  Slack: ${chat.cards} cards, ${chat.threadReplies} thread replies, ${chat.marked} marked messages, ${digestMessages.length} digest message(s)`,
          `  took ${Math.round((performance.now() - began) / 1000)} s`,
        ].join('\n'),
      );

      expect.soft(deliveryProblems(snapshot), 'every approved delivery published').toEqual([]);
      expect.soft(snapshot.posts.map((p) => `#${p.number} ${p.state}`)).toEqual(
        posts
          .map((p) => p.number)
          .sort((a, b) => a - b)
          .map((n) => `#${n} published`),
      );
      for (const hook of hooks) {
        expect.soft(hook.problems, `webhook ${hook.id}`).toEqual([]);
        expect.soft({ distinct: hook.distinct, duplicates: hook.duplicates }, `webhook ${hook.id}`).toEqual({
          distinct: hook.expected,
          duplicates: 0,
        });
      }
      expect.soft(auditProblems(snapshot), 'audit log matches the state').toEqual([]);
      expect.soft(chat.problems, 'chat: each message once, one card per post').toEqual([]);
      expect
        .soft(
          snapshot.digests.map((d) => `${d.day} ${d.sent ? 'sent' : 'owed'}`),
          'digests',
        )
        .toEqual(['2026-06-10 sent']);
      expect.soft(digestMessages.length, 'digest messages in Slack').toBe(1);
      expect.soft(feeds[0] === feeds[1], 'both processes serve the same bytes').toBe(true);
      expect.soft(feedProblems(feeds[0] ?? '', snapshot, 'sito'), 'the feed').toEqual([]);
      expect.soft(replicas.map((r) => r.child.exit)).toEqual([undefined, undefined]);
    },
    TEST_TIMEOUT_MS,
  );
});
