import twitterText from 'twitter-text';
import type { Network } from './network.ts';

/** What a network accepts, as SPEC §2 lists it (figures verified against the networks' docs). */
export interface NetworkRules {
  readonly network: Network;
  /** text limit in the network's own unit, or undefined when there is none */
  readonly textLimit: number | undefined;
  /** the limit when the post carries an image (Telegram caption 1024), else same as textLimit */
  readonly textLimitWithImage: number | undefined;
  /**
   * How `count` measures: `characters` = Unicode code points, `graphemes` = extended
   * grapheme clusters (UAX #29), `utf16` = UTF-16 code units, `weighted` = twitter-text v3.
   */
  readonly unit: 'characters' | 'weighted' | 'graphemes' | 'utf16';
  /** true when the network refuses a post without at least one image (Instagram) */
  readonly requiresImage: boolean;
  /** the most images one post may carry */
  readonly maxImages: number;
  /** the most hashtags the network accepts in one post, or undefined when it sets none */
  readonly maxHashtags: number | undefined;
  /** the network's own length of `text` */
  count(text: string): number;
}

// One segmenter for the process: grapheme segmentation does not depend on the
// locale, and building a segmenter costs more than using it.
const graphemeSegmenter = new Intl.Segmenter('it', { granularity: 'grapheme' });
const GRAPHEME_CHUNK = 256;

function countGraphemesOf(text: string): number {
  let n = 0;
  for (const _ of graphemeSegmenter.segment(text)) n += 1;
  return n;
}

// Iterating Intl.Segmenter's segments is superlinear in V8 (Node 20: 72,000
// characters take ~10 s whole, ~40 ms in chunks), so long texts are cut into
// chunks of about GRAPHEME_CHUNK code units. A cut falls only between two ASCII
// code units other than CR LF: UAX #29 always breaks there (no ASCII character
// extends, joins or prepends), so the sum equals the whole count. A text with no
// such place (all CJK, say) stays one chunk and is only slower.
function countGraphemes(text: string): number {
  let n = 0;
  let start = 0;
  let at = GRAPHEME_CHUNK;
  while (at < text.length) {
    const before = text.charCodeAt(at - 1);
    const after = text.charCodeAt(at);
    if (before < 0x80 && after < 0x80 && !(before === 0x0d && after === 0x0a)) {
      n += countGraphemesOf(text.slice(start, at));
      start = at;
      at += GRAPHEME_CHUNK;
    } else {
      at += 1;
    }
  }
  return n + countGraphemesOf(text.slice(start));
}

function countCodePoints(text: string): number {
  let n = 0;
  // for…of walks code points; a lone surrogate counts as one, as in Ruby and Python.
  for (const _ of text) n += 1;
  return n;
}

function countUtf16(text: string): number {
  return text.length;
}

/**
 * Beyond this many UTF-16 units a text is far over every limit that needs
 * URL-aware counting (X 280, Mastodon 500), and twitter-text's URL matcher
 * is quadratic on long runs without spaces: such a text is counted by code
 * points instead, which is still far over the limit, without freezing the
 * process for seconds.
 */
const URL_AWARE_COUNT_MAX = 5_000;

function countWeighted(text: string): number {
  if (text.length > URL_AWARE_COUNT_MAX) return countCodePoints(text);
  return twitterText.parseTweet(text).weightedLength;
}

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

function countMastodon(text: string): number {
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

// The figures, each with where it comes from.
const RULES: { readonly [N in Network]: NetworkRules & { readonly network: N } } = {
  // The feed and the webhook carry whatever we give them; 10 images is our own
  // bound, to keep a feed entry and a webhook body reasonable.
  feed: Object.freeze({
    network: 'feed',
    textLimit: undefined,
    textLimitWithImage: undefined,
    unit: 'characters',
    requiresImage: false,
    maxImages: 10,
    maxHashtags: undefined,
    count: countCodePoints,
  }),
  webhook: Object.freeze({
    network: 'webhook',
    textLimit: undefined,
    textLimitWithImage: undefined,
    unit: 'characters',
    requiresImage: false,
    maxImages: 10,
    maxHashtags: undefined,
    count: countCodePoints,
  }),
  // Mastodon default instance configuration: statuses.max_characters 500,
  // characters_reserved_per_url 23, max_media_attachments 4. An instance may
  // configure others (GET /api/v2/instance); these are the defaults.
  mastodon: Object.freeze({
    network: 'mastodon',
    textLimit: 500,
    textLimitWithImage: 500,
    unit: 'graphemes',
    requiresImage: false,
    maxImages: 4,
    maxHashtags: undefined,
    count: countMastodon,
  }),
  // app.bsky.feed.post lexicon: text maxGraphemes 300 (and maxLength 3000 UTF-8
  // bytes, reached only by texts averaging over 10 bytes a grapheme, which this
  // does not check); app.bsky.embed.images: at most 4 images. Links in the text
  // count in full: the facets point into the text, they do not shorten it.
  bluesky: Object.freeze({
    network: 'bluesky',
    textLimit: 300,
    textLimitWithImage: 300,
    unit: 'graphemes',
    requiresImage: false,
    maxImages: 4,
    maxHashtags: undefined,
    count: countGraphemes,
  }),
  // Bot API: sendMessage text 1-4096 characters and sendPhoto caption 0-1024,
  // both "after entities parsing", counted in UTF-16 code units. One image, the
  // one sendPhoto carries: sendMediaGroup (2-10) would turn one post into
  // several messages (several message ids, the caption on one of them), which a
  // Delivery with one public URL cannot record.
  telegram: Object.freeze({
    network: 'telegram',
    textLimit: 4096,
    textLimitWithImage: 1024,
    unit: 'utf16',
    requiresImage: false,
    maxImages: 1,
    maxHashtags: undefined,
    count: countUtf16,
  }),
  // Facebook Page post: 63,206 characters, the figure commonly cited; the Graph
  // API reference gives neither a figure nor a unit. 10 images is our own bound:
  // we found no documented maximum for attached_media.
  facebook: Object.freeze({
    network: 'facebook',
    textLimit: 63_206,
    textLimitWithImage: 63_206,
    unit: 'characters',
    requiresImage: false,
    maxImages: 10,
    maxHashtags: undefined,
    count: countCodePoints,
  }),
  // Instagram content publishing (IG User Media reference): caption at most 2,200
  // characters and 30 hashtags; a post needs an image; a carousel holds at most
  // 10 items. Meta does not name the unit; we count code points (an emoji
  // outside the BMP is 1, not 2).
  instagram: Object.freeze({
    network: 'instagram',
    textLimit: 2200,
    textLimitWithImage: 2200,
    unit: 'characters',
    requiresImage: true,
    maxImages: 10,
    maxHashtags: 30,
    count: countCodePoints,
  }),
  // X: twitter-text 3.1.0 v3 configuration (280 weighted, URLs 23, emoji and CJK
  // 2); POST /2/tweets media.media_ids holds at most 4.
  x: Object.freeze({
    network: 'x',
    textLimit: 280,
    textLimitWithImage: 280,
    unit: 'weighted',
    requiresImage: false,
    maxImages: 4,
    maxHashtags: undefined,
    count: countWeighted,
  }),
  // LinkedIn Posts API: commentary 3,000 characters; the MultiImage API takes
  // 2 to 20 images (learn.microsoft.com, linkedin/marketing/community-management/
  // shares/multiimage-post-api).
  linkedin: Object.freeze({
    network: 'linkedin',
    textLimit: 3000,
    textLimitWithImage: 3000,
    unit: 'characters',
    requiresImage: false,
    maxImages: 20,
    maxHashtags: undefined,
    count: countCodePoints,
  }),
};

/** The rules of `network`: its limits, its unit and how it counts. Frozen, shared. */
export function rulesFor(network: Network): NetworkRules {
  return RULES[network];
}

/** How much of a network's text limit a text uses. */
export interface LengthMeter {
  /** the network's own length of the text, in its unit */
  readonly used: number;
  /** the limit that applies (the caption limit when there are images), or undefined when none */
  readonly limit: number | undefined;
  /** how far past the limit the text goes; 0 when within it or when there is no limit */
  readonly over: number;
}

/**
 * Measures `text` as `network` counts it. With `imageCount` > 0 the limit is the
 * one for a post with an image (Telegram's caption limit). Never throws.
 */
export function measure(network: Network, text: string, imageCount: number): LengthMeter {
  const rules = rulesFor(network);
  const used = rules.count(text);
  const limit = imageCount > 0 ? rules.textLimitWithImage : rules.textLimit;
  return { used, limit, over: limit === undefined ? 0 : Math.max(0, used - limit) };
}

/** Why a network would refuse a post's content; `over_limit` is in the network's `unit`. */
export type ContentProblem =
  | {
      readonly code: 'over_limit';
      readonly used: number;
      readonly limit: number;
      readonly over: number;
      readonly unit: NetworkRules['unit'];
    }
  | { readonly code: 'image_required' }
  | { readonly code: 'too_many_images'; readonly max: number; readonly given: number }
  | { readonly code: 'too_many_hashtags'; readonly max: number; readonly given: number };

// A hashtag: `#` then letters (any script, with their combining marks), digits
// or underscores, not glued to a preceding word character (`a#b` is none). Like
// twitter-text, a `#` right after `&` is none either: `&#39;` is an HTML entity.
const HASHTAG = /(?<![&\p{L}\p{M}\p{N}_])#[\p{L}\p{M}\p{N}_]+/gu;

/** The number of hashtags in `text` (`#città`, `#Bolzano2025`), counting repeats. */
function countHashtags(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(HASHTAG)) n += 1;
  return n;
}

/**
 * Every problem of the content for that network (empty list = publishable).
 * Problems come in a fixed order: over_limit, image_required, too_many_images,
 * too_many_hashtags. Never throws.
 */
export function checkContent(network: Network, text: string, imageCount: number): readonly ContentProblem[] {
  const rules = rulesFor(network);
  const problems: ContentProblem[] = [];
  const meter = measure(network, text, imageCount);
  if (meter.limit !== undefined && meter.over > 0) {
    problems.push({
      code: 'over_limit',
      used: meter.used,
      limit: meter.limit,
      over: meter.over,
      unit: rules.unit,
    });
  }
  if (rules.requiresImage && !(imageCount >= 1)) problems.push({ code: 'image_required' });
  if (imageCount > rules.maxImages) {
    problems.push({ code: 'too_many_images', max: rules.maxImages, given: imageCount });
  }
  if (rules.maxHashtags !== undefined) {
    const given = countHashtags(text);
    if (given > rules.maxHashtags) {
      problems.push({ code: 'too_many_hashtags', max: rules.maxHashtags, given });
    }
  }
  return problems;
}
