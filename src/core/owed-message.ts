import type { NewAuditEvent } from './audit-event.ts';
import type { OutMessage, PostedCard } from './ports.ts';

/**
 * What an owed message is:
 * - `card`: a post's proposal card, drawn from the post when sent; once per post, ever.
 * - `card_update`: the card redrawn in place from the post as it is when
 *   sent, so waiting updates coalesce into one.
 * - `thread`: a line in the post's thread (in the channel, numbered, when
 *   the post has no card).
 * - `channel`: a line in the team channel.
 * - `digest`: the day's digest in the team channel; once per team and day.
 * - `private`: the answer to a command, for one person only.
 * - `overview`: the team's overview drawn for one person who opened it
 *   (`recipient`), with every team that person follows.
 * - `overview_update`: every follower's overview redrawn after a change in
 *   the team; drawn when sent, so waiting updates coalesce into one.
 */
export type OwedKind =
  | 'card'
  | 'card_update'
  | 'thread'
  | 'channel'
  | 'digest'
  | 'private'
  | 'overview'
  | 'overview_update';

/** A message a decision owes, written with the decision in its transaction. */
export interface NewOwedMessage {
  readonly teamId: string;
  readonly kind: OwedKind;
  /** the post it is about: its messages go out in order, one at a time */
  readonly postId?: string;
  /** the words, for every kind but the cards (drawn when sent) */
  readonly message?: OutMessage;
  /** `private` and `overview` only: the chat's address of the person (the adapter's `replyTo`, or its user id) */
  readonly recipient?: string;
  /** `digest` only: the team's local day, YYYY-MM-DD */
  readonly day?: string;
  /** when it became owed */
  readonly at: Date;
}

/** An owed message claimed by this dispatcher for one attempt. */
export interface ClaimedOwedMessage {
  /** the outbox row id: the message's identity in the chat (written in the message's metadata or as its nonce, as the platform allows) */
  readonly id: string;
  readonly teamId: string;
  readonly kind: OwedKind;
  readonly postId: string | undefined;
  readonly message: OutMessage | undefined;
  readonly recipient: string | undefined;
  readonly day: string | undefined;
  /** attempts including this one */
  readonly attempts: number;
  /** an earlier attempt may have reached the chat: look before writing */
  readonly uncertain: boolean;
  readonly createdAt: Date;
  /** the proof of this claim; completing needs it */
  readonly claimToken: string;
  /**
   * The post's card and number as they were at the claim, for a thread
   * line (read with the claim, so a line costs no more reads); undefined
   * when the post has no card yet, or the message is about no post.
   */
  readonly post?: { readonly number: number; readonly cardRef: string | undefined };
}

/**
 * How an attempt to send an owed message ended:
 * - `sent`: the chat has it; for a card, where it is; `audit` is appended
 *   in the same transaction (the digest's `digest_sent`).
 * - `retry`: try again at `at`; `uncertain` when it may have been written;
 *   `holdChatUntil` pushes back every message of the team in the same lane
 *   (a 429): private answers, or the channel's cards, lines and digests.
 * - `failed`: the chat will never take it (logged, shown in /status).
 * - `skipped`: nothing to send any more (a card update for a post whose card never went out).
 */
export type OwedCompletion =
  | {
      readonly kind: 'sent';
      readonly card?: PostedCard;
      readonly audit?: NewAuditEvent;
    }
  | {
      readonly kind: 'retry';
      readonly at: Date;
      readonly error: string;
      readonly uncertain: boolean;
      readonly holdChatUntil?: Date;
    }
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'skipped' };
