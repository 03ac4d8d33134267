import { describe, expect, it } from 'vitest';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import { AuthorizedCalls } from '../../src/publish/authorized-calls.ts';
import { RotatingToken } from '../../src/publish/rotating-token.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { MemorySecrets } from '../support/publisher-context.ts';

/** A network's answer as these tests write it: a status, or a token endpoint's grant. */
interface Answer {
  readonly status: number;
  readonly accessToken?: string;
}

/** A rotating token whose endpoint grants `t1`, `t2`… in turn, or refuses once `grants` run out. */
function session(grants: number) {
  let granted = 0;
  return new RotatingToken<Answer>({
    network: 'net',
    seed: 'seed',
    secrets: new MemorySecrets(),
    now: () => new Date('2026-11-21T09:00:00Z'),
    logger: new RecordingLogger(),
    refreshAheadMs: 60_000,
    defaultExpiresInS: 3_600,
    refresh: async () => {
      granted += 1;
      return granted > grants ? { status: 400 } : { status: 200, accessToken: `t${granted}` };
    },
    readGrant: (answer) =>
      answer.accessToken === undefined
        ? { kind: 'refused' }
        : {
            kind: 'granted',
            grant: {
              accessToken: answer.accessToken,
              refreshToken: `r-${answer.accessToken}`,
              expiresInS: undefined,
              refreshExpiresInS: undefined,
            },
          },
  });
}

function calls(grants: number) {
  return new AuthorizedCalls<Answer, string>(session(grants), new AbortController().signal, {
    isTokenRefused: (answer) => answer.status === 401,
    tokenFailure: (where, failure): PublishOutcome => ({
      kind: 'unavailable',
      detail: `${where}: ${failure.kind}`,
    }),
    noAnswer: (where): PublishOutcome => ({ kind: 'unavailable', detail: `${where}: no answer` }),
  });
}

describe('AuthorizedCalls', () => {
  it('uses one access token for every call of a publication', async () => {
    const authorized = calls(2);
    const tokens: string[] = [];
    const call = async (token: string) => {
      tokens.push(token);
      return { status: 200 };
    };

    await authorized.run('upload', call);
    await authorized.run('post', call);

    expect(tokens).toEqual(['t1', 't1']);
    expect(authorized.requests).toBe(2);
  });

  it('refreshes once on a refused token and repeats the call; a second refusal is the answer', async () => {
    const authorized = calls(3);
    const tokens: string[] = [];
    const refuse = async (token: string) => {
      tokens.push(token);
      return { status: 401 };
    };

    expect(await authorized.run('post', refuse)).toEqual({ ok: true, value: { status: 401 } });
    expect(await authorized.run('post', refuse)).toEqual({ ok: true, value: { status: 401 } });
    expect(tokens).toEqual(['t1', 't2', 't2']);
    expect(authorized.requests).toBe(3);
  });

  it('ends as the rules say when no token can be had or the call gets no answer', async () => {
    expect(await calls(0).run('post', async () => ({ status: 200 }))).toEqual({
      ok: false,
      outcome: { kind: 'unavailable', detail: 'post: answer' },
    });
    expect(
      await calls(1).run('upload', async () => {
        throw new TypeError('fetch failed');
      }),
    ).toEqual({ ok: false, outcome: { kind: 'unavailable', detail: 'upload: no answer' } });
  });
});
