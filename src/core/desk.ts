import type { Actor } from './actor.ts';
import { describeAudit } from './audit-trail.ts';
import { parseCommand, parseProposeArgs } from './command-grammar.ts';
import type { CommandReply } from './command-reply.ts';
import { DeskContext, type DeskDeps } from './desk-context.ts';
import { buildDigest, sendDueDigests } from './digest.ts';
import { quoted } from './excerpt.ts';
import { helpText } from './help.ts';
import { cancelPost, editPost, mayChange, reschedulePost, retryPost } from './manage-post.ts';
import type { PostWithDeliveries } from './ports.ts';
import {
  checkDraft,
  type DraftProblem,
  type ProposalDraft,
  type ProposeOutcome,
  propose,
} from './propose.ts';
import { DEFAULT_PUBLISHING_POLICY, type PublishingPolicy, publishDue } from './publishing.ts';
import { describeQueue } from './queue.ts';
import { type ReactionEvent, review } from './review.ts';
import { toReviewAction } from './review-action.ts';
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
}

/** Which post a reaction is on: by its card, or by number (the shell). */
export type PostLocator = { readonly cardRef: string } | { readonly number: number };

/** A reaction as chats report it, before it is known to mean anything. */
export interface IncomingReaction {
  readonly teamId: string;
  readonly actor: Actor;
  readonly post: PostLocator;
  readonly emoji: string;
  readonly added: boolean;
}

/** A message written in a post's thread. */
export interface IncomingThreadReply {
  readonly teamId: string;
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
  /** publishes what is due at `now`; returns when the next delivery is due */
  tick(now: Date): Promise<Date | undefined>;
  /** sends every team's digest that is due at the clock's now and not sent yet; returns those teams */
  sendDueDigests(): Promise<string[]>;
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
  return withPost(ctx, team, command, rest, async (entry) =>
    mayChange(team, context.actor, entry)
      ? then(entry)
      : { text: ctx.msg(team, 'command.not_allowed', { number: entry.post.number }) },
  );
}

/** The text after the post number: `/edit 12 New text` → `New text`, line breaks kept. */
function afterFirstWord(rest: string): string {
  return rest.replace(/^\S+\s*/, '');
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  propose: async (ctx, team, context, rest) => {
    const args = parseProposeArgs(rest);
    if (!args.ok) {
      return {
        text:
          args.error.code === 'option_after_text'
            ? ctx.msg(team, 'propose.option_after_text', { option: quoted(args.error.option) })
            : ctx.msg(team, 'propose.bad_option', { option: quoted(args.error.option) }),
      };
    }
    return propose(ctx, team, context.actor, args.value, context.eventId);
  },
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

/** Builds the desk over its ports. */
export function createDesk(deps: DeskDeps, policy: PublishingPolicy = DEFAULT_PUBLISHING_POLICY): Desk {
  const ctx = new DeskContext(deps);

  async function command(context: CommandContext, line: string): Promise<CommandReply> {
    const team = ctx.team(context.teamId);
    if (!team) throw new Error(`unknown team ${context.teamId}`);
    // The boundary of every typed command (shell, Slack slash commands, the
    // edit form): a control character never reaches the store or the time reader.
    const clean = checkText(line);
    if (!clean.ok) return { text: describeTextProblem(team.language, clean.error) };
    const parsed = parseCommand(line);
    if (!parsed) return { text: ctx.msg(team, 'command.not_a_command') };
    const handler = Object.hasOwn(HANDLERS, parsed.name) ? HANDLERS[parsed.name] : undefined;
    if (!handler) return { text: ctx.msg(team, 'command.unknown', { name: quoted(parsed.name) }) };
    try {
      return await handler(ctx, team, context, parsed.rest);
    } catch (error) {
      // Never a stack trace in chat: the person gets words, the log the rest.
      deps.logger.error({ err: error, teamId: team.id, command: parsed.name }, 'command failed');
      return { text: ctx.msg(team, 'command.failed') };
    }
  }

  function locate(team: Team, locator: PostLocator): Promise<PostWithDeliveries | undefined> {
    return 'number' in locator
      ? ctx.store.getPost(team.id, locator.number)
      : ctx.store.findPostByCardRef(team.id, locator.cardRef);
  }

  async function react(reaction: IncomingReaction): Promise<LocateResult> {
    const team = ctx.team(reaction.teamId);
    if (!team) throw new Error(`unknown team ${reaction.teamId}`);
    const entry = await locate(team, reaction.post);
    if (!entry) return 'no_such_post';
    const action = toReviewAction(reaction.emoji);
    if (!action) return 'not_a_review';
    const event: ReactionEvent = { actor: reaction.actor, action, added: reaction.added };
    await review(ctx, team, entry, event);
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
    await ctx.audit(entry.post, reply.actor, 'commented', { text: reply.text });
    return 'applied';
  }

  function teamOrThrow(teamId: string): Team {
    const team = ctx.team(teamId);
    if (!team) throw new Error(`unknown team ${teamId}`);
    return team;
  }

  return {
    command,
    checkDraft: (teamId, draft) => checkDraft(ctx, teamOrThrow(teamId), draft).problems,
    proposeDraft: (context, draft) =>
      propose(ctx, teamOrThrow(context.teamId), context.actor, draft, context.eventId),
    team: (teamId) => ctx.team(teamId),
    targetsOf: (teamId) => ctx.targetsOf(teamOrThrow(teamId)),
    post: (teamId, number) => ctx.store.getPost(teamId, number),
    react,
    threadReply,
    tick: (now) => publishDue(ctx, now, policy),
    sendDueDigests: () => sendDueDigests(ctx, deps.teams),
    teams: deps.teams,
  };
}
