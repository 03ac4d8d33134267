import { z } from 'zod';
import type { Language } from '../../core/language.ts';
import type { Logger } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { err, ok, type Result } from '../../core/result.ts';
import { type CallStep, fromErrorAnswer, fromNoAnswer, rateLimitWait, wordsFor } from './outcome.ts';
import { callXrpc, isNoAnswer, type XrpcAnswer, type XrpcCall } from './xrpc.ts';

// Sessions with an app password (docs.bsky.app, "API Hosts and Auth";
// lexicons com.atproto.server.createSession / refreshSession): createSession
// answers an access token (short-lived: minutes to hours) and a refresh
// token (weeks); a call with an expired access token answers 400
// ExpiredToken, and refreshSession (the refresh token as bearer) answers a
// new pair, the old refresh token being spent. createSession is limited to
// 30 a 5 minutes and 300 a day per account, so a publisher logs in once and
// keeps its session: never a login per post.

/** A live session: whose it is, its tokens, and where its repository is served. */
export interface BlueskySessionData {
  readonly did: string;
  /** the account's handle; `handle.invalid` when its DNS or domain check fails */
  readonly handle: string;
  readonly accessJwt: string;
  readonly refreshJwt: string;
  /** the base URL of the account's PDS, from its DID document; the login service when none */
  readonly pds: string;
}

/** What a session needs to open: where to log in, and as whom. */
export interface BlueskySessionOptions {
  /** the service to log in at (the target's baseUrl, or https://bsky.social) */
  readonly service: string;
  /** the account's handle, DID or e-mail */
  readonly identifier: string;
  readonly appPassword: string;
  readonly fetch: typeof fetch;
  readonly logger: Logger;
  /** how long a login or refresh may take, shared by every publication waiting for it */
  readonly renewTimeoutMs?: number;
}

/** What a publication's call needs from its attempt. */
export interface CallContext {
  readonly signal: AbortSignal;
  readonly language: Language;
  readonly now: () => Date;
}

/** An authorized call: the XRPC call without its service and token, and the step it belongs to. */
export type SessionCall = Omit<XrpcCall, 'service' | 'token'> & { readonly step: CallStep };

/** How a login or refresh ended, in no team's language (several attempts may share it). */
type Renewal =
  | { readonly ok: true; readonly session: BlueskySessionData }
  | { readonly ok: false; readonly answer: XrpcAnswer }
  | { readonly ok: false; readonly cause: unknown }
  | { readonly ok: false; readonly malformed: string };

const DEFAULT_RENEW_TIMEOUT_MS = 30_000;

const sessionAnswer = z.looseObject({
  accessJwt: z.string().min(1),
  refreshJwt: z.string().min(1),
  did: z.string().startsWith('did:'),
  handle: z.string().min(1),
  didDoc: z.unknown().optional(),
});

const didDocument = z.looseObject({
  service: z
    .array(z.looseObject({ id: z.string(), type: z.string().optional(), serviceEndpoint: z.unknown() }))
    .optional(),
});

/**
 * The PDS a DID document names (`#atproto_pds`, atproto.com/specs/did), when
 * it is an http(s) URL; plain http only when the login service is plain http
 * itself (a test or a local PDS), so a token never leaves TLS.
 */
export function pdsEndpointOf(didDoc: unknown, service: string): string | undefined {
  const parsed = didDocument.safeParse(didDoc);
  if (!parsed.success) return undefined;
  const entry = parsed.data.service?.find(
    (s) => s.id.endsWith('#atproto_pds') && (s.type === undefined || s.type === 'AtprotoPersonalDataServer'),
  );
  if (typeof entry?.serviceEndpoint !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(entry.serviceEndpoint);
  } catch {
    return undefined;
  }
  const allowed = new URL(service).protocol === 'http:' ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(url.protocol)) return undefined;
  return url.toString().replace(/\/+$/, '');
}

/** The kind of auth trouble an answer shows: `expired` (refresh), `invalid` (log in again), or none. */
function authTrouble(answer: XrpcAnswer): 'expired' | 'invalid' | undefined {
  if (answer.error === 'AccountTakedown' || answer.error === 'AccountDeactivated') return undefined;
  if (answer.status === 400 && answer.error === 'ExpiredToken') return 'expired';
  if ((answer.status === 400 || answer.status === 401) && answer.error === 'InvalidToken') return 'invalid';
  // A 401 without those names (AuthMissing, AuthenticationRequired, an entryway's): try a refresh first.
  if (answer.status === 401) return 'expired';
  return undefined;
}

/** Resolves with `work`, or with undefined once `signal` aborts, whichever comes first. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(undefined);
      },
    );
  });
}

/**
 * One account's session, shared by every publication of its target: logs
 * in on first use, refreshes when the access token expires, logs in again
 * only when the refresh token is refused; concurrent publications wait on
 * the same login or refresh instead of starting their own.
 */
export class BlueskySession {
  readonly #options: BlueskySessionOptions;
  #current: BlueskySessionData | undefined;
  #renewal: Promise<Renewal> | undefined;

  constructor(options: BlueskySessionOptions) {
    this.#options = options;
  }

  /** the live session, logging in first when there is none */
  async open(context: CallContext): Promise<Result<BlueskySessionData, PublishOutcome>> {
    if (this.#current) return ok(this.#current);
    return this.#renew(undefined, 'login', context);
  }

  /**
   * Makes `call` with the session's access token at the account's PDS: on an
   * expired token refreshes once and calls again, on a token still refused
   * logs in again once and calls again (the PDS checks the token before
   * anything else, so a refused call did nothing). Any other answer, error
   * or not, is the caller's to read; a call that got no answer, or a session
   * that cannot be had, is an outcome.
   */
  async call(
    call: SessionCall,
    context: CallContext,
  ): Promise<Result<{ readonly answer: XrpcAnswer; readonly session: BlueskySessionData }, PublishOutcome>> {
    const opened = await this.open(context);
    if (!opened.ok) return opened;
    let session = opened.value;
    let refreshed = false;
    let relogged = false;
    for (;;) {
      const answer = await callXrpc(
        this.#options.fetch,
        { ...call, service: session.pds, token: session.accessJwt },
        context.signal,
      );
      if (isNoAnswer(answer)) {
        return err(fromNoAnswer(answer.cause, { step: call.step, aborted: context.signal.aborted }));
      }
      const trouble = authTrouble(answer);
      if (trouble === undefined || relogged) return ok({ answer, session });
      const how = trouble === 'expired' && !refreshed ? 'refresh' : 'login';
      if (how === 'refresh') refreshed = true;
      else relogged = true;
      this.#options.logger.info(
        { nsid: call.nsid, error: answer.error ?? null, status: answer.status },
        how === 'refresh'
          ? 'Bluesky access token expired: refreshing'
          : 'Bluesky refused the token: logging in again',
      );
      const renewed = await this.#renew(session, how, context);
      if (!renewed.ok) return renewed;
      session = renewed.value;
    }
  }

  /**
   * A fresh session after `failed` (undefined: none yet) was refused: the
   * one another publication already got, else the shared login or refresh
   * under way, else a new one.
   */
  async #renew(
    failed: BlueskySessionData | undefined,
    how: 'login' | 'refresh',
    context: CallContext,
  ): Promise<Result<BlueskySessionData, PublishOutcome>> {
    if (this.#current !== undefined && this.#current !== failed) return ok(this.#current);
    if (this.#renewal === undefined) {
      const signal = AbortSignal.timeout(this.#options.renewTimeoutMs ?? DEFAULT_RENEW_TIMEOUT_MS);
      const renewal = (
        how === 'refresh' && failed ? this.#refresh(failed, signal) : this.#login(signal)
      ).finally(() => {
        if (this.#renewal === renewal) this.#renewal = undefined;
      });
      this.#renewal = renewal;
    }
    const result = await unlessAborted(this.#renewal, context.signal);
    if (result === undefined) {
      return err({ kind: 'unavailable', detail: 'the attempt’s time ran out while logging in to Bluesky' });
    }
    if (result.ok) return ok(result.session);
    return err(this.#loginFailure(result, context));
  }

  /** Refreshes `failed`; a refused refresh token logs in again. */
  async #refresh(failed: BlueskySessionData, signal: AbortSignal): Promise<Renewal> {
    const answer = await callXrpc(
      this.#options.fetch,
      {
        service: this.#options.service,
        nsid: 'com.atproto.server.refreshSession',
        procedure: true,
        token: failed.refreshJwt,
      },
      signal,
    );
    if (isNoAnswer(answer)) return { ok: false, cause: answer.cause };
    if (answer.status >= 200 && answer.status < 300) {
      const session = this.#sessionFrom(answer.body, failed.pds);
      if (session === undefined || session.did !== failed.did) {
        return { ok: false, malformed: 'refreshSession answered no session of this account' };
      }
      this.#current = session;
      this.#options.logger.info({ did: session.did }, 'Bluesky session refreshed');
      return { ok: true, session };
    }
    if (authTrouble(answer) !== undefined) {
      this.#current = undefined;
      this.#options.logger.info(
        { status: answer.status, error: answer.error ?? null },
        'Bluesky refused the refresh token: logging in again',
      );
      return this.#login(signal);
    }
    return { ok: false, answer };
  }

  async #login(signal: AbortSignal): Promise<Renewal> {
    const answer = await callXrpc(
      this.#options.fetch,
      {
        service: this.#options.service,
        nsid: 'com.atproto.server.createSession',
        json: { identifier: this.#options.identifier, password: this.#options.appPassword },
      },
      signal,
    );
    this.#current = undefined;
    if (isNoAnswer(answer)) return { ok: false, cause: answer.cause };
    if (answer.status < 200 || answer.status >= 300) {
      this.#options.logger.warn(
        { status: answer.status, error: answer.error ?? null, message: answer.message ?? null },
        'Bluesky refused the login',
      );
      return { ok: false, answer };
    }
    const session = this.#sessionFrom(answer.body, undefined);
    if (session === undefined) return { ok: false, malformed: 'createSession answered no session' };
    this.#current = session;
    this.#options.logger.info(
      { did: session.did, handle: session.handle, pds: session.pds },
      'logged in to Bluesky',
    );
    return { ok: true, session };
  }

  #sessionFrom(body: unknown, previousPds: string | undefined): BlueskySessionData | undefined {
    const parsed = sessionAnswer.safeParse(body);
    if (!parsed.success) return undefined;
    const { did, handle, accessJwt, refreshJwt, didDoc } = parsed.data;
    const pds = pdsEndpointOf(didDoc, this.#options.service) ?? previousPds ?? this.#options.service;
    return { did, handle, accessJwt, refreshJwt, pds };
  }

  /** A failed login or refresh as an outcome in the team's words. */
  #loginFailure(failure: Exclude<Renewal, { ok: true }>, context: CallContext): PublishOutcome {
    if ('cause' in failure) return fromNoAnswer(failure.cause, { step: 'login', aborted: false });
    if ('malformed' in failure) {
      return {
        kind: 'rejected',
        code: 'misconfigured',
        detail: failure.malformed,
        networkReason: wordsFor(context.language).misconfigured(200, ''),
      };
    }
    const { answer } = failure;
    const words = wordsFor(context.language);
    const reason = answer.message ?? answer.error ?? `HTTP ${answer.status}`;
    const detail =
      `Bluesky refused the login: HTTP ${answer.status} ${answer.error ?? ''} ${answer.message ?? ''}`.trim();
    if (answer.status === 429) {
      return {
        kind: 'rate_limited',
        retryAfterMs: rateLimitWait(answer.headers, context.now()),
        detail: `${detail} (createSession allows 30 logins in 5 minutes per account)`,
      };
    }
    if (answer.error === 'AuthFactorTokenRequired') {
      return { kind: 'rejected', code: 'token_revoked', detail, networkReason: words.needsAppPassword };
    }
    if (answer.error === 'AccountTakedown' || answer.error === 'AccountDeactivated') {
      return { kind: 'rejected', code: 'token_revoked', detail, networkReason: words.takenDown(reason) };
    }
    if (answer.status === 401 || (answer.status === 400 && answer.error !== undefined)) {
      return { kind: 'rejected', code: 'token_revoked', detail, networkReason: words.loginRefused(reason) };
    }
    return fromErrorAnswer(answer, { step: 'login', language: context.language, now: context.now() });
  }
}
