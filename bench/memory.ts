import { openDatabase } from '../src/store/database.ts';
import { DrizzleStore } from '../src/store/drizzle-store.ts';
import { systemClock } from '../src/system-clock.ts';
import {
  type Child,
  freePort,
  rssMb,
  spawnAraldo,
  startBareBolt,
  waitForQuiet,
  waitForRunning,
} from './children.ts';
import { type BenchContext, databaseName } from './context.ts';
import { BENCH_DESK, createBenchDesk, deskEnv, ZeroChat, ZeroPublisher } from './desk-kit.ts';
import type { Section } from './report.ts';
import { type ScratchDatabase, scratchDatabase } from './scratch.ts';
import { copyTemplate, makeTemplatePost, readTemplate } from './seed.ts';
import { proposeBody, sendCommands } from './slack-load.ts';

// Memory: the resident memory (VmRSS) of `node dist/main.js` with 1,000 and
// with 100,000 approved posts scheduled over the next 30 days (two targets
// each), seeded with SQL from a post made through the desk. Each run starts
// the child, waits for `Araldo is running`, sends 5 signed `/propose` (each
// decision kicks a scheduler round: claims, next due time, the outbox),
// waits until it is idle and reads VmRSS. The two sizes alternate run by
// run. Aim: the ratio 100k/1k stays ≤ 1.1 (its floor is 1.0: memory that
// does not grow with the posts), and under 200 MB on PostgreSQL (on PGlite
// the embedded database lives in the same process, so no absolute aim);
// the absolute figures are printed beside a bare Bolt app's RSS after the
// same 5 commands.

const COMMANDS = 5;
const DAY_MS = 86_400_000;

async function seed(context: BenchContext, database: ScratchDatabase, posts: number): Promise<void> {
  const handle = await openDatabase(database.location);
  try {
    await handle.migrate();
    const store = new DrizzleStore(handle.db);
    const desk = createBenchDesk({
      store,
      clock: systemClock,
      teams: context.teams,
      targets: context.targets,
      publisher: new ZeroPublisher(),
      chat: new ZeroChat(),
    });
    const templateId = await makeTemplatePost(desk, store, 'scheduled', {
      at: new Date(Date.now() + 2 * DAY_MS),
      now: () => new Date(),
    });
    const template = await readTemplate(handle.db, templateId);
    const copies = posts - 1;
    await copyTemplate(handle.db, template, copies, {
      firstNumber: template.number + 1,
      due: {
        base: new Date(Date.now() + DAY_MS),
        offsetsMs: Array.from({ length: copies }, (_, index) => Math.floor((index * 30 * DAY_MS) / copies)),
      },
    });
  } finally {
    await handle.close();
  }
}

async function rssAfterCommands(child: Child, url: string, quietPids: readonly number[], from: number) {
  const result = await sendCommands({
    url,
    count: COMMANDS,
    concurrency: 1,
    body: (index) => proposeBody(index, 'http://127.0.0.1:9'),
    from,
  });
  if (result.latenciesMs.length !== COMMANDS || result.statuses.size > 0) {
    throw new Error(`memory: ${child.label} did not take the commands\n${child.tail()}`);
  }
  await waitForQuiet([child.pid, ...quietPids]);
  return rssMb(child.pid);
}

/** The memory figures: RSS with 100,000 vs 1,000 scheduled posts, and in MB beside bare Bolt. */
export async function measureMemory(context: BenchContext): Promise<Section> {
  const { options } = context;
  const { sizes } = options;
  const fake = await context.fakeSlack();
  const sized = [
    {
      posts: sizes.memorySmall,
      database: await scratchDatabase(options.database, options.adminUrl, 'memory-small'),
    },
    {
      posts: sizes.memoryLarge,
      database: await scratchDatabase(options.database, options.adminUrl, 'memory-large'),
    },
  ] as const;
  const rss: [number[], number[]] = [[], []];
  const floor: number[] = [];
  let commandIndex = 1_000_000;
  try {
    for (const { posts, database } of sized) {
      context.progress(`memory: seeding ${posts.toLocaleString('en')} scheduled posts`);
      await seed(context, database, posts);
    }
    for (let run = 0; run < sizes.repeats; run++) {
      const order = run % 2 === 0 ? [0, 1] : [1, 0];
      for (const which of order) {
        const { posts, database } = sized[which as 0 | 1];
        context.progress(`memory: run ${run + 1}/${sizes.repeats}, ${posts.toLocaleString('en')} posts`);
        const port = await freePort();
        const child = spawnAraldo(
          { ...database.env, ...deskEnv(context.configPath, fake.url), PORT: String(port) },
          `Araldo (${posts} posts)`,
        );
        try {
          await waitForRunning(child);
          rss[which as 0 | 1].push(
            await rssAfterCommands(
              child,
              `http://127.0.0.1:${port}/slack/events`,
              [fake.child.pid],
              commandIndex,
            ),
          );
          commandIndex += COMMANDS;
        } finally {
          await child.stop();
        }
      }
      const bolt = await startBareBolt(fake.url, BENCH_DESK.signingSecret, BENCH_DESK.botToken);
      try {
        floor.push(await rssAfterCommands(bolt.child, bolt.url, [fake.child.pid], commandIndex));
        commandIndex += COMMANDS;
      } finally {
        await bolt.child.stop();
      }
    }
  } finally {
    for (const { database } of sized) await database.drop();
  }
  const [small, large] = rss;
  const small_ = sizes.memorySmall.toLocaleString('en');
  const large_ = sizes.memoryLarge.toLocaleString('en');
  return {
    name: 'memory',
    workload: `RSS of node dist/main.js on ${databaseName(context)} with ${small_} and ${large_} scheduled posts (2 targets each, over 30 days), after start and ${COMMANDS} /propose`,
    floor: `ratio: 1.0 (flat); MB: a bare @slack/bolt 5.1 app after the same ${COMMANDS} commands`,
    figures: [
      {
        key: 'memory.ratio',
        title: `RSS ${large_} / ${small_} posts`,
        unit: '×',
        values: large.map((mb, index) => mb / (small[index] ?? Number.NaN)),
        floors: [1],
        better: 'lower',
        aim: { on: 'value', op: '≤', limit: 1.1 },
      },
      {
        key: 'memory.rss_small_mb',
        title: `RSS, ${small_} posts (MB)`,
        unit: 'MB',
        values: small,
        floors: floor,
        better: 'lower',
      },
      {
        key: 'memory.rss_large_mb',
        title: `RSS, ${large_} posts (MB)`,
        unit: 'MB',
        values: large,
        floors: floor,
        better: 'lower',
        ...(options.database === 'postgres' ? { aim: { on: 'value', op: '<', limit: 200 } as const } : {}),
      },
    ],
    notes: [],
  };
}
