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
    `To decide, react to this message: ✅ approve, ❌ reject, ✏️ request changes. Details: /araldo status ${p.number}`,
  'card.image': (p) => `Image: ${p.url} (alt: ${p.alt})`,
  'card.nolimit': () => 'no limit',
  'card.alt_dropped': () => 'this network does not carry the images’ alt text',
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
  'propose.too_many_mentions': (p) => `${p.target} takes at most ${p.max} mentions (@), you used ${p.given}.`,
  'propose.image_format': (p) =>
    `${p.target} does not take ${p.format} images (${p.url}): only ${p.accepted}. Convert the image or use another one.`,
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
  'time.day_part_mismatch': (p) =>
    `The time "${p.input}" does not add up: ${p.part} runs from ${p.from} to ${p.to}. Write an hour in that range, or the hour from 0 to 23 without the part of the day, for example "tomorrow at 20:00".`,
  'time.day_part.morning': () => 'the morning',
  'time.day_part.afternoon': () => 'the afternoon',
  'time.day_part.evening': () => 'the evening',
  'time.day_part.night': () => 'the night',
  'time.day_part.tonight': () => '"tonight"',
  'command.unknown': (p) => `Unknown command: /${p.name}. Type /araldo help for the list of commands.`,
  'command.not_a_number': (p) => `"${p.given}" is not a proposal number. Example: /araldo status 12.`,
  'command.no_such_post': (p) => `There is no proposal #${p.number}.`,
  'command.not_a_command': () => 'Commands start with /. Type /araldo help for the list.',
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
  'button.self_approval': (p) =>
    `You cannot approve or request changes on your own proposal #${p.number}: another approver is needed.`,
  'button.not_an_approver': (p) =>
    `Only the configured approvers can approve or request changes on proposal #${p.number}.`,
  'button.not_waiting': (p) => `Proposal #${p.number} is not waiting for a decision: ${p.status}.`,
  'button.needs_edit': (p) =>
    `Changes were requested on proposal #${p.number}: it can be approved once the author has fixed the text.`,
  'button.changes_already_requested': (p) =>
    `Changes on proposal #${p.number} were already requested: it is the author's turn to fix the text.`,
  'button.stale_version': (p) =>
    `The text of proposal #${p.number} has changed: read the updated card and, if it is fine, press Approve again.`,
  'button.already_approved': (p) =>
    `You have already approved proposal #${p.number}: the other approvers are needed now.`,
  'reaction.already_decided': (p) =>
    `${p.name}, the proposal is already ${p.status}: the reaction changes nothing.`,
  'reaction.rejected': (p) => `❌ Rejected by ${p.name}. It will not be published.`,
  'reaction.changes_requested': (p) =>
    `✏️ ${p.name} asks for changes. The author can fix the text with the card's Edit button or with /araldo edit.`,
  'schedule.at': (p) => `Scheduled for ${p.when}.`,
  'schedule.now': () => 'Publishing it now.',
  'publish.published': (p) => `Published on ${p.target}: ${p.url}`,
  'publish.published_no_link': (p) => `Sent to ${p.target}.`,
  'publish.note.private': (p) =>
    `⚠️ On ${p.target} the post is visible to the account only: the network has not reviewed the app yet and publishes privately until then. Make it public from the app, or ask the administrator to complete the review.`,
  'publish.note.awaiting_creator': (p) =>
    `📥 The post is in the inbox of ${p.target}: someone must finish and publish it from the phone app.`,
  'publish.late': (p) =>
    `Published ${p.minutes} minutes later than ${p.when}: Araldo was not running at that time.`,
  'publish.retrying': (p) =>
    `Publishing on ${p.target} did not work (${p.reason}). Trying again at ${p.when}.`,
  'publish.failed': (p) =>
    `Publishing on ${p.target} failed: ${p.reason}. Once the problem is solved, type /araldo retry ${p.number}.`,
  'publish.unknown': (p) =>
    `I do not know whether the post reached ${p.target}: ${p.reason}. Check the account: if it is missing, type /araldo retry ${p.number}.`,
  'failure.token_expired': (p) =>
    `the access token has expired: Araldo's administrator must renew it${p.detail ? ` (see Araldo's README, section “${p.detail}”)` : ''}`,
  'failure.token_revoked': (p) =>
    `the access token was revoked or is not valid: Araldo's administrator must connect the account again${p.detail ? ` (see Araldo's README, section “${p.detail}”)` : ''}`,
  'failure.permission_missing': (p) =>
    `the account lacks a permission${p.detail ? ` (${p.detail})` : ''}: the administrator must grant it to the app`,
  'failure.content_refused': (p) =>
    `the network refused the content${p.detail ? ` ("${p.detail}")` : ''}: correct the text with /araldo edit`,
  'failure.media_unreachable': (p) =>
    `an image could not be fetched or was refused${p.detail ? ` ("${p.detail}")` : ''}: check the image's link`,
  'failure.duplicate': () =>
    'the network says the same post is already there: check the account before retrying',
  'failure.misconfigured': (p) =>
    `the target is not configured correctly${p.detail ? ` (${p.detail})` : ''}: tell Araldo's administrator`,
  'failure.no_publisher': () =>
    "no publishing service is configured for this target (tell Araldo's administrator)",
  'failure.rate_limited': () => 'the network asked to slow down (too many requests)',
  'failure.unavailable': () => 'the network does not answer or has a temporary problem',
  'failure.unknown': () => 'the answer of the network was lost while sending',
  'failure.interrupted': () => 'Araldo was interrupted while sending',
  'failure.publisher_error': () =>
    "the publishing service failed unexpectedly (the details are in Araldo's log)",
  'publish.done': () => 'Every publication went through.',
  'command.not_allowed': (p) => `Only the author or an approver can do that on proposal #${p.number}.`,
  'command.too_late': (p) => `Proposal #${p.number} is already ${p.status}: it can no longer be changed.`,
  'cancel.reply': (p) => `Proposal #${p.number} cancelled.`,
  'cancel.thread': (p) => `🚫 Cancelled by ${p.name}. It will not be published.`,
  'edit.usage': () =>
    'Write the new text after the number, for example: /araldo edit 12 New text of the post.',
  'edit.reply': (p) => `Proposal #${p.number} edited: it needs a new approval.`,
  'edit.thread': (p) =>
    `✏️ ${p.name} edited the text. Earlier approvals no longer count: it needs a new approval.\nBefore: ${p.before}\nNow: ${p.after}`,
  'reschedule.usage': () => 'Say when, for example: /araldo reschedule 12 tomorrow 9am.',
  'reschedule.reply': (p) => `Proposal #${p.number} moved to ${p.when}.`,
  'reschedule.thread': (p) => `🕒 ${p.name} moved the publication to ${p.when}.`,
  'retry.none': (p) => `Proposal #${p.number} has no failed publication to retry.`,
  'retry.reply': (p) =>
    `Retrying ${p.count === 1 ? 'the failed publication' : `the ${p.count} failed publications`} of proposal #${p.number}.`,
  'retry.thread': (p) => `🔁 ${p.name} asked to retry the failed publications.`,
  'schedule.quiet_hours': (p) => `${p.target}: ${p.from} is within quiet hours, publishing ${p.when}.`,
  'schedule.slot': (p) => `${p.target}: next free slot, ${p.when}.`,
  'schedule.target_at': (p) => `${p.target}: ${p.when}.`,
  'queue.empty': () => 'Nothing to publish in the next 7 days.',
  'queue.title': (p) => `Publications of the next 7 days (${p.zone} time):`,
  'queue.awaiting': () => 'awaiting approval',
  'audit.title': (p) => `History of proposal #${p.number}:`,
  'audit.proposed': () => 'proposed the post',
  'audit.edited': () => 'edited the text',
  'audit.commented': () => 'wrote in the thread',
  'audit.reacted': () => 'reacted',
  'audit.unreacted': () => 'removed a reaction',
  'audit.approved': () => 'approved',
  'audit.approval_withdrawn': () => 'withdrew their approval',
  'audit.approval_ignored': () => 'reaction not valid as an approval',
  'audit.rejected': () => 'rejected',
  'audit.changes_requested': () => 'requested changes',
  'audit.cancelled': () => 'cancelled',
  'audit.scheduled': () => 'scheduled',
  'audit.rescheduled': () => 'changed the time',
  'audit.publish_attempt': () => 'publication attempt',
  'audit.published': () => 'published',
  'audit.publish_failed': () => 'publication failed',
  'audit.publish_retry': () => 'new attempt scheduled',
  'audit.publish_unknown': () => 'outcome unknown',
  'audit.retried': () => 'asked for a retry',
  'audit.digest_sent': () => 'digest sent',
  'audit.edit_detail': (p) => `before: "${p.before}" → now: "${p.after}"`,
  'digest.title': (p) => `☀️ Digest for ${p.date}`,
  'digest.credentials': () => '🔑 Access to renew:',
  'digest.credentials_expiring': (p) =>
    `${p.target}: access expires ${p.days === 1 ? 'within a day' : `in ${p.days} days`} (${p.when}). Araldo's administrator must renew it before then, or publishing stops (see Araldo's README, section “${p.guide}”).`,
  'digest.credentials_expired': (p) =>
    `${p.target}: access has expired and publishing is stopped. Araldo's administrator must renew it (see Araldo's README, section “${p.guide}”).`,
  'digest.credentials_revoked': (p) =>
    `${p.target}: access was revoked or is no longer valid and publishing is stopped. Araldo's administrator must connect the account again (see Araldo's README, section “${p.guide}”).`,
  'digest.today': () => 'Scheduled today:',
  'digest.waiting': () => 'Waiting for a decision:',
  'digest.waiting_item': (p) => `#${p.number} by ${p.author}, for ${p.age}: ${p.excerpt}`,
  'digest.failed': () => 'Publications that need someone:',
  'digest.failed_item': (p) => `#${p.number} on ${p.target}: ${p.reason} (/araldo retry ${p.number})`,
  'digest.yesterday': () => 'Published yesterday:',
  'digest.nothing': () => 'Nothing scheduled, nothing waiting, no errors. Have a good day! 🌤️',
  'age.minutes': (p) => `${p.n} min`,
  'age.hours': (p) => `${p.n} ${p.n === 1 ? 'hour' : 'hours'}`,
  'age.days': (p) => `${p.n} ${p.n === 1 ? 'day' : 'days'}`,
  'reaction.not_a_review': (p) =>
    `${p.added ? 'Reaction added' : 'Reaction removed'}, but ${p.emoji} does not count as a decision. These count: ${p.approve} approve (also ${p.approveAlso}), ${p.reject} reject (also ${p.rejectAlso}), ${p.changes} request changes (also ${p.changesAlso}).`,
  'chat.not_configured': () => 'Araldo is not set up for this channel: ask the IT office to add it.',
  'command.needs_number': (p) => `Give the proposal number, for example: /araldo ${p.command} 12.`,
  'command.unknown_subcommand': (p) => `There is no command "${p.name}". These are the commands:`,
  'help.text': () =>
    [
      'Araldo commands:',
      '  /propose to:sito at:"tomorrow 9am" Text — proposes a post (options go before the text)',
      '      options: to:ID,ID  at:WHEN  urgent (at once, one approver is enough)  img:URL|"alt text"',
      '  /araldo queue — publications of the next 7 days',
      '  /araldo status 12 — status of proposal #12 and of each publication',
      '  /araldo edit 12 New text — changes the text (it needs a new approval)',
      '  /araldo reschedule 12 next monday at 18:30 — changes the time',
      '  /araldo cancel 12 — cancels the proposal',
      '  /araldo retry 12 — retries failed publications',
      '  /araldo audit 12 — the whole history of the proposal',
      '  /araldo digest — today’s digest',
      '  /araldo help — this list',
      'The Italian names work too: /araldo stato, /araldo coda, /araldo modifica, /araldo riprogramma, /araldo annulla, /araldo riprova, /araldo registro, /araldo riepilogo, /araldo aiuto.',
      'On the card: the reactions ✅ approve, ❌ reject, ✏️ request changes (or the Approve and Request changes buttons, where the card has them); removing ✅ withdraws the approval.',
      'Times: "tomorrow 9am", "tomorrow morning", "tonight at 9", "half past nine", "next monday at 18:30", "december 1 9:00", "in 2 hours", "2026-12-01T09:00+01:00".',
      'Without an hour: morning 09:00, afternoon 15:00, evening 21:00, night 23:00; "tonight at 9" is 21:00.',
    ].join('\n'),
  'unit.characters': () => 'characters',
  'unit.weighted': () => 'weighted characters',
  'unit.graphemes': () => 'characters',
  'unit.utf16': () => 'characters (an emoji counts as 2)',
  'reaction.stale_version': (p) =>
    `${p.name}, the text changed while you were approving: read it again and, if it is fine, remove and add the ✅ again.`,
  'reaction.needs_edit': (p) =>
    `${p.name}, changes were requested: approvals count once the author has fixed the text with /araldo edit.`,
  'reaction.withdraw_too_late': (p) =>
    `${p.name}, publishing has already started: the approval can no longer be withdrawn. If needed, use /araldo cancel or correct it afterwards.`,
  'propose.card_failed': (p) =>
    `Proposal #${p.number} saved, but its card did not appear in the channel because of a chat problem. Try the same command again shortly, or check with /araldo status ${p.number}.`,
  // Bad input and states in words (issue 7, points 3 and 5).
  'text.control_character': (p) =>
    `The text holds a control character that cannot be published: ${p.character}, at character ${p.position} ("${p.context}")${p.others > 0 ? ` and ${p.others} more like it` : ''}. Remove it and try again: line breaks and tabs are fine.`,
  'delivery.pending': () => 'waiting for approval',
  'delivery.scheduled': () => 'scheduled',
  'delivery.publishing': () => 'publishing',
  'delivery.published': () => 'published',
  'delivery.failed': () => 'failed',
  'delivery.unknown': () => 'outcome to be checked on the account',
  'delivery.cancelled': () => 'cancelled',
  'audit.reason.self_approval': () => 'the author cannot approve their own proposal',
  'audit.reason.stale_version': () => 'the text had changed meanwhile',
  'audit.reason.not_an_approver': () => 'not an approver',
  'status.delivery': (p) =>
    `  • ${p.target}: ${p.state}${p.attempts > 0 ? ` (${p.attempts === 1 ? '1 attempt' : `${p.attempts} attempts`})` : ''}${p.detail ? ` — ${p.detail}` : ''}`,
};
