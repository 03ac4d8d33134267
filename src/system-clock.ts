import type { Clock } from './core/ports.ts';

/** The real clock, for production; tests pass a FakeClock. */
export const systemClock: Clock = {
  now: () => new Date(),
  signalAfter: (ms) => AbortSignal.timeout(ms),
};

/**
 * A clock that reads `start` at the moment it is created and then runs at
 * real speed. Child processes in tests start on a chosen instant with it
 * (ARALDO_CLOCK_START), so a suite reads the same on a Tuesday afternoon and
 * on a Saturday night. It advances with the monotonic clock, so a wall-clock
 * step (NTP, libfaketime) after the start does not move it.
 */
export function createStartedClock(start: Date, elapsedMs: () => number = () => performance.now()): Clock {
  const origin = elapsedMs();
  const startMs = start.getTime();
  return {
    now: () => new Date(startMs + (elapsedMs() - origin)),
    // It runs at real speed, so a real timer measures its milliseconds too.
    signalAfter: (ms) => AbortSignal.timeout(ms),
  };
}
