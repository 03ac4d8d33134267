import type { PublishOutcome, RejectionCode } from '../core/publish-outcome.ts';

/**
 * A permanent failure: its code, `detail` for the log, and `networkReason`,
 * the words the team reads inside the code's own, left out when undefined. Pure.
 */
export function rejected(
  code: RejectionCode,
  detail: string,
  networkReason: string | undefined,
): Extract<PublishOutcome, { kind: 'rejected' }> {
  return { kind: 'rejected', code, detail, ...(networkReason === undefined ? {} : { networkReason }) };
}
