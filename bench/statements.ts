import { type DatabaseHandle, type DatabaseLocation, openDatabase } from '../src/store/database.ts';

// Counting what Araldo sends to the database. The count comes from
// openDatabase's `onStatement`, which sees every statement on both drivers,
// BEGIN and COMMIT included. Its text is known on PostgreSQL (postgres.js
// hands it over) but not on PGlite (only "(pglite)"), so for the breakdown
// by text (`--explain`) the bench also listens to drizzle's query logger,
// which sees every statement drizzle builds, not transaction control: on
// PGlite, transaction control is the difference between the two counts.

const CONTROL = /^\s*(begin|commit|rollback|savepoint|release|start transaction)\b/i;

/** Whether a statement is transaction control rather than a query. */
export function isTransactionControl(text: string): boolean {
  return CONTROL.test(text);
}

/** One statement's text made comparable: one line, placeholders folded, at most 150 characters. */
export function normalizeStatement(text: string): string {
  const column = String.raw`(?:"\w+"\.)?"\w+"`;
  const line = text
    .replace(/\s+/g, ' ')
    // drizzle's quoted column lists: `select "posts"."id", "posts"."text" from` → `select … from`
    .replace(/select ".*? from "/g, 'select … from "')
    .replace(new RegExp(`\\(${column}(?:, ${column})+\\) values`, 'g'), '(…) values')
    .replace(new RegExp(`returning ${column}(?:, ${column})+`, 'g'), 'returning …')
    // placeholders: `$3::uuid` → `$`, lists of them and lists of rows folded
    .replace(/\$\d+(::\w+)?/g, '$')
    .replace(/\$(\s*,\s*\$)+/g, '$…')
    .replace(/values (\([^()]*\))(?:\s*,\s*\([^()]*\))+/g, 'values $1, …')
    .replace(/when \$ then \$( when \$ then \$)+/g, 'when $ then $ …')
    .trim();
  return line.length > 150 ? `${line.slice(0, 149)}…` : line;
}

/** What was counted between two snapshots. */
export interface StatementCount {
  /** every statement, transaction control included */
  readonly total: number;
  /** statements that are not transaction control */
  readonly queries: number;
  /** normalized text → count (queries; on PGlite, transaction control appears as one line) */
  readonly byText: ReadonlyMap<string, number>;
}

/** Counts statements of one database handle; `snapshot` and `since` give the counts between two points. */
export class StatementCounter {
  #total = 0;
  #logged = 0;
  /** statements recognised as transaction control by their text */
  #controlByText = 0;
  readonly #byText = new Map<string, number>();
  readonly #driver: 'pglite' | 'postgres';
  /** whether texts are kept (cheap, but only `--explain` needs them) */
  readonly keepTexts: boolean;

  constructor(driver: 'pglite' | 'postgres', keepTexts: boolean) {
    this.#driver = driver;
    this.keepTexts = keepTexts;
  }

  /** openDatabase's onStatement */
  readonly onStatement = (text: string): void => {
    this.#total += 1;
    if (this.#driver === 'postgres') {
      if (isTransactionControl(text)) this.#controlByText += 1;
      else this.#count(text);
    }
  };

  /** drizzle's logger: on PGlite, the texts of everything but transaction control */
  readonly logQuery = (text: string): void => {
    if (this.#driver !== 'pglite') return;
    this.#logged += 1;
    // Savepoints of nested transactions are built by drizzle, so logged.
    if (isTransactionControl(text)) this.#controlByText += 1;
    else this.#count(text);
  };

  #count(text: string): void {
    if (!this.keepTexts) return;
    const key = normalizeStatement(text);
    this.#byText.set(key, (this.#byText.get(key) ?? 0) + 1);
  }

  /** the counts so far */
  snapshot(): StatementCount {
    const control =
      this.#driver === 'postgres' ? this.#controlByText : this.#total - this.#logged + this.#controlByText;
    const byText = new Map(this.#byText);
    if (this.keepTexts && control > 0)
      byText.set('BEGIN / COMMIT / SAVEPOINT (transaction control)', control);
    return { total: this.#total, queries: this.#total - control, byText };
  }

  /** the counts since `earlier` */
  since(earlier: StatementCount): StatementCount {
    const now = this.snapshot();
    const byText = new Map<string, number>();
    for (const [text, count] of now.byText) {
      const delta = count - (earlier.byText.get(text) ?? 0);
      if (delta > 0) byText.set(text, delta);
    }
    return { total: now.total - earlier.total, queries: now.queries - earlier.queries, byText };
  }
}

/** The breakdown of a count by text, most frequent first, per `unit` (e.g. per delivery). */
export function formatBreakdown(count: StatementCount, per: number, unitName: string, top = 30): string[] {
  const rows = [...count.byText.entries()].sort((a, b) => b[1] - a[1]);
  const lines = rows
    .slice(0, top)
    .map(([text, n]) => `  ${(n / per).toFixed(2).padStart(7)} per ${unitName}  ${text}`);
  if (rows.length > top) lines.push(`  … and ${rows.length - top} more statement texts`);
  return lines;
}

/**
 * Opens the database with a counter on it. The drizzle logger is set on
 * the session drizzle made (and on the options its transactions copy), since
 * openDatabase builds drizzle itself; it only reads, never changes, what runs.
 */
export async function openCounted(
  location: DatabaseLocation,
  keepTexts: boolean,
): Promise<{ handle: DatabaseHandle; counter: StatementCounter }> {
  const driver = 'url' in location ? 'postgres' : 'pglite';
  const counter = new StatementCounter(driver, keepTexts);
  const handle = await openDatabase(location, { onStatement: counter.onStatement });
  if (driver === 'pglite') {
    const logger = { logQuery: counter.logQuery };
    const session = (handle.db as unknown as { session: { logger: unknown; options: { logger?: unknown } } })
      .session;
    session.logger = logger;
    session.options.logger = logger;
  }
  return { handle, counter };
}
