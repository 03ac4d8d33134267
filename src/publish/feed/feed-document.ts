import { createHash } from 'node:crypto';
import type { Language } from '../../core/language.ts';
import type { DeliveryWithPost, Store } from '../../core/ports.ts';
import { DEFAULT_FEED_ENTRIES, type Target } from '../../core/target.ts';
import type { Team } from '../../core/team.ts';
import { type FeedEntry, renderAtom } from './atom.ts';
import { feedEntryId, feedEntryUrl, feedPath } from './feed-publisher.ts';

/**
 * An empty feed has no entry to date it: it is dated at the epoch, the same
 * instant on every replica and every request, so its ETag and Last-Modified
 * stay stable until the first publication.
 */
const EMPTY_FEED_UPDATED = new Date(0);

/** A `feed` target as its document needs it. */
export interface FeedSettings {
  readonly targetId: string;
  /** the feed's title and its entries' author: the target's display name */
  readonly title: string;
  /** xml:lang of the document: the language of the team that publishes to it */
  readonly language: Language;
  /** how many of the newest entries the document shows (Target.feed.entries) */
  readonly entries: number;
}

/** A rendered feed and what HTTP caches compare it by. */
export interface FeedDocument {
  readonly body: string;
  /** strong validator, quoted: a hash of `body`, so equal documents have equal tags */
  readonly etag: string;
  /** the newest entry's publication, or the epoch when the feed is empty */
  readonly lastModified: Date;
}

/**
 * The feeds to serve: every target of network `feed`, and no other, each in
 * the language of the first team that publishes to it (Italian when none does).
 */
export function feedSettingsFor(targets: readonly Target[], teams: readonly Team[]): FeedSettings[] {
  return targets
    .filter((target) => target.network === 'feed')
    .map((target) => ({
      targetId: target.id,
      title: target.displayName,
      language: teams.find((team) => team.targets.includes(target.id))?.language ?? 'it',
      entries: target.feed?.entries ?? DEFAULT_FEED_ENTRIES,
    }));
}

function toFeedEntry(row: DeliveryWithPost, title: string, selfUrl: string): FeedEntry {
  const { delivery, post } = row;
  // Published rows always carry these; the fallbacks are what the publisher would have named.
  const published = delivery.publishedAt ?? post.updatedAt;
  return {
    id: delivery.remoteId ?? feedEntryId(delivery.id),
    postNumber: post.number,
    text: post.text,
    images: post.images.map((image) => ({ url: image.url, alt: image.alt })),
    // The public sees the institution as the author, not the staff member who proposed.
    author: title,
    published: published.toISOString(),
    url: delivery.publicUrl ?? feedEntryUrl(selfUrl, post.number, delivery.id),
  };
}

/**
 * Renders a feed target's Atom document from its published deliveries, newest
 * first. The document depends only on the database and the settings, so every
 * replica given the same `publicUrl` serves the same bytes and the same ETag.
 */
export async function renderFeedDocument(
  store: Pick<Store, 'listLatestPublished'>,
  feed: FeedSettings,
  publicUrl: string,
): Promise<FeedDocument> {
  const selfUrl = `${publicUrl}${feedPath(feed.targetId)}`;
  const rows = await store.listLatestPublished(feed.targetId, feed.entries);
  const entries = rows.map((row) => toFeedEntry(row, feed.title, selfUrl));
  const lastModified = entries[0] ? new Date(entries[0].published) : EMPTY_FEED_UPDATED;
  const head = {
    id: `urn:araldo:feed:${feed.targetId}`,
    title: feed.title,
    selfUrl,
    language: feed.language,
  };
  const body = renderAtom(head, entries, lastModified.toISOString());
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 32);
  return { body, etag: `"${hash}"`, lastModified };
}
