import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppConfig } from '../../src/config.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import { type RunningAraldo, startAraldo } from '../../src/main.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { FakeSlack, type SlackCall } from '../fakes/fake-slack.ts';
import { FakeWebhookReceiver } from '../fakes/fake-webhook-receiver.ts';
import { postSigned } from '../fakes/slack-signing.ts';
import {
  appHomeOpenedEvent,
  blockActionsPayload,
  datepickerValue,
  ephemeralAnswerOf,
  multiStaticSelectValue,
  plainTextInputValue,
  reactionAddedEvent,
  reactionRemovedEvent,
  slashCommandBody,
  timepickerValue,
  viewSubmissionPayload,
} from '../fixtures/slack-payloads.ts';
import { blockTexts } from '../support/block-texts.ts';
import { createPostgresDatabase } from '../support/test-database.ts';

const SECRET = 'test-signing-secret-123';
const CHANNEL = 'C0SOCIAL';
const EDITOR = 'U0EDITOR';
const SUPERVISOR = 'U0SUPERV';
const INTERN = 'U0INTERN';
const GROUP = 'S0CAPI';
const CHIEF = 'U0CHIEF';
// Monday 23 November 2026, 09:00 in Rome: a digest day, after 08:30.
const MONDAY_MORNING = '2026-11-23T08:00:00Z';

interface Harness {
  readonly fake: FakeSlack;
  /** Araldo's clock: retries of owed messages wait on it */
  readonly clock: FakeClock;
  readonly araldo: RunningAraldo;
  readonly url: string;
  readonly dataDir: string;
  /** the first log entry matching `predicate`, logged already or the next one (needs `logLevel`) */
  waitForLog(predicate: (entry: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
}

/** One JSON line of Araldo's log. */
type LogEntry = Record<string, unknown>;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startHarness(
  mode: 'http' | 'socket',
  options: { logLevel?: 'info'; webhook?: { url: string; secret: string }; ackBudgetMs?: number } = {},
): Promise<Harness> {
  const fake = await FakeSlack.start({ channels: [CHANNEL] });
  cleanups.push(() => fake.close());
  fake.setUser(EDITOR, { name: 'editor', displayName: 'Giulia Redattrice' });
  fake.setUser(SUPERVISOR, { name: 'supervisor', displayName: 'Marco Capo' });
  fake.setUser(INTERN, { name: 'intern', displayName: 'Luca Stagista' });
  fake.setUser(CHIEF, { name: 'chief', displayName: 'Anna Portavoce' });
  fake.setUserGroup(GROUP, [CHIEF]);
  const dataDir = mkdtempSync(join(tmpdir(), 'araldo-slack-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const server = await createPostgresDatabase();
  if (server) cleanups.push(() => server.drop());
  const config: AppConfig = {
    databaseUrl: server?.url,
    dataDir,
    port: 0,
    publicUrl: undefined,
    logLevel: options.logLevel ?? 'silent',
    shellUser: 'editor',
    teams: [
      {
        id: 'comunicazione',
        chat: 'slack',
        channel: CHANNEL,
        workspace: 'T0FAKE',
        language: 'it',
        timeZone: 'Europe/Rome',
        approvers: [SUPERVISOR, GROUP],
        approvalsRequired: 1,
        targets: options.webhook ? ['sito', 'avvisi-hook'] : ['sito'],
        posting: {},
        digest: { time: '08:30', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      },
    ],
    targets: [
      { id: 'sito', network: 'feed', displayName: 'Sito istituzionale', credentials: {} },
      ...(options.webhook
        ? [
            {
              id: 'avvisi-hook',
              network: 'webhook' as const,
              displayName: 'Avvisi (webhook)',
              credentials: { url: options.webhook.url, secret: options.webhook.secret },
            },
          ]
        : []),
    ],
    slack: {
      botToken: fake.botToken,
      signingSecret: mode === 'http' ? SECRET : undefined,
      appToken: mode === 'socket' ? fake.appToken : undefined,
      apiUrl: fake.url,
      ...(options.ackBudgetMs === undefined ? {} : { ackBudgetMs: options.ackBudgetMs }),
    },
    secrets: [fake.botToken, SECRET],
    configSource: 'test',
    clockStart: undefined,
  };
  const sink = new PassThrough();
  const logs: LogEntry[] = [];
  const logged = new EventEmitter();
  let partial = '';
  sink.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    for (let end = partial.indexOf('\n'); end >= 0; end = partial.indexOf('\n')) {
      const line = partial.slice(0, end);
      partial = partial.slice(end + 1);
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as LogEntry;
      logs.push(entry);
      logged.emit('entry', entry);
    }
  });
  const waitForLog = (predicate: (entry: LogEntry) => boolean, timeoutMs = 5000) =>
    new Promise<LogEntry>((resolve, reject) => {
      const found = logs.find(predicate);
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        logged.off('entry', listener);
        reject(new Error(`no matching log entry within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (entry: LogEntry) => {
        if (!predicate(entry)) return;
        clearTimeout(timer);
        logged.off('entry', listener);
        resolve(entry);
      };
      logged.on('entry', listener);
    });
  const clock = new FakeClock(MONDAY_MORNING);
  const araldo = await startAraldo(config, {
    stdin: Readable.from([]),
    stdout: sink,
    stderr: sink,
    clock,
  });
  cleanups.push(() => araldo.stop());
  return { fake, clock, araldo, url: `http://127.0.0.1:${araldo.port}/slack/events`, dataDir, waitForLog };
}

function blocksText(call: SlackCall): string {
  return JSON.stringify(call.args.blocks ?? '');
}

/** Every mrkdwn text object of a message's blocks (sections, fields, context elements). */
function mrkdwnTexts(call: SlackCall): string[] {
  const texts: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      const object = value as Record<string, unknown>;
      if (object.type === 'mrkdwn' && typeof object.text === 'string') texts.push(object.text);
      Object.values(object).forEach(visit);
    }
  };
  visit(call.args.blocks);
  return texts;
}

function isCard(number: number) {
  return (call: SlackCall) =>
    call.args.thread_ts === undefined && blocksText(call).includes(`Proposta #${number}`);
}

function inThread(ts: string, pattern: RegExp) {
  return (call: SlackCall) => call.args.thread_ts === ts && pattern.test(String(call.args.text));
}

async function command(h: Harness, user: string, text: string, name = '/propose') {
  const response = await postSigned(h.url, {
    secret: SECRET,
    body: slashCommandBody({ command: name, text, userId: user, channelId: CHANNEL }),
  });
  return { status: response.status, answer: ephemeralAnswerOf(response.body) };
}

/** Types a command and returns the answer its acknowledgement carries (every command has one). */
async function ask(h: Harness, user: string, text: string, name = '/propose'): Promise<string> {
  const { status, answer } = await command(h, user, text, name);
  expect(status).toBe(200);
  if (answer === undefined) throw new Error(`${name} ${text}: acknowledged without an answer`);
  return answer;
}

function event(h: Harness, body: object, retryNum?: number) {
  return postSigned(h.url, {
    secret: SECRET,
    body: JSON.stringify(body),
    contentType: 'application/json',
    ...(retryNum === undefined ? {} : { retryNum, retryReason: 'http_timeout' }),
  });
}

/** Proposes and waits until the desk has answered, so the card's reference is stored. */
async function proposeCard(h: Harness, text: string, number = 1): Promise<string> {
  expect(await ask(h, EDITOR, text)).toMatch(new RegExp(`^${IT['propose.created']({ number })}`));
  const card = await h.fake.waitForCall('chat.postMessage', isCard(number));
  return ts(card);
}

function ts(call: SlackCall): string {
  return String((call.response as { ts?: string }).ts);
}

describe('Araldo on Slack', () => {
  it('runs the whole loop over HTTP: propose, card, approve, publish, thread reply with link, card updated', async () => {
    const h = await startHarness('http');
    const text = 'Prova di pubblicazione: è tutto a posto & <ok>';
    // Slack escapes &, < and > in the text it sends (docs: formatting text, escaping).
    const response = await command(
      h,
      EDITOR,
      'to:sito Prova di pubblicazione: è tutto a posto &amp; &lt;ok&gt;',
    );
    // 200, not Bolt's 404 for a request left unacknowledged for 3 s: the ack
    // came in time, with the answer. How fast is measured by `npm run bench`, not here.
    expect(response).toEqual({ status: 200, answer: IT['propose.created']({ number: 1 }) });

    const card = await h.fake.waitForCall('chat.postMessage', isCard(1));
    expect(card.args.channel).toBe(CHANNEL);
    expect(blocksText(card)).toContain('è tutto a posto &amp; &lt;ok&gt;');
    expect(blocksText(card)).toContain('<@U0EDITOR>');
    // The answer rode on the ack: no separate ephemeral message.
    expect(h.fake.callsTo('chat.postEphemeral')).toHaveLength(0);

    const cardTs = ts(card);
    const reaction = reactionAddedEvent({
      user: SUPERVISOR,
      reaction: 'white_check_mark',
      channel: CHANNEL,
      ts: cardTs,
      itemUser: h.fake.botUserId,
      eventId: 'Ev0APPROVE',
    });
    expect((await event(h, reaction)).status).toBe(200);
    const approved = await h.fake.waitForCall(
      'chat.postMessage',
      inThread(cardTs, /Approvata da Marco Capo/),
    );
    expect(String(approved.args.text)).toContain('La pubblico subito.');
    const published = await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /Pubblicata su Sito/));
    expect(String(published.args.text)).toMatch(
      new RegExp(
        `^<@${EDITOR}> Pubblicata su Sito istituzionale: http://localhost:${h.araldo.port}/feeds/sito\\.xml#post-1-`,
      ),
    );
    const updated = await h.fake.waitForCall(
      'chat.update',
      (call) => call.args.ts === cardTs && blocksText(call).includes('pubblicata'),
    );
    expect(blocksText(updated)).toContain('1/1 (Marco Capo)');

    // Slack retries the event: it must not count or say anything twice.
    expect((await event(h, reaction, 1)).status).toBe(200);
    expect(await ask(h, EDITOR, 'stato 1', '/araldo')).toMatch(/^#1 —/);
    expect(h.fake.callsTo('chat.postMessage').filter(inThread(cardTs, /Approvata/))).toHaveLength(1);

    // The feed is rendered from the database and served over HTTP.
    const served = await fetch(`http://127.0.0.1:${h.araldo.port}/feeds/sito.xml`);
    expect(served.status).toBe(200);
    const feed = new XMLParser({ ignoreAttributes: false }).parse(await served.text()) as {
      feed: { entry: { content: { '#text': string } } };
    };
    expect(feed.feed.entry.content['#text']).toBe(text);
  });

  it('refuses unsigned, badly signed and stale requests with 401', async () => {
    const h = await startHarness('http');
    const body = slashCommandBody({
      command: '/propose',
      text: 'to:sito Ciao',
      userId: EDITOR,
      channelId: CHANNEL,
    });
    expect((await postSigned(h.url, { secret: SECRET, body, unsigned: true })).status).toBe(401);
    expect((await postSigned(h.url, { secret: 'wrong-secret-456', body })).status).toBe(401);
    expect((await postSigned(h.url, { secret: SECRET, body, signatureOverride: 'v0=deadbeef' })).status).toBe(
      401,
    );
    const stale = Math.floor(Date.now() / 1000) - 600;
    expect((await postSigned(h.url, { secret: SECRET, body, timestamp: stale })).status).toBe(401);
    expect(h.fake.callsTo('chat.postMessage').filter(isCard(1))).toHaveLength(0);
  });

  it('counts approvers by user group, ignores the author and answers a non-approver once', async () => {
    const h = await startHarness('http');
    const cardTs = await proposeCard(h, 'to:sito Avviso');
    const react = (user: string, eventId: string) =>
      event(
        h,
        reactionAddedEvent({
          user,
          reaction: 'white_check_mark',
          channel: CHANNEL,
          ts: cardTs,
          itemUser: h.fake.botUserId,
          eventId,
        }),
      );
    await react(EDITOR, 'Ev1');
    await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /non può approvare la propria proposta/));
    await react(INTERN, 'Ev2');
    await react(INTERN, 'Ev3');
    await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /non conta come approvazione/));
    await react(CHIEF, 'Ev4');
    await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /Approvata da Anna Portavoce/));
    expect(
      h.fake.callsTo('chat.postMessage').filter(inThread(cardTs, /non conta come approvazione/)),
    ).toHaveLength(1);
    expect(h.fake.callsTo('usergroups.users.list').every((call) => call.args.usergroup === GROUP)).toBe(true);
  });

  it('withdraws an approval when the ✅ is removed before publication', async () => {
    const h = await startHarness('http');
    const cardTs = await proposeCard(h, 'to:sito at:"2026-11-24T09:00:00+01:00" Domani il mercato');
    const input = {
      user: SUPERVISOR,
      reaction: 'white_check_mark',
      channel: CHANNEL,
      ts: cardTs,
      itemUser: h.fake.botUserId,
    };
    await event(h, reactionAddedEvent({ ...input, eventId: 'EvAdd' }));
    await h.fake.waitForCall(
      'chat.postMessage',
      inThread(cardTs, /Programmata per martedì 24 novembre 2026, 09:00/),
    );
    await event(h, reactionRemovedEvent({ ...input, eventId: 'EvRemove' }));
    await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /ha ritirato l'approvazione \(0\/1\)/));
  });

  it('drops Slack’s retry of a ✅ that was removed meanwhile: the approval does not come back', async () => {
    const h = await startHarness('http', { logLevel: 'info' });
    const cardTs = await proposeCard(h, 'to:sito at:"2026-11-24T09:00:00+01:00" Domani il mercato');
    const input = {
      user: SUPERVISOR,
      reaction: 'white_check_mark',
      channel: CHANNEL,
      ts: cardTs,
      itemUser: h.fake.botUserId,
    };
    const added = reactionAddedEvent({ ...input, eventId: 'EvAddOnce' });
    await event(h, added);
    await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /Programmata per/));
    await event(h, reactionRemovedEvent({ ...input, eventId: 'EvRemoveOnce' }));
    await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /ha ritirato l'approvazione \(0\/1\)/));
    // Slack did not see the first ack in time and delivers the ✅ again, after its removal.
    expect((await event(h, added, 1)).status).toBe(200);
    await h.waitForLog(
      (entry) => entry.eventId === 'EvAddOnce' && /retry is dropped/.test(String(entry.msg)),
    );
    const status = await ask(h, SUPERVISOR, 'status 1', '/araldo');
    expect(status).toMatch(/^#1 —/);
    expect(status).toContain(`#1 — ${IT['state.pending']()}`);
    expect(h.fake.callsTo('chat.postMessage').filter(inThread(cardTs, /Programmata per/))).toHaveLength(1);
    const audit = await ask(h, SUPERVISOR, 'registro 1', '/araldo');
    expect(audit.startsWith(IT['audit.title']({ number: 1 }))).toBe(true);
    const lines = audit.split('\n');
    expect(lines.filter((line) => line.includes(`· ${IT['audit.reacted']()} —`))).toHaveLength(1);
    expect(lines.filter((line) => line.includes(`· ${IT['audit.approved']()}`))).toHaveLength(1);
  });

  it('escapes &, < and > in every text it sends, top-level and mrkdwn alike, and never twice', async () => {
    const h = await startHarness('http');
    // What the people typed, as Slack sends it: &, < and > escaped (formatting reference, escaping).
    const proposed = 'Lavori &amp; Servizi &lt;!channel&gt; &lt;@U123&gt; 1 &lt; 2 &gt; 0';
    const edited = 'Nuovo &amp; &lt;!here&gt; testo';
    const cardTs = await proposeCard(h, `to:sito ${proposed}`);
    const card = await h.fake.waitForCall('chat.postMessage', isCard(1));
    expect(card.args.text).toBe(`Proposta #1: ${proposed}`);
    expect(mrkdwnTexts(card)).toContain(proposed);
    expect((card.args.blocks as { text?: { type: string; text: string } }[])[0]?.text).toEqual({
      type: 'plain_text',
      text: 'Proposta #1',
      emoji: true,
    });

    const answers = [await ask(h, EDITOR, `modifica 1 ${edited}`, '/araldo')];
    const reply = await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /Ora:/));
    expect(String(reply.args.text)).toContain(`Prima: ${proposed}\nOra: ${edited}`);
    const updated = await h.fake.waitForCall('chat.update', (call) => mrkdwnTexts(call).includes(edited));
    expect(updated.args.text).toBe(`Proposta #1: ${edited}`);

    const audit = await ask(h, SUPERVISOR, 'registro 1', '/araldo');
    expect(audit.startsWith(IT['audit.title']({ number: 1 }))).toBe(true);
    expect(audit).toContain(`prima: "${proposed}" → ora: "${edited}"`);
    const digest = await ask(h, SUPERVISOR, 'riepilogo', '/araldo');
    expect(digest).toContain('Riepilogo');
    expect(digest).toContain(`da 0 min: ${edited}`);
    answers.push(audit, digest);

    const wire = JSON.stringify([
      ...h.fake.calls
        .filter((call) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(call.method))
        .map((call) => call.args),
      ...answers,
    ]);
    for (const injected of ['<!channel>', '<!here>', '<@U123>']) expect(wire).not.toContain(injected);
    for (const twice of ['&amp;amp;', '&amp;lt;', '&amp;gt;']) expect(wire).not.toContain(twice);
  });

  it('opens the proposal form for /propose alone and shows problems under its fields', async () => {
    const h = await startHarness('http');
    const triggerId = '1234.5678.abcd';
    await postSigned(h.url, {
      secret: SECRET,
      body: slashCommandBody({
        command: '/propose',
        text: '',
        userId: EDITOR,
        channelId: CHANNEL,
        triggerId,
      }),
    });
    const opened = await h.fake.waitForCall('views.open');
    expect(opened.args.trigger_id).toBe(triggerId);
    const view = opened.args.view as {
      callback_id: string;
      private_metadata: string;
      blocks: { block_id: string }[];
    };
    expect(view.callback_id).toBe('araldo_propose');
    expect(view.blocks.map((block) => block.block_id)).toEqual([
      'text',
      'targets',
      'date',
      'time',
      'image_url',
      'image_alt',
      'urgent',
    ]);

    const submit = (values: Parameters<typeof viewSubmissionPayload>[0]['values'], viewId: string) =>
      postSigned(h.url, {
        secret: SECRET,
        body: {
          payload: viewSubmissionPayload({
            callbackId: 'araldo_propose',
            privateMetadata: view.private_metadata,
            values,
            userId: EDITOR,
            viewId,
          }),
        },
      });
    const refused = await submit(
      {
        text: { value: plainTextInputValue('Concerto in piazza') },
        targets: { value: multiStaticSelectValue(['sito']) },
        date: { value: datepickerValue('2026-11-20') },
        time: { value: timepickerValue('21:00') },
        image_url: { value: plainTextInputValue('https://comune.example.it/concerto.jpg') },
        image_alt: { value: plainTextInputValue('') },
      },
      'V0ONE',
    );
    expect(refused.status).toBe(200);
    const errors = JSON.parse(refused.body) as { response_action: string; errors: Record<string, string> };
    expect(errors.response_action).toBe('errors');
    expect(errors.errors.date).toContain('è già passato');
    expect(errors.errors.image_url).toContain('testo alternativo');
    expect(h.fake.callsTo('chat.postMessage').filter(isCard(1))).toHaveLength(0);

    const accepted = await submit(
      {
        text: { value: plainTextInputValue('Concerto in piazza') },
        targets: { value: multiStaticSelectValue(['sito']) },
        date: { value: datepickerValue('2026-11-28') },
        time: { value: timepickerValue('21:00') },
      },
      'V0TWO',
    );
    expect(accepted.status).toBe(200);
    const card = await h.fake.waitForCall('chat.postMessage', isCard(1));
    expect(blocksText(card)).toContain('sabato 28 novembre 2026, 21:00 (Europe/Rome, CET)');
  });

  it('sends the digest as a channel message, once', async () => {
    const h = await startHarness('http');
    const digest = await h.fake.waitForCall('chat.postMessage', (call) =>
      String(call.args.text).includes('Riepilogo'),
    );
    expect(digest.args.channel).toBe(CHANNEL);
    expect(digest.args.thread_ts).toBeUndefined();
    expect(await h.araldo.desk.sendDueDigests()).toEqual([]);
    // On demand, with a link to the card of each proposal waiting for a decision.
    await proposeCard(h, 'to:sito In attesa');
    // FakeSlack has the card before Araldo has recorded where it is: wait for that.
    await vi.waitFor(async () =>
      expect((await h.araldo.desk.post('comunicazione', 1))?.post.cardLink).toBeTruthy(),
    );
    const onDemand = await ask(h, SUPERVISOR, 'riepilogo', '/araldo');
    expect(onDemand).toContain('Riepilogo');
    expect(onDemand).toMatch(/#1 di Giulia Redattrice, da 0 min: In attesa https:\/\/\S+/);
  });

  it('waits out a 429 from Slack, holding the team’s messages, and still replies in the thread once', async () => {
    const h = await startHarness('http');
    const cardTs = await proposeCard(h, 'to:sito Orari della biblioteca');
    h.fake.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
    await event(
      h,
      reactionAddedEvent({
        user: SUPERVISOR,
        reaction: 'white_check_mark',
        channel: CHANNEL,
        ts: cardTs,
        itemUser: h.fake.botUserId,
        eventId: 'Ev429',
      }),
    );
    await h.fake.waitForCall('chat.postMessage', (call) => call.outcome === 'rate_limited');
    await h.araldo.desk.flushOwed();
    // Nothing more goes to Slack before the wait it asked for has passed on Araldo's clock.
    expect(h.fake.callsTo('chat.postMessage').filter(inThread(cardTs, /Approvata/))).toHaveLength(1);
    h.clock.advance(1000);
    await h.araldo.desk.flushOwed();
    const approvals = h.fake
      .messages(CHANNEL)
      .filter((m) => m.threadTs === cardTs && /Approvata/.test(m.text));
    expect(approvals).toHaveLength(1);
  });

  describe('chat faults: one message whatever Slack does to the answer', () => {
    const faults = [
      ['answers 503 after posting', { status: 503, performed: true }],
      ['drops the connection after posting', { drop: true, performed: true }],
      ['answers 503 without posting', { status: 503 }],
      ['answers 429', { status: 429, retryAfterSeconds: 2 }],
    ] as const;
    for (const [what, failure] of faults) {
      it(`posts one card and one thread line when Slack ${what}`, async () => {
        const h = await startHarness('http');
        h.fake.failNext('chat.postMessage', failure);
        expect((await command(h, EDITOR, 'to:sito Chiusura scuole per neve')).status).toBe(200);
        await h.fake.waitForCall(
          'chat.postMessage',
          (call) => call.outcome !== 'ok' && call.outcome !== 'pending',
        );
        await h.araldo.desk.idle();
        h.clock.advance(5000);
        await h.araldo.desk.flushOwed();
        const cards = h.fake.messages(CHANNEL).filter((m) => m.metadata?.event_payload.kind === 'card');
        expect(cards).toHaveLength(1);
        const cardTs = cards[0]!.ts;

        h.fake.failNext('chat.postMessage', failure);
        await event(
          h,
          reactionAddedEvent({
            user: SUPERVISOR,
            reaction: 'white_check_mark',
            channel: CHANNEL,
            ts: cardTs,
            itemUser: h.fake.botUserId,
            eventId: `Ev-${what}`,
          }),
        );
        await h.fake.waitForCall(
          'chat.postMessage',
          (call) => call.args.thread_ts === cardTs && call.outcome !== 'ok' && call.outcome !== 'pending',
        );
        await h.araldo.desk.idle();
        h.clock.advance(5000);
        await h.araldo.desk.tick(h.clock.now());
        // The scheduler may be publishing at this very moment: wait for the line, then count.
        await h.fake.waitForCall(
          'chat.postMessage',
          (call) => call.outcome === 'ok' && inThread(cardTs, /Pubblicata su Sito/)(call),
        );
        await h.araldo.desk.flushOwed();
        const thread = h.fake.messages(CHANNEL).filter((m) => m.threadTs === cardTs);
        expect(thread.filter((m) => /Approvata/.test(m.text))).toHaveLength(1);
        expect(thread.filter((m) => /Pubblicata su Sito/.test(m.text))).toHaveLength(1);
        // Every message names the owed message it is: no two share one.
        const ids = h.fake
          .messages(CHANNEL)
          .map((m) => (m.metadata?.event_payload as { message_id?: string } | undefined)?.message_id);
        expect(new Set(ids).size).toBe(ids.length);
      });
    }
  });

  it('runs the loop in Socket Mode: commands and reactions arrive as envelopes and are acked', async () => {
    const h = await startHarness('socket');
    await h.fake.waitForSocketClient();
    const ack = await h.fake.sendEnvelope(
      'slash_commands',
      slashCommandBody({
        command: '/propose',
        text: 'to:sito Via Socket Mode',
        userId: EDITOR,
        channelId: CHANNEL,
      }),
    );
    expect(ack.envelope_id).toBeTruthy();
    // The answer rides on the envelope's ack, as it rides on the HTTP response.
    expect(ack.payload).toEqual({ response_type: 'ephemeral', text: IT['propose.created']({ number: 1 }) });
    const cardTs = ts(await h.fake.waitForCall('chat.postMessage', isCard(1)));
    await h.fake.sendEnvelope(
      'events_api',
      reactionAddedEvent({
        user: SUPERVISOR,
        reaction: 'white_check_mark',
        channel: CHANNEL,
        ts: cardTs,
        itemUser: h.fake.botUserId,
        eventId: 'EvSock',
      }),
    );
    await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /Pubblicata su Sito istituzionale/));
  });

  it('sends an answer ready too late for the ack as its own ephemeral message, once', async () => {
    // A budget of 0: every answer misses it, as one would after a slow decision.
    const h = await startHarness('http', { ackBudgetMs: 0 });
    expect(await command(h, EDITOR, 'to:sito Avviso lento')).toEqual({ status: 200, answer: undefined });
    const told = await h.fake.waitForCall('chat.postEphemeral');
    expect(told.args).toMatchObject({
      channel: CHANNEL,
      user: EDITOR,
      text: IT['propose.created']({ number: 1 }),
    });
    await h.fake.waitForCall('chat.postMessage', isCard(1));
    await h.araldo.desk.flushOwed();
    expect(h.fake.callsTo('chat.postEphemeral')).toHaveLength(1);
  });

  it('answers a command from a channel no team uses, and ignores the team channel of another workspace', async () => {
    const h = await startHarness('http');
    const elsewhere = await postSigned(h.url, {
      secret: SECRET,
      body: slashCommandBody({
        command: '/propose',
        text: 'to:sito Ciao',
        userId: EDITOR,
        channelId: 'C0ELSEWHERE',
      }),
    });
    expect(ephemeralAnswerOf(elsewhere.body)).toBe(IT['chat.not_configured']());
    const otherWorkspace = await postSigned(h.url, {
      secret: SECRET,
      body: slashCommandBody({
        command: '/propose',
        text: 'to:sito Ciao',
        userId: EDITOR,
        channelId: CHANNEL,
        teamId: 'T0OTHER',
      }),
    });
    expect(ephemeralAnswerOf(otherWorkspace.body)).toBe(IT['chat.not_configured']());
    expect(h.fake.callsTo('chat.postMessage').filter(isCard(1))).toHaveLength(0);
  });

  describe('/araldo and the card’s buttons', () => {
    function click(h: Harness, user: string, actionId: string, cardTs: string, value: string) {
      return postSigned(h.url, {
        secret: SECRET,
        body: {
          payload: blockActionsPayload({
            actionId,
            value,
            userId: user,
            channelId: CHANNEL,
            messageTs: cardTs,
          }),
        },
      });
    }

    function privately(user: string, pattern: RegExp) {
      return (call: SlackCall) => call.args.user === user && pattern.test(String(call.args.text));
    }

    /** The value of a button on the latest drawing of card `number`. */
    function buttonsOf(h: Harness, number: number): Map<string, string> {
      const drawings = [
        ...h.fake.callsTo('chat.postMessage').filter(isCard(number)),
        ...h.fake.callsTo('chat.update').filter((call) => blocksText(call).includes(`Proposta #${number}`)),
      ];
      const last = drawings.at(-1);
      const blocks = (last?.args.blocks ?? []) as {
        type: string;
        elements?: { action_id?: string; value?: string }[];
      }[];
      const buttons = blocks
        .filter((block) => block.type === 'actions')
        .flatMap((block) => block.elements ?? []);
      return new Map(buttons.map((button) => [button.action_id ?? '', button.value ?? '']));
    }

    it('answers every /araldo subcommand in Italian and English, and help for an unknown or missing one', async () => {
      const h = await startHarness('http');
      await proposeCard(h, 'to:sito at:"mercoledì alle 10" Mercato straordinario in piazza');
      const pairs = [
        ['stato 1', 'status 1', /^#1 — in attesa di approvazione/],
        ['coda', 'queue', /prossimi 7 giorni/],
        ['registro 1', 'audit 1', /Storia della proposta #1/],
        ['riepilogo', 'digest', /Riepilogo/],
        ['aiuto', 'help', /Comandi di Araldo/],
      ] as const;
      for (const [italian, english, expected] of pairs) {
        for (const text of [italian, english]) {
          expect(await ask(h, SUPERVISOR, text, '/araldo'), text).toMatch(expected);
        }
      }
      const retryNone = new RegExp(IT['retry.none']({ number: 1 }).slice(0, 30));
      const byTheAuthor: readonly (readonly [string, RegExp])[] = [
        ['modifica 1 Mercato straordinario in piazza Garibaldi', /modificata: serve una nuova approvazione/],
        ['reschedule 1 giovedì alle 10', /spostata a giovedì 26 novembre 2026, 10:00/],
        ['riprova 1', retryNone],
        ['retry 1', retryNone],
        ['edit 1 Mercato straordinario in piazza Mazzini', /modificata/],
        ['riprogramma 1 venerdì alle 10', /spostata a venerdì 27 novembre 2026, 10:00/],
        ['annulla 1', /Proposta #1 annullata/],
      ];
      for (const [text, expected] of byTheAuthor) {
        expect(await ask(h, EDITOR, text, '/araldo'), text).toMatch(expected);
      }
      await proposeCard(h, 'to:sito Seconda proposta da annullare', 2);
      expect(await ask(h, EDITOR, 'cancel 2', '/araldo')).toMatch(/Proposta #2 annullata/);

      const unknown = await ask(h, SUPERVISOR, 'pubblica 1', '/araldo');
      expect(unknown).toMatch(/Il comando «pubblica» non esiste/);
      expect(unknown).toContain('/araldo stato 12');
      const help = await ask(h, INTERN, '', '/araldo');
      expect(help).toMatch(/Comandi di Araldo/);
      expect(help).toContain('/araldo riprogramma 12');
      // Every answer rode on its ack: none came as a separate message.
      expect(h.fake.callsTo('chat.postEphemeral')).toHaveLength(0);
    });

    it('approves and asks for changes by button, under the reactions’ rules, answering refusals privately', async () => {
      const h = await startHarness('http');
      const cardTs = await proposeCard(h, 'to:sito Chiusura anticipata degli uffici venerdì');
      const buttons = buttonsOf(h, 1);
      expect([...buttons.keys()]).toEqual([
        'araldo_approve',
        'araldo_request_changes',
        'araldo_edit',
        'araldo_reschedule',
        'araldo_cancel',
      ]);
      const value = buttons.get('araldo_approve') ?? '';
      expect(value).toBe('1:1');

      // The author cannot approve their own proposal; an intern is not an approver.
      await click(h, EDITOR, 'araldo_approve', cardTs, value);
      await h.fake.waitForCall('chat.postEphemeral', privately(EDITOR, /Non puoi approvare/));
      await click(h, INTERN, 'araldo_approve', cardTs, value);
      await h.fake.waitForCall('chat.postEphemeral', privately(INTERN, /Solo i supervisori/));
      expect((await h.araldo.desk.post('comunicazione', 1))?.post.state).toBe('pending');

      // A double click: the first approves, the second hears the post no longer waits.
      await Promise.all([
        click(h, SUPERVISOR, 'araldo_approve', cardTs, value),
        click(h, SUPERVISOR, 'araldo_approve', cardTs, value),
      ]);
      await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /Approvata da Marco Capo/));
      await h.fake.waitForCall(
        'chat.postEphemeral',
        privately(SUPERVISOR, /non è più in attesa di decisione|Hai già approvato/),
      );
      await vi.waitFor(async () =>
        expect((await h.araldo.desk.post('comunicazione', 1))?.post.state).toMatch(
          /approved|scheduled|publishing|published/,
        ),
      );
      const approvals = h.fake.callsTo('chat.postMessage').filter(inThread(cardTs, /Approvata da/));
      expect(approvals).toHaveLength(1);

      // Request changes on a second proposal, by an approver of the user group.
      const secondTs = await proposeCard(h, 'to:sito Bando per i contributi alle associazioni', 2);
      await click(
        h,
        CHIEF,
        'araldo_request_changes',
        secondTs,
        buttonsOf(h, 2).get('araldo_request_changes') ?? '',
      );
      await h.fake.waitForCall('chat.postMessage', inThread(secondTs, /chiede modifiche/));
      await vi.waitFor(async () =>
        expect((await h.araldo.desk.post('comunicazione', 2))?.post.state).toBe('changes_requested'),
      );
      // Asked twice (a double click, or a second approver): the second hears it was asked already.
      await click(
        h,
        SUPERVISOR,
        'araldo_request_changes',
        secondTs,
        buttonsOf(h, 2).get('araldo_request_changes') ?? '2:1',
      );
      await h.fake.waitForCall('chat.postEphemeral', privately(SUPERVISOR, /sono già state chieste/));
      expect(h.fake.callsTo('chat.postMessage').filter(inThread(secondTs, /chiede modifiche/))).toHaveLength(
        1,
      );
      // The author asking changes on their own proposal is refused, privately.
      await click(h, EDITOR, 'araldo_request_changes', secondTs, '2:1');
      await h.fake.waitForCall('chat.postEphemeral', privately(EDITOR, /alla tua proposta #2/));
      // The redrawn card offers no Approve while changes are asked for.
      await vi.waitFor(() => expect(buttonsOf(h, 2).has('araldo_approve')).toBe(false));
      expect(buttonsOf(h, 2).has('araldo_edit')).toBe(true);
    });

    it('offers Retry once a delivery failed: the author or an approver retries, anyone else is told why not', async () => {
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      const receiver = await FakeWebhookReceiver.start({ secret });
      cleanups.push(() => receiver.close());
      const h = await startHarness('http', { webhook: { url: receiver.url, secret } });
      receiver.failNext({ kind: 'status', status: 422, body: { error: 'manca il titolo' } });
      const cardTs = await proposeCard(h, 'to:avvisi-hook Avviso: sospensione idrica in via Verdi');
      await click(h, SUPERVISOR, 'araldo_approve', cardTs, buttonsOf(h, 1).get('araldo_approve') ?? '');
      await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /fallita/));
      await vi.waitFor(() => expect([...buttonsOf(h, 1).keys()]).toEqual(['araldo_retry']));
      const retry = buttonsOf(h, 1).get('araldo_retry') ?? '';

      await click(h, INTERN, 'araldo_retry', cardTs, retry);
      await h.fake.waitForCall('chat.postEphemeral', privately(INTERN, /Solo l.autore o un supervisore/));
      await click(h, EDITOR, 'araldo_retry', cardTs, retry);
      await h.fake.waitForCall('chat.postEphemeral', privately(EDITOR, /#1/));
      await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /Pubblicata su Avvisi \(webhook\)/));
      expect(receiver.requests).toHaveLength(2);
      // A second click once it is out: nothing failed is left to retry, and nothing is sent again.
      await click(h, EDITOR, 'araldo_retry', cardTs, retry);
      await h.fake.waitForCall(
        'chat.postEphemeral',
        privately(EDITOR, /non ha pubblicazioni fallite da ripetere/),
      );
      expect(receiver.requests).toHaveLength(2);
    });

    it('ignores malformed clicks and Home events: a 200 for Slack, nothing decided, nothing said', async () => {
      const h = await startHarness('http');
      const cardTs = await proposeCard(h, 'to:sito Avviso di prova');
      const before = h.fake.callsTo('chat.postEphemeral').length;
      for (const value of ['garbage', '1:x', '', '99999999999', `${'9'.repeat(50)}`]) {
        const answer = await click(h, SUPERVISOR, 'araldo_approve', cardTs, value);
        expect(answer.status).toBe(200);
      }
      // A click without its channel (Slack sends one for every message button).
      const payload = blockActionsPayload({
        actionId: 'araldo_cancel',
        value: '1:1',
        userId: EDITOR,
        channelId: CHANNEL,
        messageTs: cardTs,
      }) as unknown as Record<string, unknown>;
      delete payload.channel;
      expect((await postSigned(h.url, { secret: SECRET, body: { payload } })).status).toBe(200);
      const home = appHomeOpenedEvent({ user: SUPERVISOR, tab: 'home' }) as unknown as {
        event: Record<string, unknown>;
      };
      delete home.event.user;
      expect((await event(h, home)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await h.araldo.desk.post('comunicazione', 1))?.post.state).toBe('pending');
      expect(h.fake.callsTo('chat.postEphemeral')).toHaveLength(before);
      expect(h.fake.callsTo('views.publish')).toHaveLength(0);
    });

    it('does not count an approval given on a card drawn before an edit', async () => {
      const h = await startHarness('http');
      const cardTs = await proposeCard(h, 'to:sito Avviso: acqua sospesa in via Verdi');
      const stale = buttonsOf(h, 1).get('araldo_approve') ?? '';
      expect(
        await ask(h, EDITOR, 'edit 1 Avviso: acqua sospesa in via Verdi dalle 8 alle 12', '/araldo'),
      ).toMatch(/modificata/);
      await click(h, SUPERVISOR, 'araldo_approve', cardTs, stale);
      await h.fake.waitForCall(
        'chat.postEphemeral',
        privately(SUPERVISOR, /Il testo della proposta #1 è cambiato/),
      );
      // Said to the clicker alone: the thread does not fill with a button's refusals.
      expect(h.fake.callsTo('chat.postMessage').filter(inThread(cardTs, /è cambiato/))).toHaveLength(0);
      expect((await h.araldo.desk.post('comunicazione', 1))?.post.state).toBe('pending');
    });

    it('reschedules through the modal, refusing a past time under its field, and cancels after Slack’s confirmation', async () => {
      const h = await startHarness('http');
      const cardTs = await proposeCard(h, 'to:sito at:"mercoledì alle 10" Consiglio comunale in diretta');
      const value = buttonsOf(h, 1).get('araldo_reschedule') ?? '';
      // Someone who may not change the post gets no form, and hears why.
      await click(h, INTERN, 'araldo_reschedule', cardTs, value);
      await h.fake.waitForCall('chat.postEphemeral', privately(INTERN, /Solo l.autore o un supervisore/));
      expect(h.fake.callsTo('views.open')).toHaveLength(0);
      await click(h, EDITOR, 'araldo_reschedule', cardTs, value);
      const opened = await h.fake.waitForCall('views.open');
      const view = opened.args.view as {
        callback_id: string;
        private_metadata: string;
        blocks: { block_id: string; element: { initial_date?: string; initial_time?: string } }[];
      };
      expect(view.callback_id).toBe('araldo_reschedule_modal');
      expect(view.blocks.map((block) => block.block_id)).toEqual(['date', 'time', 'when']);
      expect(view.blocks[0]?.element.initial_date).toBe('2026-11-25');
      expect(view.blocks[1]?.element.initial_time).toBe('10:00');

      const submit = (values: Parameters<typeof viewSubmissionPayload>[0]['values'], viewId: string) =>
        postSigned(h.url, {
          secret: SECRET,
          body: {
            payload: viewSubmissionPayload({
              callbackId: 'araldo_reschedule_modal',
              privateMetadata: view.private_metadata,
              values,
              userId: EDITOR,
              viewId,
            }),
          },
        });
      const past = await submit(
        { date: { value: datepickerValue('2026-11-20') }, time: { value: timepickerValue('10:00') } },
        'V0PAST',
      );
      const refused = JSON.parse(past.body) as { response_action: string; errors: Record<string, string> };
      expect(refused.response_action).toBe('errors');
      expect(refused.errors.date).toContain('è già passato');
      const words = await submit({ when: { value: plainTextInputValue('oggi alle 8') } }, 'V0WORDS');
      expect((JSON.parse(words.body) as { errors: Record<string, string> }).errors.when).toContain(
        'è già passato',
      );
      const empty = await submit({}, 'V0EMPTY');
      expect((JSON.parse(empty.body) as { errors: Record<string, string> }).errors.date).toContain(
        'Scegli il giorno',
      );

      const accepted = await submit({ when: { value: plainTextInputValue('venerdì alle 18') } }, 'V0OK');
      expect(accepted.status).toBe(200);
      expect(accepted.body).toBe('');
      await h.fake.waitForCall(
        'chat.postEphemeral',
        privately(EDITOR, /spostata a venerdì 27 novembre 2026, 18:00/),
      );
      await h.fake.waitForCall('chat.postMessage', inThread(cardTs, /venerdì 27 novembre 2026, 18:00/));

      // Cancel: Slack asks for confirmation itself; the click that arrives is the confirmed one.
      const cancel = buttonsOf(h, 1);
      expect(JSON.stringify(h.fake.callsTo('chat.postMessage').filter(isCard(1))[0]?.args.blocks)).toContain(
        '"confirm":{',
      );
      await click(h, INTERN, 'araldo_cancel', cardTs, cancel.get('araldo_cancel') ?? '');
      await vi.waitFor(() =>
        expect(
          h.fake.callsTo('chat.postEphemeral').filter(privately(INTERN, /Solo l.autore o un supervisore/)),
        ).toHaveLength(2),
      );
      expect((await h.araldo.desk.post('comunicazione', 1))?.post.state).not.toBe('cancelled');
      await click(h, EDITOR, 'araldo_cancel', cardTs, cancel.get('araldo_cancel') ?? '');
      await h.fake.waitForCall('chat.postEphemeral', privately(EDITOR, /Proposta #1 annullata/));
      await vi.waitFor(() => expect(buttonsOf(h, 1).size).toBe(0));
    });
  });

  describe('App Home', () => {
    /** Every mrkdwn and plain text of the Home tab last published for `user`, one string. */
    function homeText(h: Harness, user: string): string {
      return blockTexts(h.fake.home(user)?.blocks).join('\n');
    }

    function homePublishes(h: Harness, user: string): number {
      return h.fake.callsTo('views.publish').filter((call) => call.args.user_id === user).length;
    }

    it('shows the next 7 days, what waits oldest first with a link, and is redrawn on every change', async () => {
      const h = await startHarness('http');
      h.fake.setChannelMembers(CHANNEL, [EDITOR, SUPERVISOR, CHIEF, h.fake.botUserId]);
      await proposeCard(h, 'to:sito at:"mercoledì alle 10" Mercato straordinario in piazza');
      await proposeCard(h, 'to:sito Chiusura della biblioteca per inventario', 2);
      await vi.waitFor(async () =>
        expect((await h.araldo.desk.post('comunicazione', 2))?.post.cardLink).toBeTruthy(),
      );
      // Nobody has opened the Home tab: nothing is published.
      expect(h.fake.callsTo('views.publish')).toHaveLength(0);

      await event(h, appHomeOpenedEvent({ user: SUPERVISOR, tab: 'messages' }));
      await event(h, appHomeOpenedEvent({ user: SUPERVISOR, tab: 'home' }));
      await vi.waitFor(() => expect(homePublishes(h, SUPERVISOR)).toBe(1));
      let home = homeText(h, SUPERVISOR);
      expect(home).toContain('Araldo · comunicazione');
      expect(home).toContain('In attesa di decisione');
      // Oldest first, each with its card's link, its author and its age.
      const first = home.indexOf('Mercato straordinario');
      const second = home.indexOf('Chiusura della biblioteca');
      expect(first).toBeGreaterThan(-1);
      expect(second).toBeGreaterThan(first);
      expect(home).toMatch(/<https:\/\/[^|>]+\|#1> di Giulia Redattrice, in attesa da \d+ min: Mercato/);
      expect(home).toContain('Nessuna pubblicazione in programma.');
      expect(home).toContain('Nessuna pubblicazione da sistemare.');

      // An approval moves #1 into the next 7 days, at its local time: the Home tab follows.
      const cardTs = ts(h.fake.callsTo('chat.postMessage').filter(isCard(1))[0] as SlackCall);
      await event(
        h,
        reactionAddedEvent({
          user: SUPERVISOR,
          reaction: 'white_check_mark',
          channel: CHANNEL,
          ts: cardTs,
          itemUser: 'U0ARALDO',
        }),
      );
      await vi.waitFor(() => expect(homeText(h, SUPERVISOR)).toContain('mercoledì 25 novembre'));
      home = homeText(h, SUPERVISOR);
      expect(home).not.toMatch(/#1> di Giulia/);
      expect(home).toMatch(
        /10:00 {2}<https:\/\/[^|>]+\|#1> → Sito istituzionale: Mercato straordinario in piazza/,
      );
      expect(home).toContain('Chiusura della biblioteca');
      // Only the person who opened it has a Home tab drawn.
      expect(homePublishes(h, EDITOR)).toBe(0);

      // A second person opens it; a cancellation redraws both.
      await event(h, appHomeOpenedEvent({ user: EDITOR, tab: 'home' }));
      await vi.waitFor(() => expect(homePublishes(h, EDITOR)).toBe(1));
      await command(h, EDITOR, 'annulla 2', '/araldo');
      await vi.waitFor(() => {
        expect(homeText(h, SUPERVISOR)).not.toContain('Chiusura della biblioteca');
        expect(homeText(h, EDITOR)).not.toContain('Chiusura della biblioteca');
      });
    });

    it('shows a team only to the people of its channel', async () => {
      const h = await startHarness('http');
      h.fake.setChannelMembers(CHANNEL, [EDITOR, SUPERVISOR, h.fake.botUserId]);
      await proposeCard(h, 'to:sito Bozza riservata: nuove tariffe della mensa');
      // The intern is in the workspace but not in the team's channel: no drafts for them.
      await event(h, appHomeOpenedEvent({ user: INTERN, tab: 'home' }));
      await vi.waitFor(() => expect(homePublishes(h, INTERN)).toBe(1));
      expect(homeText(h, INTERN)).not.toContain('Bozza riservata');
      expect(homeText(h, INTERN)).toContain('non ne segui nessuno');
      // A change in the team redraws the Home of its followers only.
      await event(h, appHomeOpenedEvent({ user: SUPERVISOR, tab: 'home' }));
      await vi.waitFor(() => expect(homeText(h, SUPERVISOR)).toContain('Bozza riservata'));
      await command(h, EDITOR, 'modifica 1 Bozza riservata: nuove tariffe della mensa scolastica', '/araldo');
      await vi.waitFor(() => expect(homeText(h, SUPERVISOR)).toContain('mensa scolastica'));
      expect(homePublishes(h, INTERN)).toBe(1);
    });
  });
});
