import { describe, expect, it } from 'vitest';
import { catalogs } from '../../src/core/i18n/translate.ts';
import { LANGUAGES } from '../../src/core/language.ts';

describe('the message catalogs', () => {
  it('have the same keys in every language', () => {
    const all = catalogs();
    const reference = Object.keys(all.it).sort();
    for (const language of LANGUAGES) expect(Object.keys(all[language]).sort()).toEqual(reference);
  });

  it('have no empty message in any language', () => {
    const params = new Proxy({}, { get: () => 'x' });
    for (const language of LANGUAGES) {
      for (const [key, message] of Object.entries(catalogs()[language])) {
        const text = (message as (p: unknown) => string)(params);
        expect(text.trim(), `${language} ${key}`).not.toBe('');
        expect(text, `${language} ${key}`).not.toContain('undefined');
      }
    }
  });
});
