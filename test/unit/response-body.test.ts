import { describe, expect, it } from 'vitest';
import { readAnswerBody } from '../../src/publish/response-body.ts';

describe('readAnswerBody', () => {
  it('reads a body up to its bound', async () => {
    expect(await readAnswerBody(new Response('{"ok":true}'), 1024)).toBe('{"ok":true}');
    expect(await readAnswerBody(new Response('abcdef'), 3)).toBe('abc');
  });

  it('is undefined for a body that breaks off', async () => {
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"par'));
        controller.error(new Error('socket hang up'));
      },
    });
    expect(await readAnswerBody(new Response(broken), 1024)).toBeUndefined();
  });
});
