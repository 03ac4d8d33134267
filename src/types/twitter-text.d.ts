// Minimal types for twitter-text 3.1.0 (CommonJS, ships no types): only what
// src/core/network-rules.ts and src/publish/mastodon/count-status.ts use. Its
// `module.exports` is the object below, so an ESM default import
// (`import twitterText from 'twitter-text'`) receives it.
declare module 'twitter-text' {
  /** The result of `parseTweet`, with the v3 configuration (280 weighted, URLs 23, emoji 2). */
  interface ParsedTweet {
    /** the length X counts: most scripts 1, CJK and emoji 2, every URL 23, after NFC */
    readonly weightedLength: number;
    /** false when too long, empty, or holding characters X refuses (U+FFFE, U+FEFF, U+FFFF) */
    readonly valid: boolean;
    /** weightedLength per thousand of the limit */
    readonly permillage: number;
  }

  /** A URL found in a text; indices are UTF-16 offsets, end exclusive. */
  interface UrlEntity {
    readonly url: string;
    readonly indices: readonly [number, number];
  }

  interface TwitterText {
    parseTweet(text: string): ParsedTweet;
    extractUrlsWithIndices(
      text: string,
      options?: { readonly extractUrlsWithoutProtocol: boolean },
    ): readonly UrlEntity[];
    readonly regexen: {
      /** what may not follow a mention: another at sign, a Latin accented letter, or `://` */
      readonly endMentionMatch: RegExp;
    };
  }

  const twitterText: TwitterText;
  export default twitterText;
}
