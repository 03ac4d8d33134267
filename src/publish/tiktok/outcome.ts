import type { Language } from '../../core/language.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { rejected } from '../rejected.ts';
import { fromUnansweredRequest, type RequestFailure } from '../request-error.ts';
import { ENDPOINT_OF, type PostMode, type Step, type TikTokAnswer } from './tiktok-api.ts';

// Error codes of the Content Posting API (content-posting-api-reference-photo-post
// and -direct-post, "Error codes"; tiktok-api-v2-error-handling for the shared
// ones): 400 invalid_params; 401 access_token_invalid, scope_not_authorized;
// 403 spam_risk_too_many_posts, spam_risk_user_banned_from_posting,
// reached_active_user_cap, unaudited_client_can_only_post_to_private_accounts,
// url_ownership_unverified, privacy_level_option_mismatch; 429
// rate_limit_exceeded; 5xx internal_error. FAILED statuses carry a
// `fail_reason` (get-video-status, "fail_reason"): file_format_check_failed,
// picture_size_check_failed, photo_pull_failed, spam_risk_*, auth_removed,
// internal… The token endpoint answers OAuth codes (invalid_grant, invalid_client).

/** What the words of an outcome depend on besides the answer. */
export interface OutcomeContext {
  readonly language: Language;
  readonly postMode: PostMode;
  /** the API's host, for the words of a misconfigured baseUrl */
  readonly apiHost: string;
}

/**
 * The wait after rate_limit_exceeded: every Content Posting limit is counted
 * per minute per access token (6 inits, 20 creator_info, 30 status fetches),
 * and TikTok sends no header saying when the minute ends.
 */
export const RATE_LIMIT_WAIT_MS = 60_000;

/**
 * The wait after a daily cap (spam_risk_too_many_posts: the account's posts
 * through the API; reached_active_user_cap: the app's posting users of the
 * day). TikTok says neither the cap nor when it resets; six hours lets the
 * target catch up the same day without asking every few minutes, and each
 * later attempt asks again.
 */
export const DAILY_CAP_WAIT_MS = 6 * 3_600_000;

/**
 * The wait after spam_risk_too_many_pending_share: the account's TikTok inbox
 * holds as many unfinished uploads as TikTok allows, until a person finishes
 * or discards some in the app.
 */
export const PENDING_SHARES_WAIT_MS = 3_600_000;

/** Where the admin reads how to set the account up again: the README section failures point to. */
const README_SECTION = 'README, section "TikTok"';

const SCOPE_OF: Readonly<Record<PostMode, string>> = {
  DIRECT_POST: 'video.publish',
  MEDIA_UPLOAD: 'video.upload',
};

/** Words for the team (shown inside the core's words for each code), in its language. */
const WORDS = {
  it: {
    scope: (scope: string) =>
      `l'account TikTok non ha autorizzato l'ambito ${scope} per l'app (serve anche che TikTok l'abbia approvato per l'app): va autorizzato di nuovo (${README_SECTION})`,
    image: (n: number, what: string) => `immagine ${n}: ${what}`,
    format: (format: string) => `è un ${format.toUpperCase()}, TikTok accetta solo JPEG o WebP`,
    badFormat: 'TikTok accetta solo immagini JPEG o WebP: una delle immagini non lo è',
    badSize: "TikTok rifiuta le dimensioni di un'immagine (al massimo 1080p)",
    pullFailed: "TikTok non è riuscito a scaricare un'immagine dal suo indirizzo: deve essere pubblico",
    urlOwnership:
      "TikTok non scarica le immagini da questo dominio: il dominio (o il prefisso) degli indirizzi delle immagini va verificato nel portale sviluppatori TikTok, sotto l'app → URL properties",
    banned: "TikTok ha bloccato le pubblicazioni dell'account: va controllato nell'app TikTok",
    spam: (reason: string) => `TikTok lo considera spam (${reason})`,
    unaudited:
      "l'app TikTok non è ancora approvata (audit): TikTok accetta i suoi post solo su un account privato. Rendi privato l'account o fai approvare l'app",
    privacy: (reason: string | undefined) =>
      `TikTok non accetta la visibilità scelta per l'account${reason === undefined ? '' : ` (${reason})`}: controlla "privacyLevel" nelle impostazioni`,
    invalid: (reason: string | undefined) =>
      `TikTok rifiuta la richiesta${reason === undefined ? '' : `: ${reason}`}`,
    reauthorize: `TikTok non accetta più il refresh token: qualcuno deve autorizzare di nuovo Araldo sull'account TikTok e mettere il nuovo refresh token nella variabile della credenziale refreshToken (${README_SECTION})`,
    badClient: (reason: string) =>
      `TikTok rifiuta l'app (${reason}): controlla le credenziali clientKey e clientSecret (${README_SECTION})`,
    redirect:
      'TikTok rimanda altrove: in "baseUrl" va l\'indirizzo finale dell\'API (di norma si lascia vuoto)',
    noApi: (host: string) => `nessuna API TikTok su ${host}: controlla "baseUrl" (di norma si lascia vuoto)`,
    other: (status: number, code: string | undefined, reason: string | undefined) =>
      `TikTok ha risposto HTTP ${status}${code === undefined ? '' : ` ${code}`}${reason === undefined ? '' : `: ${reason}`}`,
    failed: (reason: string) => `TikTok non ha pubblicato il post (${reason})`,
  },
  en: {
    scope: (scope: string) =>
      `the TikTok account has not authorized the ${scope} scope for the app (TikTok must also have approved it for the app): authorize again (${README_SECTION})`,
    image: (n: number, what: string) => `image ${n}: ${what}`,
    format: (format: string) => `it is a ${format.toUpperCase()}, TikTok takes only JPEG or WebP`,
    badFormat: 'TikTok takes only JPEG or WebP images: one of the images is neither',
    badSize: "TikTok refuses an image's dimensions (1080p at most)",
    pullFailed: 'TikTok could not download an image from its address: it must be public',
    urlOwnership:
      "TikTok does not pull images from this domain: the domain (or URL prefix) of the images' addresses must be verified in the TikTok developer portal, under the app → URL properties",
    banned: 'TikTok has barred the account from posting: check it in the TikTok app',
    spam: (reason: string) => `TikTok takes it for spam (${reason})`,
    unaudited:
      'the TikTok app is not audited yet: TikTok accepts its posts only on a private account. Make the account private or have the app audited',
    privacy: (reason: string | undefined) =>
      `TikTok does not accept the privacy level chosen for the account${reason === undefined ? '' : ` (${reason})`}: check "privacyLevel" in the settings`,
    invalid: (reason: string | undefined) =>
      `TikTok refuses the request${reason === undefined ? '' : `: ${reason}`}`,
    reauthorize: `TikTok no longer accepts the refresh token: someone must authorize Araldo on the TikTok account again and put the new refresh token in the variable of the refreshToken credential (${README_SECTION})`,
    badClient: (reason: string) =>
      `TikTok refuses the app (${reason}): check the clientKey and clientSecret credentials (${README_SECTION})`,
    redirect: 'TikTok redirects elsewhere: "baseUrl" must be the API\'s final address (normally left out)',
    noApi: (host: string) => `no TikTok API at ${host}: check "baseUrl" (normally left out)`,
    other: (status: number, code: string | undefined, reason: string | undefined) =>
      `TikTok answered HTTP ${status}${code === undefined ? '' : ` ${code}`}${reason === undefined ? '' : `: ${reason}`}`,
    failed: (reason: string) => `TikTok did not publish the post (${reason})`,
  },
} as const satisfies Record<Language, unknown>;

/** What an answer said, for the log: endpoint, status, code, words and log id. */
export function describeAnswer(answer: TikTokAnswer, step: Step): string {
  const code = answer.errorCode === undefined ? '' : ` ${answer.errorCode}`;
  const words = answer.errorMessage === undefined ? '' : `: ${answer.errorMessage}`;
  const log = answer.logId === undefined ? '' : ` (log_id ${answer.logId})`;
  return `${ENDPOINT_OF[step]} answered HTTP ${answer.status}${code}${words}${log}`;
}

/** Words of an invalid_params answer that point at an image's format rather than the post's fields. */
const FORMAT_WORDS = /\b(format|jpe?g|png|webp|heic|image type)\b/i;

/**
 * The outcome of a Content Posting answer that is not a success (after one
 * refresh on access_token_invalid): see the file's table. An expired access
 * token is token_expired only when TikTok says "expired"; a refused one is
 * token_revoked (the person removed the app, or a just-refreshed token was
 * refused). Pure.
 */
export function fromApiAnswer(answer: TikTokAnswer, step: Step, context: OutcomeContext): PublishOutcome {
  const words = WORDS[context.language];
  const { status, errorCode: code, errorMessage: reason } = answer;
  const logged = describeAnswer(answer, step);

  if (status >= 300 && status < 400) return rejected('misconfigured', logged, words.redirect);
  switch (code) {
    case 'access_token_invalid':
      return rejected(
        reason !== undefined && /expired/i.test(reason) ? 'token_expired' : 'token_revoked',
        `${logged} (with an access token just refreshed)`,
        undefined,
      );
    case 'scope_not_authorized':
    case 'scope_permission_missed':
      return rejected('permission_missing', logged, words.scope(SCOPE_OF[context.postMode]));
    case 'rate_limit_exceeded':
      return { kind: 'rate_limited', retryAfterMs: RATE_LIMIT_WAIT_MS, detail: logged };
    case 'spam_risk_too_many_posts':
    case 'reached_active_user_cap':
      return { kind: 'rate_limited', retryAfterMs: DAILY_CAP_WAIT_MS, detail: `${logged} (a daily cap)` };
    case 'spam_risk_too_many_pending_share':
      return {
        kind: 'rate_limited',
        retryAfterMs: PENDING_SHARES_WAIT_MS,
        detail: `${logged} (the account's TikTok inbox is full of unfinished uploads)`,
      };
    case 'spam_risk_user_banned_from_posting':
      return rejected('misconfigured', logged, words.banned);
    case 'unaudited_client_can_only_post_to_private_accounts':
      return rejected('misconfigured', logged, words.unaudited);
    case 'url_ownership_unverified':
      return rejected('misconfigured', logged, words.urlOwnership);
    case 'privacy_level_option_mismatch':
      return rejected('misconfigured', logged, words.privacy(reason));
    case 'file_format_check_failed':
      return rejected('media_unreachable', logged, words.badFormat);
    case 'picture_size_check_failed':
      return rejected('media_unreachable', logged, words.badSize);
    case 'invalid_params':
    case 'invalid_param':
      if (reason !== undefined && FORMAT_WORDS.test(reason)) {
        return rejected('media_unreachable', logged, words.badFormat);
      }
      return rejected('content_refused', logged, words.invalid(reason));
    default:
      break;
  }
  if (code?.startsWith('spam_risk') === true) {
    return rejected('content_refused', logged, words.spam(reason ?? code));
  }
  if (status === 429) return { kind: 'rate_limited', retryAfterMs: RATE_LIMIT_WAIT_MS, detail: logged };
  if (status >= 500 || status === 408 || code === 'internal_error')
    return { kind: 'unavailable', detail: logged };
  if (status === 404) return rejected('misconfigured', logged, words.noApi(context.apiHost));
  if (status === 401) return rejected('token_revoked', logged, undefined);
  return rejected('misconfigured', logged, words.other(status, code, reason));
}

/**
 * The outcome of a FAILED status: the image's format, size or address
 * refused (`media_unreachable`), the text taken for spam
 * (`content_refused`), a daily cap (`rate_limited`), the account's
 * authorization removed (`token_revoked`), TikTok's own trouble
 * (`unavailable`: a new attempt posts again, since a failed publish id is
 * done). Pure.
 */
export function fromFailReason(reason: string, publishId: string, context: OutcomeContext): PublishOutcome {
  const words = WORDS[context.language];
  const logged = `publish ${publishId} FAILED: ${reason}`;
  switch (reason) {
    case 'file_format_check_failed':
      return rejected('media_unreachable', logged, words.badFormat);
    case 'picture_size_check_failed':
      return rejected('media_unreachable', logged, words.badSize);
    case 'photo_pull_failed':
    case 'video_pull_failed':
      return rejected('media_unreachable', logged, words.pullFailed);
    case 'url_ownership_unverified':
      return rejected('misconfigured', logged, words.urlOwnership);
    case 'spam_risk_too_many_posts':
    case 'reached_active_user_cap':
      return { kind: 'rate_limited', retryAfterMs: DAILY_CAP_WAIT_MS, detail: `${logged} (a daily cap)` };
    case 'spam_risk_user_banned_from_posting':
      return rejected('misconfigured', logged, words.banned);
    case 'auth_removed':
      return rejected('token_revoked', `${logged}: the account removed the app's authorization`, undefined);
    case 'internal':
    case 'internal_error':
      return { kind: 'unavailable', detail: `${logged}; a new attempt posts again` };
    default:
      if (reason.startsWith('spam_risk')) return rejected('content_refused', logged, words.spam(reason));
      return rejected('content_refused', logged, words.failed(reason));
  }
}

/** The outcome of an image TikTok would refuse by its format, known from its URL's extension. Pure. */
export function fromImageFormat(image: number, format: string, language: Language): PublishOutcome {
  const words = WORDS[language];
  return rejected(
    'media_unreachable',
    `image ${image} is a ${format} by its URL; TikTok takes only JPEG and WebP`,
    words.image(image, words.format(format)),
  );
}

/**
 * The outcome of a refresh the token endpoint refused: a dead refresh token
 * (invalid_grant) is `token_expired` when its 365 days have passed (as stored
 * from refresh_expires_in), else `token_revoked`; a
 * refused app (invalid_client) `misconfigured`; 429 `rate_limited`; 5xx
 * `unavailable`; anything else `misconfigured`. Pure.
 */
export function fromTokenAnswer(
  answer: TikTokAnswer,
  refreshExpiresAt: string | undefined,
  now: Date,
  context: OutcomeContext,
): PublishOutcome {
  const words = WORDS[context.language];
  const logged = describeAnswer(answer, 'token');
  const code = answer.errorCode;
  if (code === 'invalid_grant' || code === 'access_token_invalid') {
    // TikTok's words for a dead grant name both ("invalid or expired"): only
    // the stored expiry tells a refresh token that ran out from one revoked.
    const expired = refreshExpiresAt !== undefined && Date.parse(refreshExpiresAt) <= now.getTime();
    return rejected(
      expired ? 'token_expired' : 'token_revoked',
      `${logged}; the account must be authorized again`,
      words.reauthorize,
    );
  }
  if (answer.status === 429 || code === 'rate_limit_exceeded') {
    return { kind: 'rate_limited', retryAfterMs: RATE_LIMIT_WAIT_MS, detail: logged };
  }
  if (answer.status >= 500 || answer.status === 408) return { kind: 'unavailable', detail: logged };
  return rejected(
    'misconfigured',
    logged,
    words.badClient(answer.errorMessage ?? code ?? `HTTP ${answer.status}`),
  );
}

/**
 * The outcome of a request that got no answer. Before the init nothing is
 * posted, so any failure is `unavailable`; a status fetch is only a look, so
 * its failure is `unavailable` too (the publish id is kept: the next attempt
 * looks again). The init: `unavailable` when the connection was never made,
 * else `unknown` (TikTok may have taken it, and without its publish id
 * Araldo cannot tell). Pure.
 */
export function fromRequestFailure(step: Step, failure: RequestFailure, aborted: boolean): PublishOutcome {
  const why = aborted ? 'the attempt’s time ran out' : `could not reach TikTok (${failure.code})`;
  if (step === 'status') {
    return {
      kind: 'unavailable',
      detail: `${ENDPOINT_OF[step]}: ${why}; the next attempt looks at the post again`,
    };
  }
  return fromUnansweredRequest(
    {
      network: 'TikTok',
      where: ENDPOINT_OF[step],
      publication: 'the photo post’s init',
      publishing: step === 'init',
    },
    failure,
    aborted,
  );
}
