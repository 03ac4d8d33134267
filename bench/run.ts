/**
 * Araldo's benchmark suite (issue 9): `npm run bench`. Figures are printed,
 * never asserted (tests time nothing): each is measured next to a floor in
 * the same run, on the same machine, database kind and fakes, because this
 * machine is shared and absolute figures drift from run to run; the ratio to
 * the floor is what compares across runs. Each figure is repeated and shown as
 * min / median / max, with the ratio (median of the run-by-run ratios), the
 * aim and ✓ or ✗. The run exits 0 whatever the figures say; 1 only when the
 * bench itself broke.
 *
 *   npm run bench                       every figure on PGlite (the embedded default)
 *   DATABASE_URL=postgres://… npm run bench   on PostgreSQL: a scratch database
 *                                       `bench_<pid>_<hex>` per measurement, dropped after
 *   npm run bench -- --quick            small sizes, one run each (a smoke run, under 2 minutes)
 *   npm run bench -- --only ack,engine  some figures (parsing, queries, engine, lateness, start, memory, ack)
 *   npm run bench -- --explain          statements by text: per delivery (engine), per command (queries)
 *   npm run bench -- --json             also one JSON object as the last stdout line:
 *                                       "<database>.<figure>" → {value, floor, ratio, aim, unit, min, max, runs, holds}
 *   BENCH_REPEATS, BENCH_ACK_REQUESTS, BENCH_ACK_CONCURRENCY, … (bench/options.ts) override sizes.
 *
 * The figures, one module each:
 * - ack.ts: `/propose` acknowledgement latency of Araldo as production runs
 *   it (a child `node dist/main.js`, Slack in HTTP mode against FakeSlack in
 *   its own process), 2,000 signed slash commands at 50 concurrent, beside a
 *   bare Bolt 5.1 app acking the same commands (floors/bare-bolt.mjs).
 * - engine.ts: deliveries per second and statements per delivery publishing
 *   a backlog in-process (real store, desk and scheduler loop; zero-latency
 *   publisher and chat), beside a raw claim-and-record loop
 *   (floors/raw-claim-loop.ts) on the same database kind.
 * - lateness.ts: published instant − due instant under Araldo's real
 *   scheduler at real speed: a trickle (not saturated) and bursts of 50 posts
 *   a second (a compressed hour), beside the raw loop woken by a timer.
 * - start.ts: spawn to the first `/healthz` 200 of `node dist/main.js` on an
 *   existing database, beside a bare `node:http` server timed the same way.
 * - memory.ts: resident memory of the child with 1,000 and 100,000 scheduled
 *   posts; the ratio's floor is 1.0, the absolute figure's a bare Bolt app.
 * - queries.ts: statements of `/digest` and `/queue` for a team with 5,000
 *   posts in the window (the aim is one query each), and their time beside
 *   one hand-written query of the same rows.
 * - parsing.ts: the command grammar and the time reader, per second, beside
 *   splitting the line and luxon reading an ISO time.
 *
 * Araldo under measurement as a child is built first (scripts/build-if-stale.mjs),
 * exactly as `npm start` does; the bench itself runs under tsx.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type FakeSlackChild, REPO_ROOT, startFakeSlack } from './children.ts';
import type { BenchContext } from './context.ts';
import { loadDeskConfig, writeDeskConfig } from './desk-kit.ts';
import { type BenchOptions, type FigureName, parseBenchOptions } from './options.ts';
import { formatSection, type Section, toJson } from './report.ts';
import { runCleanups, scratchDir } from './scratch.ts';

/** Loads a figure's module only when it is asked for (Bolt, PGlite and the rest load on demand). */
const MEASURES: Readonly<Record<FigureName, (context: BenchContext) => Promise<Section>>> = {
  parsing: async (context) => (await import('./parsing.ts')).measureParsing(context),
  queries: async (context) => (await import('./queries.ts')).measureQueries(context),
  engine: async (context) => (await import('./engine.ts')).measureEngine(context),
  lateness: async (context) => (await import('./lateness.ts')).measureLateness(context),
  start: async (context) => (await import('./start.ts')).measureStart(context),
  memory: async (context) => (await import('./memory.ts')).measureMemory(context),
  ack: async (context) => (await import('./ack.ts')).measureAck(context),
};

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function buildAraldo(): void {
  progress('building dist/ if stale (scripts/build-if-stale.mjs)');
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-if-stale.mjs')], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
}

function machineLine(options: BenchOptions): string {
  return `Araldo benchmarks · Node ${process.version} · ${availableParallelism()} cores · ${
    options.database === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL (DATABASE_URL)'
  }${options.quick ? ' · --quick' : ''} · ${options.sizes.repeats} run(s) per figure`;
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const started = Date.now();
  if (options.only.some((name) => name === 'ack' || name === 'start' || name === 'memory')) buildAraldo();
  const configDir = scratchDir('config');
  const configPath = writeDeskConfig(configDir.path);
  const { teams, targets } = loadDeskConfig(configPath);
  let fake: Promise<FakeSlackChild> | undefined;
  const context: BenchContext = {
    options,
    configPath,
    teams,
    targets,
    progress,
    fakeSlack: () => {
      fake ??= startFakeSlack();
      return fake;
    },
  };
  console.log(machineLine(options));
  console.log('');
  const sections: Section[] = [];
  for (const name of options.only) {
    const began = Date.now();
    const section = await MEASURES[name](context);
    progress(`${name}: done in ${((Date.now() - began) / 1000).toFixed(0)} s`);
    sections.push(section);
    // In-process figures leave garbage behind; the next figure should not pay for its collection.
    globalThis.gc?.();
    console.log(formatSection(section, options.database === 'pglite' ? 'PGlite' : 'PostgreSQL'));
  }
  console.log(`whole run: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (options.json) console.log(JSON.stringify(toJson(sections, options.database)));
  return 0;
}

let exitCode = 1;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: cleaning up`);
    void runCleanups().then(() => process.exit(130));
  });
}
try {
  exitCode = await main();
} catch (error) {
  process.stderr.write(`bench broke: ${(error as Error).stack ?? String(error)}\n`);
  exitCode = 1;
} finally {
  await runCleanups();
}
process.exit(exitCode);
