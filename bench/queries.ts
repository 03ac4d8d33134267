import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { DrizzleStore } from '../src/store/drizzle-store.ts';
import { FakeClock } from '../test/fakes/fake-clock.ts';
import { type BenchContext, databaseName } from './context.ts';
import { asUser, BENCH_DESK, createBenchDesk, ZeroChat, ZeroPublisher } from './desk-kit.ts';
import type { Section } from './report.ts';
import { scratchDatabase } from './scratch.ts';
import { copyTemplate, makeTemplatePost, readTemplate } from './seed.ts';
import { formatBreakdown, openCounted, type StatementCount } from './statements.ts';

// Queries: what `/digest` and `/queue` cost for a busy team: 5,000 approved
// posts (two targets each) due later today, 100 proposals waiting for a
// decision with a time in the window, 20 failed and 200 published
// yesterday, all copied from posts made through the desk. The clock stands
// at Monday 23 November 2026, 09:00 in Rome, so "today" is the same
// whatever the hour of the run. Counted: the statements each command sends
// (onStatement), queries apart from BEGIN/COMMIT; the aim is one query each
// (no N+1). Timed beside a floor: one hand-written query returning the same
// window's deliveries with their posts, as many as Araldo lists (500). Also counted, without an aim: one
// `/propose` as the Slack adapter hands it over (an event id, a private
// answer) with the outbox work it causes (the card, the answer): the
// database work behind each ack of the ack figure; its floor is the one
// INSERT a proposal needs at least.

const NOW = '2026-11-23T08:00:00Z';
const YESTERDAY = '2026-11-22T09:00:00Z';
const WAITING = 100;
const FAILED = 20;
const PUBLISHED = 200;
/** The most deliveries Araldo's store lists for a digest or queue section (drizzle-store.ts, #deliveriesWithPosts). */
const LISTED = 500;

interface CommandRun {
  readonly count: StatementCount;
  readonly ms: number;
}

async function seed(context: BenchContext, posts: number) {
  const { options } = context;
  const database = await scratchDatabase(options.database, options.adminUrl, 'queries');
  const { handle, counter } = await openCounted(database.location, options.explain);
  await handle.migrate();
  const store = new DrizzleStore(handle.db);
  const clock = new FakeClock(YESTERDAY);
  const publisher = new ZeroPublisher();
  const desk = createBenchDesk({
    store,
    clock,
    teams: context.teams,
    targets: context.targets,
    publisher,
    chat: new ZeroChat(),
  });
  const now = () => clock.now();
  const published = await readTemplate(handle.db, await makeTemplatePost(desk, store, 'published', { now }));
  publisher.failFor = () => true;
  const failed = await readTemplate(handle.db, await makeTemplatePost(desk, store, 'failed', { now }));
  publisher.failFor = undefined;
  clock.set(NOW);
  const scheduled = await readTemplate(
    handle.db,
    await makeTemplatePost(desk, store, 'scheduled', { at: new Date('2026-11-23T21:00:00Z'), now }),
  );
  const pending = await readTemplate(
    handle.db,
    await makeTemplatePost(desk, store, 'pending', { now, at: new Date('2026-11-23T20:00:00Z') }),
  );
  let next = 5;
  const dayStart = new Date('2026-11-23T09:00:00Z');
  const daySpan = Date.parse('2026-11-23T22:30:00Z') - dayStart.getTime();
  const spread = (count: number) => ({
    base: dayStart,
    offsetsMs: Array.from({ length: count }, (_, index) => Math.floor((index * daySpan) / count)),
  });
  await copyTemplate(handle.db, scheduled, posts, { firstNumber: next, due: spread(posts) });
  next += posts;
  await copyTemplate(handle.db, pending, WAITING, { firstNumber: next, due: spread(WAITING) });
  next += WAITING;
  await copyTemplate(handle.db, failed, FAILED, { firstNumber: next });
  next += FAILED;
  await copyTemplate(handle.db, published, PUBLISHED, { firstNumber: next });
  return { database, handle, counter, desk };
}

/** The queries figures: statements of /digest and /queue (aim: one query each) and their time. */
export async function measureQueries(context: BenchContext): Promise<Section> {
  const { options } = context;
  const posts = options.sizes.queriesPosts;
  context.progress(`queries: seeding ${posts.toLocaleString('en')} posts in the window`);
  const { database, handle, counter, desk } = await seed(context, posts);
  const runs: { digest: CommandRun; queue: CommandRun; floorDigest: number; floorQueue: number }[] = [];
  const proposeRuns: CommandRun[] = [];
  let proposals = 0;
  try {
    const command = async (line: string): Promise<CommandRun> => {
      const before = counter.snapshot();
      const began = performance.now();
      const reply = await desk.command(asUser(BENCH_DESK.editors[0]), line);
      const ms = performance.now() - began;
      if (reply.text.length < 100) throw new Error(`queries: ${line} answered only "${reply.text}"`);
      return { count: counter.since(before), ms };
    };
    const floorQuery = async (end: string): Promise<number> => {
      const began = performance.now();
      await handle.db.execute(sql`
        select d.*, p.* from deliveries d join posts p on p.id = d.post_id
         where p.team_id = ${BENCH_DESK.teamId} and d.state = 'scheduled'
           and d.next_attempt_at >= ${NOW}::timestamptz and d.next_attempt_at < ${end}::timestamptz
         order by d.next_attempt_at, p.number, d.position
         limit ${LISTED}`);
      return performance.now() - began;
    };
    // `/propose` as Slack hands it over: an event id and a private answer, both owed
    // in the decision; then the outbox sends the card and the answer.
    const propose = async (): Promise<CommandRun> => {
      proposals += 1;
      const editor = BENCH_DESK.editors[proposals % BENCH_DESK.editors.length] ?? BENCH_DESK.editors[0];
      const before = counter.snapshot();
      const began = performance.now();
      const reply = await desk.command(
        { ...asUser(editor, `slack:bench-${proposals}`), replyTo: `${BENCH_DESK.channel}:${editor}` },
        `/propose to:sito,albo Avviso n. ${proposals}: lavori in via Roma, traffico deviato dalle 8 alle 18`,
      );
      await desk.flushOwed();
      const ms = performance.now() - began;
      if (!/#\d+/.test(reply.text)) throw new Error(`queries: /propose answered "${reply.text}"`);
      return { count: counter.since(before), ms };
    };
    // One round not counted: the first run of each statement plans it and warms the caches.
    await command('/digest');
    await command('/queue');
    for (let run = 0; run < options.sizes.repeats; run++) {
      context.progress(`queries: run ${run + 1}/${options.sizes.repeats}`);
      runs.push({
        digest: await command('/digest'),
        floorDigest: await floorQuery('2026-11-23T23:00:00Z'),
        queue: await command('/queue'),
        floorQueue: await floorQuery('2026-11-29T23:00:00Z'),
      });
    }
    // After the others: each proposal is one more post waiting, which /queue would list.
    await propose();
    for (let run = 0; run < options.sizes.repeats; run++) proposeRuns.push(await propose());
  } finally {
    await handle.close();
    await database.drop();
  }
  const last = runs.at(-1);
  const lastProposal = proposeRuns.at(-1);
  const notes = [
    `statements with BEGIN/COMMIT: /digest ${last?.digest.count.total}, /queue ${last?.queue.count.total}`,
  ];
  if (options.explain && last) {
    notes.push('/digest, by text:', ...formatBreakdown(last.digest.count, 1, 'command'));
    notes.push('/queue, by text:', ...formatBreakdown(last.queue.count, 1, 'command'));
  }
  if (options.explain && lastProposal) {
    notes.push(
      '/propose and the messages it owes (card, private answer), by text:',
      ...formatBreakdown(lastProposal.count, 1, 'command'),
    );
  }
  return {
    name: 'queries',
    workload: `/digest and /queue in-process for a team with ${posts.toLocaleString('en')} posts (2 targets) due today, ${WAITING} waiting, ${FAILED} failed, ${PUBLISHED} published yesterday, ${databaseName(context)}; and one /propose with the card and answer it owes`,
    floor:
      'statements: 1 (one query; for /propose the one INSERT it needs); time: one hand-written query of the window’s deliveries with their posts',
    figures: [
      {
        key: 'queries.digest.statements',
        title: '/digest queries',
        unit: 'queries',
        values: runs.map((run) => run.digest.count.queries),
        floors: [1],
        better: 'lower',
        aim: { on: 'value', op: '≤', limit: 1 },
      },
      {
        key: 'queries.queue.statements',
        title: '/queue queries',
        unit: 'queries',
        values: runs.map((run) => run.queue.count.queries),
        floors: [1],
        better: 'lower',
        aim: { on: 'value', op: '≤', limit: 1 },
      },
      {
        key: 'queries.propose.statements',
        title: '/propose + its outbox, statements',
        unit: 'statements',
        values: proposeRuns.map((run) => run.count.total),
        floors: [1],
        better: 'lower',
      },
      {
        key: 'queries.digest.ms',
        title: '/digest time (ms)',
        unit: 'ms',
        values: runs.map((run) => run.digest.ms),
        floors: runs.map((run) => run.floorDigest),
        better: 'lower',
      },
      {
        key: 'queries.queue.ms',
        title: '/queue time (ms)',
        unit: 'ms',
        values: runs.map((run) => run.queue.ms),
        floors: runs.map((run) => run.floorQueue),
        better: 'lower',
      },
    ],
    notes,
  };
}
