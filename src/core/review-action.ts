import { quoted } from './excerpt.ts';
import { t } from './i18n/translate.ts';
import type { Language } from './language.ts';

/** What a reaction on a proposal card means. */
export type ReviewAction = 'approve' | 'reject' | 'request_changes';

/**
 * The reactions that count, per action: the Unicode emoji as typed in the
 * shell and Discord, then the short names Slack sends (and people type in
 * the shell, with or without colons). The first of each list is the one
 * cards and help show.
 *
 * Every check mark approves (✔️ heavy_check_mark, ☑️ ballot_box_with_check,
 * not only ✅): on a card that asks for a decision a check mark means yes,
 * and Slack's picker offers all three for ":check". A check mark that did
 * not count would leave an approver believing an urgent notice was on its
 * way; one that counts can be withdrawn by removing it before publication,
 * and only configured approvers count at all.
 */
export const REVIEW_REACTIONS = {
  approve: ['✅', '✔️', '☑️', 'white_check_mark', 'heavy_check_mark', 'ballot_box_with_check'],
  reject: ['❌', '✖️', 'x', 'heavy_multiplication_x'],
  request_changes: ['✏️', '📝', 'pencil2', 'pencil', 'memo'],
} as const satisfies Record<ReviewAction, readonly string[]>;

const ACTIONS: ReadonlyMap<string, ReviewAction> = new Map(
  (Object.entries(REVIEW_REACTIONS) as [ReviewAction, readonly string[]][]).flatMap(([action, names]) =>
    names.map((name) => [name, action] as const),
  ),
);

/**
 * The review action a reaction stands for, or undefined for any other
 * emoji. Accepts Unicode with or without the emoji variation selector
 * (✔ and ✔️), short names with or without colons, and Slack's skin-tone
 * suffix (`white_check_mark::skin-tone-2`).
 */
export function toReviewAction(emoji: string): ReviewAction | undefined {
  const name = emoji.trim().replace(/^:|:$/g, '').split('::')[0] ?? '';
  return ACTIONS.get(name) ?? ACTIONS.get(name.replace(/\uFE0F/g, '')) ?? ACTIONS.get(`${name}\uFE0F`);
}

/** How a reaction is written in a list for people: emoji as is, short names as `:name:`. */
function shown(name: string): string {
  return /^[a-z0-9_+-]+$/.test(name) ? `:${name}:` : name;
}

/** The reactions of one action as people can type them: the main one, then the others. */
function reactionsOf(action: ReviewAction): { readonly main: string; readonly also: string } {
  const [main, ...others] = REVIEW_REACTIONS[action];
  return { main: main ?? '', also: others.map(shown).join(' ') };
}

/**
 * The answer to a reaction that means nothing for the review: it is
 * named (quoted, so any input is safe to echo) and every reaction that
 * counts is listed, in `language`.
 */
export function explainNotAReview(language: Language, emoji: string, added: boolean): string {
  const approve = reactionsOf('approve');
  const reject = reactionsOf('reject');
  const changes = reactionsOf('request_changes');
  return t(language, 'reaction.not_a_review', {
    emoji: quoted(emoji, 32),
    added,
    approve: approve.main,
    approveAlso: approve.also,
    reject: reject.main,
    rejectAlso: reject.also,
    changes: changes.main,
    changesAlso: changes.also,
  });
}
