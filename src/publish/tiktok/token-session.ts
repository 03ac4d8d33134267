import { z } from 'zod';
import {
  type GrantReading,
  RotatingToken,
  type RotatingTokenBasis,
  type TokenFailure as RotatingTokenFailure,
} from '../rotating-token.ts';
import { isOk, type TikTokAnswer, type TikTokApi, type TikTokClient } from './tiktok-api.ts';

// TikTok's user tokens (developers.tiktok.com/doc/oauth-user-access-token-management):
// an access token lasts 24 hours (expires_in 86400), a refresh token 365 days
// (refresh_expires_in). Each refresh answers a refresh token "which may be
// different" from the one sent, and TikTok says to keep the latest one. A 24-hour
// token is useless to a desk that publishes for months, so Araldo refreshes: the
// refresh token the admin obtained once is only a seed, and the live pair is kept
// in the target's secrets as src/publish/rotating-token.ts keeps it, as for X.

/** Refresh when the access token has less than this left: a publication's calls span under a minute. */
export const REFRESH_AHEAD_MS = 10 * 60_000;
/** An access token's life when the answer does not say (docs: 86400 s). */
const DEFAULT_EXPIRES_IN_S = 86_400;

/** One TikTok account's tokens, with the refresh token's expiry when TikTok said it. */
export type TikTokTokenSession = RotatingToken<TikTokAnswer>;

/** Why no access token could be had. */
export type TokenFailure = RotatingTokenFailure<TikTokAnswer>;

/** What a session needs: the token endpoint's client, and the seed, secrets, clock and logger. */
export interface TikTokTokenSessionOptions extends RotatingTokenBasis {
  readonly api: TikTokApi;
  readonly client: TikTokClient;
}

const tokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
  refresh_expires_in: z.number().positive().optional(),
});

/** Reads an answer of POST /v2/oauth/token/: a success with an access token, else refused. Pure. */
export function readGrant(answer: TikTokAnswer): GrantReading {
  if (!isOk(answer)) return { kind: 'refused' };
  const parsed = tokenAnswer.safeParse(answer.json);
  if (!parsed.success) {
    return { kind: 'malformed', detail: 'POST /v2/oauth/token/ answered success without an access token' };
  }
  const { data } = parsed;
  return {
    kind: 'granted',
    grant: {
      accessToken: data.access_token,
      // TikTok may answer the same refresh token or a new one; keep whichever it sent.
      refreshToken: data.refresh_token,
      expiresInS: data.expires_in,
      refreshExpiresInS: data.refresh_expires_in,
    },
  };
}

/** Whether the token endpoint refused the refresh token itself (spent, expired or revoked), as fromTokenAnswer reads it. Pure. */
export function isDeadGrant(answer: TikTokAnswer): boolean {
  return answer.errorCode === 'invalid_grant' || answer.errorCode === 'access_token_invalid';
}

/**
 * One TikTok account's tokens, refreshed through POST /v2/oauth/token/. A
 * dead grant is checked against the stored pair first, as X's is: another
 * process that waited out the lease may have spent the same refresh token
 * and stored the new pair.
 */
export function createTikTokTokenSession(options: TikTokTokenSessionOptions): TikTokTokenSession {
  const { api, client, ...rest } = options;
  return new RotatingToken<TikTokAnswer>({
    ...rest,
    network: 'tiktok',
    refreshAheadMs: REFRESH_AHEAD_MS,
    defaultExpiresInS: DEFAULT_EXPIRES_IN_S,
    refresh: (refreshToken, signal) => api.refreshToken(client, refreshToken, signal),
    readGrant,
    isDeadGrant,
  });
}
