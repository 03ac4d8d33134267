import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

// A secret in the Standard Webhooks form (the spec's own test vector: 24 bytes).
const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const WEBHOOK_CREDENTIALS = { url: 'SITO_WEBHOOK_URL', secret: 'SITO_WEBHOOK_SECRET' };

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'araldo-config-'));
  const path = join(dir, 'araldo.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadConfig', () => {
  it('starts with the built-in default when nothing is configured', () => {
    const loaded = loadConfig({}, '/srv/araldo');
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.value.teams).toEqual([
      {
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
      },
    ]);
    expect(loaded.value.targets).toEqual([
      {
        id: 'sito',
        network: 'feed',
        displayName: 'Sito istituzionale',
        networkTitle: 'The feed',
        credentials: {},
        pacing: { minIntervalMs: 0, maxInFlight: 4 },
      },
    ]);
    expect(loaded.value.dataDir).toBe('/srv/araldo/data');
    expect(loaded.value.port).toBe(3000);
    expect(loaded.value.databaseUrl).toBeUndefined();
    expect(loaded.value.logLevel).toBe('warn');
    expect(loaded.value.clockStart).toBeUndefined();
  });

  it('takes the empty lines of a copied .env.example as unset', () => {
    const loaded = loadConfig(
      {
        DATABASE_URL: '',
        PUBLIC_URL: '',
        LOG_LEVEL: '',
        SLACK_API_URL: '',
        ARALDO_CLOCK_START: '',
        ARALDO_SECRET_KEY: '',
        PORT: '',
      },
      '/srv/araldo',
    );
    expect(loaded.ok && loaded.value.databaseUrl).toBeUndefined();
    expect(loaded.ok && loaded.value.port).toBe(3000);
  });

  it('reads ARALDO_CLOCK_START as an instant with its offset', () => {
    const loaded = loadConfig({ ARALDO_CLOCK_START: '2026-12-02T11:00:00+01:00' }, '/srv/araldo');
    expect(loaded.ok && loaded.value.clockStart?.toISOString()).toBe('2026-12-02T10:00:00.000Z');
  });

  it('refuses an ARALDO_CLOCK_START without an offset, since it would depend on the machine zone', () => {
    const loaded = loadConfig({ ARALDO_CLOCK_START: '2026-12-02 11:00' }, '/srv/araldo');
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error.join('\n')).toMatch(
      /^ARALDO_CLOCK_START: expected an ISO 8601 instant with its offset/,
    );
  });

  it('reports every problem at once, naming the field and what is expected', () => {
    const path = configFile({
      teams: [
        { id: 'Social Team', chat: 'irc', channel: 'x', timeZone: 'Rome', approvers: [], targets: ['nope'] },
      ],
      targets: [{ id: 'fb', network: 'myspace', credentials: { token: 'EAAB-secret-value' } }],
    });
    const loaded = loadConfig({ ARALDO_CONFIG: path, PORT: 'abc' });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    const text = loaded.error.join('\n');
    expect(text).toContain('PORT');
    expect(text).toContain('config teams[0].id: expected a short id');
    expect(text).toContain('config teams[0].chat: expected one of shell, slack, discord');
    expect(text).toContain('config teams[0].timeZone: expected an IANA time zone such as Europe/Rome');
    expect(text).toContain('config teams[0].approvers: expected at least one approver');
    expect(text).toContain('config targets[0].network: expected one of feed');
    expect(text).toContain(
      'config targets[0].credentials.token: expected the NAME of an environment variable',
    );
  });

  it('checks references between teams and targets and that credentials are set', () => {
    const path = configFile({
      teams: [
        { id: 'social', chat: 'shell', channel: 'social', approvers: ['capo'], targets: ['sito-hook', 'x'] },
      ],
      targets: [
        { id: 'sito-hook', network: 'webhook', credentials: WEBHOOK_CREDENTIALS },
        { id: 'sito-hook', network: 'feed' },
      ],
    });
    const loaded = loadConfig({ ARALDO_CONFIG: path, SITO_WEBHOOK_SECRET: WEBHOOK_SECRET });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error).toEqual([
      'targets[0].credentials.url: environment variable SITO_WEBHOOK_URL is not set',
      'targets[1].id: "sito-hook" is used twice',
      'teams[0].targets[1]: no target "x" (known: sito-hook)',
    ]);
  });

  it('resolves credentials from the environment and remembers them as secrets', () => {
    const path = configFile({
      teams: [{ id: 'social', chat: 'shell', channel: 'social', approvers: ['capo'] }],
      targets: [{ id: 'sito-hook', network: 'webhook', credentials: WEBHOOK_CREDENTIALS }],
    });
    const loaded = loadConfig({
      ARALDO_CONFIG: path,
      SITO_WEBHOOK_URL: 'https://www.comune.example.it/araldo/hook-k3y',
      SITO_WEBHOOK_SECRET: WEBHOOK_SECRET,
      DATABASE_URL: 'postgres://a:pw%40x@db/araldo',
    });
    expect(loaded.ok && loaded.value.targets[0]?.credentials).toEqual({
      url: 'https://www.comune.example.it/araldo/hook-k3y',
      secret: WEBHOOK_SECRET,
    });
    expect(loaded.ok && loaded.value.secrets).toEqual([
      'https://www.comune.example.it/araldo/hook-k3y',
      WEBHOOK_SECRET,
      'pw@x',
    ]);
    expect(loaded.ok && loaded.value.teams[0]?.targets).toEqual(['sito-hook']);
  });

  it('reads how many entries a feed target shows, within 1 … 500, and only on feed targets', () => {
    const team = { id: 'social', chat: 'shell', channel: 'social', approvers: ['capo'] };
    const good = loadConfig({
      ARALDO_CONFIG: configFile({
        teams: [team],
        targets: [
          { id: 'sito', network: 'feed', feed: { entries: 20 } },
          { id: 'albo', network: 'feed', feed: {} },
          { id: 'notizie', network: 'feed' },
        ],
      }),
    });
    expect(good.ok && good.value.targets.map((target) => target.feed)).toEqual([
      { entries: 20 },
      { entries: 50 },
      undefined,
    ]);

    const bad = loadConfig({
      ARALDO_CONFIG: configFile({
        teams: [team],
        targets: [
          { id: 'sito', network: 'feed', feed: { entries: 501 } },
          { id: 'albo', network: 'feed', feed: { entries: 0 } },
        ],
      }),
    });
    expect(bad.ok).toBe(false);
    expect(bad.ok || bad.error).toEqual([
      'config targets[0].feed.entries: expected at most 500 entries',
      'config targets[1].feed.entries: expected at least 1 entry',
    ]);

    const notAFeed = loadConfig({
      ARALDO_CONFIG: configFile({
        teams: [team],
        targets: [
          { id: 'sito-hook', network: 'webhook', credentials: WEBHOOK_CREDENTIALS, feed: { entries: 10 } },
        ],
      }),
      SITO_WEBHOOK_URL: 'https://www.comune.example.it/araldo/hook',
      SITO_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    expect(notAFeed.ok || notAFeed.error).toEqual([
      'targets[0].feed: only targets of network feed have a feed (this one is webhook)',
    ]);
  });

  it('refuses settings on a network that takes none', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configFile({
        teams: [{ id: 'social', chat: 'shell', channel: 'social', approvers: ['capo'] }],
        targets: [{ id: 'sito', network: 'feed', settings: { pageId: '123' } }],
      }),
    });
    expect(loaded.ok || loaded.error).toEqual(['targets[0].settings: feed takes no settings']);
  });

  it('reads ARALDO_SECRET_KEY as 32 bytes in hex or base64, and never quotes it', () => {
    const hex = 'a'.repeat(64);
    const fromHex = loadConfig({ ARALDO_SECRET_KEY: hex });
    expect(fromHex.ok && fromHex.value.secretKey?.toString('hex')).toBe(hex);
    expect(fromHex.ok && fromHex.value.secrets).toContain(hex);
    const base64 = Buffer.alloc(32, 7).toString('base64');
    const fromBase64 = loadConfig({ ARALDO_SECRET_KEY: base64 });
    expect(fromBase64.ok && fromBase64.value.secretKey).toEqual(Buffer.alloc(32, 7));
    const short = loadConfig({ ARALDO_SECRET_KEY: 'abc123-not-a-key' });
    expect(short.ok).toBe(false);
    expect(short.ok || short.error.join()).toMatch(/ARALDO_SECRET_KEY must be 32 random bytes/);
    expect(short.ok || short.error.join()).not.toContain('abc123');
    expect(loadConfig({}).ok && loadConfig({}).ok).toBe(true);
  });

  it('asks for ARALDO_SECRET_KEY with the file’s other problems when a network keeps rotated tokens', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configFile({
        teams: [{ id: 'social', chat: 'shell', channel: 'social', approvers: ['capo'] }],
        targets: [
          { id: 'sito', network: 'feed' },
          {
            id: 'comune-x',
            network: 'x',
            credentials: { clientId: 'X_CLIENT_ID', refreshToken: 'X_REFRESH_TOKEN' },
          },
        ],
      }),
      X_CLIENT_ID: 'client',
      X_REFRESH_TOKEN: 'seed',
    });
    expect(loaded.ok || loaded.error).toEqual([
      'targets[1] (comune-x): X rotates its refresh token, which Araldo keeps sealed in the database: set ARALDO_SECRET_KEY to 32 random bytes (openssl rand -hex 32; README, section "X")',
    ]);
  });

  it('says so when the file is missing or not JSON', () => {
    expect(loadConfig({ ARALDO_CONFIG: '/nonexistent/araldo.json' })).toMatchObject({
      ok: false,
      error: ['ARALDO_CONFIG: cannot read /nonexistent/araldo.json (ENOENT)'],
    });
    const loaded = loadConfig({ ARALDO_CONFIG: configFile('{ teams: [') });
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.error[0]).toContain('is not valid JSON');
  });

  it('refuses a Discord team until the Discord adapter exists, and Slack without its tokens', () => {
    const path = configFile({
      teams: [
        { id: 'discordia', chat: 'discord', channel: '123', approvers: ['456'] },
        { id: 'comunicazione', chat: 'slack', channel: 'C0123', approvers: ['U0123'] },
      ],
      targets: [{ id: 'sito', network: 'feed' }],
    });
    const loaded = loadConfig({ ARALDO_CONFIG: path });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error).toEqual([
      'config teams[0].chat: Discord is not available in this version yet; use slack or shell',
      'SLACK_BOT_TOKEN: a team uses Slack, so the bot token is required',
      'SLACK_SIGNING_SECRET: required for Slack in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
    ]);
  });
});
