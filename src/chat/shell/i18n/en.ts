import type { it } from './it.ts';

/** The shell's own words in English: the same keys and parameters as the Italian ones. */
export const en: { readonly [K in keyof typeof it]: (typeof it)[K] } = {
  'shell.switched': (p) => `You now write as ${p.name}.`,
  'shell.usage': (p) => `Usage: ${p.usage}`,
  'shell.plain_message': () =>
    'Message written in the channel. Commands start with /: type /araldo help for the list.',
  'shell.internal_error': () => 'Internal error: the line was not handled. Try again.',
  'shell.reaction_applied': (p) =>
    p.added
      ? `You reacted with ${p.emoji} (${p.action}) to proposal #${p.number}.`
      : `You removed ${p.emoji} (${p.action}) from proposal #${p.number}.`,
  'review.approve': () => 'approval',
  'review.reject': () => 'rejection',
  'review.request_changes': () => 'changes requested',
};
