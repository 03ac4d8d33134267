import type { PublishRequest } from '../../core/ports.ts';
import { err, ok, type Result } from '../../core/result.ts';

// Bot API (core.telegram.org/bots/api): sendMessage `text` is "1-4096
// characters after entities parsing", sendPhoto `caption` "0-1024 characters
// after entities parsing", characters being UTF-16 code units (the "Formatting
// options" section counts entity offsets and lengths in them). Araldo sends no
// `parse_mode`, so entity parsing removes nothing: the text goes as written and
// its JavaScript length is what Telegram counts.

/** The most UTF-16 units of a text message. */
export const TEXT_LIMIT = 4096;
/** The most UTF-16 units of a photo's caption. */
export const CAPTION_LIMIT = 1024;

/** One Bot API call that publishes a post: its method and parameters. */
export type TelegramMessage =
  | {
      readonly method: 'sendMessage';
      readonly params: { readonly chat_id: string; readonly text: string };
    }
  | {
      readonly method: 'sendPhoto';
      readonly params: { readonly chat_id: string; readonly photo: string; readonly caption?: string };
    };

/** Why a post cannot go to Telegram as one message; checked before sending. */
export type MessageProblem =
  | { readonly code: 'too_long'; readonly used: number; readonly limit: number; readonly caption: boolean }
  | { readonly code: 'too_many_images'; readonly given: number }
  | { readonly code: 'image_not_http'; readonly url: string };

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The one message a post becomes in the channel `chatId`: text alone is a
 * sendMessage; text with its image a sendPhoto, the text as the caption and
 * the image by URL (Telegram downloads it itself: at most 5 MB, docs "Sending
 * files"). Telegram has no field for alt text: it is not sent. No
 * `parse_mode`, so `*`, `_` and `<` stay as written, and no link preview
 * options, so Telegram shows its usual preview of the first link.
 * Or the problem that keeps the post from being one message: over the text or
 * caption limit, more than one image, an image that is no http(s) URL. Pure.
 */
export function toTelegramMessage(
  request: Pick<PublishRequest, 'text' | 'images'>,
  chatId: string,
): Result<TelegramMessage, MessageProblem> {
  const { text, images } = request;
  if (images.length > 1) return err({ code: 'too_many_images', given: images.length });
  const image = images[0];
  const limit = image ? CAPTION_LIMIT : TEXT_LIMIT;
  if (text.length > limit) {
    return err({ code: 'too_long', used: text.length, limit, caption: image !== undefined });
  }
  if (!image) return ok({ method: 'sendMessage', params: { chat_id: chatId, text } });
  if (!isHttpUrl(image.url)) return err({ code: 'image_not_http', url: image.url });
  return ok({
    method: 'sendPhoto',
    params: { chat_id: chatId, photo: image.url, ...(text === '' ? {} : { caption: text }) },
  });
}
