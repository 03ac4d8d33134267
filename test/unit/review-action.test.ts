import { describe, expect, it } from 'vitest';
import { toReviewAction } from '../../src/core/review-action.ts';

describe('toReviewAction', () => {
  it('reads Unicode emoji as typed in the shell and Discord', () => {
    expect(toReviewAction('✅')).toBe('approve');
    expect(toReviewAction('❌')).toBe('reject');
    expect(toReviewAction('✏️')).toBe('request_changes');
    expect(toReviewAction('✏')).toBe('request_changes');
  });

  it('reads Slack short names, with colons or a skin tone', () => {
    expect(toReviewAction('white_check_mark')).toBe('approve');
    expect(toReviewAction(':heavy_check_mark:')).toBe('approve');
    expect(toReviewAction('white_check_mark::skin-tone-3')).toBe('approve');
    expect(toReviewAction('x')).toBe('reject');
    expect(toReviewAction('pencil2')).toBe('request_changes');
  });

  it('ignores every other emoji', () => {
    for (const emoji of ['🎉', 'thumbsup', '', ' ', '✅✅', '__proto__', 'constructor']) {
      expect(toReviewAction(emoji)).toBeUndefined();
    }
  });
});
