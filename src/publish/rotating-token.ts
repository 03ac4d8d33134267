import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../core/ports.ts';
import { parseJson } from './answer-text.ts';
import type { TargetSecrets } from './network-definition.ts';
import { describeRequestError, type RequestFailure } from './request-error.ts';

// An OAuth refresh-token pair that the network rotates (X spends the refresh
// token on every refresh; TikTok may answer a new one and says to keep the
// latest). The refresh token the admin obtained once is only a seed: the live
// pair exists only in the target's secrets (sealed in the database), which
// every process and every restart reads, so none ever sends a spent one. Each
// network's token-session.ts says how its token endpoint is called and read.

/** What the target's secrets hold: the live pair, and which seed it descends from. */
const storedTokens = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  /** when the access token runs out, ISO 8601 */
  expiresAt: z.iso.datetime(),
  /** when the refresh token runs out, ISO 8601; absent when the network did not say (X never does) */
  refreshExpiresAt: z.iso.datetime().optional(),
  /** SHA-256 (hex) of the environment's refresh token this pair descends from */
  seed: z.string().regex(/^[0-9a-f]{64}$/),
  /** fingerprints of the seeds it replaced: a process still configured with one of them follows the stored pair */
  formerSeeds: z.array(z.string()).default([]),
});

/** The stored tokens, as kept in TargetSecrets (JSON). */
export type StoredTokens = z.infer<typeof storedTokens>;

/**
 * How long a refresh may take. It does not end with the publication's
 * attempt: a refresh cut off after the network spent the old token would
 * lose the new one for good, so its answer is always awaited (up to this)
 * and stored.
 */
const REFRESH_TIMEOUT_MS = 30_000;
/** Former seeds remembered: enough for replicas of a few rolling deployments. */
const MAX_FORMER_SEEDS = 10;

/** SHA-256 of a refresh token, hex: how the stored pair names its seed without keeping it. */
export function seedFingerprint(refreshToken: string): string {
  return createHash('sha256').update(refreshToken, 'utf8').digest('hex');
}

/** What a token endpoint's success grants, lifetimes in seconds as the network wrote them. */
export interface TokenGrant {
  readonly accessToken: string;
  /** the new refresh token; undefined when the answer left it out (the one sent still holds) */
  readonly refreshToken: string | undefined;
  /** the access token's life; undefined when the answer did not say */
  readonly expiresInS: number | undefined;
  /** the refresh token's life; undefined when the answer did not say */
  readonly refreshExpiresInS: number | undefined;
}

/** How a network reads its token endpoint's answer. */
export type GrantReading =
  | { readonly kind: 'granted'; readonly grant: TokenGrant }
  /** the endpoint refused (a dead grant, a bad client, 429, 5xx) */
  | { readonly kind: 'refused' }
  /** it answered success without an access token; `detail` says so for the log */
  | { readonly kind: 'malformed'; readonly detail: string };

/** Why no access token could be had; `A` is the network's answer. */
export type TokenFailure<A> =
  /** the token endpoint refused; `refreshExpiresAt` is the stored pair's refresh-token expiry, when known */
  | { readonly kind: 'answer'; readonly answer: A; readonly refreshExpiresAt: string | undefined }
  /** the token endpoint did not answer */
  | { readonly kind: 'no_answer'; readonly failure: RequestFailure }
  /** it answered success with a body Araldo cannot read */
  | { readonly kind: 'malformed'; readonly detail: string }
  /** the attempt's time ran out while waiting (the refresh itself goes on and is stored) */
  | { readonly kind: 'aborted' };

/** An access token and what is known of the refresh token's expiry, or why there is none. */
export type TokenResult<A> =
  | {
      readonly ok: true;
      readonly accessToken: string;
      readonly refreshed: boolean;
      /** when the refresh token runs out, ISO 8601; undefined when the network did not say */
      readonly refreshExpiresAt: string | undefined;
    }
  | { readonly ok: false; readonly failure: TokenFailure<A> };

/** What a rotating token needs: the network's token endpoint, its lifetimes, and the target's secrets. */
export interface RotatingTokenOptions<A> {
  /** the network's name at the head of log lines: `x` */
  readonly network: string;
  /** the refresh token in the environment: the seed */
  readonly seed: string;
  readonly secrets: TargetSecrets;
  readonly now: () => Date;
  readonly logger: Logger;
  /** refresh when the access token has less than this left, ms */
  readonly refreshAheadMs: number;
  /** the access token's life when the token endpoint does not say, seconds */
  readonly defaultExpiresInS: number;
  /** sends the refresh to the token endpoint; rejects with fetch's error when no answer comes */
  readonly refresh: (refreshToken: string, signal: AbortSignal) => Promise<A>;
  /** reads the token endpoint's answer. Pure. */
  readonly readGrant: (answer: A) => GrantReading;
  /**
   * Whether a refusal says the refresh token is spent, revoked or unknown;
   * then the stored pair is read again before the refusal is believed.
   * Absent: every refusal is believed.
   */
  readonly isDeadGrant?: (answer: A) => boolean;
}

/** What a network's token session takes from its target and the wiring, besides its token endpoint. */
export type RotatingTokenBasis = Pick<RotatingTokenOptions<unknown>, 'seed' | 'secrets' | 'now' | 'logger'>;

/** Resolves with `work`, or with undefined once `signal` aborts; `work` goes on either way. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function fromStored<A>(tokens: StoredTokens, refreshed: boolean): TokenResult<A> {
  return { ok: true, accessToken: tokens.accessToken, refreshed, refreshExpiresAt: tokens.refreshExpiresAt };
}

/**
 * One account's tokens, shared by every process through the target's
 * secrets: an access token is used while it has more than `refreshAheadMs`
 * left; otherwise, holding the secrets' lease, the stored pair is read
 * again (another process may have refreshed meanwhile) and, if still due,
 * refreshed with the stored refresh token (or the environment's, when the
 * admin put a new one there), and the new pair stored with the version read.
 */
export class RotatingToken<A> {
  readonly #options: RotatingTokenOptions<A>;
  readonly #seed: string;

  constructor(options: RotatingTokenOptions<A>) {
    this.#options = options;
    this.#seed = seedFingerprint(options.seed);
  }

  /**
   * A usable access token. `rejected`: a token the network just refused,
   * which is not handed out again even if the stored pair still calls it fresh.
   */
  async accessToken(signal: AbortSignal, rejected?: string): Promise<TokenResult<A>> {
    const stored = await this.#read();
    const fresh = this.#usable(stored?.tokens, rejected);
    if (fresh !== undefined) return fromStored(fresh, false);
    const result = await unlessAborted(this.#refresh(rejected), signal);
    return result ?? { ok: false, failure: { kind: 'aborted' } };
  }

  /** The stored pair and its version; undefined tokens when they cannot be read. */
  async #read(): Promise<{ tokens: StoredTokens | undefined; version: number } | undefined> {
    const stored = await this.#options.secrets.read();
    if (stored === undefined) return undefined;
    const parsed = storedTokens.safeParse(parseJson(stored.value));
    if (!parsed.success) {
      this.#options.logger.warn(
        { version: stored.version },
        `${this.#options.network}: the stored tokens are unreadable; refreshing from the seed`,
      );
      return { tokens: undefined, version: stored.version };
    }
    return { tokens: parsed.data, version: stored.version };
  }

  /** Whether the stored pair descends from this process's seed, or from a newer one that replaced it. */
  #follows(tokens: StoredTokens | undefined): tokens is StoredTokens {
    return tokens !== undefined && (tokens.seed === this.#seed || tokens.formerSeeds.includes(this.#seed));
  }

  #usable(tokens: StoredTokens | undefined, rejected: string | undefined): StoredTokens | undefined {
    if (!this.#follows(tokens) || tokens.accessToken === rejected) return undefined;
    const left = Date.parse(tokens.expiresAt) - this.#options.now().getTime();
    return left > this.#options.refreshAheadMs ? tokens : undefined;
  }

  #refresh(rejected: string | undefined): Promise<TokenResult<A>> {
    const { network, logger } = this.#options;
    return this.#options.secrets.exclusively(async () => {
      const current = await this.#read();
      // Another process may have refreshed while this one waited for the lease.
      const fresh = this.#usable(current?.tokens, rejected);
      if (fresh !== undefined) return fromStored(fresh, false);

      const stale = current?.tokens;
      const previous = this.#follows(stale) ? stale : undefined;
      // A new seed in the environment (the admin authorized again) wins over the stored pair.
      const refreshToken = previous?.refreshToken ?? this.#options.seed;
      let answer: A;
      try {
        answer = await this.#options.refresh(refreshToken, AbortSignal.timeout(REFRESH_TIMEOUT_MS));
      } catch (error) {
        const failure = describeRequestError(error);
        logger.warn({ code: failure.code, err: error }, `${network}: the token refresh got no answer`);
        return { ok: false, failure: { kind: 'no_answer', failure } };
      }
      const reading = this.#options.readGrant(answer);
      if (reading.kind === 'refused') {
        // A lease that was waited out (its holder too slow) lets two processes
        // spend the same token: the loser's refusal is no revocation when the
        // winner has stored a live pair meanwhile.
        if (this.#options.isDeadGrant?.(answer) === true) {
          const after = await this.#read();
          const theirs = this.#usable(after?.tokens, rejected);
          if (theirs !== undefined && theirs.refreshToken !== refreshToken) {
            logger.warn({}, `${network}: another process refreshed meanwhile; using its tokens`);
            return fromStored(theirs, false);
          }
        }
        return {
          ok: false,
          failure: { kind: 'answer', answer, refreshExpiresAt: previous?.refreshExpiresAt },
        };
      }
      if (reading.kind === 'malformed') {
        return { ok: false, failure: { kind: 'malformed', detail: reading.detail } };
      }
      const { grant } = reading;
      const now = this.#options.now().getTime();
      const refreshExpiresAt =
        grant.refreshExpiresInS === undefined
          ? previous?.refreshExpiresAt
          : new Date(now + grant.refreshExpiresInS * 1000).toISOString();
      const tokens: StoredTokens = {
        accessToken: grant.accessToken,
        // Should an answer leave the refresh token out, the one sent still holds.
        refreshToken: grant.refreshToken ?? refreshToken,
        expiresAt: new Date(now + (grant.expiresInS ?? this.#options.defaultExpiresInS) * 1000).toISOString(),
        ...(refreshExpiresAt === undefined ? {} : { refreshExpiresAt }),
        seed: previous ? previous.seed : this.#seed,
        formerSeeds: previous
          ? previous.formerSeeds
          : (stale ? [stale.seed, ...stale.formerSeeds] : [])
              .filter((former) => former !== this.#seed)
              .slice(0, MAX_FORMER_SEEDS),
      };
      await this.#store(tokens, current?.version ?? 0);
      return fromStored(tokens, true);
    });
  }

  /**
   * Writes the new pair with the version read. A write that loses means
   * another process wrote while this one held no lease (it lapsed): the pair
   * this one just received is certainly live, so it is written over the
   * newer version rather than lost.
   */
  async #store(tokens: StoredTokens, version: number): Promise<void> {
    const { network, logger, secrets } = this.#options;
    const value = JSON.stringify(tokens);
    if (await secrets.write(value, version)) return;
    logger.warn(
      { version },
      `${network}: another process stored tokens meanwhile; keeping the pair just refreshed`,
    );
    const now = await secrets.read();
    if (!(await secrets.write(value, now?.version ?? 0))) {
      logger.error({}, `${network}: the refreshed tokens could not be stored`);
    }
  }
}
