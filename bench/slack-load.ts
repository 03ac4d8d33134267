import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { postSigned } from '../test/fakes/slack-signing.ts';
import { slashCommandBody } from '../test/fixtures/slack-payloads.ts';
import { BENCH_DESK } from './desk-kit.ts';

// Slack's side of a burst of slash commands: each request signed at the
// moment it is sent (Bolt refuses a timestamp over 5 minutes old), on a new
// connection like Slack's, its latency taken from the moment it is sent to
// the moment the whole answer is read. At most `concurrency` are under way.

/** How a burst went: every latency in ms (answered requests) and what failed. */
export interface LoadResult {
  readonly latenciesMs: readonly number[];
  /** answers other than 200, by status */
  readonly statuses: ReadonlyMap<number, number>;
  /** requests that got no answer (connection refused or cut) */
  readonly failed: number;
  /** wall time of the whole burst */
  readonly elapsedMs: number;
}

/** The form body of `/propose` number `index`, as Slack sends it (fields of slashCommandBody). */
export function proposeBody(index: number, responseUrlBase: string): Readonly<Record<string, unknown>> {
  const editor = BENCH_DESK.editors[index % BENCH_DESK.editors.length] ?? BENCH_DESK.editors[0];
  return slashCommandBody({
    command: '/propose',
    text: `to:sito,albo Avviso n. ${index}: lavori di manutenzione in via Roma, traffico deviato dalle 8 alle 18`,
    userId: editor,
    userName: editor.toLowerCase(),
    channelId: BENCH_DESK.channel,
    teamId: BENCH_DESK.workspace,
    responseUrl: `${responseUrlBase}/response-url/${index}`,
    // Real trigger ids look like "13345224609.738474920.8088930838d88f008e0": unique per command.
    triggerId: `${Date.now()}${index}.738474920.${randomUUID().replaceAll('-', '').slice(0, 21)}`,
  });
}

/** Sends `count` signed slash commands to `url`, `concurrency` at a time. */
export async function sendCommands(options: {
  readonly url: string;
  readonly count: number;
  readonly concurrency: number;
  readonly body: (index: number) => Readonly<Record<string, unknown>>;
  /** the first index (so a warm-up and the runs after it never repeat a body) */
  readonly from?: number;
}): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  let failed = 0;
  let next = 0;
  const began = performance.now();
  const worker = async () => {
    while (next < options.count) {
      const index = (options.from ?? 0) + next;
      next += 1;
      const body = options.body(index);
      const sent = performance.now();
      try {
        const answer = await postSigned(options.url, { secret: BENCH_DESK.signingSecret, body });
        latenciesMs.push(performance.now() - sent);
        if (answer.status !== 200) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
  return { latenciesMs, statuses, failed, elapsedMs: performance.now() - began };
}
