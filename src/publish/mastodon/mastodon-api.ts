import { readAnswerBody } from '../response-body.ts';
/** An image ready to upload: its bytes, its MIME type, a file name whose extension matches it. */
export interface ImageFile {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly type: string;
  readonly name: string;
}

/** The form fields of POST /api/v1/statuses that Araldo sends (docs: methods/statuses#create). */
export interface StatusPayload {
  readonly status: string;
  readonly media_ids: readonly string[];
  readonly visibility: 'public';
  /** ISO 639-1 */
  readonly language: string;
}

/** What the instance answered to one request, as far as the outcome depends on it. */
export interface ApiAnswer {
  readonly status: number;
  /** the response body as text (cut at a bound), or undefined when it could not be read */
  readonly body: string | undefined;
  /** the server's `Date`: the clock `X-RateLimit-Reset` is written in */
  readonly date: string | null;
  /** `X-RateLimit-Reset`: an ISO 8601 instant (docs: api/rate-limits) */
  readonly rateLimitReset: string | null;
  /** `Retry-After`: Mastodon sends none, a proxy in front of it may */
  readonly retryAfter: string | null;
  /** `Location` of a redirect */
  readonly location: string | null;
}

/** Where and how to reach one instance with one account's token. */
export interface MastodonApiOptions {
  /** the instance's address without trailing slash (instance-url.ts) */
  readonly instanceUrl: string;
  readonly accessToken: string;
  /** the fetch to call with; the global one by default */
  readonly fetch?: typeof fetch;
}

/** The most of a response body read: Mastodon's entities are small JSON objects. */
const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * The three calls of a publication, each one HTTP request with the bearer
 * token. Redirects are not followed (a POST would lose its body; the admin
 * configures the final address). A request that gets no answer rejects with
 * fetch's error, for the caller to map; an answer of any status resolves.
 */
export class MastodonApi {
  readonly #options: MastodonApiOptions;

  constructor(options: MastodonApiOptions) {
    this.#options = options;
  }

  /** POST /api/v2/media: the file and its description (alt text), multipart. */
  uploadMedia(file: ImageFile, description: string, signal: AbortSignal): Promise<ApiAnswer> {
    const form = new FormData();
    form.append('file', new Blob([file.bytes], { type: file.type }), file.name);
    form.append('description', description);
    return this.#call('POST', '/api/v2/media', { body: form }, signal);
  }

  /** GET /api/v1/media/:id: 206 while the instance processes it, 200 once it has. */
  getMedia(id: string, signal: AbortSignal): Promise<ApiAnswer> {
    return this.#call('GET', `/api/v1/media/${encodeURIComponent(id)}`, {}, signal);
  }

  /**
   * POST /api/v1/statuses with `Idempotency-Key`: the instance keeps the key
   * an hour per account and answers a repeat with the status it first made.
   */
  postStatus(payload: StatusPayload, idempotencyKey: string, signal: AbortSignal): Promise<ApiAnswer> {
    return this.#call(
      'POST',
      '/api/v1/statuses',
      {
        body: JSON.stringify(payload),
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      },
      signal,
    );
  }

  async #call(
    method: 'GET' | 'POST',
    path: string,
    init: { readonly body?: string | FormData; readonly headers?: Readonly<Record<string, string>> },
    signal: AbortSignal,
  ): Promise<ApiAnswer> {
    const send = this.#options.fetch ?? fetch;
    const response = await send(`${this.#options.instanceUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#options.accessToken}`,
        accept: 'application/json',
        'user-agent': 'Araldo',
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: init.body }),
      signal,
      redirect: 'manual',
    });
    const body = await readAnswerBody(response, MAX_RESPONSE_BYTES);
    return {
      status: response.status,
      body,
      date: response.headers.get('date'),
      rateLimitReset: response.headers.get('x-ratelimit-reset'),
      retryAfter: response.headers.get('retry-after'),
      location: response.headers.get('location'),
    };
  }
}
