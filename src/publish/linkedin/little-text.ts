// LinkedIn's Posts API reads `commentary` as "little" text
// (learn.microsoft.com/linkedin/marketing/community-management/shares/
// little-text-format): `@[name](urn)` is a mention, `#tag` a hashtag,
// `{hashtag|#|tag}` a hashtag template, and "all reserved characters need to
// be escaped with a backslash, even if those characters are not used in one
// of the supported elements or templates". The reserved ones are
// | { } @ [ ] ( ) < > # \ * _ ~ . An unescaped one that opens no element is
// not refused: LinkedIn cuts the post there and answers 201 all the same
// (reported by linkedctl#194, postiz-app#1847, crossposter v1.1.5).
const RESERVED = /[|{}@[\]()<>#\\*_~]/g;

// A hashtag as Araldo's rules count them (core/network-rules.ts): `#` then
// letters, marks or digits, not glued to a word before it (`C#` is none) nor to
// `&` (`&#39;` is an HTML entity). The underscore is left out of the tag, unlike
// the core's count: LinkedIn's hashtags are letters and digits, and an `_`
// inside a template's value would need an escape of its own there.
const HASHTAG = /(?<![&\p{L}\p{M}\p{N}_])#([\p{L}\p{M}\p{N}]+)/gu;

// A link, as far as a hashtag must not be read inside it
// (`https://www.comune.example.it/#orari` carries no hashtag).
const URL = /\bhttps?:\/\/\S+/giu;

/** `text` with every reserved character backslash-escaped: plain text to LinkedIn. Pure. */
export function escapeLittleText(text: string): string {
  return text.replace(RESERVED, (reserved) => `\\${reserved}`);
}

/** Escapes `text`, except that each hashtag becomes the hashtag template. */
function escapeKeepingHashtags(text: string): string {
  let out = '';
  let from = 0;
  for (const match of text.matchAll(HASHTAG)) {
    out += `${escapeLittleText(text.slice(from, match.index))}{hashtag|\\#|${match[1] ?? ''}}`;
    from = match.index + match[0].length;
  }
  return out + escapeLittleText(text.slice(from));
}

/**
 * A post's text as LinkedIn's `commentary`: every reserved character
 * escaped, so the text reads on LinkedIn exactly as written, and every
 * hashtag (`#Bolzano`, `#città`) sent as the HashtagTemplate
 * `{hashtag|\#|Bolzano}`, so it stays a hashtag people can follow. The
 * template rather than a bare `#tag` because the template says outright
 * where the tag ends, and a `#` that opens no hashtag must be escaped anyway;
 * its `#` is escaped too, as LinkedIn's own clients send it. Inside a link
 * nothing is read as a hashtag; its reserved characters are escaped like the
 * rest (LinkedIn unescapes them before it finds links). An `@name` stays
 * plain text: a mention needs the URN of a LinkedIn member or page, which a
 * post written in chat does not carry. Pure.
 */
export function toLittleText(text: string): string {
  let out = '';
  let from = 0;
  for (const match of text.matchAll(URL)) {
    out += escapeKeepingHashtags(text.slice(from, match.index)) + escapeLittleText(match[0]);
    from = match.index + match[0].length;
  }
  return out + escapeKeepingHashtags(text.slice(from));
}
