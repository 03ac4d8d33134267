import { z } from 'zod';
import type { CredentialCheck } from '../../core/ports.ts';
import { parseJson } from '../answer-text.ts';
import type { RequestFailure } from '../request-error.ts';
import type { LinkedinAnswer } from './linkedin-api.ts';
import { readLinkedinError } from './outcome.ts';

// Token introspection (learn.microsoft.com/linkedin/shared/authentication/
// token-introspection): POST /oauth/v2/introspectToken answers 200 with
// `active` (required), `status` (revoked | expired | active), `expires_at`
// (epoch seconds) and more; 400 for an invalid client id or token, 401 for an
// invalid client secret.
const introspection = z.looseObject({
  active: z.boolean(),
  status: z.string().optional(),
  expires_at: z.number().optional(),
});

/**
 * What an introspection answer says of the token: `valid` until
 * `expires_at` when active; when not, `revoked` or `expired` as its
 * `status` says (an inactive token with neither, and an expiry already past,
 * counts as expired; with neither and no expiry, as revoked: LinkedIn does
 * not know it). A refusal of the application's own client id or secret, an
 * unreadable body or a failing server teach nothing of the token:
 * `unknown`. Pure.
 */
export function fromIntrospection(answer: LinkedinAnswer, now: Date): CredentialCheck {
  if (answer.status !== 200) {
    const error = readLinkedinError(answer.body);
    const why =
      answer.status === 401
        ? ' (LinkedIn refuses the client secret: check clientSecret)'
        : answer.status === 400
          ? ' (LinkedIn refuses the client id or the token: check clientId)'
          : '';
    return {
      kind: 'unknown',
      detail: `introspectToken answered HTTP ${answer.status}${error.message === undefined ? '' : `: ${error.message}`}${why}`,
    };
  }
  const parsed = introspection.safeParse(parseJson(answer.body));
  if (!parsed.success) {
    return { kind: 'unknown', detail: 'introspectToken answered 200 with a body Araldo cannot read' };
  }
  const { active, status, expires_at: expiresAtSeconds } = parsed.data;
  const expiresAt = expiresAtSeconds === undefined ? undefined : new Date(expiresAtSeconds * 1000);
  if (active) {
    return {
      kind: 'valid',
      expiresAt,
      detail: `active${expiresAt === undefined ? '' : ` until ${expiresAt.toISOString()}`}`,
    };
  }
  if (status === 'revoked') return { kind: 'revoked', detail: 'LinkedIn says the token was revoked' };
  if (status === 'expired' || (expiresAt !== undefined && expiresAt.getTime() <= now.getTime())) {
    return {
      kind: 'expired',
      detail: `LinkedIn says the token expired${expiresAt === undefined ? '' : ` on ${expiresAt.toISOString()}`}`,
    };
  }
  return { kind: 'revoked', detail: 'LinkedIn says the token is not active' };
}

/** What a failed introspection request says: nothing is learnt of the token. Pure. */
export function fromIntrospectionFailure(failure: RequestFailure, aborted: boolean): CredentialCheck {
  return {
    kind: 'unknown',
    detail: aborted
      ? 'introspectToken did not answer in time'
      : `introspectToken could not be reached (${failure.code})`,
  };
}
