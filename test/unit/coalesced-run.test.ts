import { describe, expect, it } from 'vitest';
import { CoalescedRun } from '../../src/core/coalesced-run.ts';

/** A promise settled by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('CoalescedRun', () => {
  it('runs at once when idle, and once more for any number of requests made while running', async () => {
    const gates = [deferred(), deferred(), deferred()];
    let runs = 0;
    const run = new CoalescedRun(
      async () => {
        const gate = gates[runs];
        runs += 1;
        await gate?.promise;
      },
      () => {},
    );
    run.run();
    expect(runs).toBe(1);
    run.run();
    run.run();
    run.run();
    expect(runs).toBe(1);
    gates[0]?.resolve();
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(2);
    gates[1]?.resolve();
    await run.idle();
    expect(runs).toBe(2);
    run.run();
    gates[2]?.resolve();
    await run.idle();
    expect(runs).toBe(3);
  });

  it('reports a failed run and keeps serving later requests', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const run = new CoalescedRun(
      async () => {
        runs += 1;
        if (runs === 1) throw new Error('database blip');
      },
      (error) => errors.push(error),
    );
    run.run();
    await run.idle();
    run.run();
    await run.idle();
    expect(runs).toBe(2);
    expect(errors).toEqual([new Error('database blip')]);
  });
});
