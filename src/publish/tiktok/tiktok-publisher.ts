import { z } from 'zod';
import type { Language } from '../../core/language.ts';
import { imageFormatOf } from '../../core/network-rules.ts';
import type { CredentialCheck, Logger, Publisher, PublishRequest } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import type { Attempted } from '../attempted.ts';
import { AuthorizedCalls } from '../authorized-calls.ts';
import { endedPublication } from '../ended-publication.ts';
import { rejected } from '../rejected.ts';
import { describeRequestError } from '../request-error.ts';
import {
  describeAnswer,
  fromApiAnswer,
  fromFailReason,
  fromImageFormat,
  fromRequestFailure,
  fromTokenAnswer,
  type OutcomeContext,
} from './outcome.ts';
import { MAX_DESCRIPTION_LENGTH, toPhotoPostText } from './post-text.ts';
import {
  isOk,
  type PhotoInitPayload,
  type PostMode,
  PRIVACY_LEVELS,
  type PrivacyLevel,
  type Step,
  type TikTokAnswer,
  type TikTokApi,
} from './tiktok-api.ts';
import type { TikTokTokenSession, TokenFailure } from './token-session.ts';

/** A TikTok target's non-secret settings, as network.ts parses them. */
export interface TikTokPostSettings {
  /** DIRECT_POST publishes; MEDIA_UPLOAD leaves the post in the account's TikTok inbox */
  readonly postMode: PostMode;
  /** the privacy level to use when the account does not allow PUBLIC_TO_EVERYONE; undefined: refuse then */
  readonly privacyLevel: PrivacyLevel | undefined;
  /** DIRECT_POST: no comments on the post */
  readonly disableComment: boolean;
  /** DIRECT_POST: TikTok adds recommended music to the photos */
  readonly autoAddMusic: boolean;
}

/** What a TikTok publisher needs. */
export interface TikTokPublisherOptions {
  readonly api: TikTokApi;
  /** the API's address, for the words of a misconfigured baseUrl */
  readonly apiUrl: string;
  readonly session: TikTokTokenSession;
  readonly settings: TikTokPostSettings;
  readonly logger: Logger;
  readonly now: () => Date;
  /** waits between two looks at the post's status (the core's sleep; tests pass one that does not wait) */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** the waits before the 1st, 2nd… look at the status; default POLL_DELAYS_MS */
  readonly pollDelaysMs?: readonly number[];
}

/**
 * The most rate-limited requests (creator_info, init, status) one attempt
 * makes. TikTok counts per access token and per minute: 6 inits, 20
 * creator_info, 30 status fetches (the photo post, creator info and
 * get-status references). Araldo keeps to the strictest reading, 6 requests
 * of any kind a minute, so that no endpoint's limit can be met: an attempt
 * makes at most 6 and lasts under half a minute (POLL_DELAYS_MS), and the
 * registry's pacing starts attempts 90 s apart, so any minute sees the
 * requests of one attempt at most (network.ts explains the arithmetic).
 */
export const MAX_REQUESTS_PER_ATTEMPT = 6;

/**
 * Waits before each look at the status: 26 s for six looks, so an attempt
 * ends within the core's 30-second limit with its own answer. A photo post
 * is usually downloaded in seconds; moderation of a public post "usually
 * finishes within one minute" (get-video-status), so a post still processing
 * is left to the next attempt, which finds it through the checkpoint.
 */
export const POLL_DELAYS_MS: readonly number[] = Object.freeze([2000, 3000, 4000, 5000, 6000, 6000]);

/** The most images of a photo post (photo post reference: photo_images "up to 35"). */
export const MAX_IMAGES = 35;

/** The image formats TikTok pulls for a photo post (media transfer guide: JPEG and WebP). */
const ACCEPTED_FORMATS: readonly string[] = ['jpeg', 'webp'];

/** The public address of a photo post (tiktok.com/@{username}/photo/{post id}, as the TikTok app shares it). */
export function photoUrl(username: string, postId: string): string {
  return `https://www.tiktok.com/@${encodeURIComponent(username)}/photo/${postId}`;
}

/** The calls of one publication: on access_token_invalid the token is refreshed once and the call repeated. */
type TikTokCalls = AuthorizedCalls<TikTokAnswer, Step>;

const creatorInfo = z.looseObject({
  data: z.looseObject({
    creator_username: z.string().optional(),
    privacy_level_options: z.array(z.string()),
    comment_disabled: z.boolean().optional(),
  }),
});

const initAnswer = z.looseObject({ data: z.looseObject({ publish_id: z.string().min(1).max(200) }) });

const statusAnswer = z.looseObject({
  data: z.looseObject({ status: z.string(), fail_reason: z.string().optional() }),
});

// `publicaly_available_post_id` is a list of int64 (get-video-status): a post id
// has 19 digits, past what a JavaScript number holds exactly, so the digits are
// read from the body's text, never from JSON.parse's numbers.
const POST_ID = /"publicaly_available_post_id"\s*:\s*\[\s*"?(\d{1,25})/;

/** Where a publication is: kept in the delivery's checkpoint right after the init. */
interface Progress {
  readonly publishId: string;
  readonly postMode: PostMode;
  readonly privacyLevel: PrivacyLevel | undefined;
  /** creator_info's creator_username: the public address needs it; '' when unknown (MEDIA_UPLOAD) */
  readonly username: string;
}

function progressOf(checkpoint: Readonly<Record<string, string>> | undefined): Progress | undefined {
  const publishId = checkpoint?.publishId;
  if (checkpoint === undefined || publishId === undefined || publishId === '') return undefined;
  const privacy = PRIVACY_LEVELS.find((level) => level === checkpoint.privacyLevel);
  return {
    publishId,
    postMode: checkpoint.postMode === 'MEDIA_UPLOAD' ? 'MEDIA_UPLOAD' : 'DIRECT_POST',
    privacyLevel: privacy,
    username: checkpoint.username ?? '',
  };
}

const WORDS = {
  it: {
    noImage: 'TikTok pubblica solo post con da 1 a 35 immagini: questo non ne ha',
    tooMany: (n: number) => `TikTok accetta al massimo ${MAX_IMAGES} immagini per post, questo ne ha ${n}`,
    tooLong: (n: number) =>
      `il testo ha ${n} caratteri, TikTok ne accetta al massimo ${MAX_DESCRIPTION_LENGTH}`,
    noPrivacy: (options: string) =>
      `l'account TikTok non permette post pubblici (permette: ${options}): scegli una di queste visibilità in "privacyLevel" nelle impostazioni`,
  },
  en: {
    noImage: 'TikTok publishes only posts with 1 to 35 images: this one has none',
    tooMany: (n: number) => `TikTok takes at most ${MAX_IMAGES} images per post, this one has ${n}`,
    tooLong: (n: number) => `the text has ${n} characters, TikTok takes at most ${MAX_DESCRIPTION_LENGTH}`,
    noPrivacy: (options: string) =>
      `the TikTok account does not allow public posts (it allows: ${options}): choose one of these in "privacyLevel" in the settings`,
  },
} as const satisfies Record<Language, unknown>;

/**
 * The `tiktok` network: photo posts through the Content Posting API. For
 * DIRECT_POST it reads the account's creator info (its username and the
 * privacy levels it allows, as TikTok requires before every post), then
 * inits the post with the images' URLs (TikTok pulls them), keeps the
 * publish id on the delivery, and looks at the post's status until TikTok
 * has published it, failed it, or (MEDIA_UPLOAD) left it in the account's
 * inbox. The access token is refreshed ahead of its expiry; an
 * access_token_invalid refreshes once and repeats the call.
 *
 * Not idempotent: TikTok takes no idempotency key, and a crash between the
 * init and the checkpoint leaves a post Araldo cannot find. Once the publish
 * id is kept, a later attempt only looks at that post, never posts again.
 */
export class TikTokPublisher implements Publisher {
  readonly idempotent = false;
  readonly #options: TikTokPublisherOptions;

  constructor(options: TikTokPublisherOptions) {
    this.#options = options;
  }

  async publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    return endedPublication(this.#options.logger, 'tiktok', request, await this.#publish(request, signal));
  }

  /**
   * Refreshes when a refresh is due (and only then), which proves the stored
   * refresh token alive; valid until the refresh token's expiry
   * (refresh_expires_in, 365 days from the last refresh), revoked or expired
   * when TikTok refuses it, unknown when TikTok could not be asked.
   */
  async checkCredentials(signal: AbortSignal): Promise<CredentialCheck> {
    const token = await this.#options.session.accessToken(signal);
    if (token.ok) {
      return {
        kind: 'valid',
        expiresAt: token.refreshExpiresAt === undefined ? undefined : new Date(token.refreshExpiresAt),
        detail: token.refreshed ? 'refreshed the access token' : 'the stored access token is fresh',
      };
    }
    const { failure } = token;
    switch (failure.kind) {
      case 'aborted':
        return { kind: 'unknown', detail: 'the check’s time ran out while refreshing' };
      case 'no_answer':
        return {
          kind: 'unknown',
          detail: `TikTok did not answer the token refresh (${failure.failure.code})`,
        };
      case 'malformed':
        return { kind: 'unknown', detail: failure.detail };
      case 'answer': {
        const outcome = fromTokenAnswer(
          failure.answer,
          failure.refreshExpiresAt,
          this.#options.now(),
          this.#context('en', 'DIRECT_POST'),
        );
        if (outcome.kind === 'rejected' && outcome.code === 'token_expired')
          return { kind: 'expired', detail: outcome.detail };
        if (outcome.kind === 'rejected') return { kind: 'revoked', detail: outcome.detail };
        return { kind: 'unknown', detail: describeAnswer(failure.answer, 'token') };
      }
    }
  }

  async #publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    const language = request.team.language;
    const resumed = progressOf(request.checkpoint);
    // Counts the requests to creator_info, init and status, refused ones included.
    const calls: TikTokCalls = new AuthorizedCalls(this.#options.session, signal, {
      isTokenRefused: (answer) => answer.errorCode === 'access_token_invalid',
      tokenFailure: (_step, failure) => this.#fromTokenFailure(failure, language),
      noAnswer: (step, error) => this.#noAnswer(request, step, error, signal.aborted),
    });
    if (resumed !== undefined) {
      this.#options.logger.info(
        { delivery: request.deliveryId, publishId: resumed.publishId },
        'tiktok resumes from its publish id',
      );
      return this.#poll(request, calls, resumed, signal);
    }

    const refused = this.#refuseBeforeSending(request);
    if (refused) return refused;
    if (signal.aborted) return { kind: 'unavailable', detail: 'the attempt’s time ran out before sending' };

    const { postMode } = this.#options.settings;
    const context = this.#context(language, postMode);
    let privacyLevel: PrivacyLevel | undefined;
    let allowed: readonly string[] = [];
    let username = '';
    let commentDisabled = false;
    // creator_info needs video.publish, which an inbox upload (video.upload) may not have.
    if (postMode === 'DIRECT_POST') {
      const info = await calls.run('creator_info', (token) => this.#options.api.creatorInfo(token, signal));
      if (!info.ok) return info.outcome;
      if (!isOk(info.value)) return fromApiAnswer(info.value, 'creator_info', context);
      const parsed = creatorInfo.safeParse(info.value.json);
      if (!parsed.success) {
        return {
          kind: 'unavailable',
          detail: `${describeAnswer(info.value, 'creator_info')} without privacy_level_options`,
        };
      }
      allowed = parsed.data.data.privacy_level_options;
      username = parsed.data.data.creator_username ?? '';
      commentDisabled = parsed.data.data.comment_disabled ?? false;
      const chosen = this.#choosePrivacy(allowed, language);
      if (!chosen.ok) return chosen.outcome;
      privacyLevel = chosen.value;
    }

    let init = await this.#init(request, calls, privacyLevel, commentDisabled, signal);
    if (!init.ok) return init.outcome;
    // An unaudited app may post only privately: when the creator info offered
    // more than SELF_ONLY, TikTok says so at the init; one more try as SELF_ONLY.
    if (
      init.value.errorCode === 'unaudited_client_can_only_post_to_private_accounts' &&
      privacyLevel !== 'SELF_ONLY' &&
      allowed.includes('SELF_ONLY')
    ) {
      this.#options.logger.info(
        { delivery: request.deliveryId },
        'tiktok: the app is unaudited; posting as SELF_ONLY',
      );
      privacyLevel = 'SELF_ONLY';
      init = await this.#init(request, calls, privacyLevel, commentDisabled, signal);
      if (!init.ok) return init.outcome;
    }
    if (!isOk(init.value)) return fromApiAnswer(init.value, 'init', context);
    const started = initAnswer.safeParse(init.value.json);
    if (!started.success) {
      return {
        kind: 'unknown',
        detail: `${describeAnswer(init.value, 'init')} without a publish_id: the post may be on its way`,
      };
    }
    const progress: Progress = { publishId: started.data.data.publish_id, postMode, privacyLevel, username };
    const kept = await this.#save(request, {
      publishId: progress.publishId,
      postMode,
      privacyLevel: privacyLevel ?? '',
      username,
    });
    if (!kept) {
      return {
        kind: 'unknown',
        detail: `publish ${progress.publishId} was started but could not be kept on the delivery: a person should check the account`,
      };
    }
    return this.#poll(request, calls, progress, signal);
  }

  #refuseBeforeSending(request: PublishRequest): PublishOutcome | undefined {
    const words = WORDS[request.team.language];
    const count = request.images.length;
    // The proposal's check (rules.requiresImage, maxImages, imageFormats, textLimit) refuses these first.
    if (count === 0)
      return rejected('content_refused', 'no image: a TikTok photo post needs one', words.noImage);
    if (count > MAX_IMAGES)
      return rejected('content_refused', `${count} images, over ${MAX_IMAGES}`, words.tooMany(count));
    for (const [index, image] of request.images.entries()) {
      const format = imageFormatOf(image.url);
      if (format !== undefined && !ACCEPTED_FORMATS.includes(format)) {
        return fromImageFormat(index + 1, format, request.team.language);
      }
    }
    if (request.text.trim().length > MAX_DESCRIPTION_LENGTH) {
      const length = request.text.trim().length;
      return rejected(
        'content_refused',
        `text of ${length} UTF-16 units, over ${MAX_DESCRIPTION_LENGTH}`,
        words.tooLong(length),
      );
    }
    return undefined;
  }

  /**
   * PUBLIC_TO_EVERYONE when the account allows it; else the target's
   * configured level when allowed; else SELF_ONLY when it is all the account
   * allows (an app TikTok has not audited, or a private account): the post is
   * published visible to the account alone, and the thread says so. Anything
   * else is refused with the levels the account allows.
   */
  #choosePrivacy(allowed: readonly string[], language: Language): Attempted<PrivacyLevel> {
    const configured = this.#options.settings.privacyLevel;
    if (allowed.includes('PUBLIC_TO_EVERYONE')) return { ok: true, value: 'PUBLIC_TO_EVERYONE' };
    if (configured !== undefined && allowed.includes(configured)) return { ok: true, value: configured };
    if (allowed.length > 0 && allowed.every((level) => level === 'SELF_ONLY'))
      return { ok: true, value: 'SELF_ONLY' };
    const options = allowed.length === 0 ? '—' : allowed.join(', ');
    return {
      ok: false,
      outcome: rejected(
        'misconfigured',
        `creator_info allows ${options}; no PUBLIC_TO_EVERYONE and privacyLevel ${configured ?? 'unset'}`,
        WORDS[language].noPrivacy(options),
      ),
    };
  }

  #init(
    request: PublishRequest,
    calls: TikTokCalls,
    privacyLevel: PrivacyLevel | undefined,
    commentDisabled: boolean,
    signal: AbortSignal,
  ): Promise<Attempted<TikTokAnswer>> {
    const { postMode, disableComment, autoAddMusic } = this.#options.settings;
    const text = toPhotoPostText(request.text);
    const payload: PhotoInitPayload = {
      media_type: 'PHOTO',
      post_mode: postMode,
      post_info:
        postMode === 'DIRECT_POST'
          ? {
              ...text,
              ...(privacyLevel === undefined ? {} : { privacy_level: privacyLevel }),
              // The account's own setting wins: TikTok's UX guidelines grey the toggle out.
              disable_comment: disableComment || commentDisabled,
              auto_add_music: autoAddMusic,
            }
          : text,
      source_info: {
        source: 'PULL_FROM_URL',
        photo_images: request.images.map((image) => image.url),
        photo_cover_index: 0,
      },
    };
    return calls.run('init', (token) => this.#options.api.initPhotoPost(token, payload, signal));
  }

  /**
   * Looks at the post's status, waiting POLL_DELAYS_MS before each look, while
   * the attempt has requests left: PUBLISH_COMPLETE is published (its public
   * address once TikTok gives the post id), SEND_TO_USER_INBOX published as
   * awaiting the creator, FAILED the fail_reason's outcome (the checkpoint is
   * cleared: a failed publish id is done, a new attempt posts again); still
   * processing after the last look, `unavailable` with the publish id kept.
   */
  async #poll(
    request: PublishRequest,
    calls: TikTokCalls,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<PublishOutcome> {
    const context = this.#context(request.team.language, progress.postMode);
    const delays = this.#options.pollDelaysMs ?? POLL_DELAYS_MS;
    let last = 'not looked at yet';
    for (let poll = 0; calls.requests < MAX_REQUESTS_PER_ATTEMPT && poll < delays.length; poll += 1) {
      try {
        await this.#options.sleep(delays[poll] ?? 0, signal);
      } catch {
        break;
      }
      const answer = await calls.run('status', (token) =>
        this.#options.api.fetchStatus(token, progress.publishId, signal),
      );
      if (!answer.ok) return answer.outcome;
      if (!isOk(answer.value)) {
        if (answer.value.errorCode === 'invalid_params' || answer.value.errorCode === 'invalid_param') {
          return {
            kind: 'unknown',
            detail: `${describeAnswer(answer.value, 'status')}: TikTok does not know publish ${progress.publishId}; a person should check the account`,
          };
        }
        return fromApiAnswer(answer.value, 'status', context);
      }
      const parsed = statusAnswer.safeParse(answer.value.json);
      const status = parsed.success ? parsed.data.data.status : 'UNREADABLE';
      last = status;
      if (status === 'PUBLISH_COMPLETE') return this.#published(progress, answer.value.body);
      if (status === 'SEND_TO_USER_INBOX') {
        return { kind: 'published', remoteId: progress.publishId, url: '', note: 'awaiting_creator' };
      }
      if (status === 'FAILED') {
        const reason = (parsed.success ? parsed.data.data.fail_reason : undefined) ?? 'unknown';
        // A failed publish id stays failed: the next attempt must not look at it again.
        await this.#save(request, {});
        return fromFailReason(reason, progress.publishId, context);
      }
    }
    return {
      kind: 'unavailable',
      detail: `publish ${progress.publishId} is ${last} after ${calls.requests} requests this attempt; the next attempt looks at it again`,
    };
  }

  #published(progress: Progress, body: string | undefined): PublishOutcome {
    const postId = POST_ID.exec(body ?? '')?.[1];
    const isPrivate = progress.privacyLevel === 'SELF_ONLY';
    // TikTok gives the post id only once the post is public and moderated
    // (get-video-status); a post seen by the account alone has none to link.
    const url = postId !== undefined && progress.username !== '' ? photoUrl(progress.username, postId) : '';
    return {
      kind: 'published',
      remoteId: postId ?? progress.publishId,
      url,
      ...(isPrivate ? { note: 'private' as const } : {}),
    };
  }

  /** Keeps progress on the delivery; false when the lease is gone or the store failed. */
  async #save(request: PublishRequest, checkpoint: Record<string, string>): Promise<boolean> {
    try {
      return await request.saveCheckpoint(checkpoint);
    } catch (error) {
      this.#options.logger.error({ delivery: request.deliveryId, err: error }, 'tiktok checkpoint not saved');
      return false;
    }
  }

  #fromTokenFailure(failure: TokenFailure, language: Language): PublishOutcome {
    switch (failure.kind) {
      case 'aborted':
        return {
          kind: 'unavailable',
          detail: 'the attempt’s time ran out while refreshing the access token; nothing was published',
        };
      case 'no_answer':
        return fromRequestFailure('token', failure.failure, false);
      case 'malformed':
        return { kind: 'unavailable', detail: failure.detail };
      case 'answer':
        return fromTokenAnswer(
          failure.answer,
          failure.refreshExpiresAt,
          this.#options.now(),
          this.#context(language, this.#options.settings.postMode),
        );
    }
  }

  #noAnswer(request: PublishRequest, step: Step, error: unknown, aborted: boolean): PublishOutcome {
    const failure = describeRequestError(error);
    this.#options.logger.warn(
      { delivery: request.deliveryId, step, code: failure.code, err: error },
      'tiktok request got no answer',
    );
    return fromRequestFailure(step, failure, aborted);
  }

  #context(language: Language, postMode: PostMode): OutcomeContext {
    return { language, postMode, apiHost: new URL(this.#options.apiUrl).host };
  }
}
