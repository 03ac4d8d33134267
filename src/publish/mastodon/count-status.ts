import twitterText from 'twitter-text';
import { countCodePoints, countGraphemes, URL_AWARE_COUNT_MAX } from '../../core/network-rules.ts';

// Mastodon (app/validators/status_length_validator.rb in 4.x): every URL with a
// scheme, as the twitter-text 3.1 extractor finds it, is replaced by 23 characters;
// a mention `@user@domain` counts as `@user`; then the grapheme clusters are
// counted (`each_grapheme_cluster.size`, not String#length).
const TOOT_URL_PLACEHOLDER = 'x'.repeat(23);
// Account::MENTION_RE; Ruby's [[:word:]] is letters, marks, decimal digits and
// connector punctuation.
const TOOT_MENTION =
  /(?<![=/\p{L}\p{M}\p{Nd}\p{Pc}])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(@[\p{L}\p{M}\p{Nd}\p{Pc}]+(?:[.-]+[\p{L}\p{M}\p{Nd}\p{Pc}]+)*)?/giu;
// Extractor::MAX_DOMAIN_LENGTH: a mention with a longer domain is plain text.
const TOOT_MAX_DOMAIN_LENGTH = 253;

interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly with: string;
}

function mastodonEntities(text: string): Replacement[] {
  const found: Replacement[] = [];
  for (const url of twitterText.extractUrlsWithIndices(text, { extractUrlsWithoutProtocol: false })) {
    found.push({ start: url.indices[0], end: url.indices[1], with: TOOT_URL_PLACEHOLDER });
  }
  for (const match of text.matchAll(TOOT_MENTION)) {
    const start = match.index;
    const end = start + match[0].length;
    const domain = match[2];
    // endMentionMatch looks at most 3 characters ahead (`://`)
    if (twitterText.regexen.endMentionMatch.test(text.slice(end, end + 3))) continue;
    // domain carries its leading `@`
    if (domain !== undefined && domain.length - 1 > TOOT_MAX_DOMAIN_LENGTH) continue;
    found.push({ start, end, with: `@${match[1] ?? ''}` });
  }
  // Extractor.remove_overlapping_entities: by start, drop any entity that
  // overlaps the last one kept.
  found.sort((a, b) => a.start - b.start);
  const kept: Replacement[] = [];
  for (const entity of found) {
    const last = kept[kept.length - 1];
    if (last === undefined || entity.start >= last.end) kept.push(entity);
  }
  return kept;
}

/**
 * The length of a status as Mastodon counts it (its status length validator):
 * URLs 23, remote mentions as the bare username, then grapheme clusters.
 * Texts over URL_AWARE_COUNT_MAX are counted in code points. Never throws.
 */
export function countStatus(text: string): number {
  if (text.length > URL_AWARE_COUNT_MAX) return countCodePoints(text);
  let countable = '';
  let from = 0;
  for (const entity of mastodonEntities(text)) {
    countable += text.slice(from, entity.start) + entity.with;
    from = entity.end;
  }
  countable += text.slice(from);
  return countGraphemes(countable);
}
