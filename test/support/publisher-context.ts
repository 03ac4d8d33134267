import type { PublisherContext, TargetSecrets } from '../../src/publish/network-definition.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';

/**
 * A target's secrets held in memory, for publisher tests: versioned like the
 * database's, and shared by every publisher built on the same instance, as
 * replicas share the database.
 */
export class MemorySecrets implements TargetSecrets {
  readonly available = true;
  #stored: { value: string; version: number } | undefined;
  #held: Promise<void> = Promise.resolve();
  /** every value written, oldest first */
  readonly writes: string[] = [];

  async read(): Promise<{ value: string; version: number } | undefined> {
    return this.#stored;
  }

  async write(value: string, version: number): Promise<boolean> {
    if ((this.#stored?.version ?? 0) !== version) return false;
    this.#stored = { value, version: version + 1 };
    this.writes.push(value);
    return true;
  }

  async exclusively<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.#held;
    let release = () => {};
    this.#held = new Promise((resolve) => {
      release = resolve;
    });
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** A sleep that does not wait (polls in tests run back to back), still honouring the signal. */
export async function noSleep(_ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
}

/**
 * What the wiring gives a network's factory, for publisher tests: no public
 * URL, a recording logger, the global fetch, a fixed clock, polls without
 * waiting and secrets in memory, each replaced by `overrides`.
 */
export function testPublisherContext(overrides: Partial<PublisherContext> = {}): PublisherContext {
  return {
    publicUrl: () => '',
    logger: new RecordingLogger(),
    now: () => new Date('2026-11-21T09:00:00Z'),
    sleep: noSleep,
    secrets: new MemorySecrets(),
    ...overrides,
  };
}
