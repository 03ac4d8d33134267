import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect } from 'vitest';

// Atom 1.0 (RFC 4287) as a reader sees it: parsed by an independent XML
// parser, never by Araldo's own code.

/** Characters the XML 1.0 `Char` production allows, the only ones a document may hold. */
export const XML_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/** Attributes as `@_name`, every `entry` and `link` as an array, text kept as written. */
export const atomParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'entry' || name === 'link',
});

/** A text construct: its text and its `type`. */
export interface AtomText {
  '#text'?: string;
  '@_type'?: string;
}

/** A `<link>`. */
export interface AtomLink {
  '@_rel': string;
  '@_href': string;
  '@_type'?: string;
  '@_title'?: string;
}

/** An `<entry>`. */
export interface AtomEntry {
  id: string;
  title: AtomText;
  published: string;
  updated: string;
  author: { name: string };
  link: AtomLink[];
  content: AtomText;
}

/** The `<feed>` root. */
export interface AtomFeed {
  '@_xmlns': string;
  '@_xml:lang': string;
  id: string;
  title: AtomText;
  updated: string;
  link: AtomLink[];
  entry?: AtomEntry[];
}

/** The feed of a document; fails the test when it is not well-formed Atom. */
export function parseAtom(xml: string): AtomFeed {
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(xml).toMatch(XML_CHARS);
  const feed = (atomParser.parse(xml) as { feed?: AtomFeed }).feed;
  if (!feed) throw new Error(`no <feed> root in:\n${xml}`);
  expect(feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
  return feed;
}

/** The text of a text construct, '' when empty. */
export function textOf(node: AtomText | undefined): string {
  return node?.['#text'] ?? '';
}
