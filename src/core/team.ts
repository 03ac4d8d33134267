import type { Language } from './language.ts';
import type { PostingPolicy, Weekday } from './posting-window.ts';

/**
 * The name of the chat platform a team lives on, as configuration gives it.
 * Opaque to the core: configuration says which names exist, and the chat
 * router sends each team's messages to the chat of that name.
 */
export type ChatKind = string;

/**
 * A team: the people who propose and approve posts, the channel where they
 * meet, and the targets they publish to. Read from configuration; the core
 * never changes it.
 */
export interface Team {
  readonly id: string;
  readonly chat: ChatKind;
  /** the team channel where proposal cards are posted (platform id or name) */
  readonly channel: string;
  /**
   * the platform's workspace or server the channel belongs to (its id on
   * the platform), when one process serves several
   */
  readonly workspace?: string;
  readonly language: Language;
  /** IANA time zone every time is read and shown in, e.g. Europe/Rome */
  readonly timeZone: string;
  /** the platform's user ids (or names, in the shell) of the people whose reactions count as approvals */
  readonly approvers: readonly string[];
  /** approvals a post needs, unless a target asks for more; at least 1 */
  readonly approvalsRequired: number;
  /** ids of the targets this team may publish to */
  readonly targets: readonly string[];
  /** default posting slots and quiet hours of the team's targets */
  readonly posting: PostingPolicy;
  /** when the daily digest goes to the channel: local 'HH:MM' on these days */
  readonly digest: { readonly time: string; readonly days: readonly Weekday[] };
}
