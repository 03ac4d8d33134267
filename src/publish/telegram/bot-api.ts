import { readAnswerBody } from '../response-body.ts';
/** Telegram's own Bot API server; a target's `baseUrl` replaces it (a local Bot API server, tests). */
export const DEFAULT_BOT_API_URL = 'https://api.telegram.org';

/** What the Bot API answered to one call, as far as the outcome depends on it. */
export interface BotApiAnswer {
  readonly status: number;
  /** the response body as text (cut at a bound), or undefined when it could not be read */
  readonly body: string | undefined;
  /** the `Retry-After` header: the Bot API server sets it on a 429 beside `parameters.retry_after` */
  readonly retryAfter: string | null;
}

/** Where and how to reach the Bot API with one bot's token. */
export interface BotApiOptions {
  /** the server's address, without trailing slash */
  readonly baseUrl: string;
  /** the bot's token from @BotFather: it travels in every URL's path */
  readonly token: string;
  /** the fetch to call with; the global one by default */
  readonly fetch?: typeof fetch;
}

/**
 * The most of a response body read. A sent message comes back whole: 4,096
 * UTF-16 units of text are at most 12 KB as UTF-8, or 24 KB escaped, plus
 * their entities; a photo adds a few sizes.
 */
const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * The Bot API over plain HTTP (core.telegram.org/bots/api#making-requests):
 * `POST {base}/bot{token}/{method}` with a JSON body. The token is part of
 * every URL, so nothing here logs a URL, and `redact` takes it out of any
 * text that may have quoted one (an error message). Redirects are not
 * followed (the admin configures the final address). A call that gets no
 * answer rejects with fetch's error, for the caller to map; an answer of any
 * status resolves.
 */
export class BotApi {
  readonly #options: BotApiOptions;

  constructor(options: BotApiOptions) {
    this.#options = options;
  }

  /** Calls `method` with `params` as JSON. */
  async call(
    method: string,
    params: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
  ): Promise<BotApiAnswer> {
    const send = this.#options.fetch ?? fetch;
    const response = await send(`${this.#options.baseUrl}/bot${this.#options.token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Araldo' },
      body: JSON.stringify(params),
      signal,
      redirect: 'manual',
    });
    const body = await readAnswerBody(response, MAX_RESPONSE_BYTES);
    return { status: response.status, body, retryAfter: response.headers.get('retry-after') };
  }

  /** `text` with the bot's token replaced, wherever it appears (a URL quoted in an error). */
  redact(text: string): string {
    const { token } = this.#options;
    return token === '' ? text : text.split(token).join('[REDACTED]');
  }
}
