import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from '../../src/core/ports.ts';
import { createTargetSecrets, seal, unseal } from '../../src/publish/target-secrets.ts';
import { type DatabaseHandle, openDatabase } from '../../src/store/database.ts';
import { DrizzleStore } from '../../src/store/drizzle-store.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

const T0 = new Date('2026-11-21T10:00:00.000Z');
const LEASE_MS = 60_000;
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let database: TestDatabase;
let secondHandle: DatabaseHandle | undefined;
let store: DrizzleStore;
/** another process's store: its own pool on PostgreSQL, the same database on PGlite */
let rival: DrizzleStore;

beforeAll(async () => {
  database = await createTestDatabase();
  store = new DrizzleStore(database.handle.db);
  if (testDriver === 'postgres') {
    secondHandle = await openDatabase(database.location);
    rival = new DrizzleStore(secondHandle.db);
  } else {
    rival = new DrizzleStore(database.handle.db);
  }
});
afterAll(async () => {
  await secondHandle?.close();
  await database?.drop();
});

/** A post approved for `target`, scheduled at T0 and claimed for publishing. */
async function claimedDelivery(target: string): Promise<ClaimedDelivery> {
  const teamId = `state-${randomUUID().slice(0, 8)}`;
  const created = await store.createPost({
    teamId,
    author: { id: 'U1', name: 'Giulia' },
    text: 'Allerta meteo arancione: scuole chiuse domani.',
    images: [],
    urgent: false,
    requestedAt: undefined,
    approvalsRequired: 1,
    targetIds: [target],
    dedupeKey: undefined,
    createdAt: T0,
  });
  const id = created.post.post.id;
  await store.transitionPost(id, ['pending'], 'approved', T0);
  await store.schedulePost(id, ['approved'], 'scheduled', new Map([[target, T0]]), T0);
  const [claim] = await store.claimDueDeliveries([teamId], T0, 1, LEASE_MS);
  if (!claim) throw new Error('nothing claimed');
  return claim;
}

describe(`publisher state in the store (${testDriver})`, () => {
  describe('delivery checkpoints', () => {
    it('keeps what an attempt saved for the claim that takes the delivery over', async () => {
      const claim = await claimedDelivery('ig-comune');
      expect(claim.checkpoint).toBeUndefined();
      const saved = { version: claim.post.version, data: { containerId: '17895695668004550' } };
      expect(await store.saveDeliveryCheckpoint(claim.delivery.id, claim.claimToken, saved)).toBe(true);
      // The worker dies; once its lease passes, another takes the delivery with the checkpoint.
      const [takeover] = await rival.claimAbandonedDeliveries([claim.post.teamId], at(120), 10, LEASE_MS);
      expect(takeover?.checkpoint).toEqual(saved);
      // The dead worker's token no longer writes.
      const stale = { version: claim.post.version, data: { containerId: 'other' } };
      expect(await store.saveDeliveryCheckpoint(claim.delivery.id, claim.claimToken, stale)).toBe(false);
      const [again] = await store.claimAbandonedDeliveries([claim.post.teamId], at(300), 10, LEASE_MS);
      expect(again?.checkpoint).toEqual(saved);
    });
  });

  describe('target secrets', () => {
    it('writes only over the version it read, so two processes never overwrite each other blindly', async () => {
      const target = `x-${randomUUID().slice(0, 8)}`;
      expect(await store.readTargetSecret(target)).toBeUndefined();
      const [mine, theirs] = await Promise.all([
        store.writeTargetSecret(target, 'sealed-a', 0, T0),
        rival.writeTargetSecret(target, 'sealed-b', 0, T0),
      ]);
      expect([mine, theirs].filter(Boolean)).toHaveLength(1);
      const first = await store.readTargetSecret(target);
      expect(first?.version).toBe(1);
      expect(await store.writeTargetSecret(target, 'sealed-c', 1, at(1))).toBe(true);
      expect(await rival.writeTargetSecret(target, 'sealed-d', 1, at(2))).toBe(false);
      expect(await store.readTargetSecret(target)).toEqual({ sealed: 'sealed-c', version: 2 });
    });

    it('gives the lease to one holder at a time until it is released or lapses', async () => {
      const target = `x-${randomUUID().slice(0, 8)}`;
      expect(await store.leaseTargetSecret(target, 'a', at(60), T0)).toBe(true);
      expect(await rival.leaseTargetSecret(target, 'b', at(61), at(1))).toBe(false);
      // A lease taken before any secret is stored does not count as one.
      expect(await store.readTargetSecret(target)).toBeUndefined();
      expect(await store.writeTargetSecret(target, 'sealed', 0, at(2))).toBe(true);
      await store.releaseTargetSecret(target, 'a');
      expect(await rival.leaseTargetSecret(target, 'b', at(70), at(3))).toBe(true);
      // b died holding it: after its lease lapses, a takes it.
      expect(await store.leaseTargetSecret(target, 'a', at(200), at(69))).toBe(false);
      expect(await store.leaseTargetSecret(target, 'a', at(200), at(71))).toBe(true);
    });

    it('runs one refresh at a time across processes and seals what it stores', async () => {
      const target = `x-${randomUUID().slice(0, 8)}`;
      const key = randomBytes(32);
      const sealing = { key, now: () => T0, sleep: () => new Promise<void>((r) => setTimeout(r, 5)) };
      const a = createTargetSecrets(target, store, sealing);
      const b = createTargetSecrets(target, rival, sealing);
      let inside = 0;
      let most = 0;
      const refresh = (secrets: typeof a, value: string) =>
        secrets.exclusively(async () => {
          inside += 1;
          most = Math.max(most, inside);
          const stored = await secrets.read();
          await new Promise((r) => setTimeout(r, 20));
          expect(await secrets.write(`${stored?.value ?? ''}${value}`, stored?.version ?? 0)).toBe(true);
          inside -= 1;
        });
      await Promise.all([refresh(a, 'a'), refresh(b, 'b'), refresh(a, 'c')]);
      expect(most).toBe(1);
      const stored = await b.read();
      expect(stored?.value.split('').sort().join('')).toBe('abc');
      const row = await store.readTargetSecret(target);
      expect(row?.sealed).not.toContain('abc');
      expect(unseal(key, target, row?.sealed ?? '')).toBe(stored?.value);
    });

    it('reads a secret sealed with another key as empty, so a new one can be written over it', async () => {
      const target = `x-${randomUUID().slice(0, 8)}`;
      const sleep = async () => {};
      const before = createTargetSecrets(target, store, { key: randomBytes(32), now: () => T0, sleep });
      expect(await before.write('{"refreshToken":"r1"}', 0)).toBe(true);
      // The administrator changed ARALDO_SECRET_KEY and restarted.
      const after = createTargetSecrets(target, store, { key: randomBytes(32), now: () => T0, sleep });
      expect(await after.read()).toEqual({ value: '', version: 1 });
      expect(await after.write('{"refreshToken":"r2"}', 1)).toBe(true);
      expect(await after.read()).toEqual({ value: '{"refreshToken":"r2"}', version: 2 });
    });
  });

  describe('credential checks', () => {
    it('clears the warnings given when the expiry changes, and keeps them when it does not', async () => {
      const target = `fb-${randomUUID().slice(0, 8)}`;
      const expiresAt = new Date('2026-12-10T12:00:00Z');
      await store.recordCredentialCheck(target, { state: 'valid', expiresAt, detail: '' }, T0);
      await store.markCredentialWarned(target, 14, expiresAt);
      await store.recordCredentialCheck(target, { state: 'valid', expiresAt, detail: 'again' }, at(60));
      expect(await store.listCredentialStatus([target, 'never-checked'])).toEqual([
        { targetId: target, state: 'valid', expiresAt, detail: 'again', checkedAt: at(60), warnedStage: 14 },
      ]);
      // A warning recorded for an expiry that changed meanwhile is not kept.
      await store.markCredentialWarned(target, 3, new Date('2026-12-11T00:00:00Z'));
      expect((await store.listCredentialStatus([target]))[0]?.warnedStage).toBe(14);
      const renewed = new Date('2027-02-06T12:00:00Z');
      await store.recordCredentialCheck(target, { state: 'valid', expiresAt: renewed, detail: '' }, at(120));
      expect((await store.listCredentialStatus([target]))[0]).toMatchObject({
        expiresAt: renewed,
        warnedStage: undefined,
      });
      await store.recordCredentialCheck(
        target,
        { state: 'revoked', expiresAt: undefined, detail: '190' },
        at(180),
      );
      expect((await store.listCredentialStatus([target]))[0]).toMatchObject({
        state: 'revoked',
        expiresAt: undefined,
      });
    });
  });
});

describe('sealing', () => {
  it('opens only with the same key and for the same target', () => {
    const key = randomBytes(32);
    const sealed = seal(key, 'comune-x', '{"refreshToken":"r1"}');
    expect(sealed).not.toContain('r1');
    expect(unseal(key, 'comune-x', sealed)).toBe('{"refreshToken":"r1"}');
    expect(() => unseal(randomBytes(32), 'comune-x', sealed)).toThrow(/ARALDO_SECRET_KEY/);
    expect(() => unseal(key, 'altro-x', sealed)).toThrow(/ARALDO_SECRET_KEY/);
    expect(() =>
      unseal(
        key,
        'comune-x',
        sealed.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      ),
    ).toThrow();
    expect(seal(key, 'comune-x', 'same')).not.toBe(seal(key, 'comune-x', 'same'));
  });
});
