import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, type AppOptions, type Context, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { Actor } from '../../core/actor.ts';
import type { Desk } from '../../core/desk.ts';
import type { Logger } from '../../core/ports.ts';
import type { Team } from '../../core/team.ts';
import { checkText, describeTextProblem } from '../../core/text-check.ts';
import { createSlackEventsEndpoint, SLACK_BODY_LIMIT_BYTES } from './events-endpoint.ts';
import { t } from './i18n/translate.ts';
import { SlackChat, toSlackLogger } from './slack-chat.ts';
import {
  ACTION_IDS,
  appHomeOpenedSchema,
  araldoMarkOf,
  CALLBACK_IDS,
  cardClickSchema,
  fromButtonValue,
  fromEditSubmission,
  fromProposeSubmission,
  fromRescheduleSubmission,
  fromSlackReaction,
  messagePageSchema,
  modalMetadataSchema,
  RESCHEDULE_BLOCKS,
  reactionEventSchema,
  type SlackMessage,
  slashCommandSchema,
  threadMessageSchema,
  toCardRef,
  toEditModal,
  toEphemeralText,
  toModalErrors,
  toProposeModal,
  toRecipient,
  toRescheduleModal,
  viewStateSchema,
} from './translate.ts';
import { UserNames } from './user-names.ts';

/** What a slash command comes to (see SlackAdapter's #answerCommand). */
type CommandAnswer =
  | { readonly kind: 'none' }
  | { readonly kind: 'form'; readonly open: () => Promise<void> }
  | { readonly kind: 'text'; readonly channel: string; readonly user: string; readonly text: string };

/** What the Slack adapter needs: credentials from the environment, the desk, the Slack teams. */
export interface SlackAdapterOptions {
  readonly botToken: string;
  readonly signingSecret: string | undefined;
  /** Socket Mode when set */
  readonly appToken: string | undefined;
  /** Web API base URL with trailing slash */
  readonly apiUrl: string;
  readonly teams: readonly Team[];
  readonly logger: Logger;
  /**
   * retries of a failed read (users.info, usergroups, the metadata of a reacted message) on 5xx
   * and network errors; 429s are waited out. Writes (SlackChat) are never retried by the client:
   * the outbox retries them.
   */
  readonly retries?: number;
  /** how long one write may take before its outcome counts as uncertain; SlackChat's default when absent */
  readonly chatTimeoutMs?: number;
  /**
   * how long a slash command's answer may take and still ride on its
   * acknowledgement (Slack shows none after 3 s from sending, and the
   * request may have waited before it reached us); later answers are sent
   * as their own ephemeral message. 2,000 ms when absent.
   */
  readonly ackBudgetMs?: number;
}

/**
 * The app's slash commands, as the manifest registers them: `/propose`, and
 * `/araldo` holding every other command of SPEC §3 as a subcommand (Slack
 * has its own `/status`, and short generic names collide with other apps).
 */
const COMMANDS = /^\/(propose|araldo)$/;
/** How long an approver user group's members are trusted before asking Slack again. */
const GROUP_TTL_MS = 5 * 60_000;
/** See SlackAdapterOptions.ackBudgetMs. */
const DEFAULT_ACK_BUDGET_MS = 2000;
/** Event ids remembered to drop Slack's retries of an event already handled. */
const SEEN_EVENTS_MAX = 10_000;

/**
 * Araldo on Slack through @slack/bolt: slash commands (inline and the
 * `/propose` modal), reactions on cards as approvals, thread replies, the
 * card's edit button. HTTP mode serves `requestListener` at /slack/events
 * on Araldo's own port; Socket Mode connects out when an app token is set.
 * Events, clicks and forms are acknowledged first; the work runs after the
 * ack (Slack gets its HTTP answer once the handler is done, see below).
 *
 * A slash command's answer is the acknowledgement itself: the decision is
 * stored, then the reply goes back as the request's ephemeral response,
 * shown at once and never queued behind the channel's cards. Should the
 * process die between the commit and the response, Slack tells the typist
 * the command failed; what the command changed is stored, and the card or
 * `/araldo stato` shows it. Answers to clicks and forms, which Slack lets
 * carry no message, are the desk's to owe: they carry `replyTo`
 * (`channel:user`), the desk stores the answer as an owed private message
 * and the outbox sends it through `chat.sayPrivately`. The adapter itself
 * answers only what no decision owes (a failure after the ack, a thread
 * reply that was not recorded).
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
  readonly #names = new UserNames({
    lookup: (userId) => this.#lookUpName(userId),
    onFailure: (userId, error) =>
      this.#logger.warn({ err: error, user: userId }, 'users.info failed; showing the user id for a minute'),
  });
  readonly #groups = new Map<string, { members: ReadonlySet<string>; fetchedAt: number }>();
  readonly #seenEvents = new Set<string>();
  readonly #ackBudgetMs: number;
  /** commands whose answer is still on its way: stop() waits for them */
  readonly #answering = new Set<Promise<void>>();

  constructor(desk: Desk, options: SlackAdapterOptions) {
    this.#desk = desk;
    this.#ackBudgetMs = options.ackBudgetMs ?? DEFAULT_ACK_BUDGET_MS;
    this.#logger = options.logger.child({ platform: 'slack' });
    this.#byChannel = new Map(options.teams.map((team) => [team.channel, team]));
    const clientOptions = {
      slackApiUrl: options.apiUrl,
      // Reads on the request path (users.info, user groups, a card's metadata):
      // Slack's answer now waits for the decision, so they get one short try
      // and fall back (a user id for a name) rather than run past 3 s.
      retryConfig: { retries: options.retries ?? 0 },
      timeout: 1500,
    };
    const logger = toSlackLogger(options.logger);
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
        // Slack gets its 200 only once the decision is stored: a 200 tells
        // Slack not to send the request again, so answering before storing
        // would let a crash in between lose a proposal or an approval for
        // good (SPEC §6). Handlers still ack first, so Bolt sends nothing
        // late; the decision is one short transaction, well inside 3 s.
        processBeforeResponse: true,
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
    this.chat = new SlackChat({
      botToken: options.botToken,
      apiUrl: options.apiUrl,
      logger: options.logger,
      ...(options.chatTimeoutMs === undefined ? {} : { timeoutMs: options.chatTimeoutMs }),
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

  /** waits for the commands being answered, then (Socket Mode) disconnects */
  async stop(): Promise<void> {
    while (this.#answering.size > 0) await Promise.allSettled([...this.#answering]);
    if (this.#socketReceiver) await this.#socketReceiver.stop();
  }

  /** keeps `work` (a command's answer) among those stop() waits for */
  #track(work: Promise<unknown>): void {
    const tracked = work.then(
      () => undefined,
      () => undefined,
    );
    this.#answering.add(tracked);
    void tracked.then(() => this.#answering.delete(tracked));
  }

  /** resolves to undefined once a command's answer is too late for its ack */
  #budget(): { readonly over: Promise<undefined>; cancel(): void } {
    let timer: NodeJS.Timeout | undefined;
    const over = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#ackBudgetMs);
    });
    return { over, cancel: () => clearTimeout(timer) };
  }

  /** acknowledges, with `payload` when given; false when the ack could not be sent */
  async #acked(
    ack: (payload?: { response_type: 'ephemeral'; text: string }) => Promise<void>,
    payload?: { response_type: 'ephemeral'; text: string },
  ): Promise<boolean> {
    try {
      await ack(payload);
      return true;
    } catch (error) {
      this.#logger.warn({ err: error }, 'a slash command could not be acknowledged');
      return false;
    }
  }

  /** sends a command's answer on its own, when its ack could not carry it */
  async #answerLate(answer: CommandAnswer): Promise<void> {
    if (answer.kind === 'text') await this.chat.sayToUserNow(answer.channel, answer.user, answer.text);
    // A form cannot open late: its trigger id has lived its 3 s.
  }

  /**
   * false for an event id this process has handled: its retry is dropped at
   * once. The desk also records every event id with the decision it causes
   * (durable, shared by replicas), so this is only a short cut; an event
   * whose handling failed is not remembered here, so Slack's retry of it is
   * handled.
   */
  #unseen(eventId: string | undefined): boolean {
    if (eventId && this.#seenEvents.has(eventId)) {
      this.#logger.info({ eventId }, 'Slack event already handled; its retry is dropped');
      return false;
    }
    return true;
  }

  #handled(eventId: string | undefined): void {
    if (!eventId) return;
    this.#seenEvents.add(eventId);
    if (this.#seenEvents.size > SEEN_EVENTS_MAX) {
      const oldest = this.#seenEvents.values().next().value;
      if (oldest !== undefined) this.#seenEvents.delete(oldest);
    }
  }

  async #nameOf(userId: string, fallback?: string): Promise<string> {
    return (await this.#names.nameOf(userId)) ?? fallback ?? userId;
  }

  /** users.info: the name a card shows for a user, or undefined when the profile has none */
  async #lookUpName(userId: string): Promise<string | undefined> {
    const info = (await this.#app.client.users.info({ user: userId })) as {
      user?: { name?: string; real_name?: string; profile?: { display_name?: string; real_name?: string } };
    };
    return (
      info.user?.profile?.display_name ||
      info.user?.profile?.real_name ||
      info.user?.real_name ||
      info.user?.name ||
      undefined
    );
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
      const answering = this.#answerCommand(command);
      this.#track(answering);
      // The answer rides on the acknowledgement, the one reply Slack shows
      // in place at once. One not ready within the budget would come too
      // late to be shown there: the command is acknowledged empty now, and
      // the answer follows as its own message once the decision is stored.
      const budget = this.#budget();
      const timely = await Promise.race([answering, budget.over]);
      budget.cancel();
      if (timely === undefined) {
        await this.#acked(ack);
        this.#track(answering.then((answer) => this.#answerLate(answer)));
        return;
      }
      if (timely.kind === 'form' || timely.kind === 'none') {
        await this.#acked(ack);
        if (timely.kind === 'form') await timely.open();
        return;
      }
      const payload = { response_type: 'ephemeral' as const, text: toEphemeralText(timely.text) };
      // Socket Mode can refuse the ack (the socket is being replaced): the answer then goes on its own.
      if (!(await this.#acked(ack, payload))) await this.#answerLate(timely);
    });

    for (const type of ['reaction_added', 'reaction_removed'] as const) {
      app.event(type, async ({ event, body, context }) => {
        const eventId = (body as { event_id?: string }).event_id;
        if (!this.#unseen(eventId)) return;
        const parsed = reactionEventSchema.safeParse(event);
        if (!parsed.success || parsed.data.item.type !== 'message') return;
        const { user, reaction, item } = parsed.data;
        const team = item.channel ? this.#teamFor(item.channel, workspaceOf(body)) : undefined;
        if (!team || !item.channel || !item.ts) return;
        const reactionOnCard = {
          teamId: team.id,
          ...(eventId ? { eventId } : {}),
          actor: await this.#actor(team, user),
          post: { cardRef: toCardRef(item.channel, item.ts) },
          action: fromSlackReaction(reaction),
          added: type === 'reaction_added',
        };
        const result = await this.#desk.react(reactionOnCard);
        if (result === 'no_such_post') {
          // A reaction can come before the card's reference is stored (the outbox
          // records it only once Slack has answered, and that answer may have
          // been lost): the card's own metadata names its post.
          const postId = await this.#postIdOfCard(item.channel, item.ts, context);
          if (postId !== undefined) await this.#desk.react({ ...reactionOnCard, post: { postId } });
        }
        this.#handled(eventId);
      });
    }

    // The Home tab: whoever opens it follows, from now on, the teams of the channels they are in.
    app.event('app_home_opened', async ({ event, body }) => {
      const parsed = appHomeOpenedSchema.safeParse(event);
      if (!parsed.success || parsed.data.tab !== 'home') return;
      const workspace = workspaceOf(body);
      const viewer = parsed.data.user;
      const among = [...this.#byChannel.values()].filter(
        (team) => team.workspace === undefined || workspace === undefined || team.workspace === workspace,
      );
      // Only the teams whose channel they are in: the overview shows drafts.
      const teamIds: string[] = [];
      for (const team of among) if (await this.chat.isMember(team.channel, viewer)) teamIds.push(team.id);
      await this.#desk.openOverview({ teamIds, among: among.map((team) => team.id), viewer });
    });

    app.event('message', async ({ event, body, context }) => {
      const eventId = (body as { event_id?: string }).event_id;
      const parsed = threadMessageSchema.safeParse(event);
      if (!parsed.success || parsed.data.bot_id || parsed.data.subtype) return;
      const message = parsed.data;
      if (message.thread_ts === message.ts || !this.#unseen(eventId)) return;
      const team = this.#teamFor(message.channel, workspaceOf(body));
      if (!team) return;
      const reply = {
        teamId: team.id,
        ...(eventId ? { eventId } : {}),
        actor: await this.#actor(team, message.user),
        post: { cardRef: toCardRef(message.channel, message.thread_ts) },
        text: message.text,
      };
      let result = await this.#desk.threadReply(reply);
      if (result === 'no_such_post') {
        // As for reactions: the thread's parent is the card, and its metadata names the post.
        const postId = await this.#postIdOfCard(message.channel, message.thread_ts, context);
        if (postId !== undefined) result = await this.#desk.threadReply({ ...reply, post: { postId } });
      }
      this.#handled(eventId);
      // Not recorded: the writer hears why, privately, rather than silence.
      const clean = result === 'bad_text' ? checkText(message.text) : undefined;
      if (clean && !clean.ok) {
        await this.chat.sayToUserNow(
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
        await this.#desk.proposeDraft(
          {
            teamId: team.id,
            actor,
            eventId: `slack:${view.id}`,
            replyTo: toRecipient(meta.data.channel, body.user.id),
          },
          draft,
        );
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
        await this.#desk.command(
          { teamId: team.id, actor, replyTo: toRecipient(channel, body.user.id) },
          `/edit ${number} ${fromEditSubmission(state.data)}`,
        );
      });
    });

    // The card's buttons: each click is its own event (its action_ts), answered privately when refused.
    this.#onCardClick(ACTION_IDS.edit, (click, triggerId) =>
      this.#openChangeForm(click, triggerId, (entry, metadata) =>
        toEditModal(click.team.language, metadata, entry.post.text),
      ),
    );
    this.#onCardClick(ACTION_IDS.reschedule, (click, triggerId) =>
      this.#openChangeForm(click, triggerId, (entry, metadata) => {
        const at = entry.post.requestedAt;
        return toRescheduleModal(
          click.team.language,
          metadata,
          at ? { at, timeZone: click.team.timeZone } : undefined,
        );
      }),
    );
    const reviewButtons = [
      [ACTION_IDS.approve, 'approve'],
      [ACTION_IDS.requestChanges, 'request_changes'],
    ] as const;
    for (const [actionId, review] of reviewButtons) {
      this.#onCardClick(actionId, async (click) => {
        await this.#desk.reviewClick({
          ...(await this.#clickContext(click)),
          post: { number: click.number },
          action: review,
          ...(click.version === undefined ? {} : { seenVersion: click.version }),
        });
      });
    }
    // Cancel (confirmed in Slack's own dialog) and retry are the commands, said by a click.
    const commandButtons = [
      [ACTION_IDS.cancel, '/cancel'],
      [ACTION_IDS.retry, '/retry'],
    ] as const;
    for (const [actionId, name] of commandButtons) {
      this.#onCardClick(actionId, async (click) => {
        await this.#desk.command(await this.#clickContext(click), `${name} ${click.number}`);
      });
    }

    app.view(CALLBACK_IDS.reschedule, async ({ ack, view, body }) => {
      const meta = modalMetadataSchema.safeParse(safeJson(view.private_metadata));
      const state = viewStateSchema.safeParse(view.state?.values);
      const team = meta.success ? this.#desk.team(meta.data.teamId) : undefined;
      if (!meta.success || !state.success || !team || meta.data.number === undefined) {
        await ack();
        return;
      }
      const asked = fromRescheduleSubmission(state.data);
      // A time the reader refuses (in the past, unreadable) is shown under its field; the form stays open.
      const refusal = asked
        ? this.#desk.checkTime(team.id, asked.when)
        : t(team.language, 'modal.reschedule_missing');
      if (refusal !== undefined) {
        await ack({
          response_action: 'errors',
          errors: { [asked?.block ?? RESCHEDULE_BLOCKS.date]: refusal.slice(0, 2000) },
        });
        return;
      }
      await ack();
      const { channel, number } = meta.data;
      await this.#answeringFailures({ channel_id: channel, user_id: body.user.id }, async () => {
        const actor = await this.#actor(team, body.user.id, body.user.name);
        await this.#desk.command(
          {
            teamId: team.id,
            actor,
            eventId: `slack:${view.id}`,
            replyTo: toRecipient(channel, body.user.id),
          },
          `/reschedule ${number} ${asked?.when ?? ''}`,
        );
      });
    });

    app.error(async (error) => {
      this.#logger.error({ err: error }, 'Slack handler failed');
      // Thrown on, so Slack's request gets a 500 and Slack sends the event
      // again: a decision that failed (a database blip) is retried, not lost.
      // Commands never get here: they answer their failures in words.
      throw error;
    });
  }

  /**
   * What a slash command comes to: the typist's answer (the desk's reply,
   * stored decision first), the form to open, or nothing for a payload
   * that is not a slash command. Never throws: a failure is answered in words.
   */
  async #answerCommand(command: unknown): Promise<CommandAnswer> {
    const parsed = slashCommandSchema.safeParse(command);
    if (!parsed.success) {
      this.#logger.warn({ issues: parsed.error.issues.length }, 'malformed slash command ignored');
      return { kind: 'none' };
    }
    const body = parsed.data;
    const to = { channel: body.channel_id, user: body.user_id };
    const team = this.#teamFor(body.channel_id, body.team_id);
    if (!team) return { kind: 'text', ...to, text: t('it', 'chat.not_configured') };
    try {
      const formAsked =
        (body.command === '/propose' && body.text.trim() === '') ||
        (body.command === '/araldo' && /^(propose|proponi)$/i.test(body.text.trim()));
      if (formAsked) {
        const view = toProposeModal(team.language, this.#targetsOf(team), {
          teamId: team.id,
          channel: team.channel,
        });
        // The trigger id lives 3 s: the form opens right after the ack, before anything slow.
        return {
          kind: 'form',
          open: () =>
            this.#answeringFailures(body, async () => {
              await this.#app.client.views.open({ trigger_id: body.trigger_id, view: view as never });
            }),
        };
      }
      const actor = await this.#actor(team, body.user_id, body.user_name);
      // No `replyTo`: the answer is this request's response, not an owed message.
      const reply = await this.#desk.command(
        { teamId: team.id, actor, eventId: `slack:${body.trigger_id}` },
        `${body.command} ${body.text}`,
      );
      return { kind: 'text', ...to, text: reply.text };
    } catch (error) {
      this.#logger.error({ err: error }, 'Slack slash command failed');
      return { kind: 'text', ...to, text: t(team.language, 'command.failed') };
    }
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
        await this.chat.sayToUserNow(
          where.channel_id,
          where.user_id,
          t(team?.language ?? 'it', 'command.failed'),
        );
      }
    }
  }

  /**
   * The post a card at `ts` stands for, read from the card's metadata: only a
   * top-level Araldo card written by this bot counts (a thread reply, a digest
   * or another app's message names no card). Undefined when Slack cannot say.
   */
  async #postIdOfCard(channel: string, ts: string, context: Context): Promise<string | undefined> {
    let message: SlackMessage | undefined;
    try {
      // The one message at `ts`: history is newest first, `latest` inclusive.
      const answer = await this.#app.client.conversations.history({
        channel,
        latest: ts,
        inclusive: true,
        limit: 1,
        include_all_metadata: true,
      });
      const page = messagePageSchema.safeParse(answer);
      message = page.success ? page.data.messages[0] : undefined;
    } catch (error) {
      this.#logger.warn({ err: error, channel, ts }, 'could not read the metadata of a reacted message');
      return undefined;
    }
    // History lists no thread replies: the message found may be an older one.
    if (message?.ts !== ts || !isFromBot(message, context)) return undefined;
    const mark = araldoMarkOf(message);
    return mark?.kind === 'card' ? mark.postId : undefined;
  }

  /** Handles clicks on one kind of card button: acked at once, read, and failures answered in words. */
  #onCardClick(
    actionId: string,
    work: (click: CardClick, triggerId: string | undefined) => Promise<void>,
  ): void {
    this.#app.action(actionId, async ({ ack, body, action }) => {
      await ack();
      const click = this.#clickOf(body, action);
      if (!click) return;
      const triggerId = (body as { trigger_id?: string }).trigger_id;
      await this.#answeringFailures({ channel_id: click.team.channel, user_id: click.user }, () =>
        work(click, triggerId),
      );
    });
  }

  /** The desk's context of a click: who, its event id, where to answer privately. */
  async #clickContext(click: CardClick) {
    return {
      teamId: click.team.id,
      actor: await this.#actor(click.team, click.user),
      eventId: click.eventId,
      replyTo: toRecipient(click.team.channel, click.user),
    };
  }

  /**
   * Opens a form that changes the post (edit, reschedule), only for those
   * who may change it: the others hear why at once, privately.
   */
  async #openChangeForm(
    click: CardClick,
    triggerId: string | undefined,
    form: (
      entry: NonNullable<Awaited<ReturnType<Desk['post']>>>,
      metadata: { teamId: string; channel: string; number: number },
    ) => Record<string, unknown>,
  ): Promise<void> {
    if (!triggerId) return;
    const refusal = await this.#desk.refuseChange(
      click.team.id,
      await this.#actor(click.team, click.user),
      click.number,
    );
    if (refusal !== undefined) {
      await this.chat.sayToUserNow(click.team.channel, click.user, refusal);
      return;
    }
    const entry = await this.#desk.post(click.team.id, click.number);
    if (!entry) return;
    const metadata = { teamId: click.team.id, channel: click.team.channel, number: click.number };
    await this.#app.client.views.open({ trigger_id: triggerId, view: form(entry, metadata) as never });
  }

  /**
   * A click on a card's button: its team (by the card's channel), who
   * clicked, the post's number and version from the button's value, and
   * the click's own id (`action_ts`), so a repeat of it counts once.
   */
  #clickOf(body: unknown, action: unknown): CardClick | undefined {
    const parsed = cardClickSchema.safeParse({ body, action });
    if (!parsed.success) {
      this.#logger.warn({ issues: parsed.error.issues.length }, 'malformed card button click ignored');
      return undefined;
    }
    const { body: b, action: a } = parsed.data;
    const team = this.#teamFor(b.channel.id, workspaceOf(body));
    const value = fromButtonValue(a.value);
    if (!team || !value) return undefined;
    return {
      team,
      user: b.user.id,
      number: value.number,
      ...(value.version === undefined ? {} : { version: value.version }),
      eventId: `slack-click:${b.user.id}:${a.action_ts}`,
    };
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

/** A card button's click, read: the team, who clicked, the post's number and version, the click's id. */
interface CardClick {
  readonly team: Team;
  readonly user: string;
  readonly number: number;
  readonly version?: number;
  readonly eventId: string;
}

/** True when `message` was written by this app's bot, as Bolt's context knows it. */
function isFromBot(message: SlackMessage, context: Context): boolean {
  return (
    (context.botId !== undefined && message.bot_id === context.botId) ||
    (context.botUserId !== undefined && message.user === context.botUserId)
  );
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
