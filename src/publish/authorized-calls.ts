import type { PublishOutcome } from '../core/publish-outcome.ts';
import type { Attempted } from './attempted.ts';
import type { RotatingToken, TokenFailure } from './rotating-token.ts';

/** How a publication's calls are told refused, and end when they get no answer or no token. */
export interface CallRules<A, W> {
  /** whether an answer refuses the access token (X: HTTP 401; TikTok: access_token_invalid) */
  readonly isTokenRefused: (answer: A) => boolean;
  /** the outcome when no access token could be had for the call at `where` */
  readonly tokenFailure: (where: W, failure: TokenFailure<A>) => PublishOutcome;
  /** the outcome of the call at `where` that got no answer (`error`: fetch's) */
  readonly noAnswer: (where: W, error: unknown) => PublishOutcome;
}

/**
 * The access token of one publication, from the target's rotating token:
 * fetched once, and on a refusal of it refreshed once (the refused token is
 * never handed out again) and the call repeated; a second refusal is the
 * call's answer. Counts the requests sent, refused ones included. A call
 * that gets no answer ends as `rules.noAnswer` says; the secrets failing
 * (the database down) throws, as an outage does. `W` says where a call is
 * (its step, its image) for the outcomes.
 */
export class AuthorizedCalls<A, W> {
  readonly #session: RotatingToken<A>;
  readonly #signal: AbortSignal;
  readonly #rules: CallRules<A, W>;
  #token: string | undefined;
  #refreshedAfterRefusal = false;
  /** requests sent this attempt (token refreshes not counted) */
  requests = 0;

  constructor(session: RotatingToken<A>, signal: AbortSignal, rules: CallRules<A, W>) {
    this.#session = session;
    this.#signal = signal;
    this.#rules = rules;
  }

  async run(where: W, call: (token: string) => Promise<A>): Promise<Attempted<A>> {
    if (this.#token === undefined) {
      const token = await this.#session.accessToken(this.#signal);
      if (!token.ok) return { ok: false, outcome: this.#rules.tokenFailure(where, token.failure) };
      this.#token = token.accessToken;
    }
    const answer = await this.#attempt(where, call, this.#token);
    // One refresh per publication: a second refusal is the outcome.
    if (!answer.ok || !this.#rules.isTokenRefused(answer.value) || this.#refreshedAfterRefusal) return answer;
    this.#refreshedAfterRefusal = true;
    const token = await this.#session.accessToken(this.#signal, this.#token);
    if (!token.ok) return { ok: false, outcome: this.#rules.tokenFailure(where, token.failure) };
    this.#token = token.accessToken;
    return this.#attempt(where, call, this.#token);
  }

  async #attempt(where: W, call: (token: string) => Promise<A>, token: string): Promise<Attempted<A>> {
    this.requests += 1;
    try {
      return { ok: true, value: await call(token) };
    } catch (error) {
      return { ok: false, outcome: this.#rules.noAnswer(where, error) };
    }
  }
}
