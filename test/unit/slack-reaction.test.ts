import { describe, expect, it } from 'vitest';
import { fromSlackReaction } from '../../src/chat/slack/translate.ts';

// The `reaction` field of reaction_added / reaction_removed: a short name
// without colons, a skin tone after `::`
// (https://docs.slack.dev/reference/events/reaction_added).
describe('fromSlackReaction', () => {
  it('reads the short names Slack sends, with a skin tone too', () => {
    expect(fromSlackReaction('white_check_mark')).toBe('approve');
    expect(fromSlackReaction('white_check_mark::skin-tone-3')).toBe('approve');
    expect(fromSlackReaction('x')).toBe('reject');
    expect(fromSlackReaction('pencil2')).toBe('request_changes');
  });

  it('reads every check mark as approval', () => {
    for (const name of ['heavy_check_mark', 'ballot_box_with_check', ':heavy_check_mark:']) {
      expect(fromSlackReaction(name), name).toBe('approve');
    }
  });

  it('reads heavy_multiplication_x, pencil and memo', () => {
    expect(fromSlackReaction('heavy_multiplication_x')).toBe('reject');
    expect(fromSlackReaction('pencil')).toBe('request_changes');
    expect(fromSlackReaction('memo')).toBe('request_changes');
  });

  it('reads the emoji characters too, as it always has', () => {
    expect(fromSlackReaction('✅')).toBe('approve');
    expect(fromSlackReaction('✖️')).toBe('reject');
    expect(fromSlackReaction('📝')).toBe('request_changes');
  });

  it('does not read rotating_light as a review: urgency is chosen when proposing', () => {
    expect(fromSlackReaction('rotating_light')).toBeUndefined();
  });

  it('ignores every other emoji', () => {
    for (const name of ['tada', '+1', '+1::skin-tone-2', 'thumbsup', '', '__proto__', 'constructor']) {
      expect(fromSlackReaction(name), name).toBeUndefined();
    }
  });
});
