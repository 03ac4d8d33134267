import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../src/config.ts';
import { NETWORK_DEFINITIONS, NETWORK_NAMES, networkNamed, rulesOf } from '../../src/publish/registry.ts';

const PUBLISH_DIR = fileURLToPath(new URL('../../src/publish/', import.meta.url));
const UNITS = ['characters', 'weighted', 'graphemes', 'utf16'];
const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
const TEAM = { id: 'social', chat: 'shell', channel: 'social', approvers: ['capo'] };

function configWith(targets: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'araldo-registry-'));
  const path = join(dir, 'araldo.json');
  writeFileSync(path, JSON.stringify({ teams: [TEAM], targets }));
  return path;
}

const hook = (extra: Record<string, unknown> = {}) => ({
  id: 'sito-hook',
  network: 'webhook',
  credentials: { url: 'HOOK_URL', secret: 'HOOK_SECRET' },
  ...extra,
});
const HOOK_ENV = { HOOK_URL: 'https://www.comune.example.it/araldo/hook', HOOK_SECRET: SECRET };

describe('the publisher registry', () => {
  it('has one definition per folder of src/publish, found by its name', () => {
    // graph/ is not a network: it is the Graph API client Facebook and Instagram share.
    const folders = readdirSync(PUBLISH_DIR).filter(
      (entry) => entry !== 'graph' && statSync(join(PUBLISH_DIR, entry)).isDirectory(),
    );
    for (const folder of folders) {
      expect(readdirSync(join(PUBLISH_DIR, folder)), folder).toContain('network.ts');
    }
    expect([...NETWORK_NAMES].sort()).toEqual([...folders].sort());
    for (const name of NETWORK_NAMES) expect(networkNamed(name)?.name).toBe(name);
    expect(new Set(NETWORK_NAMES).size).toBe(NETWORK_NAMES.length);
    expect(networkNamed('myspace')).toBeUndefined();
  });

  it('gives every definition a credentials schema, rules and pacing', () => {
    for (const definition of NETWORK_DEFINITIONS) {
      const { name } = definition;
      expect(definition.credentials, name).toBeInstanceOf(z.ZodObject);
      expect(definition.credentials.safeParse({ unknownField: 'x' }).success, name).toBe(false);
      expect(UNITS, name).toContain(definition.rules.unit);
      expect(typeof definition.rules.count, name).toBe('function');
      expect(definition.rules.count('città'), name).toBe(5);
      expect(definition.rules.maxImages, name).toBeGreaterThanOrEqual(1);
      if (definition.rules.textLimit !== undefined) {
        expect(definition.rules.textLimitWithImage, name).toBeLessThanOrEqual(definition.rules.textLimit);
      }
      expect(
        Number.isInteger(definition.pacing.minIntervalMs) && definition.pacing.minIntervalMs >= 0,
        name,
      ).toBe(true);
      expect(
        Number.isInteger(definition.pacing.maxInFlight) && definition.pacing.maxInFlight >= 1,
        name,
      ).toBe(true);
      expect(typeof definition.idempotent, name).toBe('boolean');
      expect(Object.isFrozen(definition) && Object.isFrozen(definition.rules), name).toBe(true);
    }
  });

  it('makes a publisher for a target of every network, titled as README names its section', () => {
    for (const definition of NETWORK_DEFINITIONS) {
      expect(typeof definition.create, definition.name).toBe('function');
      expect(definition.title, definition.name).toMatch(/^\S/);
    }
    expect(NETWORK_DEFINITIONS.map((d) => d.title)).toEqual([
      'The feed',
      'The webhook',
      'Mastodon',
      'Bluesky',
      'Telegram',
      'Facebook Page',
      'Instagram',
      'X',
      'LinkedIn',
      'TikTok',
    ]);
  });

  it('paces the feed with no interval and every remote network with one', () => {
    expect(networkNamed('feed')?.pacing.minIntervalMs).toBe(0);
    for (const definition of NETWORK_DEFINITIONS.filter((d) => d.name !== 'feed')) {
      expect(definition.pacing.minIntervalMs, definition.name).toBeGreaterThan(0);
    }
  });

  it('marks as idempotent exactly the networks that drop a repeated key', () => {
    const idempotent = NETWORK_DEFINITIONS.filter((d) => d.idempotent).map((d) => d.name);
    expect(idempotent).toEqual(['feed', 'webhook', 'mastodon', 'bluesky', 'instagram']);
  });

  it('gives the rules of a target’s network, and refuses a network it does not know', () => {
    expect(rulesOf({ id: 'comune-x', network: 'x' }).textLimit).toBe(280);
    expect(() => rulesOf({ id: 'fb', network: 'myspace' })).toThrow(/no network "myspace"/);
  });
});

describe('configuration against the registry', () => {
  it('refuses a network the registry does not know, listing those it does', () => {
    const loaded = loadConfig({ ARALDO_CONFIG: configWith([{ id: 'fb', network: 'myspace' }]) });
    expect(loaded.ok || loaded.error).toEqual([
      `config targets[0].network: expected one of ${NETWORK_NAMES.join(', ')}`,
    ]);
  });

  it('refuses credential fields the network does not know and missing ones, all at once', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith([
        { id: 'sito-hook', network: 'webhook', credentials: { url: 'HOOK_URL', token: 'HOOK_TOKEN' } },
        { id: 'sito', network: 'feed', credentials: { password: 'FEED_PASSWORD' } },
      ]),
    });
    expect(loaded.ok || loaded.error).toEqual([
      'config targets[0].credentials.token: webhook has no credential "token" (it takes url, secret)',
      'config targets[0].credentials.secret: webhook needs this credential: name the environment variable that holds it',
      'config targets[1].credentials.password: feed has no credential "password" (it takes none)',
    ]);
  });

  it('checks each credential’s value against its field, naming the variable and never quoting the value', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith([hook()]),
      HOOK_URL: 'ftp://www.comune.example.it/hook',
      HOOK_SECRET: 'password-scritta-a-mano',
    });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error).toEqual([
      'targets[0].credentials.url: environment variable HOOK_URL: expected the http(s) URL the receiver listens at',
      expect.stringMatching(
        /^targets\[0\]\.credentials\.secret: environment variable HOOK_SECRET: expected a Standard Webhooks secret: whsec_ and the base64 of 24 to 64 random bytes .*; this one is not base64$/,
      ),
    ]);
    expect(loaded.error.join('\n')).not.toContain('password-scritta-a-mano');
  });

  it('gives each target its network’s pacing unless the target overrides it', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith([
        { id: 'sito', network: 'feed' },
        hook(),
        hook({ id: 'albo-hook', pacing: { minIntervalSeconds: 2.5 } }),
        hook({ id: 'eventi-hook', pacing: { minIntervalSeconds: 0, maxInFlight: 3 } }),
      ]),
      ...HOOK_ENV,
    });
    expect(loaded.ok && Object.fromEntries(loaded.value.targets.map((t) => [t.id, t.pacing]))).toEqual({
      sito: { minIntervalMs: 0, maxInFlight: 4 },
      'sito-hook': { minIntervalMs: 1000, maxInFlight: 1 },
      'albo-hook': { minIntervalMs: 2500, maxInFlight: 1 },
      'eventi-hook': { minIntervalMs: 0, maxInFlight: 3 },
    });
  });

  it('refuses pacing it cannot use, with the file’s other problems', () => {
    const loaded = loadConfig({
      ARALDO_CONFIG: configWith([
        hook({ pacing: { minIntervalSeconds: -1, maxInFlight: 0 } }),
        hook({ id: 'albo-hook', pacing: { maxInFlight: 1.5, every: 3 } }),
        { id: 'Sito', network: 'feed' },
      ]),
      ...HOOK_ENV,
    });
    expect(loaded.ok || loaded.error).toEqual([
      'config targets[0].pacing.minIntervalSeconds: expected 0 seconds or more',
      'config targets[0].pacing.maxInFlight: expected at least 1',
      'config targets[1].pacing.maxInFlight: expected a whole number of publications',
      'config targets[1].pacing: Unrecognized key: "every"',
      'config targets[2].id: expected a short id of lower-case letters, digits, - or _ (e.g. comune-fb)',
    ]);
  });
});
