import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import { BlueskyPublisher } from '../../src/publish/bluesky/bluesky-publisher.ts';
import { findFacetCandidates, isHandle, toFacets } from '../../src/publish/bluesky/facets.ts';
import { imageSize, sniffImageType } from '../../src/publish/bluesky/image-facts.ts';
import { blueskyNetwork } from '../../src/publish/bluesky/network.ts';
import { fromNoAnswer, rateLimitWait } from '../../src/publish/bluesky/outcome.ts';
import { decodeTid, encodeTid, isTid, recordKeyFor } from '../../src/publish/bluesky/record-key.ts';
import { pdsEndpointOf } from '../../src/publish/bluesky/session.ts';
import { networkNamed } from '../../src/publish/registry.ts';
import { type FakeBlueskyAccount, FakeBlueskyPds } from '../fakes/fake-bluesky-pds.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { pngOf } from '../support/png.ts';
import { publishRequestFor } from '../support/publish-request.ts';
import { testPublisherContext } from '../support/publisher-context.ts';

// The `bluesky` network against a loopback PDS speaking XRPC, through the
// real fetch; test/pds/ runs the same publisher against a real PDS.

const COMUNE: FakeBlueskyAccount = {
  did: 'did:plc:c0mune7a1dem0xq4r2b3k5zz',
  handle: 'comune-demo.bsky.social',
  appPassword: 'k3v7-2pqa-x9mt-4hzd',
  email: 'social@comune.example.it',
};
const PROTEZIONE_CIVILE = { handle: 'protezionecivile.bsky.social', did: 'did:plc:pr0tez10neciv1le00000000' };

const TEAM: Team = {
  id: 'social',
  chat: 'shell',
  channel: 'social',
  language: 'it',
  timeZone: 'Europe/Rome',
  approvers: ['capo'],
  approvalsRequired: 1,
  targets: ['comune-bsky'],
  posting: {},
  digest: { time: '08:30', days: ['mon'] },
};
const TEAM_EN: Team = { ...TEAM, language: 'en' };

const DELIVERY = '5f0c8a1e-2b7d-4e3a-9c61-0d4f8b2a7e15';
/** A fixed "now" for rate-limit waits: ratelimit-reset is a UNIX instant. */
const NOW = new Date('2026-11-21T09:00:00Z');
const NOW_S = NOW.getTime() / 1000;

/** A PNG header followed by `size` bytes in all: too big for Bluesky once over 1,000,000. */
function bigPng(size: number): Buffer {
  const png = pngOf(4, 3);
  return Buffer.concat([png, Buffer.alloc(size - png.length, 7)]);
}

const pdss: FakeBlueskyPds[] = [];
afterEach(async () => {
  await Promise.all(pdss.splice(0).map((pds) => pds.close()));
});

async function startPds(options: Partial<Parameters<typeof FakeBlueskyPds.start>[0]> = {}) {
  const pds = await FakeBlueskyPds.start({
    accounts: [COMUNE],
    otherHandles: { [PROTEZIONE_CIVILE.handle]: PROTEZIONE_CIVILE.did },
    ...options,
  });
  pdss.push(pds);
  return pds;
}

function targetFor(pds: FakeBlueskyPds, account: FakeBlueskyAccount = COMUNE): Target {
  return {
    id: 'comune-bsky',
    network: 'bluesky',
    displayName: 'Comune su Bluesky',
    baseUrl: pds.url,
    credentials: { identifier: account.handle, appPassword: account.appPassword },
  };
}

function publisherFor(
  pds: FakeBlueskyPds,
  options: { logger?: RecordingLogger; account?: FakeBlueskyAccount; identifier?: string } = {},
): BlueskyPublisher {
  const account = options.account ?? COMUNE;
  return new BlueskyPublisher({
    service: pds.url,
    identifier: options.identifier ?? account.handle,
    appPassword: account.appPassword,
    logger: options.logger ?? new RecordingLogger(),
    now: () => NOW,
  });
}

function requestFor(pds: FakeBlueskyPds, overrides: Partial<PublishRequest> = {}): PublishRequest {
  return publishRequestFor(targetFor(pds), TEAM, {
    deliveryId: DELIVERY,
    text: 'Domani chiude il ponte di via Roma per lavori: percorsi alternativi sul sito.',
    ...overrides,
  });
}

const never = () => new AbortController().signal;

async function publishOnce(
  publisher: BlueskyPublisher,
  pds: FakeBlueskyPds,
  overrides: Partial<PublishRequest> = {},
): Promise<PublishOutcome> {
  return publisher.publish(requestFor(pds, overrides), never());
}

/** The UTF-8 text each facet of a record covers: what the app underlines. */
function facetTexts(record: { text: string; facets?: { index: { byteStart: number; byteEnd: number } }[] }) {
  const bytes = Buffer.from(record.text, 'utf8');
  return (record.facets ?? []).map((f) =>
    bytes.subarray(f.index.byteStart, f.index.byteEnd).toString('utf8'),
  );
}

describe('Bluesky record keys (TIDs)', () => {
  it('encodes and decodes the spec’s and the reference libraries’ vectors', () => {
    // atproto.com/specs/tid: the integer zero, and the spec's example TID.
    expect(encodeTid({ timestampUs: 0, clockId: 0 })).toBe('2222222222222');
    expect(decodeTid('2222222222222')).toEqual({ timestampUs: 0, clockId: 0 });
    expect(decodeTid('3jzfcijpj2z2a')).toEqual({ timestampUs: 1_688_137_381_887_007, clockId: 6 });
    expect(encodeTid({ timestampUs: 1_688_137_381_887_007, clockId: 6 })).toBe('3jzfcijpj2z2a');
    // @atcute/tid's README and @atproto/common-web's TID.fromTime agree on these.
    expect(encodeTid({ timestampUs: 1_724_171_495_793_000, clockId: 512 })).toBe('3l25zusnsfck2');
    expect(decodeTid('3l25zusnsfctk')).toEqual({ timestampUs: 1_724_171_495_793_000, clockId: 816 });
    const largest = encodeTid({ timestampUs: 2 ** 53 - 1, clockId: 1023 });
    expect(isTid(largest)).toBe(true);
    expect(decodeTid(largest)).toEqual({ timestampUs: 2 ** 53 - 1, clockId: 1023 });
  });

  it('refuses what is not a TID, and fields out of range', () => {
    for (const text of [
      '',
      '3jzfcijpj2z2',
      '3jzfcijpj2z2aa',
      '3jzfcijpj2z21',
      'kjzfcijpj2z2a',
      '3JZFCIJPJ2Z2A',
    ]) {
      expect(isTid(text), text).toBe(false);
      expect(decodeTid(text), text).toBeUndefined();
    }
    expect(() => encodeTid({ timestampUs: 2 ** 53, clockId: 0 })).toThrow(RangeError);
    expect(() => encodeTid({ timestampUs: -1, clockId: 0 })).toThrow(RangeError);
    expect(() => encodeTid({ timestampUs: 0, clockId: 1024 })).toThrow(RangeError);
  });

  it('derives a delivery’s key from its proposal time, the same on every attempt', () => {
    const proposedAt = new Date('2026-11-20T15:30:00.123Z');
    const key = recordKeyFor(DELIVERY, proposedAt);
    expect(recordKeyFor(DELIVERY, new Date(proposedAt))).toBe(key);
    expect(isTid(key)).toBe(true);
    const parts = decodeTid(key);
    expect(parts && Math.floor(parts.timestampUs / 1000)).toBe(proposedAt.getTime());
    // Another delivery of a post proposed in the same millisecond gets another key.
    const others = new Set(
      Array.from({ length: 200 }, (_, i) => recordKeyFor(`delivery-${i}`, proposedAt)).concat(key),
    );
    expect(others.size).toBe(201);
    // Keys sort as their proposal times.
    expect(recordKeyFor(DELIVERY, new Date('2026-11-20T15:30:01Z')) > key).toBe(true);
  });
});

describe('Bluesky facets', () => {
  it('puts links, resolved mentions and hashtags at UTF-8 byte offsets, after accents and emoji', () => {
    const text =
      'Più di 300 persone all’inaugurazione 🎉 della biblioteca: foto su https://www.comune.example.it/foto?id=3. ' +
      'Grazie @protezionecivile.bsky.social e @nessuno.example.org! Info: biblioteca.comune.example.it #Biblioteca #2026 #CittàViva.';
    const candidates = findFacetCandidates(text);
    const facets = toFacets(text, candidates, new Map([[PROTEZIONE_CIVILE.handle, PROTEZIONE_CIVILE.did]]));
    const record = { text, facets: [...facets] };
    expect(facetTexts(record)).toEqual([
      'https://www.comune.example.it/foto?id=3',
      '@protezionecivile.bsky.social',
      'biblioteca.comune.example.it',
      '#Biblioteca',
      '#CittàViva',
    ]);
    expect(facets.map((f) => f.features)).toEqual([
      [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://www.comune.example.it/foto?id=3' }],
      [{ $type: 'app.bsky.richtext.facet#mention', did: PROTEZIONE_CIVILE.did }],
      [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://biblioteca.comune.example.it' }],
      [{ $type: 'app.bsky.richtext.facet#tag', tag: 'Biblioteca' }],
      [{ $type: 'app.bsky.richtext.facet#tag', tag: 'CittàViva' }],
    ]);
    // Bytes, not UTF-16 units: "È" is 2 bytes, "🎉" 4.
    expect(toFacets('È #festa', findFacetCandidates('È #festa'), new Map())[0]?.index).toEqual({
      byteStart: 3,
      byteEnd: 9,
    });
    expect(toFacets('🎉 #festa', findFacetCandidates('🎉 #festa'), new Map())[0]?.index).toEqual({
      byteStart: 5,
      byteEnd: 11,
    });
  });

  it('leaves e-mail addresses, numbers, keycaps and over-long tags as text', () => {
    expect(findFacetCandidates('Scrivete a urp@comune.example.it entro le ore 9.30 del 12.11.')).toEqual([
      // the e-mail's domain is no bare link: it does not follow a space
    ]);
    expect(findFacetCandidates('#️⃣ numeri utili, #2026, #1-2, ##')).toEqual([]);
    expect(findFacetCandidates(`#${'a'.repeat(65)} #${'a'.repeat(64)}`)).toEqual([
      { kind: 'tag', start: 67, end: 132, tag: 'a'.repeat(64) },
    ]);
    expect(findFacetCandidates('Ciao @comune (senza dominio)')).toEqual([]);
  });

  it('trims the punctuation and quotes around a link, keeping balanced parentheses', () => {
    const texts = findFacetCandidates(
      'Vedi «https://www.comune.example.it/albo» e (https://it.wikipedia.org/wiki/Roma_(città)), poi https://x.example.it/a?b=1!',
    ).map((c) => (c.kind === 'link' ? c.uri : c.kind));
    expect(texts).toEqual([
      'https://www.comune.example.it/albo',
      'https://it.wikipedia.org/wiki/Roma_(città)',
      'https://x.example.it/a?b=1',
    ]);
  });

  it('knows a handle’s syntax', () => {
    expect(isHandle('comune.bsky.social')).toBe(true);
    expect(isHandle('alice.test')).toBe(true);
    expect(isHandle('comune')).toBe(false);
    expect(isHandle('comune.123')).toBe(false);
    expect(isHandle('-comune.bsky.social')).toBe(false);
  });
});

describe('image facts', () => {
  it('reads the size of PNG, GIF, WebP and JPEG, turning a JPEG by its EXIF orientation', () => {
    expect(imageSize(pngOf(640, 480))).toEqual({ width: 640, height: 480 });
    const gif = Buffer.from('GIF89a\x40\x01\xf0\x00', 'latin1');
    expect(imageSize(gif)).toEqual({ width: 320, height: 240 });
    const webp = Buffer.alloc(30);
    webp.write('RIFF', 0, 'latin1');
    webp.write('WEBPVP8X', 8, 'latin1');
    webp.writeUIntLE(1199, 24, 3);
    webp.writeUIntLE(799, 27, 3);
    expect(imageSize(webp)).toEqual({ width: 1200, height: 800 });
    const jpeg = (orientation: number) => {
      const tiff = Buffer.alloc(26);
      tiff.write('MM', 0, 'latin1');
      tiff.writeUInt16BE(42, 2);
      tiff.writeUInt32BE(8, 4);
      tiff.writeUInt16BE(1, 8); // one entry
      tiff.writeUInt16BE(0x0112, 10);
      tiff.writeUInt16BE(3, 12);
      tiff.writeUInt32BE(1, 14);
      tiff.writeUInt16BE(orientation, 18);
      const app1 = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
      const app1Length = Buffer.alloc(2);
      app1Length.writeUInt16BE(app1.length + 2);
      const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0x0f, 0xa0, 0x17, 0x70, 0x03]);
      return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1]), app1Length, app1, sof, Buffer.alloc(16)]);
    };
    expect(imageSize(jpeg(1))).toEqual({ width: 6000, height: 4000 });
    expect(imageSize(jpeg(6))).toEqual({ width: 4000, height: 6000 });
    expect(sniffImageType(jpeg(1))).toBe('image/jpeg');
    expect(sniffImageType(Buffer.from('<!doctype html>'))).toBeUndefined();
    expect(imageSize(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBeUndefined();
  });
});

describe('BlueskyPublisher', () => {
  it('publishes a post record under the delivery’s key and links its page on bsky.app', async () => {
    const pds = await startPds();
    const outcome = await publishOnce(publisherFor(pds), pds);

    const rkey = recordKeyFor(DELIVERY, new Date('2026-11-20T15:30:00Z'));
    expect(outcome).toEqual({
      kind: 'published',
      remoteId: `at://${COMUNE.did}/app.bsky.feed.post/${rkey}`,
      url: `https://bsky.app/profile/comune-demo.bsky.social/post/${rkey}`,
    });
    expect(pds.recordAt(COMUNE.did, rkey)?.value).toEqual({
      $type: 'app.bsky.feed.post',
      text: 'Domani chiude il ponte di via Roma per lavori: percorsi alternativi sul sito.',
      createdAt: '2026-11-21T09:00:00.000Z',
      langs: ['it'],
    });
    const [login] = pds.requestsOf('com.atproto.server.createSession');
    expect(login?.json).toEqual({ identifier: COMUNE.handle, password: COMUNE.appPassword });
    const [put] = pds.requestsOf('com.atproto.repo.putRecord');
    expect(put?.json).toMatchObject({
      repo: COMUNE.did,
      collection: 'app.bsky.feed.post',
      rkey,
      swapRecord: null,
    });
    expect(put?.headers.authorization).toMatch(/^Bearer access\./);
    // It looked for an earlier attempt's record first.
    expect(pds.requests.map((r) => r.nsid)).toEqual([
      'com.atproto.server.createSession',
      'com.atproto.repo.getRecord',
      'com.atproto.repo.putRecord',
    ]);
    expect(pds.events).toEqual([expect.objectContaining({ action: 'create' })]);
  });

  it('writes the facets of links, mentions and hashtags, resolving each handle once', async () => {
    const pds = await startPds();
    const text =
      'Allerta meteo 🌧️ arancione: aggiornamenti su https://www.comune.example.it/allerta e da @protezionecivile.bsky.social (e @protezionecivile.bsky.social), non da @sconosciuto.example.org. #AllertaMeteo';
    const outcome = await publishOnce(publisherFor(pds), pds, { text });
    expect(outcome.kind).toBe('published');
    const [record] = pds.posts(COMUNE.did);
    const value = record?.value as Parameters<typeof facetTexts>[0];
    expect(facetTexts(value)).toEqual([
      'https://www.comune.example.it/allerta',
      '@protezionecivile.bsky.social',
      '@protezionecivile.bsky.social',
      '#AllertaMeteo',
    ]);
    expect(
      pds.requestsOf('com.atproto.identity.resolveHandle').map((r) => [r.query.handle, r.status]),
    ).toEqual([
      ['protezionecivile.bsky.social', 200],
      ['sconosciuto.example.org', 400],
    ]);
  });

  it('uploads each image and embeds it with its alt text and aspect ratio', async () => {
    const pds = await startPds();
    const first = pds.hostImage('ponte.png', pngOf(64, 48), { contentType: 'image/png' });
    // A website that says nothing of the type: the bytes say it.
    const second = pds.hostImage('mappa', pngOf(30, 40), { contentType: 'application/octet-stream' });
    const outcome = await publishOnce(publisherFor(pds), pds, {
      images: [
        { url: first, alt: 'Il ponte di via Roma chiuso con le transenne' },
        { url: second, alt: 'Mappa dei percorsi alternativi' },
      ],
    });
    expect(outcome.kind).toBe('published');
    const uploads = pds.requestsOf('com.atproto.repo.uploadBlob');
    expect(uploads.map((u) => [u.headers['content-type'], u.bodyBytes])).toEqual([
      ['image/png', pngOf(64, 48).length],
      ['image/png', pngOf(30, 40).length],
    ]);
    const embed = pds.posts(COMUNE.did)[0]?.value.embed as {
      $type: string;
      images: { image: { ref: { $link: string } }; alt: string; aspectRatio: unknown }[];
    };
    expect(embed.$type).toBe('app.bsky.embed.images');
    expect(embed.images.map((i) => [i.alt, i.aspectRatio])).toEqual([
      ['Il ponte di via Roma chiuso con le transenne', { width: 64, height: 48 }],
      ['Mappa dei percorsi alternativi', { width: 30, height: 40 }],
    ]);
    for (const image of embed.images) expect(pds.blob(COMUNE.did, image.image.ref.$link)).toBeDefined();
  });

  it('refuses an image over 1,000,000 bytes in the team’s words, before uploading anything', async () => {
    const pds = await startPds();
    const declared = pds.hostImage('grande.png', bigPng(1_400_000), { contentType: 'image/png' });
    const streamed = pds.hostImage('flusso.png', bigPng(1_000_001), { contentLength: false });
    const justRight = pds.hostImage('giusta.png', bigPng(1_000_000), { contentType: 'image/png' });

    const it = await publishOnce(publisherFor(pds), pds, { images: [{ url: declared, alt: 'Piazza' }] });
    expect(it).toEqual({
      kind: 'rejected',
      code: 'media_unreachable',
      detail: "image 1 is 1400000 bytes, over Bluesky's 1000000",
      networkReason:
        "l'immagine 1 pesa 1,4 MB e supera il limite di Bluesky di 1 MB (1.000.000 byte): pubblicane una versione più leggera e aggiorna il link",
    });
    const en = await publisherFor(pds).publish(
      publishRequestFor(targetFor(pds), TEAM_EN, {
        images: [
          { url: justRight, alt: 'ok' },
          { url: streamed, alt: 'Piazza' },
        ],
      }),
      never(),
    );
    expect(en).toMatchObject({
      kind: 'rejected',
      code: 'media_unreachable',
      networkReason:
        "image 2 is over Bluesky's limit of 1 MB (1,000,000 bytes): publish a lighter version and update the link",
    });
    expect(pds.count('com.atproto.repo.putRecord')).toBe(0);
    // Only the image within the limit went up.
    expect(pds.requestsOf('com.atproto.repo.uploadBlob').map((u) => u.bodyBytes)).toEqual([1_000_000]);
  });

  it('refuses an image link that is broken or leads to no image, and retries a website that fails', async () => {
    const pds = await startPds();
    const missing = pds.hostImage('manca.png', Buffer.from('not found'), { status: 404 });
    const page = pds.hostImage('pagina', Buffer.from('<!doctype html><title>Foto</title>'), {
      contentType: 'text/html; charset=utf-8',
    });
    const down = pds.hostImage('giu.png', Buffer.from('oops'), { status: 503 });
    const publisher = publisherFor(pds);
    expect(await publishOnce(publisher, pds, { images: [{ url: missing, alt: 'x' }] })).toMatchObject({
      code: 'media_unreachable',
      networkReason: "l'immagine 1 non si può scaricare (il sito risponde HTTP 404)",
    });
    expect(await publishOnce(publisher, pds, { images: [{ url: page, alt: 'x' }] })).toMatchObject({
      code: 'media_unreachable',
      networkReason: "il link dell'immagine 1 non porta a un'immagine JPEG, PNG, GIF o WebP (text/html)",
    });
    expect(
      await publishOnce(publisher, pds, { images: [{ url: 'ftp://files.example.it/x.png', alt: 'x' }] }),
    ).toMatchObject({ code: 'media_unreachable' });
    expect(await publishOnce(publisher, pds, { images: [{ url: down, alt: 'x' }] })).toMatchObject({
      kind: 'unavailable',
    });
    expect(pds.count('com.atproto.repo.uploadBlob') + pds.count('com.atproto.repo.putRecord')).toBe(0);
  });

  it('keeps one session across posts, and shares one login among concurrent posts', async () => {
    const pds = await startPds();
    const publisher = publisherFor(pds);
    pds.failNext({ method: 'com.atproto.server.createSession', kind: 'hold' });
    const posts = [1, 2, 3].map((n) =>
      publishOnce(publisher, pds, { deliveryId: `delivery-${n}`, text: `Avviso numero ${n}` }),
    );
    await pds.waitForRequests(1, 'com.atproto.server.createSession');
    pds.release();
    const outcomes = await Promise.all(posts);
    expect(outcomes.map((o) => o.kind)).toEqual(['published', 'published', 'published']);
    expect(await publishOnce(publisher, pds, { deliveryId: 'delivery-4', text: 'Avviso 4' })).toMatchObject({
      kind: 'published',
    });
    expect(pds.count('com.atproto.server.createSession')).toBe(1);
    expect(pds.posts(COMUNE.did)).toHaveLength(4);
  });

  it('refreshes an expired access token once and carries on, without logging in again', async () => {
    const pds = await startPds();
    const publisher = publisherFor(pds);
    await publishOnce(publisher, pds, { deliveryId: 'first' });
    pds.expireAccessTokens();
    const outcome = await publishOnce(publisher, pds, { deliveryId: 'second' });
    expect(outcome.kind).toBe('published');
    expect(pds.count('com.atproto.server.createSession')).toBe(1);
    const [refresh] = pds.requestsOf('com.atproto.server.refreshSession');
    expect(refresh?.method).toBe('POST');
    expect(refresh?.token).toMatch(/^refresh\./);
    // getRecord takes no auth; the write met the expired token, then went again with the new one.
    expect(pds.requestsOf('com.atproto.repo.putRecord').map((r) => r.status)).toEqual([200, 400, 200]);
    expect(pds.posts(COMUNE.did)).toHaveLength(2);
  });

  it('logs in again when the refresh token has expired too, and when the session was revoked', async () => {
    const pds = await startPds();
    const publisher = publisherFor(pds);
    await publishOnce(publisher, pds, { deliveryId: 'first' });
    pds.expireAccessTokens();
    pds.expireRefreshTokens();
    expect((await publishOnce(publisher, pds, { deliveryId: 'second' })).kind).toBe('published');
    expect(pds.count('com.atproto.server.refreshSession')).toBe(1);
    expect(pds.count('com.atproto.server.createSession')).toBe(2);

    pds.revokeSessions();
    expect((await publishOnce(publisher, pds, { deliveryId: 'third' })).kind).toBe('published');
    // An invalid (not expired) token goes straight to a new login.
    expect(pds.count('com.atproto.server.refreshSession')).toBe(1);
    expect(pds.count('com.atproto.server.createSession')).toBe(3);
  });

  it('says the app password must be made again when the login is refused, and never logs a secret', async () => {
    const pds = await startPds();
    const logger = new RecordingLogger();
    const publisher = publisherFor(pds, { logger });
    await publishOnce(publisher, pds, { deliveryId: 'first' });
    pds.revokeAppPassword(COMUNE.did);
    const outcome = await publishOnce(publisher, pds, { deliveryId: 'second' });
    expect(outcome).toEqual({
      kind: 'rejected',
      code: 'token_revoked',
      detail: 'Bluesky refused the login: HTTP 401 AuthenticationRequired Invalid identifier or password',
      networkReason:
        "Bluesky non accetta l'identificativo o la password per app (Invalid identifier or password): crea una nuova password per app in Bluesky (Impostazioni › Privacy e sicurezza › Password per app) e aggiorna la variabile d'ambiente di Araldo",
    });
    // One new login for this attempt (after the revoked session), not one per call.
    expect(pds.count('com.atproto.server.createSession')).toBe(2);
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(COMUNE.appPassword);
    for (const request of pds.requests) {
      if (request.token) expect(logged).not.toContain(request.token);
    }
  });

  it('waits as long as a rate-limited login asks (30 logins in 5 minutes per account)', async () => {
    const pds = await startPds();
    pds.failNext({ method: 'com.atproto.server.createSession', kind: 'rate_limited', resetAt: NOW_S + 240 });
    expect(await publishOnce(publisherFor(pds), pds)).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 240_000,
    });
  });

  it('waits for ratelimit-reset on a 429, a minute when it says nothing, at most a day', async () => {
    const pds = await startPds();
    const publisher = publisherFor(pds);
    pds.failNext({ method: 'com.atproto.repo.putRecord', kind: 'rate_limited', resetAt: NOW_S + 1_800 });
    expect(await publishOnce(publisher, pds)).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 1_800_000,
    });
    const image = pds.hostImage('a.png', pngOf(2, 2), { contentType: 'image/png' });
    pds.failNext({ method: 'com.atproto.repo.uploadBlob', kind: 'rate_limited' });
    expect(await publishOnce(publisher, pds, { images: [{ url: image, alt: 'a' }] })).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 60_000,
    });
    pds.failNext({
      method: 'com.atproto.repo.getRecord',
      kind: 'rate_limited',
      resetAt: NOW_S + 10 * 86_400,
    });
    expect(await publishOnce(publisher, pds)).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 86_400_000,
    });
  });

  it('reports a text Bluesky refuses with its reason', async () => {
    const pds = await startPds();
    const outcome = await publishOnce(publisherFor(pds), pds, { text: 'à'.repeat(301) });
    expect(outcome).toMatchObject({
      kind: 'rejected',
      code: 'content_refused',
      networkReason:
        'Invalid app.bsky.feed.post record: grapheme too big (maximum 300, got 301) at $.record.text',
    });
  });

  it('retries later when the PDS fails, and says a gateway error while writing may have landed', async () => {
    const pds = await startPds();
    const publisher = publisherFor(pds);
    pds.failNext(
      { method: 'com.atproto.repo.getRecord', kind: 'status', status: 500 },
      { method: 'com.atproto.repo.putRecord', kind: 'status', status: 503, error: 'NotEnoughResources' },
      { method: 'com.atproto.repo.putRecord', kind: 'status', status: 502, error: 'UpstreamFailure' },
    );
    expect(await publishOnce(publisher, pds)).toMatchObject({ kind: 'unavailable' });
    expect(await publishOnce(publisher, pds)).toMatchObject({ kind: 'unavailable' });
    expect(await publishOnce(publisher, pds)).toMatchObject({ kind: 'unknown' });
    expect(await publishOnce(publisher, pds)).toMatchObject({ kind: 'published' });
  });

  it('after a crash with the write sent, the retry reads the post back: one post, one write', async () => {
    const pds = await startPds();
    // The PDS writes the record, then the connection drops before its answer.
    pds.failNext({ method: 'com.atproto.repo.putRecord', kind: 'drop', processed: true });
    const first = await publishOnce(publisherFor(pds), pds);
    expect(first).toMatchObject({ kind: 'unknown' });
    // A new process (a new publisher, a new session) retries the same delivery.
    const second = await publishOnce(publisherFor(pds), pds, {
      publishedAt: new Date('2026-11-21T09:05:00Z'),
    });
    const rkey = recordKeyFor(DELIVERY, new Date('2026-11-20T15:30:00Z'));
    expect(second).toEqual({
      kind: 'published',
      remoteId: `at://${COMUNE.did}/app.bsky.feed.post/${rkey}`,
      url: `https://bsky.app/profile/comune-demo.bsky.social/post/${rkey}`,
    });
    expect(pds.count('com.atproto.repo.putRecord')).toBe(1);
    expect(pds.events).toEqual([expect.objectContaining({ action: 'create' })]);
    expect(pds.posts(COMUNE.did)).toHaveLength(1);
  });

  it('reports unknown when the attempt’s time runs out after the write left; the retry finds the post', async () => {
    const pds = await startPds();
    pds.failNext({ method: 'com.atproto.repo.putRecord', kind: 'hold' });
    const controller = new AbortController();
    const attempt = publisherFor(pds).publish(requestFor(pds), controller.signal);
    await pds.waitForRequests(1, 'com.atproto.repo.putRecord');
    controller.abort();
    expect(await attempt).toMatchObject({ kind: 'unknown' });

    // The slow PDS finishes the write anyway; the retry finds it done.
    pds.release();
    await pds.waitForWrites(1);
    expect(await publishOnce(publisherFor(pds), pds)).toMatchObject({ kind: 'published' });
    expect(pds.count('com.atproto.repo.putRecord')).toBe(1);
    expect(pds.events).toHaveLength(1);
  });

  it('does not overwrite a record that lands between its read-back and its write', async () => {
    const pds = await startPds();
    const request = requestFor(pds);
    const rkey = recordKeyFor(DELIVERY, request.proposedAt);
    // An earlier attempt's write lands late: the read-back misses it, the write meets it.
    pds.plantRecord(COMUNE.did, rkey, {
      $type: 'app.bsky.feed.post',
      text: request.text,
      createdAt: '2026-11-21T08:55:00.000Z',
    });
    pds.failNext({
      method: 'com.atproto.repo.getRecord',
      kind: 'status',
      status: 400,
      error: 'RecordNotFound',
      message: 'Could not locate record',
    });
    const outcome = await publisherFor(pds).publish(request, never());
    expect(outcome).toMatchObject({
      kind: 'published',
      remoteId: `at://${COMUNE.did}/app.bsky.feed.post/${rkey}`,
    });
    expect(pds.requestsOf('com.atproto.repo.putRecord').map((r) => r.status)).toEqual([400]);
    expect(pds.events).toHaveLength(1);
    expect(pds.recordAt(COMUNE.did, rkey)?.value.createdAt).toBe('2026-11-21T08:55:00.000Z');
  });

  it('asks a person when another text is already at the delivery’s key', async () => {
    const pds = await startPds();
    const rkey = recordKeyFor(DELIVERY, new Date('2026-11-20T15:30:00Z'));
    pds.plantRecord(COMUNE.did, rkey, {
      $type: 'app.bsky.feed.post',
      text: 'Un altro testo',
      createdAt: '2026-11-21T08:55:00.000Z',
    });
    expect(await publishOnce(publisherFor(pds), pds)).toMatchObject({
      kind: 'rejected',
      code: 'duplicate',
      networkReason: `su Bluesky c'è già un post con la chiave ${rkey} ma con un altro testo: controlla l'account`,
    });
    expect(pds.count('com.atproto.repo.putRecord')).toBe(0);
  });

  it('sends nothing when the attempt’s time ran out before it started', async () => {
    const pds = await startPds();
    expect(await publisherFor(pds).publish(requestFor(pds), AbortSignal.abort())).toMatchObject({
      kind: 'unavailable',
    });
    expect(pds.requests).toEqual([]);
  });

  it('reports a PDS that cannot be reached as unavailable: nothing was sent', async () => {
    const pds = await startPds();
    const publisher = publisherFor(pds);
    await pds.close();
    pdss.splice(pdss.indexOf(pds), 1);
    expect(await publishOnce(publisher, pds)).toMatchObject({
      kind: 'unavailable',
      detail: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('talks to the PDS its DID document names after logging in at the service', async () => {
    const pds = await startPds({ didDocPds: 'localhost' });
    expect((await publishOnce(publisherFor(pds), pds)).kind).toBe('published');
    const port = new URL(pds.url).port;
    expect(pds.requests.map((r) => [r.nsid, r.host])).toEqual([
      ['com.atproto.server.createSession', `127.0.0.1:${port}`],
      ['com.atproto.repo.getRecord', `localhost:${port}`],
      ['com.atproto.repo.putRecord', `localhost:${port}`],
    ]);
    // Never from https down to plain http.
    const doc = {
      service: [
        { id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: 'http://x.example' },
      ],
    };
    expect(pdsEndpointOf(doc, 'https://bsky.social')).toBeUndefined();
    expect(pdsEndpointOf(doc, 'http://127.0.0.1:1')).toBe('http://x.example');
  });

  it('links the post by DID when the account’s handle is not verified', async () => {
    const account = {
      did: 'did:plc:n0hand1e0000000000000000',
      handle: 'handle.invalid',
      appPassword: 'aaaa-bbbb-cccc-dddd',
    };
    const pds = await startPds({ accounts: [account] });
    const outcome = await publishOnce(publisherFor(pds, { account, identifier: account.did }), pds);
    expect(outcome).toMatchObject({
      url: expect.stringMatching(
        /^https:\/\/bsky\.app\/profile\/did:plc:n0hand1e0000000000000000\/post\/[a-z2-7]{13}$/,
      ),
    });
  });
});

describe('Bluesky outcomes', () => {
  it('reads ratelimit-reset as a UNIX instant, and Retry-After as seconds', () => {
    expect(rateLimitWait(new Headers({ 'ratelimit-reset': String(NOW_S + 90) }), NOW)).toBe(90_000);
    expect(rateLimitWait(new Headers({ 'ratelimit-reset': String(NOW_S - 5) }), NOW)).toBe(0);
    expect(rateLimitWait(new Headers({ 'retry-after': '30' }), NOW)).toBe(30_000);
    expect(rateLimitWait(new Headers(), NOW)).toBe(60_000);
  });

  it('reports a lost answer as unknown only while writing', () => {
    const reset = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    expect(fromNoAnswer(reset, { step: 'write', aborted: false }).kind).toBe('unknown');
    expect(fromNoAnswer(reset, { step: 'read', aborted: false }).kind).toBe('unavailable');
    expect(fromNoAnswer(reset, { step: 'media', aborted: true }).kind).toBe('unavailable');
  });
});

describe('the bluesky network definition', () => {
  function configWith(target: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), 'araldo-bluesky-'));
    const path = join(dir, 'araldo.json');
    writeFileSync(
      path,
      JSON.stringify({
        teams: [{ id: 'social', chat: 'shell', channel: 'social', approvers: ['capo'] }],
        targets: [target],
      }),
    );
    return path;
  }
  const TARGET = {
    id: 'comune-bsky',
    network: 'bluesky',
    credentials: { identifier: 'BSKY_HANDLE', appPassword: 'BSKY_APP_PASSWORD' },
  };

  it('accepts a handle, DID or e-mail and an app password; bsky.social unless baseUrl says', () => {
    for (const identifier of [
      'comune-demo.bsky.social',
      '@comune-demo.bsky.social',
      COMUNE.did,
      COMUNE.email,
    ]) {
      const loaded = loadConfig({
        ARALDO_CONFIG: configWith({ ...TARGET, baseUrl: 'https://pds.comune.example.it' }),
        BSKY_HANDLE: identifier,
        BSKY_APP_PASSWORD: COMUNE.appPassword,
      });
      expect(loaded.ok, String(identifier)).toBe(true);
      if (loaded.ok) expect(loaded.value.targets[0]?.baseUrl).toBe('https://pds.comune.example.it');
    }
    expect(
      blueskyNetwork.credentials.safeParse({
        identifier: '@Comune.bsky.social ',
        appPassword: COMUNE.appPassword,
      }).data,
    ).toEqual({ identifier: 'Comune.bsky.social', appPassword: COMUNE.appPassword });
  });

  it('refuses an identifier it cannot use and a password that is no app password, never quoting them', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith(TARGET),
      BSKY_HANDLE: 'Comune di Esempio',
      BSKY_APP_PASSWORD: 'LaMiaPasswordSegreta!',
    });
    expect(loaded.ok || loaded.error).toEqual([
      'targets[0].credentials.identifier: environment variable BSKY_HANDLE: expected the account’s handle (comune.bsky.social), its DID (did:plc:…) or its e-mail',
      'targets[0].credentials.appPassword: environment variable BSKY_APP_PASSWORD: expected an app password (xxxx-xxxx-xxxx-xxxx, made in Bluesky under Settings › Privacy and security › App passwords), never the account’s own password',
    ]);
    expect(JSON.stringify(loaded)).not.toContain('LaMiaPasswordSegreta');
    const missing = loadConfig({
      ARALDO_CONFIG: configWith({
        ...TARGET,
        credentials: { identifier: 'BSKY_HANDLE', password: 'BSKY_PW' },
      }),
    });
    expect(missing.ok || missing.error).toEqual([
      'config targets[0].credentials.password: bluesky has no credential "password" (it takes identifier, appPassword)',
      'config targets[0].credentials.appPassword: bluesky needs this credential: name the environment variable that holds it',
    ]);
  });

  it('creates, through the registry, an idempotent publisher that publishes to the target’s PDS', async () => {
    const pds = await startPds();
    const network = networkNamed('bluesky');
    expect(network?.create).toBeDefined();
    const publisher = network?.create?.(
      { ...targetFor(pds), baseUrl: `${pds.url}/` },
      {
        ...testPublisherContext(),
        logger: new RecordingLogger(),
      },
    );
    expect(publisher?.idempotent).toBe(true);
    expect(await publisher?.publish(requestFor(pds), never())).toMatchObject({ kind: 'published' });
    expect(() =>
      blueskyNetwork.create(
        { id: 'x', network: 'bluesky', displayName: 'x', credentials: {} },
        testPublisherContext({ logger: new RecordingLogger() }),
      ),
    ).toThrow(/Bluesky needs credentials identifier/);
    // The app password goes in every request: plain http only on this machine or a private network.
    expect(() =>
      blueskyNetwork.create(
        { ...targetFor(pds), baseUrl: 'http://pds.comune.example.it' },
        testPublisherContext({ logger: new RecordingLogger() }),
      ),
    ).toThrow(/baseUrl must be https/);
    for (const baseUrl of ['http://10.0.0.7:2583', 'http://pds:2583', 'http://[fd00::1]:2583']) {
      expect(
        blueskyNetwork.create(
          { ...targetFor(pds), baseUrl },
          testPublisherContext({ logger: new RecordingLogger() }),
        ).idempotent,
      ).toBe(true);
    }
  });

  it('publishes through an injected fetch, to bsky.social by default', async () => {
    const seen: string[] = [];
    const target: Target = {
      id: 'b',
      network: 'bluesky',
      displayName: 'B',
      credentials: { identifier: COMUNE.handle, appPassword: COMUNE.appPassword },
    };
    const publisher = blueskyNetwork.create(target, {
      ...testPublisherContext(),
      logger: new RecordingLogger(),
      fetch: (input) => {
        const url = String(input);
        seen.push(url.replace(/\?.*/, ''));
        if (url.endsWith('createSession')) {
          return Promise.resolve(
            Response.json({ accessJwt: 'a', refreshJwt: 'r', did: COMUNE.did, handle: COMUNE.handle }),
          );
        }
        if (url.includes('getRecord')) {
          return Promise.resolve(
            Response.json({ error: 'RecordNotFound', message: 'Could not locate record' }, { status: 400 }),
          );
        }
        return Promise.resolve(
          Response.json({ uri: `at://${COMUNE.did}/app.bsky.feed.post/x`, cid: 'bafy' }),
        );
      },
    });
    expect(await publisher.publish(publishRequestFor(target, TEAM), never())).toMatchObject({
      kind: 'published',
    });
    expect(seen).toEqual([
      'https://bsky.social/xrpc/com.atproto.server.createSession',
      'https://bsky.social/xrpc/com.atproto.repo.getRecord',
      'https://bsky.social/xrpc/com.atproto.repo.putRecord',
    ]);
  });
});
