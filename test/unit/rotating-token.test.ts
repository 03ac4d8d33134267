import { describe, expect, it } from 'vitest';
import {
  type GrantReading,
  RotatingToken,
  type RotatingTokenOptions,
  type StoredTokens,
  seedFingerprint,
} from '../../src/publish/rotating-token.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { MemorySecrets } from '../support/publisher-context.ts';

const NOW = new Date('2026-11-21T09:00:00Z');
const SEED = 'seed-refresh-token';

/** A token endpoint's answer as these tests write it: what `readGrant` makes of it. */
interface Answer {
  readonly reading: GrantReading;
  readonly deadGrant?: boolean;
}

function granted(accessToken: string, refreshToken: string, refreshExpiresInS?: number): Answer {
  return {
    reading: {
      kind: 'granted',
      grant: { accessToken, refreshToken, expiresInS: 3_600, refreshExpiresInS },
    },
  };
}

function world(answers: Answer[], overrides: Partial<RotatingTokenOptions<Answer>> = {}) {
  const secrets = new MemorySecrets();
  const logger = new RecordingLogger();
  /** the refresh tokens sent to the token endpoint, oldest first */
  const sent: string[] = [];
  const options: RotatingTokenOptions<Answer> = {
    network: 'net',
    seed: SEED,
    secrets,
    now: () => NOW,
    logger,
    refreshAheadMs: 5 * 60_000,
    defaultExpiresInS: 7_200,
    refresh: async (refreshToken) => {
      sent.push(refreshToken);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no answer left');
      return answer;
    },
    readGrant: (answer) => answer.reading,
    isDeadGrant: (answer) => answer.deadGrant === true,
    ...overrides,
  };
  return { secrets, logger, sent, token: new RotatingToken(options) };
}

function stored(secrets: MemorySecrets): StoredTokens {
  const last = secrets.writes.at(-1);
  if (last === undefined) throw new Error('nothing stored');
  return JSON.parse(last) as StoredTokens;
}

const signal = () => new AbortController().signal;

describe('RotatingToken', () => {
  it('refreshes from the seed and stores the pair under the seed’s fingerprint', async () => {
    const { secrets, sent, token } = world([granted('a1', 'r1')]);

    const result = await token.accessToken(signal());

    expect(result).toEqual({ ok: true, accessToken: 'a1', refreshed: true, refreshExpiresAt: undefined });
    expect(sent).toEqual([SEED]);
    expect(stored(secrets)).toEqual({
      accessToken: 'a1',
      refreshToken: 'r1',
      expiresAt: '2026-11-21T10:00:00.000Z',
      seed: seedFingerprint(SEED),
      formerSeeds: [],
    });
    expect(secrets.writes.join('\n')).not.toContain(SEED);
  });

  it('hands out the stored access token while it is fresh, and refreshes with the stored refresh token once due', async () => {
    let now = NOW;
    const { sent, token } = world([granted('a1', 'r1'), granted('a2', 'r2')], { now: () => now });
    await token.accessToken(signal());

    expect(await token.accessToken(signal())).toMatchObject({
      ok: true,
      accessToken: 'a1',
      refreshed: false,
    });
    now = new Date(NOW.getTime() + 56 * 60_000);
    expect(await token.accessToken(signal())).toMatchObject({ ok: true, accessToken: 'a2', refreshed: true });
    expect(sent).toEqual([SEED, 'r1']);
  });

  it('never hands out again a token the network refused', async () => {
    const { sent, token } = world([granted('a1', 'r1'), granted('a2', 'r2')]);
    await token.accessToken(signal());

    expect(await token.accessToken(signal(), 'a1')).toMatchObject({ accessToken: 'a2', refreshed: true });
    expect(sent).toEqual([SEED, 'r1']);
  });

  it('keeps the refresh token’s expiry the network gave, and carries it over an answer that omits it', async () => {
    let now = NOW;
    const { secrets, token } = world([granted('a1', 'r1', 86_400), granted('a2', 'r2')], { now: () => now });

    expect(await token.accessToken(signal())).toMatchObject({ refreshExpiresAt: '2026-11-22T09:00:00.000Z' });
    now = new Date(NOW.getTime() + 3_600_000);
    expect(await token.accessToken(signal())).toMatchObject({
      accessToken: 'a2',
      refreshExpiresAt: '2026-11-22T09:00:00.000Z',
    });
    expect(stored(secrets).refreshExpiresAt).toBe('2026-11-22T09:00:00.000Z');
  });

  it('refreshes from a new seed in the environment and remembers the one it replaced', async () => {
    const old = world([granted('a1', 'r1')]);
    await old.token.accessToken(signal());
    const renewed = new RotatingToken<Answer>({
      network: 'net',
      seed: 'new-seed',
      secrets: old.secrets,
      now: () => NOW,
      logger: old.logger,
      refreshAheadMs: 5 * 60_000,
      defaultExpiresInS: 7_200,
      refresh: async () => granted('a2', 'r2'),
      readGrant: (answer) => answer.reading,
    });

    expect(await renewed.accessToken(signal())).toMatchObject({ accessToken: 'a2', refreshed: true });
    expect(stored(old.secrets)).toMatchObject({
      seed: seedFingerprint('new-seed'),
      formerSeeds: [seedFingerprint(SEED)],
    });
    // A process still configured with the old seed follows the new pair.
    expect(await old.token.accessToken(signal())).toMatchObject({ accessToken: 'a2', refreshed: false });
  });

  it('reports a refusal with the answer, a malformed success and no answer as failures', async () => {
    const refusal: Answer = { reading: { kind: 'refused' } };
    const malformed: Answer = { reading: { kind: 'malformed', detail: 'no access token' } };
    const { logger, token } = world([refusal, malformed]);

    expect(await token.accessToken(signal())).toEqual({
      ok: false,
      failure: { kind: 'answer', answer: refusal, refreshExpiresAt: undefined },
    });
    expect(await token.accessToken(signal())).toEqual({
      ok: false,
      failure: { kind: 'malformed', detail: 'no access token' },
    });
    expect(await token.accessToken(signal())).toMatchObject({
      ok: false,
      failure: { kind: 'no_answer', failure: { notSent: false, code: 'Error' } },
    });
    expect(logger.lines.map((line) => line.message)).toContain('net: the token refresh got no answer');
  });

  it('takes the pair another process stored when its own refresh token was spent by it', async () => {
    const { secrets, logger, token } = world([{ reading: { kind: 'refused' }, deadGrant: true }]);
    // Another process wins the race while this one's refresh is on its way.
    const winner: StoredTokens = {
      accessToken: 'theirs',
      refreshToken: 'their-refresh',
      expiresAt: '2026-11-21T11:00:00.000Z',
      seed: seedFingerprint(SEED),
      formerSeeds: [],
    };
    const read = secrets.read.bind(secrets);
    let reads = 0;
    secrets.read = async () => {
      reads += 1;
      // The first two reads (before and within the lease) find nothing; the re-read after the refusal finds the winner's.
      if (reads === 3) await secrets.write(JSON.stringify(winner), 0);
      return read();
    };

    expect(await token.accessToken(signal())).toEqual({
      ok: true,
      accessToken: 'theirs',
      refreshed: false,
      refreshExpiresAt: undefined,
    });
    expect(logger.lines.map((line) => line.message)).toContain(
      'net: another process refreshed meanwhile; using its tokens',
    );
  });

  it('answers aborted when the attempt’s time runs out, and still stores the refresh that lands later', async () => {
    let land = (_answer: Answer) => {};
    let asked = () => {};
    const refreshAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const { secrets, token } = world([], {
      refresh: () =>
        new Promise<Answer>((resolve) => {
          land = resolve;
          asked();
        }),
    });
    const controller = new AbortController();
    controller.abort();

    expect(await token.accessToken(controller.signal)).toEqual({ ok: false, failure: { kind: 'aborted' } });
    await refreshAsked;
    land(granted('late', 'r-late'));
    // The lease is released once the late pair is stored.
    await secrets.exclusively(async () => undefined);
    expect(stored(secrets)).toMatchObject({ accessToken: 'late', refreshToken: 'r-late' });
  });
});
