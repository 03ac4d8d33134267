import { describe, expect, it } from 'vitest';
import { createStartedClock } from '../../src/system-clock.ts';

describe('createStartedClock', () => {
  it('reads its start instant first, then advances by the elapsed time it is given', () => {
    let elapsed = 1_000;
    const clock = createStartedClock(new Date('2026-12-05T10:00:00Z'), () => elapsed);
    expect(clock.now().toISOString()).toBe('2026-12-05T10:00:00.000Z');
    elapsed += 90_000;
    expect(clock.now().toISOString()).toBe('2026-12-05T10:01:30.000Z');
  });

  it('does not follow the wall clock', () => {
    const clock = createStartedClock(new Date('2030-01-01T00:00:00Z'), () => 0);
    expect(clock.now().getFullYear()).toBe(2030);
  });
});
