import { DISCORD_ERRORS } from './errors.ts';
import {
  channelJson,
  messageJson,
  type ReactionInput,
  reactionAddJson,
  reactionRemoveJson,
} from './payloads.ts';
import type { RestUpload, RouteDeps, RouteSpec } from './rest.ts';
import type { DiscordState, FakeAttachment, FakeChannel, FakeMessage, NewMessage } from './state.ts';

// Messages, threads and the bot's own reactions
// (https://discord.com/developers/docs/resources/message,
// https://discord.com/developers/docs/resources/channel#start-thread-from-message).
// Every change is also dispatched, as Discord does to a bot with the
// GUILD_MESSAGES intent: MESSAGE_CREATE, MESSAGE_UPDATE, THREAD_CREATE,
// MESSAGE_REACTION_ADD/REMOVE (the bot's own reactions come back to it too).

/** Discord's limits (https://discord.com/developers/docs/resources/message#create-message-jsonform-params). */
const CONTENT_MAX = 2000;
const NONCE_MAX = 25;
const FLAG_EPHEMERAL = 64;

export function messageRoutes(deps: RouteDeps): RouteSpec[] {
  const { state } = deps;
  return [
    {
      route: 'GET /channels/{channel_id}',
      auth: true,
      handle: ({ params }) => ({ status: 200, body: channelJson(channelOrThrow(state, params.channel_id)) }),
    },
    {
      route: 'POST /channels/{channel_id}/messages',
      auth: true,
      handle: ({ params, body, files }) => {
        const channel = channelOrThrow(state, params.channel_id);
        const fields = asFields(body);
        const nonce = parseNonce(fields.nonce);
        if (nonce !== undefined && fields.enforce_nonce === true) {
          const first = state.messageForNonce(channel.id, nonce);
          if (first) return { status: 200, body: messageJson(state, first) };
        }
        const message = createMessage(deps, channel.id, fields, files, {
          authorId: state.bot.id,
          ...(nonce === undefined ? {} : { nonce }),
        });
        state.rememberNonce(message);
        return { status: 200, body: messageJson(state, message) };
      },
    },
    {
      route: 'GET /channels/{channel_id}/messages/{message_id}',
      auth: true,
      handle: ({ params }) => ({ status: 200, body: messageJson(state, messageOrThrow(state, params)) }),
    },
    {
      route: 'PATCH /channels/{channel_id}/messages/{message_id}',
      auth: true,
      handle: ({ params, body }) => {
        const message = messageOrThrow(state, params);
        // A bot edits only its own messages' content (https://discord.com/developers/docs/resources/message#edit-message).
        if (message.authorId !== state.bot.id) throw DISCORD_ERRORS.missingPermissions();
        editMessage(deps, message, asFields(body));
        return { status: 200, body: messageJson(state, message) };
      },
    },
    {
      route: 'POST /channels/{channel_id}/messages/{message_id}/threads',
      auth: true,
      handle: ({ params, body }) => {
        const message = messageOrThrow(state, params);
        if (state.channel(message.channelId)?.type !== 0) throw DISCORD_ERRORS.wrongChannelType();
        if (state.channel(message.id)) throw DISCORD_ERRORS.threadAlreadyCreated();
        const fields = asFields(body);
        const name = typeof fields.name === 'string' ? fields.name : '';
        if (name.length < 1 || name.length > 100) {
          throw DISCORD_ERRORS.invalidForm(
            'name',
            'BASE_TYPE_BAD_LENGTH',
            'Must be between 1 and 100 in length.',
          );
        }
        const archive =
          typeof fields.auto_archive_duration === 'number' ? fields.auto_archive_duration : 1440;
        const thread = state.createThread(message, name, state.bot.id, archive);
        deps.dispatch('THREAD_CREATE', { ...channelJson(thread), newly_created: true });
        return { status: 201, body: channelJson(thread) };
      },
    },
    {
      route: 'PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me',
      auth: true,
      handle: ({ params }) => {
        const message = messageOrThrow(state, params);
        const emoji = params.emoji ?? '';
        if (!isEmoji(emoji)) throw DISCORD_ERRORS.unknownEmoji();
        if (state.addReaction(message, emoji, state.bot.id)) {
          deps.dispatch(
            'MESSAGE_REACTION_ADD',
            reactionAddJson(state, ownReaction(state, message, emoji), message.authorId),
          );
        }
        return { status: 204 };
      },
    },
    {
      route: 'DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me',
      auth: true,
      handle: ({ params }) => {
        const message = messageOrThrow(state, params);
        const emoji = params.emoji ?? '';
        if (state.removeReaction(message, emoji, state.bot.id)) {
          deps.dispatch(
            'MESSAGE_REACTION_REMOVE',
            reactionRemoveJson(state, ownReaction(state, message, emoji)),
          );
        }
        return { status: 204 };
      },
    },
  ];
}

/** Validates a message body, stores the message, and dispatches MESSAGE_CREATE unless it is ephemeral. */
export function createMessage(
  deps: RouteDeps,
  channelId: string,
  fields: Record<string, unknown>,
  files: readonly RestUpload[],
  extra: Omit<NewMessage, 'content' | 'embeds' | 'components' | 'attachments'>,
  { allowEmpty = false }: { readonly allowEmpty?: boolean } = {},
): FakeMessage {
  const content = typeof fields.content === 'string' ? fields.content : '';
  if (content.length > CONTENT_MAX) {
    throw DISCORD_ERRORS.invalidForm(
      'content',
      'BASE_TYPE_MAX_LENGTH',
      `Must be ${CONTENT_MAX} or fewer in length.`,
    );
  }
  const embeds = Array.isArray(fields.embeds) ? fields.embeds : [];
  const components = Array.isArray(fields.components) ? fields.components : [];
  if (
    !allowEmpty &&
    content.trim() === '' &&
    embeds.length === 0 &&
    components.length === 0 &&
    files.length === 0
  ) {
    throw DISCORD_ERRORS.emptyMessage();
  }
  const flags = (typeof fields.flags === 'number' ? fields.flags : 0) | (extra.flags ?? 0);
  const message = deps.state.createMessage(channelId, {
    ...extra,
    content,
    embeds,
    components,
    attachments: files.map((file) => uploadedAttachment(deps.state, channelId, file)),
    flags,
  });
  deps.events.emit('message', message);
  if ((flags & FLAG_EPHEMERAL) === 0) deps.dispatch('MESSAGE_CREATE', messageJson(deps.state, message, true));
  return message;
}

/** Applies an edit body (content, embeds, components, flags) and dispatches MESSAGE_UPDATE unless ephemeral. */
export function editMessage(deps: RouteDeps, message: FakeMessage, fields: Record<string, unknown>): void {
  if (typeof fields.content === 'string') {
    if (fields.content.length > CONTENT_MAX) {
      throw DISCORD_ERRORS.invalidForm(
        'content',
        'BASE_TYPE_MAX_LENGTH',
        `Must be ${CONTENT_MAX} or fewer in length.`,
      );
    }
    message.content = fields.content;
  }
  if (Array.isArray(fields.embeds)) message.embeds = fields.embeds;
  if (Array.isArray(fields.components)) message.components = fields.components;
  // The first edit of a deferred answer fills it in: the message stops loading (flag 128).
  const wasLoading = (message.flags & 128) !== 0;
  message.flags &= ~128;
  if (!wasLoading) message.editedAt = new Date().toISOString();
  if ((message.flags & FLAG_EPHEMERAL) === 0)
    deps.dispatch('MESSAGE_UPDATE', messageJson(deps.state, message, true));
}

export function asFields(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

function channelOrThrow(state: DiscordState, id: string | undefined): FakeChannel {
  const channel = id === undefined ? undefined : state.channel(id);
  if (!channel) throw DISCORD_ERRORS.unknownChannel();
  return channel;
}

function messageOrThrow(state: DiscordState, params: Readonly<Record<string, string>>): FakeMessage {
  const channel = channelOrThrow(state, params.channel_id);
  const message = params.message_id === undefined ? undefined : state.message(channel.id, params.message_id);
  if (!message) throw DISCORD_ERRORS.unknownMessage();
  return message;
}

/** A nonce is a string of at most 25 characters or an integer; anything else is a form error. */
function parseNonce(value: unknown): string | number | undefined {
  if (value === undefined || value === null) return undefined;
  if ((typeof value === 'string' && value.length <= NONCE_MAX) || Number.isInteger(value)) {
    return value as string | number;
  }
  throw DISCORD_ERRORS.invalidForm(
    'nonce',
    'BASE_TYPE_BAD_LENGTH',
    `Must be ${NONCE_MAX} or fewer in length.`,
  );
}

/** A unicode emoji (no ASCII letters or digits) or `name:id`. */
function isEmoji(value: string): boolean {
  return /^(?:a:)?\w+:\d+$/.test(value) || (value.length > 0 && !/[\x21-\x7e]/.test(value));
}

function uploadedAttachment(state: DiscordState, channelId: string, file: RestUpload): FakeAttachment {
  const id = state.ids.next();
  return {
    id,
    filename: file.filename,
    size: file.size,
    contentType: file.contentType,
    url: `https://cdn.discordapp.com/attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}`,
  };
}

/** The bot's own reaction, as the gateway reports it back to the bot. */
function ownReaction(state: DiscordState, message: FakeMessage, emoji: string): ReactionInput {
  return { userId: state.bot.id, channelId: message.channelId, messageId: message.id, emoji };
}
