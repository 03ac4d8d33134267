/**
 * Runs a piece of work whenever asked, never twice at once: asked while it
 * runs, it runs once more right after, however often it was asked
 * meanwhile. A burst of requests costs at most two runs.
 */
export class CoalescedRun {
  readonly #work: () => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(work: () => Promise<void>, onError: (error: unknown) => void) {
    this.#work = work;
    this.#onError = onError;
  }

  /** runs the work now, or once more after the run in progress; nothing once stopped */
  run(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop();
  }

  /** asks for no more runs: the one in progress ends, none starts (shutdown) */
  stop(): void {
    this.#stopped = true;
  }

  /** resolves once no run is in progress or asked for */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.#work();
      } catch (error) {
        try {
          this.#onError(error);
        } catch {
          // A failing report must not leave the run marked as running forever.
        }
      }
    } while (this.#again && !this.#stopped);
    // Cleared in the same job as the last look at #again: a request arriving
    // after this line starts a new run, one arriving before it is seen above.
    this.#running = undefined;
  }
}
