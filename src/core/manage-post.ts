import { type Actor, isListed } from './actor.ts';
import type { CommandReply } from './command-reply.ts';
import type { DeskContext } from './desk-context.ts';
import { formatLocalTime } from './local-time-format.ts';
import { describePlans, dueTimes, earliest, planPost } from './planning.ts';
import type { PostWithDeliveries } from './ports.ts';
import type { PostState } from './post.ts';
import { validateContent } from './propose.ts';
import { readTeamTime } from './read-team-time.ts';
import type { Team } from './team.ts';

/** States in which a post can still be cancelled, edited or moved: nothing has gone out. */
const CHANGEABLE: readonly PostState[] = ['pending', 'changes_requested', 'approved', 'scheduled'];

/**
 * The author and the team's approvers may change a post; anyone may read it.
 * The desk checks this before calling the functions of this file.
 */
export function mayChange(team: Team, actor: Actor, entry: PostWithDeliveries): boolean {
  return actor.id === entry.post.author.id || isListed(team.approvers, actor);
}

/** Says the post has moved on, naming the state it is in now (read afresh: a race just changed it). */
async function tooLate(ctx: DeskContext, team: Team, entry: PostWithDeliveries): Promise<CommandReply> {
  const { post } = (await ctx.store.getPostById(entry.post.id)) ?? entry;
  return {
    text: ctx.msg(team, 'command.too_late', {
      number: post.number,
      status: ctx.msg(team, `state.${post.state}`),
    }),
  };
}

/** `/cancel ID`: the post will never be published. */
export async function cancelPost(
  ctx: DeskContext,
  team: Team,
  actor: Actor,
  entry: PostWithDeliveries,
): Promise<CommandReply> {
  const { post } = entry;
  const closed = await ctx.store.closePost(post.id, CHANGEABLE, 'cancelled', ctx.now());
  if (!closed) return tooLate(ctx, team, entry);
  await ctx.audit(post, actor, 'cancelled', { from: post.state });
  await ctx.say(post, { text: ctx.msg(team, 'cancel.thread', { name: actor.name }) });
  await ctx.refreshCard(post);
  return { text: ctx.msg(team, 'cancel.reply', { number: post.number }) };
}

/**
 * `/edit ID TEXT`: new text, checked like a proposal against every target;
 * approvals of the earlier version stop counting and the thread says so.
 */
export async function editPost(
  ctx: DeskContext,
  team: Team,
  actor: Actor,
  entry: PostWithDeliveries,
  text: string,
): Promise<CommandReply> {
  const { post } = entry;
  if (text.trim() === '') return { text: ctx.msg(team, 'edit.usage') };
  const problems = validateContent(
    ctx,
    team,
    entry.deliveries.map((d) => d.targetId),
    text,
    post.images,
  );
  if (problems.length > 0) return { text: problems.join('\n') };
  const edited = await ctx.store.editPost(post.id, CHANGEABLE, { text, images: post.images }, ctx.now());
  if (!edited) return tooLate(ctx, team, entry);
  await ctx.audit(post, actor, 'edited', { before: post.text, after: text, version: edited.version });
  await ctx.say(post, {
    text: ctx.msg(team, 'edit.thread', { name: actor.name, before: post.text, after: text }),
  });
  await ctx.refreshCard(post);
  return { text: ctx.msg(team, 'edit.reply', { number: post.number }) };
}

/** `/reschedule ID WHEN`: a new time; scheduled deliveries move with it, slots and quiet hours applied. */
export async function reschedulePost(
  ctx: DeskContext,
  team: Team,
  actor: Actor,
  entry: PostWithDeliveries,
  when: string,
): Promise<CommandReply> {
  const { post } = entry;
  if (when.trim() === '') return { text: ctx.msg(team, 'reschedule.usage') };
  const read = readTeamTime(ctx, team, when);
  if (!read.ok) return { text: read.error };
  const requestedAt = read.value.at;
  const targets = entry.deliveries.filter((d) => d.state === 'scheduled').map((d) => d.targetId);
  const now = ctx.now();
  const plans = await planPost(ctx, team, post, requestedAt, targets, now);
  const moved = await ctx.store.reschedulePost(post.id, CHANGEABLE, requestedAt, dueTimes(plans), now);
  if (!moved) return tooLate(ctx, team, entry);
  const shown = formatLocalTime(requestedAt, team.timeZone, team.language);
  await ctx.audit(post, actor, 'rescheduled', {
    before: post.requestedAt?.toISOString() ?? null,
    after: requestedAt.toISOString(),
  });
  const lines = [ctx.msg(team, 'reschedule.thread', { name: actor.name, when: shown }), ...read.value.notes];
  if (plans.size > 0) lines.push(...describePlans(ctx, team, plans, now));
  await ctx.say(post, { text: lines.join('\n') });
  await ctx.refreshCard(post);
  const first = earliest(plans);
  if (first) ctx.wake(first);
  return { text: ctx.msg(team, 'reschedule.reply', { number: post.number, when: shown }) };
}

/** `/retry ID`: failed and unknown deliveries go again now, with a fresh attempt budget. */
export async function retryPost(
  ctx: DeskContext,
  team: Team,
  actor: Actor,
  entry: PostWithDeliveries,
): Promise<CommandReply> {
  const { post } = entry;
  const now = ctx.now();
  const count = await ctx.store.retryDeliveries(post.id, now);
  if (count === 0) return { text: ctx.msg(team, 'retry.none', { number: post.number }) };
  await ctx.audit(post, actor, 'retried', { deliveries: count });
  await ctx.say(post, { text: ctx.msg(team, 'retry.thread', { name: actor.name }) });
  // The card and the overview stop offering a retry that is under way.
  await ctx.refreshCard(post);
  ctx.wake(now);
  return { text: ctx.msg(team, 'retry.reply', { number: post.number, count }) };
}
