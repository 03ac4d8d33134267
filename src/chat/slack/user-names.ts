/**
 * The display names of Slack users, as the cards and the audit log show
 * them. A burst of proposals from one person asks Slack once: lookups of
 * the same user in flight share one `users.info` call. A failed lookup is
 * remembered for a while, so while Slack is down or rate-limits the app,
 * each request falls back to the user id at once instead of spending its
 * ack time on a call that fails again. A name is kept for `ttlMs`, then
 * asked again (people rename themselves); the least recently asked names
 * go first when more than `maxEntries` are kept.
 */
export interface UserNamesOptions {
  /** asks Slack for one user's name; undefined when the profile has none; throws when the call fails */
  readonly lookup: (userId: string) => Promise<string | undefined>;
  /** milliseconds on a monotonic clock */
  readonly now?: () => number;
  /** how long a name is trusted (default 1 hour) */
  readonly ttlMs?: number;
  /** how long a failed lookup is not repeated (default 60 s) */
  readonly failureTtlMs?: number;
  readonly maxEntries?: number;
  /** told once per failed call, never for a lookup answered from the failure memory */
  readonly onFailure?: (userId: string, error: unknown) => void;
}

type Entry =
  | { readonly kind: 'name'; readonly name: string | undefined; readonly until: number }
  | { readonly kind: 'failed'; readonly until: number };

export class UserNames {
  readonly #options: UserNamesOptions;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<string | undefined>>();

  constructor(options: UserNamesOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** the user's name, or undefined when Slack has none or cannot tell now */
  async nameOf(userId: string): Promise<string | undefined> {
    const entry = this.#entries.get(userId);
    if (entry && entry.until > this.#now()) {
      // Map order is insertion order: moving the entry to the end keeps the least recent first.
      this.#entries.delete(userId);
      this.#entries.set(userId, entry);
      return entry.kind === 'name' ? entry.name : undefined;
    }
    const pending = this.#inFlight.get(userId);
    if (pending) return pending;
    const asked = this.#ask(userId).finally(() => this.#inFlight.delete(userId));
    this.#inFlight.set(userId, asked);
    return asked;
  }

  async #ask(userId: string): Promise<string | undefined> {
    try {
      const name = await this.#options.lookup(userId);
      this.#remember(userId, { kind: 'name', name, until: this.#now() + (this.#options.ttlMs ?? 3_600_000) });
      return name;
    } catch (error) {
      this.#options.onFailure?.(userId, error);
      this.#remember(userId, { kind: 'failed', until: this.#now() + (this.#options.failureTtlMs ?? 60_000) });
      return undefined;
    }
  }

  #remember(userId: string, entry: Entry): void {
    this.#entries.delete(userId);
    this.#entries.set(userId, entry);
    const max = this.#options.maxEntries ?? 10_000;
    while (this.#entries.size > max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}
