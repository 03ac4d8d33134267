import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { type DatabaseHandle, type DatabaseLocation, openDatabase } from '../../src/store/database.ts';

/**
 * A fresh, migrated database for one test file: PGlite in memory, or, when
 * TEST_DATABASE_URL is set, a new PostgreSQL database created for this file
 * and dropped afterwards, so parallel workers and earlier runs never collide.
 */
export interface TestDatabase {
  readonly handle: DatabaseHandle;
  /** where it lives, to open it again from another client or process */
  readonly location: DatabaseLocation;
  drop(): Promise<void>;
}

/** Which driver the suite runs on, for test names. */
export const testDriver: 'postgres' | 'pglite' = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

/** Creates an empty PostgreSQL database and returns its URL, or undefined on PGlite runs. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) return undefined;
  const name = `araldo_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}

/** Opens and migrates a fresh database with the same migrate() production runs. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = await createPostgresDatabase();
  const template = process.env.ARALDO_PGLITE_TEMPLATE;
  const location: DatabaseLocation = server
    ? { url: server.url }
    : { pgliteDir: 'memory', ...(template ? { fromDump: new Blob([readFileSync(template)]) } : {}) };
  const handle = await openDatabase(location);
  await handle.migrate();
  return {
    handle,
    location,
    drop: async () => {
      await handle.close();
      await server?.drop();
    },
  };
}
