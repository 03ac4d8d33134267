import {
  type Child,
  freePort,
  spawnAraldo,
  startBareBolt,
  waitForQuiet,
  waitForRunning,
} from './children.ts';
import { type BenchContext, databaseName } from './context.ts';
import { BENCH_DESK, deskEnv } from './desk-kit.ts';
import { quantile, type Section } from './report.ts';
import { scratchDatabase } from './scratch.ts';
import { type LoadResult, proposeBody, sendCommands } from './slack-load.ts';

// Ack: Araldo as production runs it (`node dist/main.js`, Slack in HTTP
// mode, its own port, the database under test: a fresh PGlite data
// directory or a scratch PostgreSQL database), FakeSlack in its own process
// answering Araldo's Web API calls (users.info, the cards; each proposer's
// answer rides on the ack), and the bare Bolt floor (floors/bare-bolt.mjs) started next to
// it. Each run sends the same burst of signed `/propose` commands to one,
// waits until both processes are idle again (the outbox Araldo drains after
// a burst must not land on the next measurement), then to the other; who
// goes first alternates. Both get a warm-up burst first, not counted.
// Araldo answers Slack once the proposal is stored (processBeforeResponse:
// a 200 tells Slack not to retry), so its ack includes the decision.

const SLACK_LIMIT_MS = 3000;

interface AckRun {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly over3s: number;
  readonly failed: number;
  readonly perSecond: number;
}

function summarize(result: LoadResult): AckRun {
  let failed = result.failed;
  for (const count of result.statuses.values()) failed += count;
  return {
    p50: quantile(result.latenciesMs, 0.5),
    p99: quantile(result.latenciesMs, 0.99),
    max: Math.max(...result.latenciesMs),
    over3s: result.latenciesMs.filter((ms) => ms > SLACK_LIMIT_MS).length,
    failed,
    perSecond: result.latenciesMs.length / (result.elapsedMs / 1000),
  };
}

function describeFailures(result: LoadResult): string {
  const statuses = [...result.statuses.entries()].map(([status, n]) => `${n}× HTTP ${status}`);
  if (result.failed > 0) statuses.push(`${result.failed} without an answer`);
  return statuses.join(', ');
}

/** The ack figures: p50, p99, acks over Slack's 3 s and failures, beside bare Bolt. */
export async function measureAck(context: BenchContext): Promise<Section> {
  const { options } = context;
  const { sizes } = options;
  const fake = await context.fakeSlack();
  const database = await scratchDatabase(options.database, options.adminUrl, 'ack');
  const port = await freePort();
  context.progress(
    `ack: starting Araldo (node dist/main.js) on ${databaseName(context)} and the bare Bolt floor`,
  );
  const araldo = spawnAraldo({
    ...database.env,
    ...deskEnv(context.configPath, fake.url),
    PORT: String(port),
  });
  const bolt = await startBareBolt(fake.url, BENCH_DESK.signingSecret, BENCH_DESK.botToken);
  const targets: Readonly<Record<'araldo' | 'floor', { url: string; child: Child }>> = {
    araldo: { url: `http://127.0.0.1:${port}/slack/events`, child: araldo },
    floor: { url: bolt.url, child: bolt.child },
  };
  const araldoRuns: AckRun[] = [];
  const floorRuns: AckRun[] = [];
  const notes: string[] = [];
  try {
    await waitForRunning(araldo);
    let sent = 0;
    const burst = async (who: 'araldo' | 'floor', count: number): Promise<LoadResult> => {
      const result = await sendCommands({
        url: targets[who].url,
        count,
        concurrency: sizes.ackConcurrency,
        body: (index) => proposeBody(index, `http://127.0.0.1:${fake.port}`),
        from: sent,
      });
      sent += count;
      return result;
    };
    const quiet = async () => {
      if (!(await waitForQuiet([araldo.pid, bolt.child.pid, fake.child.pid]))) {
        notes.push(
          'warning: a process was still busy 2 minutes after a burst; the next run overlaps its work',
        );
      }
    };
    for (const who of ['araldo', 'floor'] as const) {
      context.progress(`ack: warm-up, ${sizes.ackWarmup} commands to ${who}`);
      const warm = await burst(who, sizes.ackWarmup);
      const failures = describeFailures(warm);
      if (failures !== '') {
        throw new Error(`ack: the warm-up of ${who} failed (${failures})\n${targets[who].child.tail()}`);
      }
    }
    await quiet();
    const errorsBefore = araldo.errorLines;
    for (let run = 0; run < sizes.repeats; run++) {
      const order = run % 2 === 0 ? (['araldo', 'floor'] as const) : (['floor', 'araldo'] as const);
      for (const who of order) {
        context.progress(
          `ack: run ${run + 1}/${sizes.repeats}, ${sizes.ackRequests} commands at ${sizes.ackConcurrency} concurrent to ${who}`,
        );
        const result = await burst(who, sizes.ackRequests);
        const failures = describeFailures(result);
        if (failures !== '') notes.push(`run ${run + 1}, ${who}: ${failures}`);
        (who === 'araldo' ? araldoRuns : floorRuns).push(summarize(result));
        await quiet();
      }
    }
    const errors = araldo.errorLines - errorsBefore;
    if (errors > 0)
      notes.push(`Araldo logged ${errors} error line(s) during the runs; the last lines:\n${araldo.tail()}`);
  } finally {
    await araldo.stop();
    await bolt.child.stop();
    await database.drop();
  }
  notes.unshift(
    `Araldo max ack (ms) per run: ${araldoRuns.map((run) => Math.round(run.max)).join(', ')}; floor: ${floorRuns
      .map((run) => Math.round(run.max))
      .join(', ')}`,
  );
  const pick = (runs: readonly AckRun[], field: keyof AckRun) => runs.map((run) => run[field]);
  return {
    name: 'ack',
    workload: `${sizes.ackRequests.toLocaleString('en')} signed /propose at ${sizes.ackConcurrency} concurrent to Araldo (node dist/main.js, Slack HTTP mode) on ${databaseName(context)}`,
    floor:
      'bare @slack/bolt 5.1 app (HTTPReceiver) acking /propose at once, same secret, FakeSlack, Node and machine',
    figures: [
      {
        key: 'ack.p50',
        title: 'ack p50 (ms)',
        unit: 'ms',
        values: pick(araldoRuns, 'p50'),
        floors: pick(floorRuns, 'p50'),
        better: 'lower',
      },
      {
        key: 'ack.p99',
        title: 'ack p99 (ms)',
        unit: 'ms',
        values: pick(araldoRuns, 'p99'),
        floors: pick(floorRuns, 'p99'),
        better: 'lower',
        aim: { on: 'ratio', op: '≤', limit: 1.2 },
      },
      {
        key: 'ack.over_3s',
        title: 'acks over 3 s',
        unit: 'acks',
        values: pick(araldoRuns, 'over3s'),
        floors: pick(floorRuns, 'over3s'),
        better: 'lower',
        aim: { on: 'value', op: '=', limit: 0, of: 'worst' },
      },
      {
        key: 'ack.failed',
        title: 'failed (non-200, no answer)',
        unit: 'requests',
        values: pick(araldoRuns, 'failed'),
        floors: pick(floorRuns, 'failed'),
        better: 'lower',
        aim: { on: 'value', op: '=', limit: 0, of: 'worst' },
      },
      {
        key: 'ack.per_s',
        title: 'acks/s',
        unit: 'acks/s',
        values: pick(araldoRuns, 'perSecond'),
        floors: pick(floorRuns, 'perSecond'),
        better: 'higher',
      },
    ],
    notes,
  };
}
