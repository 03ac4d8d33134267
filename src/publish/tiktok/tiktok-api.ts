import { z } from 'zod';
import { oneLine, parseJson } from '../answer-text.ts';
import { readAnswerBody } from '../response-body.ts';

// TikTok API v2 (developers.tiktok.com/doc/tiktok-api-v2-error-handling):
// every answer is JSON `{data, error: {code, message, log_id}}`, `code` "ok"
// on success and a readable string otherwise (access_token_invalid 401,
// scope_not_authorized 401, invalid_params 400, rate_limit_exceeded 429,
// internal_error 500…). The token endpoint answers OAuth's
// `{error, error_description, log_id}` instead.

/** Which call of a publication answered. */
export type Step = 'token' | 'creator_info' | 'init' | 'status';

/** The endpoint of each step, for logs. */
export const ENDPOINT_OF: Readonly<Record<Step, string>> = {
  token: 'POST /v2/oauth/token/',
  creator_info: 'POST /v2/post/publish/creator_info/query/',
  init: 'POST /v2/post/publish/content/init/',
  status: 'POST /v2/post/publish/status/fetch/',
};

/** What TikTok answered to one request, as far as the outcome depends on it. */
export interface TikTokAnswer {
  readonly status: number;
  /** the response body as text (cut at a bound), or undefined when it could not be read */
  readonly body: string | undefined;
  /** the parsed JSON body, undefined when it is none */
  readonly json: unknown;
  /** `error.code` of an API answer, or `error` of the token endpoint's; undefined when absent */
  readonly errorCode: string | undefined;
  /** `error.message` (or `error_description`), on one line */
  readonly errorMessage: string | undefined;
  /** `error.log_id`: what TikTok support asks for */
  readonly logId: string | undefined;
}

/** The app that refreshes the account's tokens (TikTok for Developers → the app → Client key and secret). */
export interface TikTokClient {
  readonly clientKey: string;
  readonly clientSecret: string;
}

/** The privacy levels of a photo post (content-posting-api-reference-photo-post, post_info.privacy_level). */
export const PRIVACY_LEVELS = [
  'PUBLIC_TO_EVERYONE',
  'MUTUAL_FOLLOW_FRIENDS',
  'FOLLOWER_OF_CREATOR',
  'SELF_ONLY',
] as const;

/** A privacy level TikTok knows. */
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

/** DIRECT_POST publishes; MEDIA_UPLOAD leaves the post in the account's TikTok inbox for a person to finish. */
export type PostMode = 'DIRECT_POST' | 'MEDIA_UPLOAD';

/**
 * The body of POST /v2/post/publish/content/init/ for a photo post
 * (content-posting-api-reference-photo-post): `post_info` and
 * `source_info` with the images TikTok pulls from their URLs.
 */
export interface PhotoInitPayload {
  readonly media_type: 'PHOTO';
  readonly post_mode: PostMode;
  readonly post_info: {
    /** at most 90 UTF-16 units */
    readonly title?: string;
    /** at most 4000 UTF-16 units */
    readonly description?: string;
    /** required for DIRECT_POST: one of creator_info's privacy_level_options */
    readonly privacy_level?: PrivacyLevel;
    /** DIRECT_POST only */
    readonly disable_comment?: boolean;
    /** DIRECT_POST only: TikTok adds recommended music to the photos */
    readonly auto_add_music?: boolean;
  };
  readonly source_info: {
    readonly source: 'PULL_FROM_URL';
    /** 1–35 public URLs on a domain or prefix verified for the app */
    readonly photo_images: readonly string[];
    /** which image (0-based) is the cover */
    readonly photo_cover_index: number;
  };
}

/** The most of a response body read: TikTok's answers are small JSON objects. */
const MAX_RESPONSE_BYTES = 64 * 1024;

const apiError = z.looseObject({
  error: z.looseObject({
    code: z.string(),
    message: z.string().optional(),
    log_id: z.string().optional(),
  }),
});

const oauthError = z.looseObject({
  error: z.string(),
  error_description: z.string().optional(),
  log_id: z.string().optional(),
});

/** Reads what an answer says of itself: its error code, words and log id. Pure. */
export function readAnswer(status: number, body: string | undefined): TikTokAnswer {
  const json = parseJson(body);
  const api = apiError.safeParse(json);
  if (api.success) {
    const { code, message, log_id: logId } = api.data.error;
    return {
      status,
      body,
      json,
      errorCode: code,
      errorMessage: message === undefined ? undefined : oneLine(message),
      logId,
    };
  }
  const oauth = oauthError.safeParse(json);
  if (oauth.success) {
    const { error, error_description: description, log_id: logId } = oauth.data;
    return {
      status,
      body,
      json,
      errorCode: error,
      errorMessage: description === undefined ? undefined : oneLine(description),
      logId,
    };
  }
  return { status, body, json, errorCode: undefined, errorMessage: undefined, logId: undefined };
}

/** Whether an answer is a success: HTTP 2xx with `error.code` "ok" (or, for the token endpoint, no error). */
export function isOk(answer: TikTokAnswer): boolean {
  return (
    answer.status >= 200 &&
    answer.status < 300 &&
    (answer.errorCode === undefined || answer.errorCode === 'ok')
  );
}

/**
 * The calls of a photo publication on TikTok's Content Posting API, and the
 * token refresh, each one HTTP request. Redirects are not followed (a POST
 * would lose its body). A request that gets no answer rejects with fetch's
 * error, for the caller to map; an answer of any status resolves.
 */
export class TikTokApi {
  readonly #apiUrl: string;
  readonly #fetch: typeof fetch;

  /** `apiUrl`: https://open.tiktokapis.com, or the target's baseUrl, without trailing slash */
  constructor(apiUrl: string, fetchFn: typeof fetch) {
    this.#apiUrl = apiUrl;
    this.#fetch = fetchFn;
  }

  /**
   * POST /v2/oauth/token/ with grant_type=refresh_token
   * (developers.tiktok.com/doc/oauth-user-access-token-management): a form
   * with client_key, client_secret and the refresh token; answers a new
   * access token (24 hours) and a refresh token (365 days) that may differ
   * from the one sent, with `refresh_expires_in`.
   */
  refreshToken(client: TikTokClient, refreshToken: string, signal: AbortSignal): Promise<TikTokAnswer> {
    const form = new URLSearchParams({
      client_key: client.clientKey,
      client_secret: client.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    return this.#call(
      '/v2/oauth/token/',
      { body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      signal,
    );
  }

  /**
   * POST /v2/post/publish/creator_info/query/ (content-posting-api-reference-query-creator-info):
   * the account's username and the privacy levels it may post with; scope
   * video.publish; 20 requests a minute per token.
   */
  creatorInfo(accessToken: string, signal: AbortSignal): Promise<TikTokAnswer> {
    return this.#json('/v2/post/publish/creator_info/query/', undefined, accessToken, signal);
  }

  /** POST /v2/post/publish/content/init/: the photo post, answered with `data.publish_id`; 6 requests a minute per token. */
  initPhotoPost(accessToken: string, payload: PhotoInitPayload, signal: AbortSignal): Promise<TikTokAnswer> {
    return this.#json('/v2/post/publish/content/init/', payload, accessToken, signal);
  }

  /**
   * POST /v2/post/publish/status/fetch/ (content-posting-api-reference-get-video-status):
   * `{publish_id}` → `data.status`, `fail_reason`, `publicaly_available_post_id`
   * (TikTok's spelling); 30 requests a minute per token.
   */
  fetchStatus(accessToken: string, publishId: string, signal: AbortSignal): Promise<TikTokAnswer> {
    return this.#json('/v2/post/publish/status/fetch/', { publish_id: publishId }, accessToken, signal);
  }

  #json(path: string, payload: unknown, accessToken: string, signal: AbortSignal): Promise<TikTokAnswer> {
    return this.#call(
      path,
      {
        // creator_info takes no body; TikTok's example sends none.
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
        headers: {
          'content-type': 'application/json; charset=UTF-8',
          authorization: `Bearer ${accessToken}`,
        },
      },
      signal,
    );
  }

  async #call(
    path: string,
    init: { readonly body?: string; readonly headers: Readonly<Record<string, string>> },
    signal: AbortSignal,
  ): Promise<TikTokAnswer> {
    const response = await this.#fetch(`${this.#apiUrl}${path}`, {
      method: 'POST',
      headers: { accept: 'application/json', 'user-agent': 'Araldo', ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
      signal,
      redirect: 'manual',
    });
    const body = await readAnswerBody(response, MAX_RESPONSE_BYTES);
    return readAnswer(response.status, body);
  }
}
