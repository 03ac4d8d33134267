import type { PGlite } from '@electric-sql/pglite';
import type postgres from 'postgres';
import type { DatabaseHandle } from '../../src/store/database.ts';
import { wallMs } from '../desk-kit.ts';

// The engine's floor: the least a correct publishing loop must do per
// delivery on the same database, written by hand with the raw driver
// (postgres.js or PGlite, opened by Araldo's own openDatabase, so the same
// pool size and PGlite settings): claim due rows of a table shaped like
// `deliveries` with one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
// LOCKED LIMIT 32) RETURNING`, "publish" each at zero latency, and record
// each outcome with one conditional UPDATE (only the claim's holder wins).
// No audit, no chat, no post state: what Araldo adds on top of this is what
// the ratio shows.

/** Deliveries claimed per claim, as Araldo's DEFAULT_PUBLISHING_POLICY.batchSize. */
const BATCH = 32;
const LEASE_MS = 120_000;

type Row = Record<string, unknown>;

/** Runs one raw statement on whichever driver `handle` has. */
function rawRunner(handle: DatabaseHandle): (text: string, params?: unknown[]) => Promise<Row[]> {
  const client = (handle.db as unknown as { $client: unknown }).$client;
  if (handle.driver === 'pglite') {
    const pglite = client as PGlite;
    return async (text, params = []) => (await pglite.query<Row>(text, params)).rows;
  }
  const sql = client as postgres.Sql;
  return async (text, params = []) => [
    ...(await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])),
  ];
}

/** The floor's table, in the scratch database, with `count` deliveries due at the instants given. */
export async function createFloorTable(handle: DatabaseHandle, dueAt: readonly Date[]): Promise<void> {
  const run = rawRunner(handle);
  await run(`create table floor_deliveries (
    id uuid primary key default gen_random_uuid(),
    post_id uuid not null,
    target_id text not null,
    state text not null,
    attempts integer not null default 0,
    next_attempt_at timestamptz,
    claimed_until timestamptz,
    claim_token text,
    remote_id text,
    public_url text,
    published_at timestamptz,
    updated_at timestamptz)`);
  await run(
    `create index floor_deliveries_due_idx on floor_deliveries (next_attempt_at) where state = 'scheduled'`,
  );
  for (let start = 0; start < dueAt.length; start += 5000) {
    // An array literal, not an array parameter: raw postgres.js leaves arrays to its tagged template.
    const chunk = `{${dueAt
      .slice(start, start + 5000)
      .map((at) => `"${at.toISOString()}"`)
      .join(',')}}`;
    await run(
      `insert into floor_deliveries (post_id, target_id, state, next_attempt_at)
       select gen_random_uuid(), 'sito', 'scheduled', due from unnest($1::timestamptz[]) as due`,
      [chunk],
    );
  }
}

/** One delivery the floor published: when it was due and when the "network" got it (wall ms). */
export interface FloorPublication {
  readonly dueAt: number;
  readonly at: number;
}

/** Claims and records everything due at `now`, batch after batch; returns what it published. */
async function drainDue(
  run: (text: string, params?: unknown[]) => Promise<Row[]>,
  published: FloorPublication[],
): Promise<void> {
  for (;;) {
    const now = new Date();
    const claimed = await run(
      `update floor_deliveries
          set state = 'publishing', attempts = attempts + 1, claimed_until = $1::timestamptz,
              claim_token = md5(random()::text), updated_at = $2::timestamptz
        where id in (select id from floor_deliveries
                      where state = 'scheduled' and next_attempt_at <= $2::timestamptz
                      order by next_attempt_at limit $3 for update skip locked)
        returning id, claim_token, next_attempt_at`,
      [new Date(now.getTime() + LEASE_MS).toISOString(), now.toISOString(), BATCH],
    );
    if (claimed.length === 0) return;
    await Promise.all(
      claimed.map(async (row) => {
        // The zero-latency network.
        await Promise.resolve();
        const at = wallMs();
        published.push({ dueAt: new Date(row.next_attempt_at as string | Date).getTime(), at });
        const remoteId = `floor-${String(row.id)}`;
        await run(
          `update floor_deliveries
              set state = 'published', remote_id = $2, public_url = $3, published_at = $4::timestamptz,
                  claimed_until = null, claim_token = null, updated_at = $4::timestamptz
            where id = $1 and claim_token = $5 and state = 'publishing'`,
          [
            row.id,
            remoteId,
            `https://example.test/sito/${remoteId}`,
            new Date(at).toISOString(),
            row.claim_token,
          ],
        );
      }),
    );
  }
}

/** Publishes the whole backlog as fast as it goes; returns the publications. */
export async function runClaimLoop(handle: DatabaseHandle): Promise<FloorPublication[]> {
  const published: FloorPublication[] = [];
  await drainDue(rawRunner(handle), published);
  return published;
}

/**
 * Publishes each delivery at its due time: sleeps until the earliest due
 * instant (one query), then drains what is due; stops once `count` are
 * published or `deadline` (wall ms) passes.
 */
export async function runTimedClaimLoop(
  handle: DatabaseHandle,
  count: number,
  deadline: number,
): Promise<FloorPublication[]> {
  const run = rawRunner(handle);
  const published: FloorPublication[] = [];
  while (published.length < count && Date.now() < deadline) {
    const [next] = await run(
      `select min(next_attempt_at) as at from floor_deliveries where state = 'scheduled'`,
    );
    if (!next?.at) break;
    const wait = new Date(next.at as string | Date).getTime() - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, deadline - Date.now())));
    await drainDue(run, published);
  }
  return published;
}
