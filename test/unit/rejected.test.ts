import { describe, expect, it } from 'vitest';
import { rejected } from '../../src/publish/rejected.ts';

describe('rejected', () => {
  it('carries the team’s words when there are some, and leaves the field out otherwise', () => {
    expect(rejected('content_refused', 'HTTP 400', 'too long')).toEqual({
      kind: 'rejected',
      code: 'content_refused',
      detail: 'HTTP 400',
      networkReason: 'too long',
    });
    expect(Object.keys(rejected('token_revoked', 'HTTP 401', undefined))).toEqual(['kind', 'code', 'detail']);
  });
});
