import type { Actor } from './actor.ts';
import type { ProposeArgs } from './command-grammar.ts';
import type { DeskContext } from './desk-context.ts';
import { quoted } from './excerpt.ts';
import { formatLocalTime } from './local-time-format.ts';
import { checkContent } from './network-rules.ts';
import { readTeamTime } from './read-team-time.ts';
import type { Team } from './team.ts';
import { checkText, describeTextProblem } from './text-check.ts';

/** A proposal as typed or filled in a form, before validation. */
export type ProposalDraft = ProposeArgs;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Problems of a text with its images for each target, counted each
 * network's way, in the team's language; empty when publishable everywhere.
 * A text with a control character is refused before anything is counted.
 */
export function validateContent(
  ctx: DeskContext,
  team: Team,
  targetIds: readonly string[],
  text: string,
  images: readonly { readonly url: string; readonly alt: string }[],
): string[] {
  const clean = checkText(text);
  if (!clean.ok) return [describeTextProblem(team.language, clean.error)];
  const problems: string[] = [];
  for (const id of targetIds) {
    const target = ctx.target(id);
    if (!target) continue;
    const name = `${target.displayName} (${target.id})`;
    for (const problem of checkContent(ctx.rulesOf(target), text, images)) {
      switch (problem.code) {
        case 'over_limit':
          problems.push(
            ctx.msg(team, 'propose.over_limit', {
              target: name,
              used: problem.used,
              limit: problem.limit,
              over: problem.over,
              unit: ctx.msg(team, `unit.${problem.unit}`),
            }),
          );
          break;
        case 'image_required':
          problems.push(ctx.msg(team, 'propose.image_required', { target: name }));
          break;
        case 'too_many_images':
          problems.push(
            ctx.msg(team, 'propose.too_many_images', {
              target: name,
              max: problem.max,
              given: problem.given,
            }),
          );
          break;
        case 'too_many_hashtags':
          problems.push(
            ctx.msg(team, 'propose.too_many_hashtags', {
              target: name,
              max: problem.max,
              given: problem.given,
            }),
          );
          break;
        case 'too_many_mentions':
          problems.push(
            ctx.msg(team, 'propose.too_many_mentions', {
              target: name,
              max: problem.max,
              given: problem.given,
            }),
          );
          break;
        case 'image_format':
          problems.push(
            ctx.msg(team, 'propose.image_format', {
              target: name,
              url: problem.url,
              format: problem.format.toUpperCase(),
              accepted: problem.accepted.map((format) => format.toUpperCase()).join(', '),
            }),
          );
          break;
      }
    }
  }
  return problems;
}

/** Which part of a proposal a problem is about, so forms can show it by the right field. */
export type DraftField = 'text' | 'targets' | 'images' | 'at';

/** One reason a proposal cannot be stored, in the team's language. */
export interface DraftProblem {
  readonly field: DraftField;
  readonly message: string;
}

/** A draft that passed every check, ready to store. */
export interface CheckedDraft {
  readonly targetIds: readonly string[];
  readonly requestedAt: Date | undefined;
  /** remarks for the proposer, e.g. how a daylight-saving time was resolved */
  readonly notes: readonly string[];
}

/**
 * Checks a proposal without storing anything: text, targets, images and
 * alt text, each target's limits counted its way, and the time. Every
 * problem is reported at once. Each text field is checked for control
 * characters first (forms reach here without the desk's line check), so
 * nothing a person typed can break the store; a field that fails that
 * check is not read any further.
 */
export function checkDraft(
  ctx: DeskContext,
  team: Team,
  draft: ProposalDraft,
): { readonly problems: readonly DraftProblem[]; readonly checked: CheckedDraft } {
  const problems: DraftProblem[] = [];
  const problem = (field: DraftField) => (message: string) => problems.push({ field, message });
  const notes: string[] = [];
  const allowed = ctx.targetsOf(team);
  const valid = allowed.map((target) => target.id).join(', ');
  const isClean = (field: DraftField, value: string): boolean => {
    const checked = checkText(value);
    if (!checked.ok) problem(field)(describeTextProblem(team.language, checked.error));
    return checked.ok;
  };
  const textIsClean = isClean('text', draft.text);
  if (textIsClean && draft.text.trim() === '') problem('text')(ctx.msg(team, 'propose.empty'));

  let targetIds: string[] = [];
  if (draft.targets === undefined) {
    // One target needs no naming; with several, publishing everywhere by
    // default would be a surprise nobody can take back.
    if (allowed.length === 1 && allowed[0]) targetIds = [allowed[0].id];
    else problem('targets')(ctx.msg(team, 'propose.no_target', { valid }));
  } else {
    const unknown = draft.targets.filter((id) => !allowed.some((target) => target.id === id));
    if (unknown.length > 0)
      problem('targets')(
        ctx.msg(team, 'propose.unknown_target', { given: quoted(unknown.join(', ')), valid }),
      );
    targetIds = draft.targets.filter((id) => allowed.some((target) => target.id === id));
  }

  for (const image of draft.images) {
    if (!isClean('images', image.url) || !isClean('images', image.alt)) continue;
    const url = quoted(image.url);
    if (!isHttpUrl(image.url)) problem('images')(ctx.msg(team, 'propose.image_bad_url', { url }));
    else if (image.alt.trim() === '') problem('images')(ctx.msg(team, 'propose.image_without_alt', { url }));
  }

  if (textIsClean && draft.text.trim() !== '') {
    for (const message of validateContent(ctx, team, targetIds, draft.text, draft.images))
      problem('text')(message);
  }

  let requestedAt: Date | undefined;
  if (draft.at !== undefined && isClean('at', draft.at)) {
    const read = readTeamTime(ctx, team, draft.at);
    if (read.ok) {
      requestedAt = read.value.at;
      notes.push(...read.value.notes);
    } else {
      problem('at')(read.error);
    }
  }
  return { problems, checked: { targetIds, requestedAt, notes } };
}

/** What became of a proposal: stored (with its number), or refused with every problem. */
export type ProposeOutcome =
  | { readonly ok: true; readonly number: number; readonly text: string }
  | { readonly ok: false; readonly problems: readonly DraftProblem[]; readonly text: string };

/** A proposal that passed every check, ready to be stored with others. */
export interface CheckedProposal {
  readonly team: Team;
  readonly author: Actor;
  readonly draft: ProposalDraft;
  /** the platform event's id: a repeat returns the first post */
  readonly dedupeKey: string | undefined;
  readonly targetIds: readonly string[];
  readonly requestedAt: Date | undefined;
  readonly approvalsRequired: number;
  /** what the time reader noticed, for the answer */
  readonly notes: readonly string[];
}

/**
 * Validates a proposal before anything is stored: either every problem,
 * or the proposal ready for recordProposals. Reads nothing from the store,
 * so a burst of proposals is checked outside any transaction.
 */
export function checkProposal(
  ctx: DeskContext,
  team: Team,
  author: Actor,
  draft: ProposalDraft,
  dedupeKey: string | undefined,
):
  | { readonly ok: true; readonly proposal: CheckedProposal }
  | { readonly ok: false; readonly outcome: ProposeOutcome } {
  const { problems, checked } = checkDraft(ctx, team, draft);
  if (problems.length > 0)
    return { ok: false, outcome: { ok: false, problems, text: problems.map((p) => p.message).join('\n') } };
  const targets = checked.targetIds.flatMap((id) => ctx.target(id) ?? []);
  const approvalsRequired = draft.urgent
    ? 1
    : Math.max(team.approvalsRequired, ...targets.map((target) => target.approvalsRequired ?? 1));
  return { ok: true, proposal: { team, author, draft, dedupeKey, approvalsRequired, ...checked } };
}

/**
 * Stores checked proposals, all in the decision in progress: their posts,
 * deliveries and audit events in a few statements whatever their number,
 * and the cards they owe. A repeated `dedupeKey` (platform retry, double
 * click) returns the first post and owes nothing new. One outcome per
 * proposal, in order.
 */
export async function recordProposals(
  ctx: DeskContext,
  proposals: readonly CheckedProposal[],
): Promise<ProposeOutcome[]> {
  if (proposals.length === 0) return [];
  const now = ctx.now();
  const stored = await ctx.store.createPosts(
    proposals.map((proposal) => ({
      teamId: proposal.team.id,
      author: proposal.author,
      text: proposal.draft.text,
      images: proposal.draft.images,
      urgent: proposal.draft.urgent,
      requestedAt: proposal.requestedAt,
      approvalsRequired: proposal.approvalsRequired,
      targetIds: proposal.targetIds,
      dedupeKey: proposal.dedupeKey,
      createdAt: now,
    })),
  );
  // A retried request finds its post, whose card is already owed: one card per post, ever.
  const cards = stored.flatMap(({ post, created }) =>
    created ? [{ teamId: post.post.teamId, postId: post.post.id, kind: 'card' as const }] : [],
  );
  const changedTeams = [...new Set(cards.map((card) => card.teamId))];
  await ctx.owe([...cards, ...changedTeams.flatMap((teamId) => ctx.overviewUpdate(teamId))]);
  return proposals.map((proposal, index) => {
    const { team } = proposal;
    const { post, created } = stored[index] as (typeof stored)[number];
    const number = post.post.number;
    if (!created) return { ok: true, number, text: ctx.msg(team, 'propose.duplicate', { number }) };
    const when = proposal.requestedAt
      ? ctx.msg(team, 'schedule.at', {
          when: formatLocalTime(proposal.requestedAt, team.timeZone, team.language),
        })
      : undefined;
    const text = [ctx.msg(team, 'propose.created', { number }), when, ...proposal.notes];
    return { ok: true, number, text: text.filter(Boolean).join('\n') };
  });
}

/**
 * Creates a proposal: validates everything before storing anything, stores
 * it with its deliveries and owes its card, and answers the proposer. Run
 * inside a decision, so the post, its audit event and its card commit
 * together. A repeated `dedupeKey` (platform retry, double click) returns
 * the first post.
 */
export async function propose(
  ctx: DeskContext,
  team: Team,
  author: Actor,
  draft: ProposalDraft,
  dedupeKey: string | undefined,
): Promise<ProposeOutcome> {
  const checked = checkProposal(ctx, team, author, draft, dedupeKey);
  if (!checked.ok) return checked.outcome;
  const [outcome] = await recordProposals(ctx, [checked.proposal]);
  if (!outcome) throw new Error('recordProposals returned nothing for one proposal');
  return outcome;
}
