import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { FAKE_EPOCH_SECONDS, nextFakeTs, SLACK_DEFAULTS } from '../fixtures/slack-payloads.ts';

// A Slack Web API and Socket Mode server on 127.0.0.1, for the real
// @slack/web-api WebClient, @slack/socket-mode SocketModeClient and Bolt.
//
// Wire facts it follows (checked against @slack/web-api 8.2, @slack/socket-mode 3.1):
// - WebClient POSTs form-encoded bodies to `{slackApiUrl}{method}` with
//   `Authorization: Bearer <token>`; objects (blocks, view, attachments) arrive as JSON strings.
//   It also can send multipart (files) and Slack accepts JSON bodies; both are parsed.
// - Slack answers errors as HTTP 200 `{ok:false,error}`; only 429 (with Retry-After) and 5xx
//   use other statuses — https://docs.slack.dev/apis/web-api/#responses and #rate-limits.
// - Socket Mode (https://docs.slack.dev/apis/events-api/using-socket-mode): `apps.connections.open`
//   with the app-level token hands out a WebSocket URL; the server says `hello`, then sends
//   envelopes; the client acks each with `{envelope_id, payload?}`; a `disconnect` message asks the
//   client to reconnect (SocketModeClient closes and calls `apps.connections.open` again).
// - Message metadata (https://docs.slack.dev/messaging/message-metadata): `{event_type, event_payload}`
//   given to chat.postMessage is kept on the message; chat.update keeps it when the field is left out
//   and removes it when given `{}` (https://docs.slack.dev/reference/methods/chat.update).
//   conversations.history and conversations.replies return it only with `include_all_metadata=true`.
// - conversations.history lists the channel's top-level messages, newest first; thread replies are
//   not in it unless broadcast (`reply_broadcast`). conversations.replies lists a thread, the parent
//   first, then the replies oldest first. Both page by `limit` (default 100, under 1000) and by an
//   opaque `cursor` from `response_metadata.next_cursor`, with `has_more`; `oldest`/`latest` bound
//   the time range, exclusive unless `inclusive`
//   (https://docs.slack.dev/reference/methods/conversations.history, …/conversations.replies;
//   response shapes from slackapi/slack-api-specs' examples).

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  botUserId?: string;
  botId?: string;
  teamId?: string;
  /** when given, only these channels exist; otherwise every channel id is accepted */
  channels?: readonly string[];
}

/** What the fake answered to one call. */
export type SlackCallOutcome = 'pending' | 'ok' | 'error' | 'rate_limited' | 'http_error' | 'dropped';

/** One request that reached the fake, as it crossed the wire. */
export interface SlackCall {
  /** Web API method (`chat.postMessage`), or `response_url` for a post to a URL from `responseUrl()` */
  readonly method: string;
  /** the decoded arguments: form/JSON/query fields, `blocks`/`view`/`attachments`/`metadata` parsed; no `token` */
  readonly args: Record<string, unknown>;
  /** from `Authorization: Bearer …`, or the legacy `token` field */
  readonly token: string | undefined;
  /** `Date.now()` when the request arrived */
  readonly at: number;
  /** `pending` while a delayed answer waits */
  outcome: SlackCallOutcome;
  /**
   * true once the method ran and its effects happened (a message stored, updated…), whatever the
   * client was then answered: with a `performed` failure the client sees a 5xx, a dropped
   * connection or a late answer for a call that did take effect
   */
  performed: boolean;
  /** HTTP status answered; 0 while pending or when dropped */
  status: number;
  /** the `error` of an `ok:false` answer */
  error: string | undefined;
  /** the JSON body answered, if any */
  response: Record<string, unknown> | undefined;
}

/**
 * A failure to inject. `delayMs` alone answers normally but late; with another field it delays that
 * failure. `drop` destroys the connection without answering.
 *
 * `performed: true` runs the method first, as Slack would have, and only then fails the answer: a
 * 5xx or a dropped connection after the message was stored, or (with `delayMs` alone) a call that
 * takes effect at once and answers late, past a client's timeout. Without it a 5xx or a drop
 * happens before anything is done, and a late answer runs the method only when it is finally
 * answered, and not at all if the client gave up by then. A 429 never performs (Slack refuses the
 * call); an `error` answers `ok:false`, which Slack gives only for what it did not do.
 */
export type SlackFailure =
  | { status: 429; retryAfterSeconds: number; delayMs?: number }
  | { status: 500 | 502 | 503 | 504; performed?: true; delayMs?: number }
  | { error: string; delayMs?: number }
  | { drop: true; performed?: true; delayMs?: number }
  | { delayMs: number; performed?: true };

/** Message metadata as Slack keeps it (https://docs.slack.dev/messaging/message-metadata). */
export interface FakeSlackMetadata {
  readonly event_type: string;
  readonly event_payload: Record<string, unknown>;
}

/** A message the fake holds: posted through the API, or planted with `addMessage`. */
export interface FakeSlackMessage {
  readonly channel: string;
  readonly ts: string;
  user: string;
  text: string;
  blocks: unknown;
  attachments: unknown;
  threadTs: string | undefined;
  /** a thread reply also shown in the channel (`reply_broadcast`), so listed by conversations.history */
  broadcast: boolean;
  /** the metadata the message was posted or last updated with */
  metadata: FakeSlackMetadata | undefined;
  edited: boolean;
  /** reaction name → user ids, in the order they reacted */
  readonly reactions: Map<string, string[]>;
}

export interface FakeSlackUser {
  name: string;
  realName?: string;
  displayName?: string;
  /** IANA zone; Slack's default is America/Los_Angeles, ours is the desk's */
  tz?: string;
  email?: string;
  isBot?: boolean;
}

export interface FakeSlackView {
  readonly id: string;
  /** the view as Slack returns it (with id, hash, state…) */
  view: Record<string, unknown>;
  hash: string;
}

export type SocketEnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

/** The client's acknowledgement of an envelope. */
export interface SocketModeAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export interface SocketEnvelope {
  envelope_id: string;
  type: SocketEnvelopeType;
  payload: object;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

const DEFAULT_TIMEOUT_MS = 5_000;
/** how long close() lets WebSocket close handshakes finish before cutting the connections */
const CLOSE_GRACE_MS = 500;
/** fields WebClient JSON-encodes into a form field, decoded again on arrival */
const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata'] as const;
/** conversations.history / .replies: `limit` when none is given, and the largest accepted */
const DEFAULT_PAGE_LIMIT = 100;
const MAX_PAGE_LIMIT = 999;

type Body = Record<string, unknown>;
type TokenKind = 'bot' | 'app';
interface Method {
  token: TokenKind;
  handle: (args: Body) => Body;
}

interface Pending {
  fail(error: Error): void;
}

function ok(fields: Body = {}): Body {
  return { ok: true, ...fields };
}

function fail(error: string): Body {
  return { ok: false, error };
}

function stringArg(args: Body, key: string): string | undefined {
  const value = args[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function hasContent(args: Body): boolean {
  // "One of these arguments is required to describe the content of the message:
  // attachments, blocks, text" (https://docs.slack.dev/reference/methods/chat.postMessage);
  // markdown_text is the newer fourth.
  return (
    ['text', 'markdown_text'].some((k) => stringArg(args, k) !== undefined) ||
    hasObject(args.blocks) ||
    hasObject(args.attachments)
  );
}

function hasObject(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : typeof value === 'object' && value !== null;
}

function isPlainObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageKey(channel: string, ts: string): string {
  return `${channel}/${ts}`;
}

/** Slack Web API + Socket Mode on loopback, port 0. Start with `FakeSlack.start()`, end with `close()`. */
export class FakeSlack {
  readonly botToken: string;
  readonly appToken: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  readonly appId: string = SLACK_DEFAULTS.appId;

  /** every request, in arrival order, including failed ones */
  readonly calls: SlackCall[] = [];
  /** every envelope sent over Socket Mode */
  readonly envelopes: SocketEnvelope[] = [];
  /** every message Socket Mode clients sent (acks), parsed */
  readonly socketMessages: unknown[] = [];
  /** WebSocket connections accepted so far (reconnects count) */
  socketConnections = 0;

  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sockets = new Set<Socket>();
  readonly #clients = new Set<WebSocket>();
  readonly #tickets = new Set<string>();
  readonly #events = new EventEmitter();
  readonly #pending = new Set<Pending>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #failures: { method: string; failure: SlackFailure; remaining: number }[] = [];

  readonly #messages = new Map<string, FakeSlackMessage>();
  readonly #views = new Map<string, FakeSlackView>();
  readonly #homes = new Map<string, Body>();
  readonly #usedTriggers = new Set<string>();
  readonly #users = new Map<string, FakeSlackUser>();
  readonly #userGroups = new Map<string, string[]>();
  readonly #channelMembers = new Map<string, string[]>();
  readonly #channels = new Map<string, { name: string; isPrivate: boolean }>();
  readonly #methods: Record<string, Method>;
  #port = 0;
  #viewSequence = 0;
  #responseUrlSequence = 0;

  private constructor(options: FakeSlackOptions) {
    this.botToken = options.botToken ?? 'xoxb-fake-bot-token';
    this.appToken = options.appToken ?? 'xapp-1-fake-app-token';
    this.botUserId = options.botUserId ?? SLACK_DEFAULTS.botUserId;
    this.botId = options.botId ?? SLACK_DEFAULTS.botId;
    this.teamId = options.teamId ?? SLACK_DEFAULTS.teamId;
    for (const id of options.channels ?? []) this.setChannel(id);
    this.setUser(this.botUserId, { name: 'araldo', realName: 'Araldo', isBot: true });
    this.#events.setMaxListeners(0);
    this.#methods = this.#buildMethods();

    this.#server = createServer((req, res) => {
      this.#onRequest(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake-slack failed: ${String(error)}`);
      });
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.#onUpgrade(req, socket, head),
    );
    this.#wss.on('connection', (ws) => this.#onSocketClient(ws));
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen(0, '127.0.0.1', () => {
        fake.#server.off('error', reject);
        resolve();
      });
    });
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  /** `http://127.0.0.1:PORT/api/` — what `slackApiUrl` takes (trailing slash included) */
  get url(): string {
    return `http://127.0.0.1:${this.#port}/api/`;
  }

  get port(): number {
    return this.#port;
  }

  /**
   * Closes HTTP and WebSocket servers, every open socket, pending delays; rejects pending waits.
   * Stop Socket Mode clients first (`await client.disconnect()`): a client still running takes the
   * close as a cue to reconnect, and its reconnect then fails against the closed fake.
   */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const pending of [...this.#pending]) pending.fail(new Error('FakeSlack closed'));
    // Finish close handshakes already under way (Bolt's app.stop() does not wait for its own), and
    // close the rest with a frame, so clients log no socket error; terminate whatever lingers.
    const clients = [...this.#clients];
    const closed = clients.map(
      (ws) =>
        new Promise<void>((resolve) =>
          ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()),
        ),
    );
    for (const ws of clients) if (ws.readyState === WebSocket.OPEN) ws.close(1001, 'going away');
    const linger = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
    await Promise.race([Promise.all(closed), linger]);
    for (const ws of this.#clients) ws.terminate();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // -------------------------------------------------------------------------
  // Recorded calls
  // -------------------------------------------------------------------------

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /**
   * The earliest call to `method` matching `predicate`: one already recorded, or the next to arrive.
   * Resolves as soon as the fake has answered it (or, for a delayed answer, when it arrives).
   */
  waitForCall(
    method: string,
    predicate: (call: SlackCall) => boolean = () => true,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<SlackCall> {
    const matches = (call: SlackCall): boolean => call.method === method && predicate(call);
    const existing = this.calls.find(matches);
    if (existing) return Promise.resolve(existing);
    return this.#wait<SlackCall>(
      timeoutMs,
      () =>
        `no matching ${method} call within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ') || 'none'}`,
      (done) => {
        const listener = (call: SlackCall): void => {
          if (matches(call)) done(call);
        };
        this.#events.on('call', listener);
        return () => this.#events.off('call', listener);
      },
    );
  }

  // -------------------------------------------------------------------------
  // Failure injection
  // -------------------------------------------------------------------------

  /** The next `times` calls of `method` (`'*'`: any Web API method) fail with `failure`. */
  failNext(method: string, failure: SlackFailure, times = 1): void {
    this.#failures.push({ method, failure, remaining: times });
  }

  clearFailures(): void {
    this.#failures.length = 0;
  }

  #takeFailure(method: string): SlackFailure | undefined {
    const index = this.#failures.findIndex(
      (f) => f.method === method || (f.method === '*' && method !== 'response_url'),
    );
    const entry = this.#failures[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#failures.splice(index, 1);
    return entry.failure;
  }

  // -------------------------------------------------------------------------
  // Workspace state
  // -------------------------------------------------------------------------

  /** Makes `id` a known channel; once any channel is set, unknown ones answer `channel_not_found`. */
  setChannel(id: string, channel: { name?: string; isPrivate?: boolean } = {}): void {
    this.#channels.set(id, { name: channel.name ?? id.toLowerCase(), isPrivate: channel.isPrivate ?? false });
  }

  setUser(id: string, user: FakeSlackUser): void {
    this.#users.set(id, user);
  }

  setUserGroup(id: string, userIds: readonly string[]): void {
    this.#userGroups.set(id, [...userIds]);
  }

  /** The people in `channel`, as conversations.members lists them (none until set). */
  setChannelMembers(channel: string, userIds: readonly string[]): void {
    this.#channelMembers.set(channel, [...userIds]);
  }

  /**
   * Plants a message posted by someone else (a person, or the bot when `user` is `botUserId`), so
   * reactions, permalinks and history can refer to it.
   */
  addMessage(
    channel: string,
    message: {
      user: string;
      text: string;
      ts?: string;
      threadTs?: string;
      broadcast?: boolean;
      metadata?: FakeSlackMetadata;
    },
  ): string {
    const ts = message.ts ?? nextFakeTs();
    this.#messages.set(messageKey(channel, ts), {
      channel,
      ts,
      user: message.user,
      text: message.text,
      blocks: undefined,
      attachments: undefined,
      threadTs: message.threadTs,
      broadcast: message.broadcast ?? false,
      metadata: message.metadata,
      edited: false,
      reactions: new Map(),
    });
    return ts;
  }

  /** Records `user`'s reaction on a message, as reactions.get will report it. */
  addReaction(channel: string, ts: string, name: string, user: string): void {
    const message = this.#messages.get(messageKey(channel, ts));
    if (!message) throw new Error(`no message ${channel}/${ts} in FakeSlack`);
    const users = message.reactions.get(name) ?? [];
    if (!users.includes(user)) users.push(user);
    message.reactions.set(name, users);
  }

  /** The message as it stands now (after updates), or undefined. */
  message(channel: string, ts: string): FakeSlackMessage | undefined {
    return this.#messages.get(messageKey(channel, ts));
  }

  /** Messages in `channel` (all channels when omitted), in posting order. */
  messages(channel?: string): FakeSlackMessage[] {
    return [...this.#messages.values()].filter((m) => channel === undefined || m.channel === channel);
  }

  /** The Home tab last published for `user`, as sent. */
  home(user: string): Body | undefined {
    return this.#homes.get(user);
  }

  /** Views opened through views.open, by id, as they stand now. */
  view(id: string): FakeSlackView | undefined {
    return this.#views.get(id);
  }

  /** A URL on this fake to put in a payload's `response_url`; posts to it are recorded as `response_url` calls. */
  responseUrl(): string {
    this.#responseUrlSequence += 1;
    return `http://127.0.0.1:${this.#port}/response-url/${this.#responseUrlSequence}`;
  }

  // -------------------------------------------------------------------------
  // Socket Mode
  // -------------------------------------------------------------------------

  /** Resolves when at least one Socket Mode client is connected (now or later). */
  waitForSocketClient(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (this.#openClients().length > 0) return Promise.resolve();
    return this.#wait<void>(
      timeoutMs,
      () => `no Socket Mode client connected within ${timeoutMs} ms`,
      (done) => {
        const listener = (): void => done(undefined);
        this.#events.on('socket-connection', listener);
        return () => this.#events.off('socket-connection', listener);
      },
    );
  }

  /**
   * Sends an envelope to the most recently connected client and resolves with its ack.
   * `events_api` envelopes carry `retry_attempt`/`retry_reason` (0 and '' on first delivery);
   * `slash_commands` and `interactive` accept a response payload in the ack.
   */
  sendEnvelope(
    type: SocketEnvelopeType,
    payload: object,
    options: { retryAttempt?: number; retryReason?: string; timeoutMs?: number } = {},
  ): Promise<SocketModeAck> {
    const ws = this.#openClients().at(-1);
    if (!ws)
      return Promise.reject(new Error('no Socket Mode client is connected; await waitForSocketClient()'));
    const envelope: SocketEnvelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
    };
    if (type === 'events_api' || options.retryAttempt !== undefined) {
      envelope.retry_attempt = options.retryAttempt ?? 0;
      envelope.retry_reason = options.retryReason ?? '';
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const acked = this.#wait<SocketModeAck>(
      timeoutMs,
      () => `no ack for ${type} envelope ${envelope.envelope_id} within ${timeoutMs} ms`,
      (done, failWith) => {
        const onMessage = (from: WebSocket, message: unknown): void => {
          if (from === ws && isPlainObject(message) && message.envelope_id === envelope.envelope_id) {
            done(message as unknown as SocketModeAck);
          }
        };
        const onClose = (closed: WebSocket): void => {
          if (closed === ws) failWith(new Error(`socket closed before ${type} envelope was acked`));
        };
        this.#events.on('socket-message', onMessage);
        this.#events.on('socket-close', onClose);
        return () => {
          this.#events.off('socket-message', onMessage);
          this.#events.off('socket-close', onClose);
        };
      },
    );
    this.envelopes.push(envelope);
    ws.send(JSON.stringify(envelope));
    return acked;
  }

  /**
   * Ends every open Socket Mode connection and resolves once they are closed.
   * - `disconnect_message` (default): Slack's `{type:'disconnect', reason}`; the client closes and reconnects.
   * - `close`: a close frame (1001, going away) from the server.
   * - `terminate`: the TCP connection dies without a close frame.
   */
  disconnectSockets(
    options: {
      mode?: 'disconnect_message' | 'close' | 'terminate';
      reason?: 'refresh_requested' | 'warning' | 'link_disabled';
      timeoutMs?: number;
    } = {},
  ): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const open = this.#openClients();
    const closed = open.map((ws) =>
      this.#wait<void>(
        timeoutMs,
        () => `socket still open ${timeoutMs} ms after disconnectSockets()`,
        (done) => {
          const onClose = (closedWs: WebSocket): void => {
            if (closedWs === ws) done(undefined);
          };
          this.#events.on('socket-close', onClose);
          return () => this.#events.off('socket-close', onClose);
        },
      ),
    );
    for (const ws of open) {
      switch (options.mode ?? 'disconnect_message') {
        case 'disconnect_message':
          ws.send(
            JSON.stringify({
              type: 'disconnect',
              reason: options.reason ?? 'refresh_requested',
              debug_info: { host: 'fake' },
            }),
          );
          break;
        case 'close':
          ws.close(1001, 'going away');
          break;
        case 'terminate':
          ws.terminate();
          break;
      }
    }
    return Promise.all(closed).then(() => undefined);
  }

  #openClients(): WebSocket[] {
    return [...this.#clients].filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  #onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket');
    // Only a URL handed out by apps.connections.open connects, once: SocketModeClient asks for a
    // fresh one before every (re)connect, so reusing a stale URL would be a client bug worth seeing.
    if (url.pathname !== '/socket' || ticket === null || !this.#tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#wss.emit('connection', ws, req));
  }

  #onSocketClient(ws: WebSocket): void {
    this.#clients.add(ws);
    this.socketConnections += 1;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      let message: unknown;
      try {
        message = JSON.parse(rawDataToString(data));
      } catch {
        message = rawDataToString(data);
      }
      this.socketMessages.push(message);
      this.#events.emit('socket-message', ws, message);
    });
    ws.on('close', () => {
      this.#clients.delete(ws);
      this.#events.emit('socket-close', ws);
    });
    // A reset connection reports an error before 'close'; the close is what matters here.
    ws.on('error', () => {});
    // Shape of Slack's hello: https://docs.slack.dev/apis/events-api/using-socket-mode#connect
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.#openClients().length,
        connection_info: { app_id: this.appId },
        debug_info: { host: 'fake', build_number: 1, approximate_connection_time: 18_060 },
      }),
    );
    this.#events.emit('socket-connection', ws);
  }

  // -------------------------------------------------------------------------
  // HTTP
  // -------------------------------------------------------------------------

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const apiMethod = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
    if (apiMethod !== undefined) {
      await this.#onApiCall(apiMethod, url, req, raw, res);
      return;
    }
    if (url.pathname.startsWith('/response-url/') && req.method === 'POST') {
      const parsed = await parseArgs(req.headers['content-type'], raw, new URLSearchParams());
      this.#record('response_url', parsed.args, undefined, req, res, () => ok());
      return;
    }
    sendJson(res, 404, fail('not_found'));
  }

  async #onApiCall(
    method: string,
    url: URL,
    req: IncomingMessage,
    raw: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    const parsed = await parseArgs(req.headers['content-type'], raw, url.searchParams);
    const { token: bodyToken, ...args } = parsed.args;
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    const token = bearer || (typeof bodyToken === 'string' && bodyToken !== '' ? bodyToken : undefined);
    this.#record(method, args, token, req, res, () => {
      const entry = this.#methods[method];
      if (!entry) return { ...fail('unknown_method'), req_method: method };
      if (parsed.error !== undefined) return fail(parsed.error);
      const authError = this.#authError(entry.token, token);
      if (authError !== undefined) return fail(authError);
      return entry.handle(args);
    });
  }

  /** Records the call, applies an injected failure or runs `answer`, and wakes waiters. */
  #record(
    method: string,
    args: Body,
    token: string | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    answer: () => Body,
  ): void {
    const call: SlackCall = {
      method,
      args,
      token,
      at: Date.now(),
      outcome: 'pending',
      performed: false,
      status: 0,
      error: undefined,
      response: undefined,
    };
    this.calls.push(call);
    const failure = this.#takeFailure(method);
    const perform = (): Body => {
      call.performed = true;
      return answer();
    };
    // A `performed` failure runs the method on arrival, before the answer goes wrong or late.
    const performedBody = failure !== undefined && 'performed' in failure ? perform() : undefined;
    const respond = (): void => {
      if (res.destroyed || res.writableEnded) return;
      if (failure !== undefined && 'drop' in failure) {
        call.outcome = 'dropped';
        req.socket.destroy();
        return;
      }
      if (failure !== undefined && 'status' in failure) {
        call.status = failure.status;
        if (failure.status === 429) {
          call.outcome = 'rate_limited';
          call.error = 'ratelimited';
          call.response = fail('ratelimited');
          sendJson(res, 429, call.response, { 'retry-after': String(failure.retryAfterSeconds) });
        } else {
          call.outcome = 'http_error';
          res.writeHead(failure.status, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`fake-slack: injected ${failure.status}`);
        }
        return;
      }
      const body =
        failure !== undefined && 'error' in failure ? fail(failure.error) : (performedBody ?? perform());
      call.status = 200;
      call.response = body;
      call.outcome = body.ok === true ? 'ok' : 'error';
      call.error = typeof body.error === 'string' ? body.error : undefined;
      sendJson(res, 200, body);
    };
    const delayMs = failure?.delayMs ?? 0;
    if (delayMs > 0) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        respond();
      }, delayMs);
      this.#timers.add(timer);
    } else {
      respond();
    }
    this.#events.emit('call', call);
  }

  #authError(kind: TokenKind, token: string | undefined): string | undefined {
    if (token === undefined) return 'not_authed';
    const expected = kind === 'bot' ? this.botToken : this.appToken;
    const other = kind === 'bot' ? this.appToken : this.botToken;
    if (token === expected) return undefined;
    // Slack tells a known token of the wrong kind apart from an unknown one.
    if (token === other) return 'not_allowed_token_type';
    return 'invalid_auth';
  }

  // -------------------------------------------------------------------------
  // Web API methods. Required arguments and error codes: slackapi/slack-api-specs and
  // https://docs.slack.dev/reference/methods/<method>; response shapes: @slack/web-api's
  // dist/types/response/*.d.ts. A missing argument with no documented code → invalid_arguments.
  // -------------------------------------------------------------------------

  #buildMethods(): Record<string, Method> {
    return {
      'auth.test': { token: 'bot', handle: () => this.#authTest() },
      'chat.postMessage': { token: 'bot', handle: (a) => this.#chatPostMessage(a) },
      'chat.update': { token: 'bot', handle: (a) => this.#chatUpdate(a) },
      'chat.postEphemeral': { token: 'bot', handle: (a) => this.#chatPostEphemeral(a) },
      'chat.getPermalink': { token: 'bot', handle: (a) => this.#chatGetPermalink(a) },
      'views.open': { token: 'bot', handle: (a) => this.#viewsOpen(a) },
      'views.update': { token: 'bot', handle: (a) => this.#viewsUpdate(a) },
      'views.publish': { token: 'bot', handle: (a) => this.#viewsPublish(a) },
      'conversations.members': { token: 'bot', handle: (a) => this.#conversationsMembers(a) },
      'usergroups.users.list': { token: 'bot', handle: (a) => this.#usergroupsUsersList(a) },
      'users.info': { token: 'bot', handle: (a) => this.#usersInfo(a) },
      'conversations.info': { token: 'bot', handle: (a) => this.#conversationsInfo(a) },
      'conversations.history': { token: 'bot', handle: (a) => this.#conversationsHistory(a) },
      'conversations.replies': { token: 'bot', handle: (a) => this.#conversationsReplies(a) },
      'reactions.add': { token: 'bot', handle: (a) => this.#reactionsAdd(a) },
      'reactions.remove': { token: 'bot', handle: (a) => this.#reactionsRemove(a) },
      'reactions.get': { token: 'bot', handle: (a) => this.#reactionsGet(a) },
      'apps.connections.open': { token: 'app', handle: () => this.#appsConnectionsOpen() },
    };
  }

  #channelExists(channel: string | undefined): channel is string {
    return channel !== undefined && (this.#channels.size === 0 || this.#channels.has(channel));
  }

  /** A message as the Web API returns it; `metadata` only when asked (`include_all_metadata`). */
  #messageJson(message: FakeSlackMessage, options: { metadata?: boolean } = {}): Body {
    const isBot = message.user === this.botUserId;
    const json: Body = {
      type: 'message',
      user: message.user,
      text: message.text,
      ts: message.ts,
      team: this.teamId,
    };
    if (isBot) Object.assign(json, { bot_id: this.botId, app_id: this.appId });
    if (message.blocks !== undefined) json.blocks = message.blocks;
    if (message.attachments !== undefined) json.attachments = message.attachments;
    if (message.threadTs !== undefined && message.threadTs !== message.ts) {
      json.thread_ts = message.threadTs;
      const parent = this.#messages.get(messageKey(message.channel, message.threadTs));
      if (parent) json.parent_user_id = parent.user;
      if (message.broadcast) json.subtype = 'thread_broadcast';
    } else {
      // A parent carries its thread's summary once it has replies (slack-api-specs' replies example).
      const replies = this.#repliesOf(message);
      const last = replies.at(-1);
      if (last) {
        const users = [...new Set(replies.map((reply) => reply.user))];
        Object.assign(json, {
          thread_ts: message.ts,
          reply_count: replies.length,
          reply_users_count: users.length,
          reply_users: users,
          latest_reply: last.ts,
          is_locked: false,
          subscribed: false,
        });
      } else if (message.threadTs !== undefined) {
        json.thread_ts = message.threadTs;
      }
    }
    if (options.metadata && message.metadata !== undefined) json.metadata = message.metadata;
    if (message.edited) json.edited = { user: message.user, ts: message.ts };
    if (message.reactions.size > 0) {
      json.reactions = [...message.reactions].map(([name, users]) => ({ name, users, count: users.length }));
    }
    return json;
  }

  #authTest(): Body {
    return ok({
      url: 'https://fake.slack.test/',
      team: 'Fake Desk',
      user: 'araldo',
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    });
  }

  #chatPostMessage(args: Body): Body {
    const channel = stringArg(args, 'channel');
    if (!this.#channelExists(channel)) return fail('channel_not_found');
    if (!hasContent(args)) return fail('no_text');
    const metadata = parseMetadata(args.metadata);
    if (metadata === 'invalid') return fail('invalid_metadata_format');
    const ts = nextFakeTs();
    const message: FakeSlackMessage = {
      channel,
      ts,
      user: this.botUserId,
      text: stringArg(args, 'text') ?? '',
      blocks: args.blocks,
      attachments: args.attachments,
      threadTs: stringArg(args, 'thread_ts'),
      broadcast: isTrue(args.reply_broadcast),
      metadata: metadata ?? undefined,
      edited: false,
      reactions: new Map(),
    };
    this.#messages.set(messageKey(channel, ts), message);
    return ok({ channel, ts, message: this.#messageJson(message) });
  }

  #chatUpdate(args: Body): Body {
    const channel = stringArg(args, 'channel');
    if (!this.#channelExists(channel)) return fail('channel_not_found');
    const ts = stringArg(args, 'ts');
    const message = ts === undefined ? undefined : this.#messages.get(messageKey(channel, ts));
    if (!message) return fail('message_not_found');
    if (message.user !== this.botUserId) return fail('cant_update_message');
    if (!hasContent(args)) return fail('no_text');
    const metadata = parseMetadata(args.metadata);
    if (metadata === 'invalid') return fail('invalid_metadata_format');
    // Left out, the metadata stays; `{}` removes it (chat.update reference, `metadata`).
    if (metadata !== undefined) message.metadata = metadata ?? undefined;
    if (typeof args.text === 'string') message.text = args.text;
    if (args.blocks !== undefined) message.blocks = args.blocks;
    if (args.attachments !== undefined) message.attachments = args.attachments;
    message.edited = true;
    return ok({ channel, ts: message.ts, text: message.text, message: this.#messageJson(message) });
  }

  #chatPostEphemeral(args: Body): Body {
    const channel = stringArg(args, 'channel');
    if (!this.#channelExists(channel)) return fail('channel_not_found');
    if (stringArg(args, 'user') === undefined) return fail('user_not_in_channel');
    if (!hasContent(args)) return fail('no_text');
    return ok({ message_ts: nextFakeTs() });
  }

  #chatGetPermalink(args: Body): Body {
    const channel = stringArg(args, 'channel');
    if (!this.#channelExists(channel)) return fail('channel_not_found');
    const ts = stringArg(args, 'message_ts');
    // Messages people post reach the app as events, which the fake does not see, so any
    // well-formed ts gets a permalink; use failNext to test message_not_found.
    if (ts === undefined || !/^\d+\.\d{6}$/.test(ts)) return fail('message_not_found');
    let permalink = `https://fake.slack.test/archives/${channel}/p${ts.replace('.', '')}`;
    const threadTs = this.#messages.get(messageKey(channel, ts))?.threadTs;
    if (threadTs !== undefined && threadTs !== ts) permalink += `?thread_ts=${threadTs}&cid=${channel}`;
    return ok({ channel, permalink });
  }

  #viewJson(id: string, view: Body, hash: string, previous?: Body): Body {
    return {
      ...view,
      id,
      team_id: this.teamId,
      type: view.type ?? 'modal',
      blocks: view.blocks ?? [],
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      external_id: view.external_id ?? '',
      state: { values: {} },
      hash,
      close: view.close ?? null,
      submit: view.submit ?? null,
      clear_on_close: view.clear_on_close ?? false,
      notify_on_close: view.notify_on_close ?? false,
      previous_view_id: previous?.previous_view_id ?? null,
      root_view_id: previous?.root_view_id ?? id,
      app_id: this.appId,
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
  }

  #nextViewHash(): string {
    return `${FAKE_EPOCH_SECONDS}.${randomUUID().slice(0, 8)}`;
  }

  #viewsOpen(args: Body): Body {
    const triggerId = stringArg(args, 'trigger_id') ?? stringArg(args, 'interactivity_pointer');
    if (triggerId === undefined || !isPlainObject(args.view)) return fail('invalid_arguments');
    // A trigger opens one view (https://docs.slack.dev/interactivity/handling-user-interaction#modals).
    if (this.#usedTriggers.has(triggerId)) return fail('exchanged_trigger_id');
    this.#usedTriggers.add(triggerId);
    this.#viewSequence += 1;
    const id = `V0FAKE${String(this.#viewSequence).padStart(4, '0')}`;
    const hash = this.#nextViewHash();
    const view = this.#viewJson(id, args.view, hash);
    this.#views.set(id, { id, view, hash });
    return ok({ view });
  }

  #viewsUpdate(args: Body): Body {
    if (!isPlainObject(args.view)) return fail('invalid_arguments');
    const viewId = stringArg(args, 'view_id');
    const externalId = stringArg(args, 'external_id');
    if (viewId === undefined && externalId === undefined) return fail('invalid_arguments');
    const stored =
      viewId !== undefined
        ? this.#views.get(viewId)
        : [...this.#views.values()].find((v) => v.view.external_id === externalId);
    if (!stored) return fail('not_found');
    const hash = stringArg(args, 'hash');
    if (hash !== undefined && hash !== stored.hash) return fail('hash_conflict');
    stored.hash = this.#nextViewHash();
    stored.view = this.#viewJson(stored.id, args.view, stored.hash, stored.view);
    return ok({ view: stored.view });
  }

  /**
   * A Home tab, replaced whole for one user. Slack refuses a view that is
   * not `type: home` and more than 100 blocks
   * (https://docs.slack.dev/reference/methods/views.publish).
   */
  #viewsPublish(args: Body): Body {
    const userId = stringArg(args, 'user_id');
    if (userId === undefined || !isPlainObject(args.view)) return fail('invalid_arguments');
    const view = args.view as Body;
    if (view.type !== 'home') return fail('invalid_arguments');
    if (!Array.isArray(view.blocks) || view.blocks.length > 100) return fail('invalid_blocks');
    this.#homes.set(userId, view);
    return ok({ view: { ...view, id: `V0HOME${userId}` } });
  }

  /**
   * A channel's members, a page at a time (`limit`, `cursor`; the next page's cursor in
   * `response_metadata.next_cursor`, empty on the last), as
   * https://docs.slack.dev/reference/methods/conversations.members describes.
   */
  #conversationsMembers(args: Body): Body {
    const channel = stringArg(args, 'channel');
    if (channel === undefined) return fail('invalid_arguments');
    if (!this.#channelExists(channel)) return fail('channel_not_found');
    const members = this.#channelMembers.get(channel) ?? [];
    const limit = Math.max(1, Math.min(Number(args.limit ?? 100) || 100, 1000));
    const cursor = stringArg(args, 'cursor');
    const start = cursor
      ? Number(
          Buffer.from(cursor, 'base64')
            .toString('utf8')
            .replace(/^member:/, ''),
        )
      : 0;
    if (!Number.isInteger(start) || start < 0) return fail('invalid_cursor');
    const page = members.slice(start, start + limit);
    const next =
      start + limit < members.length ? Buffer.from(`member:${start + limit}`).toString('base64') : '';
    return ok({ members: page, response_metadata: { next_cursor: next } });
  }

  #usergroupsUsersList(args: Body): Body {
    const usergroup = stringArg(args, 'usergroup');
    if (usergroup === undefined) return fail('invalid_arguments');
    const users = this.#userGroups.get(usergroup);
    if (!users) return fail('no_such_subteam');
    return ok({ users: [...users] });
  }

  #usersInfo(args: Body): Body {
    const id = stringArg(args, 'user');
    const user = id === undefined ? undefined : this.#users.get(id);
    if (id === undefined || !user) return fail('user_not_found');
    const realName = user.realName ?? user.name;
    const displayName = user.displayName ?? '';
    return ok({
      user: {
        id,
        team_id: this.teamId,
        name: user.name,
        deleted: false,
        real_name: realName,
        tz: user.tz ?? 'Europe/Rome',
        is_bot: user.isBot ?? false,
        is_app_user: false,
        profile: {
          real_name: realName,
          real_name_normalized: realName,
          display_name: displayName,
          display_name_normalized: displayName,
          ...(user.email === undefined ? {} : { email: user.email }),
          team: this.teamId,
        },
      },
    });
  }

  #conversationsInfo(args: Body): Body {
    const id = stringArg(args, 'channel');
    if (!this.#channelExists(id)) return fail('channel_not_found');
    const known = this.#channels.get(id);
    const name = known?.name ?? id.toLowerCase();
    const isPrivate = known?.isPrivate ?? false;
    return ok({
      channel: {
        id,
        name,
        name_normalized: name,
        is_channel: !isPrivate,
        is_group: isPrivate,
        is_im: false,
        is_mpim: false,
        is_private: isPrivate,
        is_archived: false,
        is_member: true,
        created: FAKE_EPOCH_SECONDS,
      },
    });
  }

  #conversationsHistory(args: Body): Body {
    const channel = stringArg(args, 'channel');
    if (!this.#channelExists(channel)) return fail('channel_not_found');
    const range = parseRange(args);
    if (typeof range === 'string') return fail(range);
    const listed = [...this.#messages.values()]
      .filter((m) => m.channel === channel && (isTopLevel(m) || m.broadcast) && range.includes(m.ts))
      .sort((a, b) => compareTs(b.ts, a.ts));
    const page = pageOf(listed, args, 'newest_first');
    if (typeof page === 'string') return fail(page);
    return ok({
      messages: page.items.map((m) => this.#messageJson(m, { metadata: isTrue(args.include_all_metadata) })),
      has_more: page.nextCursor !== undefined,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      ...(page.nextCursor === undefined ? {} : { response_metadata: { next_cursor: page.nextCursor } }),
    });
  }

  #conversationsReplies(args: Body): Body {
    const channel = stringArg(args, 'channel');
    if (!this.#channelExists(channel)) return fail('channel_not_found');
    const ts = stringArg(args, 'ts');
    const named = ts === undefined ? undefined : this.#messages.get(messageKey(channel, ts));
    if (!named) return fail('thread_not_found');
    // `ts` may name the parent or any reply: either way the whole thread comes back.
    const parentTs = isTopLevel(named) ? named.ts : (named.threadTs ?? named.ts);
    const parent = this.#messages.get(messageKey(channel, parentTs));
    if (!parent) return fail('thread_not_found');
    const range = parseRange(args);
    if (typeof range === 'string') return fail(range);
    const thread = [parent, ...this.#repliesOf(parent)].filter((m) => range.includes(m.ts));
    const page = pageOf(thread, args, 'oldest_first');
    if (typeof page === 'string') return fail(page);
    return ok({
      messages: page.items.map((m) => this.#messageJson(m, { metadata: isTrue(args.include_all_metadata) })),
      has_more: page.nextCursor !== undefined,
      ...(page.nextCursor === undefined ? {} : { response_metadata: { next_cursor: page.nextCursor } }),
    });
  }

  /** The replies in `parent`'s thread, oldest first. */
  #repliesOf(parent: FakeSlackMessage): FakeSlackMessage[] {
    return [...this.#messages.values()]
      .filter((m) => m.channel === parent.channel && m.threadTs === parent.ts && m.ts !== parent.ts)
      .sort((a, b) => compareTs(a.ts, b.ts));
  }

  /** The message a reactions.* call points at, or the error code to answer. */
  #reactionTarget(args: Body): FakeSlackMessage | string {
    const channel = stringArg(args, 'channel');
    if (!this.#channelExists(channel)) return 'channel_not_found';
    const ts = stringArg(args, 'timestamp');
    if (ts === undefined) return 'no_item_specified';
    return this.#messages.get(messageKey(channel, ts)) ?? 'message_not_found';
  }

  #reactionsAdd(args: Body): Body {
    const name = stringArg(args, 'name');
    if (name === undefined) return fail('invalid_name');
    const target = this.#reactionTarget(args);
    if (typeof target === 'string') return fail(target);
    const users = target.reactions.get(name) ?? [];
    if (users.includes(this.botUserId)) return fail('already_reacted');
    target.reactions.set(name, [...users, this.botUserId]);
    return ok();
  }

  #reactionsRemove(args: Body): Body {
    const name = stringArg(args, 'name');
    if (name === undefined) return fail('invalid_name');
    const target = this.#reactionTarget(args);
    if (typeof target === 'string') return fail(target);
    const users = target.reactions.get(name) ?? [];
    if (!users.includes(this.botUserId)) return fail('no_reaction');
    const rest = users.filter((u) => u !== this.botUserId);
    if (rest.length === 0) target.reactions.delete(name);
    else target.reactions.set(name, rest);
    return ok();
  }

  #reactionsGet(args: Body): Body {
    const target = this.#reactionTarget(args);
    if (typeof target === 'string') return fail(target);
    return ok({ type: 'message', channel: target.channel, message: this.#messageJson(target) });
  }

  #appsConnectionsOpen(): Body {
    const ticket = randomUUID();
    this.#tickets.add(ticket);
    return ok({ url: `ws://127.0.0.1:${this.#port}/socket?ticket=${ticket}&app_id=${this.appId}` });
  }

  // -------------------------------------------------------------------------

  /**
   * A promise settled by `attach`'s callbacks, rejected after `timeoutMs` or when the fake closes.
   * `attach` subscribes and returns its unsubscribe, run once whatever happens.
   */
  #wait<T>(
    timeoutMs: number,
    timeoutMessage: () => string,
    attach: (done: (value: T) => void, failWith: (error: Error) => void) => () => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let detach: (() => void) | undefined;
      const finish = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#pending.delete(pending);
        detach?.();
        settle();
      };
      const pending: Pending = { fail: (error) => finish(() => reject(error)) };
      const timer = setTimeout(() => pending.fail(new Error(timeoutMessage())), timeoutMs);
      this.#pending.add(pending);
      detach = attach((value) => finish(() => resolve(value)), pending.fail);
      if (settled) detach();
    });
  }
}

function rawDataToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Query fields, then body fields (form, JSON or multipart); JSON-string fields decoded. */
async function parseArgs(
  contentTypeHeader: string | undefined,
  raw: Buffer,
  query: URLSearchParams,
): Promise<{ args: Body; error?: string }> {
  const args: Body = Object.fromEntries(query);
  const contentType = (contentTypeHeader ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw.length > 0) {
    if (contentType === 'application/x-www-form-urlencoded') {
      Object.assign(args, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
    } else if (contentType === 'application/json') {
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        return { args, error: 'invalid_json' };
      }
      if (!isPlainObject(json)) return { args, error: 'json_not_object' };
      Object.assign(args, json);
    } else if (contentType === 'multipart/form-data') {
      const form = await new Response(new Uint8Array(raw), {
        headers: { 'content-type': contentTypeHeader ?? '' },
      }).formData();
      for (const [key, value] of form) {
        args[key] =
          typeof value === 'string' ? value : { filename: value.name, size: value.size, type: value.type };
      }
    } else {
      return { args, error: 'invalid_form_data' };
    }
  }
  for (const field of JSON_FIELDS) {
    const value = args[field];
    if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
      try {
        args[field] = JSON.parse(value);
      } catch {
        // left as sent: Slack would answer invalid_blocks / invalid_arguments, the test will see the string
      }
    }
  }
  return { args };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: Body,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** A form field Slack reads as a boolean: `true`, `1` (form-encoded) or JSON `true`. */
function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

/**
 * The `metadata` argument: undefined when absent, null for `{}` (remove), 'invalid' when it is not
 * `{event_type: string, event_payload: object}`.
 */
function parseMetadata(value: unknown): FakeSlackMetadata | null | undefined | 'invalid' {
  if (value === undefined || value === '') return undefined;
  if (!isPlainObject(value)) return 'invalid';
  if (Object.keys(value).length === 0) return null;
  const { event_type: type, event_payload: payload } = value;
  if (typeof type !== 'string' || type === '' || !isPlainObject(payload)) return 'invalid';
  return { event_type: type, event_payload: payload };
}

function isTopLevel(message: FakeSlackMessage): boolean {
  return message.threadTs === undefined || message.threadTs === message.ts;
}

/**
 * A ts ("seconds.micros", or whole seconds) as microseconds: exact where a float is not (a ts
 * has 16 significant digits).
 */
function tsMicros(ts: string): bigint | undefined {
  const match = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(ts);
  if (!match) return undefined;
  return BigInt(match[1] ?? '0') * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0'));
}

function compareTs(a: string, b: string): number {
  const [x, y] = [tsMicros(a) ?? 0n, tsMicros(b) ?? 0n];
  return x < y ? -1 : x > y ? 1 : 0;
}

interface TsRange {
  includes(ts: string): boolean;
}

/** `oldest`/`latest`/`inclusive` as a range, or the error code Slack gives for a bad bound. */
function parseRange(args: Body): TsRange | string {
  const bound = (key: 'oldest' | 'latest'): bigint | undefined | 'invalid' => {
    const value = args[key];
    if (value === undefined || value === '') return undefined;
    return tsMicros(String(value)) ?? 'invalid';
  };
  const oldest = bound('oldest');
  const latest = bound('latest');
  if (oldest === 'invalid') return 'invalid_ts_oldest';
  if (latest === 'invalid') return 'invalid_ts_latest';
  const inclusive = isTrue(args.inclusive);
  return {
    includes(ts: string) {
      const at = tsMicros(ts) ?? 0n;
      if (oldest !== undefined && (inclusive ? at < oldest : at <= oldest)) return false;
      if (latest !== undefined && (inclusive ? at > latest : at >= latest)) return false;
      return true;
    },
  };
}

/**
 * One page of `items` (already in answer order) after `cursor`, at most `limit` long. The cursor is
 * Slack-shaped: base64 of `next_ts:<ts of the first item of the next page>`.
 */
function pageOf(
  items: readonly FakeSlackMessage[],
  args: Body,
  order: 'newest_first' | 'oldest_first',
): { items: FakeSlackMessage[]; nextCursor: string | undefined } | string {
  const limitArg = args.limit === undefined || args.limit === '' ? DEFAULT_PAGE_LIMIT : Number(args.limit);
  if (!Number.isInteger(limitArg) || limitArg < 0) return 'invalid_limit';
  // Slack treats 0 as "the default" and caps the rest below 1000.
  const limit = limitArg === 0 ? DEFAULT_PAGE_LIMIT : Math.min(limitArg, MAX_PAGE_LIMIT);
  let start = 0;
  const cursor = stringArg(args, 'cursor');
  if (cursor !== undefined) {
    const decoded = /^next_ts:(.+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'))?.[1];
    if (decoded === undefined || tsMicros(decoded) === undefined) return 'invalid_cursor';
    const onOrAfter = (m: FakeSlackMessage): boolean =>
      order === 'newest_first' ? compareTs(m.ts, decoded) <= 0 : compareTs(m.ts, decoded) >= 0;
    start = items.findIndex(onOrAfter);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + limit);
  const next = items[start + limit];
  return {
    items: page,
    nextCursor: next === undefined ? undefined : Buffer.from(`next_ts:${next.ts}`).toString('base64'),
  };
}
