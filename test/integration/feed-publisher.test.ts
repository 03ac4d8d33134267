import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { type AtomFeed, atomParser, textOf, XML_CHARS } from '../support/atom-reader.ts';
import { createDeskHarness } from '../support/desk-harness.ts';
import { approvalOf } from '../support/publish-request.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

// The `feed` network (SPEC §2): the published delivery row is the entry and
// the Atom document (RFC 4287) is rendered from the rows on request, so the
// publisher only names the entry and its link. What the document holds is
// proven through a real store and a real server in feed-http.test.ts.

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
    proposedAt: new Date('2026-11-21T09:00:00Z'),
    approval: async () => approvalOf(TARGET),
    checkpoint: undefined,
    saveCheckpoint: async () => true,
    ...overrides,
  };
}

function createPublisher(): FeedPublisher {
  return new FeedPublisher({ targetId: 'sito', publicUrl: PUBLIC_URL });
}

async function publish(
  publisher: FeedPublisher,
  req: PublishRequest,
): Promise<{ remoteId: string; url: string }> {
  const outcome = await publisher.publish(req, new AbortController().signal);
  if (outcome.kind !== 'published') throw new Error(`expected published, got ${JSON.stringify(outcome)}`);
  return { remoteId: outcome.remoteId, url: outcome.url };
}

describe('FeedPublisher', () => {
  it('declares itself idempotent, so an interrupted delivery may be sent again', () => {
    expect(createPublisher().idempotent).toBe(true);
  });

  it('names the entry by its delivery and links it inside the feed', async () => {
    const req = request({ postNumber: 7 });

    expect(await publish(createPublisher(), req)).toEqual({
      remoteId: `urn:araldo:delivery:${req.deliveryId}`,
      url: `${SELF_URL}#post-7-${req.deliveryId.slice(0, 8)}`,
    });
  });

  it('gives the same id and link when the same delivery is published again later', async () => {
    const publisher = createPublisher();
    const req = request();
    const first = await publish(publisher, req);
    // A retry after a crash: same delivery, a later clock.
    const again = await publish(publisher, { ...req, publishedAt: new Date('2026-11-21T10:05:00Z') });

    expect(again).toEqual(first);
  });

  it('gives the same id and link concurrently and from another instance (another replica)', async () => {
    const req = request();
    const outcomes = await Promise.all([
      publish(createPublisher(), req),
      publish(createPublisher(), req),
      publish(createPublisher(), req),
    ]);

    expect(new Set(outcomes.map((outcome) => JSON.stringify(outcome))).size).toBe(1);
  });

  it('gives each delivery its own entry id', async () => {
    const publisher = createPublisher();
    const a = await publish(publisher, request());
    const b = await publish(publisher, request());

    expect(a.remoteId).not.toBe(b.remoteId);
    expect(a.url).not.toBe(b.url);
  });
});

describe(`a feed delivery recorded by the desk on ${testDriver}`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('records the entry on the delivery: published, with its time, id and link', async () => {
    const h = createDeskHarness(database, {
      targets: [TARGET],
      idempotent: true,
      publishers: { sito: createPublisher() },
    });
    const reply = await h.run('editor', '/propose to:sito Domani chiude il ponte di via Roma.');
    const number = Number(/#(\d+)/.exec(reply)?.[1]);
    await h.react('supervisor', number, '✅');
    await h.tick();

    const stored = await h.store.getPost(h.team.id, number);
    const delivery = stored?.deliveries[0];
    expect(stored?.post.state).toBe('published');
    expect(delivery).toMatchObject({
      state: 'published',
      publishedAt: h.clock.now(),
      remoteId: `urn:araldo:delivery:${delivery?.id}`,
      publicUrl: `${SELF_URL}#post-${number}-${delivery?.id.slice(0, 8)}`,
    });
    expect(h.chat.thread(number).at(-1)).toBe(`Pubblicata su Sito istituzionale: ${delivery?.publicUrl}`);
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
        const [entry] = (atomParser.parse(xml) as { feed: AtomFeed }).feed.entry ?? [];
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
