import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { AppError } from '../../src/core/app-error.ts';
import { checkContent } from '../../src/core/network-rules.ts';
import type { Publisher, PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import { networkNamed } from '../../src/publish/registry.ts';
import { telegramNetwork } from '../../src/publish/telegram/network.ts';
import { FakeTelegram, TELEGRAM_ERRORS } from '../fakes/fake-telegram.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { publishRequestFor } from '../support/publish-request.ts';
import { testPublisherContext } from '../support/publisher-context.ts';

// The `telegram` network against a fake Bot API on loopback, through the real
// fetch. The fake's answers come from the Bot API's docs and its server's
// source (github.com/tdlib/telegram-bot-api); see test/fakes/fake-telegram.ts.

const TOKEN = '7012345678:AAFakeTokenForAraldoTests_0123456789ab';
const PUBLIC_ID = -1001234567890;
const PRIVATE_ID = -1009876543210;
const PHOTO = 'https://www.comune.example.it/img/ponte.jpg';

const TEAM: Team = {
  id: 'social',
  chat: 'shell',
  channel: 'social',
  language: 'it',
  timeZone: 'Europe/Rome',
  approvers: ['capo'],
  approvalsRequired: 1,
  targets: ['allerte-telegram'],
  posting: {},
  digest: { time: '08:30', days: ['mon'] },
};
const TEAM_EN: Team = { ...TEAM, language: 'en' };

const fakes: FakeTelegram[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

/** A fake with the public channel @comune_allerte and a private one, the bot posting in both. */
async function startFake(): Promise<FakeTelegram> {
  const fake = await FakeTelegram.start({ token: TOKEN });
  fake.addChannel({ id: PUBLIC_ID, title: 'Comune – Allerte', username: 'comune_allerte', bot: 'poster' });
  fake.addChannel({ id: PRIVATE_ID, title: 'Protezione civile (interno)', bot: 'poster' });
  fakes.push(fake);
  return fake;
}

function targetFor(baseUrl: string | undefined, chatId = '@comune_allerte', botToken = TOKEN): Target {
  return {
    id: 'allerte-telegram',
    network: 'telegram',
    displayName: 'Telegram allerte',
    ...(baseUrl === undefined ? {} : { baseUrl }),
    credentials: { botToken, chatId },
  };
}

function publisherFor(target: Target, logger = new RecordingLogger()): Publisher {
  return telegramNetwork.create(target, { ...testPublisherContext(), logger });
}

async function publishTo(
  fake: FakeTelegram,
  overrides: Partial<PublishRequest> = {},
  chatId = '@comune_allerte',
): Promise<PublishOutcome> {
  const target = targetFor(fake.url, chatId);
  return publisherFor(target).publish(
    publishRequestFor(target, TEAM, overrides),
    new AbortController().signal,
  );
}

/** A raw Bot API call to the fake, as any client would send it. */
async function callFake(fake: FakeTelegram, method: string, init: RequestInit): Promise<unknown> {
  const response = await fetch(`${fake.url}/bot${TOKEN}/${method}`, { method: 'POST', ...init });
  return { status: response.status, body: await response.json() };
}

describe('TelegramPublisher', () => {
  it('sends a text as one sendMessage in JSON, plain text, and links its t.me page', async () => {
    const fake = await startFake();
    const text =
      'Domani chiude il ponte di via Roma. *Deviazioni* su <via Verdi> — info: https://comune.example.it';
    const outcome = await publishTo(fake, { text });

    expect(outcome).toEqual({
      kind: 'published',
      remoteId: `${PUBLIC_ID}:100`,
      url: 'https://t.me/comune_allerte/100',
    });
    const [request] = fake.requests;
    expect(request?.httpMethod).toBe('POST');
    expect(request?.method).toBe('sendmessage');
    expect(request?.contentType).toBe('application/json');
    // No parse_mode: `*` and `<` reach the channel as written.
    expect(request?.params).toEqual({ chat_id: '@comune_allerte', text });
    expect(fake.messages).toEqual([{ chatId: PUBLIC_ID, messageId: 100, method: 'sendMessage', text }]);
  });

  it('sends a text with its image as one sendPhoto by URL, the text as caption, no alt text', async () => {
    const fake = await startFake();
    const outcome = await publishTo(fake, {
      text: 'Lavori sul ponte: la foto del cantiere.',
      images: [{ url: PHOTO, alt: 'Il cantiere sul ponte di via Roma, transennato' }],
    });

    expect(outcome).toMatchObject({ kind: 'published', url: 'https://t.me/comune_allerte/100' });
    // Telegram has no field for it: the alt text goes nowhere (the card says so).
    expect(fake.requests[0]?.params).toEqual({
      chat_id: '@comune_allerte',
      photo: PHOTO,
      caption: 'Lavori sul ponte: la foto del cantiere.',
    });
    expect(fake.messages[0]).toMatchObject({ method: 'sendPhoto', photo: PHOTO });
  });

  it('sends an image without text as a photo with no caption', async () => {
    const fake = await startFake();
    await publishTo(fake, { text: '', images: [{ url: PHOTO, alt: 'Il ponte' }] });
    expect(fake.requests[0]?.params).toEqual({ chat_id: '@comune_allerte', photo: PHOTO });
  });

  it('says in the team’s words where a private channel’s message is, with its members-only link', async () => {
    const fake = await startFake();
    const target = targetFor(fake.url, String(PRIVATE_ID));
    const it = await publisherFor(target).publish(
      publishRequestFor(target, TEAM),
      new AbortController().signal,
    );
    expect(it).toEqual({
      kind: 'published',
      remoteId: `${PRIVATE_ID}:100`,
      url: 'messaggio 100 nel canale privato «Protezione civile (interno)», che non ha un indirizzo pubblico (chi è iscritto lo apre da https://t.me/c/9876543210/100)',
    });
    const en = await publisherFor(target).publish(
      publishRequestFor(target, TEAM_EN),
      new AbortController().signal,
    );
    expect(en).toMatchObject({
      url: 'message 101 in the private channel "Protezione civile (interno)", which has no public address (members open it at https://t.me/c/9876543210/101)',
    });
    expect(fake.requests[0]?.params.chat_id).toBe('-1009876543210');
  });

  it('sends and publishes a text of exactly 4096 UTF-16 units of emoji; 4097 is refused by the rules, the publisher and Telegram', async () => {
    const fake = await startFake();
    // 2,048 emoji outside the BMP: each a surrogate pair, 2 UTF-16 units.
    const longest = '🚧'.repeat(2048);
    expect(longest.length).toBe(4096);
    expect(checkContent(telegramNetwork.rules, longest, 0)).toEqual([]);
    expect(await publishTo(fake, { text: longest })).toMatchObject({ kind: 'published' });
    expect(fake.messages[0]?.text).toBe(longest);

    const over = `${longest}!`;
    expect(checkContent(telegramNetwork.rules, over, 0)).toEqual([
      { code: 'over_limit', used: 4097, limit: 4096, over: 1, unit: 'utf16' },
    ]);
    expect(await publishTo(fake, { text: over })).toEqual({
      kind: 'rejected',
      code: 'content_refused',
      detail: 'not sent: on Telegram a text may have at most 4096 UTF-16 units, this one has 4097',
      networkReason:
        'su Telegram un testo può avere al massimo 4096 caratteri (le emoji ne valgono 2), questo ne ha 4097',
    });
    expect(fake.requests).toHaveLength(1);
    // The fake, like Telegram, refuses it when a client sends it anyway.
    expect(
      await callFake(fake, 'sendMessage', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: '@comune_allerte', text: over }),
      }),
    ).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: message is too long' },
    });
    expect(fake.messages).toHaveLength(1);
  });

  it('takes a caption of exactly 1024 UTF-16 units; with an image 1025 is refused before sending and by Telegram', async () => {
    const fake = await startFake();
    const caption = `${'🌉'.repeat(511)}ok`;
    expect(caption.length).toBe(1024);
    const image = [{ url: PHOTO, alt: 'Il ponte' }];
    expect(checkContent(telegramNetwork.rules, caption, 1)).toEqual([]);
    expect(await publishTo(fake, { text: caption, images: image })).toMatchObject({ kind: 'published' });

    const over = `${caption}!`;
    expect(checkContent(telegramNetwork.rules, over, 1)).toMatchObject([{ code: 'over_limit', limit: 1024 }]);
    expect(await publishTo(fake, { text: over, images: image })).toMatchObject({
      kind: 'rejected',
      code: 'content_refused',
      networkReason:
        "su Telegram il testo di un post con immagine può avere al massimo 1024 caratteri (le emoji ne valgono 2), questo ne ha 1025: accorcialo o togli l'immagine",
    });
    expect(fake.requests).toHaveLength(1);
    expect(
      await callFake(fake, 'sendPhoto', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: String(PUBLIC_ID), photo: PHOTO, caption: over }),
      }),
    ).toMatchObject({ status: 400, body: { description: 'Bad Request: message caption is too long' } });
  });

  it('refuses more than one image, and an image that is no http(s) URL, without sending', async () => {
    const fake = await startFake();
    expect(
      await publishTo(fake, {
        images: [
          { url: PHOTO, alt: 'uno' },
          { url: `${PHOTO}?2`, alt: 'due' },
        ],
      }),
    ).toMatchObject({ kind: 'rejected', code: 'content_refused' });
    expect(
      await publishTo(fake, { images: [{ url: 'ftp://files.example.it/a.jpg', alt: 'a' }] }),
    ).toMatchObject({
      kind: 'rejected',
      code: 'media_unreachable',
    });
    expect(fake.requests).toEqual([]);
  });

  describe('maps each failure to its code', () => {
    it('a revoked token is token_revoked (401 Unauthorized)', async () => {
      const fake = await startFake();
      fake.revokeToken();
      const outcome = await publishTo(fake);
      expect(outcome).toMatchObject({ kind: 'rejected', code: 'token_revoked' });
      expect(fake.requests[0]?.status).toBe(401);
      expect(JSON.stringify(outcome)).not.toContain(TOKEN);
    });

    it('a bot outside the channel, removed from it or without “Post messages” is permission_missing, naming the right', async () => {
      const fake = await startFake();
      const channel = fake.channel(PUBLIC_ID);
      if (!channel) throw new Error('no channel');
      channel.bot = 'left';
      expect(await publishTo(fake)).toEqual({
        kind: 'rejected',
        code: 'permission_missing',
        detail:
          'the bot is not in the channel (HTTP 403: Forbidden: bot is not a member of the channel chat)',
        networkReason:
          'il bot non è nel canale: aggiungilo agli amministratori del canale con il permesso «Pubblica messaggi»',
      });
      channel.bot = 'kicked';
      expect(await publishTo(fake)).toMatchObject({
        code: 'permission_missing',
        networkReason: expect.stringContaining('il bot è stato rimosso dal canale'),
      });
      channel.bot = 'admin_without_post';
      expect(await publishTo(fake)).toMatchObject({
        code: 'permission_missing',
        detail: expect.stringContaining('need administrator rights in the channel chat'),
        networkReason:
          'il bot è nel canale ma senza il permesso «Pubblica messaggi»: concediglielo tra i permessi di amministratore',
      });
      expect(fake.messages).toEqual([]);
    });

    it('a channel Telegram does not find is misconfigured; so is a private channel named by @username', async () => {
      const fake = await startFake();
      expect(await publishTo(fake, {}, '@comune_sbagliato')).toMatchObject({
        kind: 'rejected',
        code: 'misconfigured',
        networkReason: expect.stringContaining('Telegram non trova il canale di chatId'),
      });
      expect(await publishTo(fake, {}, '-1000000000001')).toMatchObject({ code: 'misconfigured' });
      expect(fake.requests.map((r) => r.status)).toEqual([400, 400]);
    });

    it('a migrated chat is misconfigured, naming the new id', async () => {
      const fake = await startFake();
      fake.failNext(TELEGRAM_ERRORS.migrated(-1005550001112));
      expect(await publishTo(fake)).toMatchObject({
        kind: 'rejected',
        code: 'misconfigured',
        networkReason:
          'il gruppo è diventato un supergruppo, con id -1005550001112: scrivi questo id in chatId',
      });
    });

    it('a text Telegram refuses is content_refused with Telegram’s words', async () => {
      const fake = await startFake();
      fake.failNext(TELEGRAM_ERRORS.messageTooLong);
      expect(await publishTo(fake)).toEqual({
        kind: 'rejected',
        code: 'content_refused',
        detail: 'Telegram refused the message (HTTP 400: Bad Request: message is too long)',
        networkReason: 'message is too long',
      });
      expect(await publishTo(fake, { text: '   \n ' })).toMatchObject({
        code: 'content_refused',
        networkReason: 'message text is empty',
      });
    });

    it('an image Telegram cannot fetch or use is media_unreachable, naming the image', async () => {
      const fake = await startFake();
      fake.photoFates.set(PHOTO, 'unreachable');
      const images = [{ url: PHOTO, alt: 'Il ponte' }];
      expect(await publishTo(fake, { images })).toEqual({
        kind: 'rejected',
        code: 'media_unreachable',
        detail: 'Telegram could not use the image (HTTP 400: Bad Request: failed to get HTTP URL content)',
        networkReason: `Telegram non ha potuto usare l'immagine ${PHOTO} (failed to get HTTP URL content)`,
      });
      fake.photoFates.set(PHOTO, 'not_an_image');
      expect(await publishTo(fake, { images })).toMatchObject({
        code: 'media_unreachable',
        networkReason: expect.stringContaining('wrong type of the web page content'),
      });
      fake.failNext(TELEGRAM_ERRORS.wrongFile);
      expect(await publishTo(fake, { images, team: TEAM_EN })).toMatchObject({
        code: 'media_unreachable',
        networkReason: `Telegram could not use the image ${PHOTO} (wrong file identifier/HTTP URL specified)`,
      });
      expect(fake.messages).toEqual([]);
    });

    it('429 is rate_limited for Telegram’s retry_after, bounded to a day, a minute when absent', async () => {
      const fake = await startFake();
      fake.failNext(
        { kind: 'rate_limited', retryAfter: 35 },
        { kind: 'rate_limited', retryAfter: 7, header: false },
        { kind: 'rate_limited', retryAfter: 10_000_000 },
        { kind: 'error', status: 429, description: 'Too Many Requests' },
      );
      expect(await publishTo(fake)).toEqual({
        kind: 'rate_limited',
        retryAfterMs: 35_000,
        detail: 'Telegram asks to slow down (HTTP 429, retry after 35 s)',
      });
      expect(await publishTo(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7_000 });
      expect(await publishTo(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 24 * 3_600_000 });
      expect(await publishTo(fake)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000 });
      expect(fake.messages).toEqual([]);
    });

    it('5xx is unavailable; a gateway’s 502 or 504 is unknown, since the message may have gone', async () => {
      const fake = await startFake();
      fake.failNext(
        TELEGRAM_ERRORS.internal,
        { kind: 'http', status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
        { kind: 'http', status: 504, body: '<html>504 Gateway Time-out</html>' },
      );
      expect(await publishTo(fake)).toMatchObject({ kind: 'unavailable' });
      expect(await publishTo(fake)).toMatchObject({
        kind: 'unknown',
        detail:
          'a gateway got no valid answer from the Bot API (HTTP 502): the message may be in the channel',
      });
      expect(await publishTo(fake)).toMatchObject({ kind: 'unknown' });
    });

    it('a redirect or a 404 is a misconfigured baseUrl', async () => {
      const fake = await startFake();
      fake.failNext({
        kind: 'http',
        status: 301,
        body: '',
        headers: { location: 'https://api.telegram.org/' },
      });
      expect(await publishTo(fake)).toMatchObject({ kind: 'rejected', code: 'misconfigured' });
      const target = targetFor(`${fake.url}/nowhere`);
      expect(
        await publisherFor(target).publish(publishRequestFor(target, TEAM), new AbortController().signal),
      ).toMatchObject({
        kind: 'rejected',
        code: 'misconfigured',
        networkReason: expect.stringContaining('HTTP 404'),
      });
      expect(fake.requests).toHaveLength(2);
    });

    it('a Bot API that cannot be reached is unavailable: nothing was sent', async () => {
      const fake = await startFake();
      const url = fake.url;
      await fake.close();
      fakes.splice(fakes.indexOf(fake), 1);
      const target = targetFor(url);
      expect(
        await publisherFor(target).publish(publishRequestFor(target, TEAM), new AbortController().signal),
      ).toMatchObject({ kind: 'unavailable', detail: expect.stringContaining('ECONNREFUSED') });
    });
  });

  describe('when the answer is lost (Telegram keeps no idempotency key)', () => {
    it('is unknown when the attempt’s time runs out after the request left; the message is in the channel', async () => {
      const fake = await startFake();
      fake.failNext({ kind: 'hold' });
      const target = targetFor(fake.url);
      const controller = new AbortController();
      const attempt = publisherFor(target).publish(publishRequestFor(target, TEAM), controller.signal);
      await fake.waitForRequests(1);
      controller.abort();
      expect(await attempt).toEqual({
        kind: 'unknown',
        detail: 'no answer within the attempt’s time: the message may be in the channel',
      });
      // Telegram finishes its work anyway: only a person can tell, so the engine asks one.
      fake.release();
      expect(await fake.waitForMessages(1)).toMatchObject([{ chatId: PUBLIC_ID, method: 'sendMessage' }]);
      expect(fake.requests).toHaveLength(1);
    });

    it('is unknown when the connection drops after the message was published, and when before', async () => {
      const fake = await startFake();
      fake.failNext({ kind: 'drop' }, { kind: 'drop', processed: false });
      expect(await publishTo(fake)).toMatchObject({ kind: 'unknown' });
      expect(fake.messages).toHaveLength(1);
      expect(await publishTo(fake)).toMatchObject({ kind: 'unknown' });
      expect(fake.messages).toHaveLength(1);
    });

    it('sends nothing when the attempt’s time ran out before it started', async () => {
      const fake = await startFake();
      const target = targetFor(fake.url);
      expect(
        await publisherFor(target).publish(publishRequestFor(target, TEAM), AbortSignal.abort()),
      ).toMatchObject({
        kind: 'unavailable',
      });
      expect(fake.requests).toEqual([]);
    });

    it('never puts the token in an outcome or a log line, even when an error quotes the URL', async () => {
      const logger = new RecordingLogger();
      const target = targetFor(undefined);
      const publisher = telegramNetwork.create(target, {
        ...testPublisherContext(),
        logger,
        fetch: (input) =>
          Promise.reject(
            Object.assign(new TypeError(`fetch failed: ${String(input)}`), {
              cause: Object.assign(new Error(`socket hang up at ${String(input)}`), { code: 'ECONNRESET' }),
            }),
          ),
      });
      const outcome = await publisher.publish(publishRequestFor(target, TEAM), new AbortController().signal);
      expect(outcome).toMatchObject({ kind: 'unknown', detail: expect.stringContaining('ECONNRESET') });
      const everything = JSON.stringify({ outcome, lines: logger.lines });
      expect(everything).not.toContain(TOKEN);
      expect(everything).toContain('https://api.telegram.org/bot[REDACTED]/sendMessage');
    });
  });
});

describe('the fake Bot API', () => {
  it('reads parameters as Telegram does: form-urlencoded, multipart with an uploaded photo, and the query string', async () => {
    const fake = await startFake();
    expect(
      await callFake(fake, 'SENDMESSAGE', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ chat_id: String(PUBLIC_ID), text: 'Allerta meteo gialla' }).toString(),
      }),
    ).toMatchObject({
      status: 200,
      body: { ok: true, result: { message_id: 100, text: 'Allerta meteo gialla' } },
    });
    const form = new FormData();
    form.append('chat_id', '@comune_allerte');
    form.append('caption', 'Mappa');
    form.append('photo', new Blob([new Uint8Array(64)], { type: 'image/jpeg' }), 'mappa.jpg');
    expect(await callFake(fake, 'sendPhoto', { body: form })).toMatchObject({
      status: 200,
      body: { ok: true, result: { caption: 'Mappa', chat: { username: 'comune_allerte' } } },
    });
    const query = await fetch(`${fake.url}/bot${TOKEN}/sendMessage?chat_id=${PUBLIC_ID}&text=ciao`);
    expect(query.status).toBe(200);
    expect(fake.messages.map((m) => m.photo ?? m.text)).toEqual([
      'Allerta meteo gialla',
      'upload:64',
      'ciao',
    ]);
    expect((await callFake(fake, 'getMe', {})) as unknown).toMatchObject({
      body: { result: { is_bot: true } },
    });
    const wrongToken = await fetch(`${fake.url}/bot1:nope/getMe`);
    expect(wrongToken.status).toBe(401);
  });
});

describe('the telegram network definition', () => {
  it('creates, through the registry, a publisher that publishes to the Bot API at the target’s baseUrl', async () => {
    const fake = await startFake();
    const definition = networkNamed('telegram');
    expect(definition?.create).toBeDefined();
    const target = targetFor(`${fake.url}/`);
    const publisher = definition?.create?.(target, testPublisherContext({ logger: new RecordingLogger() }));
    expect(publisher?.idempotent).toBe(false);
    expect(
      await publisher?.publish(publishRequestFor(target, TEAM), new AbortController().signal),
    ).toMatchObject({ kind: 'published', url: 'https://t.me/comune_allerte/100' });
    expect(fake.requests[0]?.path).toBe(`/bot${TOKEN}/sendMessage`);
  });

  it('calls api.telegram.org when the target names no baseUrl', async () => {
    const seen: string[] = [];
    const target = targetFor(undefined);
    const publisher = telegramNetwork.create(target, {
      ...testPublisherContext(),
      logger: new RecordingLogger(),
      fetch: (input) => {
        seen.push(String(input));
        return Promise.resolve(
          Response.json({
            ok: true,
            result: {
              message_id: 7,
              chat: { id: PUBLIC_ID, title: 'Allerte', username: 'comune_allerte', type: 'channel' },
            },
          }),
        );
      },
    });
    expect(
      await publisher.publish(publishRequestFor(target, TEAM), new AbortController().signal),
    ).toMatchObject({
      url: 'https://t.me/comune_allerte/7',
    });
    expect(seen).toEqual([`https://api.telegram.org/bot${TOKEN}/sendMessage`]);
  });

  it('refuses a plain-http baseUrl on a public host, where the token would travel in clear', () => {
    const context = testPublisherContext({ logger: new RecordingLogger() });
    expect(() => telegramNetwork.create(targetFor('http://bot-api.example.org'), context)).toThrow(AppError);
    expect(() => telegramNetwork.create(targetFor('http://bot-api.example.org'), context)).toThrow(
      /must be https/,
    );
    for (const ok of [
      'https://bot-api.example.org',
      'http://127.0.0.1:8081',
      'http://telegram-bot-api:8081',
      'http://10.0.0.5',
    ]) {
      expect(() => telegramNetwork.create(targetFor(ok), context), ok).not.toThrow();
    }
  });

  function configWith(targets: unknown[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'araldo-telegram-'));
    const path = join(dir, 'araldo.json');
    writeFileSync(
      path,
      JSON.stringify({
        teams: [{ id: 'social', chat: 'shell', channel: 'social', approvers: ['capo'] }],
        targets,
      }),
    );
    return path;
  }

  const target = {
    id: 'allerte-telegram',
    network: 'telegram',
    displayName: 'Telegram allerte',
    credentials: { botToken: 'TELEGRAM_BOT_TOKEN', chatId: 'TELEGRAM_CANALE' },
  };

  it('loads a target whose variables hold a bot token and a channel, by @username or -100 id', () => {
    for (const channel of ['@comune_allerte', '-1001234567890']) {
      const loaded = loadConfig({
        ARALDO_CONFIG: configWith([target]),
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_CANALE: channel,
      });
      expect(loaded.ok && loaded.value.targets[0]?.credentials).toEqual({ botToken: TOKEN, chatId: channel });
    }
  });

  it('refuses a malformed token or channel, naming the variable and never quoting the value', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith([target]),
      TELEGRAM_BOT_TOKEN: 'Bearer 7012345678-segretissimo',
      TELEGRAM_CANALE: 'https://t.me/comune_allerte',
    });
    expect(loaded.ok || loaded.error).toEqual([
      'targets[0].credentials.botToken: environment variable TELEGRAM_BOT_TOKEN: expected the bot token @BotFather gives: digits, a colon, then about 35 letters, digits, - or _ (123456789:AAH…)',
      "targets[0].credentials.chatId: environment variable TELEGRAM_CANALE: expected the channel's public @username (e.g. @comune_bolzano) or, for a private channel, its numeric id: -100 and digits (e.g. -1001234567890)",
    ]);
    expect(JSON.stringify(loaded)).not.toContain('segretissimo');
  });

  it('refuses a target without its channel, or with a field telegram does not take', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith([
        { ...target, credentials: { botToken: 'TELEGRAM_BOT_TOKEN', channel: 'TELEGRAM_CANALE' } },
      ]),
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CANALE: '@comune_allerte',
    });
    expect(loaded.ok || loaded.error).toEqual([
      'config targets[0].credentials.channel: telegram has no credential "channel" (it takes botToken, chatId)',
      'config targets[0].credentials.chatId: telegram needs this credential: name the environment variable that holds it',
    ]);
  });
});
