import type { Actor } from './actor.ts';
import { describeAudit } from './audit-trail.ts';
import { CoalescedRun } from './coalesced-run.ts';
import { parseProposeArgs, resolveCommand } from './command-grammar.ts';
import type { CommandReply } from './command-reply.ts';
import { checkCredentials } from './credential-watch.ts';
import { DeskContext, type DeskDeps } from './desk-context.ts';
import { buildDigest, sendDueDigests } from './digest.ts';
import { quoted } from './excerpt.ts';
import { Foreground } from './foreground.ts';
import { GroupCommit } from './group-commit.ts';
import { helpText } from './help.ts';
import { cancelPost, editPost, mayChange, reschedulePost, retryPost } from './manage-post.ts';
import { DEFAULT_OUTBOX_POLICY, flushOwed, type OutboxPolicy, startOwed } from './outbox-dispatch.ts';
import type { PostWithDeliveries } from './ports.ts';
import {
  type CheckedProposal,
  checkDraft,
  checkProposal,
  type DraftProblem,
  type ProposalDraft,
  type ProposeOutcome,
  recordProposals,
} from './propose.ts';
import {
  DEFAULT_PUBLISHING_POLICY,
  InFlight,
  type PublishingPolicy,
  publishDue,
  startDue,
} from './publishing.ts';
import { describeQueue } from './queue.ts';
import { readTeamTime } from './read-team-time.ts';
import { type ReactionEvent, refuseReviewClick, review } from './review.ts';
import type { ReviewAction } from './review-action.ts';
import { describeStatus } from './status.ts';
import type { Target } from './target.ts';
import type { Team } from './team.ts';
import { checkText, describeTextProblem } from './text-check.ts';

/** Who typed a command, where, and the platform's id of the event. */
export interface CommandContext {
  readonly teamId: string;
  readonly actor: Actor;
  /** the platform's event or trigger id; repeats of it are not acted on twice */
  readonly eventId?: string;
  /**
   * where the chat can answer this person privately (opaque to the core,
   * see ChatOut.sayPrivately). When set, the reply is an owed message
   * stored with the command's decision, and the adapter must not send it
   * itself; when absent (the shell), the adapter shows the reply.
   */
  readonly replyTo?: string;
}

/**
 * Which post a reaction is on: by one of its cards, by number (the
 * shell), or by id (a chat that read the post's id from the card's metadata).
 */
export type PostLocator =
  | { readonly cardRef: string }
  | { readonly number: number }
  | { readonly postId: string };

/** A reaction on a card as a chat reports it: who, on which post, read as which review action. */
export interface IncomingReaction {
  readonly teamId: string;
  /**
   * the platform's id of the event: a repeat of it (a platform retry, a
   * replica that got it too) changes nothing, whenever it arrives
   */
  readonly eventId?: string;
  readonly actor: Actor;
  readonly post: PostLocator;
  /**
   * the review action the chat read the reaction as (each chat knows how
   * its reactions are named), or undefined when it stands for none: then
   * nothing changes, and the result says `not_a_review`
   */
  readonly action: ReviewAction | undefined;
  readonly added: boolean;
}

/** A review given with a button on the card (approve, request changes): the same rules as a reaction. */
export interface IncomingReviewClick extends CommandContext {
  readonly post: PostLocator;
  readonly action: ReviewAction;
  /** the post's version the clicked card showed: an approval of an earlier text does not count */
  readonly seenVersion?: number;
}

/** A message written in a post's thread. */
export interface IncomingThreadReply {
  readonly teamId: string;
  /** the platform's id of the event: a repeat of it is recorded once */
  readonly eventId?: string;
  readonly actor: Actor;
  readonly post: PostLocator;
  readonly text: string;
}

/**
 * What became of a reaction or thread reply: applied, or why not
 * (`bad_text`: a thread reply holding a control character, not recorded).
 */
export type LocateResult = 'applied' | 'not_a_review' | 'no_such_post' | 'bad_text';

/** The publishing desk: the whole workflow behind every chat. */
export interface Desk {
  /** handles a slash command line (`/propose …`); the reply is for the typist only */
  command(context: CommandContext, line: string): Promise<CommandReply>;
  /** checks a proposal from a form without storing anything; problems name their field */
  checkDraft(teamId: string, draft: ProposalDraft): readonly DraftProblem[];
  /** creates a proposal from a form or typed options (same rules as `/propose`) */
  proposeDraft(context: CommandContext, draft: ProposalDraft): Promise<ProposeOutcome>;
  /** the team with this id, if this desk serves it */
  team(teamId: string): Team | undefined;
  /** the targets a team may publish to */
  targetsOf(teamId: string): readonly Target[];
  /** a post by its number, to show or prefill a form */
  post(teamId: string, number: number): Promise<PostWithDeliveries | undefined>;
  /**
   * handles a reaction on a card; reactions that mean nothing change
   * nothing, and the result says why, for chats that can tell the person
   */
  react(reaction: IncomingReaction): Promise<LocateResult>;
  /** records a message written in a post's thread (review remarks, reasons) */
  threadReply(reply: IncomingThreadReply): Promise<LocateResult>;
  /**
   * handles a review button on a card; a refusal (the author, a
   * non-approver, a post no longer waiting, an approval given already) is
   * the returned reply, owed privately to `replyTo`; undefined when the
   * thread and the card say what happened, or the click was a repeat
   */
  reviewClick(click: IncomingReviewClick): Promise<CommandReply | undefined>;
  /**
   * someone opened their overview (an app's home tab), where `among` are the
   * teams it may show and `teamIds` those whose channel they are in: they
   * follow those from now on (and no longer the rest), and it is drawn for them
   */
  openOverview(opened: {
    readonly teamIds: readonly string[];
    readonly among: readonly string[];
    readonly viewer: string;
  }): Promise<void>;
  /**
   * why `actor` may not change post `number` (only its author and the
   * approvers may), in words, or undefined when they may: a form to change
   * it is opened only for them
   */
  refuseChange(teamId: string, actor: Actor, number: number): Promise<string | undefined>;
  /** reads a time as `/araldo riprogramma` would: the refusal in words, or undefined when it is usable */
  checkTime(teamId: string, when: string): string | undefined;
  /**
   * publishes everything due at `now` and sends every owed message,
   * waiting for all of it (tests, one-shot runs); returns when the next
   * delivery is due
   */
  tick(now: Date): Promise<Date | undefined>;
  /**
   * starts what may go at `now` (publications, owed messages) without
   * waiting for it; returns when the next of either may go (the scheduler's round)
   */
  startDue(now: Date): Promise<Date | undefined>;
  /** sends every owed message that may go now and waits for them */
  flushOwed(): Promise<void>;
  /** waits until no publication or message is under way */
  idle(): Promise<void>;
  /**
   * starts no more owed messages on its own (shutdown: what is not started
   * stays owed for the next start); `flushOwed` and `tick` still send
   */
  stop(): void;
  /** sends every team's digest that is due at the clock's now and not sent yet; returns those teams */
  sendDueDigests(): Promise<string[]>;
  /** asks every target's network how its credentials stand, for the digest's warnings; never throws */
  checkCredentials(): Promise<void>;
  /** the teams this desk serves */
  readonly teams: readonly Team[];
}

type Handler = (ctx: DeskContext, team: Team, context: CommandContext, rest: string) => Promise<CommandReply>;

async function withPost(
  ctx: DeskContext,
  team: Team,
  command: string,
  rest: string,
  then: (entry: PostWithDeliveries) => Promise<CommandReply>,
): Promise<CommandReply> {
  const given = rest.split(/\s+/)[0] ?? '';
  const number = Number.parseInt(given.replace(/^#/, ''), 10);
  if (given === '') return { text: ctx.msg(team, 'command.needs_number', { command }) };
  if (!/^#?\d{1,9}$/.test(given))
    return { text: ctx.msg(team, 'command.not_a_number', { given: quoted(given) }) };
  const entry = await ctx.store.getPost(team.id, number);
  if (!entry) return { text: ctx.msg(team, 'command.no_such_post', { number }) };
  return then(entry);
}

/** Like withPost, for commands only the author and approvers may use on it. */
function withChangeablePost(
  ctx: DeskContext,
  team: Team,
  context: CommandContext,
  command: string,
  rest: string,
  then: (entry: PostWithDeliveries) => Promise<CommandReply>,
): Promise<CommandReply> {
  return withPost(ctx, team, command, rest, async (found) => {
    if (!mayChange(team, context.actor, found)) {
      return { text: ctx.msg(team, 'command.not_allowed', { number: found.post.number }) };
    }
    // The command runs in one decision (see `command`): lock the post for it.
    const entry = await ctx.store.lockPost(found.post.id);
    return entry
      ? then(entry)
      : { text: ctx.msg(team, 'command.no_such_post', { number: found.post.number }) };
  });
}

/** The text after the post number: `/edit 12 New text` → `New text`, line breaks kept. */
function afterFirstWord(rest: string): string {
  return rest.replace(/^\S+\s*/, '');
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  status: (ctx, team, _context, rest) =>
    withPost(ctx, team, 'status', rest, (entry) => describeStatus(ctx, team, entry)),
  cancel: (ctx, team, context, rest) =>
    withChangeablePost(ctx, team, context, 'cancel', rest, (entry) =>
      cancelPost(ctx, team, context.actor, entry),
    ),
  edit: (ctx, team, context, rest) =>
    withChangeablePost(ctx, team, context, 'edit', rest, (entry) =>
      editPost(ctx, team, context.actor, entry, afterFirstWord(rest)),
    ),
  reschedule: (ctx, team, context, rest) =>
    withChangeablePost(ctx, team, context, 'reschedule', rest, (entry) =>
      reschedulePost(ctx, team, context.actor, entry, afterFirstWord(rest)),
    ),
  retry: (ctx, team, context, rest) =>
    withChangeablePost(ctx, team, context, 'retry', rest, (entry) =>
      retryPost(ctx, team, context.actor, entry),
    ),
  audit: (ctx, team, _context, rest) =>
    withPost(ctx, team, 'audit', rest, (entry) => describeAudit(ctx, team, entry)),
  queue: (ctx, team) => describeQueue(ctx, team),
  digest: async (ctx, team) => ({ text: await buildDigest(ctx, team) }),
  help: async (_ctx, team) => ({ text: helpText(team.language) }),
  aiuto: async (_ctx, team) => ({ text: helpText(team.language) }),
};

/**
 * Whether a platform event is seen for the first time, recorded in the
 * decision it causes: a retry after a crash, or the same event reaching a
 * replica, finds it and changes nothing.
 */
async function firstTime(tx: DeskContext, postId: string, eventId: string | undefined): Promise<boolean> {
  return eventId === undefined || tx.store.claimNotice(postId, `event:${eventId}`, tx.now());
}

/** A checked proposal waiting for the group commit, and who asked. */
interface QueuedProposal {
  readonly context: CommandContext;
  readonly proposal: CheckedProposal;
}

/** Proposals stored by one decision at most: a burst's, without one transaction growing unbounded. */
const MAX_PROPOSALS_PER_DECISION = 100;

/** The longest the outbox waits for commands under way before it sends anyway. */
const OUTBOX_YIELD_MAX_MS = 1000;

/** Builds the desk over its ports. */
export function createDesk(
  deps: DeskDeps,
  policy: PublishingPolicy = DEFAULT_PUBLISHING_POLICY,
  outboxPolicy: OutboxPolicy = DEFAULT_OUTBOX_POLICY,
): Desk {
  // Messages owed by a decision, and the room a sent message makes, start
  // the next messages at once without a whole round: a burst of proposals
  // owes hundreds of messages, and a round also claims abandoned and due
  // deliveries and reads the next due instant, each time. Only where rounds
  // are driven (a scheduler gives `kick`); elsewhere `flushOwed` sends.
  const foreground = new Foreground(deps.clock);
  let stopped = false;
  const outbox = deps.kick
    ? new CoalescedRun(
        async () => {
          // People waiting on an answer go first; the messages follow.
          await foreground.quiet(OUTBOX_YIELD_MAX_MS);
          if (stopped) return;
          const next = await startOwed(ctx, ctx.now(), outboxPolicy, sending);
          if (next) deps.wake?.(next);
        },
        (error) => deps.logger.error({ err: error }, 'sending owed messages failed'),
      )
    : undefined;
  const ctx = new DeskContext(outbox ? { ...deps, kick: () => outbox.run() } : deps);
  // Each ended attempt makes room: the scheduler runs another round to fill it.
  const publishing = new InFlight(() => deps.kick?.());
  const sending = new InFlight(() => (outbox ? outbox.run() : deps.kick?.()));
  // Every round asks whether a digest is due; once a day is owed, this process stops asking.
  const digestsOwed = new Set<string>();
  const proposals = new GroupCommit<QueuedProposal, ProposeOutcome>(
    (batch) =>
      ctx.decide(async (tx) => {
        const outcomes = await recordProposals(
          tx,
          batch.map((queued) => queued.proposal),
        );
        for (const [index, { context, proposal }] of batch.entries())
          await owePrivateReply(tx, proposal.team, context, outcomes[index]?.text ?? '');
        return outcomes;
      }),
    MAX_PROPOSALS_PER_DECISION,
  );

  /** owes the typist the reply, when the chat answers privately through the outbox */
  async function owePrivateReply(tx: DeskContext, team: Team, context: CommandContext, text: string) {
    if (context.replyTo === undefined) return;
    await tx.owe([{ teamId: team.id, kind: 'private', recipient: context.replyTo, message: { text } }]);
  }

  /** owes a reply that no other decision carries (a refusal before anything is stored) */
  async function answerAlone(team: Team, context: CommandContext, text: string): Promise<void> {
    if (context.replyTo !== undefined) await ctx.decide((tx) => owePrivateReply(tx, team, context, text));
  }

  async function command(context: CommandContext, line: string): Promise<CommandReply> {
    const team = ctx.team(context.teamId);
    if (!team) throw new Error(`unknown team ${context.teamId}`);
    // The boundary of every typed command (shell lines, chat slash commands, the
    // edit form): a control character never reaches the store or the time reader.
    const clean = checkText(line);
    const resolved = clean.ok ? resolveCommand(line) : undefined;
    const parsed = resolved?.kind === 'command' ? resolved : undefined;
    if (parsed?.name === 'propose') return proposeLine(team, context, parsed.rest);
    const handler = parsed && Object.hasOwn(HANDLERS, parsed.name) ? HANDLERS[parsed.name] : undefined;
    if (!parsed || !handler) {
      const text = !clean.ok
        ? describeTextProblem(team.language, clean.error)
        : resolved?.kind === 'unknown_subcommand'
          ? `${ctx.msg(team, 'command.unknown_subcommand', { name: quoted(resolved.subcommand) })}\n\n${helpText(team.language)}`
          : parsed
            ? ctx.msg(team, 'command.unknown', { name: quoted(parsed.name) })
            : ctx.msg(team, 'command.not_a_command');
      await answerAlone(team, context, text);
      return { text };
    }
    try {
      // One decision: what the command changes, its audit events, the
      // messages it owes and the typist's reply commit together.
      return await ctx.decide(async (tx) => {
        const reply = await handler(tx, team, context, parsed.rest);
        await owePrivateReply(tx, team, context, reply.text);
        return reply;
      });
    } catch (error) {
      return failed(team, context, parsed.name, error);
    }
  }

  async function failed(
    team: Team,
    context: CommandContext,
    name: string,
    error: unknown,
  ): Promise<CommandReply> {
    // Never a stack trace in chat: the person gets words, the log the rest.
    deps.logger.error({ err: error, teamId: team.id, command: name }, 'command failed');
    const text = ctx.msg(team, 'command.failed');
    await answerAlone(team, context, text).catch(() => undefined);
    return { text };
  }

  /** `/propose …` typed: its options read, then proposeChecked */
  async function proposeLine(team: Team, context: CommandContext, rest: string): Promise<CommandReply> {
    try {
      const args = parseProposeArgs(rest);
      if (args.ok) return await proposeChecked(team, context, args.value);
      const text =
        args.error.code === 'option_after_text'
          ? ctx.msg(team, 'propose.option_after_text', { option: quoted(args.error.option) })
          : ctx.msg(team, 'propose.bad_option', { option: quoted(args.error.option) });
      await answerAlone(team, context, text);
      return { text };
    } catch (error) {
      return failed(team, context, 'propose', error);
    }
  }

  /**
   * Checks a proposal outside any transaction, then hands it to the group
   * commit: proposals arriving together (a burst of slash commands) are
   * stored in one decision, with their cards and the proposers' answers.
   */
  async function proposeChecked(
    team: Team,
    context: CommandContext,
    draft: ProposalDraft,
  ): Promise<ProposeOutcome> {
    const checked = checkProposal(ctx, team, context.actor, draft, context.eventId);
    if (checked.ok) return proposals.submit({ context, proposal: checked.proposal });
    await answerAlone(team, context, checked.outcome.text);
    return checked.outcome;
  }

  function locate(team: Team, locator: PostLocator): Promise<PostWithDeliveries | undefined> {
    if ('number' in locator) return ctx.store.getPost(team.id, locator.number);
    if ('cardRef' in locator) return ctx.store.findPostByCardRef(team.id, locator.cardRef);
    return ctx.store
      .getPostById(locator.postId)
      .then((entry) => (entry?.post.teamId === team.id ? entry : undefined));
  }

  async function react(reaction: IncomingReaction): Promise<LocateResult> {
    const team = ctx.team(reaction.teamId);
    if (!team) throw new Error(`unknown team ${reaction.teamId}`);
    const found = await locate(team, reaction.post);
    if (!found) return 'no_such_post';
    const action = reaction.action;
    if (!action) return 'not_a_review';
    const event: ReactionEvent = {
      actor: reaction.actor,
      action,
      added: reaction.added,
      seenVersion: found.post.version,
    };
    // One decision per reaction, on the post as it is once locked: two
    // approvers at once are counted one after the other.
    await ctx.decide(async (tx) => {
      const entry = await tx.store.lockPost(found.post.id);
      if (!entry || !(await firstTime(tx, entry.post.id, reaction.eventId))) return;
      await review(tx, team, entry, event);
    });
    return 'applied';
  }

  async function threadReply(reply: IncomingThreadReply): Promise<LocateResult> {
    const team = ctx.team(reply.teamId);
    if (!team) throw new Error(`unknown team ${reply.teamId}`);
    const entry = await locate(team, reply.post);
    if (!entry) return 'no_such_post';
    if (!checkText(reply.text).ok) {
      deps.logger.warn({ teamId: team.id, post: entry.post.number }, 'thread reply with a control character');
      return 'bad_text';
    }
    await ctx.decide(async (tx) => {
      if (await firstTime(tx, entry.post.id, reply.eventId)) {
        await tx.audit(entry.post, reply.actor, 'commented', { text: reply.text });
      }
    });
    return 'applied';
  }

  async function reviewClick(click: IncomingReviewClick): Promise<CommandReply | undefined> {
    const team = teamOrThrow(click.teamId);
    const found = await locate(team, click.post);
    return ctx.decide(async (tx) => {
      const entry = found ? await tx.store.lockPost(found.post.id) : undefined;
      if (!entry) {
        const number = 'number' in click.post ? click.post.number : 0;
        const text = ctx.msg(team, 'command.no_such_post', { number });
        await owePrivateReply(tx, team, click, text);
        return { text };
      }
      // A double click is two events: the second finds the first's decision and is told why.
      if (!(await firstTime(tx, entry.post.id, click.eventId))) return undefined;
      const refusal = await refuseReviewClick(
        tx,
        team,
        entry.post,
        click.actor,
        click.action,
        click.seenVersion,
      );
      if (refusal !== undefined) {
        await owePrivateReply(tx, team, click, refusal);
        return { text: refusal };
      }
      await review(tx, team, entry, {
        actor: click.actor,
        action: click.action,
        added: true,
        ...(click.seenVersion === undefined ? {} : { seenVersion: click.seenVersion }),
      });
      return undefined;
    });
  }

  function teamOrThrow(teamId: string): Team {
    const team = ctx.team(teamId);
    if (!team) throw new Error(`unknown team ${teamId}`);
    return team;
  }

  function proposeDraft(context: CommandContext, draft: ProposalDraft): Promise<ProposeOutcome> {
    return proposeChecked(teamOrThrow(context.teamId), context, draft);
  }

  function earlier(a: Date | undefined, b: Date | undefined): Date | undefined {
    if (!a) return b;
    if (!b) return a;
    return a < b ? a : b;
  }

  return {
    command: (context, line) => foreground.during(() => command(context, line)),
    checkDraft: (teamId, draft) => checkDraft(ctx, teamOrThrow(teamId), draft).problems,
    proposeDraft: (context, draft) => foreground.during(() => proposeDraft(context, draft)),
    team: (teamId) => ctx.team(teamId),
    targetsOf: (teamId) => ctx.targetsOf(teamOrThrow(teamId)),
    post: (teamId, number) => ctx.store.getPost(teamId, number),
    react: (reaction) => foreground.during(() => react(reaction)),
    threadReply: (reply) => foreground.during(() => threadReply(reply)),
    reviewClick: (click) => foreground.during(() => reviewClick(click)),
    openOverview: async ({ teamIds, among, viewer }) => {
      const servedAmong = among.filter((teamId) => ctx.team(teamId) !== undefined);
      const served = teamIds.filter((teamId) => servedAmong.includes(teamId));
      // Drawn even when they follow no team: the tab then says so instead of staying blank.
      const lane = served[0] ?? servedAmong[0];
      if (lane === undefined) return;
      await ctx.decide(async (tx) => {
        await tx.store.followOverview(served, viewer, tx.now(), servedAmong);
        await tx.owe([{ teamId: lane, kind: 'overview', recipient: viewer }]);
      });
    },
    refuseChange: async (teamId, actor, number) => {
      const team = teamOrThrow(teamId);
      const entry = await ctx.store.getPost(team.id, number);
      if (!entry) return ctx.msg(team, 'command.no_such_post', { number });
      return mayChange(team, actor, entry) ? undefined : ctx.msg(team, 'command.not_allowed', { number });
    },
    checkTime: (teamId, when) => {
      const team = teamOrThrow(teamId);
      // The same boundary as a typed command: no control character reaches the time reader.
      const clean = checkText(when);
      if (!clean.ok) return describeTextProblem(team.language, clean.error);
      const read = readTeamTime(ctx, team, when);
      return read.ok ? undefined : read.error;
    },
    tick: async (now) => {
      const next = await publishDue(ctx, now, policy, publishing);
      await flushOwed(ctx, outboxPolicy, sending);
      return next;
    },
    startDue: async (now) => {
      const nextDue = await startDue(ctx, now, policy, publishing);
      // Where the outbox runs on its own, a round asks it to look (it sets
      // its own wake-up); two looks at once would each fill the same room.
      if (outbox) {
        outbox.run();
        return nextDue;
      }
      return earlier(nextDue, await startOwed(ctx, now, outboxPolicy, sending));
    },
    flushOwed: () => flushOwed(ctx, outboxPolicy, sending),
    stop: () => {
      stopped = true;
      outbox?.stop();
    },
    idle: async () => {
      for (;;) {
        await publishing.idle();
        await outbox?.idle();
        await sending.idle();
        if (publishing.size === 0 && sending.size === 0) return;
      }
    },
    sendDueDigests: () => sendDueDigests(ctx, deps.teams, digestsOwed),
    checkCredentials: () => checkCredentials(ctx, deps.targets),
    teams: deps.teams,
  };
}
