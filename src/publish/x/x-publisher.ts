import { z } from 'zod';
import type { Language } from '../../core/language.ts';
import type { CredentialCheck, Logger, Publisher, PublishRequest } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { parseJson } from '../answer-text.ts';
import { AuthorizedCalls } from '../authorized-calls.ts';
import { endedPublication } from '../ended-publication.ts';
import { type DownloadedImage, downloadImage } from '../image-download.ts';
import { fromImageProblem, refuseBeforeSending } from '../image-outcome.ts';
import { describeRequestError } from '../request-error.ts';
import {
  fromApiAnswer,
  fromPostCreated,
  fromRequestFailure,
  fromTokenAnswer,
  IMAGE_RULES,
  isDeadGrant,
  MAX_IMAGE_BYTES,
  type OutcomeContext,
  readProblem,
  type Step,
} from './outcome.ts';
import type { TokenFailure, XTokenSession } from './token-session.ts';
import { X_IMAGE_TYPES, type XAnswer, type XApi, type XImageType } from './x-api.ts';

/** An X target's settings, resolved from its configuration. */
export interface XPublisherOptions {
  readonly api: XApi;
  /** the API's address, for the words of a misconfigured baseUrl */
  readonly apiUrl: string;
  readonly session: XTokenSession;
  readonly logger: Logger;
  /** the fetch to download the images with */
  readonly fetch: typeof fetch;
  readonly now: () => Date;
}

/** Where a call of a publication is: its step, and for a media step its image (1-based). */
interface CallPlace {
  readonly step: Step;
  readonly image: number | undefined;
}

const mediaUploaded = z.looseObject({
  data: z.looseObject({
    id: z.string().regex(/^\d{1,19}$/),
    processing_info: z.looseObject({ state: z.string().optional() }).optional(),
  }),
});

/**
 * The `x` network (X API v2 with an OAuth 2.0 user token): the images
 * fetched, each uploaded (POST /2/media/upload) and given its alt text
 * (POST /2/media/metadata), then one post (POST /2/tweets) carrying them.
 * The access token comes from the target's token session and is refreshed
 * ahead of its expiry; a 401 refreshes once and repeats the call. X has no
 * idempotency: a post whose answer was lost is `unknown`, and a repeat of
 * one that landed answers 403 duplicate content.
 */
export class XPublisher implements Publisher {
  readonly idempotent = false;
  readonly #options: XPublisherOptions;

  constructor(options: XPublisherOptions) {
    this.#options = options;
  }

  async publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    const language = request.team.language;
    const refused = refuseBeforeSending(request.images, IMAGE_RULES, language);
    if (refused) return refused;
    if (signal.aborted) return { kind: 'unavailable', detail: 'the attempt’s time ran out before sending' };

    // Every image is fetched before anything reaches X: an image that cannot
    // be had costs no token refresh and no upload.
    const files: DownloadedImage<XImageType>[] = [];
    for (const [index, image] of request.images.entries()) {
      const file = await downloadImage(image.url, {
        fetch: this.#options.fetch,
        signal,
        maxBytes: MAX_IMAGE_BYTES,
        accepts: X_IMAGE_TYPES,
      });
      if (!file.ok) {
        return this.#ended(request, fromImageProblem(file.error, index + 1, IMAGE_RULES, language));
      }
      files.push(file.value);
    }

    // A 401 refreshes the access token once and repeats the call.
    const calls = new AuthorizedCalls<XAnswer, CallPlace>(this.#options.session, signal, {
      isTokenRefused: (answer) => answer.status === 401,
      tokenFailure: ({ step }, failure) => this.#fromTokenFailure(step, failure, language),
      noAnswer: ({ step, image }, error) => this.#noAnswer(request, step, image, error, signal.aborted),
    });
    const mediaIds: string[] = [];
    for (const [index, file] of files.entries()) {
      const position = index + 1;
      const context = this.#context(language, position);
      const uploaded = await calls.run({ step: 'media_upload', image: position }, (token) =>
        this.#options.api.uploadImage(token, file, signal),
      );
      if (!uploaded.ok) return this.#ended(request, uploaded.outcome);
      const media = mediaUploaded.safeParse(parseJson(uploaded.value.body));
      if (uploaded.value.status < 200 || uploaded.value.status >= 300) {
        return this.#ended(request, fromApiAnswer(uploaded.value, 'media_upload', context));
      }
      if (!media.success) {
        return this.#ended(request, {
          kind: 'unavailable',
          detail: `image ${position}: POST /2/media/upload answered ${uploaded.value.status} without a readable media id`,
        });
      }
      // An image in tweet_image is ready when answered; a failed processing never will be.
      if (media.data.data.processing_info?.state === 'failed') {
        return this.#ended(
          request,
          fromApiAnswer({ ...uploaded.value, status: 400 }, 'media_upload', context),
        );
      }
      const mediaId = media.data.data.id;
      const alt = request.images[index]?.alt.trim() ?? '';
      if (alt !== '') {
        const described = await calls.run({ step: 'media_metadata', image: position }, (token) =>
          this.#options.api.setAltText(token, mediaId, alt, signal),
        );
        if (!described.ok) return this.#ended(request, described.outcome);
        if (described.value.status < 200 || described.value.status >= 300) {
          return this.#ended(request, fromApiAnswer(described.value, 'media_metadata', context));
        }
      }
      mediaIds.push(mediaId);
    }
    if (signal.aborted) {
      return this.#ended(request, {
        kind: 'unavailable',
        detail: 'the attempt’s time ran out before the post was sent; nothing was published',
      });
    }

    const text = request.text.trim() === '' ? {} : { text: request.text };
    const payload = mediaIds.length === 0 ? text : { ...text, media: { media_ids: mediaIds } };
    const posted = await calls.run({ step: 'post', image: undefined }, (token) =>
      this.#options.api.createPost(token, payload, signal),
    );
    if (!posted.ok) return this.#ended(request, posted.outcome);
    const outcome =
      posted.value.status >= 200 && posted.value.status < 300
        ? fromPostCreated(posted.value)
        : fromApiAnswer(posted.value, 'post', this.#context(language));
    return this.#ended(request, outcome);
  }

  /**
   * X has no token introspection: the check refreshes when a refresh is due
   * (and only then), which proves the stored refresh token is alive. Valid
   * with no expiry (refreshed for ever while used), revoked when X refuses
   * the refresh token or the app, unknown when X could not be asked.
   */
  async checkCredentials(signal: AbortSignal): Promise<CredentialCheck> {
    const token = await this.#options.session.accessToken(signal);
    if (token.ok) {
      return {
        kind: 'valid',
        expiresAt: undefined,
        detail: token.refreshed ? 'refreshed the access token' : 'the stored access token is fresh',
      };
    }
    const { failure } = token;
    switch (failure.kind) {
      case 'aborted':
        return { kind: 'unknown', detail: 'the check’s time ran out while refreshing' };
      case 'no_answer':
        return { kind: 'unknown', detail: `X did not answer the token refresh (${failure.failure.code})` };
      case 'malformed':
        return { kind: 'unknown', detail: failure.detail };
      case 'answer': {
        const { answer } = failure;
        const problem = readProblem(answer.body);
        const said = `POST /2/oauth2/token answered HTTP ${answer.status}${problem.error === undefined ? '' : ` ${problem.error}`}${problem.reason === undefined ? '' : `: ${problem.reason}`}`;
        if (isDeadGrant(answer)) {
          return {
            kind: 'revoked',
            detail: `${said}; the account must be authorized again (README, section "X")`,
          };
        }
        if (answer.status === 401 || answer.status === 400) {
          return { kind: 'revoked', detail: `${said}; X refuses the app's clientId or clientSecret` };
        }
        return { kind: 'unknown', detail: said };
      }
    }
  }

  #fromTokenFailure(step: Step, failure: TokenFailure, language: Language): PublishOutcome {
    switch (failure.kind) {
      case 'aborted':
        return {
          kind: 'unavailable',
          detail: `${step}: the attempt’s time ran out while refreshing the access token; nothing was published`,
        };
      case 'no_answer':
        return fromRequestFailure('token', failure.failure, false);
      case 'malformed':
        return { kind: 'unavailable', detail: failure.detail };
      case 'answer':
        return fromTokenAnswer(failure.answer, this.#context(language));
    }
  }

  /** The outcome of a call that got no answer, logged. */
  #noAnswer(
    request: PublishRequest,
    step: Step,
    image: number | undefined,
    error: unknown,
    aborted: boolean,
  ) {
    const failure = describeRequestError(error);
    this.#options.logger.warn(
      { delivery: request.deliveryId, step, image, code: failure.code, err: error },
      'x request got no answer',
    );
    return fromRequestFailure(step, failure, aborted, image);
  }

  #context(language: Language, image?: number): OutcomeContext {
    return {
      language,
      apiUrl: this.#options.apiUrl,
      now: this.#options.now(),
      ...(image === undefined ? {} : { image }),
    };
  }

  /** Logs a publication that did not go through, then hands its outcome back. */
  #ended(request: PublishRequest, outcome: PublishOutcome): PublishOutcome {
    return endedPublication(this.#options.logger, 'x', request, outcome);
  }
}
