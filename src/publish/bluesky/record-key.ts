import { createHash } from 'node:crypto';

// AT Protocol TIDs (atproto.com/specs/tid): a 64-bit integer whose top bit is
// 0, then 53 bits of microseconds since the UNIX epoch, then a 10-bit "clock
// identifier", written big-endian in base32-sortable as exactly 13 characters
// (zero is `2222222222222`). `app.bsky.feed.post` records take a TID as key
// (the PDS refuses any other key for that collection).

/** The base32-sortable alphabet: its order is the integers' order, so TIDs sort as strings. */
const ALPHABET = '234567abcdefghijklmnopqrstuvwxyz';
/** A TID's syntax: 13 characters, the first one keeping the top bit 0. */
const TID_SYNTAX = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;
/** 2^53: the timestamp field's bound (the largest integer a JSON number holds exactly). */
const MAX_TIMESTAMP_US = 2 ** 53;
const CLOCK_IDS = 1024;

/** A TID's two fields. */
export interface TidParts {
  /** microseconds since 1970-01-01T00:00:00Z, 0 ≤ n < 2^53 */
  readonly timestampUs: number;
  /** 0 … 1023 */
  readonly clockId: number;
}

/** Whether `text` is a TID by the spec's syntax. */
export function isTid(text: string): boolean {
  return TID_SYNTAX.test(text);
}

/**
 * The TID of a timestamp and clock id. Throws a RangeError outside the
 * fields' bounds (a bug: callers derive both).
 */
export function encodeTid({ timestampUs, clockId }: TidParts): string {
  if (!Number.isSafeInteger(timestampUs) || timestampUs < 0 || timestampUs >= MAX_TIMESTAMP_US) {
    throw new RangeError(`a TID timestamp is 0 … 2^53-1 microseconds, not ${timestampUs}`);
  }
  if (!Number.isInteger(clockId) || clockId < 0 || clockId >= CLOCK_IDS) {
    throw new RangeError(`a TID clock id is 0 … 1023, not ${clockId}`);
  }
  let value = (BigInt(timestampUs) << 10n) | BigInt(clockId);
  let text = '';
  for (let i = 0; i < 13; i += 1) {
    text = ALPHABET[Number(value & 31n)] + text;
    value >>= 5n;
  }
  return text;
}

/** The fields of a TID; undefined when `text` is not one. */
export function decodeTid(text: string): TidParts | undefined {
  if (!isTid(text)) return undefined;
  let value = 0n;
  for (const char of text) value = (value << 5n) | BigInt(ALPHABET.indexOf(char));
  return { timestampUs: Number(value >> 10n), clockId: Number(value & 1023n) };
}

/**
 * The record key of a delivery's post: the same on every attempt of the
 * delivery, so a retry after a crash finds (or writes) the same record and
 * never a second one. Its time is when the post was proposed, a
 * millisecond, plus a sub-millisecond offset; the offset and the clock id
 * come from a hash of the delivery id, so two deliveries of posts proposed
 * in the same millisecond still get different keys (one chance in about a
 * million of a clash). A time in the past is fine: the app orders posts by
 * `createdAt` and the time they arrived, not by key. Pure.
 */
export function recordKeyFor(deliveryId: string, proposedAt: Date): string {
  const ms = proposedAt.getTime();
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError('a record key needs a proposal time after 1970');
  }
  const digest = createHash('sha256').update(deliveryId, 'utf8').digest();
  const offsetUs = digest.readUInt16BE(0) % 1000;
  const clockId = digest.readUInt16BE(2) % CLOCK_IDS;
  return encodeTid({ timestampUs: ms * 1000 + offsetUs, clockId });
}
