/** What a reaction on a proposal card means. */
export type ReviewAction = 'approve' | 'reject' | 'request_changes';

// Unicode as typed in the shell and Discord, short names as Slack sends them
// (with an optional skin-tone suffix, e.g. `white_check_mark::skin-tone-2`).
const ACTIONS: ReadonlyMap<string, ReviewAction> = new Map(
  Object.entries({
    '✅': 'approve',
    '✔️': 'approve',
    '✔': 'approve',
    '☑️': 'approve',
    white_check_mark: 'approve',
    heavy_check_mark: 'approve',
    ballot_box_with_check: 'approve',
    '❌': 'reject',
    '✖️': 'reject',
    x: 'reject',
    heavy_multiplication_x: 'reject',
    '✏️': 'request_changes',
    '✏': 'request_changes',
    '📝': 'request_changes',
    pencil2: 'request_changes',
    pencil: 'request_changes',
    memo: 'request_changes',
  } satisfies Record<string, ReviewAction>),
);

/** The review action a reaction stands for, or undefined for any other emoji. */
export function toReviewAction(emoji: string): ReviewAction | undefined {
  const name = emoji.trim().replace(/^:|:$/g, '').split('::')[0] ?? '';
  return ACTIONS.get(name) ?? ACTIONS.get(name.replace(/\uFE0F/g, '')) ?? ACTIONS.get(`${name}\uFE0F`);
}
