import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExportArgs } from '../../src/audit-export.ts';
import { csvField, toAuditCsv } from '../../src/core/audit-csv.ts';
import type { AuditEvent, NewAuditEvent } from '../../src/core/audit-event.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import type { Store } from '../../src/core/ports.ts';
import { openDatabase } from '../../src/store/database.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import { createDeskHarness } from '../support/desk-harness.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USAGE_START = 'Usage: npm run audit:export -- --from YYYY-MM-DD --to YYYY-MM-DD';
const HEADER = [
  'id',
  'at_utc',
  'team',
  'post_number',
  'post_id',
  'actor_id',
  'actor_name',
  'action',
  'details',
];

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

/**
 * A strict RFC 4180 reader: records end with CRLF, fields are separated by
 * commas, a quoted field may hold commas, CR, LF and doubled quotes. Anything
 * else (a bare LF or CR outside quotes, a quote inside an unquoted field,
 * text after a closing quote, a missing final CRLF) throws.
 */
function parseRfc4180(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  if (text === '') return records;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i];
        i++;
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`quote inside an unquoted field at ${i}`);
        field += text[i];
        i++;
      }
    }
    record.push(field);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '\r' && text[i + 1] === '\n') {
      records.push(record);
      record = [];
      i += 2;
      if (i === text.length) return records;
      continue;
    }
    throw new Error(`expected a comma or CRLF at ${i}, found ${JSON.stringify(text.slice(i, i + 5))}`);
  }
}

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: 1,
    teamId: 'comune-di-prova',
    postId: '0b7c2a52-2f1e-4d1a-9c55-5a8f3f6f2e11',
    postNumber: 12,
    at: new Date('2026-11-21T10:00:00Z'),
    actorId: 'U123',
    actorName: 'Maria Rossi',
    action: 'edited',
    details: {},
    ...overrides,
  };
}

describe('the audit CSV', () => {
  it('writes a header and CRLF-terminated records, with an optional UTF-8 byte-order mark', () => {
    const csv = toAuditCsv([event({ details: { version: 2 } })], { bom: false });
    expect(csv).toBe(
      `${HEADER.join(',')}\r\n` +
        '1,2026-11-21T10:00:00.000Z,comune-di-prova,12,0b7c2a52-2f1e-4d1a-9c55-5a8f3f6f2e11,U123,Maria Rossi,edited,"{""version"":2}"\r\n',
    );
    expect(toAuditCsv([], { bom: true })).toBe(`\uFEFF${HEADER.join(',')}\r\n`);
    expect(Buffer.from(toAuditCsv([], { bom: true }), 'utf8').subarray(0, 3)).toEqual(
      Buffer.from([0xef, 0xbb, 0xbf]),
    );
  });

  it('quotes fields with commas, quotes, CR or LF, doubling the quotes', () => {
    expect(csvField('semplice')).toBe('semplice');
    expect(csvField('Rossi, Maria')).toBe('"Rossi, Maria"');
    expect(csvField('il "sindaco"')).toBe('"il ""sindaco"""');
    expect(csvField('riga 1\nriga 2')).toBe('"riga 1\nriga 2"');
    expect(csvField('riga 1\r\nriga 2')).toBe('"riga 1\r\nriga 2"');
    expect(csvField('a\rb')).toBe('"a\rb"');
    expect(csvField('')).toBe('');
    const csv = toAuditCsv(
      [
        event({
          actorName: 'Rossi, "Mary"\nUfficio stampa',
          details: { before: 'Testo, "vecchio"\r\nriga', after: 'Nuovo ✅ città' },
        }),
      ],
      { bom: false },
    );
    const [header, row] = parseRfc4180(csv);
    expect(header).toEqual(HEADER);
    expect(row?.[6]).toBe('Rossi, "Mary"\nUfficio stampa');
    expect(JSON.parse(row?.[8] ?? '')).toEqual({
      before: 'Testo, "vecchio"\r\nriga',
      after: 'Nuovo ✅ città',
    });
  });

  it('leaves the post fields empty for events about no post (digests)', () => {
    const csv = toAuditCsv(
      [
        event({
          postId: undefined,
          postNumber: undefined,
          action: 'digest_sent',
          details: { day: '2026-11-23' },
        }),
      ],
      { bom: false },
    );
    expect(parseRfc4180(csv)[1]).toEqual([
      '1',
      '2026-11-21T10:00:00.000Z',
      'comune-di-prova',
      '',
      '',
      'U123',
      'Maria Rossi',
      'digest_sent',
      '{"day":"2026-11-23"}',
    ]);
  });

  it('round-trips any actor and details strings through RFC 4180 and UTF-8', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const tricky = fc.oneof(
      text,
      fc
        .array(fc.constantFrom(',', '"', '\r', '\n', '\r\n', ' ', 'é', '✅', '𝄞', 'a', '""'), {
          maxLength: 12,
        })
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            actorId: tricky,
            actorName: tricky,
            team: tricky,
            details: fc.dictionary(tricky, tricky, { maxKeys: 4 }),
          }),
          { maxLength: 4 },
        ),
        fc.boolean(),
        (rows, bom) => {
          const events = rows.map((row, index) =>
            event({
              id: index + 1,
              teamId: row.team,
              actorId: row.actorId,
              actorName: row.actorName,
              details: row.details,
            }),
          );
          const csv = toAuditCsv(events, { bom });
          const decoded = Buffer.from(csv, 'utf8').toString('utf8');
          expect(decoded).toBe(csv);
          const body = bom ? decoded.slice(1) : decoded;
          if (bom) expect(decoded.charCodeAt(0)).toBe(0xfeff);
          const records = parseRfc4180(body);
          expect(records).toHaveLength(events.length + 1);
          expect(records[0]).toEqual(HEADER);
          rows.forEach((row, index) => {
            const record = records[index + 1] ?? [];
            expect(record).toHaveLength(HEADER.length);
            expect(record[2]).toBe(row.team);
            expect(record[5]).toBe(row.actorId);
            expect(record[6]).toBe(row.actorName);
            expect(JSON.parse(record[8] ?? '')).toEqual(row.details);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('reading the export command line', () => {
  function refusal(argv: string[]): string {
    const result = parseExportArgs(argv);
    if (result.ok) throw new Error(`accepted ${argv.join(' ')}`);
    return result.error;
  }

  it.each([
    ['no arguments', []],
    ['a missing --to', ['--from', '2026-11-01']],
    ['a missing --from', ['--to', '2026-11-30']],
    ['a date in another format', ['--from', '01/11/2026', '--to', '2026-11-30']],
    ['a date that does not exist', ['--from', '2026-02-30', '--to', '2026-03-01']],
    ['a month that does not exist', ['--from', '2026-13-01', '--to', '2026-13-02']],
    ['--to before --from', ['--from', '2026-11-30', '--to', '2026-11-01']],
    ['an unknown option', ['--from', '2026-11-01', '--to', '2026-11-30', '--format', 'xlsx']],
    ['an unknown time zone', ['--from', '2026-11-01', '--to', '2026-11-30', '--tz', 'Europe/Atlantide']],
  ])('refuses %s, showing the usage line', (_name, argv) => {
    const message = refusal(argv);
    expect(message.split('\n').at(-1)).toMatch(
      new RegExp(`^${USAGE_START.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}`),
    );
    expect(message.split('\n').length).toBeGreaterThan(1);
  });

  it('names the problem of --to before --from', () => {
    expect(refusal(['--from', '2026-11-30', '--to', '2026-11-01'])).toContain(
      '--to must not be before --from',
    );
  });

  it('reads whole local days in Europe/Rome, both ends included', () => {
    const result = parseExportArgs(['--from', '2026-11-01', '--to', '2026-11-30']);
    expect(result).toEqual({
      ok: true,
      value: {
        from: new Date('2026-10-31T23:00:00Z'),
        to: new Date('2026-11-30T23:00:00Z'),
        out: undefined,
        bom: true,
      },
    });
  });

  it('reads one day as that whole day, 23 hours on the spring change and 25 on the autumn one', () => {
    expect(parseExportArgs(['--from', '2026-03-29', '--to', '2026-03-29'])).toMatchObject({
      ok: true,
      value: { from: new Date('2026-03-28T23:00:00Z'), to: new Date('2026-03-29T22:00:00Z') },
    });
    expect(parseExportArgs(['--from', '2026-10-25', '--to', '2026-10-25'])).toMatchObject({
      ok: true,
      value: { from: new Date('2026-10-24T22:00:00Z'), to: new Date('2026-10-25T23:00:00Z') },
    });
  });

  it('takes an output file, another zone and no byte-order mark when asked', () => {
    expect(
      parseExportArgs([
        '--from',
        '2026-07-01',
        '--to',
        '2026-07-01',
        '--tz',
        'UTC',
        '--out',
        'a.csv',
        '--no-bom',
      ]),
    ).toEqual({
      ok: true,
      value: {
        from: new Date('2026-07-01T00:00:00Z'),
        to: new Date('2026-07-02T00:00:00Z'),
        out: 'a.csv',
        bom: false,
      },
    });
  });
});

function audit(
  teamId: string,
  at: string,
  actorName: string,
  details: Record<string, unknown> = {},
): NewAuditEvent {
  return {
    teamId,
    postId: undefined,
    at: new Date(at),
    actorId: 'u1',
    actorName,
    action: 'commented',
    details,
  };
}

/** Events around the local day of 29 March 2026 (the spring change) in Rome. */
async function seedAroundSpringChange(store: Store, teamId: string): Promise<void> {
  await store.appendAudit([audit(teamId, '2026-03-28T22:59:59Z', 'prima', { note: 'sabato 23:59:59' })]);
  await store.appendAudit([audit(teamId, '2026-03-28T23:00:00Z', 'inizio', { note: 'domenica 00:00' })]);
  await store.appendAudit([
    audit(teamId, '2026-03-29T12:00:00Z', 'Rossi, "Mary"', { before: 'a,b\r\nc', after: 'città ✅' }),
  ]);
  await store.appendAudit([audit(teamId, '2026-03-29T21:59:59Z', 'fine', { note: 'domenica 23:59:59' })]);
  await store.appendAudit([audit(teamId, '2026-03-29T22:00:00Z', 'dopo', { note: 'lunedì 00:00' })]);
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function runExport(args: readonly string[], env: Record<string, string>): Promise<Exit> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !['DATABASE_URL', 'DATA_DIR', 'ARALDO_CONFIG', 'TEST_DATABASE_URL'].includes(key),
    ),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/audit-export.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

describe(`the audit log on ${testDriver}`, () => {
  it('refuses to update, delete or truncate audit events', async () => {
    const store = new DrizzleStore(database.handle.db);
    const teamId = `append-only-${process.pid}`;
    await store.appendAudit([audit(teamId, '2026-11-21T10:00:00Z', 'Maria')]);
    const db = database.handle.db;
    await expect(
      db.execute(sql`update audit_events set actor_name = 'altro' where team_id = ${teamId}`),
    ).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_events where team_id = ${teamId}`)).rejects.toThrow();
    await expect(db.execute(sql`truncate audit_events`)).rejects.toThrow();
    const events = await store.listAuditBetween(
      new Date('2026-11-21T00:00:00Z'),
      new Date('2026-11-22T00:00:00Z'),
    );
    expect(events.filter((e) => e.teamId === teamId).map((e) => e.actorName)).toEqual(['Maria']);
  });

  it('lists the events of a period in order, with the post number when there is one', async () => {
    const store = new DrizzleStore(database.handle.db);
    const teamId = `period-${process.pid}`;
    await seedAroundSpringChange(store, teamId);
    const { post } = await store.createPost({
      teamId,
      author: { id: 'editor', name: 'editor' },
      text: 'Testo',
      images: [],
      urgent: false,
      requestedAt: undefined,
      approvalsRequired: 1,
      targetIds: ['sito'],
      dedupeKey: undefined,
      createdAt: new Date('2026-03-29T08:00:00Z'),
    });
    const request = parseExportArgs(['--from', '2026-03-29', '--to', '2026-03-29']);
    if (!request.ok) throw new Error(request.error);
    const events = (await store.listAuditBetween(request.value.from, request.value.to)).filter(
      (e) => e.teamId === teamId,
    );
    expect(events.map((e) => [e.actorName, e.action, e.postNumber])).toEqual([
      ['inizio', 'commented', undefined],
      ['Rossi, "Mary"', 'commented', undefined],
      ['fine', 'commented', undefined],
      ['editor', 'proposed', post.post.number],
    ]);
  });

  it('`npm run audit:export` writes the whole local days asked for as an RFC 4180 UTF-8 file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'araldo-export-'));
    const teamId = `export-${process.pid}`;
    try {
      let env: Record<string, string>;
      if ('url' in database.location) {
        await seedAroundSpringChange(new DrizzleStore(database.handle.db), teamId);
        env = { DATABASE_URL: database.location.url };
      } else {
        // PGlite serves one process: seed a database on disk, close it, then export from it.
        mkdirSync(join(dir, 'data'));
        const handle = await openDatabase({ pgliteDir: join(dir, 'data', 'pglite') });
        await handle.migrate();
        await seedAroundSpringChange(new DrizzleStore(handle.db), teamId);
        await handle.close();
        env = { DATA_DIR: join(dir, 'data') };
      }
      const out = join(dir, 'audit.csv');
      const exit = await runExport(['--from', '2026-03-29', '--to', '2026-03-29', '--out', out], env);
      expect(exit.stderr).toContain(`written to ${out}`);
      expect(exit.code).toBe(0);
      const bytes = readFileSync(out);
      expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const records = parseRfc4180(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(3)));
      expect(records[0]).toEqual(HEADER);
      const mine = records.slice(1).filter((r) => r[2] === teamId);
      expect(mine.map((r) => [r[1], r[6]])).toEqual([
        ['2026-03-28T23:00:00.000Z', 'inizio'],
        ['2026-03-29T12:00:00.000Z', 'Rossi, "Mary"'],
        ['2026-03-29T21:59:59.000Z', 'fine'],
      ]);
      expect(JSON.parse(mine[1]?.[8] ?? '')).toEqual({ before: 'a,b\r\nc', after: 'città ✅' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows a long edit in /audit as an excerpt, and keeps it whole in the CSV', async () => {
    const h = createDeskHarness(database);
    await h.run('editor', '/propose to:sito Avviso breve');
    const long = `Avviso ${'molto '.repeat(2_000)}lungo`;
    await h.run('capo', `/edit 1 ${long}`);
    const shown = await h.run('stagista', '/audit 1');
    expect(shown.length).toBeLessThan(1_000);
    expect(shown).toContain('…');
    const entry = await h.store.getPost(h.team.id, 1);
    const events = await h.store.listAudit(entry?.post.id ?? 'missing');
    expect(events.find((e) => e.action === 'edited')?.details).toMatchObject({ after: long });
  });

  it('keeps an edit with its text before and after, in /audit and in the CSV row', async () => {
    // The harness clock: Saturday 21 November 2026, 11:00 in Rome.
    const h = createDeskHarness(database);
    await h.run('editor', '/propose to:sito Mercato sabato, "in piazza".');
    const after = 'Mercato domenica, "in piazza"\ne in via Roma ✅';
    h.clock.advance(5 * 60_000);
    expect(await h.run('capo', `/edit 1 ${after}`)).toContain('#1');
    const shown = await h.run('stagista', '/audit 1');
    // Chat shows each text on one line; the CSV below keeps the line break.
    expect(shown).toContain(
      `capo · ${IT['audit.edited']()} — ${IT['audit.edit_detail']({ before: 'Mercato sabato, "in piazza".', after: after.replace('\n', ' ') })}`,
    );
    const request = parseExportArgs(['--from', '2026-11-21', '--to', '2026-11-21']);
    if (!request.ok) throw new Error(request.error);
    const events = (await h.store.listAuditBetween(request.value.from, request.value.to)).filter(
      (e) => e.teamId === h.team.id,
    );
    const [header, ...rows] = parseRfc4180(toAuditCsv(events, { bom: false }));
    expect(header).toEqual(HEADER);
    expect(rows.map((row) => row[7])).toEqual(['proposed', 'edited']);
    const edited = rows[1] ?? [];
    expect(edited.slice(1, 8)).toEqual([
      '2026-11-21T10:05:00.000Z',
      h.team.id,
      '1',
      events[1]?.postId,
      'capo',
      'capo',
      'edited',
    ]);
    expect(JSON.parse(edited[8] ?? '')).toEqual({
      before: 'Mercato sabato, "in piazza".',
      after,
      version: 2,
    });
  });

  it('`npm run audit:export` refuses bad dates with the usage line and exit code 2', async () => {
    const exit = await runExport(['--from', '2026-11-30', '--to', '2026-11-01'], { DATA_DIR: tmpdir() });
    expect(exit.code).toBe(2);
    expect(exit.stdout).toBe('');
    expect(exit.stderr).toContain(USAGE_START);
  });
});
