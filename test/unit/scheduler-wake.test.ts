import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';

// The wake timer is measured on the injected clock: a clock far from the
// system's (ARALDO_CLOCK_START in a child process, libfaketime in CI) must
// still wake the round when the post falls due by that clock.
describe('Scheduler.wake', () => {
  beforeEach(() => {
    // Only the timers are faked: Date stays the system's, so a timer keyed
    // on the system clock would not fire here.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function schedulerOn(clock: FakeClock) {
    const rounds: Date[] = [];
    const scheduler = new Scheduler(
      async (now) => {
        rounds.push(now);
        return undefined;
      },
      new RecordingLogger(),
      { pollCron: '*/30 * * * * *', now: () => clock.now() },
    );
    return { scheduler, rounds };
  }

  it('runs a round when the wait has passed on the injected clock', async () => {
    const clock = new FakeClock('2031-03-30T00:59:55Z');
    const { scheduler, rounds } = schedulerOn(clock);
    scheduler.wake(new Date('2031-03-30T01:00:00Z'));

    await vi.advanceTimersByTimeAsync(4_999);
    expect(rounds).toEqual([]);
    clock.advance(5_000);
    await vi.advanceTimersByTimeAsync(1);
    expect(rounds.map((at) => at.toISOString())).toEqual(['2031-03-30T01:00:00.000Z']);
    await scheduler.stop();
  });

  it('runs at once when the instant has already passed on the injected clock', async () => {
    const clock = new FakeClock('2031-03-30T01:00:00Z');
    const { scheduler, rounds } = schedulerOn(clock);
    scheduler.wake(new Date('2031-03-30T00:00:00Z'));
    await vi.advanceTimersByTimeAsync(0);
    expect(rounds).toHaveLength(1);
    await scheduler.stop();
  });

  it('keeps the earliest of several wakes', async () => {
    const clock = new FakeClock('2031-03-30T00:00:00Z');
    const { scheduler, rounds } = schedulerOn(clock);
    scheduler.wake(new Date('2031-03-30T00:00:10Z'));
    scheduler.wake(new Date('2031-03-30T00:00:03Z'));
    scheduler.wake(new Date('2031-03-30T00:00:07Z'));
    clock.advance(3_000);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(rounds.map((at) => at.toISOString())).toEqual(['2031-03-30T00:00:03.000Z']);
    await scheduler.stop();
  });

  it('forgets an armed wake once stopped', async () => {
    const clock = new FakeClock('2031-03-30T00:00:00Z');
    const { scheduler, rounds } = schedulerOn(clock);
    scheduler.wake(new Date('2031-03-30T00:00:05Z'));
    await scheduler.stop();
    clock.advance(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(rounds).toEqual([]);
  });
});
