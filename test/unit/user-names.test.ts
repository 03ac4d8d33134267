import { describe, expect, it } from 'vitest';
import { UserNames } from '../../src/chat/slack/user-names.ts';

/** A users.info stand-in whose answers the test releases by hand. */
function controlledLookup() {
  const calls: string[] = [];
  const waiting: {
    userId: string;
    resolve: (name: string | undefined) => void;
    reject: (e: Error) => void;
  }[] = [];
  return {
    calls,
    lookup: (userId: string) => {
      calls.push(userId);
      return new Promise<string | undefined>((resolve, reject) => waiting.push({ userId, resolve, reject }));
    },
    answer(name: string | undefined) {
      const next = waiting.shift();
      if (!next) throw new Error('no lookup waiting');
      next.resolve(name);
    },
    fail(message: string) {
      const next = waiting.shift();
      if (!next) throw new Error('no lookup waiting');
      next.reject(new Error(message));
    },
  };
}

describe('UserNames', () => {
  it('asks Slack once for a burst of lookups of the same user', async () => {
    const slack = controlledLookup();
    const names = new UserNames({ lookup: slack.lookup, now: () => 0 });
    const burst = Array.from({ length: 50 }, () => names.nameOf('U1'));
    await Promise.resolve();
    slack.answer('Giulia Rossi');
    expect(await Promise.all(burst)).toEqual(Array(50).fill('Giulia Rossi'));
    expect(await names.nameOf('U1')).toBe('Giulia Rossi');
    expect(slack.calls).toEqual(['U1']);
  });

  it('remembers a failure for a while, answering at once without a name, then asks again', async () => {
    let now = 0;
    const slack = controlledLookup();
    const failures: string[] = [];
    const names = new UserNames({
      lookup: slack.lookup,
      now: () => now,
      failureTtlMs: 60_000,
      onFailure: (userId, error) => failures.push(`${userId}: ${(error as Error).message}`),
    });
    const first = names.nameOf('U1');
    const joined = names.nameOf('U1');
    await Promise.resolve();
    slack.fail('ratelimited');
    expect(await first).toBeUndefined();
    expect(await joined).toBeUndefined();
    now = 59_999;
    expect(await names.nameOf('U1')).toBeUndefined();
    expect(slack.calls).toEqual(['U1']);
    expect(failures).toEqual(['U1: ratelimited']);

    now = 60_000;
    const again = names.nameOf('U1');
    await Promise.resolve();
    slack.answer('Giulia Rossi');
    expect(await again).toBe('Giulia Rossi');
    expect(slack.calls).toEqual(['U1', 'U1']);
  });

  it('asks again for a name older than its time to live, and keeps the most recently asked within its bound', async () => {
    let now = 0;
    const asked: string[] = [];
    const names = new UserNames({
      lookup: async (userId) => {
        asked.push(userId);
        return `nome di ${userId}`;
      },
      now: () => now,
      ttlMs: 1_000,
      maxEntries: 2,
    });
    await names.nameOf('U1');
    await names.nameOf('U2');
    await names.nameOf('U1');
    await names.nameOf('U3');
    // U2 was the least recently asked: it went when U3 came.
    await names.nameOf('U1');
    await names.nameOf('U2');
    expect(asked).toEqual(['U1', 'U2', 'U3', 'U2']);
    now = 1_000;
    expect(await names.nameOf('U2')).toBe('nome di U2');
    expect(asked).toEqual(['U1', 'U2', 'U3', 'U2', 'U2']);
  });
});
