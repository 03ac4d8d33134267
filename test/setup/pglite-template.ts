import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/database.ts';

/**
 * PGlite's initdb takes seconds; a migrated database dumped once per run
 * starts every test database in a fraction of that. Each test still gets
 * its own, empty database, migrated by the same migrate() as production.
 */
export default async function setup(): Promise<() => void> {
  if (process.env.TEST_DATABASE_URL) return () => {};
  const handle = await openDatabase({ pgliteDir: 'memory' });
  await handle.migrate();
  const dump = await handle.dump?.();
  await handle.close();
  if (!dump) return () => {};
  const path = join(tmpdir(), `araldo-pglite-template-${process.pid}.tar`);
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  process.env.ARALDO_PGLITE_TEMPLATE = path;
  return () => rmSync(path, { force: true });
}
