import type { Logger, Publisher, PublishRequest } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import type { Attempted } from '../attempted.ts';
import { endedPublication } from '../ended-publication.ts';
import { downloadImage } from '../image-download.ts';
import { fromImageProblem, refuseBeforeSending } from '../image-outcome.ts';
import { describeRequestError } from '../request-error.ts';
import { type ApiAnswer, MastodonApi } from './mastodon-api.ts';
import {
  fromApiAnswer,
  fromRequestFailure,
  fromStatusCreated,
  IMAGE_RULES,
  IMAGE_TYPES,
  MAX_IMAGE_BYTES,
  type OutcomeContext,
  type Step,
} from './outcome.ts';

/** A Mastodon target's settings, resolved from its configuration. */
export interface MastodonPublisherOptions {
  /** the instance's address without trailing slash (instance-url.ts) */
  readonly instanceUrl: string;
  /** a user access token with write:statuses and write:media */
  readonly accessToken: string;
  readonly logger: Logger;
  /** the fetch to call the instance and the images' servers with; the global one by default */
  readonly fetch?: typeof fetch;
  /**
   * How long to wait before the `poll`-th (1-based) look at an upload the
   * instance is still processing; default 0.5 s growing to 5 s. Polling
   * stops when the attempt's signal aborts.
   */
  readonly pollDelayMs?: (poll: number) => number;
  /** the real time, for a 429 whose answer has no Date header; `new Date()` by default */
  readonly now?: () => Date;
}

/** The default wait before each look at a processing upload: 0.5 s, 0.75 s, … up to 5 s. */
function defaultPollDelay(poll: number): number {
  return Math.min(500 * 1.5 ** (poll - 1), 5_000);
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks it). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The `mastodon` network: each image fetched and uploaded with its alt text
 * (POST /api/v2/media), waited for until the instance has processed it (GET
 * /api/v1/media/:id answers 206 until then), then one public status (POST
 * /api/v1/statuses) carrying them, with the delivery's idempotency key as
 * `Idempotency-Key`. The instance keeps that key an hour per account and
 * answers a repeat with the first status, so a delivery a timeout or a crash
 * interrupted is simply sent again: the network counts as idempotent. The
 * images are uploaded again on such a retry; the uploads of the lost attempt
 * stay unattached and the instance deletes them.
 */
export class MastodonPublisher implements Publisher {
  readonly idempotent = true;
  // The instance keeps a key an hour; a little less leaves room for clocks.
  readonly idempotencyWindowMs = 55 * 60_000;
  readonly #options: MastodonPublisherOptions;
  readonly #api: MastodonApi;

  constructor(options: MastodonPublisherOptions) {
    this.#options = options;
    this.#api = new MastodonApi({
      instanceUrl: options.instanceUrl,
      accessToken: options.accessToken,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  async publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    const language = request.team.language;
    const refused = refuseBeforeSending(request.images, IMAGE_RULES, language);
    if (refused) return refused;
    if (signal.aborted) return { kind: 'unavailable', detail: 'the attempt’s time ran out before sending' };

    const mediaIds: string[] = [];
    for (const [index, image] of request.images.entries()) {
      const uploaded = await this.#uploadImage(request, index + 1, image, signal);
      if (!uploaded.ok) return this.#ended(request, uploaded.outcome);
      mediaIds.push(uploaded.value);
    }
    if (signal.aborted) {
      return { kind: 'unavailable', detail: 'the attempt’s time ran out before the status was sent' };
    }

    const answer = await this.#send('status', request, signal, (s) =>
      this.#api.postStatus(
        { status: request.text, media_ids: mediaIds, visibility: 'public', language },
        request.idempotencyKey,
        s,
      ),
    );
    if (!answer.ok) return this.#ended(request, answer.outcome);
    const context = this.#context(request);
    const outcome =
      answer.value.status >= 200 && answer.value.status < 300
        ? fromStatusCreated(answer.value, context)
        : fromApiAnswer(answer.value, 'status', context);
    return this.#ended(request, outcome);
  }

  /** Fetches image `position`, uploads it with its alt text, waits until processed: its media id. */
  async #uploadImage(
    request: PublishRequest,
    position: number,
    image: { readonly url: string; readonly alt: string },
    signal: AbortSignal,
  ): Promise<Attempted<string>> {
    const language = request.team.language;
    const file = await downloadImage(image.url, {
      fetch: this.#options.fetch ?? fetch,
      signal,
      maxBytes: MAX_IMAGE_BYTES,
      accepts: IMAGE_TYPES,
    });
    if (!file.ok) {
      return { ok: false, outcome: fromImageProblem(file.error, position, IMAGE_RULES, language) };
    }
    // The multipart file part needs a name; its extension follows the bytes, not the URL.
    const upload = {
      bytes: file.value.bytes,
      type: file.value.type,
      name: `araldo-${position}.${file.value.ext}`,
    };

    const context = this.#context(request, position);
    const uploaded = await this.#send(
      'media_upload',
      request,
      signal,
      (s) => this.#api.uploadMedia(upload, image.alt, s),
      position,
    );
    if (!uploaded.ok) return uploaded;
    // 200: processed (images, since Mastodon 4.0); 202: processing (GIFs become videos).
    if (uploaded.value.status !== 200 && uploaded.value.status !== 202) {
      return { ok: false, outcome: fromApiAnswer(uploaded.value, 'media_upload', context) };
    }
    const media = readMedia(uploaded.value.body);
    if (media === undefined) {
      return {
        ok: false,
        outcome: {
          kind: 'unavailable',
          detail: `image ${position}: POST /api/v2/media answered ${uploaded.value.status} without a readable media id`,
        },
      };
    }
    if (uploaded.value.status === 200 && media.ready) return { ok: true, value: media.id };

    const pollDelay = this.#options.pollDelayMs ?? defaultPollDelay;
    for (let poll = 1; ; poll += 1) {
      await pause(pollDelay(poll), signal);
      if (signal.aborted) {
        return {
          ok: false,
          outcome: {
            kind: 'unavailable',
            detail: `image ${position}: the instance was still processing it when the attempt’s time ran out`,
          },
        };
      }
      const checked = await this.#send(
        'media_check',
        request,
        signal,
        (s) => this.#api.getMedia(media.id, s),
        position,
      );
      if (!checked.ok) return checked;
      if (checked.value.status === 206) continue;
      if (checked.value.status !== 200) {
        return { ok: false, outcome: fromApiAnswer(checked.value, 'media_check', context) };
      }
      // docs (methods/media#get): processed once `url` is there.
      if (readMedia(checked.value.body)?.ready) return { ok: true, value: media.id };
    }
  }

  /** One API call: its answer, or the outcome of a call that got none. */
  async #send(
    step: Step,
    request: PublishRequest,
    signal: AbortSignal,
    call: (signal: AbortSignal) => Promise<ApiAnswer>,
    image?: number,
  ): Promise<Attempted<ApiAnswer>> {
    try {
      return { ok: true, value: await call(signal) };
    } catch (error) {
      const failure = describeRequestError(error);
      this.#options.logger.warn(
        { delivery: request.deliveryId, step, image, code: failure.code, err: error },
        'mastodon request got no answer',
      );
      return { ok: false, outcome: fromRequestFailure(step, failure, signal.aborted, image) };
    }
  }

  #context(request: PublishRequest, image?: number): OutcomeContext {
    return {
      language: request.team.language,
      instanceUrl: this.#options.instanceUrl,
      now: (this.#options.now ?? (() => new Date()))(),
      ...(image === undefined ? {} : { image }),
    };
  }

  /** Logs a publication that did not go through, then hands its outcome back. */
  #ended(request: PublishRequest, outcome: PublishOutcome): PublishOutcome {
    return endedPublication(this.#options.logger, 'mastodon', request, outcome);
  }
}

/** The id of a MediaAttachment body and whether it is processed (`url` set); undefined when unreadable. */
function readMedia(body: string | undefined): { id: string; ready: boolean } | undefined {
  if (body === undefined) return undefined;
  try {
    const json = JSON.parse(body) as { id?: unknown; url?: unknown };
    if (typeof json.id !== 'string' || json.id === '') return undefined;
    return { id: json.id, ready: typeof json.url === 'string' && json.url !== '' };
  } catch {
    return undefined;
  }
}
