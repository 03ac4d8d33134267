/** One published post as a feed entry. */
export interface FeedEntry {
  /** stable across retries: the delivery id */
  readonly id: string;
  readonly postNumber: number;
  readonly text: string;
  readonly images: readonly { readonly url: string; readonly alt: string }[];
  readonly author: string;
  /** ISO 8601 instant */
  readonly published: string;
  readonly url: string;
}

/** The feed around the entries. */
export interface FeedHead {
  readonly id: string;
  readonly title: string;
  readonly selfUrl: string;
  readonly language: string;
}

// XML 1.0 forbids most control characters and lone surrogates even when
// escaped: chat text can carry them, so they are dropped, not escaped.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text safe inside an XML element or attribute. */
export function escapeXml(value: string): string {
  return value
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** The entry title: the first line of the text, cut at a word near 100 characters. */
export function entryTitle(text: string): string {
  const firstLine = text.trim().split('\n')[0]?.trim() ?? '';
  const chars = [...firstLine];
  if (chars.length <= 100) return firstLine;
  const cut = chars.slice(0, 100).join('');
  const space = cut.lastIndexOf(' ');
  return `${space > 60 ? cut.slice(0, space) : cut}…`;
}

function guessImageType(url: string): string {
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const types: Record<string, string> = {
    png: 'image/png',
    gif: 'image/gif',
    webp: 'image/webp',
    svg: 'image/svg+xml',
  };
  return (extension && types[extension]) ?? 'image/jpeg';
}

function renderEntry(entry: FeedEntry): string {
  const enclosures = entry.images.map(
    (image) =>
      `    <link rel="enclosure" href="${escapeXml(image.url)}" type="${guessImageType(image.url)}" title="${escapeXml(image.alt)}"/>`,
  );
  return [
    '  <entry>',
    `    <id>${escapeXml(entry.id)}</id>`,
    `    <title type="text">${escapeXml(entryTitle(entry.text))}</title>`,
    `    <published>${entry.published}</published>`,
    `    <updated>${entry.published}</updated>`,
    `    <author><name>${escapeXml(entry.author)}</name></author>`,
    `    <link rel="alternate" href="${escapeXml(entry.url)}"/>`,
    ...enclosures,
    `    <content type="text">${escapeXml(entry.text)}</content>`,
    '  </entry>',
  ].join('\n');
}

/** A valid Atom 1.0 document (RFC 4287), newest entry first. */
export function renderAtom(head: FeedHead, entries: readonly FeedEntry[], updated: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeXml(head.language)}">`,
    `  <id>${escapeXml(head.id)}</id>`,
    `  <title type="text">${escapeXml(head.title)}</title>`,
    `  <updated>${updated}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(head.selfUrl)}"/>`,
    '  <generator>Araldo</generator>',
    ...entries.map(renderEntry),
    '</feed>',
    '',
  ].join('\n');
}
