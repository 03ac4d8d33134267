import { z } from 'zod';
import type { Card } from '../../core/card.ts';
import type { Language } from '../../core/language.ts';
import type { ChatFailure, MessageKey, OutMessage } from '../../core/ports.ts';
import type { DraftProblem, ProposalDraft } from '../../core/propose.ts';
import { fromReviewEmoji, type ReviewAction } from '../../core/review-action.ts';
import { bareReactionName, fromShortName } from '../review-short-names.ts';
import { t } from './i18n/translate.ts';

/** A Block Kit block, as Slack's API takes it (only the fields Araldo uses are typed loosely). */
export type Block = Record<string, unknown>;

/** Slack's cap on a section's text (Block Kit reference, section block). */
const SECTION_TEXT_MAX = 3000;
/** Slack's cap on a header's text. */
const HEADER_TEXT_MAX = 150;

/** Text safe in mrkdwn: Slack asks to escape only &, < and > (formatting reference). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text as the person typed it: Slack escapes &, < and > in the text it
 * sends (slash commands, message events), so "Lavori & Servizi" would
 * otherwise be published as "Lavori &amp; Servizi".
 */
export function unescapeSlackText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A Slack mention of a user id. */
export function mention(userId: string): string {
  return `<@${userId}>`;
}

/** The opaque card reference the core stores: channel and message ts. */
export function toCardRef(channel: string, ts: string): string {
  return `${channel}/${ts}`;
}

/** Channel and ts back from a card reference. */
export function fromCardRef(cardRef: string): { channel: string; ts: string } {
  const slash = cardRef.indexOf('/');
  return { channel: cardRef.slice(0, slash), ts: cardRef.slice(slash + 1) };
}

/**
 * The units mrkdwn must not be cut inside: an entity (`&amp;`), a token
 * Araldo wrote on purpose (`<@U123>`, `<url|↗>`; escaped text holds no
 * bare `<`), or one code point.
 */
const MRKDWN_ATOM = /&(?:amp|lt|gt);|<[^<>]*>|[\s\S]/gu;

/** Mrkdwn cut into pieces of at most `size` characters, never inside an entity or a token. */
function chunks(mrkdwn: string, size: number): string[] {
  const out: string[] = [];
  let current = '';
  let length = 0;
  for (const atom of mrkdwn.match(MRKDWN_ATOM) ?? []) {
    const atomLength = [...atom].length;
    if (length > 0 && length + atomLength > size) {
      out.push(current);
      current = '';
      length = 0;
    }
    current += atom;
    length += atomLength;
  }
  if (length > 0 || out.length === 0) out.push(current);
  return out;
}

/**
 * A URL inside `<url|label>`: `&` escaped as Slack's formatting rules ask,
 * and `<`, `>`, `|` percent-encoded so they cannot end the link early.
 */
export function linkUrl(url: string): string {
  return url.replace(/&/g, '&amp;').replace(/[<>|]/g, (c) => encodeURIComponent(c));
}

/**
 * Mrkdwn text as section blocks within Slack's 3,000-character cap, cut at
 * line breaks where possible, so a long digest arrives whole.
 */
export function toSectionBlocks(text: string): Block[] {
  const sections: string[] = [];
  let current: string | undefined;
  for (const line of text.split('\n')) {
    for (const piece of chunks(line, SECTION_TEXT_MAX)) {
      if (current !== undefined && [...current].length + [...piece].length + 1 > SECTION_TEXT_MAX) {
        sections.push(current);
        current = undefined;
      }
      current = current === undefined ? piece : `${current}\n${piece}`;
    }
  }
  sections.push(current ?? '');
  // Slack refuses an empty section text: a zero-width space stands in.
  return sections.map((part) => ({ type: 'section', text: { type: 'mrkdwn', text: part || '\u200b' } }));
}

/** Ids of the card's buttons. */
export const ACTION_IDS = {
  edit: 'araldo_edit',
  approve: 'araldo_approve',
  requestChanges: 'araldo_request_changes',
  reschedule: 'araldo_reschedule',
  cancel: 'araldo_cancel',
  retry: 'araldo_retry',
} as const;

/** A card button's value: the post's number and the version of the text the card showed. */
export function toButtonValue(card: Pick<Card, 'postNumber' | 'version'>): string {
  return `${card.postNumber}:${card.version}`;
}

/** Reads a card button's value; cards drawn before buttons carried a version hold the number alone. */
export function fromButtonValue(value: string | undefined): { number: number; version?: number } | undefined {
  const match = /^(\d{1,9})(?::(\d{1,9}))?$/.exec(value ?? '');
  if (!match) return undefined;
  const number = Number(match[1]);
  return match[2] === undefined ? { number } : { number, version: Number(match[2]) };
}

const UNDECIDED_CARD_STATES: readonly string[] = ['pending', 'changes_requested'];
const CHANGEABLE_CARD_STATES: readonly string[] = ['pending', 'changes_requested', 'approved', 'scheduled'];
const FAILED_CARD_STATES: readonly string[] = ['partially_failed', 'failed'];

/**
 * The buttons a card offers in its state: review while it waits for a
 * decision, edit, reschedule and cancel while it can change, retry once a
 * delivery failed. Who may press them is checked when pressed.
 */
function cardButtons(card: Card): Block[] {
  const l = card.language;
  const value = toButtonValue(card);
  const button = (actionId: string, label: string, extra: Record<string, unknown> = {}) => ({
    type: 'button',
    action_id: actionId,
    value,
    text: { type: 'plain_text', text: label },
    ...extra,
  });
  const buttons: Block[] = [];
  if (UNDECIDED_CARD_STATES.includes(card.state)) {
    if (card.state === 'pending') {
      buttons.push(button(ACTION_IDS.approve, `✅ ${t(l, 'button.approve')}`, { style: 'primary' }));
    }
    buttons.push(button(ACTION_IDS.requestChanges, `✏️ ${t(l, 'button.request_changes')}`));
  }
  if (CHANGEABLE_CARD_STATES.includes(card.state)) {
    buttons.push(button(ACTION_IDS.edit, t(l, 'modal.edit_button')));
    buttons.push(button(ACTION_IDS.reschedule, t(l, 'button.reschedule')));
    buttons.push(
      button(ACTION_IDS.cancel, t(l, 'button.cancel'), {
        style: 'danger',
        confirm: {
          title: { type: 'plain_text', text: t(l, 'button.cancel_confirm_title') },
          text: { type: 'plain_text', text: t(l, 'button.cancel_confirm_text', { number: card.postNumber }) },
          confirm: { type: 'plain_text', text: t(l, 'button.cancel_confirm_yes') },
          deny: { type: 'plain_text', text: t(l, 'button.cancel_confirm_no') },
          style: 'danger',
        },
      }),
    );
  }
  if (FAILED_CARD_STATES.includes(card.state)) {
    buttons.push(button(ACTION_IDS.retry, t(l, 'button.retry'), { style: 'primary' }));
  }
  return buttons.length > 0 ? [{ type: 'actions', elements: buttons }] : [];
}

/**
 * The proposal card in Block Kit: header, text, images with their alt
 * text, a length meter per target, when, author, status, approvals, how to
 * review, and an edit button while the post can still change. The
 * returned text is the notification and accessibility fallback.
 */
export function toCardMessage(card: Card): { text: string; blocks: Block[] } {
  const l = card.language;
  const title = t(l, 'card.title', { number: card.postNumber, urgent: card.urgent });
  const meters = card.targets
    .map((target) => {
      const meter = target.limit === undefined ? `${target.used}` : `${target.used}/${target.limit}`;
      // A network may give words instead of an address (a private Telegram channel): no link then.
      const link = target.url && /^https?:\/\//i.test(target.url) ? ` <${linkUrl(target.url)}|↗>` : '';
      const alt = target.altTextDropped ? ` _(${escapeMrkdwn(t(l, 'card.alt_dropped'))})_` : '';
      return `${escapeMrkdwn(target.displayName)} \`${meter}\`${alt}${link}`;
    })
    .join(' · ');
  const when = card.when === undefined ? t(l, 'card.when.asap') : t(l, 'card.when.at', { when: card.when });
  const approvals = t(l, 'card.approvals', {
    have: card.approvals.have,
    need: card.approvals.need,
    by: card.approvals.by.join(', '),
  });
  const blocks: Block[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: [...title].slice(0, HEADER_TEXT_MAX).join(''), emoji: true },
    },
    ...chunks(escapeMrkdwn(card.text), SECTION_TEXT_MAX).map((part) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: part, verbatim: true },
    })),
    ...card.images.map((image) => ({ type: 'image', image_url: image.url, alt_text: image.alt })),
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${escapeMrkdwn(t(l, 'card.targets'))} ${meters}` }],
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: escapeMrkdwn(when) },
        {
          type: 'mrkdwn',
          text: `${escapeMrkdwn(t(l, 'card.author', { name: '' }))}${mention(card.author.id)}`,
        },
        { type: 'mrkdwn', text: escapeMrkdwn(t(l, 'card.status', { status: t(l, `state.${card.state}`) })) },
        { type: 'mrkdwn', text: escapeMrkdwn(approvals) },
      ],
    },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: escapeMrkdwn(t(l, 'card.howto', { number: card.postNumber })) }],
    },
    ...cardButtons(card),
  ];
  // The fallback shows in notifications and is parsed as mrkdwn like the
  // blocks: cut first, then escaped, so no entity is cut in half.
  return { text: escapeMrkdwn(`${title}: ${[...card.text].slice(0, 200).join('')}`), blocks };
}

/**
 * A reply only its reader sees (chat.postEphemeral): the desk's words are
 * plain text and often quote the person's input, so they are escaped.
 */
export function toEphemeralText(text: string): string {
  return escapeMrkdwn(text);
}

/** A thread reply or channel message: mentions first, text escaped for mrkdwn. */
export function toMessageText(message: OutMessage): string {
  const mentions = (message.mentions ?? []).map(mention).join(' ');
  const text = escapeMrkdwn(message.text);
  return mentions ? `${mentions} ${text}` : text;
}

/** Where a private answer goes: the channel it is shown in and the one person who sees it. */
export function toRecipient(channel: string, user: string): string {
  return `${channel}:${user}`;
}

/** Channel and user back from `toRecipient`; undefined for anything else. */
export function fromRecipient(recipient: string): { channel: string; user: string } | undefined {
  const match = /^([A-Z0-9]+):([A-Z0-9]+)$/i.exec(recipient);
  return match?.[1] && match[2] ? { channel: match[1], user: match[2] } : undefined;
}

/** The `event_type` of the metadata on every message Araldo writes. */
export const ARALDO_EVENT_TYPE = 'araldo_message';

/**
 * What an Araldo message is: a proposal card, a reply in a card's thread, or a message in the
 * channel. Only a card stands for its post: a reaction on a thread reply or a digest is no review.
 */
export type AraldoMessageKind = 'card' | 'thread' | 'channel';

/** The mark Araldo reads back from a message's metadata. */
export interface AraldoMark {
  /** the outbox row the message was written for */
  readonly messageId: string;
  /** the post it is about, when it is about one */
  readonly postId: string | undefined;
  /** undefined on a message marked before kinds were written */
  readonly kind: AraldoMessageKind | undefined;
}

/**
 * Message metadata marking an Araldo message with its outbox row, post and kind, so Araldo can
 * find its own earlier write after an uncertain failure, and a card's post before its reference
 * is stored (https://docs.slack.dev/messaging/message-metadata: any JSON object of strings,
 * numbers and booleans; returned by conversations.history/replies with include_all_metadata).
 */
export function toMessageMetadata(
  key: MessageKey,
  kind: AraldoMessageKind,
): { event_type: string; event_payload: { message_id: string; post_id: string; kind: AraldoMessageKind } } {
  return {
    event_type: ARALDO_EVENT_TYPE,
    event_payload: { message_id: key.messageId, post_id: key.postId ?? '', kind },
  };
}

/** A message in a conversations.history / conversations.replies answer: the fields Araldo reads. */
export const slackMessageSchema = z
  .object({
    ts: z.string().min(1),
    thread_ts: z.string().nullish(),
    user: z.string().nullish(),
    bot_id: z.string().nullish(),
    metadata: z
      .object({ event_type: z.string(), event_payload: z.record(z.string(), z.unknown()).nullish() })
      .loose()
      .nullish(),
  })
  .loose();

/** One page of conversations.history or conversations.replies (slackapi/slack-api-specs' examples). */
export const messagePageSchema = z
  .object({
    messages: z.array(slackMessageSchema).default([]),
    has_more: z.boolean().nullish(),
    response_metadata: z.object({ next_cursor: z.string().nullish() }).loose().nullish(),
  })
  .loose();

/** A message as Araldo reads it from Slack. */
export type SlackMessage = z.infer<typeof slackMessageSchema>;

const araldoPayloadSchema = z
  .object({
    message_id: z.string().min(1),
    post_id: z.string().optional(),
    kind: z.enum(['card', 'thread', 'channel']).optional().catch(undefined),
  })
  .loose();

/** The Araldo mark of a message, or undefined when it carries none (or another app's). */
export function araldoMarkOf(message: SlackMessage): AraldoMark | undefined {
  if (message.metadata?.event_type !== ARALDO_EVENT_TYPE) return undefined;
  const payload = araldoPayloadSchema.safeParse(message.metadata.event_payload);
  if (!payload.success) return undefined;
  return {
    messageId: payload.data.message_id,
    postId: payload.data.post_id || undefined,
    kind: payload.data.kind,
  };
}

/** The `code` of each error @slack/web-api's WebClient throws (its `ErrorCode`). */
const WEB_API_ERROR = {
  request: 'slack_webapi_request_error',
  http: 'slack_webapi_http_error',
  platform: 'slack_webapi_platform_error',
  rateLimited: 'slack_webapi_rate_limited_error',
} as const;

const webApiErrorSchema = z.discriminatedUnion('code', [
  z
    .object({
      code: z.literal(WEB_API_ERROR.platform),
      data: z.object({ error: z.string(), needed: z.string().nullish() }).loose(),
    })
    .loose(),
  z.object({ code: z.literal(WEB_API_ERROR.rateLimited), retryAfter: z.number() }).loose(),
  z.object({ code: z.literal(WEB_API_ERROR.http), statusCode: z.number() }).loose(),
  z.object({ code: z.literal(WEB_API_ERROR.request), original: z.unknown() }).loose(),
]);

/**
 * Platform errors (`{ok:false,error}`) worth trying again: Slack did not do the call, and
 * may next time. Every other code describes the request, the token or the channel, and is
 * `rejected`: a person must act (slackapi/slack-api-specs' error lists, the methods' pages).
 */
const TRANSIENT_PLATFORM_ERRORS: ReadonlySet<string> = new Set([
  'ratelimited',
  'rate_limited',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
  'org_login_required',
]);

/**
 * Platform errors after which the call may have happened all the same: Slack documents both as
 * "It's possible some aspect of the operation succeeded before the error was raised".
 */
const MAYBE_DONE_PLATFORM_ERRORS: ReadonlySet<string> = new Set(['internal_error', 'fatal_error']);

/**
 * Network error codes meaning the request never reached Slack: no connection was made
 * (refused, no such host, no route) or TLS failed before any byte of the request was sent.
 */
const NEVER_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** How long to wait after a 429 that named no Retry-After (Slack always sends one). */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/** `secrets` and anything shaped like a Slack token replaced, so no detail can leak one. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join('[redacted]');
  return out.replace(/\bxox[a-z]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+/g, '[redacted]');
}

/** Codes and names along an error's `cause` chain (and an AggregateError's errors), outermost first. */
function errorTraits(error: unknown, depth = 0): { codes: string[]; names: string[]; messages: string[] } {
  const traits = { codes: [] as string[], names: [] as string[], messages: [] as string[] };
  if (depth > 5 || typeof error !== 'object' || error === null) return traits;
  const { code, name, message, cause, errors } = error as Record<string, unknown>;
  if (typeof code === 'string') traits.codes.push(code);
  if (typeof name === 'string') traits.names.push(name);
  if (typeof message === 'string' && message !== '') traits.messages.push(message);
  for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
    const more = errorTraits(inner, depth + 1);
    traits.codes.push(...more.codes);
    traits.names.push(...more.names);
    traits.messages.push(...more.messages);
  }
  return traits;
}

/** A failed request (no HTTP answer): never sent, or sent and unanswered. */
function fromRequestError(original: unknown, method: string): ChatFailure {
  const { codes, names, messages } = errorTraits(original);
  const said = [...new Set([...codes, ...messages.slice(-1)])].join(', ');
  const neverSent = codes.find((code) => NEVER_SENT_CODES.has(code));
  if (neverSent !== undefined) return { code: 'unavailable', detail: `${method}: not sent (${said})` };
  // Timed out, reset or cut after the request left: Slack may have done it.
  const timedOut = names.includes('TimeoutError') || names.includes('AbortError');
  return {
    code: 'uncertain',
    detail: `${method}: ${timedOut ? 'no answer in time' : 'no answer'} (${said})`,
  };
}

/** A platform error's code as what the outbox does next. */
export function fromPlatformError(error: string, method: string, needed?: string): ChatFailure {
  const detail = `${method}: Slack answered ${error}${needed ? ` (needs ${needed})` : ''}`;
  if (MAYBE_DONE_PLATFORM_ERRORS.has(error)) return { code: 'uncertain', detail };
  if (TRANSIENT_PLATFORM_ERRORS.has(error)) return { code: 'unavailable', detail };
  return { code: 'rejected', detail };
}

/**
 * Whatever a WebClient call threw, as a ChatFailure. The client must run with
 * `rejectRateLimitedCalls: true` and no retries: a 429 then arrives here with its Retry-After,
 * and every other failure is one attempt's. `secrets` (the token) never reach `detail`.
 */
export function toChatFailure(error: unknown, method: string, secrets: readonly string[]): ChatFailure {
  const failure = classify(error, method);
  return { ...failure, detail: redactSecrets(failure.detail, secrets) };
}

function classify(error: unknown, method: string): ChatFailure {
  const parsed = webApiErrorSchema.safeParse(error);
  if (!parsed.success) {
    const message = error instanceof Error ? error.message : String(error);
    // WebClient throws a bare Error for a 429 whose Retry-After it cannot read.
    if (message.startsWith('Retry header did not contain a valid timeout'))
      return {
        code: 'rate_limited',
        retryAfterMs: DEFAULT_RATE_LIMIT_WAIT_MS,
        detail: `${method}: HTTP 429`,
      };
    // Not a WebClient error: a bug somewhere between; the request may have left.
    return { code: 'uncertain', detail: `${method}: ${message}` };
  }
  const e = parsed.data;
  switch (e.code) {
    case WEB_API_ERROR.rateLimited: {
      const retryAfterMs = Math.max(0, e.retryAfter) * 1000;
      return {
        code: 'rate_limited',
        retryAfterMs,
        detail: `${method}: HTTP 429, retry after ${e.retryAfter} s`,
      };
    }
    case WEB_API_ERROR.http:
      // Slack answers 200 or 429; a 5xx (or a proxy's 408) leaves the call's fate unknown.
      return e.statusCode >= 500 || e.statusCode === 408
        ? { code: 'uncertain', detail: `${method}: HTTP ${e.statusCode}` }
        : { code: 'rejected', detail: `${method}: HTTP ${e.statusCode}` };
    case WEB_API_ERROR.platform:
      return fromPlatformError(e.data.error, method, e.data.needed ?? undefined);
    case WEB_API_ERROR.request:
      return fromRequestError(e.original, method);
  }
}

/** The fields of a slash command Araldo reads (Slack's slash command payload). */
export const slashCommandSchema = z.object({
  command: z.string(),
  text: z.string().default('').transform(unescapeSlackText),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  channel_id: z.string().min(1),
  team_id: z.string().optional(),
  trigger_id: z.string().min(1),
});

/** A reaction event's fields Araldo reads (Events API reaction_added / reaction_removed). */
export const reactionEventSchema = z.object({
  type: z.enum(['reaction_added', 'reaction_removed']),
  user: z.string().min(1),
  reaction: z.string().min(1),
  item: z.object({ type: z.string(), channel: z.string().optional(), ts: z.string().optional() }),
});

/**
 * The review action a reaction event's `reaction` stands for, or undefined
 * for any other emoji. Slack names a reaction by its short name, a skin
 * tone after `::` (`white_check_mark::skin-tone-2`); the emoji character
 * itself is read too, as it always has been, so nothing that counted stops counting.
 */
export function fromSlackReaction(reaction: string): ReviewAction | undefined {
  return fromShortName(reaction) ?? fromReviewEmoji(bareReactionName(reaction));
}

/** A message event in a thread (Events API message.channels). */
export const threadMessageSchema = z.object({
  user: z.string().min(1),
  text: z.string().default('').transform(unescapeSlackText),
  channel: z.string().min(1),
  thread_ts: z.string().min(1),
  ts: z.string().min(1),
  subtype: z.string().optional(),
  bot_id: z.string().optional(),
});

/** `app_home_opened`: who opened which tab of the app. */
export const appHomeOpenedSchema = z.object({ user: z.string().min(1), tab: z.string() });

/** A click on a card's button, as Bolt hands it over (`block_actions`): what Araldo reads of it. */
export const cardClickSchema = z.object({
  body: z.object({
    user: z.object({ id: z.string().min(1) }),
    channel: z.object({ id: z.string().min(1) }),
  }),
  action: z.object({ value: z.string().max(40), action_ts: z.string().min(1).max(40) }),
});

/** Callback ids of Araldo's modals. */
export const CALLBACK_IDS = {
  propose: 'araldo_propose',
  edit: 'araldo_edit_modal',
  reschedule: 'araldo_reschedule_modal',
} as const;

/** Block ids of the reschedule modal. */
export const RESCHEDULE_BLOCKS = { date: 'date', time: 'time', when: 'when' } as const;

/** Block ids of the proposal modal; problems are shown under them. */
export const PROPOSE_BLOCKS = {
  text: 'text',
  targets: 'targets',
  date: 'date',
  time: 'time',
  imageUrl: 'image_url',
  imageAlt: 'image_alt',
  urgent: 'urgent',
} as const;

const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });

/** What a modal carries between opening and submission. */
export const modalMetadataSchema = z.object({
  teamId: z.string(),
  channel: z.string(),
  number: z.number().int().optional(),
});

/** The `/propose` modal: text, targets, date and time pickers, image and alt text, urgent. */
export function toProposeModal(
  language: Language,
  targets: readonly { id: string; displayName: string }[],
  metadata: z.infer<typeof modalMetadataSchema>,
  initialText = '',
): Record<string, unknown> {
  const l = language;
  const options = targets.map((target) => ({
    text: plain([...`${target.displayName} (${target.id})`].slice(0, 75).join('')),
    value: target.id,
  }));
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.propose,
    private_metadata: JSON.stringify(metadata),
    title: plain(t(l, 'modal.propose_title')),
    submit: plain(t(l, 'modal.submit')),
    close: plain(t(l, 'modal.cancel')),
    blocks: [
      {
        type: 'input',
        block_id: PROPOSE_BLOCKS.text,
        label: plain(t(l, 'modal.text')),
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          multiline: true,
          ...(initialText ? { initial_value: initialText } : {}),
        },
      },
      {
        type: 'input',
        block_id: PROPOSE_BLOCKS.targets,
        label: plain(t(l, 'modal.targets')),
        element: {
          type: 'multi_static_select',
          action_id: 'value',
          options,
          ...(options.length === 1 ? { initial_options: options } : {}),
        },
      },
      {
        type: 'input',
        block_id: PROPOSE_BLOCKS.date,
        optional: true,
        label: plain(t(l, 'modal.date')),
        element: { type: 'datepicker', action_id: 'value' },
      },
      {
        type: 'input',
        block_id: PROPOSE_BLOCKS.time,
        optional: true,
        label: plain(t(l, 'modal.time')),
        element: { type: 'timepicker', action_id: 'value' },
      },
      {
        type: 'input',
        block_id: PROPOSE_BLOCKS.imageUrl,
        optional: true,
        label: plain(t(l, 'modal.image_url')),
        element: { type: 'url_text_input', action_id: 'value' },
      },
      {
        type: 'input',
        block_id: PROPOSE_BLOCKS.imageAlt,
        optional: true,
        label: plain(t(l, 'modal.image_alt')),
        hint: plain(t(l, 'modal.image_alt_hint')),
        element: { type: 'plain_text_input', action_id: 'value' },
      },
      {
        type: 'input',
        block_id: PROPOSE_BLOCKS.urgent,
        optional: true,
        label: plain(t(l, 'modal.urgent_label')),
        element: {
          type: 'checkboxes',
          action_id: 'value',
          options: [{ text: plain(t(l, 'modal.urgent')), value: 'urgent' }],
        },
      },
    ],
  };
}

/** The edit modal: the post's text, prefilled. */
export function toEditModal(
  language: Language,
  metadata: z.infer<typeof modalMetadataSchema>,
  text: string,
): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.edit,
    private_metadata: JSON.stringify(metadata),
    title: plain(t(language, 'modal.edit_title', { number: metadata.number ?? 0 })),
    submit: plain(t(language, 'modal.submit')),
    close: plain(t(language, 'modal.cancel')),
    blocks: [
      {
        type: 'input',
        block_id: PROPOSE_BLOCKS.text,
        label: plain(t(language, 'modal.text')),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, initial_value: text },
      },
    ],
  };
}

/** A local date and time as Slack's pickers hold them: 'YYYY-MM-DD' and 'HH:MM'. */
function pickerValues(at: Date, timeZone: string): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/**
 * The reschedule modal: date and time pickers (prefilled with the post's
 * time, in the team's zone, when it has one) and a line for the time in
 * words, read by the same reader as `/araldo riprogramma`.
 */
export function toRescheduleModal(
  language: Language,
  metadata: z.infer<typeof modalMetadataSchema>,
  current: { at: Date; timeZone: string } | undefined,
): Record<string, unknown> {
  const l = language;
  const initial = current ? pickerValues(current.at, current.timeZone) : undefined;
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.reschedule,
    private_metadata: JSON.stringify(metadata),
    title: plain(t(l, 'modal.reschedule_title', { number: metadata.number ?? 0 })),
    submit: plain(t(l, 'modal.submit')),
    close: plain(t(l, 'modal.close')),
    blocks: [
      {
        type: 'input',
        block_id: RESCHEDULE_BLOCKS.date,
        optional: true,
        label: plain(t(l, 'modal.reschedule_date')),
        element: {
          type: 'datepicker',
          action_id: 'value',
          ...(initial ? { initial_date: initial.date } : {}),
        },
      },
      {
        type: 'input',
        block_id: RESCHEDULE_BLOCKS.time,
        optional: true,
        label: plain(t(l, 'modal.time')),
        element: {
          type: 'timepicker',
          action_id: 'value',
          ...(initial ? { initial_time: initial.time } : {}),
        },
      },
      {
        type: 'input',
        block_id: RESCHEDULE_BLOCKS.when,
        optional: true,
        label: plain(t(l, 'modal.reschedule_or')),
        hint: plain(t(l, 'modal.reschedule_or_hint')),
        element: { type: 'plain_text_input', action_id: 'value' },
      },
    ],
  };
}

/**
 * The time a submitted reschedule modal asks for, as the time reader takes
 * it: the words when written, else the pickers ('YYYY-MM-DD HH:MM'; a date
 * alone means its morning, a time alone today); undefined when empty. The
 * block to show a refusal under comes with it.
 */
export function fromRescheduleSubmission(
  state: z.infer<typeof viewStateSchema>,
): { when: string; block: string } | undefined {
  const words = (inputOf(state, RESCHEDULE_BLOCKS.when)?.value ?? '').trim();
  if (words !== '') return { when: words, block: RESCHEDULE_BLOCKS.when };
  const date = inputOf(state, RESCHEDULE_BLOCKS.date)?.selected_date ?? undefined;
  const time = inputOf(state, RESCHEDULE_BLOCKS.time)?.selected_time ?? undefined;
  if (date === undefined && time !== undefined)
    return { when: `alle ${time}`, block: RESCHEDULE_BLOCKS.time };
  const when = date && time ? `${date} ${time}` : date;
  return when === undefined ? undefined : { when, block: RESCHEDULE_BLOCKS.date };
}

const stateValue = z
  .object({
    type: z.string(),
    value: z.string().nullish(),
    selected_date: z.string().nullish(),
    selected_time: z.string().nullish(),
    selected_options: z.array(z.object({ value: z.string() })).nullish(),
  })
  .loose();

/** `view.state.values` of a submitted modal (block_id → action_id → state). */
export const viewStateSchema = z.record(z.string(), z.record(z.string(), stateValue));

function inputOf(state: z.infer<typeof viewStateSchema>, block: string) {
  return state[block]?.value;
}

/**
 * The proposal a submitted modal describes, as the core's draft. The date
 * and time pickers become a local "YYYY-MM-DD HH:MM" the time reader takes
 * in the team's zone; a date alone means 09:00, a time alone today.
 */
export function fromProposeSubmission(state: z.infer<typeof viewStateSchema>): ProposalDraft {
  const text = inputOf(state, PROPOSE_BLOCKS.text)?.value ?? '';
  const targets = (inputOf(state, PROPOSE_BLOCKS.targets)?.selected_options ?? []).map((o) => o.value);
  const date = inputOf(state, PROPOSE_BLOCKS.date)?.selected_date ?? undefined;
  const time = inputOf(state, PROPOSE_BLOCKS.time)?.selected_time ?? undefined;
  const imageUrl = (inputOf(state, PROPOSE_BLOCKS.imageUrl)?.value ?? '').trim();
  const imageAlt = (inputOf(state, PROPOSE_BLOCKS.imageAlt)?.value ?? '').trim();
  const urgent = (inputOf(state, PROPOSE_BLOCKS.urgent)?.selected_options ?? []).some(
    (o) => o.value === 'urgent',
  );
  const at = date && time ? `${date} ${time}` : date ? date : time ? `alle ${time}` : undefined;
  return {
    text,
    targets,
    at,
    urgent,
    images: imageUrl ? [{ url: imageUrl, alt: imageAlt }] : [],
  };
}

/** The text typed in the edit modal. */
export function fromEditSubmission(state: z.infer<typeof viewStateSchema>): string {
  return inputOf(state, PROPOSE_BLOCKS.text)?.value ?? '';
}

/** Problems shown under the modal's inputs (`response_action: errors`), several joined per input. */
export function toModalErrors(problems: readonly DraftProblem[]): Record<string, string> {
  const blockOf = {
    text: PROPOSE_BLOCKS.text,
    targets: PROPOSE_BLOCKS.targets,
    images: PROPOSE_BLOCKS.imageUrl,
    at: PROPOSE_BLOCKS.date,
  };
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    const block = blockOf[problem.field];
    errors[block] = errors[block] ? `${errors[block]} ${problem.message}` : problem.message;
  }
  return errors;
}
