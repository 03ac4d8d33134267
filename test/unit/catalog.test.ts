import { describe, expect, it } from 'vitest';
import { SHELL_CATALOGS } from '../../src/chat/shell/i18n/translate.ts';
import { SLACK_CATALOGS } from '../../src/chat/slack/i18n/translate.ts';
import { catalogs } from '../../src/core/i18n/translate.ts';
import { LANGUAGES, type Language } from '../../src/core/language.ts';

type Catalogs = Readonly<Record<Language, Readonly<Record<string, unknown>>>>;

// The core's messages, and each chat adapter's own (its widgets' words),
// checked alike.
const ALL: ReadonlyArray<readonly [string, Catalogs]> = [
  ['core', catalogs()],
  ['shell', SHELL_CATALOGS],
  ['slack', SLACK_CATALOGS],
];

describe.each(ALL)('the %s message catalogs', (_name, all) => {
  it('have the same keys in every language', () => {
    const reference = Object.keys(all.it).sort();
    for (const language of LANGUAGES) expect(Object.keys(all[language]).sort()).toEqual(reference);
  });

  it('have no empty message in any language', () => {
    const params = new Proxy({}, { get: () => 'x' });
    for (const language of LANGUAGES) {
      for (const [key, message] of Object.entries(all[language])) {
        const text = (message as (p: unknown) => string)(params);
        expect(text.trim(), `${language} ${key}`).not.toBe('');
        expect(text, `${language} ${key}`).not.toContain('undefined');
      }
    }
  });
});

describe("the chat adapters' catalogs", () => {
  it("use no key of the core's, which they would hide", () => {
    const core = new Set(Object.keys(catalogs().it));
    for (const [name, all] of ALL.slice(1)) {
      expect(
        Object.keys(all.it).filter((key) => core.has(key)),
        name,
      ).toEqual([]);
    }
  });
});
