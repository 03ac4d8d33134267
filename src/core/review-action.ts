import { quoted } from './excerpt.ts';
import { t } from './i18n/translate.ts';
import type { Language } from './language.ts';

/** What a reaction on a proposal card means. */
export type ReviewAction = 'approve' | 'reject' | 'request_changes';

/**
 * The review reactions as Unicode emoji, per action (SPEC §3: ✅ approve,
 * ❌ reject, ✏️ request changes). The first of each list is the one cards
 * and help show. Chats that name emoji otherwise (short names) map their
 * names to actions themselves.
 *
 * Every check mark approves (✔️ and ☑️, not only ✅): on a card that asks
 * for a decision a check mark means yes, and emoji pickers offer all three
 * for "check". A check mark that did not count would leave an approver
 * believing an urgent notice was on its way; one that counts can be
 * withdrawn by removing it before publication, and only configured
 * approvers count at all.
 */
export const REVIEW_EMOJI = {
  approve: ['✅', '✔️', '☑️'],
  reject: ['❌', '✖️'],
  request_changes: ['✏️', '📝'],
} as const satisfies Record<ReviewAction, readonly string[]>;

const ACTIONS: ReadonlyMap<string, ReviewAction> = new Map(
  (Object.entries(REVIEW_EMOJI) as [ReviewAction, readonly string[]][]).flatMap(([action, emoji]) =>
    emoji.map((one) => [one, action] as const),
  ),
);

/**
 * The review action a Unicode emoji stands for, or undefined for any other
 * text. Accepts the emoji with or without the emoji variation selector
 * U+FE0F (✔ and ✔️): keyboards and chats differ in whether they add it.
 */
export function fromReviewEmoji(emoji: string): ReviewAction | undefined {
  return ACTIONS.get(emoji) ?? ACTIONS.get(emoji.replace(/\uFE0F/g, '')) ?? ACTIONS.get(`${emoji}\uFE0F`);
}

/**
 * The reactions that count on one chat, per action, as people write them
 * there (an emoji as is, a short name as `:name:`): the main one first.
 */
export type ReviewReactionsShown = Readonly<Record<ReviewAction, readonly string[]>>;

/** The reactions of one action as a chat lists them: the main one, then the others. */
function reactionsOf(
  shown: ReviewReactionsShown,
  action: ReviewAction,
): { readonly main: string; readonly also: string } {
  const [main, ...others] = shown[action];
  return { main: main ?? '', also: others.join(' ') };
}

/**
 * The answer to a reaction that means nothing for the review: it is
 * named (quoted, so any input is safe to echo) and every reaction that
 * counts on the chat (`shown`, the chat's own list) is listed, in `language`.
 */
export function explainNotAReview(
  language: Language,
  emoji: string,
  added: boolean,
  shown: ReviewReactionsShown,
): string {
  const approve = reactionsOf(shown, 'approve');
  const reject = reactionsOf(shown, 'reject');
  const changes = reactionsOf(shown, 'request_changes');
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
