import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { loadConfig } from './config.ts';
import { AppError } from './core/app-error.ts';
import { toAuditCsv } from './core/audit-csv.ts';
import { err, ok, type Result } from './core/result.ts';
import { lockDataDir } from './store/data-dir-lock.ts';
import { openDatabase } from './store/database.ts';
import { DrizzleStore } from './store/drizzle-store.ts';

const USAGE =
  'Usage: npm run audit:export -- --from YYYY-MM-DD --to YYYY-MM-DD [--tz Europe/Rome] [--out FILE] [--no-bom]';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');
const argsSchema = z.object({
  from: day,
  to: day,
  tz: z.string().default('Europe/Rome'),
  out: z.string().optional(),
  'no-bom': z.boolean().default(false),
});

/** The export's period: whole local days, `to` included. */
export interface ExportRequest {
  readonly from: Date;
  readonly to: Date;
  readonly out: string | undefined;
  readonly bom: boolean;
}

/** Reads the command line; every problem in words. */
export function parseExportArgs(argv: readonly string[]): Result<ExportRequest, string> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        tz: { type: 'string' },
        out: { type: 'string' },
        'no-bom': { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (error) {
    return err(`${(error as Error).message}\n${USAGE}`);
  }
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    return err(
      `${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n')}\n${USAGE}`,
    );
  }
  const { from, to, tz, out } = parsed.data;
  const start = DateTime.fromISO(from, { zone: tz }).startOf('day');
  const end = DateTime.fromISO(to, { zone: tz }).startOf('day').plus({ days: 1 });
  if (!start.isValid || !end.isValid) return err(`--from/--to/--tz: not a valid date or time zone\n${USAGE}`);
  if (end <= start) return err(`--to must not be before --from\n${USAGE}`);
  return ok({ from: start.toJSDate(), to: end.toJSDate(), out, bom: !parsed.data['no-bom'] });
}

/**
 * `npm run audit:export`: writes the audit log of a period as CSV (RFC 4180,
 * UTF-8) for transparency requests, to --out or stdout. With the embedded
 * database Araldo must be stopped first, since PGlite serves one process.
 */
export async function exportAudit(argv: readonly string[]): Promise<number> {
  const request = parseExportArgs(argv);
  if (!request.ok) {
    process.stderr.write(`${request.error}\n`);
    return 2;
  }
  const config = loadConfig(process.env);
  if (!config.ok) {
    process.stderr.write(`Configuration problems:\n${config.error.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  const { databaseUrl, dataDir } = config.value;
  try {
    const lock = databaseUrl ? undefined : lockDataDir(dataDir);
    const database = await openDatabase(
      databaseUrl ? { url: databaseUrl } : { pgliteDir: join(dataDir, 'pglite') },
    );
    try {
      await database.migrate();
      const events = await new DrizzleStore(database.db).listAuditBetween(
        request.value.from,
        request.value.to,
      );
      const csv = toAuditCsv(events, { bom: request.value.bom });
      if (request.value.out) {
        writeFileSync(request.value.out, csv, 'utf8');
        process.stderr.write(`${events.length} audit events written to ${request.value.out}\n`);
      } else {
        process.stdout.write(csv);
      }
    } finally {
      await database.close();
      lock?.release();
    }
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof AppError ? error.message : (error as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  exportAudit(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
