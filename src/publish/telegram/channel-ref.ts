// How a target names its channel for the Bot API's `chat_id` ("Unique
// identifier for the target chat or username of the target channel (in the
// format @channelusername)", core.telegram.org/bots/api#sendmessage):
// - a public channel by its username: `@` and 4 to 32 letters, digits or
//   underscores, starting with a letter (5 is the usual minimum; 4-letter
//   collectible usernames exist);
// - any channel, private ones included, by its numeric id: in the Bot API a
//   channel's id is -100 followed by its MTProto id (core.telegram.org/api/bots/ids).

const USERNAME = /^@[A-Za-z][A-Za-z0-9_]{3,31}$/;
const CHANNEL_ID = /^-100\d{1,16}$/;

/** What a configuration message says of a channel reference it cannot use; never quotes it. */
export const CHANNEL_REF_HINT =
  "expected the channel's public @username (e.g. @comune_bolzano) or, for a private channel, its numeric id: -100 and digits (e.g. -1001234567890)";

/** True when `value` is a channel reference the Bot API takes as `chat_id`. Pure. */
export function isChannelRef(value: string): boolean {
  return USERNAME.test(value) || CHANNEL_ID.test(value);
}

/**
 * The id people use in `https://t.me/c/<id>/<message>` links (links to a
 * private channel's messages, which open for its members only): the Bot API
 * id without its -100; undefined for any other id. Pure.
 */
export function linkIdOf(chatId: number | string): string | undefined {
  const text = String(chatId);
  return CHANNEL_ID.test(text) ? text.slice('-100'.length) : undefined;
}
