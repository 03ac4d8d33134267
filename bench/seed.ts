import { eq, getTableColumns, type SQL, sql, type Table } from 'drizzle-orm';
import type { Desk } from '../src/core/desk.ts';
import type { Store } from '../src/core/ports.ts';
import type { Database } from '../src/store/database.ts';
import { approvals, deliveries, postCards, posts, teams } from '../src/store/schema.ts';
import { asUser, BENCH_DESK } from './desk-kit.ts';

// Seeding up to 100,000 posts through the desk would take an hour, so the
// bench makes one post of each kind through the desk (propose, approve,
// publish: every row as Araldo writes it) and copies its rows in the
// database with INSERT … SELECT over generate_series, changing only what
// must differ (ids, numbers, card refs, due times). Every other column is
// copied as the template has it, read from the drizzle schema: a column
// added tomorrow is copied too, and a renamed one fails `tsc` here.

type PostRow = typeof posts.$inferSelect;

/** The template post's id, team and number. */
export interface PostTemplate {
  readonly id: string;
  readonly teamId: string;
  readonly number: number;
  /** how many deliveries (targets) it has */
  readonly deliveries: number;
}

/** Reads what copying a post needs to know of it. */
export async function readTemplate(db: Database, postId: string): Promise<PostTemplate> {
  const [post] = await db.select().from(posts).where(eq(posts.id, postId));
  if (!post) throw new Error(`template post ${postId} not found`);
  const rows = await db.select({ id: deliveries.id }).from(deliveries).where(eq(deliveries.postId, postId));
  return { id: post.id, teamId: post.teamId, number: post.number, deliveries: rows.length };
}

/** Every column of `table` in order: its SQL name, and the template's value or the override. */
function columnsOf<T extends Table>(
  table: T,
  source: string,
  overrides: Partial<Record<keyof T['$inferSelect'], SQL>>,
): { readonly names: SQL; readonly values: SQL } {
  const columns = Object.entries(getTableColumns(table)) as [keyof T['$inferSelect'], { name: string }][];
  return {
    names: sql.join(
      columns.map(([, column]) => sql.identifier(column.name)),
      sql`, `,
    ),
    values: sql.join(
      columns.map(
        ([key, column]) => overrides[key] ?? sql`${sql.identifier(source)}.${sql.identifier(column.name)}`,
      ),
      sql`, `,
    ),
  };
}

/** What differs in the copies. */
export interface CopyOptions {
  /** the number of the first copy; the others follow */
  readonly firstNumber: number;
  /**
   * copy i is due at `base + offsetsMs[i]`: its deliveries' next attempt
   * (where the template's has one) and the post's requested time
   */
  readonly due?: { readonly base: Date; readonly offsetsMs: readonly number[] };
  /** keep only the deliveries to these targets */
  readonly targets?: readonly string[];
}

/**
 * Inserts `count` copies of the template in one transaction (four
 * statements, whatever the count), and moves the team's post counter past
 * the last number.
 */
export async function copyTemplate(
  db: Database,
  template: PostTemplate,
  count: number,
  options: CopyOptions,
): Promise<void> {
  const first = options.firstNumber;
  const last = first + count - 1;
  // An array literal of the offsets (a single parameter, whatever the count).
  const offsets = options.due
    ? `{${options.due.offsetsMs.map((ms) => Math.round(ms)).join(',')}}`
    : undefined;
  const dueOf = (index: SQL): SQL | undefined =>
    options.due && offsets
      ? sql`(${options.due.base.toISOString()}::timestamptz + (${offsets}::bigint[])[${index} + 1] * interval '1 millisecond')`
      : undefined;
  const number = sql`(${first}::int + g.i)`;
  const postDue = dueOf(sql`g.i`);
  const postColumns = columnsOf(posts, 't', {
    id: sql`gen_random_uuid()`,
    number,
    dedupeKey: sql`null`,
    cardRef: sql`case when t.card_ref is null then null else 'card-' || ${number} end`,
    cardLink: sql`case when t.card_ref is null then null else 'https://chat.test/card-' || ${number} end`,
    text: sql`t.text || ' (' || ${number} || ')'`,
    ...(postDue ? { requestedAt: postDue } : {}),
  } satisfies Partial<Record<keyof PostRow, SQL>>);
  const deliveryDue = dueOf(sql`(p.number - ${first}::int)`);
  const deliveryColumns = columnsOf(deliveries, 't', {
    id: sql`gen_random_uuid()`,
    postId: sql`p.id`,
    ...(deliveryDue
      ? { nextAttemptAt: sql`case when t.next_attempt_at is null then null else ${deliveryDue} end` }
      : {}),
  });
  const approvalColumns = columnsOf(approvals, 't', { postId: sql`p.id` });
  const cardColumns = columnsOf(postCards, 't', { postId: sql`p.id`, cardRef: sql`'card-' || p.number` });
  const copies = sql`p.team_id = ${template.teamId} and p.number between ${first} and ${last}`;
  const targets = options.targets
    ? sql`and t.target_id in (${sql.join(
        options.targets.map((target) => sql`${target}`),
        sql`, `,
      )})`
    : sql``;
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into posts (${postColumns.names})
      select ${postColumns.values} from posts t cross join generate_series(0, ${count - 1}::int) as g(i)
       where t.id = ${template.id}`);
    await tx.execute(sql`
      insert into deliveries (${deliveryColumns.names})
      select ${deliveryColumns.values} from posts p join deliveries t on t.post_id = ${template.id}
       where ${copies} ${targets}`);
    await tx.execute(sql`
      insert into approvals (${approvalColumns.names})
      select ${approvalColumns.values} from posts p join approvals t on t.post_id = ${template.id}
       where ${copies}`);
    await tx.execute(sql`
      insert into post_cards (${cardColumns.names})
      select ${cardColumns.values} from posts p join post_cards t on t.post_id = ${template.id}
       where ${copies}`);
    await tx
      .update(teams)
      .set({ nextPostNumber: sql`greatest(${teams.nextPostNumber}, ${last + 1})` })
      .where(eq(teams.id, template.teamId));
    const made = await countOf(
      tx as unknown as Database,
      sql`select count(*)::int as n from posts p join deliveries d on d.post_id = p.id where ${copies}`,
    );
    const expected = count * (options.targets?.length ?? template.deliveries);
    if (made !== expected) throw new Error(`seeding made ${made} deliveries, not ${expected}`);
  });
}

/** How a template post is made through the desk. */
export type TemplateKind = 'scheduled' | 'pending' | 'published' | 'failed';

/**
 * Makes one post through the desk and returns its id: proposed by an
 * editor (for `at`, if given), approved by the supervisor unless `pending`,
 * then published at once for `published` and `failed` (which needs the
 * desk's publisher to refuse it). Its owed messages are sent (so its card has a reference).
 */
export async function makeTemplatePost(
  desk: Desk,
  store: Store,
  kind: TemplateKind,
  options: { at?: Date; text?: string; targets?: readonly string[]; now: () => Date } = {
    now: () => new Date(),
  },
): Promise<string> {
  const editor = BENCH_DESK.editors[0];
  const when = options.at ? ` at:${options.at.toISOString()}` : '';
  const text = options.text ?? 'Avviso ai cittadini: chiusura temporanea dello sportello anagrafe';
  const to = ` to:${(options.targets ?? BENCH_DESK.targets).join(',')}`;
  const reply = await desk.command(asUser(editor), `/propose${to}${when} ${text}`);
  const number = /#(\d+)/.exec(reply.text)?.[1];
  if (number === undefined) throw new Error(`the desk did not take the template proposal: ${reply.text}`);
  const entry = await store.getPost(BENCH_DESK.teamId, Number(number));
  if (!entry) throw new Error(`template post #${number} not stored`);
  if (kind !== 'pending') {
    await desk.react({
      ...asUser(BENCH_DESK.supervisor),
      post: { number: entry.post.number },
      action: 'approve',
      added: true,
    });
  }
  if (kind === 'published' || kind === 'failed') await desk.tick(options.now());
  await desk.flushOwed();
  const after = await store.getPost(BENCH_DESK.teamId, entry.post.number);
  const expected = { scheduled: 'scheduled', pending: 'pending', published: 'published', failed: 'failed' };
  if (after?.post.state !== expected[kind]) {
    throw new Error(`template post #${number} is ${after?.post.state}, not ${expected[kind]}`);
  }
  return entry.post.id;
}

/** The `n` of a `select count(*)::int as n …`, on either driver (their results differ in shape). */
export async function countOf(db: Database, query: SQL): Promise<number> {
  const result: unknown = await db.execute(query);
  const rows = Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? []);
  return Number((rows[0] as { n?: unknown } | undefined)?.n ?? Number.NaN);
}
