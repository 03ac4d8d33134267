import { describe, expect, it } from 'vitest';
import { checkContent } from '../../src/core/network-rules.ts';
import { tiktokNetwork } from '../../src/publish/tiktok/network.ts';
import { fromFailReason, type OutcomeContext } from '../../src/publish/tiktok/outcome.ts';
import { readAnswer } from '../../src/publish/tiktok/tiktok-api.ts';

// What the proposal's check refuses for a TikTok target (the registry's
// rules), and how TikTok's own words are read.

const { rules } = tiktokNetwork;
const JPEG = { url: 'https://www.comune.example.it/foto/ponte.jpg' };

describe('TikTok rules at proposal time', () => {
  it('refuses a PNG by its URL and names the formats TikTok takes', () => {
    expect(
      checkContent(rules, 'Il ponte', [JPEG, { url: 'https://www.comune.example.it/logo.PNG?v=2' }]),
    ).toEqual([
      {
        code: 'image_format',
        url: 'https://www.comune.example.it/logo.PNG?v=2',
        format: 'png',
        accepted: ['jpeg', 'webp'],
      },
    ]);
  });

  it('takes JPEG, WebP and URLs that name no format', () => {
    const images = [
      JPEG,
      { url: 'https://www.comune.example.it/a.webp' },
      { url: 'https://www.comune.example.it/img?id=3' },
    ];
    expect(checkContent(rules, 'Il ponte', images)).toEqual([]);
  });

  it('needs an image, at most 35, and a description of at most 4000 UTF-16 units', () => {
    expect(checkContent(rules, 'Solo testo', [])).toEqual([{ code: 'image_required' }]);
    expect(checkContent(rules, 'x', 36)).toEqual([{ code: 'too_many_images', max: 35, given: 36 }]);
    // An emoji outside the BMP is two UTF-16 units.
    expect(checkContent(rules, '🌉'.repeat(2001), 1)).toEqual([
      { code: 'over_limit', used: 4002, limit: 4000, over: 2, unit: 'utf16' },
    ]);
  });
});

describe('reading TikTok’s answers', () => {
  it('reads an API error’s code, words and log id', () => {
    const body = JSON.stringify({
      data: {},
      error: {
        code: 'url_ownership_unverified',
        message: 'Please review our URL ownership verification rules.',
        log_id: '2026120309',
      },
    });
    expect(readAnswer(403, body)).toMatchObject({
      status: 403,
      errorCode: 'url_ownership_unverified',
      errorMessage: 'Please review our URL ownership verification rules.',
      logId: '2026120309',
    });
  });

  it('reads the token endpoint’s OAuth error, and nothing from an HTML page', () => {
    const oauth = JSON.stringify({
      error: 'invalid_grant',
      error_description: 'Refresh token is invalid or expired.',
      log_id: 'x',
    });
    expect(readAnswer(400, oauth)).toMatchObject({ errorCode: 'invalid_grant' });
    expect(readAnswer(502, '<h1>Bad Gateway</h1>')).toMatchObject({
      errorCode: undefined,
      errorMessage: undefined,
    });
  });
});

describe('fromFailReason', () => {
  const context: OutcomeContext = { language: 'en', postMode: 'DIRECT_POST', apiHost: 'open.tiktokapis.com' };
  const cases: readonly [string, string, string | undefined][] = [
    ['file_format_check_failed', 'rejected', 'media_unreachable'],
    ['picture_size_check_failed', 'rejected', 'media_unreachable'],
    ['photo_pull_failed', 'rejected', 'media_unreachable'],
    ['spam_risk_text', 'rejected', 'content_refused'],
    ['spam_risk_too_many_posts', 'rate_limited', undefined],
    ['spam_risk_user_banned_from_posting', 'rejected', 'misconfigured'],
    ['auth_removed', 'rejected', 'token_revoked'],
    ['internal', 'unavailable', undefined],
  ];
  it.each(cases)('maps %s to %s %s', (reason, kind, code) => {
    const outcome = fromFailReason(reason, 'p_pub_url~v2.1', context);
    expect(outcome.kind).toBe(kind);
    if (code !== undefined) expect(outcome).toMatchObject({ code });
  });
});
