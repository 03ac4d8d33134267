import { describe, expect, it } from 'vitest';
import { Foreground } from '../../src/core/foreground.ts';
import { FakeClock } from '../fakes/fake-clock.ts';

/** A promise settled by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve: () => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** Whether `promise` has settled, looked at after the jobs already queued (timers excluded). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('Foreground', () => {
  it('lets background work go at once when nothing is under way', async () => {
    const foreground = new Foreground(new FakeClock('2026-12-03T10:00:00Z'));
    expect(await settled(foreground.quiet(60_000))).toBe(true);
  });

  it('holds background work until every piece of foreground work has ended', async () => {
    const foreground = new Foreground(new FakeClock('2026-12-03T10:00:00Z'));
    const first = deferred();
    const second = deferred();
    const a = foreground.during(() => first.promise.then(() => 'a'));
    const b = foreground.during(() => second.promise.then(() => 'b'));
    expect(foreground.size).toBe(2);
    const quiet = foreground.quiet(60_000);
    first.resolve();
    expect(await a).toBe('a');
    expect(await settled(quiet)).toBe(false);
    second.resolve();
    expect(await b).toBe('b');
    expect(await settled(quiet)).toBe(true);
    expect(foreground.size).toBe(0);
  });

  it('counts failed work as ended, and hands its error on', async () => {
    const foreground = new Foreground(new FakeClock('2026-12-03T10:00:00Z'));
    const failing = deferred();
    const work = foreground.during(() => failing.promise);
    const quiet = foreground.quiet(60_000);
    failing.reject(new Error('database gone'));
    await expect(work).rejects.toThrow('database gone');
    expect(await settled(quiet)).toBe(true);
  });

  it('never holds background work longer than asked, however long the foreground lasts', async () => {
    const clock = new FakeClock('2026-12-03T10:00:00Z');
    const foreground = new Foreground(clock);
    const endless = deferred();
    const work = foreground.during(() => endless.promise);
    const quiet = foreground.quiet(1000);
    clock.advance(999);
    expect(await settled(quiet)).toBe(false);
    clock.advance(1);
    // Let go by the clock although the work is still under way.
    expect(await settled(quiet)).toBe(true);
    expect(foreground.size).toBe(1);
    endless.resolve();
    await work;
  });
});
