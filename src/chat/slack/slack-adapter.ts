import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  App,
  type AppOptions,
  type Logger as BoltLogger,
  HTTPReceiver,
  LogLevel,
  SocketModeReceiver,
} from '@slack/bolt';
import type { Actor } from '../../core/actor.ts';
import type { Desk } from '../../core/desk.ts';
import { t } from '../../core/i18n/translate.ts';
import type { Logger } from '../../core/ports.ts';
import type { Team } from '../../core/team.ts';
import { checkText, describeTextProblem } from '../../core/text-check.ts';
import { createSlackEventsEndpoint, SLACK_BODY_LIMIT_BYTES } from './events-endpoint.ts';
import { SlackChat, type SlackWriter } from './slack-chat.ts';
import {
  ACTION_IDS,
  CALLBACK_IDS,
  fromEditSubmission,
  fromProposeSubmission,
  modalMetadataSchema,
  reactionEventSchema,
  slashCommandSchema,
  threadMessageSchema,
  toCardRef,
  toEditModal,
  toModalErrors,
  toProposeModal,
  viewStateSchema,
} from './translate.ts';

/** What the Slack adapter needs: credentials from the environment, the desk, the Slack teams. */
export interface SlackAdapterOptions {
  readonly botToken: string;
  readonly signingSecret: string | undefined;
  /** Socket Mode when set */
  readonly appToken: string | undefined;
  /** Web API base URL with trailing slash */
  readonly apiUrl: string;
  readonly channelPaceMs: number;
  readonly teams: readonly Team[];
  readonly logger: Logger;
  /** attempts of a failed Web API call (5xx, network); 429s are always waited out */
  readonly retries?: number;
}

/** Every command of SPEC §3, registered in the app manifest with the same names. */
const COMMANDS = /^\/(propose|queue|status|cancel|reschedule|edit|retry|audit|digest|help)$/;
/** How long an approver user group's members are trusted before asking Slack again. */
const GROUP_TTL_MS = 5 * 60_000;
/** How long to wait before looking again for a card a reaction names. */
const CARD_REF_GRACE_MS = 1500;
/** Event ids remembered to drop Slack's retries of an event already handled. */
const SEEN_EVENTS_MAX = 10_000;

function toBoltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ platform: 'slack' });
  const join = (parts: unknown[]) =>
    parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...parts: unknown[]) => log.debug({}, join(parts)),
    info: (...parts: unknown[]) => log.info({}, join(parts)),
    warn: (...parts: unknown[]) => log.warn({}, join(parts)),
    error: (...parts: unknown[]) => log.error({}, join(parts)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/**
 * Araldo on Slack through @slack/bolt: slash commands (inline and the
 * `/propose` modal), reactions on cards as approvals, thread replies, the
 * card's edit button. HTTP mode serves `requestListener` at /slack/events
 * on Araldo's own port; Socket Mode connects out when an app token is set.
 * Every request is acknowledged first; the work runs after the ack.
 */
export class SlackAdapter {
  readonly chat: SlackChat;
  readonly #app: App;
  readonly #desk: Desk;
  readonly #logger: Logger;
  readonly #byChannel: ReadonlyMap<string, Team>;
  readonly #httpReceiver: HTTPReceiver | undefined;
  readonly #eventsEndpoint: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  readonly #socketReceiver: SocketModeReceiver | undefined;
  readonly #names = new Map<string, string>();
  readonly #groups = new Map<string, { members: ReadonlySet<string>; fetchedAt: number }>();
  readonly #seenEvents = new Set<string>();

  constructor(desk: Desk, options: SlackAdapterOptions) {
    this.#desk = desk;
    this.#logger = options.logger.child({ platform: 'slack' });
    this.#byChannel = new Map(options.teams.map((team) => [team.channel, team]));
    const clientOptions = {
      slackApiUrl: options.apiUrl,
      retryConfig: { retries: options.retries ?? 3, factor: 2, minTimeout: 500, maxTimeout: 5000 },
    };
    const logger = toBoltLogger(options.logger);
    if (options.appToken) {
      this.#socketReceiver = new SocketModeReceiver({
        appToken: options.appToken,
        logger,
        installerOptions: { clientOptions },
      });
    } else {
      this.#httpReceiver = new HTTPReceiver({
        signingSecret: options.signingSecret ?? '',
        endpoints: '/slack/events',
        logger,
        // Acks go out at once; the work continues after (SPEC §6: well inside 3 s).
        processBeforeResponse: false,
        bodyLimit: SLACK_BODY_LIMIT_BYTES,
      });
      this.#eventsEndpoint = createSlackEventsEndpoint({
        bolt: this.#httpReceiver.requestListener,
        signingSecret: options.signingSecret ?? '',
        logger: this.#logger,
      });
    }
    this.#app = new App({
      token: options.botToken,
      receiver: (this.#socketReceiver ?? this.#httpReceiver) as NonNullable<AppOptions['receiver']>,
      ...(options.appToken ? { socketMode: true, appToken: options.appToken } : {}),
      clientOptions,
      logger,
      // auth.test runs in start(), where a failure is a clear start-up error
      // instead of an unhandled rejection from the constructor.
      deferInitialization: true,
    });
    this.chat = new SlackChat(this.#app.client as unknown as SlackWriter, {
      paceMs: options.channelPaceMs,
      logger: this.#logger,
    });
    this.#register();
  }

  /**
   * HTTP mode: the handler of /slack/events, any method. Bolt's listener
   * behind Araldo's guard (events-endpoint.ts): every request gets a status.
   */
  get requestListener(): ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
    return this.#eventsEndpoint;
  }

  /** checks the token with Slack (auth.test) and, in Socket Mode, connects */
  async start(): Promise<void> {
    await this.#app.init();
    if (this.#socketReceiver) await this.#socketReceiver.start();
    this.#logger.info({ mode: this.#socketReceiver ? 'socket' : 'http' }, 'Slack adapter ready');
  }

  async stop(): Promise<void> {
    if (this.#socketReceiver) await this.#socketReceiver.stop();
  }

  /**
   * true the first time an event id is seen: Slack retries must not act
   * twice. The core alone is not enough: it keeps one approval per person,
   * but a retried ✅ landing after that ✅ was removed would approve again,
   * and each retried reaction or thread message would be a second entry in
   * the audit log.
   */
  #firstTime(eventId: string | undefined): boolean {
    if (!eventId) return true;
    if (this.#seenEvents.has(eventId)) {
      this.#logger.info({ eventId }, 'Slack event already handled; its retry is dropped');
      return false;
    }
    this.#seenEvents.add(eventId);
    if (this.#seenEvents.size > SEEN_EVENTS_MAX) {
      const oldest = this.#seenEvents.values().next().value;
      if (oldest !== undefined) this.#seenEvents.delete(oldest);
    }
    return true;
  }

  async #nameOf(userId: string, fallback?: string): Promise<string> {
    const known = this.#names.get(userId);
    if (known) return known;
    try {
      const info = (await this.#app.client.users.info({ user: userId })) as {
        user?: { name?: string; real_name?: string; profile?: { display_name?: string; real_name?: string } };
      };
      const name =
        info.user?.profile?.display_name ||
        info.user?.profile?.real_name ||
        info.user?.real_name ||
        info.user?.name;
      if (name) {
        this.#names.set(userId, name);
        return name;
      }
    } catch (error) {
      this.#logger.warn({ err: error, user: userId }, 'users.info failed; showing the user id');
    }
    return fallback ?? userId;
  }

  /** members of an approver user group, cached; a stale list is kept when Slack fails */
  async #groupMembers(groupId: string): Promise<ReadonlySet<string>> {
    const cached = this.#groups.get(groupId);
    if (cached && Date.now() - cached.fetchedAt < GROUP_TTL_MS) return cached.members;
    try {
      const result = (await this.#app.client.usergroups.users.list({ usergroup: groupId })) as {
        users?: string[];
      };
      const members = new Set(result.users ?? []);
      this.#groups.set(groupId, { members, fetchedAt: Date.now() });
      return members;
    } catch (error) {
      this.#logger.warn({ err: error, group: groupId }, 'usergroups.users.list failed');
      return cached?.members ?? new Set();
    }
  }

  /** the person, with the approver user groups (S…) of the team they belong to */
  async #actor(team: Team, userId: string, fallbackName?: string): Promise<Actor> {
    const groups: string[] = [];
    for (const id of team.approvers.filter((approver) => approver.startsWith('S'))) {
      if ((await this.#groupMembers(id)).has(userId)) groups.push(id);
    }
    return {
      id: userId,
      name: await this.#nameOf(userId, fallbackName),
      ...(groups.length ? { groups } : {}),
    };
  }

  #register(): void {
    const app = this.#app;

    app.command(COMMANDS, async ({ command, ack }) => {
      await ack();
      await this.#answeringFailures(command as { channel_id?: string; user_id?: string }, async () => {
        const parsed = slashCommandSchema.safeParse(command);
        if (!parsed.success) {
          this.#logger.warn({ issues: parsed.error.issues.length }, 'malformed slash command ignored');
          return;
        }
        const body = parsed.data;
        const team = this.#teamFor(body.channel_id, body.team_id);
        if (!team) {
          await this.chat.sayToUser(body.channel_id, body.user_id, t('it', 'chat.not_configured'));
          return;
        }
        if (body.command === '/propose' && body.text.trim() === '') {
          // The trigger id lives 3 s: open the form before anything slow.
          const view = toProposeModal(team.language, this.#targetsOf(team), {
            teamId: team.id,
            channel: team.channel,
          });
          await app.client.views.open({ trigger_id: body.trigger_id, view: view as never });
          return;
        }
        const actor = await this.#actor(team, body.user_id, body.user_name);
        const reply = await this.#desk.command(
          { teamId: team.id, actor, eventId: `slack:${body.trigger_id}` },
          `${body.command} ${body.text}`,
        );
        await this.chat.sayToUser(body.channel_id, body.user_id, reply.text);
      });
    });

    for (const type of ['reaction_added', 'reaction_removed'] as const) {
      app.event(type, async ({ event, body }) => {
        const eventId = (body as { event_id?: string }).event_id;
        if (!this.#firstTime(eventId)) return;
        const parsed = reactionEventSchema.safeParse(event);
        if (!parsed.success || parsed.data.item.type !== 'message') return;
        const { user, reaction, item } = parsed.data;
        const team = item.channel ? this.#teamFor(item.channel, workspaceOf(body)) : undefined;
        if (!team || !item.channel || !item.ts) return;
        const reactionOnCard = {
          teamId: team.id,
          actor: await this.#actor(team, user),
          post: { cardRef: toCardRef(item.channel, item.ts) },
          emoji: reaction,
          added: type === 'reaction_added',
        };
        const result = await this.#desk.react(reactionOnCard);
        if (result === 'no_such_post') {
          // A reaction can beat the storing of the card's ts by a few
          // milliseconds (the ts is known only once Slack answers): look again.
          await new Promise((resolve) => setTimeout(resolve, CARD_REF_GRACE_MS));
          await this.#desk.react(reactionOnCard);
        }
      });
    }

    app.event('message', async ({ event, body }) => {
      const eventId = (body as { event_id?: string }).event_id;
      const parsed = threadMessageSchema.safeParse(event);
      if (!parsed.success || parsed.data.bot_id || parsed.data.subtype) return;
      const message = parsed.data;
      if (message.thread_ts === message.ts || !this.#firstTime(eventId)) return;
      const team = this.#teamFor(message.channel, workspaceOf(body));
      if (!team) return;
      const result = await this.#desk.threadReply({
        teamId: team.id,
        actor: await this.#actor(team, message.user),
        post: { cardRef: toCardRef(message.channel, message.thread_ts) },
        text: message.text,
      });
      // Not recorded: the writer hears why, privately, rather than silence.
      const clean = result === 'bad_text' ? checkText(message.text) : undefined;
      if (clean && !clean.ok) {
        await this.chat.sayToUser(
          message.channel,
          message.user,
          describeTextProblem(team.language, clean.error),
        );
      }
    });

    app.view(CALLBACK_IDS.propose, async ({ ack, view, body }) => {
      const meta = modalMetadataSchema.safeParse(safeJson(view.private_metadata));
      const state = viewStateSchema.safeParse(view.state.values);
      if (!meta.success || !state.success) {
        await ack();
        return;
      }
      const draft = fromProposeSubmission(state.data);
      const problems = this.#desk.checkDraft(meta.data.teamId, draft);
      if (problems.length > 0) {
        await ack({ response_action: 'errors', errors: toModalErrors(problems) });
        return;
      }
      await ack();
      await this.#answeringFailures({ channel_id: meta.data.channel, user_id: body.user.id }, async () => {
        const team = this.#desk.team(meta.data.teamId);
        if (!team) return;
        const actor = await this.#actor(team, body.user.id, body.user.name);
        const outcome = await this.#desk.proposeDraft(
          { teamId: team.id, actor, eventId: `slack:${view.id}` },
          draft,
        );
        await this.chat.sayToUser(meta.data.channel, body.user.id, outcome.text);
      });
    });

    app.view(CALLBACK_IDS.edit, async ({ ack, view, body }) => {
      await ack();
      const meta = modalMetadataSchema.safeParse(safeJson(view.private_metadata));
      const state = viewStateSchema.safeParse(view.state.values);
      const team = meta.success ? this.#desk.team(meta.data.teamId) : undefined;
      if (!meta.success || !state.success || !team || meta.data.number === undefined) return;
      const { channel, number } = meta.data;
      await this.#answeringFailures({ channel_id: channel, user_id: body.user.id }, async () => {
        const actor = await this.#actor(team, body.user.id, body.user.name);
        const reply = await this.#desk.command(
          { teamId: team.id, actor },
          `/edit ${number} ${fromEditSubmission(state.data)}`,
        );
        await this.chat.sayToUser(channel, body.user.id, reply.text);
      });
    });

    app.action(ACTION_IDS.edit, async ({ ack, body, action }) => {
      await ack();
      const channel = (body as { channel?: { id?: string } }).channel?.id;
      const triggerId = (body as { trigger_id?: string }).trigger_id;
      const number = Number.parseInt((action as { value?: string }).value ?? '', 10);
      const team = channel ? this.#teamFor(channel, workspaceOf(body)) : undefined;
      if (!team || !triggerId || !Number.isInteger(number)) return;
      const user = (body as { user?: { id?: string } }).user?.id;
      await this.#answeringFailures(
        { channel_id: team.channel, ...(user ? { user_id: user } : {}) },
        async () => {
          const entry = await this.#desk.post(team.id, number);
          if (!entry) return;
          const metadata = { teamId: team.id, channel: team.channel, number };
          const view = toEditModal(team.language, metadata, entry.post.text);
          await app.client.views.open({ trigger_id: triggerId, view: view as never });
        },
      );
    });

    app.error(async (error) => {
      this.#logger.error({ err: error }, 'Slack handler failed');
    });
  }

  /**
   * Runs work that follows an ack; if it fails, the person is told in words
   * (ephemerally) instead of being left with silence, and the log has the rest.
   */
  async #answeringFailures(
    where: { channel_id?: string; user_id?: string },
    work: () => Promise<void>,
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#logger.error({ err: error }, 'Slack request failed after its ack');
      const team = where.channel_id ? this.#byChannel.get(where.channel_id) : undefined;
      if (where.channel_id && where.user_id) {
        await this.chat.sayToUser(
          where.channel_id,
          where.user_id,
          t(team?.language ?? 'it', 'command.failed'),
        );
      }
    }
  }

  /** the team of a channel; with `workspace` configured, only in that Slack workspace */
  #teamFor(channel: string, workspace: string | undefined): Team | undefined {
    const team = this.#byChannel.get(channel);
    if (team?.workspace !== undefined && workspace !== undefined && team.workspace !== workspace)
      return undefined;
    return team;
  }

  #targetsOf(team: Team): { id: string; displayName: string }[] {
    return this.#desk
      .targetsOf(team.id)
      .map((target) => ({ id: target.id, displayName: target.displayName }));
  }
}

/** The workspace (team id) an event or interaction comes from. */
function workspaceOf(body: unknown): string | undefined {
  const b = body as { team_id?: string; team?: { id?: string } };
  return b.team_id ?? b.team?.id;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
