import type { it } from './it.ts';

/** Slack's own words in English: the same keys and parameters as the Italian ones. */
export const en: { readonly [K in keyof typeof it]: (typeof it)[K] } = {
  'overview.title': (p) => `Araldo · ${p.team}`,
  'overview.drawn_at': (p) => `Last updated: ${p.when}`,
  'overview.next_days': () => 'Next 7 days',
  'overview.nothing_planned': () => 'Nothing planned.',
  'overview.waiting': () => 'Waiting for a decision',
  'overview.nothing_waiting': () => 'No proposal is waiting.',
  'overview.waiting_item': (p) =>
    `by ${p.author}, waiting for ${p.age}${p.changesRequested ? ' (changes requested)' : ''}: ${p.excerpt}`,
  'overview.failures': () => 'Needs someone',
  'overview.nothing_failing': () => 'No publication needs fixing.',
  'overview.failure_item': (p) => `on ${p.target}: ${p.reason} (/araldo retry ${p.number})`,
  'overview.more': () => '… and more: see /araldo queue and /araldo digest.',
  'overview.teams_left_out': (p) =>
    `${p.n} more teams do not fit on this page: use /araldo queue in their channels.`,
  'overview.no_team': () => 'The Araldo teams of the channels you are in show here: you follow none yet.',
  'button.approve': () => 'Approve',
  'button.request_changes': () => 'Request changes',
  'button.reschedule': () => 'Reschedule',
  'button.cancel': () => 'Cancel',
  'button.retry': () => 'Retry',
  'button.cancel_confirm_title': () => 'Cancel the proposal?',
  'button.cancel_confirm_text': (p) =>
    `Proposal #${p.number} will not be published. Publications already out stay online.`,
  'button.cancel_confirm_yes': () => 'Yes, cancel',
  'button.cancel_confirm_no': () => 'No',
  'modal.reschedule_title': (p) => `Reschedule #${p.number}`,
  'modal.reschedule_or': () => 'Or write when',
  'modal.reschedule_or_hint': () =>
    'For example: tomorrow 9am, next monday at 18:30. If you fill this in, the day and time above do not count.',
  'modal.reschedule_date': () => 'Day (empty: today)',
  'modal.close': () => 'Close',
  'modal.reschedule_missing': () => 'Pick the day and the time, or write when.',
  'modal.propose_title': () => 'New proposal',
  'modal.edit_title': (p) => `Edit #${p.number}`,
  'modal.edit_button': () => 'Edit',
  'modal.submit': () => 'Submit',
  'modal.cancel': () => 'Cancel',
  'modal.text': () => 'Text of the post',
  'modal.targets': () => 'Where to publish',
  'modal.date': () => 'Day (empty: as soon as approved)',
  'modal.time': () => 'Time',
  'modal.image_url': () => 'Image address',
  'modal.image_alt': () => 'Image alt text',
  'modal.image_alt_hint': () =>
    'Required with an image: describe what it shows, for people who cannot see it.',
  'modal.urgent_label': () => 'Urgency',
  'modal.urgent': () => '🚨 Urgent: publish at once with a single approval',
};
