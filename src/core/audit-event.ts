/** What an audit event records. */
export const AUDIT_ACTIONS = [
  'proposed',
  'edited',
  'commented',
  'reacted',
  'unreacted',
  'approved',
  'approval_withdrawn',
  'approval_ignored',
  'rejected',
  'changes_requested',
  'cancelled',
  'scheduled',
  'rescheduled',
  'publish_attempt',
  'published',
  'publish_failed',
  'publish_retry',
  'publish_unknown',
  'retried',
  'digest_sent',
] as const;

/** One kind of action on record. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** An audit event before the store numbers it. */
export interface NewAuditEvent {
  readonly teamId: string;
  /** the post concerned, if any (digests concern none) */
  readonly postId: string | undefined;
  readonly at: Date;
  /** platform id of who acted, or `araldo` for the system */
  readonly actorId: string;
  readonly actorName: string;
  readonly action: AuditAction;
  /** what changed: before/after text, target, outcome, reason */
  readonly details: Readonly<Record<string, unknown>>;
}

/** An audit event as stored: append-only, numbered in order. */
export interface AuditEvent extends NewAuditEvent {
  readonly id: number;
  /** the per-team number of the post concerned, if any */
  readonly postNumber: number | undefined;
}
