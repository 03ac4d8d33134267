import { describe, expect, it } from 'vitest';
import { isDeadGrant, rateLimitWaitMs, readProblem } from '../../src/publish/x/outcome.ts';
import { seedFingerprint } from '../../src/publish/x/token-session.ts';
import type { RateLimitHeader, XAnswer } from '../../src/publish/x/x-api.ts';

const NOW = new Date('2026-11-21T09:00:00Z');
const NOW_S = NOW.getTime() / 1000;

function answer(
  status: number,
  body: unknown,
  headers: Partial<Record<RateLimitHeader, string>> = {},
  date: string | null = null,
): XAnswer {
  return {
    status,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    date,
    rateLimit: {
      'x-rate-limit-reset': null,
      'x-rate-limit-remaining': null,
      'x-user-limit-24hour-reset': null,
      'x-user-limit-24hour-remaining': null,
      'x-app-limit-24hour-reset': null,
      'x-app-limit-24hour-remaining': null,
      ...headers,
    },
  };
}

describe('rateLimitWaitMs', () => {
  it('waits until x-rate-limit-reset, in epoch seconds', () => {
    expect(rateLimitWaitMs(answer(429, {}, { 'x-rate-limit-reset': String(NOW_S + 90) }), NOW)).toBe(90_000);
  });

  it('reads the reset against the server’s Date, whatever the local clock says', () => {
    const serverNow = new Date(NOW.getTime() - 3_600_000);
    const skewed = answer(
      429,
      {},
      { 'x-rate-limit-reset': String(NOW_S - 3_600 + 30) },
      serverNow.toUTCString(),
    );
    expect(rateLimitWaitMs(skewed, NOW)).toBe(30_000);
  });

  it('takes the latest reset of a 24-hour window that ran out over the 15-minute one', () => {
    const headers = {
      'x-rate-limit-reset': String(NOW_S + 60),
      'x-user-limit-24hour-remaining': '0',
      'x-user-limit-24hour-reset': String(NOW_S + 7_200),
      'x-app-limit-24hour-remaining': '0',
      'x-app-limit-24hour-reset': String(NOW_S + 3_600),
    };
    expect(rateLimitWaitMs(answer(429, {}, headers), NOW)).toBe(7_200_000);
    // A day window with quota left says nothing of this 429.
    const left = { ...headers, 'x-user-limit-24hour-remaining': '5', 'x-app-limit-24hour-remaining': '12' };
    expect(rateLimitWaitMs(answer(429, {}, left), NOW)).toBe(60_000);
  });

  it('keeps within 1 second and 24 hours, and is undefined without a readable reset', () => {
    expect(rateLimitWaitMs(answer(429, {}, { 'x-rate-limit-reset': String(NOW_S - 10) }), NOW)).toBe(1_000);
    expect(rateLimitWaitMs(answer(429, {}, { 'x-rate-limit-reset': String(NOW_S + 5 * 86_400) }), NOW)).toBe(
      86_400_000,
    );
    expect(rateLimitWaitMs(answer(429, {}, { 'x-rate-limit-reset': 'soon' }), NOW)).toBeUndefined();
    expect(rateLimitWaitMs(answer(429, {}), NOW)).toBeUndefined();
  });
});

describe('readProblem', () => {
  it('prefers a field’s message to the detail, and the detail to the title', () => {
    expect(
      readProblem(
        JSON.stringify({
          errors: [{ parameters: { text: ['x'] }, message: 'Post text is too long.' }],
          title: 'Invalid Request',
          detail: 'One or more parameters to your request was invalid.',
          type: 'https://api.twitter.com/2/problems/invalid-request',
        }),
      ),
    ).toEqual({
      error: undefined,
      type: 'https://api.twitter.com/2/problems/invalid-request',
      reason: 'Post text is too long.',
    });
    expect(readProblem(JSON.stringify({ title: 'Forbidden', type: 'about:blank' })).reason).toBe('Forbidden');
  });

  it('reads OAuth errors, and nothing from an HTML page', () => {
    expect(readProblem(JSON.stringify({ error: 'invalid_grant', error_description: 'Bad\ntoken' }))).toEqual({
      error: 'invalid_grant',
      type: undefined,
      reason: 'Bad token',
    });
    expect(readProblem('<html>502 Bad Gateway</html>')).toEqual({
      error: undefined,
      type: undefined,
      reason: undefined,
    });
  });
});

describe('isDeadGrant', () => {
  it('knows X’s words for a spent refresh token, and RFC 6749’s code', () => {
    const xWords = { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' };
    expect(isDeadGrant(answer(400, xWords))).toBe(true);
    expect(isDeadGrant(answer(400, { error: 'invalid_grant' }))).toBe(true);
  });

  it('does not take a malformed request, a refused client or an outage for one', () => {
    expect(
      isDeadGrant(
        answer(400, {
          error: 'invalid_request',
          error_description: 'Missing required parameter [client_id].',
        }),
      ),
    ).toBe(false);
    expect(
      isDeadGrant(
        answer(401, {
          error: 'unauthorized_client',
          error_description: 'Missing valid authorization header',
        }),
      ),
    ).toBe(false);
    expect(isDeadGrant(answer(503, { error: 'invalid_grant' }))).toBe(false);
  });
});

describe('seedFingerprint', () => {
  it('is the SHA-256 of the refresh token in hex, so the seed itself is never stored', () => {
    expect(seedFingerprint('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
