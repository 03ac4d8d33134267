import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { AppError } from '../core/app-error.ts';
import { PgliteWorkerClient } from './pglite-client.ts';
import * as schema from './schema.ts';

/** The drizzle database, whichever driver is behind it. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database and how to apply migrations to it and close it. */
export interface DatabaseHandle {
  readonly db: Database;
  readonly driver: 'pglite' | 'postgres';
  /** applies the migrations in drizzle/ that are not applied yet */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** PGlite only: the whole database as a tarball, to start copies from */
  dump?: () => Promise<Blob | File>;
}

/**
 * Where to find the database: a PostgreSQL URL, or PGlite files (or
 * memory), optionally started from a dump of another PGlite database.
 */
export type DatabaseLocation =
  | { readonly url: string }
  | { readonly pgliteDir: string | 'memory'; readonly fromDump?: Blob };

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

// Any constant works; it only has to be the same for every Araldo process.
const MIGRATION_LOCK_KEY = 7_261_843_001;

/** How a database is opened, beyond where it is. */
export interface OpenOptions {
  /**
   * Called for every statement sent to the server, transaction control
   * included (benchmarks count statements per delivery). Never in production.
   */
  readonly onStatement?: (sql: string) => void;
}

/** Opens the database at `location` without migrating it. */
export async function openDatabase(
  location: DatabaseLocation,
  options: OpenOptions = {},
): Promise<DatabaseHandle> {
  if ('url' in location) return openPostgres(location.url, options);
  return openPglite(location.pgliteDir, location.fromDump, options);
}

// PGlite runs in a worker thread (pglite-client.ts): while it runs a
// statement it holds its thread, and the main thread must keep answering.
//
// PGlite keeps 128 MB of shared buffers by default and clears them at every
// start (about 0.3 s here). Araldo's embedded database is one team's posts:
// 32 MB holds its working set, and the file system cache holds the rest.
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

async function openPglite(
  dir: string | 'memory',
  fromDump: Blob | undefined,
  options: OpenOptions,
): Promise<DatabaseHandle> {
  let client: PgliteWorkerClient;
  try {
    client = await PgliteWorkerClient.open(dir, {
      startParams: PGLITE_START_PARAMS,
      ...(fromDump ? { fromDump } : {}),
      ...(options.onStatement ? { onStatement: options.onStatement } : {}),
    });
  } catch (cause) {
    throw new AppError('database_unavailable', `The embedded database in ${dir} could not be opened.`, {
      cause,
    });
  }
  // drizzle's pglite driver calls only query() and transaction() with
  // tx.query() on its client (drizzle-orm 0.45 pglite/session.js), and those
  // the worker client has, with PGlite's signatures.
  const db = drizzlePglite({ client: client as unknown as PGlite, schema });
  return {
    db: db as unknown as Database,
    driver: 'pglite',
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.close(),
    dump: () => client.dumpDataDir('none'),
  };
}

async function openPostgres(url: string, options: OpenOptions): Promise<DatabaseHandle> {
  const { onStatement } = options;
  // Notices (e.g. "relation already exists, skipping") are not worth a log line.
  const client = postgres(url, {
    max: 10,
    onnotice: () => {},
    connect_timeout: 10,
    ...(onStatement ? { debug: (_connection: number, query: string) => onStatement(query) } : {}),
  });
  const db = drizzlePostgres({ client, schema });
  try {
    await db.execute(sql`select 1`);
  } catch (cause) {
    await client.end({ timeout: 1 });
    throw new AppError('database_unavailable', `PostgreSQL at ${redactUrl(url)} does not answer.`, { cause });
  }
  return {
    db: db as unknown as Database,
    driver: 'postgres',
    migrate: () => migratePostgresLocked(url),
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * Several Araldo processes may start at once on one database: a session
 * advisory lock on a single dedicated connection makes them migrate in turn.
 */
async function migratePostgresLocked(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(drizzlePostgres({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } finally {
    await client.end({ timeout: 5 });
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable database URL)';
  }
}
