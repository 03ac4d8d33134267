import { createHmac } from 'node:crypto';
import { err, ok, type Result } from '../../core/result.ts';

// Standard Webhooks 1.0.0 (github.com/standard-webhooks/standard-webhooks,
// spec/standard-webhooks.md, "Signature scheme"): the symmetric scheme signs
// `{msg_id}.{timestamp}.{payload}` with HMAC-SHA256 and sends
// `v1,<base64 signature>`; its secret is random, "at least 24 bytes (192 bits,
// 512 maximum)", serialized as base64 behind a `whsec_` prefix.

/** The prefix of a Standard Webhooks symmetric secret. */
export const SECRET_PREFIX = 'whsec_';
/** The fewest bytes a secret may hold (192 bits). */
export const SECRET_MIN_BYTES = 24;
/** The most bytes a secret may hold (512 bits). */
export const SECRET_MAX_BYTES = 64;

/** Why a secret cannot sign: never quotes the secret. */
export type SecretProblem = 'not_base64' | 'too_short' | 'too_long';

// Strict base64 (RFC 4648 §4, padded): Buffer.from(…, 'base64') would skip
// anything else silently and sign with a key the receiver does not have.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The HMAC key of a secret in the spec's serialization: `whsec_` and the
 * base64 of 24 to 64 bytes. The prefix may be left out, as the reference
 * libraries allow (they decode the rest as base64 either way).
 */
export function parseSecret(secret: string): Result<Buffer, SecretProblem> {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded.length === 0 || !BASE64.test(encoded)) return err('not_base64');
  const key = Buffer.from(encoded, 'base64');
  if (key.length < SECRET_MIN_BYTES) return err('too_short');
  if (key.length > SECRET_MAX_BYTES) return err('too_long');
  return ok(key);
}

/** A secret problem in words, for configuration errors. */
export function describeSecretProblem(problem: SecretProblem): string {
  const form = `expected a Standard Webhooks secret: whsec_ and the base64 of ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} random bytes (make one with: echo "whsec_$(openssl rand -base64 32)")`;
  switch (problem) {
    case 'not_base64':
      return `${form}; this one is not base64`;
    case 'too_short':
      return `${form}; this one is shorter`;
    case 'too_long':
      return `${form}; this one is longer`;
  }
}

/**
 * The `webhook-signature` value of one message: `v1,` and the base64
 * HMAC-SHA256 of `${id}.${timestamp}.${body}` under `key`. `timestamp` is the
 * `webhook-timestamp` header (whole seconds since the epoch) as sent.
 */
export function signMessage(key: Buffer, id: string, timestamp: number, body: string): string {
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return `v1,${signature}`;
}
