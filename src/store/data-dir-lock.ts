import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/app-error.ts';

/** A held lock on a data directory; release it on clean shutdown. */
export interface DataDirLock {
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function refuse(dir: string, holder: number): never {
  throw new AppError(
    'data_dir_locked',
    `Another Araldo (pid ${holder}) is already using ${dir}. The embedded database serves one process: stop the other one, or use DATABASE_URL with PostgreSQL to run several.`,
  );
}

/**
 * Moves a lock file left by a dead process out of the way. The rename is
 * atomic, so of two processes starting together after a crash only one
 * moves it; if what was moved turns out to be a live process's fresh lock,
 * it is linked back and this process refuses.
 */
function clearStaleLock(dir: string, path: string): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readPid(aside);
  if (moved !== undefined && moved !== process.pid && isAlive(moved)) {
    try {
      linkSync(aside, path);
    } finally {
      rmSync(aside, { force: true });
    }
    refuse(dir, moved);
  }
  rmSync(aside, { force: true });
}

/**
 * Takes the data directory for this process. PGlite serves one process: a
 * second Araldo on the same directory would corrupt it, so it is refused.
 * The lock file names the holder's pid; a file left by a process that died
 * (kill -9) is taken over, so a crash never blocks the next start.
 */
export function lockDataDir(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'araldo.lock');
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return {
        release: () => {
          if (readPid(path) === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readPid(path);
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) refuse(dir, holder);
      clearStaleLock(dir, path);
    }
  }
  throw new AppError('data_dir_locked', `Could not take the lock file ${join(dir, 'araldo.lock')}.`);
}
