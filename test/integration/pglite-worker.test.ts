import { readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/app-error.ts';
import { type DatabaseHandle, openDatabase } from '../../src/store/database.ts';
import { auditEvents, posts, teams } from '../../src/store/schema.ts';

// The embedded database runs PGlite in a worker thread (src/store/
// pglite-client.ts): these prove, through the real drizzle driver, that
// results, transactions, errors and closing behave as PGlite in the main
// thread did, and that the main thread stays free while a statement runs.
// PGlite only: on a PostgreSQL run (TEST_DATABASE_URL) it is PGlite still.

/** A migrated PGlite database in memory, from the run's template when there is one. */
async function openPgliteDatabase(onStatement?: (sql: string) => void): Promise<DatabaseHandle> {
  const template = process.env.ARALDO_PGLITE_TEMPLATE;
  const handle = await openDatabase(
    { pgliteDir: 'memory', ...(template ? { fromDump: new Blob([readFileSync(template)]) } : {}) },
    onStatement ? { onStatement } : {},
  );
  await handle.migrate();
  return handle;
}

/** The first error in a chain of causes with a SQLSTATE code (drizzle wraps the driver's error). */
function sqlStateOf(error: unknown): string | undefined {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

const AT = new Date('2026-03-01T09:30:00.123Z');

describe('PGlite in a worker thread', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openPgliteDatabase();
  });
  afterAll(async () => {
    await handle.close();
  });

  it('returns each column kind as drizzle reads it', async () => {
    const { db } = handle;
    await db.insert(teams).values({ id: 'kinds', createdAt: AT });
    const [post] = await db
      .insert(posts)
      .values({
        teamId: 'kinds',
        number: 7,
        authorId: 'U1',
        authorName: 'Anna',
        text: 'Orari della biblioteca',
        images: [{ url: 'https://example.org/a.png', alt: 'la biblioteca' }],
        urgent: true,
        requestedAt: AT,
        state: 'pending',
        approvalsRequired: 2,
        createdAt: AT,
        updatedAt: AT,
      })
      .returning();
    const [event] = await db
      .insert(auditEvents)
      .values({
        teamId: 'kinds',
        at: AT,
        actorId: 'U1',
        actorName: 'Anna',
        action: 'proposed',
        details: { n: 1, nested: { ok: true } },
      })
      .returning();

    const [read] = await db.select().from(posts).where(eq(posts.teamId, 'kinds'));
    expect(read).toEqual(post);
    expect(read?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(read?.number).toBe(7);
    expect(read?.urgent).toBe(true);
    expect(read?.images).toEqual([{ url: 'https://example.org/a.png', alt: 'la biblioteca' }]);
    expect(read?.requestedAt).toEqual(AT);
    expect(read?.cardRef).toBeNull();
    expect(typeof event?.id).toBe('number');
    expect(event?.details).toEqual({ n: 1, nested: { ok: true } });
    const [team] = await db.select().from(teams).where(eq(teams.id, 'kinds'));
    expect(team).toEqual({ id: 'kinds', nextPostNumber: 1, createdAt: AT });

    // Raw SQL through drizzle's execute: timestamps stay PostgreSQL's text, as drizzle asks.
    const raw = await db.execute<{ at: unknown; big: unknown; bytes: unknown; nothing: unknown }>(
      sql`select ${AT.toISOString()}::timestamptz as at, 9007199254740993::int8 as big, '\\x0102'::bytea as bytes, null as nothing`,
    );
    const [row] = (raw as unknown as { rows: Record<string, unknown>[] }).rows;
    expect(typeof row?.at).toBe('string');
    expect(new Date(String(row?.at))).toEqual(AT);
    expect(row?.bytes).toEqual(new Uint8Array([1, 2]));
    expect(row?.nothing).toBeNull();
    expect(row?.big).toBeDefined();
  });

  it('commits a transaction whose callback resolves', async () => {
    const result = await handle.db.transaction(async (tx) => {
      await tx.insert(teams).values({ id: 'committed', createdAt: AT });
      await tx.update(teams).set({ nextPostNumber: 5 }).where(eq(teams.id, 'committed'));
      return 'done';
    });
    expect(result).toBe('done');
    const rows = await handle.db.select().from(teams).where(eq(teams.id, 'committed'));
    expect(rows).toEqual([{ id: 'committed', nextPostNumber: 5, createdAt: AT }]);
  });

  it('rolls back a transaction whose callback throws, and rethrows the same error', async () => {
    const thrown = new Error('the decision is refused');
    const outcome = handle.db.transaction(async (tx) => {
      await tx.insert(teams).values({ id: 'rolled-back', createdAt: AT });
      throw thrown;
    });
    await expect(outcome).rejects.toBe(thrown);
    expect(await handle.db.select().from(teams).where(eq(teams.id, 'rolled-back'))).toEqual([]);
    // The database takes the next transaction as usual.
    await handle.db.transaction(async (tx) => {
      await tx.insert(teams).values({ id: 'after-rollback', createdAt: AT });
    });
    expect(await handle.db.select().from(teams).where(eq(teams.id, 'after-rollback'))).toHaveLength(1);
  });

  it('rolls back a nested savepoint only', async () => {
    await handle.db.transaction(async (tx) => {
      await tx.insert(teams).values({ id: 'outer', createdAt: AT });
      await expect(
        tx.transaction(async (inner) => {
          await inner.insert(teams).values({ id: 'inner', createdAt: AT });
          throw new Error('inner refused');
        }),
      ).rejects.toThrow('inner refused');
    });
    const ids = (await handle.db.select({ id: teams.id }).from(teams)).map((t) => t.id);
    expect(ids).toContain('outer');
    expect(ids).not.toContain('inner');
  });

  it('runs concurrent transactions one after another, without deadlock', async () => {
    await handle.db.insert(teams).values({ id: 'counter', createdAt: AT });
    // Read-modify-write: interleaved, two would read the same number.
    const taken = await Promise.all(
      Array.from({ length: 12 }, () =>
        handle.db.transaction(async (tx) => {
          const [team] = await tx.select().from(teams).where(eq(teams.id, 'counter'));
          const number = team?.nextPostNumber ?? 0;
          await tx
            .update(teams)
            .set({ nextPostNumber: number + 1 })
            .where(eq(teams.id, 'counter'));
          return number;
        }),
      ),
    );
    expect([...taken].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const [team] = await handle.db.select().from(teams).where(eq(teams.id, 'counter'));
    expect(team?.nextPostNumber).toBe(13);
  });

  it('passes PostgreSQL’s error code and fields to the caller', async () => {
    await handle.db.insert(teams).values({ id: 'unique', createdAt: AT });
    const error = await handle.db
      .insert(teams)
      .values({ id: 'unique', createdAt: AT })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(sqlStateOf(error)).toBe('23505');
    const cause = (error as { cause?: Record<string, unknown> }).cause;
    expect(cause).toBeInstanceOf(Error);
    expect(cause?.constraint).toBe('teams_pkey');
    expect(cause?.table).toBe('teams');
    expect(String(cause?.message)).toMatch(/duplicate key/);
  });

  it('rolls back a transaction whose statement fails, with the statement’s error', async () => {
    await handle.db.insert(teams).values({ id: 'taken', createdAt: AT });
    const error = await handle.db
      .transaction(async (tx) => {
        await tx.insert(teams).values({ id: 'fresh', createdAt: AT });
        await tx.insert(teams).values({ id: 'taken', createdAt: AT });
      })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(sqlStateOf(error)).toBe('23505');
    expect(await handle.db.select().from(teams).where(eq(teams.id, 'fresh'))).toEqual([]);
  });

  it('makes a statement outside a transaction wait for the transaction in progress', async () => {
    const order: string[] = [];
    let outside: Promise<unknown> | undefined;
    await handle.db.transaction(async (tx) => {
      await tx.insert(teams).values({ id: 'waited-for', createdAt: AT });
      outside = handle.db
        .select()
        .from(teams)
        .where(eq(teams.id, 'waited-for'))
        .then((rows) => {
          order.push('outside');
          return rows;
        });
      // Sent after the outside statement: were it not waiting, the worker
      // would have answered it before these.
      for (let i = 0; i < 3; i += 1) await tx.execute(sql`select 1`);
      order.push('transaction');
    });
    expect(await outside).toHaveLength(1);
    expect(order).toEqual(['transaction', 'outside']);
  });

  it('keeps the main thread’s event loop turning while a statement runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 5);
    try {
      // About 0.3 s of work in the worker; on the main thread no tick could fire.
      await handle.db.execute(sql`select pg_sleep(0.3)`);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThanOrEqual(5);
  });
});

describe('the PGlite worker’s life', () => {
  it('counts every statement, transaction control included', async () => {
    const statements: string[] = [];
    const handle = await openPgliteDatabase((text) => statements.push(text));
    try {
      statements.length = 0;
      await handle.db.transaction(async (tx) => {
        await tx.insert(teams).values({ id: 'counted', createdAt: AT });
      });
      expect(statements).toHaveLength(3); // BEGIN, INSERT, COMMIT
      await handle.db.select().from(teams);
      expect(statements).toHaveLength(4);
    } finally {
      await handle.close();
    }
  });

  it('starts a copy from a dump', async () => {
    const original = await openPgliteDatabase();
    await original.db.insert(teams).values({ id: 'dumped', createdAt: AT });
    const dump = await original.dump?.();
    await original.close();
    if (!dump) throw new Error('PGlite gives a dump');
    const copy = await openDatabase({ pgliteDir: 'memory', fromDump: dump });
    try {
      expect(await copy.db.select().from(teams).where(eq(teams.id, 'dumped'))).toHaveLength(1);
    } finally {
      await copy.close();
    }
  });

  it('rejects calls after close() with database_unavailable, and closes twice quietly', async () => {
    const handle = await openPgliteDatabase();
    await handle.close();
    const error = await handle.db
      .select()
      .from(teams)
      .then(() => undefined)
      .catch((e: unknown) => e);
    const cause = (error as { cause?: unknown }).cause;
    expect(cause).toBeInstanceOf(AppError);
    expect((cause as AppError).code).toBe('database_unavailable');
    await expect(handle.close()).resolves.toBeUndefined();
  });

  it('closes once when closed twice at the same time', async () => {
    const handle = await openPgliteDatabase();
    await expect(Promise.all([handle.close(), handle.close()])).resolves.toEqual([undefined, undefined]);
  });

  it('fails to open with database_unavailable when PGlite cannot start', async () => {
    const error = await openDatabase({ pgliteDir: 'memory', fromDump: new Blob(['not a tarball']) })
      .then(async (handle) => {
        await handle.close();
        return undefined;
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('database_unavailable');
  });
});
