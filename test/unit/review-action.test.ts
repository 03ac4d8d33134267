import { describe, expect, it } from 'vitest';
import { explainNotAReview, fromReviewEmoji, REVIEW_EMOJI } from '../../src/core/review-action.ts';

describe('fromReviewEmoji', () => {
  it('reads the review emoji of SPEC §3', () => {
    expect(fromReviewEmoji('✅')).toBe('approve');
    expect(fromReviewEmoji('❌')).toBe('reject');
    expect(fromReviewEmoji('✏️')).toBe('request_changes');
  });

  it('reads every check mark as approval, with or without the variation selector', () => {
    for (const emoji of ['✔️', '✔', '☑️', '☑']) expect(fromReviewEmoji(emoji), emoji).toBe('approve');
    expect(fromReviewEmoji('✏')).toBe('request_changes');
  });

  it('reads ✖️ and 📝', () => {
    expect(fromReviewEmoji('✖️')).toBe('reject');
    expect(fromReviewEmoji('📝')).toBe('request_changes');
  });

  it('does not read 🚨 as a review: urgency is chosen when proposing', () => {
    expect(fromReviewEmoji('🚨')).toBeUndefined();
  });

  it('ignores every other text, short names included (each chat reads its own names)', () => {
    for (const emoji of ['🎉', 'white_check_mark', ':x:', '', ' ', '✅✅', '__proto__', 'constructor']) {
      expect(fromReviewEmoji(emoji), emoji).toBeUndefined();
    }
  });
});

describe('explainNotAReview', () => {
  const shown = {
    approve: ['✅', '✔️', ':yes:'],
    reject: ['❌', ':no:'],
    request_changes: ['✏️', ':edit:'],
  } as const;

  it("names the emoji and lists the chat's reactions that count, the main one first", () => {
    expect(explainNotAReview('it', '👍', true, shown)).toBe(
      'Reazione aggiunta, ma 👍 non conta per decidere. Contano: ✅ approva (anche ✔️ :yes:), ❌ rifiuta (anche :no:), ✏️ chiedi modifiche (anche :edit:).',
    );
  });

  it('can list the review emoji alone', () => {
    const text = explainNotAReview('en', '👍', true, REVIEW_EMOJI);
    for (const emoji of Object.values(REVIEW_EMOJI).flat()) expect(text).toContain(emoji);
  });

  it('says a removed reaction was removed, in English too', () => {
    expect(explainNotAReview('it', '🎉', false, shown)).toMatch(/^Reazione tolta, ma 🎉/);
    expect(explainNotAReview('en', '🎉', false, shown)).toMatch(/^Reaction removed, but 🎉 does not count/);
  });

  it('quotes a long or hostile emoji argument short and safe', () => {
    const text = explainNotAReview('it', `${'🎉'.repeat(10_000)}\u0000`, true, shown);
    expect(text.length).toBeLessThan(400);
    expect(text).toContain('🎉…');
    expect(text).not.toContain('\u0000');
  });
});
