import type { APIInteraction } from 'discord.js';
import type { Snowflakes } from './snowflakes.ts';

// What the fake Discord holds: guilds with their channels, roles and members,
// the users behind the members, messages and threads, registered commands,
// and the interactions it dispatched. Plain records, changed only through
// DiscordState's methods so that every rule (a thread takes its starter
// message's id, a nonce is answered once) lives in one place. How a record
// looks on the wire is payloads.ts's business.

/** A user the fake knows: a member of some guild, or the bot. */
export interface FakeUser {
  readonly id: string;
  readonly username: string;
  readonly globalName: string | null;
  readonly bot: boolean;
}

/** A role of a guild; the guild's `@everyone` role has the guild's id. */
export interface FakeRole {
  readonly id: string;
  readonly guildId: string;
  readonly name: string;
  readonly permissions: bigint;
  readonly color: number;
  readonly position: number;
  /** set on the role Discord makes for a bot when it joins */
  readonly botId?: string;
}

/** A user's membership of a guild. */
export interface FakeMember {
  readonly guildId: string;
  readonly userId: string;
  roles: string[];
  readonly nick: string | null;
  readonly joinedAt: string;
}

/** A text channel of a guild (type 0) or a public thread in one (type 11). */
export interface FakeChannel {
  readonly id: string;
  readonly guildId: string;
  readonly type: 0 | 11;
  readonly name: string;
  readonly topic: string | null;
  readonly position: number;
  /** the text channel a thread is in; null for a text channel */
  readonly parentId: string | null;
  /** who started a thread */
  readonly ownerId?: string;
  readonly autoArchiveDuration?: number;
  readonly createdAt: string;
  messageCount: number;
  lastMessageId: string | null;
}

/** A guild and what is in it. */
export interface FakeGuild {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly locale: string;
  readonly channels: Map<string, FakeChannel>;
  readonly roles: Map<string, FakeRole>;
  readonly members: Map<string, FakeMember>;
  readonly joinedAt: string;
}

/** A file attached to a message or handed to a command's attachment option. */
export interface FakeAttachment {
  readonly id: string;
  readonly filename: string;
  readonly size: number;
  readonly contentType: string;
  readonly url: string;
}

/** A message in a channel or thread, as the fake keeps it. */
export interface FakeMessage {
  readonly id: string;
  readonly channelId: string;
  readonly guildId: string;
  readonly authorId: string;
  content: string;
  embeds: unknown[];
  components: unknown[];
  readonly attachments: FakeAttachment[];
  /** Discord's message flags: 64 ephemeral, 128 loading (a deferred reply), 32 has a thread */
  flags: number;
  /** 0 default, 20 the answer to a chat input command */
  readonly type: number;
  readonly nonce?: string | number;
  readonly createdAt: string;
  editedAt: string | null;
  /** emoji (a unicode character, or `name:id`) → the users who reacted with it, in order */
  readonly reactions: Map<string, string[]>;
  /** set on messages sent as an interaction's answer */
  readonly webhookId?: string;
  readonly interactionId?: string;
}

/** An application command, as registered (ids assigned by the fake). */
export interface FakeCommand {
  readonly id: string;
  readonly guildId: string;
  readonly version: string;
  /** the command as the bot sent it, without the fields the fake assigns */
  readonly definition: Readonly<Record<string, unknown>>;
}

/** Interaction types: https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-interaction-type */
export const INTERACTION_TYPE = {
  ping: 1,
  applicationCommand: 2,
  messageComponent: 3,
  autocomplete: 4,
  modalSubmit: 5,
} as const;

/** An interaction the fake dispatched, and how the bot answered it. */
export interface FakeInteraction {
  readonly id: string;
  readonly token: string;
  readonly type: (typeof INTERACTION_TYPE)[keyof typeof INTERACTION_TYPE];
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  /** the command's name, for application commands and autocomplete */
  readonly commandName?: string;
  /** ms since the epoch */
  readonly createdAt: number;
  /** the JSON dispatched in INTERACTION_CREATE */
  readonly payload: APIInteraction;
  /** the type of the callback that acknowledged it; undefined until one did */
  acknowledgedWith?: number;
  /** the message of a type 4 or 5 callback */
  originalMessageId?: string;
  readonly followUpIds: string[];
}

/** One interaction callback the bot sent (POST /interactions/{id}/{token}/callback). */
export interface FakeCallback {
  readonly interactionId: string;
  readonly type: number;
  readonly data: Readonly<Record<string, unknown>> | undefined;
  readonly at: number;
}

/** Permission bits used by the defaults (https://discord.com/developers/docs/topics/permissions). */
export const PERMISSIONS = {
  administrator: 1n << 3n,
  addReactions: 1n << 6n,
  viewChannel: 1n << 10n,
  sendMessages: 1n << 11n,
  embedLinks: 1n << 14n,
  attachFiles: 1n << 15n,
  readMessageHistory: 1n << 16n,
  useApplicationCommands: 1n << 31n,
  createPublicThreads: 1n << 35n,
  sendMessagesInThreads: 1n << 38n,
} as const;

/** What `@everyone` may do in a new guild, near enough Discord's default. */
export const EVERYONE_PERMISSIONS =
  PERMISSIONS.addReactions |
  PERMISSIONS.viewChannel |
  PERMISSIONS.sendMessages |
  PERMISSIONS.embedLinks |
  PERMISSIONS.attachFiles |
  PERMISSIONS.readMessageHistory |
  PERMISSIONS.useApplicationCommands |
  PERMISSIONS.createPublicThreads |
  PERMISSIONS.sendMessagesInThreads;

export interface UserInput {
  readonly id?: string;
  readonly username: string;
  readonly globalName?: string | null;
  readonly bot?: boolean;
}

export interface RoleInput {
  readonly id?: string;
  readonly name: string;
  /** default: none beyond `@everyone`'s */
  readonly permissions?: bigint;
  readonly color?: number;
}

export interface MemberInput {
  readonly user: UserInput;
  /** role ids; `@everyone` is implied, as on Discord */
  readonly roles?: readonly string[];
  readonly nick?: string;
}

export interface ChannelInput {
  readonly id?: string;
  readonly name: string;
  readonly topic?: string;
}

export interface GuildInput {
  readonly id?: string;
  readonly name: string;
  readonly channels?: readonly ChannelInput[];
  readonly roles?: readonly RoleInput[];
  readonly members?: readonly MemberInput[];
  /** default: the first member's user, else the bot */
  readonly ownerId?: string;
  /** the guild's preferred locale; default en-US */
  readonly locale?: string;
}

/** Fields of a new message; the rest the state fills in. */
export interface NewMessage {
  readonly authorId: string;
  readonly content?: string;
  readonly embeds?: unknown[];
  readonly components?: unknown[];
  readonly attachments?: FakeAttachment[];
  readonly flags?: number;
  readonly type?: number;
  readonly nonce?: string | number;
  readonly webhookId?: string;
  readonly interactionId?: string;
}

/** The guilds, users, messages, commands and interactions of one fake Discord. */
export class DiscordState {
  readonly guilds = new Map<string, FakeGuild>();
  readonly users = new Map<string, FakeUser>();
  readonly messages = new Map<string, FakeMessage>();
  readonly commands: FakeCommand[] = [];
  readonly interactions = new Map<string, FakeInteraction>();
  readonly callbacks: FakeCallback[] = [];
  readonly ids: Snowflakes;
  readonly bot: FakeUser;
  readonly applicationId: string;
  /** `channel:nonce` → the message first sent with it, and when */
  readonly #nonces = new Map<string, { messageId: string; at: number }>();
  readonly #nonceWindowMs: number;

  constructor(options: { ids: Snowflakes; bot: FakeUser; applicationId: string; nonceWindowMs: number }) {
    this.ids = options.ids;
    this.bot = options.bot;
    this.applicationId = options.applicationId;
    this.#nonceWindowMs = options.nonceWindowMs;
    this.users.set(this.bot.id, this.bot);
  }

  /** Adds a guild with its `@everyone` role, the bot as a member with its managed role, and `input`'s contents. */
  addGuild(input: GuildInput): FakeGuild {
    const id = input.id ?? this.ids.next();
    const firstMember = input.members?.[0]?.user;
    const now = new Date().toISOString();
    const guild: FakeGuild = {
      id,
      name: input.name,
      ownerId: input.ownerId ?? firstMember?.id ?? this.bot.id,
      locale: input.locale ?? 'en-US',
      channels: new Map(),
      roles: new Map(),
      members: new Map(),
      joinedAt: now,
    };
    this.guilds.set(id, guild);
    guild.roles.set(id, {
      id,
      guildId: id,
      name: '@everyone',
      permissions: EVERYONE_PERMISSIONS,
      color: 0,
      position: 0,
    });
    const botRole = this.addRole(
      id,
      { name: this.bot.username, permissions: EVERYONE_PERMISSIONS },
      this.bot.id,
    );
    this.addMember(id, { user: this.bot, roles: [botRole.id] });
    for (const role of input.roles ?? []) this.addRole(id, role);
    for (const channel of input.channels ?? []) this.addChannel(id, channel);
    for (const member of input.members ?? []) this.addMember(id, member);
    return guild;
  }

  guild(id: string): FakeGuild | undefined {
    return this.guilds.get(id);
  }

  /** Adds a role above the existing ones. */
  addRole(guildId: string, input: RoleInput, botId?: string): FakeRole {
    const guild = this.#guildOrThrow(guildId);
    const role: FakeRole = {
      id: input.id ?? this.ids.next(),
      guildId,
      name: input.name,
      permissions: input.permissions ?? 0n,
      color: input.color ?? 0,
      position: guild.roles.size,
      ...(botId === undefined ? {} : { botId }),
    };
    guild.roles.set(role.id, role);
    return role;
  }

  /** Adds a text channel. */
  addChannel(guildId: string, input: ChannelInput): FakeChannel {
    const guild = this.#guildOrThrow(guildId);
    const id = input.id ?? this.ids.next();
    const channel: FakeChannel = {
      id,
      guildId,
      type: 0,
      name: input.name,
      topic: input.topic ?? null,
      position: [...guild.channels.values()].filter((c) => c.type === 0).length,
      parentId: null,
      createdAt: new Date().toISOString(),
      messageCount: 0,
      lastMessageId: null,
    };
    guild.channels.set(id, channel);
    return channel;
  }

  /** Adds (or replaces) a user's membership of a guild; the user is made known too. */
  addMember(guildId: string, input: MemberInput): FakeMember {
    const guild = this.#guildOrThrow(guildId);
    const user = this.addUser(input.user);
    for (const roleId of input.roles ?? []) {
      if (!guild.roles.has(roleId)) throw new Error(`FakeDiscord: guild ${guildId} has no role ${roleId}`);
    }
    const member: FakeMember = {
      guildId,
      userId: user.id,
      roles: [...(input.roles ?? [])],
      nick: input.nick ?? null,
      joinedAt: new Date().toISOString(),
    };
    guild.members.set(user.id, member);
    return member;
  }

  /** Makes a user known (or returns the one with that id). */
  addUser(input: UserInput): FakeUser {
    const known = input.id === undefined ? undefined : this.users.get(input.id);
    if (known) return known;
    const user: FakeUser = {
      id: input.id ?? this.ids.next(),
      username: input.username,
      globalName: input.globalName ?? null,
      bot: input.bot ?? false,
    };
    this.users.set(user.id, user);
    return user;
  }

  member(guildId: string, userId: string): FakeMember | undefined {
    return this.guilds.get(guildId)?.members.get(userId);
  }

  /** The permissions a member holds in a guild: `@everyone`'s and their roles', all of them for an administrator. */
  permissionsOf(guildId: string, userId: string): bigint {
    const guild = this.#guildOrThrow(guildId);
    const member = guild.members.get(userId);
    let bits = guild.roles.get(guildId)?.permissions ?? 0n;
    for (const roleId of member?.roles ?? []) bits |= guild.roles.get(roleId)?.permissions ?? 0n;
    if (guild.ownerId === userId || (bits & PERMISSIONS.administrator) !== 0n) return (1n << 53n) - 1n;
    return bits;
  }

  /** A channel or thread of any guild. */
  channel(id: string): FakeChannel | undefined {
    for (const guild of this.guilds.values()) {
      const channel = guild.channels.get(id);
      if (channel) return channel;
    }
    return undefined;
  }

  /** Stores a new message in `channelId` (a text channel or a thread). */
  createMessage(channelId: string, fields: NewMessage): FakeMessage {
    const channel = this.channel(channelId);
    if (!channel) throw new Error(`FakeDiscord: no channel ${channelId}`);
    const id = this.ids.next();
    const message: FakeMessage = {
      id,
      channelId,
      guildId: channel.guildId,
      authorId: fields.authorId,
      content: fields.content ?? '',
      embeds: fields.embeds ?? [],
      components: fields.components ?? [],
      attachments: fields.attachments ?? [],
      flags: fields.flags ?? 0,
      type: fields.type ?? 0,
      createdAt: new Date().toISOString(),
      editedAt: null,
      reactions: new Map(),
      ...(fields.nonce === undefined ? {} : { nonce: fields.nonce }),
      ...(fields.webhookId === undefined ? {} : { webhookId: fields.webhookId }),
      ...(fields.interactionId === undefined ? {} : { interactionId: fields.interactionId }),
    };
    this.messages.set(id, message);
    channel.messageCount += 1;
    channel.lastMessageId = id;
    return message;
  }

  /**
   * The message first sent in `channelId` with `nonce` within the nonce window,
   * if any: with `enforce_nonce`, Discord answers it instead of creating another
   * (https://discord.com/developers/docs/resources/message#create-message).
   */
  messageForNonce(channelId: string, nonce: string | number): FakeMessage | undefined {
    const seen = this.#nonces.get(`${channelId}:${nonce}`);
    if (!seen || Date.now() - seen.at > this.#nonceWindowMs) return undefined;
    return this.messages.get(seen.messageId);
  }

  /** Remembers that `message` was sent with its nonce, for `messageForNonce`. */
  rememberNonce(message: FakeMessage): void {
    if (message.nonce === undefined) return;
    this.#nonces.set(`${message.channelId}:${message.nonce}`, { messageId: message.id, at: Date.now() });
  }

  /** A message in a given channel. */
  message(channelId: string, messageId: string): FakeMessage | undefined {
    const message = this.messages.get(messageId);
    return message?.channelId === channelId ? message : undefined;
  }

  /** The messages of a channel or thread, oldest first. */
  messagesIn(channelId: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channelId === channelId);
  }

  /**
   * Starts a public thread on a message. The thread's id is the message's id,
   * as on Discord; the message gets the HAS_THREAD flag (32).
   */
  createThread(
    message: FakeMessage,
    name: string,
    ownerId: string,
    autoArchiveDuration: number,
  ): FakeChannel {
    const guild = this.#guildOrThrow(message.guildId);
    const thread: FakeChannel = {
      id: message.id,
      guildId: message.guildId,
      type: 11,
      name,
      topic: null,
      position: 0,
      parentId: message.channelId,
      ownerId,
      autoArchiveDuration,
      createdAt: new Date().toISOString(),
      messageCount: 0,
      lastMessageId: null,
    };
    guild.channels.set(thread.id, thread);
    message.flags |= 32;
    return thread;
  }

  /** The threads of a guild (or of one of its channels), oldest first. */
  threads(guildId: string, parentId?: string): FakeChannel[] {
    return [...(this.guilds.get(guildId)?.channels.values() ?? [])].filter(
      (c) => c.type === 11 && (parentId === undefined || c.parentId === parentId),
    );
  }

  /** Adds `userId`'s reaction; false when it was there already. */
  addReaction(message: FakeMessage, emoji: string, userId: string): boolean {
    const users = message.reactions.get(emoji) ?? [];
    if (users.includes(userId)) return false;
    message.reactions.set(emoji, [...users, userId]);
    return true;
  }

  /** Removes `userId`'s reaction; false when it was not there. */
  removeReaction(message: FakeMessage, emoji: string, userId: string): boolean {
    const users = message.reactions.get(emoji) ?? [];
    if (!users.includes(userId)) return false;
    const rest = users.filter((u) => u !== userId);
    if (rest.length === 0) message.reactions.delete(emoji);
    else message.reactions.set(emoji, rest);
    return true;
  }

  /**
   * Replaces a guild's commands (bulk overwrite). A command keeps its id when
   * one of the same name and type was there, as on Discord, so registering the
   * same set again changes nothing.
   */
  overwriteCommands(
    guildId: string,
    definitions: readonly Readonly<Record<string, unknown>>[],
  ): FakeCommand[] {
    const before = this.commandsOf(guildId);
    const after = definitions.map((definition) => {
      const same = before.find(
        (c) => c.definition.name === definition.name && (c.definition.type ?? 1) === (definition.type ?? 1),
      );
      if (same && JSON.stringify(same.definition) === JSON.stringify(definition)) return same;
      return { id: same?.id ?? this.ids.next(), guildId, version: this.ids.next(), definition };
    });
    const others = this.commands.filter((c) => c.guildId !== guildId);
    this.commands.splice(0, this.commands.length, ...others, ...after);
    return after;
  }

  /** A guild's registered commands. */
  commandsOf(guildId: string): FakeCommand[] {
    return this.commands.filter((c) => c.guildId === guildId);
  }

  #guildOrThrow(guildId: string): FakeGuild {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new Error(`FakeDiscord: no guild ${guildId}`);
    return guild;
  }
}
