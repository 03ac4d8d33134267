import twitterText from 'twitter-text';

/**
 * What a network accepts, as SPEC §2 lists it. Each network's folder under
 * src/publish/ holds its figures, with where each comes from; the core only
 * applies them.
 */
export interface NetworkRules {
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
  /** the most @mentions the network accepts in one post (Instagram 20); absent when it sets none */
  readonly maxMentions?: number;
  /**
   * The image formats the network takes (TikTok: JPEG and WebP); absent when
   * it takes the usual ones. Checked at proposal time by the extension of the
   * image's URL path when it has one; the publisher refuses the rest.
   */
  readonly imageFormats?: readonly ImageFormat[];
  /**
   * False when the network has no place for an image's alt text (Telegram):
   * the card says so beside the target, so the team knows the description
   * will not reach readers there.
   */
  readonly carriesAltText: boolean;
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

/**
 * The number of extended grapheme clusters (UAX #29) in `text`: what a reader
 * sees as one character. Never throws.
 */
export function countGraphemes(text: string): number {
  // Iterating Intl.Segmenter's segments is superlinear in V8 (Node 20: 72,000
  // characters take ~10 s whole, ~40 ms in chunks), so long texts are cut into
  // chunks of about GRAPHEME_CHUNK code units. A cut falls only between two ASCII
  // code units other than CR LF: UAX #29 always breaks there (no ASCII character
  // extends, joins or prepends), so the sum equals the whole count. A text with no
  // such place (all CJK, say) stays one chunk and is only slower.
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

/** The number of Unicode code points in `text`; a lone surrogate counts as one. Never throws. */
export function countCodePoints(text: string): number {
  let n = 0;
  // for…of walks code points; a lone surrogate counts as one, as in Ruby and Python.
  for (const _ of text) n += 1;
  return n;
}

/** The number of UTF-16 code units in `text` (JavaScript's `length`). */
export function countUtf16(text: string): number {
  return text.length;
}

/**
 * Beyond this many UTF-16 units a text is far over every limit that needs
 * URL-aware counting (X 280, Mastodon 500), and twitter-text's URL matcher
 * is quadratic on long runs without spaces: such a text is counted by code
 * points instead, which is still far over the limit, without freezing the
 * process for seconds. Every URL-aware counter applies it.
 */
export const URL_AWARE_COUNT_MAX = 5_000;

/**
 * The twitter-text v3 weighted length of `text` (280 is X's limit): most
 * scripts weigh 1, CJK and emoji 2, every URL 23, after NFC. Texts over
 * URL_AWARE_COUNT_MAX are counted in code points instead. Never throws.
 */
export function countWeighted(text: string): number {
  if (text.length > URL_AWARE_COUNT_MAX) return countCodePoints(text);
  return twitterText.parseTweet(text).weightedLength;
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
 * Measures `text` as a network with these `rules` counts it. With `imageCount`
 * > 0 the limit is the one for a post with an image (Telegram's caption
 * limit). Never throws.
 */
export function measure(rules: NetworkRules, text: string, imageCount: number): LengthMeter {
  const used = rules.count(text);
  const limit = imageCount > 0 ? rules.textLimitWithImage : rules.textLimit;
  return { used, limit, over: limit === undefined ? 0 : Math.max(0, used - limit) };
}

/** An image format, as networks name what they take. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'heic';

const EXTENSION_FORMATS: Readonly<Record<string, ImageFormat>> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  jpe: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  heic: 'heic',
  heif: 'heic',
};

/** The format an image URL names by its path's extension (`…/foto.PNG?x=1` → png), or undefined. */
export function imageFormatOf(url: string): ImageFormat | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const dot = path.lastIndexOf('.');
  if (dot === -1 || dot < path.lastIndexOf('/')) return undefined;
  return EXTENSION_FORMATS[path.slice(dot + 1).toLowerCase()];
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
  | { readonly code: 'too_many_hashtags'; readonly max: number; readonly given: number }
  | { readonly code: 'too_many_mentions'; readonly max: number; readonly given: number }
  | {
      readonly code: 'image_format';
      readonly url: string;
      readonly format: ImageFormat;
      readonly accepted: readonly ImageFormat[];
    };

// A hashtag: `#` then letters (any script, with their combining marks), digits
// or underscores, not glued to a preceding word character (`a#b` is none). Like
// twitter-text, a `#` right after `&` is none either: `&#39;` is an HTML entity.
const HASHTAG = /(?<![&\p{L}\p{M}\p{N}_])#[\p{L}\p{M}\p{N}_]+/gu;

// A mention: `@` then a handle (letters, digits, underscores and dots, as
// Instagram's usernames), not glued to a preceding word character, so an
// e-mail address (`ufficio@comune.it`) is none.
const MENTION = /(?<![\p{L}\p{M}\p{N}_.])@[\p{L}\p{N}_][\p{L}\p{N}_.]*/gu;

/** The number of @mentions in `text`, counting repeats. */
function countMentions(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(MENTION)) n += 1;
  return n;
}

/** The number of hashtags in `text` (`#città`, `#Bolzano2025`), counting repeats. */
function countHashtags(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(HASHTAG)) n += 1;
  return n;
}

/**
 * Every problem of the content for a network with these `rules` (empty list =
 * publishable). Problems come in a fixed order: over_limit, image_required,
 * too_many_images, too_many_hashtags, too_many_mentions, image_format (one per
 * image). `images` are the post's images, or just how many when only the
 * count is known. Never throws.
 */
export function checkContent(
  rules: NetworkRules,
  text: string,
  images: number | readonly { readonly url: string }[],
): readonly ContentProblem[] {
  const problems: ContentProblem[] = [];
  const imageCount = typeof images === 'number' ? images : images.length;
  const meter = measure(rules, text, imageCount);
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
  if (rules.maxMentions !== undefined) {
    const given = countMentions(text);
    if (given > rules.maxMentions)
      problems.push({ code: 'too_many_mentions', max: rules.maxMentions, given });
  }
  const accepted = rules.imageFormats;
  if (accepted !== undefined && typeof images !== 'number') {
    for (const { url } of images) {
      const format = imageFormatOf(url);
      if (format !== undefined && !accepted.includes(format)) {
        problems.push({ code: 'image_format', url, format, accepted });
      }
    }
  }
  return problems;
}
