import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PublishRequest } from '../../src/core/ports.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import {
  entryTitle,
  escapeXml,
  type FeedEntry,
  type FeedHead,
  renderAtom,
} from '../../src/publish/feed/atom.ts';
import { FeedPublisher } from '../../src/publish/feed/feed-publisher.ts';

// The `feed` network (SPEC §2): an Atom 1.0 document (RFC 4287) the
// institutional website reads. Parsed here by an independent XML parser.

const PUBLIC_URL = 'http://localhost:3000';
const SELF_URL = `${PUBLIC_URL}/feeds/sito.xml`;
const TARGET: Target = { id: 'sito', network: 'feed', displayName: 'Sito istituzionale', credentials: {} };
const TEAM: Team = {
  id: 'social',
  chat: 'shell',
  channel: 'social',
  language: 'it',
  timeZone: 'Europe/Rome',
  approvers: ['supervisor'],
  approvalsRequired: 1,
  targets: ['sito'],
  posting: {},
  digest: { time: '08:30', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
};

/** Characters the XML 1.0 `Char` production allows, the only ones a document may hold. */
const XML_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'entry' || name === 'link',
});

interface Text {
  '#text'?: string;
  '@_type'?: string;
}

interface Link {
  '@_rel': string;
  '@_href': string;
  '@_type'?: string;
  '@_title'?: string;
}

interface Entry {
  id: string;
  title: Text;
  published: string;
  updated: string;
  author: { name: string };
  link: Link[];
  content: Text;
}

interface Feed {
  '@_xmlns': string;
  '@_xml:lang': string;
  id: string;
  title: Text;
  updated: string;
  link: Link[];
  entry?: Entry[];
}

function parseAtom(xml: string): Feed {
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(xml).toMatch(XML_CHARS);
  const feed = (parser.parse(xml) as { feed?: Feed }).feed;
  if (!feed) throw new Error(`no <feed> root in:\n${xml}`);
  expect(feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
  return feed;
}

function textOf(node: Text | undefined): string {
  return node?.['#text'] ?? '';
}

let directory: string;
let publisher: FeedPublisher;

function request(overrides: Partial<PublishRequest> = {}): PublishRequest {
  const deliveryId = randomUUID();
  return {
    deliveryId,
    idempotencyKey: `araldo-${deliveryId}`,
    target: TARGET,
    team: TEAM,
    postNumber: 1,
    text: 'Domani chiude il ponte di via Roma.',
    images: [],
    author: { id: 'editor', name: 'editor' },
    publishedAt: new Date('2026-11-21T10:00:00Z'),
    ...overrides,
  };
}

async function publish(req: PublishRequest): Promise<{ remoteId: string; url: string }> {
  const outcome = await publisher.publish(req, new AbortController().signal);
  if (outcome.kind !== 'published') throw new Error(`expected published, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function readFeed(): Feed {
  return parseAtom(readFileSync(join(directory, 'sito.xml'), 'utf8'));
}

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'araldo-feed-'));
  publisher = new FeedPublisher({
    directory,
    targetId: 'sito',
    title: 'Sito istituzionale',
    publicUrl: PUBLIC_URL,
  });
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('FeedPublisher', () => {
  it('declares itself idempotent, so an interrupted delivery may be sent again', () => {
    expect(publisher.idempotent).toBe(true);
  });

  it('writes an Atom feed with the published entry', async () => {
    const req = request({ postNumber: 7, publishedAt: new Date('2026-11-21T10:15:00.000Z') });
    const outcome = await publish(req);

    const feed = readFeed();
    expect(feed.id).toBe('urn:araldo:feed:sito');
    expect(textOf(feed.title)).toBe('Sito istituzionale');
    expect(feed['@_xml:lang']).toBe('it');
    expect(feed.updated).toBe('2026-11-21T10:15:00.000Z');
    expect(feed.link).toContainEqual({
      '@_rel': 'self',
      '@_type': 'application/atom+xml',
      '@_href': SELF_URL,
    });

    expect(feed.entry).toHaveLength(1);
    const [entry] = feed.entry ?? [];
    expect(entry?.id).toBe(`urn:araldo:delivery:${req.deliveryId}`);
    expect(entry?.title).toEqual({ '#text': 'Domani chiude il ponte di via Roma.', '@_type': 'text' });
    expect(entry?.content).toEqual({ '#text': 'Domani chiude il ponte di via Roma.', '@_type': 'text' });
    expect(entry?.published).toBe('2026-11-21T10:15:00.000Z');
    expect(entry?.updated).toBe('2026-11-21T10:15:00.000Z');
    expect(entry?.author.name).toBe('Sito istituzionale');
    expect(entry?.link).toEqual([{ '@_rel': 'alternate', '@_href': outcome.url }]);

    expect(outcome.remoteId).toBe(entry?.id);
    expect(outcome.url).toBe(`${SELF_URL}#post-7-${req.deliveryId.slice(0, 8)}`);
  });

  it('keeps accents, markup characters, quotes and emoji, and drops control characters', async () => {
    const text =
      'Festa di Sant\'Agnese: "più" <grande> & più bella 🎉🇮🇹\u0007 città\u0000!\nSeconda riga\tcon tab';
    await publish(request({ text }));

    const xml = readFileSync(join(directory, 'sito.xml'), 'utf8');
    expect(xml).not.toContain('\u0007');
    expect(xml).not.toContain('\u0000');
    const [entry] = readFeed().entry ?? [];
    expect(textOf(entry?.content)).toBe(
      'Festa di Sant\'Agnese: "più" <grande> & più bella 🎉🇮🇹 città!\nSeconda riga\tcon tab',
    );
    expect(textOf(entry?.title)).toBe('Festa di Sant\'Agnese: "più" <grande> & più bella 🎉🇮🇹 città!');
  });

  it('puts the newest entry first and dates the feed by it', async () => {
    const older = request({
      postNumber: 1,
      text: 'Prima',
      publishedAt: new Date('2026-11-21T09:00:00.000Z'),
    });
    const newer = request({
      postNumber: 2,
      text: 'Seconda',
      publishedAt: new Date('2026-11-21T11:00:00.000Z'),
    });
    await publish(older);
    await publish(newer);

    const feed = readFeed();
    expect(feed.entry?.map((entry) => textOf(entry.content))).toEqual(['Seconda', 'Prima']);
    expect(feed.entry?.map((entry) => entry.id)).toEqual([
      `urn:araldo:delivery:${newer.deliveryId}`,
      `urn:araldo:delivery:${older.deliveryId}`,
    ]);
    expect(feed.updated).toBe('2026-11-21T11:00:00.000Z');
  });

  it('adds one entry when the same delivery is published twice, and returns the same link', async () => {
    const req = request();
    const first = await publish(req);
    // A retry after a crash: same delivery, a later clock.
    const again = await publish({ ...req, publishedAt: new Date('2026-11-21T10:05:00Z') });

    expect(again).toEqual(first);
    const feed = readFeed();
    expect(feed.entry).toHaveLength(1);
    expect(feed.entry?.[0]?.published).toBe('2026-11-21T10:00:00.000Z');
  });

  it('does not duplicate entries when the same delivery is published concurrently', async () => {
    const req = request();
    const outcomes = await Promise.all([publish(req), publish(req), publish(req)]);

    expect(new Set(outcomes.map((outcome) => outcome.url)).size).toBe(1);
    expect(readFeed().entry).toHaveLength(1);
  });

  it('finds the entry of a delivery published by an earlier instance over the same directory', async () => {
    const req = request();
    const first = await publish(req);
    publisher = new FeedPublisher({
      directory,
      targetId: 'sito',
      title: 'Sito istituzionale',
      publicUrl: PUBLIC_URL,
    });

    expect(await publish(req)).toEqual(first);
    expect(readFeed().entry).toHaveLength(1);
  });

  it('rewrites a document lost after its entry was recorded', async () => {
    const req = request();
    const first = await publish(req);
    // A crash between the state file and the document: the document is stale.
    rmSync(join(directory, 'sito.xml'));

    expect(await publish(req)).toEqual(first);
    expect(readFeed().entry?.map((entry) => entry.id)).toEqual([first.remoteId]);
  });

  it('turns images into enclosures titled with their alt text', async () => {
    await publish(
      request({
        images: [
          { url: 'https://comune.example.it/img/ponte.png', alt: 'Il ponte "nuovo" di via Roma & la piazza' },
          { url: 'https://comune.example.it/img/mercato.jpg?v=2&size=large', alt: 'Il mercato' },
        ],
      }),
    );

    const [entry] = readFeed().entry ?? [];
    const enclosures = entry?.link.filter((link) => link['@_rel'] === 'enclosure');
    expect(enclosures).toEqual([
      {
        '@_rel': 'enclosure',
        '@_href': 'https://comune.example.it/img/ponte.png',
        '@_type': 'image/png',
        '@_title': 'Il ponte "nuovo" di via Roma & la piazza',
      },
      {
        '@_rel': 'enclosure',
        '@_href': 'https://comune.example.it/img/mercato.jpg?v=2&size=large',
        '@_type': 'image/jpeg',
        '@_title': 'Il mercato',
      },
    ]);
  });

  it('reports a directory it cannot create as a failure, without throwing', async () => {
    const blocker = join(directory, 'not-a-directory');
    writeFileSync(blocker, '');
    publisher = new FeedPublisher({
      directory: join(blocker, 'feeds'),
      targetId: 'sito',
      title: 'Sito istituzionale',
      publicUrl: PUBLIC_URL,
    });

    const outcome = await publisher.publish(request(), new AbortController().signal);

    expect(outcome.kind).not.toBe('published');
    // The reason reaches the thread and /status: in the team's words.
    expect(outcome).toEqual({
      kind: 'unavailable',
      reason: 'il file del feed non è stato scritto (ENOTDIR)',
    });
    expect(existsSync(join(blocker, 'feeds'))).toBe(false);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML special characters', () => {
    expect(escapeXml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&apos;');
  });

  it('escapes an ampersand that already looks like an entity, since the input is plain text', () => {
    expect(escapeXml('&amp; &#38;')).toBe('&amp;amp; &amp;#38;');
  });

  it('keeps accents, emoji, tabs and line breaks', () => {
    expect(escapeXml('città è perché 🎉👍🏽\t\n\r')).toBe('città è perché 🎉👍🏽\t\n\r');
  });

  it('drops characters XML 1.0 forbids even as references', () => {
    expect(escapeXml('a\u0000b\u0008c\u000Bd\u000Ce\u001Ff')).toBe('abcdef');
    expect(escapeXml('x\uFFFEy\uFFFFz')).toBe('xyz');
    expect(escapeXml('lone \uD800 high, lone \uDC00 low')).toBe('lone  high, lone  low');
  });
});

describe('entryTitle', () => {
  it('is the first line of the text, trimmed', () => {
    expect(entryTitle('  Chiusura del ponte  \nDettagli nel sito.')).toBe('Chiusura del ponte');
  });

  it('keeps a first line of exactly 100 characters whole', () => {
    const line = 'a'.repeat(100);
    expect(entryTitle(line)).toBe(line);
  });

  it('cuts a long first line at a word near 100 characters with an ellipsis', () => {
    const words =
      'Il Comune informa che da lunedì prossimo il ponte di via Roma resterà chiuso al traffico per lavori urgenti di manutenzione';
    const title = entryTitle(words);

    expect(title.endsWith('…')).toBe(true);
    const kept = title.slice(0, -1);
    expect(words.startsWith(kept)).toBe(true);
    expect(words[kept.length]).toBe(' ');
    expect([...kept].length).toBeLessThanOrEqual(100);
    expect([...kept].length).toBeGreaterThan(60);
  });

  it('cuts a long line without spaces at 100 characters', () => {
    expect(entryTitle('x'.repeat(150))).toBe(`${'x'.repeat(100)}…`);
  });

  it('counts emoji as characters and never splits one', () => {
    expect(entryTitle('🎉'.repeat(100))).toBe('🎉'.repeat(100));
    expect(entryTitle('🎉'.repeat(101))).toBe(`${'🎉'.repeat(100)}…`);
  });
});

describe('renderAtom', () => {
  const head: FeedHead = { id: 'urn:araldo:feed:sito', title: 'Sito', selfUrl: SELF_URL, language: 'it' };

  function entryWith(text: string): FeedEntry {
    return {
      id: 'urn:araldo:delivery:1',
      postNumber: 1,
      text,
      // raw text in the URL too: attributes must survive it as well
      images: [{ url: `https://example.org/img.png?q=${text}`, alt: text }],
      author: text,
      published: '2026-11-21T10:00:00.000Z',
      url: `${SELF_URL}#post-1`,
    };
  }

  // 'binary' never yields half surrogates; chat text can carry them, so they are mixed in.
  const anyCodeUnit = fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
  );

  it('renders a well-formed document whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const xml = renderAtom({ ...head, title: text }, [entryWith(text)], '2026-11-21T10:00:00.000Z');
        return XMLValidator.validate(xml) === true && XML_CHARS.test(xml);
      }),
    );
  });

  it('renders a well-formed document even with lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: anyCodeUnit }), (text) => {
        const xml = renderAtom({ ...head, title: text }, [entryWith(text)], '2026-11-21T10:00:00.000Z');
        return XMLValidator.validate(xml) === true && XML_CHARS.test(xml);
      }),
    );
  });

  it('gives back the text as content, minus forbidden characters and with line ends normalized', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const xml = renderAtom(head, [entryWith(text)], '2026-11-21T10:00:00.000Z');
        const [entry] = (parser.parse(xml) as { feed: Feed }).feed.entry ?? [];
        // XML parsers turn \r\n and a lone \r into \n (XML 1.0 §2.11).
        const expected = stripForbidden(text).replace(/\r\n?/g, '\n');
        expect(textOf(entry?.content)).toBe(expected);
      }),
    );
  });
});

function stripForbidden(text: string): string {
  return [...text].filter((char) => XML_CHARS.test(char)).join('');
}
