// Child process for the claim race test: one Araldo-like worker on a shared
// PostgreSQL database. It connects, prints `ready`, waits for `go` on stdin
// (so two workers start claiming together), then claims and publishes the
// team's due deliveries with a few concurrent loops until none is due, and
// prints what it claimed as one JSON line.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { openDatabase } from '../../src/store/database.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';

/** What a claimer reports on its last stdout line. */
export interface ClaimerReport {
  readonly pid: number;
  /** ids of the deliveries this process claimed, in claim order */
  readonly claimed: string[];
  /** ids whose completion found the claim lost */
  readonly lost: string[];
}

const [url, teamId, nowIso, loopsArg = '3', limitArg = '2'] = process.argv.slice(2);
if (!url || !teamId || !nowIso)
  throw new Error('usage: delivery-claimer.ts <url> <teamId> <nowIso> [loops] [limit]');
const now = new Date(nowIso);
const teamIds = [teamId];
const limit = Number(limitArg);

const handle = await openDatabase({ url });
const store = new DrizzleStore(handle.db);
await store.ping();

const lines = createInterface({ input: process.stdin });
const go = once(lines, 'line');
process.stdout.write('ready\n');
await go;
lines.close();
// Nothing more comes on stdin; an open pipe would keep this process alive.
process.stdin.destroy();

const report: ClaimerReport = { pid: process.pid, claimed: [], lost: [] };
async function claimUntilNoneDue(): Promise<void> {
  for (;;) {
    const claims = await store.claimDueDeliveries(teamIds, now, limit, 60_000);
    if (claims.length === 0) return;
    for (const { delivery, claimToken } of claims) {
      report.claimed.push(delivery.id);
      const after = await store.completeDelivery(
        delivery.id,
        claimToken,
        {
          kind: 'published',
          remoteId: `${process.pid}:${delivery.id}`,
          url: `https://example.test/${delivery.id}`,
        },
        now,
      );
      if (!after) report.lost.push(delivery.id);
    }
  }
}
await Promise.all(Array.from({ length: Number(loopsArg) }, () => claimUntilNoneDue()));
await handle.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
