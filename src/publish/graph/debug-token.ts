import type { CredentialCheck } from '../../core/ports.ts';
import { describeRequestError } from '../request-error.ts';
import { type GraphClient, objectOf } from './graph-client.ts';
import { isExpiry, readGraphError } from './graph-error.ts';

/**
 * Unix seconds as a Date; undefined for 0 (Graph's "never") or anything
 * that is not a positive number. Pure.
 */
function instantOf(seconds: unknown): Date | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
    ? new Date(seconds * 1000)
    : undefined;
}

/**
 * Reads a /debug_token answer (developers.facebook.com/docs/facebook-login/guides/access-tokens/debugging):
 * `data.is_valid`, `data.expires_at` (0: never) and
 * `data.data_access_expires_at` (when the app's access to the person's data
 * lapses, after which the token no longer works either), `data.error`
 * when invalid. A valid token expires at the earlier of the two non-zero
 * instants; an invalid one is `expired` when its error is Graph's expiry
 * (subcode 463) or one of those instants has passed, else `revoked`. A
 * Graph error in place of data (the token cannot even debug itself) is read
 * the same way. Pure.
 */
export function fromDebugToken(status: number, json: unknown, now: Date): CredentialCheck {
  const data = objectOf(objectOf(json)?.data);
  if (data === undefined) {
    const error = readGraphError(json);
    if (error?.code === 190 || error?.code === 102) {
      const detail = `debug_token answered HTTP ${status} code ${error.code}${error.subcode === undefined ? '' : `/${error.subcode}`}: ${error.message ?? ''}`;
      return isExpiry(error.subcode, error.message)
        ? { kind: 'expired', detail }
        : { kind: 'revoked', detail };
    }
    return {
      kind: 'unknown',
      detail: `debug_token answered HTTP ${status}${error?.message === undefined ? ' without token data' : `: ${error.message}`}`,
    };
  }
  const ends = [instantOf(data.expires_at), instantOf(data.data_access_expires_at)].filter(
    (at): at is Date => at !== undefined,
  );
  const earliest = ends.length === 0 ? undefined : new Date(Math.min(...ends.map((at) => at.getTime())));
  const passed = earliest !== undefined && earliest.getTime() <= now.getTime();
  if (data.is_valid === true && !passed) {
    return {
      kind: 'valid',
      expiresAt: earliest,
      detail:
        earliest === undefined
          ? 'the token does not expire'
          : `the token expires at ${earliest.toISOString()}`,
    };
  }
  const error = readGraphError({ error: data.error });
  const said = error?.message === undefined ? '' : `: ${error.message}`;
  if (passed || isExpiry(error?.subcode, error?.message)) {
    return { kind: 'expired', detail: `debug_token: the token has expired${said}` };
  }
  return { kind: 'revoked', detail: `debug_token: the token is no longer valid${said}` };
}

/**
 * Asks Graph what it knows of the client's own token: GET
 * /debug_token?input_token=<token>, with the same token as the caller (a
 * Page token may debug itself). Never throws: a call that gets no answer
 * is `unknown`.
 */
export async function checkGraphToken(
  client: GraphClient,
  token: string,
  now: Date,
  signal: AbortSignal,
): Promise<CredentialCheck> {
  try {
    const answer = await client.get('debug_token', { input_token: token }, signal);
    return fromDebugToken(answer.status, answer.json, now);
  } catch (error) {
    return { kind: 'unknown', detail: `debug_token got no answer (${describeRequestError(error).code})` };
  }
}
