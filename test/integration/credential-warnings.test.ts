import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warningStage } from '../../src/core/credential-watch.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import type { Target } from '../../src/core/target.ts';
import { createDeskHarness, type DeskHarness } from '../support/desk-harness.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

// Every day of the week gets a digest, so each day's warning can be seen.
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
// The page token expires on Thursday 10 December 2026 at 13:00 in Rome.
const EXPIRES = new Date('2026-12-10T12:00:00Z');

/** A team with the site feed and a Facebook page whose publisher tells its token's expiry; ids unique per test. */
function harness(): { h: DeskHarness; page: Target } {
  const suffix = randomUUID().slice(0, 8);
  const page: Target = {
    id: `comune-fb-${suffix}`,
    network: 'facebook',
    networkTitle: 'Facebook Page',
    displayName: 'Pagina Facebook',
    credentials: {},
  };
  const site: Target = { id: `sito-${suffix}`, network: 'feed', displayName: 'Sito', credentials: {} };
  const h = createDeskHarness(database, {
    targets: [site, page],
    team: { digest: { time: '08:30', days: [...EVERY_DAY] } },
  });
  return { h, page };
}

/** The digest sent at 08:30 in Rome on `day` (YYYY-MM-DD, winter time), after the morning's credential check. */
async function digestOn(h: DeskHarness, day: string): Promise<string> {
  h.clock.set(`${day}T07:30:00Z`);
  await h.desk.checkCredentials();
  const before = h.chat.records.length;
  expect(await h.sendDueDigests()).toEqual([h.team.id]);
  const sent = h.chat.records.slice(before).flatMap((r) => (r.kind === 'channel' ? [r.message.text] : []));
  expect(sent).toHaveLength(1);
  return sent[0] ?? '';
}

const expiring = (page: Target, days: number) =>
  IT['digest.credentials_expiring']({
    target: `${page.displayName} (${page.id})`,
    days,
    when: 'giovedì 10 dicembre, 13:00',
    guide: 'Facebook Page',
  });

describe(`credential expiry warnings in the digest on ${testDriver}`, () => {
  it('warns 14, 3 and 1 days before, each once, then every day once expired', async () => {
    const { h, page } = harness();
    const publisher = h.publishers.get(page.id);
    if (!publisher) throw new Error('no publisher');
    publisher.credentials = { kind: 'valid', expiresAt: EXPIRES };

    const quiet = ['2026-11-25', '2026-11-26'];
    for (const day of quiet) expect(await digestOn(h, day), day).not.toContain(IT['digest.credentials']());
    // 27 November, 08:30: 13 days and 4½ hours left.
    const first = await digestOn(h, '2026-11-27');
    expect(first).toContain(`${IT['digest.credentials']()}\n  ${expiring(page, 14)}`);
    for (const day of ['2026-11-28', '2026-12-04', '2026-12-07']) {
      expect(await digestOn(h, day), day).not.toContain(IT['digest.credentials']());
    }
    // 8 December: 2 days and 4½ hours left.
    expect(await digestOn(h, '2026-12-08')).toContain(expiring(page, 3));
    expect(await digestOn(h, '2026-12-09')).not.toContain(IT['digest.credentials']());
    // 10 December, 08:30: four and a half hours left.
    expect(await digestOn(h, '2026-12-10')).toContain(expiring(page, 1));
    // Past the expiry: said every day, since nothing publishes there until it is renewed.
    const expired = IT['digest.credentials_expired']({
      target: `${page.displayName} (${page.id})`,
      guide: 'Facebook Page',
    });
    expect(await digestOn(h, '2026-12-11')).toContain(expired);
    expect(await digestOn(h, '2026-12-12')).toContain(expired);
    expect(publisher.credentialChecks).toBe(11);
  });

  it('starts the countdown again when the token is renewed', async () => {
    const { h, page } = harness();
    const publisher = h.publishers.get(page.id);
    if (!publisher) throw new Error('no publisher');
    publisher.credentials = { kind: 'valid', expiresAt: EXPIRES };
    expect(await digestOn(h, '2026-12-08')).toContain(expiring(page, 3));
    // Renewed for 60 days: nothing to say, and the next expiry gets its own warnings.
    const renewed = new Date('2027-02-06T12:00:00Z');
    publisher.credentials = { kind: 'valid', expiresAt: renewed };
    expect(await digestOn(h, '2026-12-09')).not.toContain(IT['digest.credentials']());
    publisher.credentials = { kind: 'valid', expiresAt: EXPIRES };
    expect(await digestOn(h, '2026-12-10')).toContain(expiring(page, 1));
  });

  it('says a revoked token every day, and forgets nothing when a check cannot reach the network', async () => {
    const { h, page } = harness();
    const publisher = h.publishers.get(page.id);
    if (!publisher) throw new Error('no publisher');
    publisher.credentials = { kind: 'revoked', detail: 'Graph 190/460: password changed' };
    const revoked = IT['digest.credentials_revoked']({
      target: `${page.displayName} (${page.id})`,
      guide: 'Facebook Page',
    });
    expect(await digestOn(h, '2026-11-25')).toContain(revoked);
    publisher.credentials = { kind: 'unknown', detail: 'HTTP 503' };
    expect(await digestOn(h, '2026-11-26')).toContain(revoked);
    expect(h.logger.lines.some((line) => line.message === 'could not check the credentials')).toBe(true);
  });

  it('shows every current warning in a digest asked for by hand, without using up the daily ones', async () => {
    const { h, page } = harness();
    const publisher = h.publishers.get(page.id);
    if (!publisher) throw new Error('no publisher');
    publisher.credentials = { kind: 'valid', expiresAt: EXPIRES };
    h.clock.set('2026-12-01T07:00:00Z');
    await h.desk.checkCredentials();
    expect(await h.run('chiunque', '/araldo riepilogo')).toContain(expiring(page, 10));
    expect(await digestOn(h, '2026-12-01')).toContain(expiring(page, 10));
    expect(await h.run('chiunque', '/araldo riepilogo')).toContain(expiring(page, 10));
    expect(await digestOn(h, '2026-12-02')).not.toContain(IT['digest.credentials']());
  });

  it('reads the stages from the expiry', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    const days = (n: number) => new Date(now.getTime() + n * 86_400_000);
    expect(warningStage(days(15), now)).toBeUndefined();
    expect(warningStage(days(14), now)).toBe(14);
    expect(warningStage(days(3.5), now)).toBe(14);
    expect(warningStage(days(3), now)).toBe(3);
    expect(warningStage(days(1.01), now)).toBe(3);
    expect(warningStage(days(1), now)).toBe(1);
    expect(warningStage(days(0.001), now)).toBe(1);
    expect(warningStage(now, now)).toBe(0);
  });
});
