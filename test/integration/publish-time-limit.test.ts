import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { it as IT } from '../../src/core/i18n/it.ts';
import type { Publisher, PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import { createDeskHarness } from '../support/desk-harness.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

/** A publisher that never answers on its own: it gives up only when its signal aborts. */
class StalledPublisher implements Publisher {
  readonly idempotent = true;
  readonly called: Promise<AbortSignal>;
  #called!: (signal: AbortSignal) => void;

  constructor() {
    this.called = new Promise((resolve) => {
      this.#called = resolve;
    });
  }

  publish(_request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    this.#called(signal);
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => resolve({ kind: 'unavailable', detail: 'no answer in time' }));
    });
  }
}

describe(`a publishing attempt's time limit on ${testDriver}`, () => {
  it('is measured on the desk clock: the attempt ends when 30 s have passed on it', async () => {
    const base = createDeskHarness(database);
    const stalled = new StalledPublisher();
    const h = createDeskHarness(database, {
      team: { id: base.team.id },
      targets: [{ id: 'sito', network: 'feed', displayName: 'Sito istituzionale', credentials: {} }],
      publishers: { sito: stalled },
    });
    await h.run('editor', '/propose to:sito Avviso di prova');
    await h.react('supervisor', 1, '✅');

    const round = h.tick();
    const signal = await stalled.called;
    h.clock.advance(29_999);
    expect(signal.aborted).toBe(false);
    h.clock.advance(1);
    expect(signal.aborted).toBe(true);
    await round;

    const status = await h.run('editor', '/status 1');
    // The team reads the failure in its words; the publisher's own detail goes to the log.
    expect(status).toContain(IT['failure.unavailable']());
  });
});
