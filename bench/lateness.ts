import { sql } from 'drizzle-orm';
import { Scheduler } from '../src/scheduler/scheduler.ts';
import { openDatabase } from '../src/store/database.ts';
import { DrizzleStore } from '../src/store/drizzle-store.ts';
import { systemClock } from '../src/system-clock.ts';
import { type BenchContext, databaseName } from './context.ts';
import { createBenchDesk, droppingLogger, ZeroChat, ZeroPublisher } from './desk-kit.ts';
import { createFloorTable, runTimedClaimLoop } from './floors/raw-claim-loop.ts';
import { quantile, type Section } from './report.ts';
import { scratchDatabase } from './scratch.ts';
import { copyTemplate, makeTemplatePost, readTemplate } from './seed.ts';

// Lateness: how long after its due instant a post reaches its network, with
// Araldo's real scheduler (Scheduler + desk.startDue, the system clock, at
// real speed) publishing in-process to a zero-latency publisher; lateness =
// the instant the publisher is called − the due instant. Posts go to one
// target each, so 50 posts a second are 50 deliveries a second.
//
// The hour of the aim (10,000 posts: 10 bursts of 50 a second lasting 10 s,
// and 5,000 more in a trickle of about 1.4 a second between them) is
// replayed compressed: its bursts at real speed, the quiet stretches
// between them cut to a few seconds (the trickle in them kept at its rate),
// and only as many bursts as asked (every burst of the hour is alike; cut
// stretches leave less time to catch up, so the replay is the harsher).
// Before the bursts, a trickle of 5 posts a second alone: the figure when
// not saturated. 20 posts published at the start warm the process up and
// are not counted. Each burst (with the quiet stretch after it) gives one
// value of the saturated figures, and the trickle is cut into as many
// windows, so min / median / max are over bursts of one replay.
// Floor: the raw claim loop, woken by a timer at each due instant
// (floors/raw-claim-loop.ts, runTimedClaimLoop), on the same schedule and
// database kind, right after.

const WARMUP_POSTS = 20;
const TRICKLE_PER_SECOND = 5;
const BURST_PER_SECOND = 50;
/** the hour's trickle between bursts: 5,000 posts over the 58 minutes without bursts */
const QUIET_INTERVAL_MS = 700;
const LEAD_MS = 1500;
const DRAIN_LIMIT_MS = 120_000;

type Group = { readonly kind: 'warmup' } | { readonly kind: 'trickle' | 'burst'; readonly index: number };

interface Planned {
  readonly offsetMs: number;
  readonly group: Group;
}

/** A small deterministic generator: the same schedule every run. */
function jitter(seed: number): number {
  const x = Math.sin(seed * 12.9898) * 43_758.5453;
  return x - Math.floor(x);
}

function plan(context: BenchContext): Planned[] {
  const { sizes } = context.options;
  const planned: Planned[] = [];
  for (let i = 0; i < WARMUP_POSTS; i++) planned.push({ offsetMs: 0, group: { kind: 'warmup' } });
  const trickleStart = 2000;
  const trickleCount = sizes.latenessTrickleSeconds * TRICKLE_PER_SECOND;
  const windowSize = Math.ceil(trickleCount / sizes.latenessBursts);
  for (let i = 0; i < trickleCount; i++) {
    const offsetMs = trickleStart + Math.round((i + jitter(i) * 0.8) * (1000 / TRICKLE_PER_SECOND));
    planned.push({ offsetMs, group: { kind: 'trickle', index: Math.floor(i / windowSize) } });
  }
  let cursor = trickleStart + sizes.latenessTrickleSeconds * 1000 + 2000;
  for (let burst = 0; burst < sizes.latenessBursts; burst++) {
    for (let second = 0; second < sizes.latenessBurstSeconds; second++) {
      // People schedule at round times: a second's 50 posts are due at the same instant.
      for (let i = 0; i < BURST_PER_SECOND; i++) {
        planned.push({ offsetMs: cursor + second * 1000, group: { kind: 'burst', index: burst } });
      }
    }
    cursor += sizes.latenessBurstSeconds * 1000;
    const quietEnd = cursor + sizes.latenessQuietSeconds * 1000;
    for (let at = cursor + QUIET_INTERVAL_MS / 2, i = 0; at < quietEnd; at += QUIET_INTERVAL_MS, i++) {
      planned.push({
        offsetMs: Math.round(at + jitter(burst * 1000 + i) * 200),
        group: { kind: 'burst', index: burst },
      });
    }
    cursor = quietEnd;
  }
  return planned;
}

interface Measured {
  readonly group: Group;
  readonly latenessMs: number;
}

async function runAraldo(context: BenchContext, planned: readonly Planned[]): Promise<Measured[]> {
  const { options } = context;
  const database = await scratchDatabase(options.database, options.adminUrl, 'lateness');
  const handle = await openDatabase(database.location);
  try {
    await handle.migrate();
    const store = new DrizzleStore(handle.db);
    const publisher = new ZeroPublisher();
    const logger = droppingLogger();
    let scheduler: Scheduler | undefined;
    const desk = createBenchDesk({
      store,
      clock: systemClock,
      teams: context.teams,
      targets: context.targets,
      publisher,
      chat: new ZeroChat(),
      logger,
      wake: (at) => scheduler?.wake(at),
      kick: () => scheduler?.wake(new Date()),
    });
    const templateId = await makeTemplatePost(desk, store, 'scheduled', {
      at: new Date(Date.now() + 86_400_000),
      targets: ['sito'],
      now: () => new Date(),
    });
    const template = await readTemplate(handle.db, templateId);
    // Seeded an hour ahead, then moved in one statement to start LEAD_MS from now.
    const placeholder = Date.now() + 3_600_000;
    const firstNumber = template.number + 1;
    await copyTemplate(handle.db, template, planned.length, {
      firstNumber,
      due: { base: new Date(placeholder), offsetsMs: planned.map((p) => p.offsetMs) },
    });
    const start = Date.now() + LEAD_MS;
    await handle.db.execute(sql`
      update deliveries
         set next_attempt_at = next_attempt_at + make_interval(secs => ${(start - placeholder) / 1000}::double precision)
       where state = 'scheduled' and next_attempt_at >= ${new Date(placeholder).toISOString()}::timestamptz`);
    scheduler = new Scheduler((now) => desk.startDue(now), logger, {
      pollCron: '*/30 * * * * *',
      now: () => new Date(),
    });
    await scheduler.start();
    const lastDue = start + Math.max(...planned.map((p) => p.offsetMs));
    const deadline = lastDue + DRAIN_LIMIT_MS;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      publisher.reach(planned.length),
      new Promise((resolve) => {
        timer = setTimeout(resolve, deadline - Date.now());
      }),
    ]);
    clearTimeout(timer);
    await scheduler.stop();
    await desk.idle();
    const at = new Map(publisher.published.map((p) => [p.postNumber, p.at]));
    return planned.map((p, index) => ({
      group: p.group,
      // A post not published within the drain limit counts as late as the limit.
      latenessMs: (at.get(firstNumber + index) ?? deadline) - (start + p.offsetMs),
    }));
  } finally {
    await handle.close();
    await database.drop();
  }
}

async function runFloor(context: BenchContext, planned: readonly Planned[]): Promise<Measured[]> {
  const { options } = context;
  const database = await scratchDatabase(options.database, options.adminUrl, 'lateness-floor');
  const handle = await openDatabase(database.location);
  try {
    const start = Date.now() + LEAD_MS;
    await createFloorTable(
      handle,
      planned.map((p) => new Date(start + p.offsetMs)),
    );
    const groupAt = new Map(planned.map((p) => [p.offsetMs, p.group]));
    const lastDue = start + Math.max(...planned.map((p) => p.offsetMs));
    const published = await runTimedClaimLoop(handle, planned.length, lastDue + DRAIN_LIMIT_MS);
    return published.map((p) => ({
      group: groupAt.get(p.dueAt - start) ?? { kind: 'warmup' },
      latenessMs: p.at - p.dueAt,
    }));
  } finally {
    await handle.close();
    await database.drop();
  }
}

/** p50 and p99 of each window (trickle) or burst, in order. */
function byGroup(measured: readonly Measured[], kind: 'trickle' | 'burst', count: number) {
  const p50: number[] = [];
  const p99: number[] = [];
  const all: number[] = [];
  for (let index = 0; index < count; index++) {
    const samples = measured
      .filter((m) => m.group.kind === kind && m.group.index === index)
      .map((m) => m.latenessMs);
    all.push(...samples);
    p50.push(quantile(samples, 0.5));
    p99.push(quantile(samples, 0.99));
  }
  return { p50, p99, max: Math.max(...all), count: all.length };
}

/** The lateness figures: p50 and p99 not saturated (a trickle) and saturated (bursts of 50 a second). */
export async function measureLateness(context: BenchContext): Promise<Section> {
  const { sizes } = context.options;
  const planned = plan(context);
  const seconds = Math.round(Math.max(...planned.map((p) => p.offsetMs)) / 1000);
  context.progress(`lateness: Araldo, ${planned.length} posts over ${seconds} s at real speed`);
  const araldo = await runAraldo(context, planned);
  context.progress(`lateness: floor, the same schedule`);
  const floor = await runFloor(context, planned);
  const bursts = sizes.latenessBursts;
  const trickle = { araldo: byGroup(araldo, 'trickle', bursts), floor: byGroup(floor, 'trickle', bursts) };
  const burst = { araldo: byGroup(araldo, 'burst', bursts), floor: byGroup(floor, 'burst', bursts) };
  const perBurst = sizes.latenessBurstSeconds * BURST_PER_SECOND;
  return {
    name: 'lateness',
    workload: `a compressed hour at real speed, ${databaseName(context)}, in-process scheduler: ${trickle.araldo.count} posts in a trickle of ${TRICKLE_PER_SECOND}/s alone, then ${bursts} burst(s) of ${BURST_PER_SECOND} posts/s for ${sizes.latenessBurstSeconds} s (${perBurst} posts each), each followed by ${sizes.latenessQuietSeconds} s of the hour's trickle (~1.4/s); the hour's quiet stretches skipped`,
    floor: 'raw claim loop woken by a timer at each due instant, same schedule and database kind',
    figures: [
      {
        key: 'lateness.trickle.p50',
        title: 'trickle lateness p50 (ms)',
        unit: 'ms',
        values: trickle.araldo.p50,
        floors: trickle.floor.p50,
        better: 'lower',
      },
      {
        key: 'lateness.trickle.p99',
        title: 'trickle lateness p99 (ms)',
        unit: 'ms',
        values: trickle.araldo.p99,
        floors: trickle.floor.p99,
        better: 'lower',
        aim: { on: 'value', op: '<', limit: 100 },
      },
      {
        key: 'lateness.burst.p50',
        title: 'burst lateness p50 (ms)',
        unit: 'ms',
        values: burst.araldo.p50,
        floors: burst.floor.p50,
        better: 'lower',
      },
      {
        key: 'lateness.burst.p99',
        title: 'burst lateness p99 (ms)',
        unit: 'ms',
        values: burst.araldo.p99,
        floors: burst.floor.p99,
        better: 'lower',
        aim: { on: 'value', op: '<', limit: 1000 },
      },
    ],
    notes: [
      `values are per trickle window and per burst of one replay (${bursts} each); worst lateness: trickle ${Math.round(trickle.araldo.max)} ms (floor ${Math.round(trickle.floor.max)}), bursts ${Math.round(burst.araldo.max)} ms (floor ${Math.round(burst.floor.max)})`,
    ],
  };
}
