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

  constructor(work: () => Promise<void>, onError: (error: unknown) => void) {
    this.#work = work;
    this.#onError = onError;
  }

  /** runs the work now, or once more after the run in progress */
  run(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
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
        this.#onError(error);
      }
    } while (this.#again);
  }
}
