import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as wait } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { ChatRouter } from './chat/chat-router.ts';
import { ShellAdapter } from './chat/shell/shell-adapter.ts';
import { ShellChat } from './chat/shell/shell-chat.ts';
import type { SlackAdapter } from './chat/slack/slack-adapter.ts';
import { type AppConfig, loadConfig } from './config.ts';
import { AppError } from './core/app-error.ts';
import { createDesk, type Desk } from './core/desk.ts';
import type { ChatOut, Clock, Logger, Publisher } from './core/ports.ts';
import type { Target } from './core/target.ts';
import type { ChatKind } from './core/team.ts';
import { createLogger } from './logger.ts';
import { installProcessSafety } from './process-safety.ts';
import { feedSettingsFor } from './publish/feed/feed-document.ts';
import type { PublisherContext } from './publish/network-definition.ts';
import { networkNamed, rulesOf } from './publish/registry.ts';
import { createTargetSecrets, type SecretRows } from './publish/target-secrets.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { type DataDirLock, lockDataDir } from './store/data-dir-lock.ts';
import { type DatabaseHandle, openDatabase, redactUrl } from './store/database.ts';
import { DrizzleStore } from './store/drizzle-store.ts';
import { createStartedClock, systemClock } from './system-clock.ts';
import { createHttpServer, listen } from './web/http-server.ts';

/** The streams and clock a running Araldo uses; tests pass their own. */
export interface RuntimeIo {
  readonly stdin: Readable;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly clock?: Clock;
}

/** A started Araldo. */
export interface RunningAraldo {
  readonly desk: Desk;
  readonly port: number;
  /** resolves when the shell's input has ended and every line was handled */
  readonly shellDone: Promise<void>;
  stop(): Promise<void>;
}

/**
 * One publisher per target, each made by its network's registry entry with
 * what the wiring gives it: the clock, the public URL, and the target's own
 * sealed secrets in the database.
 */
function createPublishers(
  config: AppConfig,
  publicUrl: () => string,
  logger: Logger,
  rows: SecretRows,
  clock: Clock,
): (target: Target) => Publisher | undefined {
  const sleep = (ms: number, signal?: AbortSignal) => wait(ms, undefined, signal ? { signal } : {});
  const publishers = new Map<string, Publisher>();
  for (const target of config.targets) {
    const network = networkNamed(target.network);
    if (!network) {
      throw new AppError('config_invalid', `target ${target.id}: Araldo knows no network ${target.network}`);
    }
    const context: PublisherContext = {
      publicUrl,
      logger: logger.child({ target: target.id, network: target.network }),
      now: () => clock.now(),
      sleep,
      secrets: createTargetSecrets(target.id, rows, { key: config.secretKey, now: () => clock.now(), sleep }),
    };
    publishers.set(target.id, network.create(target, context));
  }
  return (target) => publishers.get(target.id);
}

/** Starts every part of Araldo from a validated configuration. */
export async function startAraldo(config: AppConfig, io: RuntimeIo): Promise<RunningAraldo> {
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets, destination: io.stderr });
  const clock = io.clock ?? (config.clockStart ? createStartedClock(config.clockStart) : systemClock);
  if (!io.clock && config.clockStart) {
    logger.warn(
      { clockStart: config.clockStart.toISOString() },
      'ARALDO_CLOCK_START is set: the clock does not read the real time (tests and rehearsals only)',
    );
  }
  let lock: DataDirLock | undefined;
  let database: DatabaseHandle;
  if (config.databaseUrl) {
    database = await openDatabase({ url: config.databaseUrl });
    logger.info({ database: redactUrl(config.databaseUrl) }, 'using PostgreSQL');
  } else {
    lock = lockDataDir(config.dataDir);
    database = await openDatabase({ pgliteDir: join(config.dataDir, 'pglite') });
    logger.info({ dataDir: config.dataDir }, 'using the embedded database');
  }
  await database.migrate();
  const store = new DrizzleStore(database.db);

  const chats = new Map<ChatKind, ChatOut>();
  const shellTeam = config.teams.find((team) => team.chat === 'shell');
  const shellChat = new ShellChat({ write: (text) => io.stdout.write(text) });
  if (shellTeam) chats.set('shell', shellChat);

  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  // The port, and so the default public URL, is known only once listening.
  let publicUrl = config.publicUrl ?? '';
  const http = createHttpServer({
    ping: () => store.ping(),
    // Every process renders every feed from the database: replicas serve the same document.
    feeds: { store, targets: feedSettingsFor(config.targets, config.teams), publicUrl: () => publicUrl },
    logger,
    routes,
  });
  const port = await listen(http, config.port);
  publicUrl = config.publicUrl ?? `http://localhost:${port}`;

  let scheduler: Scheduler | undefined;
  const desk = createDesk({
    store,
    clock,
    chat: new ChatRouter(chats),
    logger,
    teams: config.teams,
    targets: config.targets,
    publisherFor: createPublishers(config, () => publicUrl, logger, store, clock),
    rulesOf,
    wake: (at) => scheduler?.wake(at),
    // Owed messages and freed room start at once, not at the next poll.
    kick: () => scheduler?.wake(clock.now()),
  });
  let slack: SlackAdapter | undefined;
  if (config.slack) {
    // Loaded only when a team chats on Slack: Bolt takes a quarter of a
    // second to load, which a shell-only or Discord-only start need not pay.
    const { SlackAdapter } = await import('./chat/slack/slack-adapter.ts');
    slack = new SlackAdapter(desk, {
      ...config.slack,
      teams: config.teams.filter((team) => team.chat === 'slack'),
      logger,
    });
    chats.set('slack', slack.chat);
    const listener = slack.requestListener;
    if (listener) routes.set('/slack/events', listener);
    try {
      await slack.start();
    } catch (cause) {
      throw new AppError(
        'chat_unavailable',
        `Slack did not accept the bot token or cannot be reached (${(cause as Error).message}).`,
        { cause },
      );
    }
  }
  // Each round also owes a due digest nobody has owed yet (cheap: one row
  // per team and day), then starts what may go: publications and owed
  // messages, without waiting for them to end (each ending asks for a round).
  // The first digest waits for the first look at every target's
  // credentials, so a token found revoked at start is in it.
  let credentialsChecked = false;
  const firstCheck = desk.checkCredentials().finally(() => {
    credentialsChecked = true;
  });
  const round = async (now: Date) => {
    if (credentialsChecked) {
      await desk
        .sendDueDigests()
        .catch((error: unknown) => logger.error({ err: error }, 'digest round failed'));
    }
    return desk.startDue(now);
  };
  scheduler = new Scheduler(round, logger, {
    pollCron: '*/30 * * * * *',
    now: () => clock.now(),
  });

  const WEEKDAY_NUMBERS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } as const;
  for (const team of config.teams) {
    scheduler.daily({
      time: team.digest.time,
      days: team.digest.days.map((day) => WEEKDAY_NUMBERS[day]),
      timeZone: team.timeZone,
      run: async () => {
        await firstCheck;
        return desk.sendDueDigests();
      },
    });
  }
  // Credentials are asked about at start and every six hours, so the
  // digest's warnings (14, 3 and 1 days before an expiry) are never stale.
  for (const time of ['00:05', '06:05', '12:05', '18:05']) {
    scheduler.daily({
      time,
      days: [0, 1, 2, 3, 4, 5, 6],
      timeZone: 'UTC',
      run: () => desk.checkCredentials(),
    });
  }
  await scheduler.start();
  // A digest missed while Araldo was down goes now, if it is still its day
  // (after the credential check: at most its 30-second limit, and at once
  // when no target's network can be asked).
  await firstCheck;
  await desk
    .sendDueDigests()
    .catch((error: unknown) => logger.error({ err: error }, 'digest on start failed'));
  logger.info(
    { port, teams: config.teams.map((t) => t.id), config: config.configSource },
    'Araldo is running',
  );

  const shellDone = shellTeam
    ? new ShellAdapter(desk, {
        input: io.stdin,
        chat: shellChat,
        team: shellTeam,
        firstUser: config.shellUser,
        logger,
      }).run()
    : Promise.resolve();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info({}, 'shutting down');
      await scheduler?.stop();
      desk.stop();
      // What is under way ends and is recorded; what is not started stays owed in the database.
      await desk.idle();
      await slack?.stop();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await database.close();
      lock?.release();
    })();
    return stopping;
  };
  return { desk, port, shellDone, stop };
}

function printProblems(problems: readonly string[]): void {
  process.stderr.write(
    `Araldo cannot start: the configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
  );
}

/** The command-line entry: start, then stop cleanly on SIGINT or SIGTERM. */
export async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    printProblems(loaded.error);
    process.exitCode = 2;
    return;
  }
  // No request can stop the process: see process-safety.ts for what is survived.
  const { logLevel: level, secrets } = loaded.value;
  const safety = installProcessSafety({
    logger: createLogger({ level, secrets, destination: process.stderr }),
  });
  let running: RunningAraldo;
  try {
    running = await startAraldo(loaded.value, {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
    });
    safety.started();
  } catch (error) {
    // Expected start-up failures get words, not a stack trace.
    const message =
      error instanceof AppError ? error.message : `unexpected error: ${(error as Error).message}`;
    process.stderr.write(`Araldo cannot start: ${message}\n`);
    // Whatever started before the failure (HTTP server, database) must not keep the process alive.
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    process.stderr.write(`Araldo: ${signal} received, stopping…\n`);
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Araldo: shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
