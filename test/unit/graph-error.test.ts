import { describe, expect, it } from 'vitest';
import type { GraphAnswer } from '../../src/publish/graph/graph-client.ts';
import {
  fromGraphAnswer,
  fromRequestFailure,
  type GraphCallContext,
  isExpiry,
  permissionsNamed,
  regainAccessWaitMs,
} from '../../src/publish/graph/graph-error.ts';

// Graph's error bodies as developers.facebook.com/docs/graph-api/guides/error-handling
// and the Instagram error-codes reference show them, mapped to outcomes.

const FEED: GraphCallContext = { endpoint: 'POST /{page-id}/feed', language: 'it', setting: 'pageId' };

function answer(
  error: Record<string, unknown> | undefined,
  options: { status?: number; appUsage?: string; businessUsage?: string } = {},
): GraphAnswer {
  return {
    status: options.status ?? 400,
    json:
      error === undefined ? undefined : { error: { type: 'OAuthException', fbtrace_id: 'AbC1', ...error } },
    appUsage: options.appUsage ?? null,
    businessUsage: options.businessUsage ?? null,
  };
}

describe('fromGraphAnswer', () => {
  it.each([
    [
      463,
      'Error validating access token: Session has expired on Friday, 20-Nov-26 09:00:00 PST.',
      'token_expired',
    ],
    [undefined, 'Error validating access token: Session has expired on Friday, 20-Nov-26.', 'token_expired'],
    [
      460,
      'Error validating access token: The session has been invalidated because the user changed their password.',
      'token_revoked',
    ],
    [458, 'Error validating access token: The user has not authorized application 1234.', 'token_revoked'],
    [
      467,
      'Error validating access token: The user is enrolled in a blocking, logged-in checkpoint',
      'token_revoked',
    ],
    [492, 'Error validating access token: The session is invalid.', 'token_revoked'],
    [undefined, 'Invalid OAuth access token - Cannot parse access token', 'token_revoked'],
  ])('190 with subcode %s is %s', (subcode, message, code) => {
    expect(fromGraphAnswer(answer({ code: 190, error_subcode: subcode, message }), FEED)).toMatchObject({
      kind: 'rejected',
      code,
    });
  });

  it('keeps the code, subcode, message and fbtrace_id in the detail for the log', () => {
    expect(
      fromGraphAnswer(answer({ code: 190, error_subcode: 463, message: 'Session has expired' }), FEED),
    ).toEqual({
      kind: 'rejected',
      code: 'token_expired',
      detail: 'POST /{page-id}/feed answered HTTP 400 code 190/463: Session has expired (fbtrace_id AbC1)',
    });
  });

  it('names the permissions a permission error’s message names, else gives the message', () => {
    expect(
      fromGraphAnswer(
        answer(
          {
            code: 200,
            message:
              '(#200) The user hasn’t authorized the application to perform this action: requires pages_manage_posts',
          },
          { status: 403 },
        ),
        FEED,
      ),
    ).toMatchObject({ code: 'permission_missing', networkReason: 'pages_manage_posts' });
    expect(
      fromGraphAnswer(answer({ code: 299, message: '(#299) Requires extended permission' }), FEED),
    ).toMatchObject({
      code: 'permission_missing',
      networkReason: '(#299) Requires extended permission',
    });
  });

  it('reads the longest estimated_time_to_regain_access of X-Business-Use-Case-Usage, in minutes', () => {
    const businessUsage = JSON.stringify({
      '104729380011234': [
        {
          type: 'pages',
          call_count: 100,
          total_cputime: 5,
          total_time: 5,
          estimated_time_to_regain_access: 3,
        },
        {
          type: 'pages',
          call_count: 100,
          total_cputime: 5,
          total_time: 5,
          estimated_time_to_regain_access: 44,
        },
      ],
    });
    expect(
      fromGraphAnswer(answer({ code: 80001, message: 'Too many calls' }, { businessUsage }), FEED),
    ).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 44 * 60_000,
    });
  });

  it('puts a throttled wait within one minute and 24 hours, and ignores unreadable headers', () => {
    expect(
      regainAccessWaitMs({
        appUsage: null,
        businessUsage: JSON.stringify({ a: [{ estimated_time_to_regain_access: 0.1 }] }),
      }),
    ).toBe(60_000);
    expect(
      regainAccessWaitMs({
        appUsage: null,
        businessUsage: JSON.stringify({ a: [{ estimated_time_to_regain_access: 10_000 }] }),
      }),
    ).toBe(86_400_000);
    expect(regainAccessWaitMs({ appUsage: '{not json', businessUsage: '[]' })).toBeUndefined();
    expect(
      regainAccessWaitMs({ appUsage: JSON.stringify({ call_count: 98 }), businessUsage: null }),
    ).toBeUndefined();
  });

  it('tells Instagram’s spam restriction (4/2207051) from the app’s throttling (4)', () => {
    expect(
      fromGraphAnswer(
        answer({ code: 4, error_subcode: 2207051, message: 'We restrict certain activity' }),
        FEED,
      ),
    ).toMatchObject({
      code: 'content_refused',
    });
    expect(
      fromGraphAnswer(answer({ code: 4, message: '(#4) Application request limit reached' }), FEED),
    ).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 15 * 60_000,
    });
  });

  it('words an image refusal and a misconfigured object in the team’s language', () => {
    const photo: GraphCallContext = {
      endpoint: 'POST /{page-id}/photos',
      language: 'en',
      setting: 'pageId',
      image: 2,
    };
    expect(
      fromGraphAnswer(answer({ code: 324, message: '(#324) Missing or invalid image file' }), photo),
    ).toMatchObject({
      code: 'media_unreachable',
      networkReason: 'image 2: Meta could not fetch it or refused it ((#324) Missing or invalid image file)',
    });
    expect(
      fromGraphAnswer(
        answer({
          code: 100,
          error_subcode: 33,
          message: "Unsupported post request. Object with ID '1' does not exist",
        }),
        {
          ...FEED,
          setting: 'igUserId',
        },
      ),
    ).toMatchObject({
      code: 'misconfigured',
      networkReason: expect.stringContaining('Meta non trova "igUserId"'),
    });
  });

  it('takes an answer without Graph’s error body by its status', () => {
    expect(fromGraphAnswer(answer(undefined, { status: 502 }), FEED)).toMatchObject({ kind: 'unavailable' });
    expect(fromGraphAnswer(answer(undefined, { status: 404 }), FEED)).toMatchObject({
      code: 'misconfigured',
      networkReason: 'Meta ha risposto HTTP 404',
    });
  });
});

describe('fromRequestFailure', () => {
  it('is unknown only for the publishing call once sent', () => {
    const sent = { notSent: false, code: 'UND_ERR_SOCKET' };
    expect(fromRequestFailure('POST /{page-id}/feed', sent, false, true).kind).toBe('unknown');
    expect(
      fromRequestFailure('POST /{page-id}/feed', { notSent: true, code: 'ECONNREFUSED' }, false, true).kind,
    ).toBe('unavailable');
    expect(fromRequestFailure('POST /{page-id}/photos (unpublished)', sent, false, false).kind).toBe(
      'unavailable',
    );
  });
});

describe('isExpiry and permissionsNamed', () => {
  it('reads an expiry by subcode 463 or, without subcode, by the message', () => {
    expect(isExpiry(463, undefined)).toBe(true);
    expect(isExpiry(460, 'the session has expired')).toBe(false);
    expect(isExpiry(undefined, 'Session has expired on Monday')).toBe(true);
  });

  it('finds each permission once, in order', () => {
    expect(
      permissionsNamed(
        '(#200) requires both pages_read_engagement and pages_manage_posts; pages_manage_posts again',
      ),
    ).toEqual(['pages_read_engagement', 'pages_manage_posts']);
    expect(permissionsNamed(undefined)).toEqual([]);
  });
});
