import { z } from 'zod';
import { parseJson } from '../answer-text.ts';
import {
  type GrantReading,
  RotatingToken,
  type RotatingTokenBasis,
  type TokenFailure as RotatingTokenFailure,
} from '../rotating-token.ts';
import { isDeadGrant } from './outcome.ts';
import type { XAnswer, XApi, XClient } from './x-api.ts';

// X's OAuth 2.0 user tokens (docs.x.com, fundamentals/authentication/oauth-2-0/
// authorization-code): an access token lasts two hours; with the
// offline.access scope a refresh token comes along, and each refresh spends
// it and answers a new one. The pair rotates as src/publish/rotating-token.ts
// keeps it, sealed in the target's secrets.

// Tests name the fingerprint here (test/unit/x-outcome.test.ts).
export { seedFingerprint } from '../rotating-token.ts';

/** Refresh when the access token has less than this left: a publication takes a few requests. */
export const REFRESH_AHEAD_MS = 5 * 60_000;
/** How long an access token lives when the token endpoint does not say (docs: two hours). */
const DEFAULT_EXPIRES_IN_S = 7_200;

/** One X account's tokens. */
export type XTokenSession = RotatingToken<XAnswer>;

/** Why no access token could be had. */
export type TokenFailure = RotatingTokenFailure<XAnswer>;

/** What a session needs: the token endpoint's client, and the seed, secrets, clock and logger. */
export interface XTokenSessionOptions extends RotatingTokenBasis {
  readonly api: XApi;
  readonly client: XClient;
}

const tokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
});

/** Reads an answer of POST /2/oauth2/token: 200 with an access token, else refused. Pure. */
export function readGrant(answer: XAnswer): GrantReading {
  if (answer.status !== 200) return { kind: 'refused' };
  const parsed = tokenAnswer.safeParse(parseJson(answer.body));
  if (!parsed.success) {
    return { kind: 'malformed', detail: 'POST /2/oauth2/token answered 200 without an access token' };
  }
  return {
    kind: 'granted',
    grant: {
      accessToken: parsed.data.access_token,
      // X rotates the refresh token on every refresh; should an answer leave it out, the old one still holds.
      refreshToken: parsed.data.refresh_token,
      expiresInS: parsed.data.expires_in,
      refreshExpiresInS: undefined,
    },
  };
}

/**
 * One X account's tokens, refreshed through POST /2/oauth2/token. A dead
 * grant is checked against the stored pair first: another process that
 * waited out the lease may have spent the same refresh token and stored the
 * new pair.
 */
export function createXTokenSession(options: XTokenSessionOptions): XTokenSession {
  const { api, client, ...rest } = options;
  return new RotatingToken<XAnswer>({
    ...rest,
    network: 'x',
    refreshAheadMs: REFRESH_AHEAD_MS,
    defaultExpiresInS: DEFAULT_EXPIRES_IN_S,
    refresh: (refreshToken, signal) => api.refreshToken(client, refreshToken, signal),
    readGrant,
    isDeadGrant,
  });
}
