import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** How a child process ended, with everything it wrote. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A TypeScript script running in its own Node process. */
export interface ChildNode {
  readonly process: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** resolves with the first stdout line `matches` accepts; rejects if the child exits first */
  waitForLine(matches: (line: string) => boolean): Promise<string>;
  /** writes one line to the child's stdin */
  send(line: string): void;
  /** resolves once the child has exited and its output streams have ended */
  readonly exited: Promise<ChildExit>;
}

/**
 * Starts `node --import tsx <script> ...args` from the repository root, so
 * the script runs the same TypeScript sources as the tests.
 */
export function spawnTsx(script: string, args: readonly string[]): ChildNode {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  let stdout = '';
  let stderr = '';
  const lineListeners = new Set<(line: string) => void>();
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) for (const listener of lineListeners) listener(line);
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = Promise.all([
    once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>,
    once(child.stdout, 'end'),
    once(child.stderr, 'end'),
  ]).then(([[code, signal]]) => ({ code, signal, stdout, stderr }));

  return {
    process: child,
    pid: child.pid,
    exited,
    send: (line) => {
      child.stdin.write(`${line}\n`);
    },
    waitForLine: (matches) =>
      new Promise<string>((resolve, reject) => {
        const listener = (line: string): void => {
          if (!matches(line)) return;
          lineListeners.delete(listener);
          resolve(line);
        };
        lineListeners.add(listener);
        exited.then(
          (exit) =>
            reject(
              new Error(
                `${script} exited (code ${exit.code}, signal ${exit.signal}) before the line awaited:\n${exit.stderr}`,
              ),
            ),
          reject,
        );
      }),
  };
}
