import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeSlack } from '../fakes/fake-slack.ts';
import { postSigned } from '../fakes/slack-signing.ts';
import {
  blockActionsPayload,
  checkboxesValue,
  datepickerValue,
  multiStaticSelectValue,
  plainTextInputValue,
  reactionAddedEvent,
  slashCommandBody,
  timepickerValue,
  viewSubmissionPayload,
} from '../fixtures/slack-payloads.ts';

// FakeSlack proven with the real clients: @slack/web-api's WebClient, @slack/socket-mode's
// SocketModeClient and Bolt's HTTP receiver. What they accept is what the Slack adapter will.

const CHANNEL = 'C0SOCIAL';
const EDITOR = 'U0EDITOR';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('FakeSlack Web API', () => {
  let fake: FakeSlack;
  let client: WebClient;

  beforeEach(async () => {
    fake = await FakeSlack.start({ channels: [CHANNEL] });
    client = new WebClient(fake.botToken, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
  });

  afterEach(async () => {
    await fake.close();
  });

  it('answers auth.test with the bot identity Bolt reads', async () => {
    const result = await client.auth.test();
    expect(result).toMatchObject({
      ok: true,
      team_id: fake.teamId,
      user_id: fake.botUserId,
      bot_id: fake.botId,
      is_enterprise_install: false,
    });
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('records chat.postMessage with decoded blocks and thread_ts, answering increasing ts', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Post 12*' } }];
    const parent = await client.chat.postMessage({ channel: CHANNEL, text: 'Post 12', blocks });
    const reply = await client.chat.postMessage({
      channel: CHANNEL,
      text: 'approved',
      thread_ts: parent.ts!,
    });

    expect(parent).toMatchObject({
      ok: true,
      channel: CHANNEL,
      message: { text: 'Post 12', bot_id: fake.botId },
    });
    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(reply.ts)).toBeGreaterThan(Number(parent.ts));
    expect(reply.message).toMatchObject({ thread_ts: parent.ts, parent_user_id: fake.botUserId });

    const [first, second] = fake.callsTo('chat.postMessage');
    expect(first).toMatchObject({ token: fake.botToken, outcome: 'ok', args: { channel: CHANNEL, blocks } });
    expect(second?.args.thread_ts).toBe(parent.ts);
    expect(fake.message(CHANNEL, parent.ts!)?.blocks).toEqual(blocks);
  });

  it('parses JSON bodies as Slack accepts them', async () => {
    const response = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${fake.botToken}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify({ channel: CHANNEL, blocks: [{ type: 'divider' }] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: CHANNEL });
    expect(fake.callsTo('chat.postMessage')[0]?.args.blocks).toEqual([{ type: 'divider' }]);
  });

  it('answers not_authed without a token and invalid_auth for a wrong one', async () => {
    const anonymous = new WebClient(undefined, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    await expect(anonymous.auth.test()).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'not_authed' },
    });
    await expect(wrong.auth.test()).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'invalid_auth' },
    });
    expect(fake.calls.map((c) => [c.token, c.status, c.error])).toEqual([
      [undefined, 200, 'not_authed'],
      ['xoxb-wrong', 200, 'invalid_auth'],
    ]);
  });

  it('answers no_text, channel_not_found and unknown_method as platform errors', async () => {
    await expect(client.chat.postMessage({ channel: CHANNEL, text: '' })).rejects.toMatchObject({
      data: { error: 'no_text' },
    });
    await expect(client.chat.postMessage({ channel: 'C0ELSEWHERE', text: 'hi' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(client.apiCall('chat.scheduleMessage', { channel: CHANNEL })).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
  });

  it('updates a posted message and answers message_not_found for an unknown ts', async () => {
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'Post 3: waiting' });
    const updated = await client.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'Post 3: approved' });
    expect(updated).toMatchObject({ ok: true, channel: CHANNEL, ts: posted.ts, text: 'Post 3: approved' });
    expect(fake.message(CHANNEL, posted.ts!)).toMatchObject({ text: 'Post 3: approved', edited: true });
    await expect(client.chat.update({ channel: CHANNEL, ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('waits out a 429 Retry-After and retries', async () => {
    const retrying = new WebClient(fake.botToken, {
      slackApiUrl: fake.url,
      // one retry, with no back-off of its own: the only wait is the Retry-After
      retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 },
      logLevel: LogLevel.ERROR,
    });
    fake.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });

    const result = await retrying.chat.postMessage({ channel: CHANNEL, text: 'later' });

    expect(result.ok).toBe(true);
    const [limited, retried] = fake.callsTo('chat.postMessage');
    expect([limited?.outcome, limited?.status, retried?.outcome]).toEqual(['rate_limited', 429, 'ok']);
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(950);
  });

  it('lets rejectRateLimitedCalls surface the Retry-After', async () => {
    const rejecting = new WebClient(fake.botToken, {
      slackApiUrl: fake.url,
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
    fake.failNext('*', { status: 429, retryAfterSeconds: 7 });
    await expect(rejecting.chat.postMessage({ channel: CHANNEL, text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
  });

  it('injects 5xx, ok:false errors and drops, each for the next calls only', async () => {
    fake.failNext('chat.postMessage', { status: 503 });
    fake.failNext('chat.postMessage', { error: 'is_archived' });
    fake.failNext('chat.postMessage', { drop: true });

    await expect(client.chat.postMessage({ channel: CHANNEL, text: '1' })).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 503,
    });
    await expect(client.chat.postMessage({ channel: CHANNEL, text: '2' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'is_archived' },
    });
    await expect(client.chat.postMessage({ channel: CHANNEL, text: '3' })).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });
    await expect(client.chat.postMessage({ channel: CHANNEL, text: '4' })).resolves.toMatchObject({
      ok: true,
    });
    expect(fake.callsTo('chat.postMessage').map((c) => c.outcome)).toEqual([
      'http_error',
      'error',
      'dropped',
      'ok',
    ]);
  });

  it('answers late with delayMs, which a client timeout turns into a request error', async () => {
    const impatient = new WebClient(fake.botToken, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      timeout: 50,
      logLevel: LogLevel.ERROR,
    });
    fake.failNext('chat.postMessage', { delayMs: 2_000 });
    await expect(impatient.chat.postMessage({ channel: CHANNEL, text: 'slow' })).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });
    expect(fake.callsTo('chat.postMessage')[0]?.outcome).toBe('pending');
  });

  it('waits for a call that has not arrived yet, and times out naming the calls seen', async () => {
    const waiting = fake.waitForCall('chat.postEphemeral', (c) => c.args.user === EDITOR);
    const ephemeral = await client.chat.postEphemeral({ channel: CHANNEL, user: EDITOR, text: 'only you' });
    expect(ephemeral.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect((await waiting).args).toMatchObject({ channel: CHANNEL, user: EDITOR, text: 'only you' });

    await expect(fake.waitForCall('views.open', undefined, 20)).rejects.toThrow(/chat\.postEphemeral/);
  });

  it('gives permalinks, with the thread for a reply', async () => {
    const parent = await client.chat.postMessage({ channel: CHANNEL, text: 'Post 5' });
    const reply = await client.chat.postMessage({ channel: CHANNEL, text: 'ok', thread_ts: parent.ts! });
    const top = await client.chat.getPermalink({ channel: CHANNEL, message_ts: parent.ts! });
    const inThread = await client.chat.getPermalink({ channel: CHANNEL, message_ts: reply.ts! });
    expect(top).toMatchObject({
      ok: true,
      channel: CHANNEL,
      permalink: `https://fake.slack.test/archives/${CHANNEL}/p${parent.ts!.replace('.', '')}`,
    });
    expect(inThread.permalink).toContain(`?thread_ts=${parent.ts}&cid=${CHANNEL}`);
  });

  it('lists user group members and describes users from what the test set', async () => {
    fake.setUserGroup('S0APPROVERS', ['U0ANNA', 'U0BRUNO']);
    fake.setUser('U0ANNA', { name: 'anna', realName: 'Anna Rossi', displayName: 'Anna', tz: 'Europe/Rome' });

    expect((await client.usergroups.users.list({ usergroup: 'S0APPROVERS' })).users).toEqual([
      'U0ANNA',
      'U0BRUNO',
    ]);
    await expect(client.usergroups.users.list({ usergroup: 'S0NONE' })).rejects.toMatchObject({
      data: { error: 'no_such_subteam' },
    });
    expect((await client.users.info({ user: 'U0ANNA' })).user).toMatchObject({
      id: 'U0ANNA',
      name: 'anna',
      real_name: 'Anna Rossi',
      tz: 'Europe/Rome',
      profile: { display_name: 'Anna', real_name: 'Anna Rossi' },
    });
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({
      data: { error: 'user_not_found' },
    });
  });

  it('opens a view once per trigger and updates it by id and hash', async () => {
    const view = {
      type: 'modal' as const,
      callback_id: 'schedule_post',
      title: { type: 'plain_text' as const, text: 'Schedule' },
      blocks: [],
    };
    const opened = await client.views.open({ trigger_id: 'trigger-1', view });
    expect(opened.view).toMatchObject({ id: expect.stringMatching(/^V/), callback_id: 'schedule_post' });
    expect(fake.callsTo('views.open')[0]?.args.view).toEqual(view);
    await expect(client.views.open({ trigger_id: 'trigger-1', view })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });

    const updated = await client.views.update({
      view_id: opened.view!.id!,
      hash: opened.view!.hash!,
      view: { ...view, title: { type: 'plain_text', text: 'Scheduled' } },
    });
    expect(updated.view).toMatchObject({ id: opened.view!.id, title: { text: 'Scheduled' } });
    await expect(
      client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view }),
    ).rejects.toMatchObject({ data: { error: 'hash_conflict' } });
  });

  it('keeps the metadata a message is posted with and shows it only with include_all_metadata', async () => {
    const metadata = { event_type: 'araldo_message', event_payload: { message_id: '41', post_id: '7' } };
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'card', metadata });

    expect(fake.message(CHANNEL, posted.ts!)?.metadata).toEqual(metadata);
    expect(fake.callsTo('chat.postMessage')[0]?.args.metadata).toEqual(metadata);
    const plain = await client.conversations.history({ channel: CHANNEL });
    const full = await client.conversations.history({ channel: CHANNEL, include_all_metadata: true });
    expect(plain.messages?.[0]).not.toHaveProperty('metadata');
    expect(full.messages?.[0]).toMatchObject({ ts: posted.ts, bot_id: fake.botId, metadata });
  });

  it('keeps metadata through chat.update unless given {}, and refuses malformed metadata', async () => {
    const metadata = { event_type: 'araldo_message', event_payload: { message_id: '1' } };
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'v1', metadata });
    await client.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'v2' });
    expect(fake.message(CHANNEL, posted.ts!)).toMatchObject({ text: 'v2', metadata });

    const replaced = { event_type: 'araldo_message', event_payload: { message_id: '2' } };
    await client.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'v3', metadata: replaced });
    expect(fake.message(CHANNEL, posted.ts!)?.metadata).toEqual(replaced);
    await client.apiCall('chat.update', { channel: CHANNEL, ts: posted.ts!, text: 'v4', metadata: {} });
    expect(fake.message(CHANNEL, posted.ts!)?.metadata).toBeUndefined();

    await expect(
      client.apiCall('chat.postMessage', { channel: CHANNEL, text: 'x', metadata: { event_payload: {} } }),
    ).rejects.toMatchObject({ data: { error: 'invalid_metadata_format' } });
  });

  it('lists history newest first, within oldest and latest, without thread replies unless broadcast', async () => {
    const first = await client.chat.postMessage({ channel: CHANNEL, text: 'first' });
    const card = await client.chat.postMessage({ channel: CHANNEL, text: 'card' });
    await client.chat.postMessage({ channel: CHANNEL, text: 'in thread', thread_ts: card.ts! });
    const broadcast = await client.chat.postMessage({
      channel: CHANNEL,
      text: 'also in channel',
      thread_ts: card.ts!,
      reply_broadcast: true,
    });
    const last = await client.chat.postMessage({ channel: CHANNEL, text: 'last' });

    const all = await client.conversations.history({ channel: CHANNEL });
    expect(all.messages?.map((m) => m.text)).toEqual(['last', 'also in channel', 'card', 'first']);
    expect(all).toMatchObject({ ok: true, has_more: false, pin_count: 0 });
    expect(all.messages?.[1]).toMatchObject({ subtype: 'thread_broadcast', thread_ts: card.ts });
    expect(all.messages?.[2]).toMatchObject({
      thread_ts: card.ts,
      reply_count: 2,
      latest_reply: broadcast.ts,
    });

    const between = await client.conversations.history({
      channel: CHANNEL,
      oldest: first.ts!,
      latest: last.ts!,
    });
    expect(between.messages?.map((m) => m.text)).toEqual(['also in channel', 'card']);
    const one = await client.conversations.history({
      channel: CHANNEL,
      latest: card.ts!,
      inclusive: true,
      limit: 1,
    });
    expect(one.messages?.map((m) => m.ts)).toEqual([card.ts]);
    expect(one.has_more).toBe(true);

    await expect(client.conversations.history({ channel: 'C0ELSEWHERE' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(
      client.conversations.history({ channel: CHANNEL, oldest: 'yesterday' }),
    ).rejects.toMatchObject({
      data: { error: 'invalid_ts_oldest' },
    });
  });

  it('pages history with limit and next_cursor until has_more is false', async () => {
    for (const n of [1, 2, 3, 4, 5]) await client.chat.postMessage({ channel: CHANNEL, text: `m${n}` });

    const seen: string[][] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await client.conversations.history({
        channel: CHANNEL,
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      seen.push((page.messages ?? []).map((m) => m.text ?? ''));
      cursor = page.response_metadata?.next_cursor;
      expect(page.has_more).toBe(cursor !== undefined);
      if (!cursor) break;
    }

    expect(seen).toEqual([['m5', 'm4'], ['m3', 'm2'], ['m1']]);
  });

  it('lists a thread with conversations.replies, parent first, from the parent or any reply', async () => {
    const metadata = { event_type: 'araldo_message', event_payload: { message_id: '9' } };
    const card = await client.chat.postMessage({ channel: CHANNEL, text: 'card' });
    const reply = await client.chat.postMessage({
      channel: CHANNEL,
      text: 'r1',
      thread_ts: card.ts!,
      metadata,
    });
    fake.addMessage(CHANNEL, { user: EDITOR, text: 'r2 from a person', threadTs: card.ts! });
    await client.chat.postMessage({ channel: CHANNEL, text: 'elsewhere' });

    const thread = await client.conversations.replies({
      channel: CHANNEL,
      ts: card.ts!,
      include_all_metadata: true,
    });
    expect(thread.messages?.map((m) => m.text)).toEqual(['card', 'r1', 'r2 from a person']);
    expect(thread.messages?.[1]).toMatchObject({
      thread_ts: card.ts,
      parent_user_id: fake.botUserId,
      metadata,
    });
    expect(thread.has_more).toBe(false);
    const fromReply = await client.conversations.replies({ channel: CHANNEL, ts: reply.ts! });
    expect(fromReply.messages?.map((m) => m.text)).toEqual(['card', 'r1', 'r2 from a person']);
    expect(fromReply.messages?.[1]).not.toHaveProperty('metadata');

    const paged = await client.conversations.replies({ channel: CHANNEL, ts: card.ts!, limit: 2 });
    expect(paged.messages?.map((m) => m.text)).toEqual(['card', 'r1']);
    const rest = await client.conversations.replies({
      channel: CHANNEL,
      ts: card.ts!,
      limit: 2,
      cursor: paged.response_metadata!.next_cursor!,
    });
    expect(rest.messages?.map((m) => m.text)).toEqual(['r2 from a person']);
    expect(rest.has_more).toBe(false);

    const after = await client.conversations.replies({ channel: CHANNEL, ts: card.ts!, oldest: reply.ts! });
    expect(after.messages?.map((m) => m.text)).toEqual(['r2 from a person']);
    await expect(client.conversations.replies({ channel: CHANNEL, ts: '1.000001' })).rejects.toMatchObject({
      data: { error: 'thread_not_found' },
    });
  });

  it('fails the answer after performing the call: a 5xx or a drop with the message stored', async () => {
    fake.failNext('chat.postMessage', { status: 503, performed: true });
    fake.failNext('chat.postMessage', { drop: true, performed: true });

    await expect(client.chat.postMessage({ channel: CHANNEL, text: 'lost answer' })).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 503,
    });
    await expect(
      client.chat.postMessage({ channel: CHANNEL, text: 'lost connection' }),
    ).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });

    expect(fake.messages(CHANNEL).map((m) => m.text)).toEqual(['lost answer', 'lost connection']);
    expect(fake.callsTo('chat.postMessage').map((c) => [c.outcome, c.performed])).toEqual([
      ['http_error', true],
      ['dropped', true],
    ]);
  });

  it('fails before performing unless told otherwise: nothing stored after a 5xx, a drop or a 429', async () => {
    fake.failNext('chat.postMessage', { status: 500 });
    fake.failNext('chat.postMessage', { drop: true });
    const rejecting = new WebClient(fake.botToken, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
    fake.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 3 });

    for (let n = 0; n < 3; n += 1) {
      await expect(rejecting.chat.postMessage({ channel: CHANNEL, text: 'never' })).rejects.toBeDefined();
    }

    expect(fake.messages(CHANNEL)).toEqual([]);
    expect(fake.callsTo('chat.postMessage').map((c) => c.performed)).toEqual([false, false, false]);
  });

  it('performs at once and answers late, past a client timeout', async () => {
    const impatient = new WebClient(fake.botToken, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      timeout: 50,
      logLevel: LogLevel.ERROR,
    });
    fake.failNext('chat.postMessage', { delayMs: 2_000, performed: true });

    await expect(
      impatient.chat.postMessage({ channel: CHANNEL, text: 'slow but done' }),
    ).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });

    expect(fake.messages(CHANNEL).map((m) => m.text)).toEqual(['slow but done']);
    expect(fake.callsTo('chat.postMessage')[0]).toMatchObject({ outcome: 'pending', performed: true });
  });

  it('reports reactions on messages people posted', async () => {
    const ts = fake.addMessage(CHANNEL, { user: EDITOR, text: 'draft' });
    fake.addReaction(CHANNEL, ts, 'white_check_mark', 'U0ANNA');
    await client.reactions.add({ channel: CHANNEL, timestamp: ts, name: 'eyes' });
    const got = await client.reactions.get({ channel: CHANNEL, timestamp: ts });
    expect(got.message?.reactions).toEqual([
      { name: 'white_check_mark', users: ['U0ANNA'], count: 1 },
      { name: 'eyes', users: [fake.botUserId], count: 1 },
    ]);
  });
});

describe('FakeSlack Socket Mode', () => {
  let fake: FakeSlack;
  let socketClient: SocketModeClient;

  beforeEach(async () => {
    fake = await FakeSlack.start();
    socketClient = new SocketModeClient({
      appToken: fake.appToken,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
      // also the reconnect delay; small so the reconnect test stays quick
      clientPingTimeout: 300,
    });
    await socketClient.start();
  });

  afterEach(async () => {
    await socketClient.disconnect();
    await fake.close();
  });

  it('hands out the WebSocket URL for the app-level token only', async () => {
    const [open] = fake.callsTo('apps.connections.open');
    expect(open).toMatchObject({ token: fake.appToken, outcome: 'ok' });
    expect(fake.socketConnections).toBe(1);
    const bot = new WebClient(fake.botToken, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    await expect(bot.apps.connections.open({})).rejects.toMatchObject({
      data: { error: 'not_allowed_token_type' },
    });
  });

  it('delivers a slash_commands envelope and resolves with the ack', async () => {
    socketClient.on(
      'slash_commands',
      ({ ack, body }: { ack: (r: object) => Promise<void>; body: unknown }) => {
        void ack({ text: `received ${(body as { text: string }).text}` });
      },
    );
    const command = slashCommandBody({
      command: '/araldo',
      text: 'status 12',
      userId: EDITOR,
      channelId: 'C0SOCIAL',
    });

    const ack = await fake.sendEnvelope('slash_commands', command);

    expect(ack.envelope_id).toBe(fake.envelopes[0]?.envelope_id);
    expect(ack.payload).toEqual({ text: 'received status 12' });
    expect(fake.envelopes[0]).toMatchObject({ type: 'slash_commands', accepts_response_payload: true });
  });

  it('delivers events_api envelopes with their retry attempt', async () => {
    const seen = deferred<{ retry_num: number; retry_reason: string; body: unknown }>();
    socketClient.on(
      'slack_event',
      (args: { ack: () => Promise<void>; retry_num: number; retry_reason: string; body: unknown }) => {
        void args.ack();
        seen.resolve(args);
      },
    );
    const event = reactionAddedEvent({
      user: EDITOR,
      reaction: 'white_check_mark',
      channel: 'C0SOCIAL',
      ts: '1763766000.000100',
      itemUser: fake.botUserId,
    });

    const ack = await fake.sendEnvelope('events_api', event, { retryAttempt: 1, retryReason: 'timeout' });

    expect(ack.envelope_id).toBe(fake.envelopes[0]?.envelope_id);
    expect(await seen.promise).toMatchObject({ retry_num: 1, retry_reason: 'timeout', body: event });
  });

  it('sees the client reconnect after a disconnect message', async () => {
    await fake.disconnectSockets();
    await fake.waitForSocketClient();
    expect(fake.socketConnections).toBe(2);
    expect(fake.callsTo('apps.connections.open')).toHaveLength(2);

    socketClient.on('interactive', ({ ack }: { ack: () => Promise<void> }) => void ack());
    const ack = await fake.sendEnvelope(
      'interactive',
      blockActionsPayload({
        actionId: 'approve',
        value: '12',
        userId: EDITOR,
        channelId: 'C0SOCIAL',
        messageTs: '1763766000.000100',
      }),
    );
    expect(ack.envelope_id).toBe(fake.envelopes[0]?.envelope_id);
  });

  it('refuses a WebSocket URL it did not hand out', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${fake.port}/socket?ticket=forged`);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('error', () => {});
    });
    expect(status).toBe(401);
  });
});

describe('signed requests to a real Bolt HTTP receiver', () => {
  const SECRET = 'fake-signing-secret';
  let fake: FakeSlack;
  let app: App;
  let endpoint: string;

  beforeEach(async () => {
    fake = await FakeSlack.start();
    app = new App({
      token: fake.botToken,
      signingSecret: SECRET,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
    });
  });

  async function start(): Promise<void> {
    const server: Server = await app.start({ port: 0, host: '127.0.0.1' });
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  }

  afterEach(async () => {
    await app.stop();
    await fake.close();
  });

  it('delivers a signed slash command; the listener replies through the fake', async () => {
    app.command('/araldo', async ({ command, ack, client }) => {
      await ack();
      await client.chat.postMessage({ channel: command.channel_id, text: `status of ${command.text}` });
    });
    await start();

    const response = await postSigned(endpoint, {
      secret: SECRET,
      body: slashCommandBody({ command: '/araldo', text: '12', userId: EDITOR, channelId: CHANNEL }),
    });

    expect(response.status).toBe(200);
    const reply = await fake.waitForCall('chat.postMessage');
    expect(reply.args).toMatchObject({ channel: CHANNEL, text: 'status of 12' });
  });

  it('answers 401 to unsigned, badly signed and stale requests', async () => {
    await start();
    const body = slashCommandBody({ command: '/araldo', text: '12', userId: EDITOR, channelId: CHANNEL });
    const statuses = await Promise.all([
      postSigned(endpoint, { secret: SECRET, body, unsigned: true }),
      postSigned(endpoint, { secret: SECRET, body, signatureOverride: 'v0=deadbeef' }),
      postSigned(endpoint, { secret: 'another-secret', body }),
      postSigned(endpoint, { secret: SECRET, body, timestamp: Math.floor(Date.now() / 1000) - 600 }),
    ]);
    expect(statuses.map((r) => r.status)).toEqual([401, 401, 401, 401]);
  });

  it('delivers a view_submission with its state values', async () => {
    const submitted = deferred<unknown>();
    app.view('schedule_post', async ({ ack, view }) => {
      await ack();
      submitted.resolve(view.state.values);
    });
    await start();
    const values = {
      text: { text: plainTextInputValue('Open day at the library') },
      targets: { targets: multiStaticSelectValue(['sito', 'mastodon']) },
      day: { day: datepickerValue('2025-11-28') },
      time: { time: timepickerValue('09:30') },
      options: { options: checkboxesValue(['notify']) },
    };
    const payload = viewSubmissionPayload({
      callbackId: 'schedule_post',
      privateMetadata: '{"post":12}',
      values,
      userId: EDITOR,
    });

    const response = await postSigned(endpoint, { secret: SECRET, body: { payload } });

    expect(response.status).toBe(200);
    expect(await submitted.promise).toEqual(values);
  });

  it('delivers an Events API body with the retry headers as context', async () => {
    const seen = deferred<{
      reaction: string;
      retryNum: number | undefined;
      retryReason: string | undefined;
    }>();
    app.event('reaction_added', async ({ event, context }) => {
      seen.resolve({
        reaction: event.reaction,
        retryNum: context.retryNum,
        retryReason: context.retryReason,
      });
    });
    await start();
    const body = reactionAddedEvent({
      user: EDITOR,
      reaction: 'white_check_mark',
      channel: CHANNEL,
      ts: '1763766000.000100',
      itemUser: fake.botUserId,
    });

    const response = await postSigned(endpoint, {
      secret: SECRET,
      body,
      contentType: 'application/json',
      retryNum: 1,
      retryReason: 'http_timeout',
    });

    expect(response.status).toBe(200);
    expect(await seen.promise).toEqual({
      reaction: 'white_check_mark',
      retryNum: 1,
      retryReason: 'http_timeout',
    });
  });

  it('delivers a button click as block_actions', async () => {
    const clicked = deferred<string | undefined>();
    app.action('approve', async ({ ack, action }) => {
      await ack();
      clicked.resolve('value' in action ? action.value : undefined);
    });
    await start();
    const payload = blockActionsPayload({
      actionId: 'approve',
      value: 'post-12',
      userId: EDITOR,
      channelId: CHANNEL,
      messageTs: '1763766000.000100',
    });

    const response = await postSigned(endpoint, { secret: SECRET, body: { payload } });

    expect(response.status).toBe(200);
    expect(await clicked.promise).toBe('post-12');
  });
});

describe('a Bolt app in Socket Mode', () => {
  it('connects through installerOptions.clientOptions and acks a slash command with a response', async () => {
    const fake = await FakeSlack.start();
    const app = new App({
      token: fake.botToken,
      appToken: fake.appToken,
      socketMode: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
      // Bolt builds its SocketModeClient from installerOptions.clientOptions, not clientOptions.
      installerOptions: { clientOptions: { slackApiUrl: fake.url } },
    });
    app.command('/araldo', async ({ ack, command }) => {
      await ack({ text: `queued ${command.text}` });
    });
    try {
      await app.start();
      const ack = await fake.sendEnvelope(
        'slash_commands',
        slashCommandBody({ command: '/araldo', text: '7', userId: EDITOR, channelId: CHANNEL }),
      );
      expect(ack.payload).toEqual({ text: 'queued 7' });
    } finally {
      await app.stop();
      await fake.close();
    }
  });
});
