import { describe, expect, it } from 'vitest';
import { explainNotAReview, REVIEW_REACTIONS, toReviewAction } from '../../src/core/review-action.ts';

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

  it('reads every check mark as approval, with or without the variation selector', () => {
    for (const emoji of ['✔️', '✔', '☑️', '☑', ':heavy_check_mark:', ':ballot_box_with_check:']) {
      expect(toReviewAction(emoji), emoji).toBe('approve');
    }
  });

  it('reads :x:, ✖️, :pencil:, :memo: and 📝', () => {
    expect(toReviewAction(':x:')).toBe('reject');
    expect(toReviewAction('✖️')).toBe('reject');
    expect(toReviewAction(':pencil:')).toBe('request_changes');
    expect(toReviewAction(':memo:')).toBe('request_changes');
    expect(toReviewAction('📝')).toBe('request_changes');
  });

  it('does not read 🚨 as a review: urgency is chosen when proposing', () => {
    expect(toReviewAction('🚨')).toBeUndefined();
    expect(toReviewAction(':rotating_light:')).toBeUndefined();
  });

  it('ignores every other emoji', () => {
    for (const emoji of ['🎉', 'thumbsup', '', ' ', '✅✅', '__proto__', 'constructor']) {
      expect(toReviewAction(emoji)).toBeUndefined();
    }
  });
});

describe('explainNotAReview', () => {
  it('names the emoji and lists every reaction that counts', () => {
    const text = explainNotAReview('it', '👍', true);
    expect(text.startsWith('Reazione aggiunta, ma 👍 non conta per decidere.')).toBe(true);
    for (const names of Object.values(REVIEW_REACTIONS)) {
      for (const name of names) expect(text).toContain(/^[a-z0-9_]+$/.test(name) ? `:${name}:` : name);
    }
  });

  it('says a removed reaction was removed, in English too', () => {
    expect(explainNotAReview('it', '🎉', false)).toMatch(/^Reazione tolta, ma 🎉/);
    expect(explainNotAReview('en', '🎉', false)).toMatch(/^Reaction removed, but 🎉 does not count/);
  });

  it('quotes a long or hostile emoji argument short and safe', () => {
    const text = explainNotAReview('it', `${'🎉'.repeat(10_000)}\u0000`, true);
    expect(text.length).toBeLessThan(400);
    expect(text).toContain('🎉…');
    expect(text).not.toContain('\u0000');
  });
});
