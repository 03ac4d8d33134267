import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';

// Discord's gateway, v10, JSON encoding, no compression
// (https://discord.com/developers/docs/events/gateway). What it follows:
// - on connect the server sends HELLO (op 10) with the heartbeat interval; the
//   client heartbeats (op 1, d = last seq) and must get HEARTBEAT_ACK (op 11),
//   else @discordjs/ws calls the connection a zombie and drops it;
// - IDENTIFY (op 2) with the token and intents opens a session: READY, then one
//   GUILD_CREATE per guild (discord.js waits 15 s for guilds still missing);
// - every dispatch (op 0) carries the session's next sequence number `s`;
// - a client whose connection broke RESUMEs (op 6) at `resume_gateway_url` with
//   the session id and the last `s` it saw: the server replays the dispatches
//   after it, then RESUMED; an unknown or ended session gets INVALID_SESSION
//   (op 9, d false) and must identify again;
// - a client closing with 1000 or 1001 ends its session
//   (https://discord.com/developers/docs/events/gateway#disconnecting);
// - events are sent only to sessions whose intents cover them
//   (https://discord.com/developers/docs/events/gateway#gateway-intents); asking
//   for a privileged intent the app was not granted closes with 4014.
// Close codes: https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes

/** Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-opcodes). */
export const GATEWAY_OP = {
  dispatch: 0,
  heartbeat: 1,
  identify: 2,
  presenceUpdate: 3,
  voiceStateUpdate: 4,
  resume: 6,
  reconnect: 7,
  requestGuildMembers: 8,
  invalidSession: 9,
  hello: 10,
  heartbeatAck: 11,
} as const;

/** Intent bits (https://discord.com/developers/docs/events/gateway#list-of-intents). */
export const INTENTS = {
  guilds: 1 << 0,
  guildMembers: 1 << 1,
  guildPresences: 1 << 8,
  guildMessages: 1 << 9,
  guildMessageReactions: 1 << 10,
  messageContent: 1 << 15,
} as const;

/** The intents an app must be granted in the developer portal before it may ask for them. */
const PRIVILEGED_INTENTS = INTENTS.guildMembers | INTENTS.guildPresences | INTENTS.messageContent;

/** The intent an event needs, for the events the fake sends; absent: sent to every session. */
const EVENT_INTENT: Readonly<Record<string, number>> = {
  GUILD_ROLE_CREATE: INTENTS.guilds,
  THREAD_CREATE: INTENTS.guilds,
  GUILD_MEMBER_ADD: INTENTS.guildMembers,
  GUILD_MEMBER_UPDATE: INTENTS.guildMembers,
  MESSAGE_CREATE: INTENTS.guildMessages,
  MESSAGE_UPDATE: INTENTS.guildMessages,
  MESSAGE_REACTION_ADD: INTENTS.guildMessageReactions,
  MESSAGE_REACTION_REMOVE: INTENTS.guildMessageReactions,
};

/** One WebSocket connection a client opened. */
export interface GatewayConnection {
  readonly id: number;
  /** the path it connected to: `/gateway`, or `/gateway/resume` (the resume_gateway_url) */
  readonly path: string;
  readonly query: string;
  readonly openedAt: number;
  closedAt?: number;
  /** the close code, whoever closed */
  closeCode?: number;
  /** why the fake refused it, when it did */
  refused?: string;
}

/** A payload the client sent, as it arrived. */
export interface GatewayFrame {
  readonly at: number;
  readonly connectionId: number;
  readonly op: number;
  readonly d: unknown;
}

/** A dispatch in a session's log: what was (or, while disconnected, will be) sent. */
export interface GatewayDispatch {
  readonly sessionId: string;
  readonly s: number;
  readonly t: string;
  readonly d: unknown;
}

/** A session opened by IDENTIFY. */
export interface GatewaySession {
  readonly id: string;
  readonly intents: number;
  /** [shard id, shard count] from IDENTIFY; [0, 1] when it sent none */
  readonly shard: readonly [number, number];
  /** the last sequence number given out */
  seq: number;
  /** every dispatch of the session, for RESUME */
  readonly log: GatewayDispatch[];
  socket: WebSocket | undefined;
  /** ended sessions cannot be resumed */
  ended: boolean;
  resumes: number;
}

/** A RESUME the fake accepted. */
export interface GatewayResume {
  readonly at: number;
  readonly sessionId: string;
  readonly connectionId: number;
  /** the `seq` the client said it had seen */
  readonly seq: number;
  /** the dispatches replayed to it */
  readonly replayed: readonly GatewayDispatch[];
}

export interface GatewayOptions {
  readonly token: string;
  readonly heartbeatIntervalMs: number;
  /** privileged intents the app was granted */
  readonly grantedIntents: number;
  /** `ws://127.0.0.1:<port>/gateway/resume`, handed out in READY */
  readonly resumeUrl: () => string;
  /** the READY data and the GUILD_CREATEs that follow it, for a new session */
  readonly onIdentify: (session: GatewaySession) => { ready: object; guilds: readonly object[] };
}

const OPEN = WebSocket.OPEN;

/** A connection, its record, and the session it identified or resumed. */
interface Link {
  readonly ws: WebSocket;
  readonly connection: GatewayConnection;
  session: GatewaySession | undefined;
}

/** A gateway close code and its reason. */
type Refusal = readonly [code: number, reason: string];

/** Refuses the connection when there is a refusal. */
function refuseFor(link: Link, refusal: Refusal | undefined): void {
  if (refusal) refuse(link, ...refusal);
}

/** Closes a connection with a gateway close code, noting why. */
function refuse(link: Link, code: number, reason: string): void {
  link.connection.refused = reason;
  link.connection.closeCode = code;
  link.ws.close(code, reason);
}

/**
 * The gateway half of FakeDiscord: accepts WebSocket upgrades handed to
 * `handleUpgrade`, keeps sessions, and dispatches events to them. Records
 * connections, the frames clients sent (`frames`), and accepted resumes.
 * Events: `frame` (GatewayFrame), `identify` (GatewaySession), `resume`
 * (GatewayResume), `dispatch` (GatewayDispatch, when it was sent live or replayed).
 */
export class FakeGateway extends EventEmitter {
  readonly connections: GatewayConnection[] = [];
  readonly frames: GatewayFrame[] = [];
  readonly sessions: GatewaySession[] = [];
  readonly resumes: GatewayResume[] = [];
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #options: GatewayOptions;
  readonly #sockets = new Set<WebSocket>();

  constructor(options: GatewayOptions) {
    super();
    this.#options = options;
  }

  /** Takes over an HTTP upgrade request for the gateway. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, request));
  }

  /** The sessions that can still get events. */
  liveSessions(): GatewaySession[] {
    return this.sessions.filter((s) => !s.ended);
  }

  /**
   * Sends an event to every live session whose intents cover it; a session
   * whose connection is down keeps it in its log, for its RESUME. Returns the
   * log entries made.
   */
  dispatch(t: string, d: unknown): GatewayDispatch[] {
    const needs = EVENT_INTENT[t];
    const made: GatewayDispatch[] = [];
    for (const session of this.liveSessions()) {
      if (needs !== undefined && (session.intents & needs) === 0) continue;
      made.push(this.#dispatchTo(session, t, d));
    }
    return made;
  }

  /**
   * Closes every open connection with `code` (4000, "unknown error", by
   * default: the client resumes). Sessions stay resumable.
   */
  dropConnections(code = 4000): void {
    for (const session of this.sessions) session.socket = undefined;
    for (const socket of this.#sockets) socket.close(code, 'FakeDiscord dropped the connection');
  }

  /**
   * Ends every session without telling its client, as Discord does with a
   * session left disconnected too long: the client's next RESUME gets op 9.
   */
  expireSessions(): void {
    for (const session of this.sessions) session.ended = true;
  }

  /** Tells every live session it is over (op 9, d false): the clients identify again. */
  invalidateSessions(): void {
    for (const session of this.liveSessions()) {
      session.ended = true;
      send(session.socket, { op: GATEWAY_OP.invalidSession, d: false, s: null, t: null });
    }
  }

  /** Cuts every connection and stops accepting new ones. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #accept(ws: WebSocket, request: IncomingMessage): void {
    const [path = '', query = ''] = (request.url ?? '').split('?');
    const link: Link = {
      ws,
      connection: { id: this.connections.length + 1, path, query, openedAt: Date.now() },
      session: undefined,
    };
    this.connections.push(link.connection);
    this.#sockets.add(ws);
    ws.on('close', (code) => {
      this.#sockets.delete(ws);
      link.connection.closedAt = Date.now();
      link.connection.closeCode ??= code;
      if (link.session?.socket === ws) {
        link.session.socket = undefined;
        if (code === 1000 || code === 1001) link.session.ended = true;
      }
    });
    const params = new URLSearchParams(query);
    if (params.get('v') !== '10') {
      refuse(link, 4012, 'Invalid API version');
      return;
    }
    // The fake speaks JSON text only: a client with zlib-sync installed asks for
    // zlib-stream and could not read a word of it.
    if (params.get('encoding') !== 'json' || params.has('compress')) {
      refuse(link, 4002, 'FakeDiscord speaks JSON without compression');
      return;
    }
    const hello = { heartbeat_interval: this.#options.heartbeatIntervalMs };
    send(ws, { op: GATEWAY_OP.hello, d: hello, s: null, t: null });
    ws.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(link, data, isBinary));
  }

  #onMessage(link: Link, data: RawData, isBinary: boolean): void {
    const frame = isBinary ? undefined : parseFrame(data);
    if (!frame) {
      refuse(link, 4002, 'Error while decoding payload.');
      return;
    }
    const received: GatewayFrame = {
      at: Date.now(),
      connectionId: link.connection.id,
      op: frame.op,
      d: frame.d,
    };
    this.frames.push(received);
    this.emit('frame', received);
    switch (frame.op) {
      case GATEWAY_OP.heartbeat:
        send(link.ws, { op: GATEWAY_OP.heartbeatAck, d: null, s: null, t: null });
        break;
      case GATEWAY_OP.identify:
        refuseFor(link, this.#onIdentify(link, asObject(frame.d)));
        break;
      case GATEWAY_OP.resume:
        refuseFor(link, this.#onResume(link, asObject(frame.d)));
        break;
      case GATEWAY_OP.presenceUpdate:
      case GATEWAY_OP.voiceStateUpdate:
      case GATEWAY_OP.requestGuildMembers:
        // Recorded only; sent before IDENTIFY they are refused.
        if (!link.session) refuse(link, 4003, 'Not authenticated.');
        break;
      default:
        refuse(link, 4001, 'Unknown opcode.');
    }
  }

  /** Opens a session; or says why the connection is refused. */
  #onIdentify(link: Link, d: Record<string, unknown>): Refusal | undefined {
    if (link.session) return [4005, 'Already authenticated.'];
    if (d.token !== this.#options.token) return [4004, 'Authentication failed.'];
    const intents = d.intents;
    if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0) {
      return [4013, 'Invalid intent(s).'];
    }
    if ((intents & PRIVILEGED_INTENTS & ~this.#options.grantedIntents) !== 0) {
      return [4014, 'Disallowed intent(s).'];
    }
    link.session = this.#openSession(link.ws, intents, parseShard(d.shard));
    return undefined;
  }

  /** Resumes a session (or answers op 9); or says why the connection is refused. */
  #onResume(link: Link, d: Record<string, unknown>): Refusal | undefined {
    if (link.session) return [4005, 'Already authenticated.'];
    const known = this.sessions.find((s) => s.id === d.session_id);
    if (!known || known.ended || d.token !== this.#options.token) {
      // d false: the session cannot be resumed; the client waits, then identifies anew.
      send(link.ws, { op: GATEWAY_OP.invalidSession, d: false, s: null, t: null });
      return undefined;
    }
    const seq = typeof d.seq === 'number' ? d.seq : -1;
    if (seq < 0 || seq > known.seq) return [4007, 'Invalid seq.'];
    link.session = known;
    this.#resume(known, link.ws, link.connection.id, seq);
    return undefined;
  }

  #openSession(ws: WebSocket, intents: number, shard: readonly [number, number]): GatewaySession {
    const session: GatewaySession = {
      id: randomBytes(16).toString('hex'),
      intents,
      shard,
      seq: 0,
      log: [],
      socket: ws,
      ended: false,
      resumes: 0,
    };
    this.sessions.push(session);
    const { ready, guilds } = this.#options.onIdentify(session);
    this.#dispatchTo(session, 'READY', {
      ...ready,
      session_id: session.id,
      resume_gateway_url: this.#options.resumeUrl(),
    });
    for (const guild of guilds) this.#dispatchTo(session, 'GUILD_CREATE', guild);
    this.emit('identify', session);
    return session;
  }

  #resume(session: GatewaySession, ws: WebSocket, connectionId: number, seq: number): void {
    // A session has one connection: an older one still open is closed, as Discord does.
    if (session.socket && session.socket !== ws) session.socket.close(4000, 'Session resumed elsewhere');
    session.socket = ws;
    session.resumes += 1;
    const replayed = session.log.filter((entry) => entry.s > seq);
    for (const entry of replayed) {
      send(ws, { op: GATEWAY_OP.dispatch, s: entry.s, t: entry.t, d: entry.d });
      this.emit('dispatch', entry);
    }
    // RESUMED takes a sequence number too, but is not itself replayed by a later RESUME.
    session.seq += 1;
    send(ws, { op: GATEWAY_OP.dispatch, s: session.seq, t: 'RESUMED', d: null });
    const resume: GatewayResume = { at: Date.now(), sessionId: session.id, connectionId, seq, replayed };
    this.resumes.push(resume);
    this.emit('resume', resume);
  }

  #dispatchTo(session: GatewaySession, t: string, d: unknown): GatewayDispatch {
    session.seq += 1;
    const entry: GatewayDispatch = { sessionId: session.id, s: session.seq, t, d };
    session.log.push(entry);
    if (send(session.socket, { op: GATEWAY_OP.dispatch, s: entry.s, t, d })) this.emit('dispatch', entry);
    return entry;
  }
}

/** Sends a payload as JSON text; false when there is no open connection. */
function send(ws: WebSocket | undefined, payload: object): boolean {
  if (ws?.readyState !== OPEN) return false;
  ws.send(JSON.stringify(payload));
  return true;
}

function parseFrame(data: RawData): { op: number; d: unknown } | undefined {
  try {
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    const json: unknown = JSON.parse(text);
    if (typeof json !== 'object' || json === null || typeof (json as { op?: unknown }).op !== 'number')
      return undefined;
    return json as { op: number; d: unknown };
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function parseShard(value: unknown): readonly [number, number] {
  if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'number') {
    return [value[0], value[1]];
  }
  return [0, 1];
}
