import { countGraphemes } from '../../core/network-rules.ts';

// Rich text (docs.bsky.app/docs/advanced-guides/post-richtext; lexicon
// app.bsky.richtext.facet): links, mentions and hashtags are not markup in
// the text but facets beside it, each a byte range of the text's UTF-8
// encoding (start inclusive, end exclusive) with a feature: a link's full
// URI, a mention's DID, a hashtag's tag without its `#`. The detection
// follows the reference client (@atproto/api, src/rich-text/detection.ts
// and util.ts), with two differences for Italian texts: a facet may also
// follow an opening quote or bracket (« “ ‘ [), and closing quotes are
// trimmed from a link's end with the punctuation.

/** A facet's feature, as the lexicon writes it. */
export type FacetFeature =
  | { readonly $type: 'app.bsky.richtext.facet#link'; readonly uri: string }
  | { readonly $type: 'app.bsky.richtext.facet#mention'; readonly did: string }
  | { readonly $type: 'app.bsky.richtext.facet#tag'; readonly tag: string };

/** An `app.bsky.richtext.facet`: a UTF-8 byte range of the text and what it is. */
export interface Facet {
  readonly index: { readonly byteStart: number; readonly byteEnd: number };
  readonly features: readonly FacetFeature[];
}

/** Something in the text that becomes a facet; `start`/`end` count UTF-16 code units of the text. */
export type FacetCandidate =
  | { readonly kind: 'link'; readonly start: number; readonly end: number; readonly uri: string }
  | { readonly kind: 'mention'; readonly start: number; readonly end: number; readonly handle: string }
  | { readonly kind: 'tag'; readonly start: number; readonly end: number; readonly tag: string };

/** The lexicon's bounds of a tag: 64 graphemes, 640 bytes. */
const MAX_TAG_GRAPHEMES = 64;
const MAX_TAG_BYTES = 640;

/** What may come right before a facet: the text's start, a space, an opening bracket or quote. */
const LEAD = String.raw`(^|[\s(\[«"“‘])`;
/** The characters a URL runs over: up to a space, an angle bracket or a quote mark. */
const URL_CHARS = String.raw`[^\s<>«»"“”]`;
const URL_PATTERN = new RegExp(`${LEAD}(https?:\\/\\/${URL_CHARS}+)`, 'giu');
// A bare domain (comune.example.it/servizi) becomes a link only under the
// top-level domains an Italian public body's posts name: the reference client
// checks the whole IANA list, a dependency Araldo does without. The first
// label starts with a letter, so "ore 9.30" or "10.it" stay text.
const BARE_TLDS = 'it|eu|com|org|net|gov|edu|info|int|sm|va|ch';
const BARE_DOMAIN_PATTERN = new RegExp(
  `${LEAD}([a-z][a-z0-9-]*(?:\\.[a-z0-9-]+)*\\.(?:${BARE_TLDS})(?![a-z0-9-])(?:\\/${URL_CHARS}*)?)`,
  'giu',
);
const MENTION_PATTERN = new RegExp(`${LEAD}@([a-z0-9][a-z0-9.-]*[a-z0-9])`, 'giu');
/** Characters that end a hashtag besides spaces: the zero-width ones (the reference client's list). */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each zero-width character ends a tag alone, as in the reference client
const TAG_PATTERN = /(^|\s)[#＃]([^\s\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2]+)/gu;
const TRAILING_URL_PUNCTUATION = /[.,;:!?'’]$/u;
const TRAILING_PUNCTUATION = /\p{P}+$/u;

/**
 * Whether `handle` has the syntax of an atproto handle (atproto.com/specs/handle):
 * two labels or more of letters, digits and inner hyphens, 1 … 63 each, at
 * most 253 in all, the last one starting with a letter.
 */
export function isHandle(handle: string): boolean {
  if (handle.length > 253) return false;
  const labels = handle.split('.');
  if (labels.length < 2) return false;
  const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
  return labels.every((l) => label.test(l)) && /^[a-z]/i.test(labels.at(-1) ?? '');
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** A link's text without the punctuation that closes the sentence around it. */
function trimLink(raw: string): string {
  let link = raw;
  for (;;) {
    const before = link;
    link = link.replace(TRAILING_URL_PUNCTUATION, '');
    // A closing bracket the link did not open closes the sentence's: (vedi https://x.it/a_(b)).
    if (link.endsWith(')') && count(link, ')') > count(link, '(')) link = link.slice(0, -1);
    if (link.endsWith(']') && count(link, ']') > count(link, '[')) link = link.slice(0, -1);
    if (link === before) return link;
  }
}

function isUri(text: string): boolean {
  try {
    const url = new URL(text);
    return url.hostname !== '';
  } catch {
    return false;
  }
}

function findLinks(text: string): FacetCandidate[] {
  const found: FacetCandidate[] = [];
  for (const pattern of [URL_PATTERN, BARE_DOMAIN_PATTERN]) {
    for (const match of text.matchAll(pattern)) {
      const lead = match[1] ?? '';
      const link = trimLink(match[2] ?? '');
      const start = (match.index ?? 0) + lead.length;
      const uri = pattern === URL_PATTERN ? link : `https://${link}`;
      if (link === '' || !isUri(uri)) continue;
      found.push({ kind: 'link', start, end: start + link.length, uri });
    }
  }
  return found;
}

function findMentions(text: string): FacetCandidate[] {
  const found: FacetCandidate[] = [];
  for (const match of text.matchAll(MENTION_PATTERN)) {
    const lead = match[1] ?? '';
    const handle = match[2] ?? '';
    if (!isHandle(handle)) continue;
    const start = (match.index ?? 0) + lead.length;
    found.push({ kind: 'mention', start, end: start + 1 + handle.length, handle: handle.toLowerCase() });
  }
  return found;
}

function findTags(text: string): FacetCandidate[] {
  const found: FacetCandidate[] = [];
  for (const match of text.matchAll(TAG_PATTERN)) {
    const lead = match[1] ?? '';
    const body = match[2] ?? '';
    // `#️⃣` is the keycap emoji, not a tag.
    if (/^[\ufe0f\u20e3]/u.test(body)) continue;
    const tag = body.replace(TRAILING_PUNCTUATION, '');
    // A tag needs something besides digits and punctuation (#2026 is not one).
    if (!/[^\d\p{P}]/u.test(tag)) continue;
    if (countGraphemes(tag) > MAX_TAG_GRAPHEMES || Buffer.byteLength(tag, 'utf8') > MAX_TAG_BYTES) continue;
    const start = (match.index ?? 0) + lead.length;
    found.push({ kind: 'tag', start, end: start + 1 + tag.length, tag });
  }
  return found;
}

/**
 * The links (http(s) URLs, and bare domains under common TLDs), mentions
 * (`@` and a handle) and hashtags of `text`, in text order, none
 * overlapping another (the earlier one wins; at the same place a link
 * before a mention before a tag). Pure.
 */
export function findFacetCandidates(text: string): readonly FacetCandidate[] {
  const all = [...findLinks(text), ...findMentions(text), ...findTags(text)];
  const rank = { link: 0, mention: 1, tag: 2 } as const;
  all.sort((a, b) => a.start - b.start || rank[a.kind] - rank[b.kind]);
  const kept: FacetCandidate[] = [];
  for (const candidate of all) {
    const last = kept.at(-1);
    if (last === undefined || candidate.start >= last.end) kept.push(candidate);
  }
  return kept;
}

/** The distinct handles `candidates` mention, lower case, in text order. */
export function mentionedHandles(candidates: readonly FacetCandidate[]): readonly string[] {
  return [...new Set(candidates.flatMap((c) => (c.kind === 'mention' ? [c.handle] : [])))];
}

/**
 * The facets of `text`: each candidate's range in UTF-8 bytes with its
 * feature. A mention whose handle has no DID in `dids` (it did not resolve)
 * stays plain text, as the reference client leaves it. Pure.
 */
export function toFacets(
  text: string,
  candidates: readonly FacetCandidate[],
  dids: ReadonlyMap<string, string>,
): readonly Facet[] {
  const bytesBefore = (index: number) => Buffer.byteLength(text.slice(0, index), 'utf8');
  const facets: Facet[] = [];
  for (const candidate of candidates) {
    let feature: FacetFeature;
    if (candidate.kind === 'link') feature = { $type: 'app.bsky.richtext.facet#link', uri: candidate.uri };
    else if (candidate.kind === 'tag') feature = { $type: 'app.bsky.richtext.facet#tag', tag: candidate.tag };
    else {
      const did = dids.get(candidate.handle);
      if (did === undefined) continue;
      feature = { $type: 'app.bsky.richtext.facet#mention', did };
    }
    facets.push({
      index: { byteStart: bytesBefore(candidate.start), byteEnd: bytesBefore(candidate.end) },
      features: [feature],
    });
  }
  return facets;
}
