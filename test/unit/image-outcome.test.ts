import { describe, expect, it } from 'vitest';
import { fromImageProblem } from '../../src/publish/image-outcome.ts';
import { IMAGE_RULES } from '../../src/publish/x/outcome.ts';

describe('fromImageProblem', () => {
  it('refuses for good an image whose host DNS does not know, naming it', () => {
    const outcome = fromImageProblem(
      { kind: 'unreachable', code: 'ENOTFOUND', host: 'www.comune.exampel.it' },
      2,
      IMAGE_RULES,
      'it',
    );
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'media_unreachable' });
    expect(outcome.kind === 'rejected' && outcome.networkReason).toContain('www.comune.exampel.it');
  });

  it('tries again later when the image’s server refuses or drops the connection', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EAI_AGAIN']) {
      expect(fromImageProblem({ kind: 'unreachable', code }, 1, IMAGE_RULES, 'it').kind, code).toBe(
        'unavailable',
      );
    }
  });
});
