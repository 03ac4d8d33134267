import { z } from 'zod';
import { AppError } from '../../core/app-error.ts';
import { countUtf16 } from '../../core/network-rules.ts';
import type { PublishingNetwork } from '../network-definition.ts';
import { isPrivateHost } from '../private-host.ts';
import { BotApi, DEFAULT_BOT_API_URL } from './bot-api.ts';
import { CHANNEL_REF_HINT, isChannelRef } from './channel-ref.ts';
import { CAPTION_LIMIT, TEXT_LIMIT } from './message.ts';
import { TelegramPublisher } from './telegram-publisher.ts';

// Both come from the environment. The bot token is the secret. The channel is
// no secret, but a target's configuration has no place for a network's own
// settings besides `credentials` (src/config.ts): it goes there too, which
// also keeps it out of the logs (every credential value is redacted).
const credentials = z.strictObject({
  // @BotFather hands out `<bot id>:<35 characters>`; the bounds leave room for change.
  botToken: z
    .string()
    .regex(
      /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/,
      'expected the bot token @BotFather gives: digits, a colon, then about 35 letters, digits, - or _ (123456789:AAH…)',
    ),
  chatId: z.string().refine(isChannelRef, CHANNEL_REF_HINT),
});

// Plain http would put the token, which is in every URL, on the wire: only a
// Bot API server on this machine or on a private network may be reached so
// (a local telegram-bot-api beside Araldo, a compose service name).
/** The Bot API base of a target: its `baseUrl` without trailing slash, or Telegram's. */
function baseUrlOf(targetId: string, baseUrl: string | undefined): string {
  if (baseUrl === undefined) return DEFAULT_BOT_API_URL;
  const url = new URL(baseUrl);
  if (url.protocol === 'http:' && !isPrivateHost(url.hostname)) {
    throw new AppError(
      'config_invalid',
      `target ${targetId}: baseUrl must be https (the bot token travels in every request's address); http only for a Bot API server on this machine or a private network`,
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** A Telegram channel, published to by a bot that is one of its administrators. */
export const telegramNetwork: PublishingNetwork = Object.freeze<PublishingNetwork>({
  name: 'telegram',
  title: 'Telegram',
  credentials,
  // Bot API: sendMessage text 1-4096 characters and sendPhoto caption 0-1024,
  // both "after entities parsing", counted in UTF-16 code units (message.ts).
  // A text over 1024 with an image is refused when proposed, not split into
  // a photo and a second message: one post is one message, with one id and
  // one link. One image, the one sendPhoto carries: sendMediaGroup (2-10)
  // would turn one post into several messages too.
  rules: Object.freeze({
    textLimit: TEXT_LIMIT,
    textLimitWithImage: CAPTION_LIMIT,
    unit: 'utf16',
    requiresImage: false,
    maxImages: 1,
    maxHashtags: undefined,
    carriesAltText: false,
    count: countUtf16,
  }),
  // Bot API FAQ (core.telegram.org/bots/faq, "My bot is hitting limits"): at
  // most 20 messages a minute to one group, which bot libraries apply to
  // channels too; networks.md: a 429 carries parameters.retry_after.
  pacing: Object.freeze({ minIntervalMs: 3_000, maxInFlight: 1 }),
  // networks.md: no idempotency; a retry after a crash could post twice.
  idempotent: false,
  create: (target, context) => {
    const parsed = credentials.safeParse(target.credentials);
    if (!parsed.success) {
      // Configuration checked these fields: only a target built by hand gets here.
      throw new AppError(
        'config_invalid',
        `target ${target.id}: telegram needs credentials botToken and chatId`,
      );
    }
    const api = new BotApi({
      baseUrl: baseUrlOf(target.id, target.baseUrl),
      token: parsed.data.botToken,
      ...(context.fetch ? { fetch: context.fetch } : {}),
    });
    return new TelegramPublisher({ api, chatId: parsed.data.chatId, logger: context.logger });
  },
});
