import type { Publisher, PublishRequest } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';

/** How a feed target is reached from outside. */
export interface FeedPublisherOptions {
  readonly targetId: string;
  /**
   * the public base URL of Araldo's HTTP server, without trailing slash; a
   * function is read at each publication (the port is known only once listening)
   */
  readonly publicUrl: string | (() => string);
}

/** The path a feed target's Atom document is served at. */
export function feedPath(targetId: string): string {
  return `/feeds/${targetId}.xml`;
}

/** The Atom entry id of a delivery: stable across retries, replicas and restarts. */
export function feedEntryId(deliveryId: string): string {
  return `urn:araldo:delivery:${deliveryId}`;
}

/** The public link of a delivery's entry: the document's URL and an anchor naming the post. */
export function feedEntryUrl(documentUrl: string, postNumber: number, deliveryId: string): string {
  return `${documentUrl}#post-${postNumber}-${deliveryId.slice(0, 8)}`;
}

/**
 * The `feed` network. The feed is a view of the database (SPEC §2): the
 * published delivery row, with its post, is the entry, and every process
 * renders the document from the rows on request. So publishing writes
 * nothing; it names the entry and its link, and the store records them
 * with the delivery. The answer depends only on the delivery, so a retry
 * after a crash gives the same id and link: idempotent by construction.
 */
export class FeedPublisher implements Publisher {
  readonly idempotent = true;
  readonly #options: FeedPublisherOptions;

  constructor(options: FeedPublisherOptions) {
    this.#options = options;
  }

  publish(request: PublishRequest, _signal: AbortSignal): Promise<PublishOutcome> {
    const { targetId, publicUrl } = this.#options;
    const base = typeof publicUrl === 'string' ? publicUrl : publicUrl();
    return Promise.resolve({
      kind: 'published',
      remoteId: feedEntryId(request.deliveryId),
      url: feedEntryUrl(`${base}${feedPath(targetId)}`, request.postNumber, request.deliveryId),
    });
  }
}
