import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../core/app-error.ts';
import type { TargetSecrets } from './network-definition.ts';

/** Where sealed secrets live: the store's rows (DrizzleStore has these). */
export interface SecretRows {
  readTargetSecret(targetId: string): Promise<{ sealed: string; version: number } | undefined>;
  writeTargetSecret(targetId: string, sealed: string, version: number, at: Date): Promise<boolean>;
  leaseTargetSecret(targetId: string, holder: string, until: Date, at: Date): Promise<boolean>;
  releaseTargetSecret(targetId: string, holder: string): Promise<void>;
}

/** What sealing needs besides the rows: the key (undefined: none configured), the clock, and how to wait. */
export interface SecretSealing {
  readonly key: Buffer | undefined;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

const FORMAT = 'v1';
const DEFAULT_WAIT_MS = 30_000;
const DEFAULT_LEASE_MS = 60_000;
const POLL_MS = 250;

/**
 * Reads ARALDO_SECRET_KEY: 32 bytes as 64 hex digits or as base64 (44
 * characters). The message never quotes the value.
 */
export function parseSecretKey(value: string): Buffer {
  const trimmed = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new AppError(
      'config_invalid',
      'ARALDO_SECRET_KEY must be 32 random bytes, as 64 hex digits or base64 (make one with: openssl rand -hex 32)',
    );
  }
  return key;
}

/** Seals `value` for `targetId`: AES-256-GCM, the target id bound as associated data, so a row moved to another target does not open. */
export function seal(key: Buffer, targetId: string, value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(targetId));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return [
    FORMAT,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    body.toString('base64url'),
  ].join('.');
}

/** Opens what `seal` made; throws an AppError when the key is not the one that sealed it or the text was altered. */
export function unseal(key: Buffer, targetId: string, sealed: string): string {
  const [format, iv, tag, body] = sealed.split('.');
  if (format !== FORMAT || iv === undefined || tag === undefined || body === undefined) {
    throw new AppError(
      'config_invalid',
      `target ${targetId}: the stored secret is not in a format Araldo knows`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(targetId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new AppError(
      'config_invalid',
      `target ${targetId}: the stored secret does not open with ARALDO_SECRET_KEY (was the key changed? restore it, or connect the account again)`,
    );
  }
}

/**
 * A target's secrets in the database, sealed with the configured key. The
 * lease is a row shared by every process: the holder is this object (a
 * random id), so a process that dies holding it loses it after `leaseMs`.
 */
export function createTargetSecrets(
  targetId: string,
  rows: SecretRows,
  sealing: SecretSealing,
): TargetSecrets {
  const holder = randomUUID();
  // Calls in this process queue here first: the lease row names the process, not the call.
  let queue: Promise<unknown> = Promise.resolve();
  const requireKey = (): Buffer => {
    if (!sealing.key) {
      throw new AppError('config_invalid', `target ${targetId}: storing its tokens needs ARALDO_SECRET_KEY`);
    }
    return sealing.key;
  };
  return {
    available: sealing.key !== undefined,
    async read() {
      if (!sealing.key) return undefined;
      const row = await rows.readTargetSecret(targetId);
      if (!row) return undefined;
      try {
        return { value: unseal(sealing.key, targetId, row.sealed), version: row.version };
      } catch {
        // Sealed with another key (ARALDO_SECRET_KEY was changed): what it held
        // is lost. It reads as empty, with its version, so the publisher starts
        // again from the credentials in the environment and writes over it.
        return { value: '', version: row.version };
      }
    },
    async write(value, version) {
      return rows.writeTargetSecret(targetId, seal(requireKey(), targetId, value), version, sealing.now());
    },
    exclusively(fn, options = {}) {
      const run = queue.then(() => underLease(fn, options));
      queue = run.catch(() => undefined);
      return run;
    },
  };

  async function underLease<T>(
    fn: () => Promise<T>,
    options: { readonly waitMs?: number; readonly leaseMs?: number },
  ): Promise<T> {
    const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    const giveUpAt = sealing.now().getTime() + waitMs;
    let held = false;
    for (;;) {
      const now = sealing.now();
      held = await rows.leaseTargetSecret(targetId, holder, new Date(now.getTime() + leaseMs), now);
      if (held || now.getTime() >= giveUpAt) break;
      await sealing.sleep(POLL_MS);
    }
    try {
      return await fn();
    } finally {
      if (held) await rows.releaseTargetSecret(targetId, holder);
    }
  }
}
