import { Child, freePort, spawnAraldo, waitForOk, waitForRunning } from './children.ts';
import { type BenchContext, databaseName } from './context.ts';
import { deskEnv } from './desk-kit.ts';
import type { Section } from './report.ts';
import { scratchDatabase } from './scratch.ts';

// Start: from spawning `node dist/main.js` (as production runs it: built,
// no tsx) to the first 200 from /healthz, polled every 5 ms on a port chosen
// beforehand, on an existing database (a PGlite data directory, or a
// PostgreSQL database, that a first start created and migrated: not timed).
// Also timed: the `Araldo is running` log line (Slack's route and the
// scheduler up; Slack's auth.test is answered by FakeSlack). Floor: `node -e`
// starting a bare node:http server answering 200, timed the same way.

const BARE_SERVER = `require('node:http').createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT))`;

interface StartRun {
  readonly healthzMs: number;
  readonly runningMs: number;
}

async function startAraldoOnce(env: Readonly<Record<string, string>>): Promise<StartRun> {
  const port = await freePort();
  const child = spawnAraldo({ ...env, PORT: String(port) }, 'Araldo (start)');
  try {
    const running = waitForRunning(child).then(() => performance.now());
    const healthy = await waitForOk(child, `http://127.0.0.1:${port}/healthz`);
    const runningAt = await running;
    return { healthzMs: healthy - child.spawnedAt, runningMs: runningAt - child.spawnedAt };
  } finally {
    await child.stop();
  }
}

async function startFloorOnce(): Promise<number> {
  const port = await freePort();
  const child = new Child('bare node:http', ['-e', BARE_SERVER], { PORT: String(port) });
  try {
    const healthy = await waitForOk(child, `http://127.0.0.1:${port}/healthz`);
    return healthy - child.spawnedAt;
  } finally {
    await child.stop();
  }
}

/** The start figures: spawn to /healthz 200, and to `Araldo is running`, beside a bare server. */
export async function measureStart(context: BenchContext): Promise<Section> {
  const { options } = context;
  const repeats = options.sizes.startRepeats;
  const fake = await context.fakeSlack();
  const database = await scratchDatabase(options.database, options.adminUrl, 'start');
  const env = { ...database.env, ...deskEnv(context.configPath, fake.url) };
  const araldo: StartRun[] = [];
  const floor: number[] = [];
  try {
    context.progress(`start: a first start creates the ${databaseName(context)} database (not timed)`);
    const first = spawnAraldo({ ...env, PORT: '0' }, 'Araldo (first start)');
    try {
      await waitForRunning(first);
    } finally {
      await first.stop();
    }
    for (let run = 0; run < repeats; run++) {
      context.progress(`start: run ${run + 1}/${repeats}`);
      if (run % 2 === 0) {
        araldo.push(await startAraldoOnce(env));
        floor.push(await startFloorOnce());
      } else {
        floor.push(await startFloorOnce());
        araldo.push(await startAraldoOnce(env));
      }
    }
  } finally {
    await database.drop();
  }
  const aimMs = options.database === 'pglite' ? 2000 : 1000;
  return {
    name: 'start',
    workload: `spawn \`node dist/main.js\` (Slack team, 2 feed targets) on an existing ${databaseName(context)} database, ${repeats} starts`,
    floor: '`node -e` starting a bare node:http server answering 200, timed the same way',
    figures: [
      {
        key: 'start.healthz',
        title: 'spawn → /healthz 200 (ms)',
        unit: 'ms',
        values: araldo.map((run) => run.healthzMs),
        floors: floor,
        better: 'lower',
        aim: { on: 'value', op: '<', limit: aimMs },
      },
      {
        key: 'start.running',
        title: 'spawn → "Araldo is running" (ms)',
        unit: 'ms',
        values: araldo.map((run) => run.runningMs),
        floors: floor,
        better: 'lower',
      },
    ],
    notes: [],
  };
}
