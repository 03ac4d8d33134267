import type { DownloadedImage } from '../image-download.ts';
import { readAnswerBody } from '../response-body.ts';

/**
 * The types POST /2/media/upload takes in one request for `tweet_image`
 * (docs.x.com, x-api/media/upload-media: media_type image/jpeg, image/png,
 * image/webp among others; GIFs only through the chunked upload as
 * `tweet_gif`, which Araldo does not use).
 */
export const X_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/** An image type X takes in one upload request. */
export type XImageType = (typeof X_IMAGE_TYPES)[number];

/** What X answered to one request, as far as the outcome depends on it. */
export interface XAnswer {
  readonly status: number;
  /** the response body as text (cut at a bound), or undefined when it could not be read */
  readonly body: string | undefined;
  /** the server's `Date`: the clock the rate-limit resets are written against */
  readonly date: string | null;
  /**
   * The rate-limit headers (docs.x.com, fundamentals/rate-limits): the
   * endpoint's 15-minute window (`x-rate-limit-*`) and, when the post quota
   * of the day runs out, the user's and the app's 24-hour windows
   * (`x-user-limit-24hour-*`, `x-app-limit-24hour-*`); resets in epoch seconds.
   */
  readonly rateLimit: Readonly<Record<RateLimitHeader, string | null>>;
}

const RATE_LIMIT_HEADERS = [
  'x-rate-limit-reset',
  'x-rate-limit-remaining',
  'x-user-limit-24hour-reset',
  'x-user-limit-24hour-remaining',
  'x-app-limit-24hour-reset',
  'x-app-limit-24hour-remaining',
] as const;

/** A rate-limit header X sends. */
export type RateLimitHeader = (typeof RATE_LIMIT_HEADERS)[number];

/** The OAuth 2.0 client an access token is refreshed for (the app in the X developer console). */
export interface XClient {
  readonly clientId: string;
  /** only for a confidential client ("Web App, Automated App or Bot"); undefined for a public one */
  readonly clientSecret: string | undefined;
}

/** The body of POST /2/tweets that Araldo sends (docs.x.com, x-api/posts/create-post). */
export interface PostPayload {
  /** absent for a post of images alone */
  readonly text?: string;
  readonly media?: { readonly media_ids: readonly string[] };
}

/** The most of a response body read: X's answers are small JSON objects. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The calls of a publication on X API v2, and the token refresh, each one
 * HTTP request. Redirects are not followed (a POST would lose its body). A
 * request that gets no answer rejects with fetch's error, for the caller to
 * map; an answer of any status resolves.
 */
export class XApi {
  readonly #apiUrl: string;
  readonly #fetch: typeof fetch;

  /** `apiUrl`: https://api.x.com, or the target's baseUrl, without trailing slash */
  constructor(apiUrl: string, fetchFn: typeof fetch) {
    this.#apiUrl = apiUrl;
    this.#fetch = fetchFn;
  }

  /**
   * POST /2/oauth2/token with grant_type=refresh_token (docs.x.com,
   * fundamentals/authentication/oauth-2-0/authorization-code): a form with
   * the refresh token and client_id; a confidential client also authenticates
   * with HTTP Basic (client id and secret), as RFC 6749 §2.3.1 describes.
   * X spends the refresh token and answers a new one with the access token.
   */
  refreshToken(client: XClient, refreshToken: string, signal: AbortSignal): Promise<XAnswer> {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.clientId,
    });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (client.clientSecret !== undefined) {
      // RFC 6749 §2.3.1: both parts form-urlencoded before Base64.
      const pair = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    }
    return this.#call('/2/oauth2/token', { body: form.toString(), headers }, signal);
  }

  /**
   * POST /2/media/upload in one request (docs.x.com, x-api/media/upload-media):
   * multipart with the raw bytes as `media`, `media_category` tweet_image and
   * the `media_type`; answers `data.id`, the media id a post attaches.
   */
  uploadImage(accessToken: string, file: DownloadedImage<XImageType>, signal: AbortSignal): Promise<XAnswer> {
    const form = new FormData();
    form.append('media', new Blob([file.bytes], { type: file.type }), 'media');
    form.append('media_category', 'tweet_image');
    form.append('media_type', file.type);
    return this.#call('/2/media/upload', { body: form, bearer: accessToken }, signal);
  }

  /**
   * POST /2/media/metadata (docs.x.com, x-api/media/create-media-metadata):
   * the image's alt text, `{id, metadata: {alt_text: {text}}}`.
   */
  setAltText(accessToken: string, mediaId: string, alt: string, signal: AbortSignal): Promise<XAnswer> {
    return this.#json(
      '/2/media/metadata',
      { id: mediaId, metadata: { alt_text: { text: alt } } },
      accessToken,
      signal,
    );
  }

  /** POST /2/tweets: the post, answered 201 with `data.id`. */
  createPost(accessToken: string, payload: PostPayload, signal: AbortSignal): Promise<XAnswer> {
    return this.#json('/2/tweets', payload, accessToken, signal);
  }

  #json(path: string, payload: unknown, accessToken: string, signal: AbortSignal): Promise<XAnswer> {
    return this.#call(
      path,
      { body: JSON.stringify(payload), headers: { 'content-type': 'application/json' }, bearer: accessToken },
      signal,
    );
  }

  async #call(
    path: string,
    init: {
      readonly body: string | FormData;
      readonly headers?: Readonly<Record<string, string>>;
      readonly bearer?: string;
    },
    signal: AbortSignal,
  ): Promise<XAnswer> {
    const response = await this.#fetch(`${this.#apiUrl}${path}`, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'user-agent': 'Araldo',
        ...(init.bearer === undefined ? {} : { authorization: `Bearer ${init.bearer}` }),
        ...init.headers,
      },
      body: init.body,
      signal,
      redirect: 'manual',
    });
    const body = await readAnswerBody(response, MAX_RESPONSE_BYTES);
    const rateLimit = Object.fromEntries(
      RATE_LIMIT_HEADERS.map((name) => [name, response.headers.get(name)]),
    ) as Record<RateLimitHeader, string | null>;
    return { status: response.status, body, date: response.headers.get('date'), rateLimit };
  }
}
