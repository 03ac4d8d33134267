import { describe, expect, it } from 'vitest';
import { fromIntrospection } from '../../src/publish/linkedin/credential-check.ts';
import type { LinkedinAnswer } from '../../src/publish/linkedin/linkedin-api.ts';
import { rateLimitWaitMs } from '../../src/publish/linkedin/outcome.ts';

// The pure readings of LinkedIn's answers that the fake does not reach:
// introspection bodies with optional fields left out, and 429 waits near
// midnight UTC (learn.microsoft.com/linkedin/shared/authentication/
// token-introspection; …/api-guide/concepts/rate-limits).

const NOW = new Date('2026-11-21T09:00:00Z');

function introspected(body: unknown, status = 200): LinkedinAnswer {
  return { status, body: JSON.stringify(body), restliId: null, retryAfter: null };
}

describe('fromIntrospection', () => {
  it('takes an active token without expires_at as valid with no known expiry', () => {
    expect(fromIntrospection(introspected({ active: true }), NOW)).toEqual({
      kind: 'valid',
      expiresAt: undefined,
      detail: 'active',
    });
  });

  it('takes an inactive token without status as expired when its expiry has passed, else as revoked', () => {
    const past = Date.parse('2026-11-01T00:00:00Z') / 1000;
    expect(fromIntrospection(introspected({ active: false, expires_at: past }), NOW)).toMatchObject({
      kind: 'expired',
    });
    expect(fromIntrospection(introspected({ active: false }), NOW)).toEqual({
      kind: 'revoked',
      detail: 'LinkedIn says the token is not active',
    });
  });

  it('learns nothing from a body it cannot read or a server error', () => {
    expect(fromIntrospection({ ...introspected({}), body: '<html></html>' }, NOW)).toMatchObject({
      kind: 'unknown',
    });
    expect(fromIntrospection(introspected({ error: 'server_error' }, 500), NOW)).toEqual({
      kind: 'unknown',
      detail: 'introspectToken answered HTTP 500',
    });
  });
});

describe('rateLimitWaitMs', () => {
  it('waits until the next midnight UTC without Retry-After, at least a second', () => {
    expect(rateLimitWaitMs(null, NOW)).toBe(15 * 3_600_000);
    expect(rateLimitWaitMs(null, new Date('2026-11-21T23:59:59.800Z'))).toBe(1_000);
    // Midnight UTC, whatever the local date: 23:30 in Rome is 22:30 UTC.
    expect(rateLimitWaitMs(null, new Date('2026-12-31T22:30:00Z'))).toBe(90 * 60_000);
  });

  it('follows Retry-After in seconds or as an HTTP date, within a day', () => {
    expect(rateLimitWaitMs('30', NOW)).toBe(30_000);
    expect(rateLimitWaitMs('Sat, 21 Nov 2026 09:10:00 GMT', NOW)).toBe(600_000);
    expect(rateLimitWaitMs(String(7 * 86_400), NOW)).toBe(86_400_000);
  });
});
