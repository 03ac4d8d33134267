import { randomBytes } from 'node:crypto';
import type {
  APIApplicationCommand,
  APIApplicationCommandAutocompleteGuildInteraction,
  APIApplicationCommandInteractionDataBasicOption,
  APIApplicationCommandInteractionDataOption,
  APIAttachment,
  APIChatInputApplicationCommandGuildInteraction,
  APIGuildMember,
  APIInteraction,
  APIMessage,
  APIModalSubmitGuildInteraction,
  APIPublicThreadChannel,
  APIRole,
  APITextChannel,
  APIUser,
  ChannelFlags,
  GatewayGuildCreateDispatchData,
  GatewayMessageReactionAddDispatchData,
  GatewayMessageReactionRemoveDispatchData,
  GuildMemberFlags,
  GuildSystemChannelFlags,
  Locale,
  RoleFlags,
  ThreadAutoArchiveDuration,
} from 'discord.js';
import {
  type DiscordState,
  type FakeAttachment,
  type FakeChannel,
  type FakeCommand,
  type FakeGuild,
  type FakeMember,
  type FakeMessage,
  type FakeRole,
  type FakeUser,
  INTERACTION_TYPE,
} from './state.ts';

// How the fake's records look on the wire. The shapes are Discord's API v10
// objects as the discord-api-types package types them (re-exported by
// discord.js; the types only, so the fake runs no discord.js code), checked
// against https://discord.com/developers/docs/resources/* and
// discord/discord-api-spec. Fields a real answer carries are filled in even
// when discord.js would not miss them, so that an adapter reading them sees
// what Discord sends.

/** The largest upload a bot may send, in bytes: what `attachment_size_limit` says for a guild without boosts. */
const ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

export function userJson(user: FakeUser): APIUser {
  return {
    id: user.id,
    username: user.username,
    // Users that moved to unique usernames have discriminator "0".
    discriminator: '0',
    global_name: user.globalName,
    avatar: null,
    ...(user.bot ? { bot: true } : {}),
  };
}

export function roleJson(role: FakeRole): APIRole {
  return {
    id: role.id,
    name: role.name,
    color: role.color,
    colors: { primary_color: role.color, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.botId !== undefined,
    mentionable: false,
    flags: 0 as RoleFlags,
    ...(role.botId === undefined ? {} : { tags: { bot_id: role.botId } }),
  };
}

export function memberJson(state: DiscordState, member: FakeMember): APIGuildMember {
  const user = state.users.get(member.userId);
  if (!user) throw new Error(`FakeDiscord: member ${member.userId} has no user`);
  return {
    user: userJson(user),
    nick: member.nick,
    avatar: null,
    banner: null,
    roles: [...member.roles],
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  };
}

/**
 * A text channel or thread. `withGuildId` false gives the form inside
 * GUILD_CREATE, where Discord leaves `guild_id` out.
 */
export function channelJson(
  channel: FakeChannel,
  withGuildId = true,
): APITextChannel | APIPublicThreadChannel {
  const common = {
    id: channel.id,
    name: channel.name,
    flags: 0 as ChannelFlags,
    last_message_id: channel.lastMessageId,
    rate_limit_per_user: 0,
    ...(withGuildId ? { guild_id: channel.guildId } : {}),
  };
  if (channel.type === 0) {
    return {
      ...common,
      type: 0,
      position: channel.position,
      permission_overwrites: [],
      parent_id: null,
      topic: channel.topic,
      nsfw: false,
      default_auto_archive_duration: 1440,
      default_thread_rate_limit_per_user: 0,
    };
  }
  return {
    ...common,
    type: 11,
    ...(channel.parentId === null ? {} : { parent_id: channel.parentId }),
    ...(channel.ownerId === undefined ? {} : { owner_id: channel.ownerId }),
    message_count: channel.messageCount,
    total_message_sent: channel.messageCount,
    member_count: 1,
    thread_metadata: {
      archived: false,
      auto_archive_duration: (channel.autoArchiveDuration ?? 1440) as ThreadAutoArchiveDuration,
      archive_timestamp: channel.createdAt,
      locked: false,
      create_timestamp: channel.createdAt,
    },
  };
}

export function attachmentJson(attachment: FakeAttachment): APIAttachment {
  return {
    id: attachment.id,
    filename: attachment.filename,
    size: attachment.size,
    url: attachment.url,
    proxy_url: attachment.url,
    content_type: attachment.contentType,
  };
}

/**
 * A message as the REST API answers it. `forGateway` adds what MESSAGE_CREATE
 * and MESSAGE_UPDATE carry besides: `guild_id` and the author's `member`.
 */
export function messageJson(state: DiscordState, message: FakeMessage, forGateway = false): APIMessage {
  const author = state.users.get(message.authorId);
  if (!author) throw new Error(`FakeDiscord: message ${message.id} has no author`);
  const thread = message.flags & 32 ? state.channel(message.id) : undefined;
  const interaction = message.interactionId ? state.interactions.get(message.interactionId) : undefined;
  const member = state.member(message.guildId, message.authorId);
  const json: APIMessage = {
    id: message.id,
    channel_id: message.channelId,
    author: userJson(author),
    content: message.content,
    timestamp: message.createdAt,
    edited_timestamp: message.editedAt,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: message.attachments.map(attachmentJson),
    embeds: message.embeds as APIMessage['embeds'],
    components: message.components as NonNullable<APIMessage['components']>,
    pinned: false,
    type: message.type,
    flags: message.flags,
    reactions: [...message.reactions].map(([emoji, users]) => ({
      count: users.length,
      count_details: { burst: 0, normal: users.length },
      me: users.includes(state.bot.id),
      me_burst: false,
      burst_colors: [],
      emoji: emojiJson(emoji),
    })),
  };
  if (message.nonce !== undefined) json.nonce = message.nonce;
  if (message.webhookId !== undefined) {
    json.webhook_id = message.webhookId;
    json.application_id = state.applicationId;
  }
  if (interaction) {
    json.interaction_metadata = {
      id: interaction.id,
      type: interaction.type,
      user: userJson(state.users.get(interaction.userId) ?? author),
      authorizing_integration_owners: { '0': interaction.guildId },
    } as NonNullable<APIMessage['interaction_metadata']>;
  }
  if (thread) json.thread = channelJson(thread) as APIPublicThreadChannel;
  if (!forGateway) return json;
  const gateway: APIMessage & { guild_id: string; member?: Omit<APIGuildMember, 'user'> } = {
    ...json,
    guild_id: message.guildId,
  };
  if (member) {
    const { user: _user, ...rest } = memberJson(state, member);
    gateway.member = rest;
  }
  return gateway;
}

/** An emoji key (a unicode character, or `name:id` for a custom one) as Discord's partial emoji. */
export function emojiJson(emoji: string): { id: string | null; name: string } {
  const custom = /^(?:a:)?([^:]+):(\d+)$/.exec(emoji);
  return custom ? { id: custom[2] ?? null, name: custom[1] ?? emoji } : { id: null, name: emoji };
}

/** The GUILD_CREATE a session gets for each of its guilds once READY is out. */
export function guildCreateJson(state: DiscordState, guild: FakeGuild): GatewayGuildCreateDispatchData {
  const channels = [...guild.channels.values()];
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    roles: [...guild.roles.values()].map(roleJson),
    emojis: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: guild.locale as GatewayGuildCreateDispatchData['preferred_locale'],
    public_updates_channel_id: null,
    nsfw_level: 0,
    stickers: [],
    premium_progress_bar_enabled: false,
    hub_type: null,
    safety_alerts_channel_id: null,
    incidents_data: null,
    // What only GUILD_CREATE carries (https://discord.com/developers/docs/events/gateway-events#guild-create).
    joined_at: guild.joinedAt,
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    members: [...guild.members.values()].map((m) => memberJson(state, m)),
    channels: channels.filter((c) => c.type === 0).map((c) => channelJson(c, false)) as APITextChannel[],
    threads: channels.filter((c) => c.type === 11).map((c) => channelJson(c)) as APIPublicThreadChannel[],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function commandJson(state: DiscordState, command: FakeCommand): APIApplicationCommand {
  const definition = command.definition;
  return {
    type: 1,
    description: '',
    options: [],
    default_member_permissions: null,
    nsfw: false,
    ...definition,
    id: command.id,
    application_id: state.applicationId,
    guild_id: command.guildId,
    version: command.version,
  } as unknown as APIApplicationCommand;
}

// ---------------------------------------------------------------------------
// Interactions (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object)

/** A value of a chat input command's option: its type follows from the value. */
export type CommandOptionValue = string | number | boolean | AttachmentInput;

/** A file a user hands to an attachment option. */
export interface AttachmentInput {
  readonly attachment: { readonly filename: string; readonly contentType?: string; readonly size?: number };
}

/** Who acts, where: the user must be a member of the channel's guild. */
export interface InteractionPlace {
  readonly userId: string;
  readonly channelId: string;
}

export interface CommandInput extends InteractionPlace {
  readonly name: string;
  /** a subcommand's name: the options then go inside it */
  readonly subcommand?: string;
  readonly options?: Readonly<Record<string, CommandOptionValue>>;
}

export interface AutocompleteInput extends InteractionPlace {
  readonly name: string;
  readonly subcommand?: string;
  /** the option the user is typing in, and what they typed so far */
  readonly focused: { readonly name: string; readonly value: string };
  readonly options?: Readonly<Record<string, string | number | boolean>>;
}

export interface ModalSubmitInput extends InteractionPlace {
  readonly customId: string;
  /** text inputs by custom id */
  readonly fields: Readonly<Record<string, string>>;
}

/** What every guild interaction carries besides its `type` and `data`. */
type InteractionCommon = Omit<APIChatInputApplicationCommandGuildInteraction, 'type' | 'data'>;

/** The parts every interaction shares, for the user in the channel's guild. */
function interactionBase(
  state: DiscordState,
  place: InteractionPlace,
): { id: string; token: string; guildId: string; json: InteractionCommon } {
  const channel = state.channel(place.channelId);
  if (!channel) throw new Error(`FakeDiscord: no channel ${place.channelId}`);
  const guild = state.guild(channel.guildId);
  const member = state.member(channel.guildId, place.userId);
  if (!guild || !member) throw new Error(`FakeDiscord: ${place.userId} is no member of ${channel.guildId}`);
  const id = state.ids.next();
  const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(24).toString('base64url')}`;
  const permissions = state.permissionsOf(guild.id, place.userId).toString();
  return {
    id,
    token,
    guildId: guild.id,
    json: {
      id,
      application_id: state.applicationId,
      guild_id: guild.id,
      guild: { id: guild.id, locale: guild.locale as Locale, features: [] },
      channel: channelJson(channel),
      channel_id: channel.id,
      member: { ...memberJson(state, member), permissions },
      token,
      version: 1,
      app_permissions: state.permissionsOf(guild.id, state.bot.id).toString(),
      locale: 'en-US' as Locale,
      guild_locale: guild.locale as Locale,
      // discord.js 14 reads both without a guard: an interaction without them crashes the client.
      entitlements: [],
      authorizing_integration_owners: { '0': guild.id },
      context: 0,
      attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
    },
  };
}

export interface BuiltInteraction {
  readonly id: string;
  readonly token: string;
  readonly guildId: string;
  readonly type: (typeof INTERACTION_TYPE)[keyof typeof INTERACTION_TYPE];
  readonly commandName?: string;
  readonly json: APIInteraction;
}

/** A chat input command (type 2, data.type 1); attachment options come with `resolved.attachments`. */
export function commandInteraction(state: DiscordState, input: CommandInput): BuiltInteraction {
  const base = interactionBase(state, input);
  const attachments: Record<string, APIAttachment> = {};
  const options = Object.entries(input.options ?? {}).map(([name, value]) => {
    if (typeof value !== 'object') return basicOption(name, value);
    const id = state.ids.next();
    const { filename, contentType = 'application/octet-stream', size = 1024 } = value.attachment;
    attachments[id] = attachmentJson({
      id,
      filename,
      size,
      contentType,
      url: `https://cdn.discordapp.com/ephemeral-attachments/${input.channelId}/${id}/${encodeURIComponent(filename)}`,
    });
    const option: APIApplicationCommandInteractionDataBasicOption = { name, type: 11, value: id };
    return option;
  });
  const json: APIChatInputApplicationCommandGuildInteraction = {
    ...base.json,
    type: 2,
    data: {
      ...commandData(state, base.guildId, input, options),
      ...(Object.keys(attachments).length > 0 ? { resolved: { attachments } } : {}),
    },
  };
  return { ...base, type: INTERACTION_TYPE.applicationCommand, commandName: input.name, json };
}

/** The `data` of a chat-input command's interaction: the registered command's id, its options. */
function commandData(
  state: DiscordState,
  guildId: string,
  input: { readonly name: string; readonly subcommand?: string | undefined },
  options: APIApplicationCommandInteractionDataBasicOption[],
) {
  const command = state.commandsOf(guildId).find((c) => c.definition.name === input.name);
  return {
    id: command?.id ?? state.ids.next(),
    name: input.name,
    type: 1 as const,
    guild_id: guildId,
    options: nestInSubcommand(input.subcommand, options),
  };
}

/** An autocomplete request (type 4): the focused option carries `focused: true`. */
export function autocompleteInteraction(state: DiscordState, input: AutocompleteInput): BuiltInteraction {
  const base = interactionBase(state, input);
  const options: APIApplicationCommandInteractionDataBasicOption[] = [
    ...Object.entries(input.options ?? {}).map(([name, value]) => basicOption(name, value)),
    { name: input.focused.name, type: 3, value: input.focused.value, focused: true },
  ];
  const json: APIApplicationCommandAutocompleteGuildInteraction = {
    ...base.json,
    type: 4,
    data: commandData(state, base.guildId, input, options),
  };
  return { ...base, type: INTERACTION_TYPE.autocomplete, commandName: input.name, json };
}

/**
 * A modal submit (type 5), its text inputs in action rows: the form Discord
 * sends for modals built of action rows.
 */
export function modalSubmitInteraction(state: DiscordState, input: ModalSubmitInput): BuiltInteraction {
  const base = interactionBase(state, input);
  let componentId = 0;
  const components = Object.entries(input.fields).map(([customId, value]) => {
    componentId += 2;
    return {
      type: 1,
      id: componentId - 1,
      components: [{ type: 4, id: componentId, custom_id: customId, value }],
    };
  });
  const json: APIModalSubmitGuildInteraction = {
    ...base.json,
    type: 5,
    data: { custom_id: input.customId, components },
  };
  return { ...base, type: INTERACTION_TYPE.modalSubmit, json };
}

function basicOption(
  name: string,
  value: string | number | boolean,
): APIApplicationCommandInteractionDataBasicOption {
  if (typeof value === 'string') return { name, type: 3, value };
  if (typeof value === 'boolean') return { name, type: 5, value };
  return Number.isInteger(value) ? { name, type: 4, value } : { name, type: 10, value };
}

function nestInSubcommand(
  subcommand: string | undefined,
  options: APIApplicationCommandInteractionDataBasicOption[],
): APIApplicationCommandInteractionDataOption[] {
  return subcommand === undefined ? options : [{ name: subcommand, type: 1, options }];
}

// ---------------------------------------------------------------------------
// Reactions (https://discord.com/developers/docs/events/gateway-events#message-reaction-add)

export interface ReactionInput {
  readonly userId: string;
  readonly channelId: string;
  readonly messageId: string;
  /** a unicode emoji, or `name:id` for a custom one */
  readonly emoji: string;
}

export function reactionAddJson(
  state: DiscordState,
  input: ReactionInput,
  messageAuthorId: string | undefined,
): GatewayMessageReactionAddDispatchData {
  const channel = state.channel(input.channelId);
  if (!channel) throw new Error(`FakeDiscord: no channel ${input.channelId}`);
  const member = state.member(channel.guildId, input.userId);
  if (!member) throw new Error(`FakeDiscord: ${input.userId} is no member of ${channel.guildId}`);
  return {
    user_id: input.userId,
    channel_id: input.channelId,
    message_id: input.messageId,
    guild_id: channel.guildId,
    member: memberJson(state, member),
    emoji: emojiJson(input.emoji),
    burst: false,
    type: 0,
    ...(messageAuthorId === undefined ? {} : { message_author_id: messageAuthorId }),
  };
}

/** MESSAGE_REACTION_REMOVE carries no member, unlike ADD. */
export function reactionRemoveJson(
  state: DiscordState,
  input: ReactionInput,
): GatewayMessageReactionRemoveDispatchData {
  const channel = state.channel(input.channelId);
  if (!channel) throw new Error(`FakeDiscord: no channel ${input.channelId}`);
  return {
    user_id: input.userId,
    channel_id: input.channelId,
    message_id: input.messageId,
    guild_id: channel.guildId,
    emoji: emojiJson(input.emoji),
    burst: false,
    type: 0,
  };
}
