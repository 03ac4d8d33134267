// Reading a network's answer without trusting its size: every publisher
// reads bodies through these, and always lets the connection go.

/** Reads at most `limit` bytes of a body as UTF-8 (a longer body is cut), then lets the rest go. */
export async function readCapped(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Frees the connection whether the body ended, was cut or broke.
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/**
 * Reads an answer's body as `readCapped` does; undefined when it broke off
 * (the status is known; only the body was lost).
 */
export async function readAnswerBody(response: Response, limit: number): Promise<string | undefined> {
  try {
    return await readCapped(response, limit);
  } catch {
    return undefined;
  }
}

/** Reads a whole body of at most `max` bytes; undefined when it holds more. */
export async function readAtMost(response: Response, max: number): Promise<Buffer | undefined> {
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks);
      size += value.byteLength;
      if (size > max) return undefined;
      chunks.push(value);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
