import type { Clock } from './ports.ts';

/**
 * Work people wait on (a command whose answer the chat shows only if it
 * comes within seconds) goes before background work (the chat outbox): while any is
 * under way, background work waits for it to end, at most `maxWaitMs`, so
 * a steady stream of commands slows the outbox without ever stopping it.
 * A burst of proposals is answered first and its cards follow right after.
 */
export class Foreground {
  readonly #clock: Clock;
  #underWay = 0;
  readonly #waiting = new Set<() => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** how much foreground work is under way */
  get size(): number {
    return this.#underWay;
  }

  /** runs `work` as foreground work */
  async during<T>(work: () => Promise<T>): Promise<T> {
    this.#underWay += 1;
    try {
      return await work();
    } finally {
      this.#underWay -= 1;
      if (this.#underWay === 0) for (const done of [...this.#waiting]) done();
    }
  }

  /** resolves once no foreground work is under way, or after `maxWaitMs` on the clock */
  quiet(maxWaitMs: number): Promise<void> {
    if (this.#underWay === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const limit = this.#clock.signalAfter(maxWaitMs);
      const done = () => {
        limit.removeEventListener('abort', done);
        this.#waiting.delete(done);
        resolve();
      };
      limit.addEventListener('abort', done);
      this.#waiting.add(done);
    });
  }
}
