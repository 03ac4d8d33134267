import type { CredentialCheck, Logger, Publisher, PublishRequest } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import type { Attempted } from '../attempted.ts';
import { endedPublication } from '../ended-publication.ts';
import { downloadImage } from '../image-download.ts';
import { fromImageProblem, refuseBeforeSending } from '../image-outcome.ts';
import { describeRequestError } from '../request-error.ts';
import { fromIntrospection, fromIntrospectionFailure } from './credential-check.ts';
import { type LinkedinAnswer, LinkedinApi, type PostBody } from './linkedin-api.ts';
import { toLittleText } from './little-text.ts';
import {
  fromApiAnswer,
  fromBadUploadUrl,
  fromPostCreated,
  fromRequestFailure,
  IMAGE_RULES,
  IMAGE_TYPES,
  MAX_IMAGE_BYTES,
  type OutcomeContext,
  readInitializeUpload,
  type Step,
} from './outcome.ts';

/** A LinkedIn target's settings, resolved from its configuration. */
export interface LinkedinPublisherOptions {
  /** the REST API's address without trailing slash (`https://api.linkedin.com`) */
  readonly apiUrl: string;
  /** the OAuth host's address without trailing slash (`https://www.linkedin.com`) */
  readonly oauthUrl: string;
  /** the page that publishes: `urn:li:organization:<id>` */
  readonly organizationUrn: string;
  /** `LinkedIn-Version`, YYYYMM */
  readonly apiVersion: string;
  /** a member's 3-legged token holding w_organization_social, the member an administrator of the page */
  readonly accessToken: string;
  /** the LinkedIn application's client id and secret, for token introspection; absent: no check */
  readonly client?: { readonly id: string; readonly secret: string };
  readonly logger: Logger;
  /** the fetch to call LinkedIn and the images' servers with; the global one by default */
  readonly fetch?: typeof fetch;
  /** the current instant (a 429's wait until midnight UTC, an expiry past) */
  readonly now: () => Date;
}

/**
 * The `linkedin` network: one public post on an organization page (Posts
 * API, the organization as author), its text escaped as little text with
 * hashtags kept (little-text.ts), each image first fetched, registered
 * (Images API initializeUpload), and its bytes PUT to the address LinkedIn
 * gives; one image goes as `content.media`, 2 to 20 as `content.multiImage`,
 * each with its alt text. LinkedIn keeps no idempotency key and answers a
 * repeat with 422 duplicate, so a post whose answer was lost ends
 * `unknown` and the engine asks a person; images uploaded by an attempt
 * that went no further stay unused on LinkedIn, attached to nothing.
 *
 * With the application's client id and secret, `checkCredentials` asks
 * LinkedIn's token introspection when the token expires (60 days after it
 * was made); without them there is no check, and the first sign of an
 * expired token is a failed publication.
 */
export class LinkedinPublisher implements Publisher {
  readonly idempotent = false;
  readonly checkCredentials?: (signal: AbortSignal) => Promise<CredentialCheck>;
  readonly #options: LinkedinPublisherOptions;
  readonly #api: LinkedinApi;

  constructor(options: LinkedinPublisherOptions) {
    this.#options = options;
    this.#api = new LinkedinApi({
      apiUrl: options.apiUrl,
      oauthUrl: options.oauthUrl,
      accessToken: options.accessToken,
      version: options.apiVersion,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    const { client } = options;
    if (client !== undefined) this.checkCredentials = (signal) => this.#introspect(client, signal);
  }

  async publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    const language = request.team.language;
    const refused = refuseBeforeSending(request.images, IMAGE_RULES, language);
    if (refused) return refused;
    if (signal.aborted) return { kind: 'unavailable', detail: 'the attempt’s time ran out before sending' };

    const images: { id: string; altText: string }[] = [];
    for (const [index, image] of request.images.entries()) {
      const uploaded = await this.#uploadImage(request, index + 1, image.url, signal);
      if (!uploaded.ok) return this.#ended(request, uploaded.outcome);
      images.push({ id: uploaded.value, altText: image.alt });
    }
    if (signal.aborted) {
      return { kind: 'unavailable', detail: 'the attempt’s time ran out before the post was sent' };
    }

    const [first] = images;
    const body: PostBody = {
      author: this.#options.organizationUrn,
      commentary: toLittleText(request.text),
      visibility: 'PUBLIC',
      distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
      ...(images.length > 1
        ? { content: { multiImage: { images } } }
        : first === undefined
          ? {}
          : { content: { media: first } }),
      lifecycleState: 'PUBLISHED',
      isReshareDisabledByAuthor: false,
    };
    const answer = await this.#send('post', request, signal, (s) => this.#api.createPost(body, s));
    if (!answer.ok) return this.#ended(request, answer.outcome);
    const outcome =
      answer.value.status === 201 || answer.value.status === 200
        ? fromPostCreated(answer.value)
        : fromApiAnswer(answer.value, 'post', this.#context(request));
    return this.#ended(request, outcome);
  }

  /** Fetches image `position`, registers it for the organization, PUTs its bytes: its image URN. */
  async #uploadImage(
    request: PublishRequest,
    position: number,
    url: string,
    signal: AbortSignal,
  ): Promise<Attempted<string>> {
    const language = request.team.language;
    const file = await downloadImage(url, {
      fetch: this.#options.fetch ?? fetch,
      signal,
      maxBytes: MAX_IMAGE_BYTES,
      accepts: IMAGE_TYPES,
    });
    if (!file.ok) {
      return { ok: false, outcome: fromImageProblem(file.error, position, IMAGE_RULES, language) };
    }

    const context = this.#context(request, position);
    const initialized = await this.#send(
      'image_init',
      request,
      signal,
      (s) => this.#api.initializeImageUpload(this.#options.organizationUrn, s),
      position,
    );
    if (!initialized.ok) return initialized;
    if (initialized.value.status !== 200) {
      return { ok: false, outcome: fromApiAnswer(initialized.value, 'image_init', context) };
    }
    const registered = readInitializeUpload(initialized.value.body);
    if (registered === undefined) {
      return {
        ok: false,
        outcome: {
          kind: 'unavailable',
          detail: `image ${position}: initializeUpload answered 200 without a readable uploadUrl and image`,
        },
      };
    }
    if (!this.#isUploadAddress(registered.uploadUrl)) {
      return { ok: false, outcome: fromBadUploadUrl(position, language) };
    }
    const put = await this.#send(
      'image_upload',
      request,
      signal,
      (s) => this.#api.uploadImage(registered.uploadUrl, file.value.bytes, file.value.type, s),
      position,
    );
    if (!put.ok) return put;
    if (put.value.status !== 201 && put.value.status !== 200) {
      return { ok: false, outcome: fromApiAnswer(put.value, 'image_upload', context) };
    }
    return { ok: true, value: registered.image };
  }

  /**
   * Whether the token may go to `uploadUrl`: an https address (LinkedIn's
   * own, www.linkedin.com/dms-uploads/…), or one on the API's own origin
   * (a fake on loopback in tests).
   */
  #isUploadAddress(uploadUrl: string): boolean {
    try {
      const url = new URL(uploadUrl);
      return url.protocol === 'https:' || url.origin === new URL(this.#options.apiUrl).origin;
    } catch {
      return false;
    }
  }

  async #introspect(
    client: { readonly id: string; readonly secret: string },
    signal: AbortSignal,
  ): Promise<CredentialCheck> {
    try {
      const answer = await this.#api.introspectToken(client.id, client.secret, signal);
      return fromIntrospection(answer, this.#options.now());
    } catch (error) {
      const failure = describeRequestError(error);
      this.#options.logger.warn({ code: failure.code }, 'linkedin token introspection got no answer');
      return fromIntrospectionFailure(failure, signal.aborted);
    }
  }

  /** One API call: its answer, or the outcome of a call that got none. */
  async #send(
    step: Step,
    request: PublishRequest,
    signal: AbortSignal,
    call: (signal: AbortSignal) => Promise<LinkedinAnswer>,
    image?: number,
  ): Promise<Attempted<LinkedinAnswer>> {
    try {
      return { ok: true, value: await call(signal) };
    } catch (error) {
      const failure = describeRequestError(error);
      // The code only: undici's error may carry the request, and with it the token.
      this.#options.logger.warn(
        { delivery: request.deliveryId, step, image, code: failure.code },
        'linkedin request got no answer',
      );
      return { ok: false, outcome: fromRequestFailure(step, failure, signal.aborted, image) };
    }
  }

  #context(request: PublishRequest, image?: number): OutcomeContext {
    return {
      language: request.team.language,
      apiUrl: this.#options.apiUrl,
      version: this.#options.apiVersion,
      now: this.#options.now(),
      ...(image === undefined ? {} : { image }),
    };
  }

  /** Logs a publication that did not go through, then hands its outcome back. */
  #ended(request: PublishRequest, outcome: PublishOutcome): PublishOutcome {
    return endedPublication(this.#options.logger, 'linkedin', request, outcome);
  }
}
