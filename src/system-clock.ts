import type { Clock } from './core/ports.ts';

/** The real clock, for production; tests pass a FakeClock. */
export const systemClock: Clock = {
  now: () => new Date(),
};
