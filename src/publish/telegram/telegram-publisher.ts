import type { Logger, Publisher, PublishRequest } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import type { BotApi } from './bot-api.ts';
import { toTelegramMessage } from './message.ts';
import { fromBotApiAnswer, fromMessageProblem, fromRequestError } from './outcome.ts';

/** A Telegram target's settings, resolved from its configuration. */
export interface TelegramPublisherOptions {
  /** the Bot API with the bot's token bound */
  readonly api: BotApi;
  /** the channel: `@username` or its -100… id (channel-ref.ts) */
  readonly chatId: string;
  readonly logger: Logger;
}

/** The shape of an error as logged: its name, code and message with the token taken out. */
function loggable(error: unknown, api: BotApi): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return { message: api.redact(String(error)) };
  const { name, message, code, cause } = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    cause?: unknown;
  };
  const causeOf = cause as { code?: unknown; message?: unknown } | undefined;
  return {
    name: typeof name === 'string' ? name : undefined,
    code: typeof code === 'string' ? code : undefined,
    message: api.redact(String(message ?? '')),
    ...(causeOf && typeof causeOf === 'object'
      ? {
          cause: {
            code: typeof causeOf.code === 'string' ? causeOf.code : undefined,
            message: api.redact(String(causeOf.message ?? '')),
          },
        }
      : {}),
  };
}

/**
 * The `telegram` network: each post becomes one message in a channel, sent
 * by a bot that is one of the channel's administrators: a sendMessage, or a
 * sendPhoto with the text as caption (message.ts). Telegram keeps no
 * idempotency key and a bot cannot read a channel's history, so an attempt
 * whose answer was lost ends `unknown` and the engine asks a person in the
 * thread; nothing is sent twice on Araldo's own initiative.
 */
export class TelegramPublisher implements Publisher {
  readonly idempotent = false;
  readonly #options: TelegramPublisherOptions;

  constructor(options: TelegramPublisherOptions) {
    this.#options = options;
  }

  async publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    const { api, chatId, logger } = this.#options;
    const language = request.team.language;
    const message = toTelegramMessage(request, chatId);
    if (!message.ok) return fromMessageProblem(message.error, language);
    if (signal.aborted) return { kind: 'unavailable', detail: 'the attempt’s time ran out before sending' };
    const imageUrl = message.value.method === 'sendPhoto' ? message.value.params.photo : undefined;
    try {
      const answer = await api.call(message.value.method, message.value.params, signal);
      return fromBotApiAnswer(answer, { language, ...(imageUrl === undefined ? {} : { imageUrl }) });
    } catch (error) {
      const outcome = fromRequestError(error, signal.aborted);
      // Not the error itself: undici may carry the request's URL, which holds the token.
      logger.warn(
        { delivery: request.deliveryId, method: message.value.method, err: loggable(error, api) },
        'telegram request failed',
      );
      return outcome;
    }
  }
}
