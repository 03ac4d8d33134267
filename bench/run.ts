/**
 * Araldo's benchmarks: figures printed, never asserted (tests do not time
 * anything). Run with `npm run bench`; uses PGlite in memory, or
 * DATABASE_URL's PostgreSQL when set (on a scratch database you can lose).
 *
 * - parsing: /propose options and the time reader, operations per second;
 * - backlog: N approved posts due at once, published through the real
 *   store and desk to an in-memory publisher: deliveries per second and
 *   memory before/after, to watch that memory does not grow with the
 *   number of scheduled posts.
 */
import { performance } from 'node:perf_hooks';
import { parseProposeArgs } from '../src/core/command-grammar.ts';
import { createDesk } from '../src/core/desk.ts';
import type { Target } from '../src/core/target.ts';
import type { Team } from '../src/core/team.ts';
import { parseWhen } from '../src/core/time-reader.ts';
import { rulesOf } from '../src/publish/registry.ts';
import { openDatabase } from '../src/store/database.ts';
import { DrizzleStore } from '../src/store/drizzle-store.ts';
import { FakeClock } from '../test/fakes/fake-clock.ts';
import { InMemoryChat } from '../test/fakes/in-memory-chat.ts';
import { InMemoryPublisher } from '../test/fakes/in-memory-publisher.ts';
import { RecordingLogger } from '../test/fakes/recording-logger.ts';

const BACKLOG = Number.parseInt(process.env.BENCH_POSTS ?? '300', 10);

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en')}/s`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function benchParsing(): void {
  const lines = [
    'to:sito,comune-fb at:"domani alle 9" urgent Allerta meteo: scuole chiuse',
    'img:https://comune.example.it/ponte.jpg|"Il ponte chiuso" to:sito Chiuso il ponte',
    'Testo senza opzioni ma lungo '.repeat(20),
  ];
  const times = [
    'domani alle 9',
    'lunedì prossimo alle 18:30',
    '1 dicembre 9:00',
    'tra 2 ore',
    'tomorrow 9am',
  ];
  const now = new Date('2026-11-21T10:00:00Z');
  const rounds = 20_000;
  let start = performance.now();
  for (let i = 0; i < rounds; i++) parseProposeArgs(lines[i % lines.length] ?? '');
  console.log(`parseProposeArgs   ${rate(rounds, performance.now() - start)}`);
  start = performance.now();
  for (let i = 0; i < rounds; i++) {
    parseWhen(times[i % times.length] ?? '', { now, timeZone: 'Europe/Rome', language: 'it' });
  }
  console.log(`parseWhen          ${rate(rounds, performance.now() - start)}`);
}

async function benchBacklog(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const handle = await openDatabase(url ? { url } : { pgliteDir: 'memory' });
  await handle.migrate();
  const store = new DrizzleStore(handle.db);
  const clock = new FakeClock('2026-11-23T08:00:00Z');
  const targets: Target[] = [
    { id: 'sito', network: 'feed', displayName: 'Sito', credentials: {} },
    { id: 'comune-masto', network: 'mastodon', displayName: 'Mastodon', credentials: {} },
  ];
  const team: Team = {
    id: `bench-${process.pid}`,
    chat: 'shell',
    channel: 'social',
    language: 'it',
    timeZone: 'Europe/Rome',
    approvers: ['capo'],
    approvalsRequired: 1,
    targets: targets.map((t) => t.id),
    posting: {},
    digest: { time: '08:30', days: ['mon'] },
  };
  const publisher = new InMemoryPublisher({ idempotent: true });
  const chat = new InMemoryChat();
  const desk = createDesk({
    store,
    clock,
    chat,
    logger: new RecordingLogger(),
    teams: [team],
    targets,
    publisherFor: () => publisher,
    rulesOf,
  });
  const actor = (id: string) => ({ teamId: team.id, actor: { id, name: id } });
  global.gc?.();
  const before = process.memoryUsage();
  let start = performance.now();
  for (let i = 1; i <= BACKLOG; i++) {
    await desk.command(
      actor('redattrice'),
      `/propose to:sito,comune-masto at:2026-11-23T09:00:00Z Avviso numero ${i}`,
    );
    await desk.react({ ...actor('capo'), post: { number: i }, emoji: '✅', added: true });
  }
  const proposeMs = performance.now() - start;
  console.log(
    `propose+approve    ${BACKLOG} posts in ${proposeMs.toFixed(0)} ms (${rate(BACKLOG, proposeMs)})`,
  );
  clock.set('2026-11-23T09:00:00Z');
  chat.records.length = 0;
  start = performance.now();
  await desk.tick(clock.now());
  const publishMs = performance.now() - start;
  const deliveries = publisher.requests.length;
  console.log(
    `publish backlog    ${deliveries} deliveries in ${publishMs.toFixed(0)} ms (${rate(deliveries, publishMs)})`,
  );
  publisher.requests.length = 0;
  chat.records.length = 0;
  global.gc?.();
  const after = process.memoryUsage();
  console.log(
    `heap               ${mib(before.heapUsed)} → ${mib(after.heapUsed)}; rss ${mib(before.rss)} → ${mib(after.rss)}`,
  );
  await handle.close();
}

console.log(
  `Araldo benchmarks (Node ${process.version}, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`,
);
benchParsing();
await benchBacklog();
