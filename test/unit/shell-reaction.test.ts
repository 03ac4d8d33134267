import { describe, expect, it } from 'vitest';
import { fromShellEmoji, SHELL_REVIEW_REACTIONS } from '../../src/chat/shell/translate.ts';
import { explainNotAReview } from '../../src/core/review-action.ts';

describe('fromShellEmoji', () => {
  it('reads emoji as typed, with or without the variation selector', () => {
    expect(fromShellEmoji('✅')).toBe('approve');
    expect(fromShellEmoji('❌')).toBe('reject');
    expect(fromShellEmoji('✏️')).toBe('request_changes');
    expect(fromShellEmoji('✏')).toBe('request_changes');
  });

  it('reads short names as people used to Slack type them, with colons or a skin tone', () => {
    expect(fromShellEmoji('white_check_mark')).toBe('approve');
    expect(fromShellEmoji(':heavy_check_mark:')).toBe('approve');
    expect(fromShellEmoji('white_check_mark::skin-tone-3')).toBe('approve');
    expect(fromShellEmoji('x')).toBe('reject');
    expect(fromShellEmoji('pencil2')).toBe('request_changes');
  });

  it('reads every check mark as approval, with or without the variation selector', () => {
    for (const emoji of ['✔️', '✔', '☑️', '☑', ':heavy_check_mark:', ':ballot_box_with_check:']) {
      expect(fromShellEmoji(emoji), emoji).toBe('approve');
    }
  });

  it('reads :x:, ✖️, :pencil:, :memo: and 📝', () => {
    expect(fromShellEmoji(':x:')).toBe('reject');
    expect(fromShellEmoji('✖️')).toBe('reject');
    expect(fromShellEmoji(':pencil:')).toBe('request_changes');
    expect(fromShellEmoji(':memo:')).toBe('request_changes');
    expect(fromShellEmoji('📝')).toBe('request_changes');
  });

  it('does not read 🚨 as a review: urgency is chosen when proposing', () => {
    expect(fromShellEmoji('🚨')).toBeUndefined();
    expect(fromShellEmoji(':rotating_light:')).toBeUndefined();
  });

  it('ignores every other emoji', () => {
    for (const emoji of ['🎉', 'thumbsup', '', ' ', '✅✅', '__proto__', 'constructor']) {
      expect(fromShellEmoji(emoji), emoji).toBeUndefined();
    }
  });
});

describe('the shell’s answer to a reaction that means nothing', () => {
  it('lists every reaction the shell reads: the emoji, then the short names', () => {
    expect(explainNotAReview('it', '👍', true, SHELL_REVIEW_REACTIONS)).toBe(
      'Reazione aggiunta, ma 👍 non conta per decidere. Contano: ✅ approva (anche ✔️ ☑️ :white_check_mark: :heavy_check_mark: :ballot_box_with_check:), ❌ rifiuta (anche ✖️ :x: :heavy_multiplication_x:), ✏️ chiedi modifiche (anche 📝 :pencil2: :pencil: :memo:).',
    );
  });

  it('lists only reactions the shell reads', () => {
    for (const shown of Object.values(SHELL_REVIEW_REACTIONS).flat()) {
      expect(fromShellEmoji(shown), shown).toBeDefined();
    }
  });
});
