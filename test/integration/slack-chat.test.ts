import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../../src/chat/slack/slack-adapter.ts';
import { SlackChat, type SlackChatOptions } from '../../src/chat/slack/slack-chat.ts';
import type { Card } from '../../src/core/card.ts';
import type { Desk, IncomingReaction, IncomingThreadReply, LocateResult } from '../../src/core/desk.ts';
import type { ChatFailure, ChatResult, MessageKey } from '../../src/core/ports.ts';
import type { Team } from '../../src/core/team.ts';
import { FakeSlack } from '../fakes/fake-slack.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { FAKE_EPOCH_SECONDS, messageInThreadEvent, reactionAddedEvent } from '../fixtures/slack-payloads.ts';

// SlackChat, the outbox's Slack side, through the real WebClient against FakeSlack: what crossed
// the wire and what Slack ended up holding, for every way a write can fail.

const CHANNEL = 'C0SOCIAL';
const EDITOR = 'U0EDITOR';
/** a token distinctive enough that finding it anywhere is a leak */
const TOKEN = 'xoxb-4242-8484-araldoSECRETtoken';
/** when the messages were owed: the fake's ts start here too */
const OWED_AT = new Date(FAKE_EPOCH_SECONDS * 1000);
/** a look-up starts a minute before the message was owed */

const TEAM: Team = {
  id: 'comunicazione',
  chat: 'slack',
  channel: CHANNEL,
  language: 'it',
  timeZone: 'Europe/Rome',
  approvers: [],
  approvalsRequired: 1,
  targets: ['sito'],
  posting: {},
  digest: { time: '08:30', days: ['mon'] },
};

const CARD: Card = {
  language: 'it',
  postNumber: 7,
  version: 1,
  text: 'Open day in biblioteca sabato alle 10',
  images: [],
  targets: [
    {
      id: 'sito',
      displayName: 'Sito',
      network: 'feed',
      used: 37,
      limit: undefined,
      url: undefined,
      altTextDropped: false,
    },
  ],
  when: undefined,
  author: { id: EDITOR, name: 'Giulia' },
  state: 'pending',
  urgent: false,
  approvals: { have: 0, need: 1, by: [] },
};

function key(messageId: string, options: { mayExist?: boolean; postId?: string | null } = {}): MessageKey {
  const postId = options.postId === undefined ? '7' : options.postId;
  return {
    messageId,
    mayExist: options.mayExist ?? false,
    owedAt: OWED_AT,
    ...(postId === null ? {} : { postId }),
  };
}

function marked(messageId: string, kind: string, postId = '7') {
  return { event_type: 'araldo_message', event_payload: { message_id: messageId, post_id: postId, kind } };
}

function failureOf<T>(result: ChatResult<T>): ChatFailure {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function successOf<T>(result: ChatResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** A loopback port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('SlackChat against FakeSlack', () => {
  let fake: FakeSlack;
  let logger: RecordingLogger;
  let chat: SlackChat;

  function chatWith(options: Partial<SlackChatOptions> = {}): SlackChat {
    return new SlackChat({ botToken: TOKEN, apiUrl: fake.url, logger, ...options });
  }

  beforeEach(async () => {
    fake = await FakeSlack.start({ channels: [CHANNEL], botToken: TOKEN });
    logger = new RecordingLogger();
    chat = chatWith();
  });

  afterEach(async () => {
    await fake.close();
  });

  it('marks every message it writes with its outbox row, post and kind', async () => {
    const card = successOf(await chat.postCard(TEAM, CARD, key('101')));
    successOf(
      await chat.replyInThread(TEAM, card.cardRef, { text: 'Approvato', mentions: [EDITOR] }, key('102')),
    );
    successOf(await chat.postInChannel(TEAM, { text: 'Riepilogo del giorno' }, key('103', { postId: null })));

    const posts = fake.callsTo('chat.postMessage');
    expect(posts.map((call) => call.args.metadata)).toEqual([
      marked('101', 'card'),
      marked('102', 'thread'),
      marked('103', 'channel', ''),
    ]);
    expect(posts.map((call) => call.token)).toEqual([TOKEN, TOKEN, TOKEN]);
    const [cardMessage, reply, digest] = fake.messages(CHANNEL);
    expect(card).toEqual({
      cardRef: `${CHANNEL}/${cardMessage?.ts}`,
      link: `https://fake.slack.test/archives/${CHANNEL}/p${cardMessage?.ts.replace('.', '')}`,
    });
    expect(cardMessage?.metadata).toEqual(marked('101', 'card'));
    expect(reply).toMatchObject({ threadTs: cardMessage?.ts, text: `<@${EDITOR}> Approvato` });
    expect(digest).toMatchObject({ threadTs: undefined, metadata: marked('103', 'channel', '') });
  });

  it('gives the Retry-After of a 429 as rate_limited, writes nothing and does not retry', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 7 });

    const failure = failureOf(await chat.postCard(TEAM, CARD, key('201')));

    expect(failure).toMatchObject({ code: 'rate_limited', retryAfterMs: 7000 });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(fake.messages(CHANNEL)).toEqual([]);
  });

  it('after a 5xx that was performed, finds its card instead of posting a second one', async () => {
    fake.failNext('chat.postMessage', { status: 503, performed: true });

    expect(failureOf(await chat.postCard(TEAM, CARD, key('301')))).toMatchObject({ code: 'uncertain' });
    const again = successOf(await chat.postCard(TEAM, CARD, key('301', { mayExist: true })));

    const [only] = fake.messages(CHANNEL);
    expect(fake.messages(CHANNEL)).toHaveLength(1);
    expect(again.cardRef).toBe(`${CHANNEL}/${only?.ts}`);
    expect(again.link).toContain(only?.ts.replace('.', ''));
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    // No `oldest` bound: Araldo's clock need not be Slack's.
    expect(fake.callsTo('conversations.history')[0]?.args).not.toHaveProperty('oldest');
    expect(fake.callsTo('conversations.history')[0]?.args).toMatchObject({
      channel: CHANNEL,
      include_all_metadata: 'true',
    });
  });

  it('after a connection dropped once the message was stored, finds it too', async () => {
    fake.failNext('chat.postMessage', { drop: true, performed: true });

    expect(failureOf(await chat.postInChannel(TEAM, { text: 'Riepilogo' }, key('401')))).toMatchObject({
      code: 'uncertain',
    });
    successOf(await chat.postInChannel(TEAM, { text: 'Riepilogo' }, key('401', { mayExist: true })));

    expect(fake.messages(CHANNEL).map((m) => m.text)).toEqual(['Riepilogo']);
    expect(fake.callsTo('chat.postMessage').map((c) => c.outcome)).toEqual(['dropped']);
  });

  it('after an answer too late for its timeout, finds the message the call stored', async () => {
    const impatient = chatWith({ timeoutMs: 100 });
    fake.failNext('chat.postMessage', { delayMs: 5_000, performed: true });

    const failure = failureOf(await impatient.postCard(TEAM, CARD, key('451')));
    // The next attempt (any process's) has the usual time limit.
    successOf(await chat.postCard(TEAM, CARD, key('451', { mayExist: true })));

    expect(failure).toMatchObject({
      code: 'uncertain',
      detail: expect.stringContaining('no answer in time'),
    });
    expect(fake.messages(CHANNEL)).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('after a 5xx before anything was stored, the next attempt posts exactly one', async () => {
    fake.failNext('chat.postMessage', { status: 500 });

    expect(failureOf(await chat.postCard(TEAM, CARD, key('501')))).toMatchObject({ code: 'uncertain' });
    successOf(await chat.postCard(TEAM, CARD, key('501', { mayExist: true })));

    expect(fake.callsTo('conversations.history')).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage').map((c) => [c.status, c.performed])).toEqual([
      [500, false],
      [200, true],
    ]);
    expect(fake.messages(CHANNEL).map((m) => m.metadata)).toEqual([marked('501', 'card')]);
  });

  it('reports a refused connection as unavailable: nothing was sent', async () => {
    const nowhere = chatWith({ apiUrl: `http://127.0.0.1:${await closedPort()}/api/` });

    const failure = failureOf(await nowhere.postCard(TEAM, CARD, key('601')));

    expect(failure).toMatchObject({ code: 'unavailable', detail: expect.stringContaining('ECONNREFUSED') });
  });

  it('finds its own thread reply with conversations.replies, and only its own', async () => {
    const card = successOf(await chat.postCard(TEAM, CARD, key('701')));
    const cardTs = card.cardRef.split('/')[1];
    fake.addMessage(CHANNEL, { user: EDITOR, text: 'grazie', threadTs: cardTs! });
    fake.failNext('chat.postMessage', { status: 502, performed: true });

    failureOf(await chat.replyInThread(TEAM, card.cardRef, { text: 'Pubblicato' }, key('702')));
    successOf(
      await chat.replyInThread(TEAM, card.cardRef, { text: 'Pubblicato' }, key('702', { mayExist: true })),
    );
    // Another row's reply is not mistaken for this one: that one is written.
    successOf(
      await chat.replyInThread(TEAM, card.cardRef, { text: 'Errore' }, key('703', { mayExist: true })),
    );

    expect(fake.callsTo('conversations.replies').map((c) => c.args)).toEqual([
      expect.objectContaining({ channel: CHANNEL, ts: cardTs, include_all_metadata: 'true' }),
      expect.objectContaining({ channel: CHANNEL, ts: cardTs, include_all_metadata: 'true' }),
    ]);
    expect(fake.callsTo('conversations.history')).toEqual([]);
    const thread = fake.messages(CHANNEL).filter((m) => m.threadTs === cardTs);
    expect(thread.map((m) => m.text)).toEqual(['grazie', 'Pubblicato', 'Errore']);
  });

  it('pages through history to find an older write, and gives up past its page bound', async () => {
    const paging = chatWith({ lookupPageSize: 2, lookupMaxPages: 3 });
    fake.failNext('chat.postMessage', { status: 503, performed: true });
    failureOf(await paging.postInChannel(TEAM, { text: 'Riepilogo' }, key('801')));
    for (const n of [1, 2, 3, 4]) fake.addMessage(CHANNEL, { user: EDITOR, text: `chiacchiere ${n}` });

    successOf(await paging.postInChannel(TEAM, { text: 'Riepilogo' }, key('801', { mayExist: true })));

    const pages = fake.callsTo('conversations.history');
    expect(pages.map((c) => c.args.limit)).toEqual(['2', '2', '2']);
    expect(pages.map((c) => c.args.cursor === undefined)).toEqual([true, false, false]);
    expect(fake.messages(CHANNEL).filter((m) => m.text === 'Riepilogo')).toHaveLength(1);

    const shortSighted = chatWith({ lookupPageSize: 1, lookupMaxPages: 1 });
    fake.addMessage(CHANNEL, { user: EDITOR, text: 'ancora' });
    successOf(await shortSighted.postInChannel(TEAM, { text: 'Riepilogo' }, key('801', { mayExist: true })));
    // Written again rather than never: the bound is past any real team's traffic.
    expect(fake.messages(CHANNEL).filter((m) => m.text === 'Riepilogo')).toHaveLength(2);
    expect(logger.lines.some((l) => l.message.includes('page bound'))).toBe(true);
  });

  it('keeps the look-up failure as uncertain or rate_limited, never as unavailable', async () => {
    fake.failNext('conversations.history', { status: 503 });
    fake.failNext('conversations.history', { status: 429, retryAfterSeconds: 2 });
    fake.failNext('conversations.history', { error: 'service_unavailable' });
    fake.failNext('conversations.history', { error: 'missing_scope' });

    const failures = [];
    for (let n = 0; n < 4; n += 1)
      failures.push(failureOf(await chat.postCard(TEAM, CARD, key('851', { mayExist: true }))));

    expect(failures.map((f) => f.code)).toEqual(['uncertain', 'rate_limited', 'uncertain', 'rejected']);
    expect(failures[1]).toMatchObject({ retryAfterMs: 2000 });
    expect(failures[3]?.detail).toContain('missing_scope');
    expect(fake.callsTo('chat.postMessage')).toEqual([]);
  });

  it('refuses for good what Slack will never accept', async () => {
    const elsewhere: Team = { ...TEAM, channel: 'C0GONE' };
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    fake.failNext('chat.postMessage', { error: 'is_archived' });
    fake.failNext('chat.postMessage', { error: 'msg_too_long' });
    fake.failNext('chat.postMessage', { error: 'token_revoked' });

    const failures = [
      failureOf(await chat.postCard(TEAM, CARD, key('902'))),
      failureOf(await chat.postInChannel(TEAM, { text: 'x' }, key('903'))),
      failureOf(await chat.postInChannel(TEAM, { text: 'x' }, key('904'))),
      failureOf(await chat.postInChannel(TEAM, { text: 'x' }, key('905'))),
      failureOf(await chat.postCard(elsewhere, CARD, key('901'))),
      failureOf(await chatWith({ botToken: 'xoxb-not-ours' }).postCard(TEAM, CARD, key('906'))),
    ];

    expect(failures.map((f) => [f.code, f.detail])).toEqual([
      ['rejected', 'chat.postMessage: Slack answered not_in_channel'],
      ['rejected', 'chat.postMessage: Slack answered is_archived'],
      ['rejected', 'chat.postMessage: Slack answered msg_too_long'],
      ['rejected', 'chat.postMessage: Slack answered token_revoked'],
      ['rejected', 'chat.postMessage: Slack answered channel_not_found'],
      ['rejected', 'chat.postMessage: Slack answered invalid_auth'],
    ]);
    expect(fake.messages()).toEqual([]);
  });

  it('retries what Slack says is passing, and treats "may have succeeded" errors as uncertain', async () => {
    for (const error of [
      'ratelimited',
      'service_unavailable',
      'request_timeout',
      'internal_error',
      'fatal_error',
    ])
      fake.failNext('chat.postMessage', { error });

    const codes = [];
    for (let n = 0; n < 5; n += 1)
      codes.push(failureOf(await chat.postInChannel(TEAM, { text: 'x' }, key(`95${n}`))).code);

    // Slack documents internal_error and fatal_error as "possible some aspect of the operation succeeded".
    expect(codes).toEqual(['unavailable', 'unavailable', 'unavailable', 'uncertain', 'uncertain']);
  });

  it('updates a card in place with no look-up, keeping its metadata', async () => {
    const card = successOf(await chat.postCard(TEAM, CARD, key('1001')));
    const ts = card.cardRef.split('/')[1]!;

    successOf(
      await chat.updateCard(
        TEAM,
        card.cardRef,
        { ...CARD, state: 'approved' },
        key('1002', { mayExist: true }),
      ),
    );
    successOf(
      await chat.updateCard(
        TEAM,
        card.cardRef,
        { ...CARD, state: 'approved' },
        key('1002', { mayExist: true }),
      ),
    );
    const gone = failureOf(await chat.updateCard(TEAM, `${CHANNEL}/1.000001`, CARD, key('1003')));

    expect(fake.callsTo('chat.update').map((c) => [c.args.ts, c.args.metadata])).toEqual([
      [ts, undefined],
      [ts, undefined],
      ['1.000001', undefined],
    ]);
    expect(fake.callsTo('conversations.history')).toEqual([]);
    expect(fake.message(CHANNEL, ts)).toMatchObject({ edited: true, metadata: marked('1001', 'card') });
    expect(fake.messages(CHANNEL)).toHaveLength(1);
    expect(gone).toMatchObject({ code: 'rejected', detail: expect.stringContaining('message_not_found') });
  });

  it('posts a card whose permalink cannot be had, without the link', async () => {
    fake.failNext('chat.getPermalink', { status: 503 });

    const card = successOf(await chat.postCard(TEAM, CARD, key('1101')));

    expect(card).toEqual({ cardRef: `${CHANNEL}/${fake.messages(CHANNEL)[0]?.ts}` });
  });

  it('answers one person privately, and not again after an uncertain attempt', async () => {
    const recipient = `${CHANNEL}:${EDITOR}`;
    fake.failNext('chat.postEphemeral', { status: 503 });

    const first = failureOf(
      await chat.sayPrivately(TEAM, recipient, { text: 'Proposta <7> creata' }, key('1201')),
    );
    const retried = await chat.sayPrivately(
      TEAM,
      recipient,
      { text: 'Proposta <7> creata' },
      key('1201', { mayExist: true }),
    );
    const fresh = await chat.sayPrivately(TEAM, recipient, { text: 'Stato: approvata' }, key('1202'));
    const nowhere = failureOf(await chat.sayPrivately(TEAM, 'somewhere', { text: 'x' }, key('1203')));

    expect(first.code).toBe('uncertain');
    expect(retried).toEqual({ ok: true, value: undefined });
    expect(fresh).toEqual({ ok: true, value: undefined });
    expect(nowhere.code).toBe('rejected');
    expect(fake.callsTo('chat.postEphemeral').map((c) => c.args)).toEqual([
      { channel: CHANNEL, user: EDITOR, text: 'Proposta &lt;7&gt; creata' },
      { channel: CHANNEL, user: EDITOR, text: 'Stato: approvata' },
    ]);
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('not sent again'))).toBe(true);
  });

  it('never puts the token in a failure, nor in the log', async () => {
    fake.failNext('*', { status: 503, performed: true });
    fake.failNext('*', { drop: true });
    fake.failNext('*', { status: 429, retryAfterSeconds: 1 });
    fake.failNext('*', { error: 'invalid_auth' });
    fake.failNext('*', { error: 'internal_error' });
    const failures = [];
    for (let n = 0; n < 5; n += 1) failures.push(failureOf(await chat.postCard(TEAM, CARD, key(`130${n}`))));
    const nowhere = chatWith({ apiUrl: `http://127.0.0.1:${await closedPort()}/api/` });
    failures.push(failureOf(await nowhere.postCard(TEAM, CARD, key('1398'))));
    failures.push(failureOf(await nowhere.postCard(TEAM, CARD, key('1399', { mayExist: true }))));

    expect(failures.map((f) => f.code)).toEqual([
      'uncertain',
      'uncertain',
      'rate_limited',
      'rejected',
      'uncertain',
      'unavailable',
      // a look-up that could not be made leaves the earlier attempt unknown
      'uncertain',
    ]);
    for (const failure of failures) expect(failure.detail).not.toContain(TOKEN);
    expect(JSON.stringify(logger.lines)).not.toContain(TOKEN);
  });
});

/** The desk's side the adapter reaches from reactions and thread replies, recording each call. */
class RecordingDesk {
  readonly reactions: IncomingReaction[] = [];
  readonly replies: IncomingThreadReply[] = [];
  readonly #waiters: { predicate: () => boolean; resolve: () => void }[] = [];

  constructor(readonly teams: readonly Team[]) {}

  team(teamId: string): Team | undefined {
    return this.teams.find((team) => team.id === teamId);
  }

  // The desk knows no card references: every card is one whose reference is not stored yet.
  async react(reaction: IncomingReaction): Promise<LocateResult> {
    this.reactions.push(reaction);
    this.#wake();
    return 'postId' in reaction.post ? 'applied' : 'no_such_post';
  }

  async threadReply(reply: IncomingThreadReply): Promise<LocateResult> {
    this.replies.push(reply);
    this.#wake();
    return 'postId' in reply.post ? 'applied' : 'no_such_post';
  }

  /** resolves once `predicate` holds after a call */
  until(predicate: () => boolean): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ predicate, resolve }));
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) {
      if (!waiter.predicate()) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

describe('SlackAdapter finds a card by its metadata', () => {
  let fake: FakeSlack;
  let desk: RecordingDesk;
  let adapter: SlackAdapter;

  beforeEach(async () => {
    fake = await FakeSlack.start({ channels: [CHANNEL] });
    fake.setUser(EDITOR, { name: 'editor' });
    desk = new RecordingDesk([TEAM]);
    adapter = new SlackAdapter(
      // Only react, threadReply, team and teams are reached on these paths.
      desk as unknown as Desk,
      {
        botToken: fake.botToken,
        signingSecret: undefined,
        appToken: fake.appToken,
        apiUrl: fake.url,
        teams: [TEAM],
        logger: new RecordingLogger(),
        retries: 0,
      },
    );
    await adapter.start();
  });

  afterEach(async () => {
    await adapter.stop();
    await fake.close();
  });

  function cardOf(postId: string): string {
    return fake.addMessage(CHANNEL, {
      user: fake.botUserId,
      text: `Proposta ${postId}`,
      metadata: marked(`m${postId}`, 'card', postId),
    });
  }

  it('gives the desk the post a reacted card names when its reference is not stored yet', async () => {
    const ts = cardOf('42');

    await fake.sendEnvelope(
      'events_api',
      reactionAddedEvent({
        user: EDITOR,
        reaction: 'white_check_mark',
        channel: CHANNEL,
        ts,
        itemUser: fake.botUserId,
      }),
    );
    await desk.until(() => desk.reactions.length === 2);

    expect(desk.reactions.map((r) => r.post)).toEqual([{ cardRef: `${CHANNEL}/${ts}` }, { postId: '42' }]);
    expect(fake.callsTo('conversations.history')[0]?.args).toEqual({
      channel: CHANNEL,
      latest: ts,
      inclusive: 'true',
      limit: '1',
      include_all_metadata: 'true',
    });
  });

  it('does the same for a reply in the card thread', async () => {
    const ts = cardOf('43');

    await fake.sendEnvelope(
      'events_api',
      messageInThreadEvent({ user: EDITOR, text: 'Va bene così?', channel: CHANNEL, threadTs: ts }),
    );
    await desk.until(() => desk.replies.length === 2);

    expect(desk.replies.map((r) => [r.post, r.text])).toEqual([
      [{ cardRef: `${CHANNEL}/${ts}` }, 'Va bene così?'],
      [{ postId: '43' }, 'Va bene così?'],
    ]);
  });

  it('takes no thread reply, channel message or message of someone else for a card', async () => {
    const card = cardOf('44');
    const threadReply = fake.addMessage(CHANNEL, {
      user: fake.botUserId,
      text: 'Pubblicato',
      threadTs: card,
      metadata: marked('m45', 'thread', '44'),
    });
    const digest = fake.addMessage(CHANNEL, {
      user: fake.botUserId,
      text: 'Riepilogo',
      metadata: marked('m46', 'channel', '44'),
    });
    const impostor = fake.addMessage(CHANNEL, {
      user: EDITOR,
      text: 'finta',
      metadata: marked('m47', 'card', '44'),
    });
    for (const ts of [threadReply, digest, impostor]) {
      await fake.sendEnvelope(
        'events_api',
        reactionAddedEvent({
          user: EDITOR,
          reaction: 'white_check_mark',
          channel: CHANNEL,
          ts,
          itemUser: fake.botUserId,
        }),
      );
    }
    await fake.waitForCall('conversations.history', (c) => c.args.latest === impostor);
    // A real card last, so the three before have certainly been handled when it lands.
    const real = cardOf('48');
    await fake.sendEnvelope(
      'events_api',
      reactionAddedEvent({
        user: EDITOR,
        reaction: 'x',
        channel: CHANNEL,
        ts: real,
        itemUser: fake.botUserId,
      }),
    );
    await desk.until(() => desk.reactions.some((r) => 'postId' in r.post));

    expect(desk.reactions.filter((r) => 'postId' in r.post).map((r) => r.post)).toEqual([{ postId: '48' }]);
  });
});
