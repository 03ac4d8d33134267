import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root: Araldo is started from here, as `npm start` does. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How a child process ended. */
export interface AraldoExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What a line predicate sees: the line and its index in the stream so far. */
export type LinePredicate = (line: string, index: number) => boolean;

/** Options for one Araldo child process. */
export interface AraldoProcessOptions {
  /** DATA_DIR of the child: PGlite, the lock file and the feeds live here */
  readonly dataDir: string;
  /** more environment (ARALDO_CONFIG, ARALDO_SHELL_USER…); wins over the defaults */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The instant the child's clock reads at start (ARALDO_CLOCK_START); it
   * runs at real speed from there. Defaults to CHILD_CLOCK_START, so no test
   * reads the wall clock, the weekday or the machine's zone.
   */
  readonly clockStart?: string;
}

/**
 * Where every child's clock starts unless a test says otherwise: a Wednesday
 * at 07:00 in Rome, before the default 08:30 digest, far from any DST change.
 */
export const CHILD_CLOCK_START = '2026-06-10T07:00:00+02:00';

// Inherited variables that would make the child read another configuration
// or database than the one the test sets up.
const SCRUBBED_ENV = [
  'DATABASE_URL',
  'ARALDO_CONFIG',
  'ARALDO_SHELL_USER',
  'PUBLIC_URL',
  'LOG_LEVEL',
  'PORT',
  'DATA_DIR',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'DISCORD_TOKEN',
  'ARALDO_CLOCK_START',
];

const running = new Set<AraldoProcess>();

/**
 * Araldo running as a real child process (`node --import tsx src/main.ts`),
 * as an operator starts it: the test types on its stdin, reads its stdout
 * line by line and its JSON logs on stderr. Waiting is event-driven: a
 * waiter is woken by the line it waits for, by its timeout, or by the
 * process ending first.
 */
export class AraldoProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** every stdout line so far, in order */
  readonly stdout: string[] = [];
  /** every stderr line so far, in order */
  readonly stderr: string[] = [];
  /** resolves once the process has ended and its output streams are drained */
  readonly exited: Promise<AraldoExit>;
  #exit: AraldoExit | undefined;
  readonly #events = new EventEmitter();

  constructor(options: AraldoProcessOptions) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SCRUBBED_ENV) delete env[name];
    Object.assign(
      env,
      {
        DATA_DIR: options.dataDir,
        PORT: '0',
        LOG_LEVEL: 'info',
        ARALDO_CLOCK_START: options.clockStart ?? CHILD_CLOCK_START,
      },
      options.env,
    );
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#events.setMaxListeners(0);
    // A test that closes stdin early, or a child that dies, must not crash the runner.
    this.child.stdin.on('error', () => {});
    this.#collect(this.child.stdout, this.stdout, 'stdout');
    this.#collect(this.child.stderr, this.stderr, 'stderr');
    this.exited = new Promise((resolve) => {
      // 'close' comes after 'exit' and after stdout/stderr have ended, so
      // every line is collected by the time a test looks at the exit.
      this.child.once('close', (code, signal) => {
        this.#exit = { code, signal };
        running.delete(this);
        this.#events.emit('close');
        resolve(this.#exit);
      });
    });
    running.add(this);
  }

  #collect(stream: NodeJS.ReadableStream, lines: string[], name: 'stdout' | 'stderr'): void {
    const reader = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    reader.on('line', (line) => {
      lines.push(line);
      this.#events.emit(name);
    });
  }

  /** the child's pid */
  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the Araldo process did not start');
    return this.child.pid;
  }

  /** how it ended, or undefined while it runs */
  get exit(): AraldoExit | undefined {
    return this.#exit;
  }

  /** types one line on stdin */
  write(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** closes stdin, as the end of a piped script does */
  endInput(): void {
    this.child.stdin.end();
  }

  /** sends a signal to the child */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }

  /** resolves with the first stdout line matching `predicate`, already seen or still to come */
  waitForLine(predicate: LinePredicate, timeoutMs = 45_000): Promise<string> {
    return this.#waitFor('stdout', this.stdout, predicate, timeoutMs);
  }

  /** resolves with the first stderr line matching `predicate` */
  waitForStderrLine(predicate: LinePredicate, timeoutMs = 45_000): Promise<string> {
    return this.#waitFor('stderr', this.stderr, predicate, timeoutMs);
  }

  /** the HTTP port, from the `Araldo is running` log line (LOG_LEVEL=info) */
  async port(timeoutMs = 45_000): Promise<number> {
    const line = await this.waitForStderrLine((l) => parseLog(l)?.msg === 'Araldo is running', timeoutMs);
    const port = parseLog(line)?.port;
    if (typeof port !== 'number') throw new Error(`no port in the start-up line: ${line}`);
    return port;
  }

  /** stdout and stderr so far, for failure messages */
  transcript(): string {
    return [
      '--- stdout ---',
      ...this.stdout,
      '--- stderr ---',
      ...this.stderr,
      this.#exit
        ? `--- exited: code ${this.#exit.code}, signal ${this.#exit.signal} ---`
        : '--- still running ---',
    ].join('\n');
  }

  #waitFor(
    event: 'stdout' | 'stderr',
    lines: readonly string[],
    predicate: LinePredicate,
    timeoutMs: number,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      let checked = 0;
      const check = (): boolean => {
        for (; checked < lines.length; checked++) {
          const line = lines[checked];
          if (line !== undefined && predicate(line, checked)) {
            cleanup();
            resolve(line);
            return true;
          }
        }
        return false;
      };
      const onClose = () => {
        if (check()) return;
        cleanup();
        reject(new Error(`Araldo ended before the awaited ${event} line appeared\n${this.transcript()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching ${event} line within ${timeoutMs} ms\n${this.transcript()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#events.off(event, check);
        this.#events.off('close', onClose);
      };
      if (check()) return;
      if (this.#exit) {
        onClose();
        return;
      }
      this.#events.on(event, check);
      this.#events.once('close', onClose);
    });
  }
}

/** one JSON log line, or undefined for anything else (plain stderr messages) */
export function parseLog(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts Araldo as a child process; stop it with `kill`, or let `killAllAraldos` do it. */
export function startAraldoProcess(options: AraldoProcessOptions): AraldoProcess {
  return new AraldoProcess(options);
}

/**
 * Kills every Araldo child still running (SIGKILL) and waits until each is
 * reaped, so the next test's lock check never sees a zombie's pid. Call it
 * in afterEach: it runs whether the test passed or failed.
 */
export async function killAllAraldos(): Promise<void> {
  const left = [...running];
  for (const araldo of left) araldo.kill('SIGKILL');
  await Promise.all(left.map((araldo) => araldo.exited));
}
