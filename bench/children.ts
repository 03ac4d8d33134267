import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './scratch.ts';

// Child processes the bench measures or talks to: Araldo as production runs
// it (`node dist/main.js`), the floors (a bare Bolt app, a bare HTTP server)
// and FakeSlack in a process of its own, so the fake's work never delays
// the load generator's clock. Their logs are kept (the last lines) for the
// error message when one fails; nothing else reads them.

/** The repository root: children start from here, as `npm start` does. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

// Inherited variables that would make a child read another configuration or database.
const SCRUBBED_ENV = [
  'DATABASE_URL',
  'ARALDO_CONFIG',
  'ARALDO_SHELL_USER',
  'ARALDO_CLOCK_START',
  'PUBLIC_URL',
  'LOG_LEVEL',
  'PORT',
  'DATA_DIR',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_API_URL',
  'DISCORD_TOKEN',
  'NODE_OPTIONS',
];

const KEPT_LINES = 60;

/** A running child process. */
export class Child {
  readonly process: ChildProcess;
  readonly label: string;
  /** `performance.now()` just before the spawn */
  readonly spawnedAt: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #lines: string[] = [];
  /** JSON log lines at level error or fatal (pino levels 50 and 60) written so far */
  errorLines = 0;
  readonly #listeners = new Set<(line: string, stream: 'stdout' | 'stderr') => void>();

  constructor(label: string, args: readonly string[], env: Readonly<Record<string, string>>) {
    this.label = label;
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SCRUBBED_ENV) delete childEnv[name];
    Object.assign(childEnv, env);
    this.spawnedAt = performance.now();
    this.process = spawn(process.execPath, [...args], {
      cwd: REPO_ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = this.process[name];
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        this.#lines.push(`${name}: ${line}`);
        if (line.startsWith('{"level":50') || line.startsWith('{"level":60')) this.errorLines += 1;
        if (this.#lines.length > KEPT_LINES) this.#lines.shift();
        for (const listener of this.#listeners) listener(line, name);
      });
    }
    this.exited = new Promise((resolve) => {
      this.process.once('close', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
    onCleanup(() => this.stop());
  }

  get pid(): number {
    if (this.process.pid === undefined) throw new Error(`${this.label} did not start`);
    return this.process.pid;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** the last lines it wrote, for error messages */
  tail(): string {
    const exit = this.#exit ? `\n(exited: code ${this.#exit.code}, signal ${this.#exit.signal})` : '';
    return `${this.#lines.join('\n')}${exit}`;
  }

  /** resolves with the first line (from now on) that `matches`; rejects if the child ends or `timeoutMs` passes */
  waitForLine(
    matches: (line: string, stream: 'stdout' | 'stderr') => boolean,
    timeoutMs = 60_000,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const listener = (line: string, stream: 'stdout' | 'stderr') => {
        if (!matches(line, stream)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.label}: no awaited line within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      const onExit = () => {
        done();
        reject(new Error(`${this.label} ended before the awaited line\n${this.tail()}`));
      };
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        this.process.off('close', onExit);
      };
      this.#listeners.add(listener);
      if (!this.running) onExit();
      else this.process.once('close', onExit);
    });
  }

  /** SIGTERM, then SIGKILL if it has not ended within `graceMs` */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A TCP port free right now on 127.0.0.1 (the child binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Status of one GET, or 0 when the connection failed. */
function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/**
 * Polls `url` every `intervalMs` until it answers 200; resolves with
 * `performance.now()` at that answer. Rejects if `child` ends first or
 * `timeoutMs` passes. A refused connection costs the child nothing.
 */
export async function waitForOk(
  child: Child,
  url: string,
  timeoutMs = 60_000,
  intervalMs = 5,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!child.running) throw new Error(`${child.label} ended before ${url} answered\n${child.tail()}`);
    if ((await getStatus(url)) === 200) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${child.label}: ${url} did not answer 200 within ${timeoutMs} ms\n${child.tail()}`);
}

/** Resident memory of a process in MB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}

/** CPU time a process has used so far, in clock ticks (utime + stime of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * Waits until every process in `pids` has been idle (at most one clock tick
 * of CPU, 10 ms) for two windows of `windowMs` in a row: the work a burst left
 * behind (an outbox to drain, a garbage collection) is over before the next
 * measurement starts. Gives up after `maxMs`, returning false.
 */
export async function waitForQuiet(
  pids: readonly number[],
  windowMs = 300,
  maxMs = 120_000,
): Promise<boolean> {
  const deadline = performance.now() + maxMs;
  let quietWindows = 0;
  let before = pids.map(cpuTicks);
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = pids.map(cpuTicks);
    const busy = now.some((ticks, index) => ticks - (before[index] ?? 0) > 1);
    before = now;
    quietWindows = busy ? 0 : quietWindows + 1;
    if (quietWindows >= 2) return true;
  }
  return false;
}

/** One JSON log line of Araldo, or undefined. */
export function parseLogLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Araldo as production runs it: `node dist/main.js`, with `env` (plus LOG_LEVEL=info, production's default). */
export function spawnAraldo(env: Readonly<Record<string, string>>, label = 'Araldo'): Child {
  // BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of each Araldo it spawns,
  // to see where a figure's time goes (open it in Chrome's DevTools).
  const profileDir = process.env.BENCH_CPU_PROFILE;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  return new Child(label, [...profile, 'dist/main.js'], { LOG_LEVEL: 'info', ...env });
}

/** Resolves once Araldo has logged `Araldo is running` (Slack's route and the scheduler are up). */
export async function waitForRunning(child: Child, timeoutMs = 120_000): Promise<void> {
  await child.waitForLine((line) => parseLogLine(line)?.msg === 'Araldo is running', timeoutMs);
}

/** FakeSlack in a process of its own. */
export interface FakeSlackChild {
  /** the Web API base URL, for SLACK_API_URL */
  readonly url: string;
  readonly port: number;
  readonly child: Child;
}

/** Starts bench/fake-slack-main.ts and reads its address. */
export async function startFakeSlack(): Promise<FakeSlackChild> {
  const child = new Child('FakeSlack', ['--import', 'tsx', 'bench/fake-slack-main.ts'], {});
  const line = await child.waitForLine((text, stream) => stream === 'stdout' && text.startsWith('{'));
  const { url, port } = JSON.parse(line) as { url: string; port: number };
  return { url, port, child };
}

/** The bare Bolt floor (floors/bare-bolt.mjs) on `port`. */
export async function startBareBolt(
  slackApiUrl: string,
  signingSecret: string,
  botToken: string,
): Promise<{
  readonly child: Child;
  readonly url: string;
}> {
  const port = await freePort();
  const child = new Child('bare Bolt', ['bench/floors/bare-bolt.mjs'], {
    PORT: String(port),
    SLACK_API_URL: slackApiUrl,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_BOT_TOKEN: botToken,
  });
  await child.waitForLine((text, stream) => stream === 'stdout' && text.startsWith('{'));
  return { child, url: `http://127.0.0.1:${port}/slack/events` };
}
