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

  // A request that lands while the last run is ending (any number of
  // microtasks after its work) is either seen by that run or starts another.
  it('never loses a request made while a run is ending', async () => {
    for (let depth = 0; depth < 8; depth++) {
      let runs = 0;
      const gate = deferred();
      const run = new CoalescedRun(
        async () => {
          runs += 1;
          if (runs === 1) await gate.promise;
        },
        () => {},
      );
      run.run();
      gate.resolve();
      let chain = Promise.resolve();
      for (let i = 0; i < depth; i++) chain = chain.then(() => undefined);
      await chain;
      run.run();
      await run.idle();
      expect({ depth, runs }).toEqual({ depth, runs: 2 });
    }
  });

  it('starts nothing once stopped, and lets the run in progress end', async () => {
    let runs = 0;
    const gate = deferred();
    const run = new CoalescedRun(
      async () => {
        runs += 1;
        await gate.promise;
      },
      () => {},
    );
    run.run();
    run.stop();
    run.run();
    gate.resolve();
    await run.idle();
    run.run();
    await run.idle();
    expect(runs).toBe(1);
  });
});
