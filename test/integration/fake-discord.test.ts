import { once } from 'node:events';
import {
  ApplicationCommandOptionType,
  type ChatInputApplicationCommandData,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type Interaction,
  MessageFlags,
  Partials,
  type TextChannel,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { INTENTS } from '../fakes/discord/gateway.ts';
import { PERMISSIONS } from '../fakes/discord/state.ts';

// The real discord.js 14.28.1 client against FakeDiscord: what crosses the
// wire (REST calls, gateway frames) is asserted on the fake's side, what the
// client makes of it on the client's side.

const GUILD = '1200000000000000001';
const DESK = '1200000000000000010';
const APPROVERS = '1200000000000000020';
const ALICE = '1200000000000000100';
const BOB = '1200000000000000101';

const INTENT_BITS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.GuildMessageReactions,
];

const MESSAGES_ROUTE = 'POST /channels/{channel_id}/messages';

let fake: FakeDiscord;
let client: Client;

/**
 * A client for the fake. `instantIdentify` lifts @discordjs/ws's identify
 * throttle, which holds a second IDENTIFY within 5 s of the first for up to 6.5 s.
 */
function createClient({ instantIdentify = false } = {}): Client {
  return new Client({
    intents: INTENT_BITS,
    partials: [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel],
    rest: { api: fake.restUrl },
    ...(instantIdentify
      ? {
          ws: { buildIdentifyThrottler: () => Promise.resolve({ waitForIdentify: () => Promise.resolve() }) },
        }
      : {}),
  });
}

async function login(): Promise<void> {
  const ready = once(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
}

/** The next interaction the client emits. */
function nextInteraction(): Promise<Interaction> {
  return once(client, Events.InteractionCreate).then(([interaction]) => interaction as Interaction);
}

function desk(): TextChannel {
  return client.channels.cache.get(DESK) as TextChannel;
}

beforeEach(async () => {
  fake = await FakeDiscord.start({
    heartbeatIntervalMs: 500,
    guilds: [
      {
        id: GUILD,
        name: 'Comune di Prova',
        channels: [{ id: DESK, name: 'desk' }],
        roles: [{ id: APPROVERS, name: 'Approvers', permissions: PERMISSIONS.sendMessages }],
        members: [
          { user: { id: ALICE, username: 'alice' }, roles: [APPROVERS] },
          { user: { id: BOB, username: 'bob' } },
        ],
      },
    ],
  });
  client = createClient();
  await login();
});

afterEach(async () => {
  await client.destroy();
  await fake.close();
});

describe('FakeDiscord with discord.js', () => {
  it('gets the client ready with the guild cached and records the intents', async () => {
    // beforeEach waited for `clientReady`: had a GUILD_CREATE been missing it would take 15 s.
    const session = fake.gateway.sessions[0];
    expect(session?.log.map((d) => d.t)).toEqual(['READY', 'GUILD_CREATE']);
    expect(Date.now() - (fake.gateway.connections[0]?.openedAt ?? 0)).toBeLessThan(5_000);

    const guild = client.guilds.cache.get(GUILD);
    expect(guild?.name).toBe('Comune di Prova');
    expect(guild?.channels.cache.get(DESK)?.name).toBe('desk');
    expect(guild?.roles.cache.get(APPROVERS)?.name).toBe('Approvers');
    expect(guild?.roles.everyone.id).toBe(GUILD);
    expect(guild?.members.cache.get(ALICE)?.roles.cache.has(APPROVERS)).toBe(true);
    expect(client.user?.id).toBe(fake.bot.id);
    expect(client.application?.id).toBe(fake.applicationId);

    const [identify] = fake.identifies();
    expect(identify?.d).toMatchObject({
      token: fake.token,
      intents: INTENTS.guilds | INTENTS.guildMessages | INTENTS.guildMessageReactions,
    });
    expect(fake.gateway.connections[0]).toMatchObject({ path: '/gateway', query: 'v=10&encoding=json' });
    const [gatewayBot] = fake.calls('GET /gateway/bot');
    expect(gatewayBot?.headers.authorization).toBe(`Bot ${fake.token}`);
    // The client heartbeats and gets its acks: no zombie-connection reconnects.
    await expect
      .poll(() => fake.gateway.frames.filter((f) => f.op === 1).length, { timeout: 5_000 })
      .toBeGreaterThan(0);
    expect(fake.gateway.connections).toHaveLength(1);
  });

  it('refuses a wrong token and an unknown route with Discord error bodies', async () => {
    const stranger = new Client({ intents: INTENT_BITS, rest: { api: fake.restUrl } });
    await expect(stranger.login('not-the-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
    await stranger.destroy();
    expect(fake.calls('GET /gateway/bot').at(-1)).toMatchObject({ status: 401, outcome: 'rejected' });

    const error = await client.rest.get('/nowhere/at/all').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ status: 404, code: 0, message: '404: Not Found' });
  });

  it('stores bulk-registered guild commands, and registering them again changes nothing', async () => {
    const guild = client.guilds.cache.get(GUILD);
    const definitions: ChatInputApplicationCommandData[] = [
      {
        name: 'post',
        description: 'Propose a post',
        options: [
          { type: ApplicationCommandOptionType.String, name: 'text', description: 'Text', required: true },
          { type: ApplicationCommandOptionType.Attachment, name: 'image', description: 'Image' },
        ],
      },
      { name: 'queue', description: 'Show the queue' },
    ];
    const first = await guild?.commands.set(definitions);
    const again = await guild?.commands.set(definitions);

    expect([...(first?.values() ?? [])].map((c) => c.name)).toEqual(['post', 'queue']);
    expect([...(again?.keys() ?? [])]).toEqual([...(first?.keys() ?? [])]);
    expect(fake.state.commandsOf(GUILD).map((c) => c.definition.name)).toEqual(['post', 'queue']);
    const fetched = await guild?.commands.fetch();
    expect(fetched?.get(first?.first()?.id ?? '')?.options[1]?.name).toBe('image');
    expect(fake.calls('PUT /applications/{application_id}/guilds/{guild_id}/commands')).toHaveLength(2);
  });

  it('delivers a chat input command with an attachment, and records the deferred reply, edit and follow-up', async () => {
    const seen = nextInteraction();
    const sent = fake.sendCommand({
      userId: ALICE,
      channelId: DESK,
      name: 'post',
      options: {
        text: 'Ciao',
        image: { attachment: { filename: 'card.png', contentType: 'image/png', size: 2048 } },
      },
    });
    const interaction = await seen;
    if (!interaction.isChatInputCommand())
      throw new Error(`expected a chat input command, got ${interaction.type}`);
    expect(interaction.id).toBe(sent.id);
    expect(interaction.commandName).toBe('post');
    expect(interaction.user.id).toBe(ALICE);
    // The member came with the interaction and is cached in its guild, with its roles.
    expect(interaction.inCachedGuild() && interaction.member.roles.cache.has(APPROVERS)).toBe(true);
    expect(interaction.options.getString('text')).toBe('Ciao');
    expect(interaction.options.getAttachment('image')).toMatchObject({
      name: 'card.png',
      contentType: 'image/png',
      size: 2048,
    });

    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    await interaction.editReply('Proposta registrata');
    await interaction.followUp({ content: 'In coda', flags: MessageFlags.Ephemeral });

    expect(fake.callbacksOf(sent.id)).toMatchObject([{ type: 5, data: { flags: MessageFlags.Ephemeral } }]);
    const [callback] = fake.calls('POST /interactions/{interaction_id}/{interaction_token}/callback');
    expect(callback).toMatchObject({ status: 204, query: 'with_response=false' });
    expect(callback?.headers.authorization).toBeUndefined();
    const [edit] = fake.calls('PATCH /webhooks/{application_id}/{interaction_token}/messages/{message_id}');
    expect(edit?.path.endsWith('/messages/%40original')).toBe(true);
    expect(fake.calls('POST /webhooks/{application_id}/{interaction_token}')[0]?.query).toContain(
      'wait=true',
    );

    const original = fake.state.messages.get(sent.originalMessageId ?? '');
    // The edit fills in the deferred answer: it stops loading (128) and stays ephemeral (64).
    expect(original).toMatchObject({
      content: 'Proposta registrata',
      flags: MessageFlags.Ephemeral,
      type: 20,
    });
    expect(fake.messagesIn(DESK).map((m) => m.content)).toEqual(['Proposta registrata', 'In coda']);
  });

  it('refuses a second answer to a replayed interaction with 40060', async () => {
    const seen = nextInteraction();
    const sent = fake.sendCommand({ userId: ALICE, channelId: DESK, name: 'queue' });
    const first = await seen;
    if (!first.isChatInputCommand()) throw new Error('expected a chat input command');
    await first.reply('Coda vuota');

    const again = nextInteraction();
    expect(fake.replayLast()).toHaveLength(1);
    const replayed = await again;
    if (!replayed.isChatInputCommand()) throw new Error('expected a chat input command');
    expect(replayed.id).toBe(sent.id);
    await expect(replayed.reply('Coda vuota')).rejects.toMatchObject({ code: 40060, status: 400 });
    expect(fake.callbacksOf(sent.id)).toHaveLength(1);
    expect(fake.messagesIn(DESK)).toHaveLength(1);
  });

  it('delivers an autocomplete interaction and records the choices', async () => {
    const seen = nextInteraction();
    const sent = fake.sendAutocomplete({
      userId: BOB,
      channelId: DESK,
      name: 'post',
      focused: { name: 'text', value: 'Ci' },
    });
    const interaction = await seen;
    if (!interaction.isAutocomplete()) throw new Error('expected an autocomplete interaction');
    expect(interaction.options.getFocused(true)).toMatchObject({ name: 'text', value: 'Ci' });
    await interaction.respond([{ name: 'Ciao a tutti', value: 'ciao' }]);

    expect(fake.callbacksOf(sent.id)).toMatchObject([
      { type: 8, data: { choices: [{ name: 'Ciao a tutti', value: 'ciao' }] } },
    ]);
  });

  it('delivers a modal submit whose text inputs read back', async () => {
    const seen = nextInteraction();
    const sent = fake.sendModalSubmit({
      userId: ALICE,
      channelId: DESK,
      customId: 'edit-post:42',
      fields: { text: 'Testo corretto', note: '' },
    });
    const interaction = await seen;
    if (!interaction.isModalSubmit()) throw new Error('expected a modal submit');
    expect(interaction.customId).toBe('edit-post:42');
    expect(interaction.fields.getTextInputValue('text')).toBe('Testo corretto');
    await interaction.reply({ content: 'Salvato', flags: MessageFlags.Ephemeral });

    expect(fake.callbacksOf(sent.id)).toMatchObject([{ type: 4, data: { content: 'Salvato', flags: 64 } }]);
    expect(fake.messagesIn(DESK)).toMatchObject([{ content: 'Salvato', flags: 64 }]);
  });

  it('creates one message for two sends with the same enforced nonce, threads it, and edits it', async () => {
    const first = await desk().send({ content: 'Scheda post 1', nonce: 'post-1', enforceNonce: true });
    const second = await desk().send({ content: 'Scheda post 1', nonce: 'post-1', enforceNonce: true });
    expect(second.id).toBe(first.id);
    expect(fake.messagesIn(DESK)).toHaveLength(1);
    expect(fake.calls(MESSAGES_ROUTE).map((c) => c.body)).toMatchObject([
      { nonce: 'post-1', enforce_nonce: true },
      { nonce: 'post-1', enforce_nonce: true },
    ]);

    const thread = await first.startThread({ name: 'Post 1' });
    expect(thread.id).toBe(first.id);
    expect(fake.threads()).toMatchObject([{ id: first.id, parentId: DESK, name: 'Post 1', type: 11 }]);
    expect(fake.calls('POST /channels/{channel_id}/messages/{message_id}/threads')[0]?.status).toBe(201);
    await thread.send('Approvato da alice');
    expect(fake.messagesIn(thread.id).map((m) => m.content)).toEqual(['Approvato da alice']);

    const edited = await first.edit('Scheda post 1 (approvato)');
    expect(edited.editedTimestamp).not.toBeNull();
    await first.react('✅');
    const stored = fake.messagesIn(DESK)[0];
    expect(stored?.content).toBe('Scheda post 1 (approvato)');
    expect(stored?.flags).toBe(32);
    expect(stored?.reactions.get('✅')).toEqual([fake.bot.id]);
  });

  it('delivers reactions on a message the client never saw, as partials', async () => {
    const card = fake.addMessage(DESK, { authorId: fake.bot.id, content: 'Scheda post 7' });

    const added = once(client, Events.MessageReactionAdd);
    fake.addReaction({ userId: ALICE, channelId: DESK, messageId: card.id, emoji: '✅' });
    const [reaction, user] = await added;
    expect(reaction.partial).toBe(true);
    expect(reaction.message.partial).toBe(true);
    expect(reaction.message.id).toBe(card.id);
    expect(reaction.emoji.name).toBe('✅');
    expect(user.id).toBe(ALICE);
    const message = await reaction.message.fetch();
    expect(message.content).toBe('Scheda post 7');

    const removed = once(client, Events.MessageReactionRemove);
    fake.removeReaction({ userId: ALICE, channelId: DESK, messageId: card.id, emoji: '✅' });
    const [gone, who] = await removed;
    expect(gone.message.id).toBe(card.id);
    expect(who.id).toBe(ALICE);
    expect(card.reactions.size).toBe(0);
  });

  it('resumes after a dropped connection and delivers what it missed exactly once', async () => {
    const received: string[] = [];
    client.on(Events.InteractionCreate, (interaction) => received.push(interaction.id));
    const resumed = once(client, Events.ShardResume);

    fake.dropConnection(4000);
    const missed = fake.sendCommand({ userId: ALICE, channelId: DESK, name: 'queue' });
    const [resume] = await fake.waitForResumes(1);
    await resumed;
    expect(resume?.replayed.map((d) => d.t)).toEqual(['INTERACTION_CREATE']);
    expect(fake.gateway.connections.at(-1)?.path).toBe('/gateway/resume');
    expect(fake.identifies()).toHaveLength(1);

    // Events arrive in order: once this one is in, a duplicate of the missed one would have been too.
    const marker = fake.sendCommand({ userId: BOB, channelId: DESK, name: 'queue' });
    await expect.poll(() => received, { timeout: 5_000 }).toContain(marker.id);
    expect(received).toEqual([missed.id, marker.id]);
  });

  it('answers a RESUME of an expired session with INVALID_SESSION, and the client identifies anew', async () => {
    await client.destroy();
    client = createClient({ instantIdentify: true });
    await login();

    fake.gateway.expireSessions();
    fake.dropConnection(4000);
    // Sessions: the first client's, this client's, and the one it opens after op 9.
    const [, , renewed] = await fake.waitForSessions(3);
    expect(fake.gateway.frames.map((f) => f.op).filter((op) => op === 2 || op === 6)).toEqual([2, 2, 6, 2]);
    expect(fake.gateway.resumes).toHaveLength(0);

    // The new session carries events again.
    const seen = nextInteraction();
    const sent = fake.sendCommand({ userId: ALICE, channelId: DESK, name: 'queue' });
    expect((await seen).id).toBe(sent.id);
    expect(renewed?.log.map((d) => d.t)).toEqual(['READY', 'GUILD_CREATE', 'INTERACTION_CREATE']);
  });

  it('waits out a 429 and sends the message once', async () => {
    fake.failNext(MESSAGES_ROUTE, { kind: 'rate_limited', retryAfter: 0.2 });
    const started = Date.now();
    await desk().send('Dopo la pausa');

    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(fake.calls(MESSAGES_ROUTE).map((c) => [c.status, c.outcome])).toEqual([
      [429, 'rate_limited'],
      [200, 'ok'],
    ]);
    expect(fake.messagesIn(DESK)).toHaveLength(1);
  });

  it('retries a 502 that came before the write and sends once', async () => {
    fake.failNext(MESSAGES_ROUTE, { kind: 'server_error', status: 502 });
    await desk().send('Dopo il 502');
    expect(fake.calls(MESSAGES_ROUTE).map((c) => [c.status, c.outcome])).toEqual([
      [502, 'failed'],
      [200, 'ok'],
    ]);
    expect(fake.messagesIn(DESK)).toHaveLength(1);
  });

  it('rejects a send whose connection is cut after the write; a resend with the nonce finds the message', async () => {
    // @discordjs/rest retries a reset connection only when the error says ECONNRESET;
    // undici reports a cut answer as "other side closed", so the send fails.
    fake.failNext(MESSAGES_ROUTE, { kind: 'drop' });
    const options = { content: 'Scheda post 3', nonce: 'post-3', enforceNonce: true };
    await expect(desk().send(options)).rejects.toThrow();
    expect(fake.messagesIn(DESK)).toHaveLength(1);

    const resent = await desk().send(options);
    expect(resent.id).toBe(fake.messagesIn(DESK)[0]?.id);
    expect(fake.calls(MESSAGES_ROUTE).map((c) => c.outcome)).toEqual(['dropped', 'ok']);
  });

  it('keeps one message when a 500 follows the write, thanks to the nonce', async () => {
    // discord.js retries a 5xx at once (up to 3 times). Without a nonce the
    // retry posts the message a second time: the first one was created.
    fake.failNext(MESSAGES_ROUTE, { kind: 'server_error', afterWrite: true });
    await desk().send('Senza nonce');
    expect(fake.messagesIn(DESK).map((m) => m.content)).toEqual(['Senza nonce', 'Senza nonce']);

    // With an enforced nonce the retry gets the first message back.
    fake.failNext(MESSAGES_ROUTE, { kind: 'server_error', afterWrite: true });
    const sent = await desk().send({ content: 'Con nonce', nonce: 'post-9', enforceNonce: true });
    const withNonce = fake.messagesIn(DESK).filter((m) => m.content === 'Con nonce');
    expect(withNonce).toHaveLength(1);
    expect(sent.id).toBe(withNonce[0]?.id);
    expect(fake.calls(MESSAGES_ROUTE).map((c) => [c.status, c.outcome])).toEqual([
      [500, 'failed_after_write'],
      [200, 'ok'],
      [500, 'failed_after_write'],
      [200, 'ok'],
    ]);
  });
});
