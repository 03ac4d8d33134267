import { randomBytes } from 'node:crypto';
import {
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../core/app-error.ts';

/** A held lock on a data directory; release it on clean shutdown. */
export interface DataDirLock {
  release(): void;
}

/** How often a holder touches its lock file, so other hosts can tell it is alive. */
const HEARTBEAT_MS = 10_000;
/** A lock from another host not touched for this long belongs to a dead process. */
const STALE_AFTER_MS = 3 * HEARTBEAT_MS;

interface Holder {
  readonly pid: number | undefined;
  readonly host: string | undefined;
  readonly token: string | undefined;
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

function readHolder(path: string): Holder {
  try {
    const [pid, host, token] = readFileSync(path, 'utf8').split('\n');
    const parsed = Number.parseInt(pid ?? '', 10);
    return {
      pid: Number.isInteger(parsed) && parsed > 0 ? parsed : undefined,
      host: host || undefined,
      token: token || undefined,
    };
  } catch {
    return { pid: undefined, host: undefined, token: undefined };
  }
}

/**
 * Whether the lock's holder still runs. On this host the pid says so (a
 * process of ours with the same pid is an earlier incarnation: a restarted
 * container is pid 1 again). From another host sharing the volume, pids
 * mean nothing: a lock touched recently is alive.
 */
function holderAlive(path: string, holder: Holder): boolean {
  if (holder.host !== undefined && holder.host !== hostname()) {
    try {
      return Date.now() - statSync(path).mtimeMs < STALE_AFTER_MS;
    } catch {
      return false;
    }
  }
  return holder.pid !== undefined && holder.pid !== process.pid && isAlive(holder.pid);
}

function refuse(dir: string, holder: Holder): never {
  const where = holder.host && holder.host !== hostname() ? ` on ${holder.host}` : '';
  throw new AppError(
    'data_dir_locked',
    `Another Araldo (pid ${holder.pid ?? '?'}${where}) is already using ${dir}. The embedded database serves one process: stop the other one, or use DATABASE_URL with PostgreSQL to run several.`,
  );
}

/**
 * Moves a lock file left by a dead process out of the way. The rename is
 * atomic, so of two processes starting together after a crash only one
 * moves it; if what was moved turns out to be a live process's fresh lock,
 * it is linked back and this process refuses.
 */
function clearStaleLock(dir: string, path: string): void {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  if (holderAlive(aside, moved)) {
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
 * The lock file names the holder (pid, host, a token) and is touched every
 * 10 s; a file left by a process that died (kill -9) is taken over, so a
 * crash never blocks the next start.
 */
export function lockDataDir(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'araldo.lock');
  const token = randomBytes(8).toString('hex');
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n${hostname()}\n${token}\n`, { flag: 'wx' });
      const heartbeat = setInterval(() => {
        try {
          const now = new Date();
          utimesSync(path, now, now);
        } catch {
          // The file is gone (released, or removed by hand): nothing to keep alive.
        }
      }, HEARTBEAT_MS);
      heartbeat.unref();
      return {
        release: () => {
          clearInterval(heartbeat);
          if (readHolder(path).token === token) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (holderAlive(path, holder)) refuse(dir, holder);
      clearStaleLock(dir, path);
    }
  }
  throw new AppError('data_dir_locked', `Could not take the lock file ${path}.`);
}
