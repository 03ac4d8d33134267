import { readAnswerBody } from '../response-body.ts';

/** LinkedIn's API host: the versioned REST API lives under /rest. */
export const DEFAULT_LINKEDIN_API_URL = 'https://api.linkedin.com';
/** LinkedIn's OAuth host, where tokens are introspected. */
export const DEFAULT_LINKEDIN_OAUTH_URL = 'https://www.linkedin.com';

/** What LinkedIn answered to one request, as far as the outcome depends on it. */
export interface LinkedinAnswer {
  readonly status: number;
  /** the response body as text (cut at a bound), or undefined when it could not be read */
  readonly body: string | undefined;
  /** `x-restli-id`: the id of the entity a create made (Posts API: the post's URN) */
  readonly restliId: string | null;
  /** `Retry-After`, which LinkedIn's 429s do not promise but a proxy may send */
  readonly retryAfter: string | null;
}

/** Where and how to reach LinkedIn with one token. */
export interface LinkedinApiOptions {
  /** the REST API's address, without trailing slash (`https://api.linkedin.com`) */
  readonly apiUrl: string;
  /** the OAuth host's address, without trailing slash (`https://www.linkedin.com`) */
  readonly oauthUrl: string;
  readonly accessToken: string;
  /** `LinkedIn-Version`, YYYYMM */
  readonly version: string;
  /** the fetch to call with; the global one by default */
  readonly fetch?: typeof fetch;
}

/** The body of POST /rest/posts for a public organization post (Posts API schema). */
export interface PostBody {
  readonly author: string;
  readonly commentary: string;
  readonly visibility: 'PUBLIC';
  readonly distribution: {
    readonly feedDistribution: 'MAIN_FEED';
    readonly targetEntities: readonly never[];
    readonly thirdPartyDistributionChannels: readonly never[];
  };
  readonly content?:
    | { readonly media: { readonly id: string; readonly altText: string } }
    | {
        readonly multiImage: {
          readonly images: readonly { readonly id: string; readonly altText: string }[];
        };
      };
  readonly lifecycleState: 'PUBLISHED';
  readonly isReshareDisabledByAuthor: false;
}

/** The most of a response body read: LinkedIn's answers are small JSON objects. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The calls of a LinkedIn publication, each one HTTP request with the
 * bearer token and, on the REST API, the two headers every versioned call
 * needs: `LinkedIn-Version: YYYYMM` and `X-Restli-Protocol-Version: 2.0.0`
 * (learn.microsoft.com/linkedin/marketing/versioning). Redirects are not
 * followed. A request that gets no answer rejects with fetch's error, for
 * the caller to map; an answer of any status resolves.
 */
export class LinkedinApi {
  readonly #options: LinkedinApiOptions;

  constructor(options: LinkedinApiOptions) {
    this.#options = options;
  }

  /** POST /rest/images?action=initializeUpload: an image URN and where to PUT its bytes (Images API). */
  initializeImageUpload(owner: string, signal: AbortSignal): Promise<LinkedinAnswer> {
    return this.#rest('/rest/images?action=initializeUpload', { initializeUploadRequest: { owner } }, signal);
  }

  /**
   * PUT of an image's bytes to the `uploadUrl` initializeUpload gave. The
   * Images API's example sends the bearer token with it; the caller has
   * checked that the address is LinkedIn's (https) before handing it over.
   */
  uploadImage(
    uploadUrl: string,
    bytes: Uint8Array<ArrayBuffer>,
    type: string,
    signal: AbortSignal,
  ): Promise<LinkedinAnswer> {
    return this.#send(
      uploadUrl,
      'PUT',
      { authorization: `Bearer ${this.#options.accessToken}`, 'content-type': type },
      bytes,
      signal,
    );
  }

  /** POST /rest/posts: 201 with the post's URN in `x-restli-id` (Posts API). */
  createPost(body: PostBody, signal: AbortSignal): Promise<LinkedinAnswer> {
    return this.#rest('/rest/posts', body, signal);
  }

  /**
   * POST /oauth/v2/introspectToken with the application's client id and
   * secret: whether the token is active and when it expires
   * (learn.microsoft.com/linkedin/shared/authentication/token-introspection).
   */
  introspectToken(clientId: string, clientSecret: string, signal: AbortSignal): Promise<LinkedinAnswer> {
    const form = new URLSearchParams({
      client_id: clientId,
      client_secret: clientSecret,
      token: this.#options.accessToken,
    });
    return this.#send(
      `${this.#options.oauthUrl}/oauth/v2/introspectToken`,
      'POST',
      { 'content-type': 'application/x-www-form-urlencoded' },
      form.toString(),
      signal,
    );
  }

  #rest(path: string, body: unknown, signal: AbortSignal): Promise<LinkedinAnswer> {
    return this.#send(
      `${this.#options.apiUrl}${path}`,
      'POST',
      {
        authorization: `Bearer ${this.#options.accessToken}`,
        'content-type': 'application/json',
        'linkedin-version': this.#options.version,
        'x-restli-protocol-version': '2.0.0',
      },
      JSON.stringify(body),
      signal,
    );
  }

  async #send(
    url: string,
    method: 'POST' | 'PUT',
    headers: Readonly<Record<string, string>>,
    body: string | Uint8Array<ArrayBuffer>,
    signal: AbortSignal,
  ): Promise<LinkedinAnswer> {
    const send = this.#options.fetch ?? fetch;
    const response = await send(url, {
      method,
      headers: { accept: 'application/json', 'user-agent': 'Araldo', ...headers },
      body,
      signal,
      redirect: 'manual',
    });
    const text = await readAnswerBody(response, MAX_RESPONSE_BYTES);
    return {
      status: response.status,
      body: text,
      restliId: response.headers.get('x-restli-id'),
      retryAfter: response.headers.get('retry-after'),
    };
  }
}
