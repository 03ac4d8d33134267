// Discord ids are snowflakes: milliseconds since the Discord epoch (2015-01-01)
// shifted left 22 bits, then worker, process and an increment
// (https://discord.com/developers/docs/reference#snowflakes). discord.js reads
// `createdTimestamp` out of them, so the fake hands out real-looking ones, in
// increasing order, as Discord does.

const DISCORD_EPOCH_MS = 1_420_070_400_000n;

/** Hands out increasing snowflakes stamped with the wall clock. */
export class Snowflakes {
  #increment = 0n;
  #last = 0n;

  /** a new id, greater than every one handed out before */
  next(): string {
    const stamp = (BigInt(Date.now()) - DISCORD_EPOCH_MS) << 22n;
    this.#increment = (this.#increment + 1n) & 0xfffn;
    const id = stamp | this.#increment;
    this.#last = id > this.#last ? id : this.#last + 1n;
    return this.#last.toString();
  }
}

/** The time a snowflake was made, as an ISO string: the `timestamp` Discord gives an object it made. */
export function snowflakeTime(id: string): string {
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH_MS)).toISOString();
}
