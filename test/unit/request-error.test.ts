import { describe, expect, it } from 'vitest';
import { describeRequestError, fromUnansweredRequest } from '../../src/publish/request-error.ts';

const refused = describeRequestError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }));
const reset = describeRequestError(Object.assign(new Error('socket'), { code: 'ECONNRESET' }));
const upload = {
  network: 'X',
  where: 'image 1 (POST /2/media/upload)',
  publication: 'the post',
  publishing: false,
};
const post = { network: 'X', where: 'the post', publication: 'the post', publishing: true };

describe('fromUnansweredRequest', () => {
  it('is unavailable before the publishing call, whatever happened', () => {
    expect(fromUnansweredRequest(upload, reset, false)).toEqual({
      kind: 'unavailable',
      detail: 'image 1 (POST /2/media/upload): could not reach X (ECONNRESET); nothing was published',
    });
    expect(fromUnansweredRequest(upload, reset, true)).toEqual({
      kind: 'unavailable',
      detail: 'image 1 (POST /2/media/upload): the attempt’s time ran out; nothing was published',
    });
  });

  it('is unavailable for a publishing call that never left', () => {
    expect(fromUnansweredRequest(post, refused, false)).toEqual({
      kind: 'unavailable',
      detail: 'the post: could not reach X (ECONNREFUSED); nothing was published',
    });
  });

  it('is unknown for a publishing call that may have landed', () => {
    expect(fromUnansweredRequest(post, reset, false)).toEqual({
      kind: 'unknown',
      detail: 'the connection broke before X answered the post (ECONNRESET): it may be published',
    });
    expect(fromUnansweredRequest(post, reset, true)).toEqual({
      kind: 'unknown',
      detail: 'no answer to the post within the attempt’s time: it may be published',
    });
  });
});
