import type { Actor } from './actor.ts';

/** The states of a post (SPEC §3). */
export const POST_STATES = [
  'pending',
  'changes_requested',
  'approved',
  'scheduled',
  'publishing',
  'published',
  'partially_failed',
  'failed',
  'rejected',
  'cancelled',
] as const;

/** Where a post stands in the workflow. */
export type PostState = (typeof POST_STATES)[number];

/** States in which a post still waits for a decision. */
export const UNDECIDED_STATES = ['pending', 'changes_requested'] as const satisfies readonly PostState[];

/** States after which nothing more happens to a post unless someone retries. */
export const FINAL_STATES = [
  'published',
  'partially_failed',
  'failed',
  'rejected',
  'cancelled',
] as const satisfies readonly PostState[];

/** An image attached to a post; alt text is mandatory (accessibility duty). */
export interface PostImage {
  readonly url: string;
  readonly alt: string;
}

/** A proposal and everything decided about it. */
export interface Post {
  /** database id, never shown to people */
  readonly id: string;
  readonly teamId: string;
  /** the short per-team number people use (#12) */
  readonly number: number;
  readonly author: Actor;
  readonly text: string;
  readonly images: readonly PostImage[];
  readonly urgent: boolean;
  /** the time asked for, or undefined for "as soon as approved" */
  readonly requestedAt: Date | undefined;
  readonly state: PostState;
  /** approvals needed: the largest of the team's and its targets' requirements */
  readonly approvalsRequired: number;
  /** bumped by every edit; approvals count only for the current version */
  readonly version: number;
  /** the chat message of the proposal card, once posted */
  readonly cardRef: string | undefined;
  /** a link people can open to reach the card, where the chat has one */
  readonly cardLink: string | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Whether the post still waits for approvals or a decision. */
export function isUndecided(state: PostState): boolean {
  return (UNDECIDED_STATES as readonly PostState[]).includes(state);
}

/** Whether nothing more happens to the post on its own. */
export function isFinal(state: PostState): boolean {
  return (FINAL_STATES as readonly PostState[]).includes(state);
}
