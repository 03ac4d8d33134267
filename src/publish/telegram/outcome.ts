import { z } from 'zod';
import type { Language } from '../../core/language.ts';
import type { PublishOutcome, RejectionCode } from '../../core/publish-outcome.ts';
import { oneLine, parseJson } from '../answer-text.ts';
import { describeRequestError } from '../request-error.ts';
import type { BotApiAnswer } from './bot-api.ts';
import { linkIdOf } from './channel-ref.ts';
import type { MessageProblem } from './message.ts';

// Bot API answers (core.telegram.org/bots/api#making-requests): always JSON,
// `{"ok":true,"result":…}` or `{"ok":false,"error_code":N,"description":"…",
// "parameters":{…}}`, the HTTP status equal to `error_code`. The descriptions
// matched below are the ones the Bot API server writes (github.com/tdlib/
// telegram-bot-api, Client.cpp: "Forbidden: bot is not a member of the channel
// chat", "Bad Request: chat not found", "Failed to get HTTP URL content",
// "Wrong type of the web page content", "Too Many Requests: retry after N")
// and the ones collected from real answers (github.com/TelegramBotAPI/errors;
// "Bad Request: need administrator rights in the channel chat" when the bot
// lacks the "Post messages" right, teloxide/teloxide#450).

/** Wait when a 429 says nothing of how long. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;
/** A wait beyond this is taken as this: a typo must not park a target for weeks. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

type Words = Readonly<Record<Language, string>>;

// The team's words for what Araldo knows better than Telegram says it:
// shown inside the failure code's words (core/i18n, `failure.*`).
const POST_MESSAGES_RIGHT: Words = {
  it: 'il permesso «Pubblica messaggi»',
  en: 'the “Post messages” right',
};
const NOT_A_MEMBER: Words = {
  it: `il bot non è nel canale: aggiungilo agli amministratori del canale con ${POST_MESSAGES_RIGHT.it}`,
  en: `the bot is not in the channel: add it to the channel's administrators with ${POST_MESSAGES_RIGHT.en}`,
};
const KICKED: Words = {
  it: `il bot è stato rimosso dal canale: aggiungilo di nuovo agli amministratori con ${POST_MESSAGES_RIGHT.it}`,
  en: `the bot was removed from the channel: add it to the administrators again with ${POST_MESSAGES_RIGHT.en}`,
};
const NO_POST_RIGHT: Words = {
  it: `il bot è nel canale ma senza ${POST_MESSAGES_RIGHT.it}: concediglielo tra i permessi di amministratore`,
  en: `the bot is in the channel without ${POST_MESSAGES_RIGHT.en}: grant it among its administrator rights`,
};
const CHAT_NOT_FOUND: Words = {
  it: "Telegram non trova il canale di chatId: controlla lo @username, o per un canale privato l'id -100…, e che il bot ne sia amministratore",
  en: 'Telegram does not find the channel in chatId: check the @username, or for a private channel the -100… id, and that the bot is one of its administrators',
};
const NOT_A_CHANNEL: Words = {
  it: 'chatId indica una persona o un bot, non un canale',
  en: 'chatId names a person or a bot, not a channel',
};
const NO_BOT_API: Words = {
  it: 'a questo indirizzo non risponde la Bot API di Telegram (HTTP 404): controlla baseUrl e il token',
  en: 'no Telegram Bot API answers at this address (HTTP 404): check baseUrl and the token',
};

function migrated(language: Language, id: number): string {
  return language === 'it'
    ? `il gruppo è diventato un supergruppo, con id ${id}: scrivi questo id in chatId`
    : `the group became a supergroup, with id ${id}: put this id in chatId`;
}

function redirected(language: Language, status: number): string {
  return language === 'it'
    ? `l'indirizzo della Bot API rimanda altrove (HTTP ${status}): indica in baseUrl quello finale`
    : `the Bot API address redirects (HTTP ${status}): put the final address in baseUrl`;
}

function otherStatus(language: Language, status: number, reason: string | undefined): string {
  const words = reason === undefined ? '' : `: ${reason}`;
  return language === 'it'
    ? `Telegram ha risposto HTTP ${status}${words}`
    : `Telegram answered HTTP ${status}${words}`;
}

function imageRefused(language: Language, url: string | undefined, reason: string): string {
  const image = url === undefined ? '' : ` ${url}`;
  return language === 'it'
    ? `Telegram non ha potuto usare l'immagine${image} (${reason})`
    : `Telegram could not use the image${image} (${reason})`;
}

/** The team's words for a post that cannot be one Telegram message. Pure. */
function describeProblem(problem: MessageProblem, language: Language): string {
  const it = language === 'it';
  switch (problem.code) {
    case 'too_long':
      if (problem.caption) {
        return it
          ? `su Telegram il testo di un post con immagine può avere al massimo ${problem.limit} caratteri (le emoji ne valgono 2), questo ne ha ${problem.used}: accorcialo o togli l'immagine`
          : `on Telegram the text of a post with an image may have at most ${problem.limit} UTF-16 units, this one has ${problem.used}: shorten it or remove the image`;
      }
      return it
        ? `su Telegram un testo può avere al massimo ${problem.limit} caratteri (le emoji ne valgono 2), questo ne ha ${problem.used}`
        : `on Telegram a text may have at most ${problem.limit} UTF-16 units, this one has ${problem.used}`;
    case 'too_many_images':
      return it
        ? `Telegram pubblica una sola immagine per post, qui ce ne sono ${problem.given}`
        : `Telegram publishes one image per post, this one has ${problem.given}`;
    case 'image_not_http':
      return it
        ? `l'indirizzo dell'immagine non è http o https: ${problem.url}`
        : `the image's address is not http or https: ${problem.url}`;
  }
}

/** The outcome of a post refused before sending (message.ts), in the team's words. Pure. */
export function fromMessageProblem(problem: MessageProblem, language: Language): PublishOutcome {
  const reason = describeProblem(problem, language);
  return {
    kind: 'rejected',
    code: problem.code === 'image_not_http' ? 'media_unreachable' : 'content_refused',
    detail: `not sent: ${describeProblem(problem, 'en')}`,
    networkReason: reason,
  };
}

// What Araldo reads in an answer: loose, Telegram adds fields over time.
const answerBody = z.looseObject({
  ok: z.boolean(),
  result: z.unknown().optional(),
  error_code: z.number().optional().catch(undefined),
  description: z.string().optional().catch(undefined),
  parameters: z
    .looseObject({
      retry_after: z.number().nonnegative().optional().catch(undefined),
      migrate_to_chat_id: z.number().int().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

// A sent Message (core.telegram.org/bots/api#message): ids fit in a double
// ("at most 52 significant bits"), so JSON.parse keeps them exact.
const sentMessage = z.looseObject({
  message_id: z.number().int().positive(),
  chat: z.looseObject({
    id: z.number().int(),
    title: z.string().optional().catch(undefined),
    username: z.string().optional().catch(undefined),
  }),
});

/** A channel's username as t.me accepts it in a link. */
const USERNAME = /^[A-Za-z][A-Za-z0-9_]{3,31}$/;

/** Telegram's description without its status prefix: "Bad Request: chat not found" → "chat not found". */
function reasonOf(description: string | undefined): string | undefined {
  if (description === undefined) return undefined;
  return oneLine(description.replace(/^(Bad Request|Forbidden|Unauthorized|Too Many Requests): /, ''));
}

/**
 * Where the thread points for a sent message: its t.me page when the channel
 * is public (`https://t.me/<username>/<message id>`); for a private channel,
 * which has no public address, a note in the team's words naming the channel
 * and the message, with the link that opens it for the channel's members.
 */
export function publishedFrom(message: z.infer<typeof sentMessage>, language: Language): PublishOutcome {
  const remoteId = `${message.chat.id}:${message.message_id}`;
  const { username } = message.chat;
  if (username !== undefined && USERNAME.test(username)) {
    return { kind: 'published', remoteId, url: `https://t.me/${username}/${message.message_id}` };
  }
  const title = oneLine(message.chat.title ?? '') ?? String(message.chat.id);
  const linkId = linkIdOf(message.chat.id);
  const link = linkId === undefined ? undefined : `https://t.me/c/${linkId}/${message.message_id}`;
  const url =
    language === 'it'
      ? `messaggio ${message.message_id} nel canale privato «${title}», che non ha un indirizzo pubblico${link ? ` (chi è iscritto lo apre da ${link})` : ''}`
      : `message ${message.message_id} in the private channel "${title}", which has no public address${link ? ` (members open it at ${link})` : ''}`;
  return { kind: 'published', remoteId, url };
}

/** Seconds to wait from `parameters.retry_after`, else `Retry-After`, else the description; in ms, bounded. */
function waitOf(
  retryAfter: number | undefined,
  header: string | null,
  description: string | undefined,
): number | undefined {
  let seconds = retryAfter;
  if (seconds === undefined && header !== null && /^\s*\d+\s*$/.test(header)) seconds = Number(header);
  const said = description?.match(/retry after (\d+)/i)?.[1];
  if (seconds === undefined && said !== undefined) seconds = Number(said);
  return seconds === undefined ? undefined : Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
}

/** What the answer to one publishing call is about, besides its status. */
export interface AnswerContext {
  readonly language: Language;
  /** the image the call sent, if any: named when Telegram refuses it */
  readonly imageUrl?: string;
}

const PHOTO_TROUBLE =
  /HTTP URL|wrong file identifier|web page content|file is too big|can't upload file|IMAGE_PROCESS_FAILED|PHOTO_|WEBPAGE_|invalid file/i;
const NO_RIGHTS =
  /need administrator rights|not enough rights|have no rights|CHAT_WRITE_FORBIDDEN|CHAT_ADMIN_REQUIRED|CHAT_SEND_\w+_FORBIDDEN/i;
const NO_CHAT =
  /chat not found|chat_id is empty|PEER_ID_INVALID|CHANNEL_PRIVATE|CHANNEL_INVALID|deactivated/i;
const NOT_A_CHANNEL_ANSWER =
  /blocked by the user|initiate conversation|send messages to bots|user is deactivated/i;

/**
 * The outcome of an answered call (sendMessage or sendPhoto):
 * - `ok: true` with the sent Message → published (publishedFrom); a 2xx that
 *   is no such answer → unknown (it may have been sent, nothing says where);
 * - 401 → token_revoked (the token was revoked or regenerated at @BotFather);
 * - 403 "bot is not a member" / "bot was kicked" → permission_missing; 403 about
 *   a user (blocked, can't initiate) → misconfigured (chatId is no channel);
 * - 400 "need administrator rights" / "not enough rights" → permission_missing;
 *   "chat not found" → misconfigured; `migrate_to_chat_id` → misconfigured
 *   naming the new id; an image Telegram could not fetch or use →
 *   media_unreachable; any other 400 ("message is too long", "message caption
 *   is too long", "message text is empty"…) → content_refused with its words;
 * - 429 → rate_limited for `parameters.retry_after` (else `Retry-After`, else a
 *   minute; at most a day);
 * - 404 and redirects → misconfigured (no Bot API at baseUrl);
 * - 504 → unknown: a gateway gave up waiting for the Bot API, which may have
 *   sent the message; other 5xx → unavailable.
 * Pure.
 */
export function fromBotApiAnswer(answer: BotApiAnswer, context: AnswerContext): PublishOutcome {
  const { language } = context;
  const parsed = answerBody.safeParse(parseJson(answer.body));
  const body = parsed.success ? parsed.data : undefined;
  const status = answer.status;
  if (status >= 200 && status < 300) {
    const message = body?.ok ? sentMessage.safeParse(body.result) : undefined;
    if (message?.success) return publishedFrom(message.data, language);
    return {
      kind: 'unknown',
      detail: `Telegram answered HTTP ${status} without a readable message: it may be in the channel`,
    };
  }
  const description = body?.description;
  const reason = reasonOf(description);
  const because = description === undefined ? '' : `: ${oneLine(description)}`;
  const refused = (
    code: RejectionCode,
    detail: string,
    networkReason: string | undefined,
  ): PublishOutcome => ({
    kind: 'rejected',
    code,
    detail,
    ...(networkReason === undefined ? {} : { networkReason }),
  });
  if (status >= 300 && status < 400) {
    return refused(
      'misconfigured',
      `the Bot API answered ${status} (a redirect)`,
      redirected(language, status),
    );
  }
  if (status === 401) {
    return refused(
      'token_revoked',
      `Telegram refused the bot token (HTTP 401${because}): revoked or regenerated at @BotFather, or the bot was deleted`,
      undefined,
    );
  }
  if (status === 404)
    return refused('misconfigured', `no Bot API method here (HTTP 404${because})`, NO_BOT_API[language]);
  if (status === 429) {
    const wait = waitOf(body?.parameters?.retry_after, answer.retryAfter, description);
    return {
      kind: 'rate_limited',
      retryAfterMs: wait ?? DEFAULT_RATE_LIMIT_WAIT_MS,
      detail: `Telegram asks to slow down (HTTP 429${wait === undefined ? ', no retry_after' : `, retry after ${wait / 1000} s`})`,
    };
  }
  // A gateway's 502 or 504 comes after it forwarded the request: Telegram may
  // have posted the message, and with no idempotency it must not go again blindly.
  if (status === 502 || status === 504) {
    return {
      kind: 'unknown',
      detail:
        status === 504
          ? `a gateway timed out waiting for the Bot API (HTTP 504): the message may be in the channel`
          : `a gateway got no valid answer from the Bot API (HTTP 502): the message may be in the channel`,
    };
  }
  if (status >= 500) return { kind: 'unavailable', detail: `the Bot API failed (HTTP ${status}${because})` };
  const text = description ?? '';
  const newId = body?.parameters?.migrate_to_chat_id;
  if (newId !== undefined) {
    return refused(
      'misconfigured',
      `the chat moved to ${newId} (HTTP ${status}${because})`,
      migrated(language, newId),
    );
  }
  if (status === 403) {
    if (/not a member/i.test(text)) {
      return refused(
        'permission_missing',
        `the bot is not in the channel (HTTP 403${because})`,
        NOT_A_MEMBER[language],
      );
    }
    if (/kicked/i.test(text)) {
      return refused(
        'permission_missing',
        `the bot was removed from the channel (HTTP 403${because})`,
        KICKED[language],
      );
    }
    if (NOT_A_CHANNEL_ANSWER.test(text)) {
      return refused('misconfigured', `chatId is no channel (HTTP 403${because})`, NOT_A_CHANNEL[language]);
    }
    if (NO_RIGHTS.test(text)) {
      return refused(
        'permission_missing',
        `the bot may not post (HTTP 403${because})`,
        NO_POST_RIGHT[language],
      );
    }
    return refused('permission_missing', `Telegram forbids it (HTTP 403${because})`, reason);
  }
  if (status === 400) {
    if (NO_RIGHTS.test(text)) {
      return refused(
        'permission_missing',
        `the bot may not post (HTTP 400${because})`,
        NO_POST_RIGHT[language],
      );
    }
    if (NO_CHAT.test(text))
      return refused('misconfigured', `no such channel (HTTP 400${because})`, CHAT_NOT_FOUND[language]);
    if (PHOTO_TROUBLE.test(text)) {
      return refused(
        'media_unreachable',
        `Telegram could not use the image (HTTP 400${because})`,
        imageRefused(language, context.imageUrl, reason ?? 'HTTP 400'),
      );
    }
    return refused('content_refused', `Telegram refused the message (HTTP 400${because})`, reason);
  }
  return refused(
    'misconfigured',
    `the Bot API answered HTTP ${status}${because}`,
    otherStatus(language, status, reason),
  );
}

/**
 * The outcome of a call that got no answer: `unavailable` when the
 * connection was never made (nothing sent), `unknown` otherwise (a reset, a
 * closed socket, or the attempt's time running out after the request may
 * have left): Telegram has no idempotency key, so only a person can tell
 * whether the message is in the channel. `aborted`: the attempt's signal had
 * fired. Pure; the detail names codes only, never a URL (it holds the token).
 */
export function fromRequestError(error: unknown, aborted: boolean): PublishOutcome {
  const failure = describeRequestError(error);
  if (failure.notSent)
    return { kind: 'unavailable', detail: `could not reach the Bot API (${failure.code})` };
  const name = (error as { name?: unknown } | null)?.name;
  if (aborted || name === 'AbortError' || name === 'TimeoutError') {
    return {
      kind: 'unknown',
      detail: 'no answer within the attempt’s time: the message may be in the channel',
    };
  }
  return {
    kind: 'unknown',
    detail: `the connection broke before an answer (${failure.code}): the message may be in the channel`,
  };
}
