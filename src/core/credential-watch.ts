import type { DeskContext } from './desk-context.ts';
import type { CredentialStatus } from './ports.ts';
import type { Target } from './target.ts';
import type { Team } from './team.ts';

/** The days before an expiry on which the digest warns, each once (issue #11: 14, 3 and 1). */
export const CREDENTIAL_WARNING_DAYS = [14, 3, 1] as const;

/** How long one network may take to say how its credentials stand. */
const CHECK_TIMEOUT_MS = 30_000;

const DAY_MS = 24 * 3_600_000;

/**
 * Asks every target's network that can tell how its credentials stand, and
 * records the answers for the digest. A check that fails (network down)
 * teaches nothing and changes nothing. Never throws: it runs beside
 * publishing, at start and a few times a day.
 */
export async function checkCredentials(ctx: DeskContext, targets: readonly Target[]): Promise<void> {
  await Promise.all(
    targets.map(async (target) => {
      const check = ctx.deps.publisherFor(target)?.checkCredentials;
      if (!check) return;
      const log = ctx.deps.logger.child({ target: target.id, network: target.network });
      try {
        const found = await check.call(
          ctx.deps.publisherFor(target),
          ctx.deps.clock.signalAfter(CHECK_TIMEOUT_MS),
        );
        if (found.kind === 'unknown') {
          log.warn({ detail: found.detail }, 'could not check the credentials');
          return;
        }
        const expiresAt = found.kind === 'valid' ? found.expiresAt : undefined;
        await ctx.store.recordCredentialCheck(
          target.id,
          { state: found.kind, expiresAt, detail: found.detail ?? '' },
          ctx.now(),
        );
        const fields = { state: found.kind, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) };
        if (found.kind === 'valid') log.info(fields, 'credentials checked');
        else log.warn({ ...fields, detail: found.detail }, 'credentials no longer work: renew them');
      } catch (error) {
        log.error({ err: error }, 'credential check failed');
      }
    }),
  );
}

/**
 * The warning an expiry calls for at `now`: 0 once past, else the smallest of
 * CREDENTIAL_WARNING_DAYS whose window it is in (3 when 2.5 days are left),
 * undefined when further off than the first.
 */
export function warningStage(expiresAt: Date, now: Date): number | undefined {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return 0;
  let stage: number | undefined;
  for (const days of CREDENTIAL_WARNING_DAYS) if (left <= days * DAY_MS) stage = days;
  return stage;
}

/** One line the digest owes about a target's credentials. */
export interface CredentialWarning {
  readonly target: Target;
  /** `expiring`: still valid until `expiresAt`; `expired` or `revoked`: publishing fails until renewed */
  readonly kind: 'expiring' | 'expired' | 'revoked';
  readonly expiresAt: Date | undefined;
  /** whole days left, rounded up (1 when less than a day is left) */
  readonly daysLeft: number;
  /** the stage to record once the digest carrying it is owed */
  readonly stage: number;
}

/**
 * The credential warnings a team's digest owes at `now`: credentials found
 * expired or revoked, every time (publishing to that target fails until
 * someone acts); an expiry coming, once per stage (14, 3, 1 days before),
 * unless `every` asks for all of them (a digest asked for by hand shows
 * the state, not the news).
 */
export async function credentialWarnings(
  ctx: DeskContext,
  team: Team,
  every: boolean,
): Promise<readonly CredentialWarning[]> {
  const now = ctx.now();
  const statuses = await ctx.store.listCredentialStatus(team.targets);
  const warnings: CredentialWarning[] = [];
  for (const status of statuses) {
    const target = ctx.target(status.targetId);
    if (!target) continue;
    const warning = warningFor(status, target, now);
    if (!warning) continue;
    const isNews = status.warnedStage === undefined || warning.stage < status.warnedStage;
    if (every || warning.kind !== 'expiring' || isNews) warnings.push(warning);
  }
  return warnings;
}

function warningFor(status: CredentialStatus, target: Target, now: Date): CredentialWarning | undefined {
  if (status.state !== 'valid') {
    return { target, kind: status.state, expiresAt: undefined, daysLeft: 0, stage: 0 };
  }
  if (!status.expiresAt) return undefined;
  const stage = warningStage(status.expiresAt, now);
  if (stage === undefined) return undefined;
  const daysLeft = Math.max(0, Math.ceil((status.expiresAt.getTime() - now.getTime()) / DAY_MS));
  return {
    target,
    kind: stage === 0 ? 'expired' : 'expiring',
    expiresAt: status.expiresAt,
    daysLeft,
    stage,
  };
}

/** Records the warnings a digest just carried, in that digest's decision, so each stage is given once. */
export async function markWarned(ctx: DeskContext, warnings: readonly CredentialWarning[]): Promise<void> {
  for (const warning of warnings) {
    await ctx.store.markCredentialWarned(warning.target.id, warning.stage, warning.expiresAt);
  }
}
