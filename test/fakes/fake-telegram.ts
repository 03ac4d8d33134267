import { EventEmitter } from 'node:events';
import { type Exchange, FaultQueue, LoopbackHttp, parseMultipart, waitForCount } from './loopback-http.ts';

// The Telegram Bot API on 127.0.0.1, as much of it as a channel publisher
// uses, written from the API's documentation (core.telegram.org/bots/api) and
// the Bot API server's source (github.com/tdlib/telegram-bot-api: Client.cpp,
// Query.cpp, HttpConnection.cpp), independently of Araldo's code:
// - requests are `{base}/bot<token>/<method>`, method names in any case, GET or
//   POST; parameters come from the query string and from a body in JSON (an
//   object), application/x-www-form-urlencoded or multipart/form-data;
// - every answer is JSON: `{"ok":true,"result":…}` or `{"ok":false,
//   "error_code":N,"description":"…","parameters"?}` with HTTP status N; a 429
//   also has a `Retry-After` header; a path that is no method is 404 "Not Found",
//   a token the server does not know 401 "Unauthorized";
// - sendMessage `text` is 1-4096 UTF-16 units and sendPhoto `caption` 0-1024,
//   counted after Telegram trims the text's surrounding white space;
// - a channel is posted to only by a bot that is one of its administrators with
//   `can_post_messages`; the answers otherwise are the real ones: "Forbidden: bot
//   is not a member of the channel chat", "Forbidden: bot was kicked from the
//   channel chat", "Bad Request: need administrator rights in the channel chat";
//   an unknown chat, or a private channel named by @username, "Bad Request: chat
//   not found";
// - a photo by URL is fetched by Telegram: the fake is told each URL's fate
//   (`photoFates`); a string that is neither an http(s) URL nor a file_id it
//   handed out is "Bad Request: wrong file identifier/HTTP URL specified".

/** How the bot stands in a channel: an administrator (posting or not), gone, or removed. */
export type BotStanding = 'poster' | 'admin_without_post' | 'left' | 'kicked';

/** A channel the fake knows. */
export interface FakeChannel {
  /** the Bot API id: -100… */
  readonly id: number;
  readonly title: string;
  /** public channels only */
  readonly username?: string;
  bot: BotStanding;
}

/** What Telegram does with a photo URL: fetch it, fail to, or find no image there. */
export type PhotoFate = 'ok' | 'unreachable' | 'not_an_image';

/** A message the fake published in a channel. */
export interface FakeChannelMessage {
  readonly chatId: number;
  readonly messageId: number;
  readonly method: 'sendMessage' | 'sendPhoto';
  readonly text?: string;
  readonly caption?: string;
  /** the photo as sent: its URL, its file_id, or `upload:<bytes>` for a multipart file */
  readonly photo?: string;
}

/** One request that reached the fake, as it crossed the wire. */
export interface FakeTelegramRequest {
  readonly at: number;
  readonly httpMethod: string;
  /** the path as received (it holds the token) */
  readonly path: string;
  readonly token: string | undefined;
  /** the Bot API method, lower case */
  readonly method: string | undefined;
  readonly contentType: string | undefined;
  /** the parameters as the Bot API reads them: strings, objects JSON-encoded */
  readonly params: Readonly<Record<string, string>>;
  /** the status answered; 0 when the connection was dropped or the fake closed first */
  status: number;
}

/**
 * What the fake does with the next request instead of answering it normally
 * (once its token was accepted):
 * - `error`: answers the Bot API error `{ok:false,error_code:status,description,parameters}`;
 * - `rate_limited`: 429 "Too Many Requests: retry after N" with `parameters.retry_after`
 *   and `Retry-After`, as the Bot API server writes them;
 * - `http`: answers a raw status and body (a proxy's HTML 502, say);
 * - `delay` / `hold`: waits (ms, or until `release()`), then handles the request normally;
 *   like a real server it finishes the work even if the client has gone;
 * - `drop`: destroys the connection without answering; with `processed` (the default)
 *   after publishing the message, as when the answer is lost on the way back;
 * - `late`: handles the request at once (the message is published), then answers `ms`
 *   later if the client is still there: a process killed meanwhile has sent the message
 *   without learning it.
 */
export type TelegramFault =
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly description: string;
      readonly parameters?: Readonly<Record<string, number>>;
    }
  | { readonly kind: 'rate_limited'; readonly retryAfter: number; readonly header?: boolean }
  | {
      readonly kind: 'http';
      readonly status: number;
      readonly body: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'hold' }
  | { readonly kind: 'drop'; readonly processed?: boolean }
  | { readonly kind: 'late'; readonly ms: number };

/** The Bot API's real error answers, for `failNext`. */
export const TELEGRAM_ERRORS = {
  unauthorized: { kind: 'error', status: 401, description: 'Unauthorized' },
  notMember: {
    kind: 'error',
    status: 403,
    description: 'Forbidden: bot is not a member of the channel chat',
  },
  kicked: { kind: 'error', status: 403, description: 'Forbidden: bot was kicked from the channel chat' },
  needAdmin: {
    kind: 'error',
    status: 400,
    description: 'Bad Request: need administrator rights in the channel chat',
  },
  chatNotFound: { kind: 'error', status: 400, description: 'Bad Request: chat not found' },
  messageTooLong: { kind: 'error', status: 400, description: 'Bad Request: message is too long' },
  captionTooLong: { kind: 'error', status: 400, description: 'Bad Request: message caption is too long' },
  wrongFile: {
    kind: 'error',
    status: 400,
    description: 'Bad Request: wrong file identifier/HTTP URL specified',
  },
  urlUnreachable: { kind: 'error', status: 400, description: 'Bad Request: failed to get HTTP URL content' },
  notAnImage: { kind: 'error', status: 400, description: 'Bad Request: wrong type of the web page content' },
  internal: { kind: 'error', status: 500, description: 'Internal Server Error' },
  migrated: (newId: number): TelegramFault => ({
    kind: 'error',
    status: 400,
    description: 'Bad Request: group chat was migrated to a supergroup chat',
    parameters: { migrate_to_chat_id: newId },
  }),
} as const satisfies Record<string, TelegramFault | ((id: number) => TelegramFault)>;

/** The most UTF-16 units of a text message and of a caption. */
const TEXT_MAX = 4096;
const CAPTION_MAX = 1024;

class BotApiError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
  ) {
    super(description);
  }
}

const badRequest = (what: string) => new BotApiError(400, `Bad Request: ${what}`);

/** Resolves after `ms`: the wait of a `late` answer. */
const late = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Parameters from a body the way the Bot API server reads them; values that are no strings are JSON-encoded. */
async function paramsOf(
  contentType: string | undefined,
  raw: Buffer,
  url: URL,
): Promise<{ params: Record<string, string>; uploads: Record<string, number> }> {
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  const uploads: Record<string, number> = {};
  const type = (contentType ?? '').toLowerCase();
  if (raw.length === 0) return { params, uploads };
  if (type.startsWith('application/json')) {
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw badRequest("can't parse JSON object");
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw badRequest('JSON object expected');
    }
    for (const [key, value] of Object.entries(json)) {
      params[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) params[key] = value;
  } else if (type.startsWith('multipart/form-data')) {
    const form = await parseMultipart(contentType, raw);
    if (form === undefined) throw badRequest('invalid request body');
    for (const [key, value] of form) {
      if (typeof value === 'string') params[key] = value;
      else uploads[key] = value.size;
    }
  }
  return { params, uploads };
}

/**
 * A Telegram Bot API server on 127.0.0.1 for one bot (`token`), with the
 * channels it is told of (`addChannel`). Records every request
 * (`requests`) and every published message (`messages`); can be told to
 * fail the next requests (`failNext`), revoke the token (`revokeToken`),
 * and what each photo URL yields (`photoFates`). Events: `request` (a
 * FakeTelegramRequest, once its body arrived), `message` (a FakeChannelMessage,
 * once published).
 */
export class FakeTelegram extends EventEmitter {
  readonly requests: FakeTelegramRequest[] = [];
  readonly messages: FakeChannelMessage[] = [];
  /** what Telegram gets when it fetches a photo URL; URLs not listed are fine images */
  readonly photoFates = new Map<string, PhotoFate>();
  readonly #channels = new Map<number, FakeChannel>();
  readonly #http: LoopbackHttp;
  /** one queue: the Bot API's faults meet the next requests whatever their method */
  readonly #faults: FaultQueue<'any', TelegramFault>;
  readonly #fileIds = new Set<string>();
  #token: string;
  #revoked = false;
  #nextMessageId = 100;

  private constructor(token: string) {
    super();
    this.#token = token;
    this.#http = new LoopbackHttp((exchange) => this.#handle(exchange));
    this.#faults = new FaultQueue(this.#http);
  }

  /** Starts the fake on 127.0.0.1, port 0, for the bot with `token`. */
  static async start(options: { token: string }): Promise<FakeTelegram> {
    const fake = new FakeTelegram(options.token);
    await fake.#http.listen();
    return fake;
  }

  /** the base URL a target's `baseUrl` names: `http://127.0.0.1:<port>` */
  get url(): string {
    return this.#http.url;
  }

  /** makes a channel known; the bot's standing in it may change later (`channel(id).bot = …`) */
  addChannel(channel: FakeChannel): FakeChannel {
    const copy = { ...channel };
    this.#channels.set(channel.id, copy);
    return copy;
  }

  /** the channel with this id */
  channel(id: number): FakeChannel | undefined {
    return this.#channels.get(id);
  }

  /** the token stops working, as when it is revoked at @BotFather: every request is 401 */
  revokeToken(): void {
    this.#revoked = true;
  }

  /** the next requests meet these faults, one each, in order */
  failNext(...faults: TelegramFault[]): void {
    this.#faults.add('any', faults);
  }

  /** answers the requests a `hold` fault is keeping */
  release(): void {
    this.#http.release();
  }

  /** resolves once `count` requests in all have arrived (counting those already there) */
  waitForRequests(count: number): Promise<readonly FakeTelegramRequest[]> {
    return waitForCount(this, 'request', () => this.requests, count);
  }

  /** resolves once `count` messages in all were published (counting those already there) */
  waitForMessages(count: number): Promise<readonly FakeChannelMessage[]> {
    return waitForCount(this, 'message', () => this.messages, count);
  }

  /** stops listening and cuts every open connection */
  async close(): Promise<void> {
    await this.#http.close();
  }

  async #handle(exchange: Exchange): Promise<void> {
    const { request } = exchange;
    const url = new URL(request.url ?? '/', this.url);
    const route = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const contentType = exchange.headers['content-type'];
    const received: FakeTelegramRequest = {
      at: Date.now(),
      httpMethod: exchange.method,
      path: request.url ?? '',
      token: route?.[1],
      method: route?.[2]?.toLowerCase(),
      contentType,
      params: {},
      status: 0,
    };
    let parsed: Awaited<ReturnType<typeof paramsOf>> | BotApiError;
    try {
      parsed = await paramsOf(contentType, exchange.raw, url);
    } catch (error) {
      parsed = error instanceof BotApiError ? error : badRequest('invalid request body');
    }
    if (!(parsed instanceof BotApiError)) Object.assign(received.params, parsed.params);
    exchange.track(received);
    this.requests.push(received);
    this.emit('request', received);

    const fail = (error: BotApiError, parameters?: Readonly<Record<string, number>>) =>
      exchange.reply(error.status, {
        ok: false,
        error_code: error.status,
        description: error.description,
        ...(parameters ? { parameters } : {}),
      });

    if (!route || (request.method !== 'GET' && request.method !== 'POST')) {
      return fail(new BotApiError(404, 'Not Found'));
    }
    if (route[1] !== this.#token || this.#revoked) return fail(new BotApiError(401, 'Unauthorized'));

    let fault = await this.#faults.take('any');
    if (fault?.kind === 'delay') {
      const { ms } = fault;
      await new Promise((resolve) => setTimeout(resolve, ms));
      fault = undefined;
    }
    if (fault?.kind === 'error')
      return fail(new BotApiError(fault.status, fault.description), fault.parameters);
    if (fault?.kind === 'rate_limited') {
      return exchange.reply(
        429,
        {
          ok: false,
          error_code: 429,
          description: `Too Many Requests: retry after ${fault.retryAfter}`,
          parameters: { retry_after: fault.retryAfter },
        },
        fault.header === false ? {} : { 'retry-after': String(fault.retryAfter) },
      );
    }
    if (fault?.kind === 'http') return exchange.reply(fault.status, fault.body, fault.headers);
    if (parsed instanceof BotApiError) return fail(parsed);

    if (fault?.kind === 'drop' && fault.processed === false) return exchange.drop();
    let result: unknown;
    try {
      result = this.#call(route[2]?.toLowerCase() ?? '', parsed.params, parsed.uploads);
    } catch (error) {
      if (fault?.kind === 'drop') return exchange.drop();
      if (fault?.kind === 'late') await late(fault.ms);
      if (error instanceof BotApiError) return fail(error);
      throw error;
    }
    if (fault?.kind === 'late') await late(fault.ms);
    if (fault?.kind === 'drop') return exchange.drop();
    return exchange.reply(200, { ok: true, result });
  }

  #call(method: string, params: Record<string, string>, uploads: Record<string, number>): unknown {
    switch (method) {
      case 'getme':
        return {
          id: Number(this.#token.split(':')[0]),
          is_bot: true,
          first_name: 'Araldo',
          username: 'araldo_test_bot',
        };
      case 'sendmessage':
        return this.#send('sendMessage', params, uploads);
      case 'sendphoto':
        return this.#send('sendPhoto', params, uploads);
      default:
        throw new BotApiError(404, 'Not Found');
    }
  }

  #publish(message: FakeChannelMessage): void {
    this.messages.push(message);
    this.emit('message', message);
  }

  #chat(chatId: string | undefined): FakeChannel {
    if (chatId === undefined || chatId === '') throw badRequest('chat_id is empty');
    if (chatId.startsWith('@')) {
      const name = chatId.slice(1).toLowerCase();
      const found = [...this.#channels.values()].find((c) => c.username?.toLowerCase() === name);
      if (!found) throw badRequest('chat not found');
      return found;
    }
    if (!/^-?\d+$/.test(chatId)) throw badRequest('chat not found');
    const found = this.#channels.get(Number(chatId));
    if (!found) throw badRequest('chat not found');
    return found;
  }

  #send(
    method: 'sendMessage' | 'sendPhoto',
    params: Record<string, string>,
    uploads: Record<string, number>,
  ): unknown {
    const chat = this.#chat(params.chat_id);
    if (chat.bot === 'left') throw new BotApiError(403, 'Forbidden: bot is not a member of the channel chat');
    if (chat.bot === 'kicked') throw new BotApiError(403, 'Forbidden: bot was kicked from the channel chat');
    if (chat.bot === 'admin_without_post') throw badRequest('need administrator rights in the channel chat');
    const chatObject = {
      id: chat.id,
      title: chat.title,
      ...(chat.username ? { username: chat.username } : {}),
      type: 'channel',
    };
    const messageId = this.#nextMessageId;
    const base = {
      message_id: messageId,
      sender_chat: chatObject,
      chat: chatObject,
      date: Math.floor(Date.now() / 1000),
    };
    if (method === 'sendMessage') {
      // Telegram trims the text's surrounding white space before it counts.
      const text = (params.text ?? '').trim();
      if (text === '') throw badRequest('message text is empty');
      if (text.length > TEXT_MAX) throw badRequest('message is too long');
      this.#nextMessageId += 1;
      this.#publish({ chatId: chat.id, messageId, method, text });
      return { ...base, text };
    }
    const caption = (params.caption ?? '').trim();
    if (caption.length > CAPTION_MAX) throw badRequest('message caption is too long');
    const photo = this.#photo(params.photo, uploads.photo);
    this.#nextMessageId += 1;
    const fileId = `AgAC-fake-${messageId}`;
    this.#fileIds.add(fileId);
    this.#publish({ chatId: chat.id, messageId, method, photo, ...(caption === '' ? {} : { caption }) });
    return {
      ...base,
      photo: [
        { file_id: fileId, file_unique_id: `u${messageId}`, file_size: 51_234, width: 1280, height: 853 },
      ],
      ...(caption === '' ? {} : { caption }),
    };
  }

  #photo(given: string | undefined, uploaded: number | undefined): string {
    if (uploaded !== undefined) return `upload:${uploaded}`;
    if (given === undefined || given === '') throw badRequest('there is no photo in the request');
    if (given.startsWith('attach://')) throw badRequest('wrong file identifier/HTTP URL specified');
    if (this.#fileIds.has(given)) return given;
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      throw badRequest('wrong file identifier/HTTP URL specified');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw badRequest('wrong file identifier/HTTP URL specified');
    }
    const fate = this.photoFates.get(given) ?? 'ok';
    if (fate === 'unreachable') throw badRequest('failed to get HTTP URL content');
    if (fate === 'not_an_image') throw badRequest('wrong type of the web page content');
    return given;
  }
}
