import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Exchange, waitForCount } from '../loopback-http.ts';
import {
  FakeGateway,
  type GatewayDispatch,
  type GatewayFrame,
  type GatewayResume,
  type GatewaySession,
} from './gateway.ts';
import {
  type AutocompleteInput,
  autocompleteInteraction,
  type BuiltInteraction,
  type CommandInput,
  channelJson,
  commandInteraction,
  guildCreateJson,
  type ModalSubmitInput,
  memberJson,
  messageJson,
  modalSubmitInteraction,
  type ReactionInput,
  reactionAddJson,
  reactionRemoveJson,
  roleJson,
  userJson,
} from './payloads.ts';
import {
  type DiscordFault,
  DiscordRest,
  type DiscordRestCall,
  type DiscordRoute,
  type RouteDeps,
} from './rest.ts';
import { appRoutes } from './routes-app.ts';
import { interactionRoutes } from './routes-interactions.ts';
import { messageRoutes } from './routes-messages.ts';
import { Snowflakes } from './snowflakes.ts';
import {
  DiscordState,
  type FakeCallback,
  type FakeChannel,
  type FakeGuild,
  type FakeInteraction,
  type FakeMember,
  type FakeMessage,
  type FakeRole,
  type FakeUser,
  type GuildInput,
  type MemberInput,
  type RoleInput,
} from './state.ts';

// A Discord server on 127.0.0.1 for the real discord.js client: one HTTP
// server answers the REST API under /api/v10 (rest.ts, routes-*.ts) and takes
// the gateway's WebSocket upgrades at /gateway (gateway.ts). The wire facts
// each module follows were checked by running discord.js 14.28.1 against it;
// the client is configured with `rest: { api: fake.restUrl }` and finds the
// gateway through GET /gateway/bot.

export interface FakeDiscordOptions {
  /** the bot token; default `fake-bot-token` */
  readonly token?: string;
  readonly applicationId?: string;
  readonly bot?: { readonly id?: string; readonly username?: string };
  /** the guilds the bot is in; default one guild, `Araldo Test`, with a `#desk` channel */
  readonly guilds?: readonly GuildInput[];
  /** the heartbeat interval HELLO asks for; default 1000 ms */
  readonly heartbeatIntervalMs?: number;
  /** privileged intents granted in the developer portal (INTENTS bits); default none */
  readonly grantedIntents?: number;
  /** how long after dispatch an interaction can still be acknowledged; default Discord's 3 s */
  readonly interactionAckDeadlineMs?: number;
  /** how long a nonce with `enforce_nonce` is remembered; default 5 minutes ("the past few minutes") */
  readonly nonceWindowMs?: number;
}

/**
 * A fake Discord on loopback. Records every REST call (`calls`) and the
 * gateway's connections, frames and resumes (`gateway`); holds guilds,
 * messages, threads, commands and interactions (`state`); dispatches events
 * to the connected clients; and can be told to fail calls (`failNext`) or to
 * drop the gateway connection (`dropConnection`). Events: `call` (a
 * DiscordRestCall, once answered), `message` (a FakeMessage created),
 * `callback` (a FakeCallback).
 */
export class FakeDiscord extends EventEmitter {
  readonly token: string;
  readonly state: DiscordState;
  readonly gateway: FakeGateway;
  readonly #rest: DiscordRest;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #url = '';
  #lastEvent: { t: string; d: unknown } | undefined;

  private constructor(options: FakeDiscordOptions) {
    super();
    const ids = new Snowflakes();
    this.token = options.token ?? 'fake-bot-token';
    const bot: FakeUser = {
      id: options.bot?.id ?? ids.next(),
      username: options.bot?.username ?? 'Araldo',
      globalName: null,
      bot: true,
    };
    this.state = new DiscordState({
      ids,
      bot,
      applicationId: options.applicationId ?? bot.id,
      nonceWindowMs: options.nonceWindowMs ?? 5 * 60 * 1000,
    });
    for (const guild of options.guilds ?? [{ name: 'Araldo Test', channels: [{ name: 'desk' }] }]) {
      this.state.addGuild(guild);
    }
    this.gateway = new FakeGateway({
      token: this.token,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
      grantedIntents: options.grantedIntents ?? 0,
      resumeUrl: () => `${this.#wsUrl}/gateway/resume`,
      onIdentify: (session) => this.#readyFor(session),
    });
    const deps: RouteDeps = {
      state: this.state,
      dispatch: (t, d) => void this.gateway.dispatch(t, d),
      events: this,
    };
    this.#rest = new DiscordRest({
      token: this.token,
      events: this,
      routes: [
        ...appRoutes(deps, { gatewayUrl: () => this.gatewayUrl }),
        ...messageRoutes(deps),
        ...interactionRoutes(deps, { ackDeadlineMs: options.interactionAckDeadlineMs ?? 3000 }),
      ],
    });
    this.#server = createServer((request, response) => {
      readBody(request)
        .then((raw) =>
          this.#rest.handle(
            new Exchange(request, response, raw, {
              json: { 'content-type': 'application/json' },
              text: { 'content-type': 'text/plain' },
            }),
          ),
        )
        .catch((error: unknown) => response.destroy(error as Error));
    });
    this.#server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      if ((request.url ?? '').startsWith('/gateway')) this.gateway.handleUpgrade(request, socket, head);
      else socket.destroy();
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** Starts the fake on 127.0.0.1, port 0. */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.#url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return this.#url;
  }

  /** what discord.js takes as `rest.api`: it appends `/v10` itself */
  get restUrl(): string {
    return `${this.#url}/api`;
  }

  /** what GET /gateway/bot hands out: `ws://127.0.0.1:<port>/gateway`, no query */
  get gatewayUrl(): string {
    return `${this.#wsUrl}/gateway`;
  }

  get #wsUrl(): string {
    return this.#url.replace(/^http:/, 'ws:');
  }

  get applicationId(): string {
    return this.state.applicationId;
  }

  get bot(): FakeUser {
    return this.state.bot;
  }

  /** a guild by id; the first one when no id is given */
  guild(id?: string): FakeGuild {
    const guild = id === undefined ? this.state.guilds.values().next().value : this.state.guild(id);
    if (!guild) throw new Error(`FakeDiscord: no guild ${id ?? ''}`);
    return guild;
  }

  // --- changing the guilds: each change is dispatched as Discord would ------

  /** Adds a role; dispatches GUILD_ROLE_CREATE. */
  addRole(guildId: string, input: RoleInput): FakeRole {
    const role = this.state.addRole(guildId, input);
    this.gateway.dispatch('GUILD_ROLE_CREATE', { guild_id: guildId, role: roleJson(role) });
    return role;
  }

  /** Adds a text channel; dispatches CHANNEL_CREATE. */
  addChannel(guildId: string, input: { readonly id?: string; readonly name: string }): FakeChannel {
    const channel = this.state.addChannel(guildId, input);
    this.gateway.dispatch('CHANNEL_CREATE', channelJson(channel));
    return channel;
  }

  /** Adds a member; dispatches GUILD_MEMBER_ADD (only sessions with the GUILD_MEMBERS intent get it). */
  addMember(guildId: string, input: MemberInput): FakeMember {
    const member = this.state.addMember(guildId, input);
    this.gateway.dispatch('GUILD_MEMBER_ADD', { ...memberJson(this.state, member), guild_id: guildId });
    return member;
  }

  /** Replaces a member's roles; dispatches GUILD_MEMBER_UPDATE (GUILD_MEMBERS intent). */
  setMemberRoles(guildId: string, userId: string, roleIds: readonly string[]): FakeMember {
    const member = this.state.member(guildId, userId);
    if (!member) throw new Error(`FakeDiscord: ${userId} is no member of ${guildId}`);
    member.roles = [...roleIds];
    this.gateway.dispatch('GUILD_MEMBER_UPDATE', { ...memberJson(this.state, member), guild_id: guildId });
    return member;
  }

  /**
   * Stores a message a user posted before the bot connected: nothing is
   * dispatched, so discord.js has never seen it (a reaction to it arrives partial).
   */
  addMessage(channelId: string, input: { readonly authorId: string; readonly content: string }): FakeMessage {
    return this.state.createMessage(channelId, input);
  }

  /** A user posts a message: stored and dispatched as MESSAGE_CREATE. */
  postMessage(
    channelId: string,
    input: { readonly authorId: string; readonly content: string },
  ): FakeMessage {
    const message = this.state.createMessage(channelId, input);
    this.emit('message', message);
    this.#dispatchEvent('MESSAGE_CREATE', messageJson(this.state, message, true));
    return message;
  }

  // --- events a user causes -------------------------------------------------

  /** A user runs a chat input command: INTERACTION_CREATE (type 2). */
  sendCommand(input: CommandInput): FakeInteraction {
    return this.#sendInteraction(commandInteraction(this.state, input), input);
  }

  /** A user types in an option with autocomplete: INTERACTION_CREATE (type 4). */
  sendAutocomplete(input: AutocompleteInput): FakeInteraction {
    return this.#sendInteraction(autocompleteInteraction(this.state, input), input);
  }

  /** A user submits a modal: INTERACTION_CREATE (type 5). */
  sendModalSubmit(input: ModalSubmitInput): FakeInteraction {
    return this.#sendInteraction(modalSubmitInteraction(this.state, input), input);
  }

  /** A user reacts: MESSAGE_REACTION_ADD (the message need not be known to the fake). */
  addReaction(input: ReactionInput): GatewayDispatch[] {
    const message = this.state.message(input.channelId, input.messageId);
    if (message) this.state.addReaction(message, input.emoji, input.userId);
    return this.#dispatchEvent('MESSAGE_REACTION_ADD', reactionAddJson(this.state, input, message?.authorId));
  }

  /** A user takes a reaction back: MESSAGE_REACTION_REMOVE. */
  removeReaction(input: ReactionInput): GatewayDispatch[] {
    const message = this.state.message(input.channelId, input.messageId);
    if (message) this.state.removeReaction(message, input.emoji, input.userId);
    return this.#dispatchEvent('MESSAGE_REACTION_REMOVE', reactionRemoveJson(this.state, input));
  }

  /**
   * Dispatches the last event a user caused (a command, a reaction…) again,
   * with a new sequence number: Discord delivering the same event twice.
   */
  replayLast(): GatewayDispatch[] {
    if (!this.#lastEvent) throw new Error('FakeDiscord: no event to replay');
    return this.gateway.dispatch(this.#lastEvent.t, this.#lastEvent.d);
  }

  /** Closes the gateway connections with `code` (4000: the client resumes); events meanwhile wait for the RESUME. */
  dropConnection(code = 4000): void {
    this.gateway.dropConnections(code);
  }

  // --- faults ---------------------------------------------------------------

  /** the next calls of `route` meet these faults, one each, in order */
  failNext(route: DiscordRoute, ...faults: DiscordFault[]): void {
    this.#rest.failNext(route, faults);
  }

  // --- what happened --------------------------------------------------------

  /** every REST call, or those of one route, in order of arrival */
  calls(route?: DiscordRoute | 'unknown'): DiscordRestCall[] {
    return this.#rest.calls.filter((c) => route === undefined || c.route === route);
  }

  /** the messages of a channel or thread, oldest first (ephemeral answers included: flag 64) */
  messagesIn(channelId: string): FakeMessage[] {
    return this.state.messagesIn(channelId);
  }

  /** a guild's threads (the first guild's by default), oldest first */
  threads(guildId?: string): FakeChannel[] {
    return this.state.threads(this.guild(guildId).id);
  }

  /** the callbacks the bot sent for an interaction */
  callbacksOf(interactionId: string): FakeCallback[] {
    return this.state.callbacks.filter((c) => c.interactionId === interactionId);
  }

  /** the IDENTIFY payloads clients sent */
  identifies(): GatewayFrame[] {
    return this.gateway.frames.filter((f) => f.op === 2);
  }

  /** resolves once `count` answered calls of `route` are recorded */
  waitForCalls(route: DiscordRoute, count: number): Promise<readonly DiscordRestCall[]> {
    return waitForCount(this, 'call', () => this.calls(route).filter((c) => c.outcome !== 'pending'), count);
  }

  /** resolves once `channelId` holds `count` messages */
  waitForMessages(channelId: string, count: number): Promise<readonly FakeMessage[]> {
    return waitForCount(this, 'message', () => this.messagesIn(channelId), count);
  }

  /** resolves once the bot sent `count` callbacks for the interaction */
  waitForCallbacks(interactionId: string, count: number): Promise<readonly FakeCallback[]> {
    return waitForCount(this, 'callback', () => this.callbacksOf(interactionId), count);
  }

  /** resolves once `count` sessions were opened by IDENTIFY */
  waitForSessions(count: number): Promise<readonly GatewaySession[]> {
    return waitForCount(this.gateway, 'identify', () => this.gateway.sessions, count);
  }

  /** resolves once `count` RESUMEs were accepted */
  waitForResumes(count: number): Promise<readonly GatewayResume[]> {
    return waitForCount(this.gateway, 'resume', () => this.gateway.resumes, count);
  }

  /** Stops listening and cuts every connection, REST and gateway. */
  async close(): Promise<void> {
    await this.gateway.close();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #sendInteraction(
    built: BuiltInteraction,
    place: { readonly userId: string; readonly channelId: string },
  ): FakeInteraction {
    const interaction: FakeInteraction = {
      id: built.id,
      token: built.token,
      type: built.type,
      guildId: built.guildId,
      channelId: place.channelId,
      userId: place.userId,
      createdAt: Date.now(),
      payload: built.json,
      followUpIds: [],
      ...(built.commandName === undefined ? {} : { commandName: built.commandName }),
    };
    this.state.interactions.set(interaction.id, interaction);
    this.#dispatchEvent('INTERACTION_CREATE', built.json);
    return interaction;
  }

  #dispatchEvent(t: string, d: unknown): GatewayDispatch[] {
    this.#lastEvent = { t, d };
    return this.gateway.dispatch(t, d);
  }

  /** READY's data and the GUILD_CREATEs that follow, for a new session. */
  #readyFor(session: GatewaySession): { ready: object; guilds: readonly object[] } {
    const guilds = [...this.state.guilds.values()];
    return {
      ready: {
        v: 10,
        user: { ...userJson(this.bot), verified: true, mfa_enabled: false, flags: 0 },
        guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
        application: { id: this.applicationId, flags: 0 },
        shard: session.shard,
        user_settings: {},
        relationships: [],
        private_channels: [],
        presences: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
      },
      guilds: guilds.map((g) => guildCreateJson(this.state, g)),
    };
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
