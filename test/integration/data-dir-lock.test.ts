import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/app-error.ts';
import { lockDataDir } from '../../src/store/data-dir-lock.ts';
import { type ChildNode, spawnTsx } from '../support/child-node.ts';

const HOLDER = 'test/support/data-dir-lock-holder.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'araldo-lock-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a child process holding the lock on `dir`; resolves once it holds it. */
async function startHolder(dir: string): Promise<ChildNode> {
  const holder = spawnTsx(HOLDER, [dir]);
  cleanups.push(async () => {
    if (holder.process.exitCode === null && holder.process.signalCode === null)
      holder.process.kill('SIGKILL');
    await holder.exited;
  });
  await holder.waitForLine((line) => line === `locked ${holder.pid}`);
  return holder;
}

function refusal(dir: string): AppError {
  try {
    lockDataDir(dir).release();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`expected lockDataDir(${dir}) to be refused`);
}

const lockFile = (dir: string): string => join(dir, 'araldo.lock');

describe('lockDataDir', () => {
  it('takes a free directory and names this process in the lock file', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    expect(readFileSync(lockFile(dir), 'utf8').split('\n')[0]).toBe(String(process.pid));
    lock.release();
  });

  it('creates the data directory when it does not exist yet', () => {
    const dir = join(freshDir(), 'data', 'pglite');
    const lock = lockDataDir(dir);
    expect(existsSync(lockFile(dir))).toBe(true);
    lock.release();
  });

  it('removes the lock file on release', () => {
    const dir = freshDir();
    lockDataDir(dir).release();
    expect(existsSync(lockFile(dir))).toBe(false);
    // and the directory can be taken again
    lockDataDir(dir).release();
  });

  it('lets the process that holds the directory take it again', () => {
    // The holder's pid is this process's own: the file is taken over, not refused.
    const dir = freshDir();
    const first = lockDataDir(dir);
    const second = lockDataDir(dir);
    expect(readFileSync(lockFile(dir), 'utf8').split('\n')[0]).toBe(String(process.pid));
    second.release();
    first.release();
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  it('refuses a directory held by another live process, naming its pid and DATABASE_URL', async () => {
    const dir = freshDir();
    const holder = await startHolder(dir);
    const error = refusal(dir);
    expect(error.code).toBe('data_dir_locked');
    expect(error.message).toContain(`pid ${holder.pid}`);
    expect(error.message).toContain(dir);
    expect(error.message).toContain('DATABASE_URL');
    // The refusal leaves the holder's lock in place.
    expect(readFileSync(lockFile(dir), 'utf8').split('\n')[0]).toBe(String(holder.pid));
  });

  it('takes over the lock of a process killed with SIGKILL', async () => {
    const dir = freshDir();
    const holder = await startHolder(dir);
    holder.process.kill('SIGKILL');
    const exit = await holder.exited;
    expect(exit.signal).toBe('SIGKILL');
    // kill -9 leaves the file behind, naming a dead pid.
    expect(readFileSync(lockFile(dir), 'utf8').split('\n')[0]).toBe(String(holder.pid));

    const lock = lockDataDir(dir);
    expect(readFileSync(lockFile(dir), 'utf8').split('\n')[0]).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  it('frees the directory when the holder shuts down cleanly', async () => {
    const dir = freshDir();
    const holder = await startHolder(dir);
    const released = holder.waitForLine((line) => line === 'released');
    holder.process.stdin.end();
    await released;
    expect((await holder.exited).code).toBe(0);
    expect(existsSync(lockFile(dir))).toBe(false);
    lockDataDir(dir).release();
  });

  it('takes over a lock file that names no pid', () => {
    const dir = freshDir();
    writeFileSync(lockFile(dir), 'not a pid\n');
    const lock = lockDataDir(dir);
    expect(readFileSync(lockFile(dir), 'utf8').split('\n')[0]).toBe(String(process.pid));
    lock.release();
  });

  it('leaves a lock file that another process has taken over on release', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    // As if this process had stalled and a live successor (here: our parent) had taken the file over.
    writeFileSync(lockFile(dir), `${process.ppid}\n`);
    lock.release();
    expect(readFileSync(lockFile(dir), 'utf8').split('\n')[0]).toBe(String(process.ppid));
  });

  it('refuses a lock another host touched recently, and takes one it stopped touching', () => {
    // Two containers on one volume: pids mean nothing across hosts, the heartbeat does.
    const dir = freshDir();
    writeFileSync(lockFile(dir), '1\nother-host\ntoken\n');
    // Touched as the other host's heartbeat touches it: by the process clock,
    // not the file system's, so the test holds when the two differ (libfaketime).
    const justNow = new Date();
    utimesSync(lockFile(dir), justNow, justNow);
    expect(() => lockDataDir(dir)).toThrow(/pid 1 on other-host/);
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(lockFile(dir), longAgo, longAgo);
    const lock = lockDataDir(dir);
    expect(readFileSync(lockFile(dir), 'utf8').split('\n')[0]).toBe(String(process.pid));
    lock.release();
  });
});
