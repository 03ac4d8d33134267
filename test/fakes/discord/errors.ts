// Discord's error answers: an HTTP status and a JSON body `{message, code}`
// (plus `errors` for a form), from
// https://discord.com/developers/docs/topics/opcodes-and-status-codes#json.
// discord.js turns any 4xx into a DiscordAPIError carrying `code`.

/** A 4xx a REST handler throws: answered as Discord's JSON error body. */
export class DiscordApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly errors: unknown;

  constructor(status: number, code: number, message: string, errors?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }

  /** the JSON body Discord answers */
  get body(): Record<string, unknown> {
    return {
      message: this.message,
      code: this.code,
      ...(this.errors === undefined ? {} : { errors: this.errors }),
    };
  }
}

/** The errors the fake answers, named for the cause; the codes are Discord's. */
export const DISCORD_ERRORS = {
  unauthorized: () => new DiscordApiError(401, 0, '401: Unauthorized'),
  notFound: () => new DiscordApiError(404, 0, '404: Not Found'),
  unknownChannel: () => new DiscordApiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => new DiscordApiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => new DiscordApiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => new DiscordApiError(404, 10008, 'Unknown Message'),
  unknownEmoji: () => new DiscordApiError(400, 10014, 'Unknown Emoji'),
  unknownWebhook: () => new DiscordApiError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => new DiscordApiError(404, 10062, 'Unknown interaction'),
  missingAccess: () => new DiscordApiError(403, 50001, 'Missing Access'),
  alreadyAcknowledged: () => new DiscordApiError(400, 40060, 'Interaction has already been acknowledged.'),
  emptyMessage: () => new DiscordApiError(400, 50006, 'Cannot send an empty message'),
  missingPermissions: () => new DiscordApiError(403, 50013, 'Missing Permissions'),
  wrongChannelType: () => new DiscordApiError(400, 50024, 'Cannot execute action on this channel type'),
  threadAlreadyCreated: () =>
    new DiscordApiError(400, 160004, 'A thread has already been created for this message'),
  /** 50035 with Discord's nested `errors`: `field` is a dotted path, as `data.content` */
  invalidForm: (field: string, code: string, message: string) =>
    new DiscordApiError(400, 50035, 'Invalid Form Body', nestError(field.split('.'), { code, message })),
} as const;

function nestError(path: readonly string[], error: { code: string; message: string }): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return { _errors: [error] };
  return { [head]: nestError(rest, error) };
}
