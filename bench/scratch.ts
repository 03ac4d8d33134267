import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { DatabaseLocation } from '../src/store/database.ts';
import type { DatabaseKind } from './options.ts';

// Everything a run creates outside its own memory (temporary directories,
// scratch PostgreSQL databases, child processes) registers how to remove it
// here, and run.ts removes it all at the end, on failure and on Ctrl-C.
// Scratch databases are named bench_<pid>_<random>: the bench creates them
// and drops only those; it never touches `test` or any other database.

const cleanups: (() => Promise<void> | void)[] = [];

/** Registers `cleanup` to run at the end of the run (last registered, first run). */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** Runs every registered cleanup, newest first; failures are reported, not thrown. */
export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      process.stderr.write(`bench: cleanup failed: ${(error as Error).message}\n`);
    }
  }
}

/** A temporary directory, removed by `remove()` or at the end of the run. */
export function scratchDir(label: string): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `araldo-bench-${label}-`));
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    rmSync(path, { recursive: true, force: true });
  };
  onCleanup(remove);
  return { path, remove };
}

/** A database of the kind under test, empty, for one measurement. */
export interface ScratchDatabase {
  /** for openDatabase in this process */
  readonly location: DatabaseLocation;
  /** the environment a child Araldo needs to use it (DATA_DIR or DATABASE_URL) */
  readonly env: Readonly<Record<string, string>>;
  drop(): Promise<void>;
}

/**
 * A fresh database: a PGlite data directory under DATA_DIR (as Araldo lays
 * it out: `<DATA_DIR>/pglite`), or a new database on the PostgreSQL server.
 */
export async function scratchDatabase(
  kind: DatabaseKind,
  adminUrl: string | undefined,
  label: string,
): Promise<ScratchDatabase> {
  if (kind === 'pglite') {
    const dir = scratchDir(label);
    return {
      location: { pgliteDir: join(dir.path, 'pglite') },
      env: { DATA_DIR: dir.path },
      drop: async () => dir.remove(),
    };
  }
  if (!adminUrl) throw new Error('a PostgreSQL run needs DATABASE_URL');
  const name = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer(adminUrl, (sql) => sql.unsafe(`create database ${name}`));
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await onServer(adminUrl, (sql) => sql.unsafe(`drop database if exists ${name} with (force)`));
  };
  onCleanup(drop);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  // The child keeps its data directory for the lock file and feeds, even on PostgreSQL.
  const dir = scratchDir(`${label}-data`);
  return {
    location: { url: url.toString() },
    env: { DATABASE_URL: url.toString(), DATA_DIR: dir.path },
    drop,
  };
}

async function onServer(adminUrl: string, work: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
