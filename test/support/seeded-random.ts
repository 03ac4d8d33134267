import { randomInt } from 'node:crypto';

// A small seeded PRNG for tests that draw a random script (crash moments,
// proposals): the seed is printed, and giving it back through an environment
// variable replays the same script. mulberry32: 32 bits of state, good enough
// to spread choices, never to secure anything.

/** Draws from one seeded sequence; the same seed gives the same draws. */
export interface SeededRandom {
  readonly seed: number;
  /** a float in [0, 1) */
  next(): number;
  /** an integer in [min, max], both included */
  int(min: number, max: number): number;
  /** true with probability `p` */
  chance(p: number): boolean;
  /** one of `items` (not empty) */
  pick<T>(items: readonly T[]): T;
  /** a new array with `items` in a random order */
  shuffled<T>(items: readonly T[]): T[];
}

/** A sequence drawn from `seed` (any integer; its low 32 bits are used). */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed: seed >>> 0,
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    shuffled: <T>(items: readonly T[]): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = int(0, i);
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    },
  };
}

/**
 * The seed named by environment variable `name` (decimal), or a fresh random
 * one when it is unset or empty. Throws on a value that is not a whole number,
 * so a mistyped replay never silently runs another script.
 */
export function seedFrom(env: NodeJS.ProcessEnv, name: string): number {
  const given = env[name];
  if (given === undefined || given.trim() === '') return randomInt(0, 2 ** 32 - 1);
  if (!/^\d{1,10}$/.test(given.trim()) || Number(given) > 2 ** 32 - 1) {
    throw new Error(`${name} must be a whole number from 0 to ${2 ** 32 - 1}, got ${JSON.stringify(given)}`);
  }
  return Number(given);
}
