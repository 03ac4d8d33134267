/**
 * Reads many keys in one call: every `read` made in the same turn of the
 * event loop (the outbox starts a batch of messages in one synchronous
 * loop, each asking for its post) is answered by one `readMany` of all
 * their keys, on the next microtask. A failed batch fails each of its reads.
 */
export class BatchedReader<K, V> {
  readonly #readMany: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>;
  #waiting = new Map<K, { resolve: (value: V | undefined) => void; reject: (error: unknown) => void }[]>();

  constructor(readMany: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>) {
    this.#readMany = readMany;
  }

  read(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.size === 0) void Promise.resolve().then(() => this.#flush());
      const readers = this.#waiting.get(key);
      if (readers) readers.push({ resolve, reject });
      else this.#waiting.set(key, [{ resolve, reject }]);
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = new Map();
    try {
      const found = await this.#readMany([...batch.keys()]);
      for (const [key, readers] of batch) for (const reader of readers) reader.resolve(found.get(key));
    } catch (error) {
      for (const readers of batch.values()) for (const reader of readers) reader.reject(error);
    }
  }
}
