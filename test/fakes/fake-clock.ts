import type { Clock } from '../../src/core/ports.ts';

/** A clock that stands still until told to move; its signals abort as it passes their deadline. */
export class FakeClock implements Clock {
  #now: Date;
  readonly #deadlines: { at: number; controller: AbortController }[] = [];

  constructor(start: Date | string) {
    this.#now = new Date(start);
  }

  now(): Date {
    return new Date(this.#now);
  }

  signalAfter(ms: number): AbortSignal {
    const controller = new AbortController();
    this.#deadlines.push({ at: this.#now.getTime() + ms, controller });
    return controller.signal;
  }

  set(at: Date | string): void {
    this.#now = new Date(at);
    this.#fire();
  }

  advance(ms: number): Date {
    this.#now = new Date(this.#now.getTime() + ms);
    this.#fire();
    return this.now();
  }

  #fire(): void {
    const now = this.#now.getTime();
    for (let index = this.#deadlines.length - 1; index >= 0; index--) {
      const deadline = this.#deadlines[index];
      if (deadline && deadline.at <= now) {
        this.#deadlines.splice(index, 1);
        deadline.controller.abort(new DOMException('The time limit passed', 'TimeoutError'));
      }
    }
  }
}
