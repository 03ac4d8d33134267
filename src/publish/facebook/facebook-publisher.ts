import type { CredentialCheck, Logger, Publisher, PublishRequest } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import type { Attempted } from '../attempted.ts';
import { endedPublication } from '../ended-publication.ts';
import { checkGraphToken } from '../graph/debug-token.ts';
import { type GraphRequest, type GraphStep, graphRequest, publicationStep } from '../graph/graph-call.ts';
import { type GraphAnswer, type GraphClient, type GraphParams, stringField } from '../graph/graph-client.ts';

/** A Facebook Page target, resolved from its configuration. */
export interface FacebookPublisherOptions {
  /** the Graph client with the Page access token, on the target's pinned version */
  readonly client: GraphClient;
  /** the same Page access token, for debug_token's `input_token` */
  readonly accessToken: string;
  readonly pageId: string;
  readonly logger: Logger;
  /** the core's clock (credential checks) */
  readonly now: () => Date;
}

/**
 * The `facebook` network: a Page post through the Graph API
 * (developers.facebook.com/docs/pages-api/posts, .../graph-api/reference/page/feed,
 * .../graph-api/reference/photo):
 * - text alone: POST /{page-id}/feed with `message`;
 * - one image: POST /{page-id}/photos with `url`, `caption` and the alt
 *   text in `alt_text_custom` ("Accessible alternative description for an
 *   image"), which makes the photo post itself;
 * - several: each image uploaded unpublished (POST /{page-id}/photos with
 *   `published=false`; Meta deletes such uploads after about 24 hours if no
 *   post uses them), then one POST /{page-id}/feed with `message` and
 *   `attached_media[i]={"media_fbid": …}`;
 * then GET /{post-id}?fields=permalink_url for the public address.
 * Graph takes no idempotency key for posts, and a repeat within a short
 * time answers 506 (duplicate): the network is not idempotent, and a post
 * whose answer was lost is reported `unknown` for a person to check.
 */
export class FacebookPublisher implements Publisher {
  readonly idempotent = false;
  readonly #options: FacebookPublisherOptions;

  constructor(options: FacebookPublisherOptions) {
    this.#options = options;
  }

  async publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    const posted = await this.#post(request, signal);
    if (!posted.ok) return this.#ended(request, posted.outcome);
    const postId = posted.value;
    return { kind: 'published', remoteId: postId, url: await this.#permalink(request, postId, signal) };
  }

  checkCredentials(signal: AbortSignal): Promise<CredentialCheck> {
    const { client, accessToken, now } = this.#options;
    return checkGraphToken(client, accessToken, now(), signal);
  }

  /** Makes the post: its id (`{page-id}_{post-id}`). */
  async #post(request: PublishRequest, signal: AbortSignal): Promise<Attempted<string>> {
    const { pageId } = this.#options;
    const { images, text } = request;
    const [only] = images;
    if (images.length === 1 && only !== undefined) {
      const answer = await this.#call(
        request,
        signal,
        this.#step(request, 'POST /{page-id}/photos', true, 1),
        {
          path: `${pageId}/photos`,
          params: { url: only.url, caption: text || undefined, alt_text_custom: only.alt },
        },
      );
      if (!answer.ok) return answer;
      // The photo's own id answers too; the post is `post_id`.
      return this.#idOf(answer.value, 'post_id', 'POST /{page-id}/photos');
    }
    const attached: GraphParams[] = [];
    for (const [index, image] of images.entries()) {
      const step = this.#step(request, 'POST /{page-id}/photos (unpublished)', false, index + 1);
      const answer = await this.#call(request, signal, step, {
        path: `${pageId}/photos`,
        params: { url: image.url, published: false, alt_text_custom: image.alt },
      });
      if (!answer.ok) return answer;
      const photo = this.#idOf(answer.value, 'id', step.endpoint, false);
      if (!photo.ok) return photo;
      attached.push({ [`attached_media[${index}]`]: JSON.stringify({ media_fbid: photo.value }) });
    }
    const answer = await this.#call(request, signal, this.#step(request, 'POST /{page-id}/feed', true), {
      path: `${pageId}/feed`,
      params: Object.assign({ message: text || undefined }, ...attached),
    });
    if (!answer.ok) return answer;
    return this.#idOf(answer.value, 'id', 'POST /{page-id}/feed');
  }

  /**
   * The post's `permalink_url`; when it cannot be read, the address Facebook
   * resolves any post id at, so the team still gets a working link.
   */
  async #permalink(request: PublishRequest, postId: string, signal: AbortSignal): Promise<string> {
    const fallback = `https://www.facebook.com/${encodeURIComponent(postId)}`;
    const answer = await this.#call(request, signal, this.#step(request, 'GET /{post-id}', false), {
      path: encodeURIComponent(postId),
      params: { fields: 'permalink_url' },
      get: true,
    });
    if (!answer.ok) {
      this.#options.logger.warn(
        { delivery: request.deliveryId, postId, detail: answer.outcome.kind },
        'facebook permalink could not be read; using the post id address',
      );
      return fallback;
    }
    const url = stringField(answer.value.json, 'permalink_url');
    return url !== undefined && /^https?:\/\//.test(url) ? url : fallback;
  }

  #step(request: PublishRequest, endpoint: string, publishing: boolean, image?: number): GraphStep {
    return publicationStep(request, 'pageId', endpoint, publishing, image);
  }

  #call(
    request: PublishRequest,
    signal: AbortSignal,
    step: GraphStep,
    call: GraphRequest,
  ): Promise<Attempted<GraphAnswer>> {
    return graphRequest(this.#options.client, this.#options.logger, request, signal, step, call);
  }

  /**
   * The id a 2xx answer carries. Without one, a publishing call may still
   * have made the post (`unknown`); an upload made nothing public.
   */
  #idOf(answer: GraphAnswer, field: string, endpoint: string, publishing = true): Attempted<string> {
    const id = stringField(answer.json, field) ?? (publishing ? stringField(answer.json, 'id') : undefined);
    if (id !== undefined) return { ok: true, value: id };
    const detail = `${endpoint} answered HTTP ${answer.status} without a readable id`;
    return {
      ok: false,
      outcome: publishing
        ? { kind: 'unknown', detail: `${detail}: the post is probably there` }
        : { kind: 'unavailable', detail: `${detail}; nothing was published` },
    };
  }

  /** Logs a publication that did not go through, then hands its outcome back. */
  #ended(request: PublishRequest, outcome: PublishOutcome): PublishOutcome {
    return endedPublication(this.#options.logger, 'facebook', request, outcome);
  }
}
