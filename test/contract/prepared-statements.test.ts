import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/store/outbox-queries.ts';
import { teams } from '../../src/store/schema.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

// On PostgreSQL, Araldo's statements are prepared once per connection
// (src/store/prepared-statements.ts), in transactions and savepoints too:
// the server's own view of the session's prepared statements says so.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** The statements prepared in the session running this query, by their text. */
async function preparedTexts(db: TestDatabase['handle']['db']): Promise<string[]> {
  const result = await db.execute<{ statement: string }>(sql`select statement from pg_prepared_statements`);
  return rowsOf<{ statement: string }>(result).map((row) => row.statement);
}

describe.skipIf(testDriver !== 'postgres')('prepared statements on PostgreSQL', () => {
  it('prepares a query once and reuses it, in a transaction and in a savepoint as well', async () => {
    const { db } = database.handle;
    const seen = await db.transaction(async (tx) => {
      await tx.insert(teams).values({ id: 'prepared-team' }).onConflictDoNothing();
      await tx.transaction(async (savepoint) => {
        for (let i = 0; i < 3; i++)
          await savepoint.select({ id: teams.id }).from(teams).where(eq(teams.id, 'prepared-team'));
      });
      return preparedTexts(tx);
    });
    expect(seen.filter((text) => text.startsWith('insert into "teams"'))).toHaveLength(1);
    expect(seen.filter((text) => text.startsWith('select "id" from "teams"'))).toHaveLength(1);
  });
});
