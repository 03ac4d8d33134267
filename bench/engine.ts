import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { Scheduler } from '../src/scheduler/scheduler.ts';
import { DrizzleStore } from '../src/store/drizzle-store.ts';
import { systemClock } from '../src/system-clock.ts';
import { type BenchContext, databaseName } from './context.ts';
import { createBenchDesk, droppingLogger, ZeroChat, ZeroPublisher } from './desk-kit.ts';
import { createFloorTable, runClaimLoop } from './floors/raw-claim-loop.ts';
import type { Section } from './report.ts';
import { scratchDatabase } from './scratch.ts';
import { copyTemplate, countOf, makeTemplatePost, readTemplate } from './seed.ts';
import { formatBreakdown, openCounted, type StatementCount } from './statements.ts';

// Engine: a backlog of approved posts all due at once (two targets each),
// published by Araldo's real scheduler loop (Scheduler + desk.startDue, wired
// as main.ts wires them, the system clock) to a zero-latency publisher and
// chat, until every delivery is published and its thread line sent; then the
// owed card redraws are flushed. Deliveries per second is the backlog over
// that time. Statements per delivery counts every statement of that time
// (BEGIN and COMMIT included, and the chat outbox's work the deliveries
// cause: thread lines, card redraws), divided by the deliveries. A window in
// the middle of the backlog would miss the outbox work, which may trail the
// publications (on PostgreSQL most of it runs after them); the fixed cost of
// a run (its first round, its last flush: a few dozen statements) is under
// 0.05 per delivery at 1,000 deliveries, so this is the steady state.
// Floor: the raw claim loop (floors/raw-claim-loop.ts) on the same database
// kind, same number of deliveries, in the same run.

interface EngineRun {
  readonly perSecond: number;
  readonly deliveries: number;
  readonly statements: StatementCount;
}

async function runAraldo(context: BenchContext, deliveries: number): Promise<EngineRun> {
  const { options } = context;
  const database = await scratchDatabase(options.database, options.adminUrl, 'engine');
  const { handle, counter } = await openCounted(database.location, options.explain);
  try {
    await handle.migrate();
    const store = new DrizzleStore(handle.db);
    const publisher = new ZeroPublisher();
    const chat = new ZeroChat();
    const logger = droppingLogger();
    let scheduler: Scheduler | undefined;
    const desk = createBenchDesk({
      store,
      clock: systemClock,
      teams: context.teams,
      targets: context.targets,
      publisher,
      chat,
      logger,
      wake: (at) => scheduler?.wake(at),
      kick: () => scheduler?.wake(new Date()),
    });
    const templateId = await makeTemplatePost(desk, store, 'scheduled', {
      at: new Date(Date.now() + 86_400_000),
      now: () => new Date(),
    });
    const template = await readTemplate(handle.db, templateId);
    const targetsPerPost = template.deliveries;
    const posts = Math.ceil(deliveries / targetsPerPost);
    const total = posts * targetsPerPost;
    const due = new Date(Date.now() - 1000);
    await copyTemplate(handle.db, template, posts, {
      firstNumber: template.number + 1,
      due: { base: due, offsetsMs: new Array<number>(posts).fill(0) },
    });
    const linesBefore = chat.threadLines;
    const start = counter.snapshot();
    const began = performance.now();
    scheduler = new Scheduler((now) => desk.startDue(now), logger, {
      pollCron: '*/30 * * * * *',
      now: () => new Date(),
    });
    await scheduler.start();
    await publisher.reach(total);
    await chat.reachThreadLines(linesBefore + total);
    await scheduler.stop();
    await desk.idle();
    await desk.flushOwed();
    const elapsedMs = performance.now() - began;
    const statements = counter.since(start);
    const publishedRows = await countOf(
      handle.db,
      sql`select count(*)::int as n from deliveries where state = 'published'`,
    );
    if (publishedRows !== total) {
      throw new Error(`engine: ${publishedRows} deliveries published of ${total}`);
    }
    return { perSecond: total / (elapsedMs / 1000), deliveries: total, statements };
  } finally {
    await handle.close();
    await database.drop();
  }
}

interface FloorRun {
  readonly perSecond: number;
  readonly statementsPerDelivery: number;
}

async function runFloor(context: BenchContext, deliveries: number): Promise<FloorRun> {
  const { options } = context;
  const database = await scratchDatabase(options.database, options.adminUrl, 'engine-floor');
  const { handle, counter } = await openCounted(database.location, false);
  try {
    const due = new Date(Date.now() - 1000);
    await createFloorTable(
      handle,
      Array.from({ length: deliveries }, () => due),
    );
    const start = counter.snapshot();
    const began = performance.now();
    const published = await runClaimLoop(handle);
    const elapsedMs = performance.now() - began;
    if (published.length !== deliveries) {
      throw new Error(`engine floor: ${published.length} published of ${deliveries}`);
    }
    return {
      perSecond: deliveries / (elapsedMs / 1000),
      statementsPerDelivery: counter.since(start).total / deliveries,
    };
  } finally {
    await handle.close();
    await database.drop();
  }
}

/** The engine figures: deliveries per second and statements per delivery, beside the raw claim loop. */
export async function measureEngine(context: BenchContext): Promise<Section> {
  const { sizes } = context.options;
  const deliveries = sizes.engineDeliveries;
  const araldo: EngineRun[] = [];
  const floor: FloorRun[] = [];
  for (let run = 0; run < sizes.repeats; run++) {
    // Alternate who goes first, so a drift of the machine does not favour one.
    const order = run % 2 === 0 ? ['araldo', 'floor'] : ['floor', 'araldo'];
    for (const who of order) {
      context.progress(`engine: run ${run + 1}/${sizes.repeats}, ${who}, ${deliveries} deliveries`);
      if (who === 'araldo') araldo.push(await runAraldo(context, deliveries));
      else floor.push(await runFloor(context, deliveries));
    }
  }
  const notes = [
    `of which queries (without BEGIN/COMMIT/SAVEPOINT): ${araldo
      .map((run) => (run.statements.queries / run.deliveries).toFixed(2))
      .join(', ')} per delivery`,
  ];
  const last = araldo.at(-1);
  if (context.options.explain && last) {
    notes.push('statements of the last run, by text:');
    notes.push(...formatBreakdown(last.statements, last.deliveries, 'delivery'));
  }
  return {
    name: 'engine',
    workload: `${deliveries.toLocaleString('en')} deliveries (posts to 2 targets) due at once, published by the real scheduler loop in-process to a zero-latency publisher and chat, ${databaseName(context)}`,
    floor: `raw ${context.options.database === 'pglite' ? 'PGlite' : 'postgres.js'} loop on a deliveries-shaped table: UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT 32) RETURNING, then one UPDATE per delivery`,
    figures: [
      {
        key: 'engine.deliveries_per_s',
        title: 'deliveries/s',
        unit: 'deliveries/s',
        values: araldo.map((run) => run.perSecond),
        floors: floor.map((run) => run.perSecond),
        better: 'higher',
        aim: { on: 'ratio', op: '≥', limit: 0.5 },
      },
      {
        key: 'engine.statements_per_delivery',
        title: 'statements/delivery',
        unit: 'statements',
        values: araldo.map((run) => run.statements.total / run.deliveries),
        floors: floor.map((run) => run.statementsPerDelivery),
        better: 'lower',
        aim: { on: 'value', op: '≤', limit: 4 },
      },
    ],
    notes,
  };
}
