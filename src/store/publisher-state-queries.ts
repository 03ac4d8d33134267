import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { CredentialState, CredentialStatus, StoredCheckpoint } from '../core/ports.ts';
import type { Executor } from './outbox-queries.ts';
import { credentialChecks, deliveries, targetSecrets } from './schema.ts';

// What publishers keep between attempts and between processes: a delivery's
// checkpoint, a target's sealed secret and its lease, and what the network
// last said of a target's credentials.

/** Saves a delivery's checkpoint if `claimToken` still holds its claim; false when it does not. */
export async function saveDeliveryCheckpoint(
  db: Executor,
  deliveryId: string,
  claimToken: string,
  checkpoint: StoredCheckpoint,
): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ checkpoint: { version: checkpoint.version, data: { ...checkpoint.data } } })
    .where(
      and(
        eq(deliveries.id, deliveryId),
        eq(deliveries.state, 'publishing'),
        eq(deliveries.claimToken, claimToken),
      ),
    )
    .returning({ id: deliveries.id });
  return rows.length === 1;
}

/** A target's sealed secret and its version, or undefined when none was ever stored. */
export async function readTargetSecret(
  db: Executor,
  targetId: string,
): Promise<{ sealed: string; version: number } | undefined> {
  const [row] = await db
    .select({ sealed: targetSecrets.sealed, version: targetSecrets.version })
    .from(targetSecrets)
    .where(eq(targetSecrets.targetId, targetId));
  return row?.sealed ? { sealed: row.sealed, version: row.version } : undefined;
}

/** Stores a sealed secret if the stored version is still `version` (0: none yet); false when another write came first. */
export async function writeTargetSecret(
  db: Executor,
  targetId: string,
  sealed: string,
  version: number,
  at: Date,
): Promise<boolean> {
  if (version === 0) {
    // The row may exist without a secret (a lease taken first): fill it only if still empty.
    const inserted = await db
      .insert(targetSecrets)
      .values({ targetId, sealed, version: 1, updatedAt: at })
      .onConflictDoUpdate({
        target: targetSecrets.targetId,
        set: { sealed, version: 1, updatedAt: at },
        setWhere: eq(targetSecrets.version, 0),
      })
      .returning({ version: targetSecrets.version });
    return inserted.length === 1;
  }
  const updated = await db
    .update(targetSecrets)
    .set({ sealed, version: version + 1, updatedAt: at })
    .where(and(eq(targetSecrets.targetId, targetId), eq(targetSecrets.version, version)))
    .returning({ version: targetSecrets.version });
  return updated.length === 1;
}

/** Takes the target's lease for `holder` until `until` if it is free or lapsed at `at`; false when another holds it. */
export async function leaseTargetSecret(
  db: Executor,
  targetId: string,
  holder: string,
  until: Date,
  at: Date,
): Promise<boolean> {
  const rows = await db
    .insert(targetSecrets)
    .values({ targetId, leaseHolder: holder, leasedUntil: until, updatedAt: at })
    .onConflictDoUpdate({
      target: targetSecrets.targetId,
      set: { leaseHolder: holder, leasedUntil: until },
      // Dates go in as text: raw in a sql template, postgres.js would not know their type.
      setWhere: sql`${targetSecrets.leasedUntil} is null or ${targetSecrets.leasedUntil} < ${at.toISOString()}::timestamptz or ${targetSecrets.leaseHolder} = ${holder}`,
    })
    .returning({ holder: targetSecrets.leaseHolder });
  return rows.length === 1 && rows[0]?.holder === holder;
}

/** Gives the lease back, if `holder` still has it. */
export async function releaseTargetSecret(db: Executor, targetId: string, holder: string): Promise<void> {
  await db
    .update(targetSecrets)
    .set({ leaseHolder: null, leasedUntil: null })
    .where(and(eq(targetSecrets.targetId, targetId), eq(targetSecrets.leaseHolder, holder)));
}

/**
 * Records what a check said of a target's credentials. A different state or
 * expiry clears the warnings given (the admin renewed: a new countdown), so
 * each warning stage is given once per expiry.
 */
export async function recordCredentialCheck(
  db: Executor,
  targetId: string,
  check: { readonly state: CredentialState; readonly expiresAt: Date | undefined; readonly detail: string },
  at: Date,
): Promise<void> {
  const expiresAt = check.expiresAt ?? null;
  const same = and(
    eq(credentialChecks.state, check.state),
    expiresAt === null ? isNull(credentialChecks.expiresAt) : eq(credentialChecks.expiresAt, expiresAt),
  );
  await db
    .insert(credentialChecks)
    .values({ targetId, state: check.state, expiresAt, detail: check.detail, checkedAt: at })
    .onConflictDoUpdate({
      target: credentialChecks.targetId,
      set: {
        state: check.state,
        expiresAt,
        detail: check.detail,
        checkedAt: at,
        warnedStage: sql`case when ${same} then ${credentialChecks.warnedStage} else null end`,
      },
    });
}

/** What the last check said of each of these targets' credentials (targets never checked are absent). */
export async function listCredentialStatus(
  db: Executor,
  targetIds: readonly string[],
): Promise<readonly CredentialStatus[]> {
  if (targetIds.length === 0) return [];
  const rows = await db
    .select()
    .from(credentialChecks)
    .where(inArray(credentialChecks.targetId, [...targetIds]))
    .orderBy(credentialChecks.targetId);
  return rows.map((row) => ({
    targetId: row.targetId,
    state: row.state as CredentialState,
    expiresAt: row.expiresAt ?? undefined,
    detail: row.detail ?? undefined,
    checkedAt: row.checkedAt,
    warnedStage: row.warnedStage ?? undefined,
  }));
}

/** Records that the warning `stage` was given for the expiry the target's row holds now. */
export async function markCredentialWarned(
  db: Executor,
  targetId: string,
  stage: number,
  expiresAt: Date | undefined,
): Promise<void> {
  await db
    .update(credentialChecks)
    .set({ warnedStage: stage })
    .where(
      and(
        eq(credentialChecks.targetId, targetId),
        expiresAt === undefined
          ? isNull(credentialChecks.expiresAt)
          : eq(credentialChecks.expiresAt, expiresAt),
      ),
    );
}
