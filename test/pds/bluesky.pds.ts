import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';
import { AtpAgent } from '@atproto/api';
import { TestNetworkNoAppView } from '@atproto/dev-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger, Publisher, PublishRequest } from '../../src/core/ports.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';
import { blueskyNetwork } from '../../src/publish/bluesky/network.ts';
import { recordKeyFor } from '../../src/publish/bluesky/record-key.ts';
import { publishRequestFor } from '../support/publish-request.ts';
import { testPublisherContext } from '../support/publisher-context.ts';

// Araldo's Bluesky publisher against a real PDS: @atproto/dev-env starts the
// reference PDS and a PLC directory in this process, on loopback, storing in
// SQLite (no internet, no Postgres). What the publisher writes is read back
// with the reference client, @atproto/api. Opt-in (npm run test:pds): its
// install is some 400 MB.

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

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

/** A real PNG of `width` × `height` grey pixels. */
function pngOf(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y += 1) rows[y * (width + 1)] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The UTF-8 text each facet covers. */
function facetTexts(text: string, facets: readonly { index: { byteStart: number; byteEnd: number } }[] = []) {
  const bytes = Buffer.from(text, 'utf8');
  return facets.map((f) => bytes.subarray(f.index.byteStart, f.index.byteEnd).toString('utf8'));
}

interface Account {
  readonly did: string;
  readonly handle: string;
  readonly appPassword: string;
}

async function createAccount(network: TestNetworkNoAppView, handle: string): Promise<Account> {
  const agent = network.pds.getClient();
  const created = await agent.createAccount({
    handle,
    email: `${handle.replace(/\.test$/, '')}@comune.example.it`,
    password: `password-of-${handle}`,
  });
  const appPassword = await agent.com.atproto.server.createAppPassword({ name: 'Araldo' });
  return { did: created.data.did, handle, appPassword: appPassword.data.password };
}

function targetOf(network: TestNetworkNoAppView, account: Account): Target {
  return {
    id: 'comune-bsky',
    network: 'bluesky',
    displayName: 'Comune su Bluesky',
    baseUrl: network.pds.url,
    credentials: { identifier: account.handle, appPassword: account.appPassword },
  };
}

function publisherOf(network: TestNetworkNoAppView, account: Account, send?: typeof fetch): Publisher {
  return blueskyNetwork.create(targetOf(network, account), {
    ...testPublisherContext(),
    logger: silent,
    ...(send ? { fetch: send } : {}),
  });
}

const never = () => new AbortController().signal;

describe('the Bluesky publisher against a real PDS', () => {
  let network: TestNetworkNoAppView;
  let comune: Account;
  let protezioneCivile: Account;
  let reader: AtpAgent;
  let images: Server;
  let imagesUrl: string;

  beforeAll(async () => {
    network = await TestNetworkNoAppView.create({});
    comune = await createAccount(network, 'comune.test');
    protezioneCivile = await createAccount(network, 'protezionecivile.test');
    reader = new AtpAgent({ service: network.pds.url });
    // The municipality's website, serving the post's image.
    images = createServer((request, response) => {
      if (request.url === '/img/ponte.png') {
        const png = pngOf(120, 80);
        response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
        response.end(png);
        return;
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => images?.close(() => resolve()));
    await network?.close();
  });

  function requestFor(overrides: Partial<PublishRequest>): PublishRequest {
    return publishRequestFor(targetOf(network, comune), TEAM, overrides);
  }

  async function readBack(rkey: string) {
    const got = await reader.com.atproto.repo.getRecord({
      repo: comune.did,
      collection: 'app.bsky.feed.post',
      rkey,
    });
    return got.data;
  }

  it('publishes a text, which the reference client reads back at the delivery’s key', async () => {
    const request = requestFor({ text: 'Domani chiude il ponte di via Roma per lavori.' });
    const outcome = await publisherOf(network, comune).publish(request, never());
    const rkey = recordKeyFor(request.deliveryId, request.proposedAt);
    expect(outcome).toEqual({
      kind: 'published',
      remoteId: `at://${comune.did}/app.bsky.feed.post/${rkey}`,
      url: `https://bsky.app/profile/comune.test/post/${rkey}`,
    });
    const record = await readBack(rkey);
    expect(record.uri).toBe(`at://${comune.did}/app.bsky.feed.post/${rkey}`);
    expect(record.value).toEqual({
      $type: 'app.bsky.feed.post',
      text: 'Domani chiude il ponte di via Roma per lavori.',
      createdAt: request.publishedAt.toISOString(),
      langs: ['it'],
    });
  });

  it('publishes an image with its alt text and aspect ratio, its blob stored by the PDS', async () => {
    const request = requestFor({
      text: 'Il ponte di via Roma riapre sabato. 🚧',
      images: [{ url: `${imagesUrl}/img/ponte.png`, alt: 'Il ponte di via Roma con le transenne' }],
    });
    const outcome = await publisherOf(network, comune).publish(request, never());
    expect(outcome.kind).toBe('published');
    const record = await readBack(recordKeyFor(request.deliveryId, request.proposedAt));
    const embed = record.value.embed as {
      $type: string;
      images: {
        alt: string;
        aspectRatio: unknown;
        image: { ref: { toString(): string }; mimeType: string };
      }[];
    };
    expect(embed.$type).toBe('app.bsky.embed.images');
    expect(embed.images).toHaveLength(1);
    expect(embed.images[0]).toMatchObject({
      alt: 'Il ponte di via Roma con le transenne',
      aspectRatio: { width: 120, height: 80 },
      image: { mimeType: 'image/png' },
    });
    const blob = await reader.com.atproto.sync.getBlob({
      did: comune.did,
      cid: String(embed.images[0]?.image.ref.toString()),
    });
    expect(Buffer.from(blob.data)).toEqual(pngOf(120, 80));
  });

  it('publishes a link and a mention as facets at UTF-8 byte offsets; an unknown handle stays text', async () => {
    const text =
      'Più informazioni 🌧️ su https://www.comune.example.it/allerta, grazie @protezionecivile.test e @nessuno.test! #AllertaMeteo';
    const request = requestFor({ text });
    const outcome = await publisherOf(network, comune).publish(request, never());
    expect(outcome.kind).toBe('published');
    const record = await readBack(recordKeyFor(request.deliveryId, request.proposedAt));
    const facets = record.value.facets as {
      index: { byteStart: number; byteEnd: number };
      features: unknown[];
    }[];
    expect(facetTexts(text, facets)).toEqual([
      'https://www.comune.example.it/allerta',
      '@protezionecivile.test',
      '#AllertaMeteo',
    ]);
    expect(facets.map((f) => f.features)).toEqual([
      [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://www.comune.example.it/allerta' }],
      [{ $type: 'app.bsky.richtext.facet#mention', did: protezioneCivile.did }],
      [{ $type: 'app.bsky.richtext.facet#tag', tag: 'AllertaMeteo' }],
    ]);
  });

  it('publishes once when the answer to the write is lost: the retry reads the post back', async () => {
    const request = requestFor({ text: 'Avviso: mercato spostato in piazza Garibaldi.' });
    // The PDS writes the record; the answer never arrives.
    const losing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).includes('com.atproto.repo.putRecord')) {
        await response.body?.cancel();
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return response;
    };
    expect(await publisherOf(network, comune, losing).publish(request, never())).toMatchObject({
      kind: 'unknown',
    });
    const before = await reader.com.atproto.repo.listRecords({
      repo: comune.did,
      collection: 'app.bsky.feed.post',
    });

    const again = await publisherOf(network, comune).publish(request, never());
    expect(again).toMatchObject({ kind: 'published' });
    const after = await reader.com.atproto.repo.listRecords({
      repo: comune.did,
      collection: 'app.bsky.feed.post',
    });
    expect(after.data.records.map((r) => [r.uri, r.cid])).toEqual(
      before.data.records.map((r) => [r.uri, r.cid]),
    );
  });

  it('does not overwrite a record that lands between its read-back and its write (swapRecord: null)', async () => {
    const request = requestFor({ text: 'Consiglio comunale giovedì alle 18.' });
    const rkey = recordKeyFor(request.deliveryId, request.proposedAt);
    const other = network.pds.getClient();
    await other.login({ identifier: comune.handle, password: comune.appPassword });
    const landed = await other.com.atproto.repo.putRecord({
      repo: comune.did,
      collection: 'app.bsky.feed.post',
      rkey,
      record: { $type: 'app.bsky.feed.post', text: request.text, createdAt: '2026-11-21T08:55:00.000Z' },
    });
    // The first read-back asks for another key, so it misses the record, as a late write would make it.
    let first = true;
    const missing: typeof fetch = (input, init) => {
      const url = String(input);
      if (first && url.includes('com.atproto.repo.getRecord')) {
        first = false;
        return fetch(url.replace(`rkey=${rkey}`, 'rkey=2222222222222'), init);
      }
      return fetch(input, init);
    };
    expect(await publisherOf(network, comune, missing).publish(request, never())).toMatchObject({
      kind: 'published',
    });
    expect((await readBack(rkey)).cid).toBe(landed.data.cid);
  });

  it('logs in again when the PDS refuses the token (400 InvalidToken)', async () => {
    let spoiled = false;
    const spoiling: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      if (!spoiled && String(input).includes('com.atproto.repo.putRecord')) {
        spoiled = true;
        headers.set('authorization', 'Bearer not-a-token');
      }
      return fetch(input, { ...init, headers });
    };
    const request = requestFor({ text: 'Raccolta differenziata: calendario aggiornato.' });
    expect(await publisherOf(network, comune, spoiling).publish(request, never())).toMatchObject({
      kind: 'published',
    });
    expect(spoiled).toBe(true);
  });

  it('reports a text over 300 graphemes as refused content, in the PDS’s words', async () => {
    const outcome = await publisherOf(network, comune).publish(
      requestFor({ text: 'à'.repeat(301) }),
      never(),
    );
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'content_refused' });
    // The fake PDS (test/fakes/fake-bluesky-pds.ts) answers these same words.
    expect(outcome.kind === 'rejected' && outcome.networkReason).toBe(
      'Invalid app.bsky.feed.post record: grapheme too big (maximum 300, got 301) at $.record.text',
    );
  });

  it('refuses a wrong app password as a revoked token', async () => {
    const outcome = await publisherOf(network, { ...comune, appPassword: 'aaaa-bbbb-cccc-dddd' }).publish(
      requestFor({}),
      never(),
    );
    expect(outcome).toMatchObject({
      kind: 'rejected',
      code: 'token_revoked',
      detail: 'Bluesky refused the login: HTTP 401 AuthenticationRequired Invalid identifier or password',
    });
  });
});

describe('the Bluesky publisher against a real PDS with rate limits on', () => {
  let network: TestNetworkNoAppView;
  let comune: Account;

  beforeAll(async () => {
    network = await TestNetworkNoAppView.create({ pds: { rateLimitsEnabled: true } });
    comune = await createAccount(network, 'comune.test');
  });

  afterAll(async () => {
    await network?.close();
  });

  it('waits for the PDS’s ratelimit-reset once logins run over 30 in 5 minutes', async () => {
    const request = publishRequestFor(targetOf(network, comune), TEAM, { text: 'Prova' });
    // Each new publisher logs in once (a restart of Araldo would); the 31st login is refused.
    const outcomes = [];
    for (let i = 0; i < 31; i += 1)
      outcomes.push(await publisherOf(network, comune).publish(request, never()));
    expect(outcomes.slice(0, 30).every((o) => o.kind === 'published')).toBe(true);
    const last = outcomes[30];
    expect(last?.kind).toBe('rate_limited');
    if (last?.kind !== 'rate_limited') return;
    expect(last.retryAfterMs).toBeGreaterThan(0);
    expect(last.retryAfterMs).toBeLessThanOrEqual(5 * 60_000);
  });
});
