import type { Language } from '../../core/language.ts';
import type { CredentialCheck, Logger, Publisher, PublishRequest } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import type { Attempted } from '../attempted.ts';
import { endedPublication } from '../ended-publication.ts';
import { checkGraphToken } from '../graph/debug-token.ts';
import { type GraphRequest, type GraphStep, graphRequest, publicationStep } from '../graph/graph-call.ts';
import {
  type GraphAnswer,
  type GraphClient,
  type GraphParams,
  objectOf,
  stringField,
} from '../graph/graph-client.ts';
import { boundWait, DEFAULT_QUOTA_WAIT_MS, readGraphError } from '../graph/graph-error.ts';
import { rejected } from '../rejected.ts';

/** An Instagram professional account's target, resolved from its configuration. */
export interface InstagramPublisherOptions {
  /** the Graph client with the Page access token of the account's Page, on the pinned version */
  readonly client: GraphClient;
  /** the same token, for debug_token's `input_token` */
  readonly accessToken: string;
  /** the Instagram professional account's id (the IG User) */
  readonly igUserId: string;
  readonly logger: Logger;
  /** the core's clock: the quota's 24-hour window, credential checks */
  readonly now: () => Date;
  /** waits between two looks at a container (the core's sleep; tests pass one that does not wait) */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** the waits before the 1st, 2nd… next look at a container still IN_PROGRESS; default DEFAULT_POLL_DELAYS_MS */
  readonly pollDelaysMs?: readonly number[];
}

/**
 * Waits between looks at a container still IN_PROGRESS: 16 s in all, inside
 * the core's 30-second attempt. An image container is usually FINISHED in
 * seconds; one that is not yet is left to the next attempt, which finds it
 * through the checkpoint instead of making another.
 */
export const DEFAULT_POLL_DELAYS_MS: readonly number[] = Object.freeze([
  1000, 1000, 2000, 2000, 3000, 3000, 4000,
]);

/** How many of the account's latest media are read to find a post or the quota's oldest publication. */
const RECENT_MEDIA = 100;

/** IG Container `status_code` (reference/ig-container). */
type ContainerStatus = 'EXPIRED' | 'ERROR' | 'FINISHED' | 'IN_PROGRESS' | 'PUBLISHED';
const CONTAINER_STATUSES: readonly string[] = ['EXPIRED', 'ERROR', 'FINISHED', 'IN_PROGRESS', 'PUBLISHED'];

// Subcodes an ERROR container's `status` may carry that blame the image
// (reference/error-codes): too large, not a JPEG, aspect ratio, not
// fetchable. Any other subcode (a server error, a download timeout) may
// pass with a new container.
const IMAGE_SUBCODES = new Set(['2207004', '2207005', '2207009', '2207052']);

const WORDS = {
  it: {
    noImage: 'Instagram pubblica solo post con almeno un’immagine',
    tooMany: (n: number) => `Instagram accetta al massimo 10 immagini per post, questo ne ha ${n}`,
    imageFailed: (status: string) => `Instagram non è riuscita a usare l'immagine (${status})`,
    image: (n: number, what: string) => `immagine ${n}: ${what}`,
  },
  en: {
    noImage: 'Instagram publishes only posts with at least one image',
    tooMany: (n: number) => `Instagram takes at most 10 images per post, this one has ${n}`,
    imageFailed: (status: string) => `Instagram could not use the image (${status})`,
    image: (n: number, what: string) => `image ${n}: ${what}`,
  },
} as const satisfies Record<Language, unknown>;

/**
 * The `instagram` network, through the Instagram Graph API's content
 * publishing (developers.facebook.com/docs/instagram-platform/content-publishing):
 * an image container (POST /{ig-user-id}/media with `image_url`, `caption`
 * and `alt_text`), or for 2–10 images one container per image
 * (`is_carousel_item`) and a CAROUSEL container holding them; looks at the
 * container (GET /{container-id}?fields=status_code) until FINISHED; POST
 * /{ig-user-id}/media_publish with its `creation_id`; GET
 * /{media-id}?fields=permalink for the public address. Before publishing it
 * reads the account's quota (GET /{ig-user-id}/content_publishing_limit)
 * and waits, as a rate limit, while it is used up.
 *
 * Idempotent: the container's id is kept on the delivery (saveCheckpoint)
 * as soon as it exists, and a later attempt looks at that container before
 * doing anything: FINISHED is published, PUBLISHED means the cut-off
 * attempt's media_publish landed (its post is found among the account's
 * media), EXPIRED or ERROR get a new container. A container can be
 * published once only, so sending the delivery again can never make a
 * second post.
 */
export class InstagramPublisher implements Publisher {
  readonly idempotent = true;
  readonly #options: InstagramPublisherOptions;

  constructor(options: InstagramPublisherOptions) {
    this.#options = options;
  }

  async publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    return endedPublication(this.#options.logger, 'instagram', request, await this.#publish(request, signal));
  }

  checkCredentials(signal: AbortSignal): Promise<CredentialCheck> {
    const { client, accessToken, now } = this.#options;
    return checkGraphToken(client, accessToken, now(), signal);
  }

  async #publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    const words = WORDS[request.team.language];
    const count = request.images.length;
    // The proposal's check (rules.requiresImage, maxImages) refuses these first.
    if (count === 0) return rejected('content_refused', 'no image: Instagram needs one', words.noImage);
    if (count > 10) return rejected('content_refused', `${count} images, over 10`, words.tooMany(count));

    const saved = request.checkpoint;
    if (saved?.mediaId !== undefined) {
      // An earlier attempt published and kept the media id: only the address is missing.
      return this.#published(request, saved.mediaId, signal);
    }
    let containerId = saved?.containerId;
    let ready = false;
    if (containerId !== undefined) {
      const status = await this.#status(request, containerId, signal);
      if (!status.ok) return status.outcome;
      this.#options.logger.info(
        { delivery: request.deliveryId, containerId, status: status.value.code },
        'instagram resumes from its container',
      );
      switch (status.value.code) {
        case 'PUBLISHED':
          return (
            (await this.#findPublished(request, containerId, signal)) ?? {
              kind: 'unknown',
              detail: `container ${containerId} is PUBLISHED but no media with this caption is among the account's latest ${RECENT_MEDIA}`,
            }
          );
        case 'GONE': {
          // Graph no longer knows the container (long expired): its post, if it made one, is among the media.
          const found = await this.#findPublished(request, containerId, signal);
          if (found !== undefined) return found;
          containerId = undefined;
          break;
        }
        case 'FINISHED':
          ready = true;
          break;
        case 'IN_PROGRESS':
          break;
        case 'EXPIRED':
        case 'ERROR':
          // Unpublished for 24 hours, or failed: that container can never be published.
          containerId = undefined;
          break;
        case 'UNREADABLE':
          // It may be PUBLISHED: making another container could post twice.
          return {
            kind: 'unavailable',
            detail: `the status of container ${containerId} could not be read; the next attempt looks again`,
          };
      }
    }

    const quota = await this.#checkQuota(request, signal);
    if (!quota.ok) return quota.outcome;

    if (containerId === undefined) {
      const made = await this.#makeContainer(request, signal);
      if (!made.ok) return made.outcome;
      containerId = made.value;
      const kept = await this.#save(request, { containerId });
      if (!kept.ok) return kept.outcome;
    }
    if (!ready) {
      const finished = await this.#waitFinished(request, containerId, signal);
      if (!finished.ok) return finished.outcome;
    }

    const answer = await this.#call(
      request,
      signal,
      this.#step(request, 'POST /{ig-user-id}/media_publish', true),
      {
        path: `${this.#options.igUserId}/media_publish`,
        params: { creation_id: containerId },
      },
    );
    if (!answer.ok) return answer.outcome;
    const mediaId = stringField(answer.value.json, 'id');
    if (mediaId === undefined) {
      return {
        kind: 'unknown',
        detail: `POST /{ig-user-id}/media_publish answered HTTP ${answer.value.status} without a media id: the post is probably there`,
      };
    }
    // Best effort: a retry would find the container PUBLISHED and the post by its caption anyway.
    await this.#save(request, { containerId, mediaId });
    return this.#published(request, mediaId, signal);
  }

  /** The container that will be published: one image's, or a carousel's holding each image's. */
  async #makeContainer(request: PublishRequest, signal: AbortSignal): Promise<Attempted<string>> {
    const { igUserId } = this.#options;
    const [only] = request.images;
    const caption = request.text || undefined;
    if (request.images.length === 1 && only !== undefined) {
      return this.#create(request, signal, 1, { image_url: only.url, caption, alt_text: only.alt });
    }
    const children: string[] = [];
    for (const [index, image] of request.images.entries()) {
      const child = await this.#create(request, signal, index + 1, {
        image_url: image.url,
        is_carousel_item: true,
        alt_text: image.alt,
      });
      if (!child.ok) return child;
      // A carousel container takes only children Instagram has finished with.
      const finished = await this.#waitFinished(request, child.value, signal, index + 1);
      if (!finished.ok) return finished;
      children.push(child.value);
    }
    const carousel = await this.#call(
      request,
      signal,
      this.#step(request, 'POST /{ig-user-id}/media (carousel)', false),
      {
        path: `${igUserId}/media`,
        params: { media_type: 'CAROUSEL', children: children.join(','), caption },
      },
    );
    if (!carousel.ok) return carousel;
    return this.#idOf(carousel.value, 'POST /{ig-user-id}/media (carousel)');
  }

  async #create(
    request: PublishRequest,
    signal: AbortSignal,
    image: number,
    params: GraphParams,
  ): Promise<Attempted<string>> {
    const step = this.#step(request, 'POST /{ig-user-id}/media', false, image);
    const answer = await this.#call(request, signal, step, {
      path: `${this.#options.igUserId}/media`,
      params,
    });
    if (!answer.ok) return answer;
    return this.#idOf(answer.value, step.endpoint);
  }

  /** Looks at a container until FINISHED, at most DEFAULT_POLL_DELAYS_MS.length + 1 times. */
  async #waitFinished(
    request: PublishRequest,
    containerId: string,
    signal: AbortSignal,
    image?: number,
  ): Promise<Attempted<void>> {
    const delays = this.#options.pollDelaysMs ?? DEFAULT_POLL_DELAYS_MS;
    for (let poll = 0; ; poll += 1) {
      const status = await this.#status(request, containerId, signal);
      if (!status.ok) return status;
      const { code, text } = status.value;
      if (code === 'FINISHED') return { ok: true, value: undefined };
      if (code === 'ERROR')
        return { ok: false, outcome: this.#containerError(request, containerId, text, image) };
      if (code !== 'IN_PROGRESS') {
        const next = code === 'EXPIRED' ? 'a new attempt makes another' : 'the next attempt looks again';
        return {
          ok: false,
          outcome: { kind: 'unavailable', detail: `container ${containerId} is ${code}: ${next}` },
        };
      }
      const delay = delays[poll];
      if (delay === undefined) {
        return {
          ok: false,
          outcome: {
            kind: 'unavailable',
            detail: `container ${containerId} still IN_PROGRESS after ${poll + 1} looks; the next attempt resumes it`,
          },
        };
      }
      try {
        await this.#options.sleep(delay, signal);
      } catch {
        return {
          ok: false,
          outcome: {
            kind: 'unavailable',
            detail: `the attempt’s time ran out while container ${containerId} was IN_PROGRESS; the next attempt resumes it`,
          },
        };
      }
    }
  }

  /** The outcome of a container in ERROR: the image refused, or worth a new container. */
  #containerError(
    request: PublishRequest,
    containerId: string,
    text: string,
    image?: number,
  ): PublishOutcome {
    const subcode = /\b2207\d{3}\b/.exec(text)?.[0];
    const detail = `container ${containerId} is ERROR${text === '' ? '' : `: ${text}`}`;
    if (subcode !== undefined && !IMAGE_SUBCODES.has(subcode)) {
      return { kind: 'unavailable', detail: `${detail}; a new attempt makes another container` };
    }
    const words = WORDS[request.team.language];
    const what = words.imageFailed(text === '' ? 'ERROR' : text);
    return rejected('media_unreachable', detail, image === undefined ? what : words.image(image, what));
  }

  /**
   * A container's `status_code` and `status`; GONE when Graph answers that
   * it does not exist (100/33) or has expired (2207006, 2207008, 2207020);
   * UNREADABLE when the answer says nothing Araldo knows.
   */
  async #status(
    request: PublishRequest,
    containerId: string,
    signal: AbortSignal,
  ): Promise<Attempted<{ code: ContainerStatus | 'GONE' | 'UNREADABLE'; text: string }>> {
    const step: GraphStep = { ...this.#step(request, 'GET /{container-id}', false), accept: isGone };
    const answer = await this.#call(request, signal, step, {
      path: encodeURIComponent(containerId),
      params: { fields: 'status_code,status' },
      get: true,
    });
    if (!answer.ok) return answer;
    if (answer.value.status >= 300) return { ok: true, value: { code: 'GONE', text: '' } };
    const code = stringField(answer.value.json, 'status_code') ?? '';
    return {
      ok: true,
      value: {
        code: CONTAINER_STATUSES.includes(code) ? (code as ContainerStatus) : 'UNREADABLE',
        text: stringField(answer.value.json, 'status') ?? '',
      },
    };
  }

  /**
   * Reads the account's publishing quota; `rate_limited` until the 24-hour
   * window frees a place when it is used up. The window moves: a place frees
   * 24 hours after the oldest publication in it. Araldo takes the oldest of
   * the account's latest media still inside the window as that publication:
   * it may be a post made in the app, which the quota does not count, so
   * the estimate can only be early (the next attempt reads the quota again
   * and waits again), or late when the account published more than
   * RECENT_MEDIA times in a day. Unreadable: one hour.
   */
  async #checkQuota(request: PublishRequest, signal: AbortSignal): Promise<Attempted<void>> {
    const { igUserId, now } = this.#options;
    const limit = await this.#call(
      request,
      signal,
      this.#step(request, 'GET /{ig-user-id}/content_publishing_limit', false),
      {
        path: `${igUserId}/content_publishing_limit`,
        params: { fields: 'config,quota_usage' },
        get: true,
      },
    );
    if (!limit.ok) return limit;
    const [entry] = arrayOf(objectOf(limit.value.json)?.data);
    const usage = objectOf(entry)?.quota_usage;
    const config = objectOf(objectOf(entry)?.config);
    const total = config?.quota_total;
    const durationS = typeof config?.quota_duration === 'number' ? config.quota_duration : 86_400;
    // Unreadable: go on; media_publish itself refuses over the quota (9/2207042).
    if (typeof usage !== 'number' || typeof total !== 'number' || usage < total)
      return { ok: true, value: undefined };

    const at = now().getTime();
    const windowMs = durationS * 1000;
    let retryAfterMs = DEFAULT_QUOTA_WAIT_MS;
    const recent = await this.#call(request, signal, this.#step(request, 'GET /{ig-user-id}/media', false), {
      path: `${igUserId}/media`,
      params: { fields: 'id,timestamp', limit: RECENT_MEDIA },
      get: true,
    });
    if (recent.ok) {
      const inWindow = arrayOf(objectOf(recent.value.json)?.data)
        .map((media) => Date.parse(stringField(media, 'timestamp') ?? ''))
        .filter((time) => Number.isFinite(time) && time > at - windowMs && time <= at);
      if (inWindow.length > 0) retryAfterMs = boundWait(Math.min(...inWindow) + windowMs - at);
    }
    return {
      ok: false,
      outcome: {
        kind: 'rate_limited',
        retryAfterMs,
        detail: `Instagram's publishing quota is used up (${usage} of ${total} in ${durationS / 3600} h): no container made`,
      },
    };
  }

  /**
   * After a cut-off attempt whose media_publish may have landed: the post
   * among the account's latest media, by its caption (the newest match);
   * undefined when it is not there. A failed look is its outcome.
   */
  async #findPublished(
    request: PublishRequest,
    containerId: string,
    signal: AbortSignal,
  ): Promise<PublishOutcome | undefined> {
    const answer = await this.#call(request, signal, this.#step(request, 'GET /{ig-user-id}/media', false), {
      path: `${this.#options.igUserId}/media`,
      params: { fields: 'id,permalink,caption,timestamp', limit: RECENT_MEDIA },
      get: true,
    });
    if (!answer.ok) return answer.outcome;
    const caption = request.text.trim();
    const found = arrayOf(objectOf(answer.value.json)?.data)
      .filter((media) => (stringField(media, 'caption') ?? '').trim() === caption)
      .map((media) => ({ id: stringField(media, 'id'), permalink: stringField(media, 'permalink') }))
      .find((media) => media.id !== undefined);
    if (found?.id === undefined) return undefined;
    await this.#save(request, { containerId, mediaId: found.id });
    return { kind: 'published', remoteId: found.id, url: found.permalink ?? '' };
  }

  /**
   * The published media with its `permalink`. When the address cannot be
   * read the post is still published: the outcome says so with no address
   * rather than asking for a retry of a post that is there.
   */
  async #published(request: PublishRequest, mediaId: string, signal: AbortSignal): Promise<PublishOutcome> {
    const answer = await this.#call(request, signal, this.#step(request, 'GET /{media-id}', false), {
      path: encodeURIComponent(mediaId),
      params: { fields: 'permalink' },
      get: true,
    });
    const url = answer.ok ? stringField(answer.value.json, 'permalink') : undefined;
    if (url === undefined) {
      this.#options.logger.warn(
        { delivery: request.deliveryId, mediaId },
        'instagram permalink could not be read; published without an address',
      );
    }
    return { kind: 'published', remoteId: mediaId, url: url ?? '' };
  }

  /** Keeps progress on the delivery; a lost lease or a store failure stops the attempt. */
  async #save(request: PublishRequest, checkpoint: Record<string, string>): Promise<Attempted<void>> {
    try {
      if (await request.saveCheckpoint(checkpoint)) return { ok: true, value: undefined };
      return {
        ok: false,
        outcome: { kind: 'unavailable', detail: 'this worker no longer holds the delivery: stopped' },
      };
    } catch (error) {
      this.#options.logger.error(
        { delivery: request.deliveryId, err: error },
        'instagram checkpoint not saved',
      );
      return {
        ok: false,
        outcome: {
          kind: 'unavailable',
          detail: 'the container id could not be kept: stopped before publishing',
        },
      };
    }
  }

  #step(request: PublishRequest, endpoint: string, publishing: boolean, image?: number): GraphStep {
    return publicationStep(request, 'igUserId', endpoint, publishing, image);
  }

  #call(
    request: PublishRequest,
    signal: AbortSignal,
    step: GraphStep,
    call: GraphRequest,
  ): Promise<Attempted<GraphAnswer>> {
    return graphRequest(this.#options.client, this.#options.logger, request, signal, step, call);
  }

  /** The id of a new container; without one nothing can be published from it. */
  #idOf(answer: GraphAnswer, endpoint: string): Attempted<string> {
    const id = stringField(answer.json, 'id');
    if (id !== undefined) return { ok: true, value: id };
    return {
      ok: false,
      outcome: {
        kind: 'unavailable',
        detail: `${endpoint} answered HTTP ${answer.status} without a container id; nothing was published`,
      },
    };
  }
}

/** A container Graph no longer has: no such object (100/33), expired (2207006, 2207008, 2207020). */
function isGone(answer: GraphAnswer): boolean {
  const error = readGraphError(answer.json);
  if (answer.status < 400 || answer.status >= 500 || error === undefined) return false;
  return (
    (error.code === 100 && error.subcode === 33) ||
    (error.subcode !== undefined && [2207006, 2207008, 2207020].includes(error.subcode))
  );
}

function arrayOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
