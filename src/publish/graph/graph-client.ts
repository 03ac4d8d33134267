import { parseJson } from '../answer-text.ts';
import { readAnswerBody } from '../response-body.ts';

/** What Graph answered to one request, as far as an outcome depends on it. */
export interface GraphAnswer {
  readonly status: number;
  /** the parsed JSON body; undefined when it was empty, cut off or no JSON (a proxy's HTML page) */
  readonly json: unknown;
  /** `X-App-Usage` (developers.facebook.com/docs/graph-api/overview/rate-limiting) */
  readonly appUsage: string | null;
  /** `X-Business-Use-Case-Usage`: Page and Instagram calls made with a Page token count here */
  readonly businessUsage: string | null;
}

/** Where and how to reach Graph with one token. */
export interface GraphClientOptions {
  /** the versioned base, `https://graph.facebook.com/v25.0` (graph-settings.ts) */
  readonly baseUrl: string;
  readonly accessToken: string;
  /** the fetch to call with; the global one by default */
  readonly fetch?: typeof fetch;
}

/** The most of a response body read: Graph's answers here are small JSON objects. */
const MAX_RESPONSE_BYTES = 256 * 1024;

/** Parameters of one call: values are sent as Graph reads them (objects as JSON). */
export type GraphParams = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * Graph API calls with one access token, in `Authorization: Bearer` (Graph
 * takes the token there or as `access_token`; the header keeps it out of
 * URLs and logs). POST bodies are form-encoded, as Graph's reference shows
 * them. Redirects are not followed. A request that gets no answer rejects
 * with fetch's error, for the caller to map; an answer of any status
 * resolves.
 */
export class GraphClient {
  readonly #options: GraphClientOptions;

  constructor(options: GraphClientOptions) {
    this.#options = options;
  }

  /** GET `/{path}` with `params` in the query. */
  get(path: string, params: GraphParams, signal: AbortSignal): Promise<GraphAnswer> {
    return this.#call('GET', path, params, signal);
  }

  /** POST `/{path}` with `params` in a form body. */
  post(path: string, params: GraphParams, signal: AbortSignal): Promise<GraphAnswer> {
    return this.#call('POST', path, params, signal);
  }

  async #call(
    method: 'GET' | 'POST',
    path: string,
    params: GraphParams,
    signal: AbortSignal,
  ): Promise<GraphAnswer> {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined) form.append(name, String(value));
    }
    const query = method === 'GET' && [...form.keys()].length > 0 ? `?${form}` : '';
    const send = this.#options.fetch ?? fetch;
    const response = await send(`${this.#options.baseUrl}/${path}${query}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#options.accessToken}`,
        accept: 'application/json',
        'user-agent': 'Araldo',
        ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(method === 'POST' ? { body: form.toString() } : {}),
      signal,
      redirect: 'manual',
    });
    const body = await readAnswerBody(response, MAX_RESPONSE_BYTES);
    return {
      status: response.status,
      json: parseJson(body),
      appUsage: response.headers.get('x-app-usage'),
      businessUsage: response.headers.get('x-business-use-case-usage'),
    };
  }
}

/** The object of a JSON answer, or undefined when it is none. Pure. */
export function objectOf(json: unknown): Record<string, unknown> | undefined {
  return typeof json === 'object' && json !== null && !Array.isArray(json)
    ? (json as Record<string, unknown>)
    : undefined;
}

/** A string field of a JSON answer (ids come as strings; a number is taken too). Pure. */
export function stringField(json: unknown, name: string): string | undefined {
  const value = objectOf(json)?.[name];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
