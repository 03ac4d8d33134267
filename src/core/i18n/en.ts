import type { it } from './it.ts';

/** The English catalog: the same keys and parameters as the Italian one. */
export const en: { readonly [K in keyof typeof it]: (typeof it)[K] } = {
  'card.title': (p) => `${p.urgent ? '🚨 ' : ''}Proposal #${p.number}`,
  'card.author': (p) => `Author: ${p.name}`,
  'card.when.asap': () => 'When: as soon as approved',
  'card.when.at': (p) => `When: ${p.when}`,
  'card.targets': () => 'Targets:',
  'card.status': (p) => `Status: ${p.status}`,
  'card.approvals': (p) => `Approvals: ${p.have}/${p.need}${p.by ? ` (${p.by})` : ''}`,
  'card.howto': (p) =>
    `To decide, react to this message: ✅ approve, ❌ reject, ✏️ request changes. Details: /status ${p.number}`,
  'card.image': (p) => `Image: ${p.url} (alt: ${p.alt})`,
  'card.nolimit': () => 'no limit',
  'state.pending': () => 'waiting for approval',
  'state.changes_requested': () => 'changes requested',
  'state.approved': () => 'approved',
  'state.scheduled': () => 'scheduled',
  'state.publishing': () => 'publishing',
  'state.published': () => 'published',
  'state.partially_failed': () => 'partially published',
  'state.failed': () => 'publication failed',
  'state.rejected': () => 'rejected',
  'state.cancelled': () => 'cancelled',
  'propose.created': (p) => `Proposal #${p.number} created: see it in the channel.`,
  'propose.duplicate': (p) => `This request had already arrived: it is proposal #${p.number}.`,
  'propose.empty': () =>
    'The post has no text. Write for example: /propose to:sito The bridge on via Roma closes tomorrow.',
  'propose.unknown_target': (p) => `Unknown target: ${p.given}. Valid targets are: ${p.valid}.`,
  'propose.no_target': (p) =>
    `Say where to publish with to:, for example to:${p.valid.split(', ')[0] ?? 'sito'}. Valid targets: ${p.valid}.`,
  'propose.over_limit': (p) =>
    `The text is too long for ${p.target}: ${p.used}/${p.limit} ${p.unit}, ${p.over} too many.`,
  'propose.image_required': (p) => `${p.target} needs at least one image: add img:URL|alt text.`,
  'propose.too_many_images': (p) => `${p.target} takes at most ${p.max} images, you gave ${p.given}.`,
  'propose.too_many_hashtags': (p) => `${p.target} takes at most ${p.max} hashtags, you used ${p.given}.`,
  'propose.image_without_alt': (p) =>
    `The image ${p.url} has no alt text. Public bodies must publish accessible content: write img:URL|description of the image.`,
  'propose.image_bad_url': (p) => `The image address is not valid: ${p.url}. Use an http or https address.`,
  'propose.option_after_text': (p) =>
    `The option ${p.option} goes before the text, for example: /propose to:sito at:"tomorrow 9am" Text of the post.`,
  'propose.bad_option': (p) => `I do not understand the option ${p.option}.`,
  'time.unreadable': (p) => `I cannot read the time "${p.input}". Try for example: ${p.examples}.`,
  'time.in_past': (p) => `The time "${p.input}" (${p.when}) has already passed: give a future time.`,
  'time.empty': (p) => `The time is missing. Try for example: ${p.examples}.`,
  'time.dst_gap': (p) => `That hour does not exist because of the switch to summer time: using ${p.when}.`,
  'time.dst_overlap': (p) =>
    `That hour happens twice because of the switch to winter time: using the first, ${p.when}.`,
  'command.unknown': (p) => `Unknown command: /${p.name}. Type /help for the list of commands.`,
  'command.not_a_number': (p) => `"${p.given}" is not a proposal number. Example: /status 12.`,
  'command.no_such_post': (p) => `There is no proposal #${p.number}.`,
  'command.not_a_command': () => 'Commands start with /. Type /help for the list.',
  'command.failed': () =>
    'Something went wrong and nothing was done. Try again shortly; if it happens again, tell the IT office.',
  'reaction.approved': (p) => `✅ Approved by ${p.name} (${p.have}/${p.need}).`,
  'reaction.approval_counted': (p) =>
    `✅ ${p.name} approves (${p.have}/${p.need}): ${p.need - p.have} more approval needed.`,
  'reaction.withdrawn': (p) => `${p.name} withdrew their approval (${p.have}/${p.need}).`,
  'reaction.self_approval': (p) =>
    `${p.name}, authors cannot approve their own proposal: another approver must approve it.`,
  'reaction.not_an_approver': (p) =>
    `${p.name}, your reaction does not count as an approval: only the configured approvers can approve.`,
  'reaction.already_decided': (p) =>
    `${p.name}, the proposal is already ${p.status}: the reaction changes nothing.`,
  'reaction.rejected': (p) => `❌ Rejected by ${p.name}. It will not be published.`,
  'reaction.changes_requested': (p) =>
    `✏️ ${p.name} asks for changes. The author can fix the text with /edit.`,
  'schedule.at': (p) => `Scheduled for ${p.when}.`,
  'schedule.now': () => 'Publishing it now.',
  'publish.published': (p) => `Published on ${p.target}: ${p.url}`,
  'publish.late': (p) =>
    `Published ${p.minutes} minutes later than ${p.when}: Araldo was not running at that time.`,
  'publish.retrying': (p) =>
    `Publishing on ${p.target} did not work (${p.reason}). Trying again at ${p.when}.`,
  'publish.failed': (p) =>
    `Publishing on ${p.target} failed: ${p.reason}. Once the problem is solved, type /retry ${p.number}.`,
  'publish.unknown': (p) =>
    `I do not know whether the post reached ${p.target}: Araldo stopped while sending it. Check the account: if it is missing, type /retry ${p.number}.`,
  'publish.missing_publisher': (p) =>
    `The target ${p.target} is not set up for publishing: tell the administrator.`,
  'publish.done': () => 'Every publication went through.',
};
