import { describe, expect, it } from 'vitest';
import { fromDebugToken } from '../../src/publish/graph/debug-token.ts';

// debug_token answers, shaped as developers.facebook.com/docs/facebook-login/guides/access-tokens/debugging
// shows them: {"data": {app_id, type, application, data_access_expires_at, expires_at, is_valid, scopes, …}}.

const NOW = new Date('2026-11-21T09:00:00Z');
const seconds = (iso: string) => Date.parse(iso) / 1000;

function data(fields: Record<string, unknown>): unknown {
  return {
    data: { app_id: '1234', type: 'PAGE', application: 'Araldo', scopes: ['pages_manage_posts'], ...fields },
  };
}

describe('fromDebugToken', () => {
  it('a token that never expires and has no data-access date is valid with no expiry', () => {
    expect(
      fromDebugToken(200, data({ is_valid: true, expires_at: 0, data_access_expires_at: 0 }), NOW),
    ).toEqual({
      kind: 'valid',
      expiresAt: undefined,
      detail: 'the token does not expire',
    });
  });

  it('reports the earlier of expires_at and data_access_expires_at', () => {
    const early = seconds('2026-12-01T00:00:00Z');
    const late = seconds('2027-02-01T00:00:00Z');
    expect(
      fromDebugToken(200, data({ is_valid: true, expires_at: late, data_access_expires_at: early }), NOW),
    ).toMatchObject({
      kind: 'valid',
      expiresAt: new Date('2026-12-01T00:00:00Z'),
    });
    expect(
      fromDebugToken(200, data({ is_valid: true, expires_at: early, data_access_expires_at: late }), NOW),
    ).toMatchObject({
      expiresAt: new Date('2026-12-01T00:00:00Z'),
    });
  });

  it('an invalid token is expired when its error says so or its time has passed, else revoked', () => {
    const expired = data({
      is_valid: false,
      expires_at: seconds('2026-11-20T09:00:00Z'),
      error: {
        code: 190,
        subcode: 463,
        message: 'Error validating access token: Session has expired on Friday',
      },
    });
    expect(fromDebugToken(200, expired, NOW)).toEqual({
      kind: 'expired',
      detail:
        'debug_token: the token has expired: Error validating access token: Session has expired on Friday',
    });
    const lapsed = data({
      is_valid: false,
      expires_at: 0,
      data_access_expires_at: seconds('2026-11-01T00:00:00Z'),
    });
    expect(fromDebugToken(200, lapsed, NOW).kind).toBe('expired');
    const revoked = data({
      is_valid: false,
      expires_at: 0,
      error: {
        code: 190,
        subcode: 460,
        message: 'The session has been invalidated because the user changed their password',
      },
    });
    expect(fromDebugToken(200, revoked, NOW).kind).toBe('revoked');
  });

  it('a valid flag with an expiry already past is expired', () => {
    expect(
      fromDebugToken(200, data({ is_valid: true, expires_at: seconds('2026-11-21T08:59:00Z') }), NOW).kind,
    ).toBe('expired');
  });

  it('reads a Graph error in place of data the same way; any other answer teaches nothing', () => {
    const error = (code: number, subcode?: number) => ({
      error: {
        message: 'Error validating access token',
        type: 'OAuthException',
        code,
        error_subcode: subcode,
      },
    });
    expect(fromDebugToken(400, error(190, 463), NOW).kind).toBe('expired');
    expect(fromDebugToken(400, error(190, 467), NOW).kind).toBe('revoked');
    expect(fromDebugToken(400, error(4), NOW).kind).toBe('unknown');
    expect(fromDebugToken(502, undefined, NOW)).toEqual({
      kind: 'unknown',
      detail: 'debug_token answered HTTP 502 without token data',
    });
  });
});
