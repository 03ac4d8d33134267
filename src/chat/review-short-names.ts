import type { ReviewAction } from '../core/review-action.ts';

/**
 * The review reactions by short name, per action: the names Slack gives
 * reactions (also GitHub's and most emoji pickers'), in the order of the
 * core's REVIEW_EMOJI (`white_check_mark` is ✅, `pencil` is 📝 as `memo`).
 * Shared by the chats that read them: Slack, which names every reaction so,
 * and the shell, where people used to Slack type them.
 */
export const REVIEW_SHORT_NAMES = {
  approve: ['white_check_mark', 'heavy_check_mark', 'ballot_box_with_check'],
  reject: ['x', 'heavy_multiplication_x'],
  request_changes: ['pencil2', 'pencil', 'memo'],
} as const satisfies Record<ReviewAction, readonly string[]>;

const ACTIONS: ReadonlyMap<string, ReviewAction> = new Map(
  (Object.entries(REVIEW_SHORT_NAMES) as [ReviewAction, readonly string[]][]).flatMap(([action, names]) =>
    names.map((name) => [name, action] as const),
  ),
);

/**
 * A reaction as written in short-name notation, bare: trimmed, without the
 * colons around it (`:x:` → `x`) and without Slack's skin-tone suffix
 * (`white_check_mark::skin-tone-2` → `white_check_mark`). Other text
 * (an emoji itself) comes back trimmed.
 */
export function bareReactionName(text: string): string {
  return text.trim().replace(/^:|:$/g, '').split('::')[0] ?? '';
}

/**
 * The review action a short name stands for, or undefined for any other
 * name. Takes the name with or without colons or a skin tone; a stray
 * emoji variation selector (U+FE0F) typed after it changes nothing.
 */
export function fromShortName(text: string): ReviewAction | undefined {
  return ACTIONS.get(bareReactionName(text).replace(/\uFE0F/g, ''));
}

/** How a short name is listed for people: `:name:`. */
export function showShortName(name: string): string {
  return `:${name}:`;
}
