import type { Logger, Publisher, PublishRequest } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { err, ok, type Result } from '../../core/result.ts';
import { type Facet, findFacetCandidates, mentionedHandles, toFacets } from './facets.ts';
import { fetchImage } from './media.ts';
import { fromErrorAnswer, wordsFor } from './outcome.ts';
import { type BlobRef, POST_COLLECTION, postUrl, toPostRecord, type UploadedImage } from './post-record.ts';
import { recordKeyFor } from './record-key.ts';
import { BlueskySession, type BlueskySessionData, type CallContext } from './session.ts';
import type { XrpcAnswer } from './xrpc.ts';

/** The PDS a target logs in at when its configuration names none. */
export const DEFAULT_BLUESKY_SERVICE = 'https://bsky.social';
/** app.bsky.embed.images: `maxLength: 4`. */
export const MAX_IMAGES = 4;

/** A Bluesky target's settings, resolved from its configuration. */
export interface BlueskyPublisherOptions {
  /** where to log in: the target's baseUrl, or DEFAULT_BLUESKY_SERVICE */
  readonly service: string;
  /** the account's handle, DID or e-mail */
  readonly identifier: string;
  readonly appPassword: string;
  readonly logger: Logger;
  /** the fetch to call Bluesky and the images' websites with; the global one by default */
  readonly fetch?: typeof fetch;
  /**
   * The real time, to turn a 429's `ratelimit-reset` (a UNIX instant) into a
   * wait. Not Araldo's clock: the PDS counts in real time, and a rehearsal
   * clock (ARALDO_CLOCK_START) would make every wait wrong.
   */
  readonly now?: () => Date;
}

/** What a read-back found at the delivery's record key. */
type ReadBack = { readonly found: false } | { readonly found: true; readonly outcome: PublishOutcome };

function isRecordMissing(answer: XrpcAnswer): boolean {
  return answer.status === 400 && answer.error === 'RecordNotFound';
}

function isSuccess(answer: XrpcAnswer): boolean {
  return answer.status >= 200 && answer.status < 300;
}

function stringField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The `bluesky` network: one `app.bsky.feed.post` record per delivery, in
 * the account's repository, with facets for links, mentions and hashtags and
 * its images (with alt text) uploaded as blobs.
 *
 * Idempotent by its record key: Araldo chooses it (record-key.ts), the same
 * on every attempt of a delivery. An attempt first reads that key back (an
 * earlier attempt may have landed before a crash or a timeout: then it is
 * published, with no second write), and writes with putRecord and
 * `swapRecord: null`, "only if no record is there": a late earlier write
 * makes this one fail with InvalidSwap instead of overwriting it, and the
 * attempt reads it back. Reading first rather than blindly putting again
 * keeps the repository free of update events (putRecord over a record with
 * a different `createdAt` is an edit) and never re-uploads the images;
 * createRecord cannot be used, since it fails with a server error on a key
 * already taken (networks.md).
 *
 * One session per target, kept and refreshed (session.ts): never a login per post.
 */
export class BlueskyPublisher implements Publisher {
  readonly idempotent = true;
  readonly #session: BlueskySession;
  readonly #fetch: typeof fetch;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(options: BlueskyPublisherOptions) {
    this.#fetch = options.fetch ?? fetch;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
    this.#session = new BlueskySession({
      service: options.service,
      identifier: options.identifier,
      appPassword: options.appPassword,
      fetch: this.#fetch,
      logger: options.logger,
    });
  }

  async publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    const outcome = await this.#publish(request, signal);
    const fields = { delivery: request.deliveryId, kind: outcome.kind };
    if (outcome.kind === 'published')
      this.#logger.info({ ...fields, uri: outcome.remoteId }, 'published on Bluesky');
    else this.#logger.warn({ ...fields, detail: outcome.detail }, 'Bluesky publication did not go through');
    return outcome;
  }

  async #publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    if (signal.aborted) return { kind: 'unavailable', detail: 'the attempt’s time ran out before sending' };
    if (request.images.length > MAX_IMAGES) {
      // The desk checks this against the network's rules before a post is stored.
      return {
        kind: 'rejected',
        code: 'content_refused',
        detail: `${request.images.length} images, Bluesky takes ${MAX_IMAGES}`,
        networkReason: `max ${MAX_IMAGES} images`,
      };
    }
    const context: CallContext = { signal, language: request.team.language, now: this.#now };
    const rkey = recordKeyFor(request.deliveryId, request.proposedAt);
    const opened = await this.#session.open(context);
    if (!opened.ok) return opened.error;
    const { did } = opened.value;

    const earlier = await this.#readBack(did, rkey, request.text, context);
    if (!earlier.ok) return earlier.error;
    if (earlier.value.found) return earlier.value.outcome;

    const facets = await this.#facets(request.text, context);
    if (!facets.ok) return facets.error;
    const images: UploadedImage[] = [];
    for (const [index, image] of request.images.entries()) {
      const uploaded = await this.#upload(image.url, index + 1, context);
      if (!uploaded.ok) return uploaded.error;
      images.push({ blob: uploaded.value.blob, alt: image.alt, size: uploaded.value.size });
    }
    const record = toPostRecord({
      text: request.text,
      publishedAt: request.publishedAt,
      language: request.team.language,
      facets: facets.value,
      images,
    });
    const written = await this.#session.call(
      {
        nsid: 'com.atproto.repo.putRecord',
        json: { repo: did, collection: POST_COLLECTION, rkey, record, swapRecord: null },
        step: 'write',
      },
      context,
    );
    if (!written.ok) return written.error;
    const { answer, session } = written.value;
    if (isSuccess(answer)) return this.#published(session, rkey, stringField(answer.body, 'uri'));
    if (answer.status === 400 && answer.error === 'InvalidSwap') {
      // A record arrived at this key since the read-back: an earlier attempt's write, landing late.
      const late = await this.#readBack(did, rkey, request.text, context);
      if (!late.ok) return late.error;
      if (late.value.found) return late.value.outcome;
      return { kind: 'unavailable', detail: `putRecord answered InvalidSwap but ${rkey} is not there` };
    }
    return fromErrorAnswer(answer, { step: 'write', language: context.language, now: this.#now() });
  }

  #published(session: BlueskySessionData, rkey: string, uri: string | undefined): PublishOutcome {
    return {
      kind: 'published',
      remoteId: uri ?? `at://${session.did}/${POST_COLLECTION}/${rkey}`,
      url: postUrl(session.handle, session.did, rkey),
    };
  }

  /** The record at the delivery's key, if an earlier attempt wrote it. */
  async #readBack(
    did: string,
    rkey: string,
    text: string,
    context: CallContext,
  ): Promise<Result<ReadBack, PublishOutcome>> {
    const read = await this.#session.call(
      {
        nsid: 'com.atproto.repo.getRecord',
        query: { repo: did, collection: POST_COLLECTION, rkey },
        step: 'read',
      },
      context,
    );
    if (!read.ok) return read;
    const { answer, session } = read.value;
    if (isRecordMissing(answer)) return ok({ found: false });
    if (!isSuccess(answer)) {
      return err(fromErrorAnswer(answer, { step: 'read', language: context.language, now: this.#now() }));
    }
    const value = (answer.body as { value?: unknown } | undefined)?.value;
    if (stringField(value, 'text') !== text) {
      // Only Araldo writes this key, for this delivery; another text means a
      // person must look (a post edited after an attempt landed, or a clash of keys).
      return ok({
        found: true,
        outcome: {
          kind: 'rejected',
          code: 'duplicate',
          detail: `a post with another text is already at ${POST_COLLECTION}/${rkey}`,
          networkReason: wordsFor(context.language).existing(rkey),
        },
      });
    }
    this.#logger.info({ rkey }, 'the Bluesky post was already there: an earlier attempt wrote it');
    return ok({ found: true, outcome: this.#published(session, rkey, stringField(answer.body, 'uri')) });
  }

  /**
   * The facets of `text`, its mentions resolved to DIDs
   * (com.atproto.identity.resolveHandle); a handle that does not resolve
   * stays plain text. A PDS that fails or limits is an outcome: the post
   * waits rather than going out with a mention lost.
   */
  async #facets(text: string, context: CallContext): Promise<Result<readonly Facet[], PublishOutcome>> {
    const candidates = findFacetCandidates(text);
    const dids = new Map<string, string>();
    for (const handle of mentionedHandles(candidates)) {
      const resolved = await this.#session.call(
        { nsid: 'com.atproto.identity.resolveHandle', query: { handle }, step: 'read' },
        context,
      );
      if (!resolved.ok) return resolved;
      const { answer } = resolved.value;
      const did = isSuccess(answer) ? stringField(answer.body, 'did') : undefined;
      if (did?.startsWith('did:')) dids.set(handle, did);
      else if (isSuccess(answer) || answer.status === 400 || answer.status === 404) {
        // "Unable to resolve handle": no such account, the mention stays text.
        this.#logger.info(
          { handle, status: answer.status, error: answer.error ?? null },
          'mention left as text',
        );
      } else {
        return err(fromErrorAnswer(answer, { step: 'read', language: context.language, now: this.#now() }));
      }
    }
    return ok(toFacets(text, candidates, dids));
  }

  /** Downloads image `position` and uploads it as a blob of the account. */
  async #upload(
    url: string,
    position: number,
    context: CallContext,
  ): Promise<Result<{ readonly blob: BlobRef; readonly size: UploadedImage['size'] }, PublishOutcome>> {
    const image = await fetchImage(this.#fetch, url, position, context);
    if (!image.ok) return image;
    const uploaded = await this.#session.call(
      {
        nsid: 'com.atproto.repo.uploadBlob',
        bytes: { data: image.value.bytes, type: image.value.mimeType },
        step: 'media',
      },
      context,
    );
    if (!uploaded.ok) return uploaded;
    const { answer } = uploaded.value;
    const blob = (answer.body as { blob?: unknown } | undefined)?.blob;
    if (!isSuccess(answer) || typeof blob !== 'object' || blob === null) {
      return err(fromErrorAnswer(answer, { step: 'media', language: context.language, now: this.#now() }));
    }
    return ok({ blob: blob as BlobRef, size: image.value.size });
  }
}
