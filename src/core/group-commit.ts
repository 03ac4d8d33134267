/** An item waiting to be written, and who waits for it. */
interface Waiting<I, R> {
  readonly item: I;
  readonly settle: (result: R) => void;
  readonly fail: (error: unknown) => void;
}

/**
 * Writes items as a group commit: the first item is written at once, and
 * those submitted meanwhile wait and go together in the next write, so a
 * busy process writes a few statements per batch instead of a transaction
 * per item, and a quiet one waits for nothing. A batch that fails is
 * written again item by item, so one bad item fails alone.
 */
export class GroupCommit<I, R> {
  readonly #write: (batch: readonly I[]) => Promise<readonly R[]>;
  readonly #maxBatch: number;
  readonly #waiting: Waiting<I, R>[] = [];
  #draining = false;

  /** `write` returns one result per item, in order */
  constructor(write: (batch: readonly I[]) => Promise<readonly R[]>, maxBatch: number) {
    this.#write = write;
    this.#maxBatch = maxBatch;
  }

  /** resolves with the item's result once written; rejects when its write failed */
  submit(item: I): Promise<R> {
    return new Promise<R>((settle, fail) => {
      this.#waiting.push({ item, settle, fail });
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, this.#maxBatch);
        try {
          this.#settle(batch, await this.#write(batch.map((entry) => entry.item)));
        } catch (error) {
          if (batch.length === 1) {
            batch[0]?.fail(error);
            continue;
          }
          for (const entry of batch) {
            await this.#write([entry.item]).then((results) => this.#settle([entry], results), entry.fail);
          }
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  #settle(batch: readonly Waiting<I, R>[], results: readonly R[]): void {
    for (const [index, entry] of batch.entries()) {
      const result = results[index];
      if (result === undefined) entry.fail(new Error('a group write returned fewer results than items'));
      else entry.settle(result);
    }
  }
}
