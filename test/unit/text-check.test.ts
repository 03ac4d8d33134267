import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QUOTE_MAX, quoted } from '../../src/core/excerpt.ts';
import { en as EN } from '../../src/core/i18n/en.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import { checkText, describeTextProblem, formatCodePoint } from '../../src/core/text-check.ts';
import { controlChar } from '../support/control-characters.ts';

// Written here from the Unicode definition, not taken from the module under
// test: general category Cc, minus the two a post may hold.
const REFUSED = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/u;

/** any text without a refused control character: tabs, line breaks, emoji, accents, RTL… */
const cleanText = fc.string({ unit: 'binary', maxLength: 80 }).map((text) =>
  Array.from(text)
    .filter((char) => !REFUSED.test(char))
    .join(''),
);

const hex = (char: string) => `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

describe('checkText', () => {
  it('refuses any text with a C0 or C1 control character other than \\n and \\t, naming it and where', () => {
    fc.assert(
      fc.property(cleanText, controlChar, cleanText, (before, control, after) => {
        const checked = checkText(`${before}${control}${after}`);
        expect(checked.ok).toBe(false);
        if (checked.ok) return;
        expect(checked.error.codePoint).toBe(control.codePointAt(0));
        expect(checked.error.position).toBe(Array.from(before).length + 1);
        expect(checked.error.context).toContain(`[${hex(control)}]`);
        const it = describeTextProblem('it', checked.error);
        const en = describeTextProblem('en', checked.error);
        for (const message of [it, en]) {
          expect(message).toContain(hex(control));
          expect(message).toContain(String(checked.error.position));
          // The message itself is safe to send anywhere.
          expect(REFUSED.test(message)).toBe(false);
        }
      }),
    );
  });

  it('never refuses a text without such characters', () => {
    fc.assert(
      fc.property(cleanText, (text) => {
        expect(checkText(text)).toEqual({ ok: true, value: text });
      }),
    );
  });

  it('keeps line breaks, tabs, emoji and accented letters', () => {
    const text = 'Allerta meteo:\n\tscuole chiuse 🌧️ a Forlì — «città» 👩🏽‍🚒';
    expect(checkText(text).ok).toBe(true);
  });

  it('says NUL, its position and the text around it, in Italian and in English', () => {
    const checked = checkText('to:sito ciao\u0000mondo');
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.error).toEqual({
      code: 'control_character',
      codePoint: 0,
      position: 13,
      context: 'to:sito ciao[U+0000]mondo',
      count: 1,
    });
    expect(describeTextProblem('it', checked.error)).toBe(
      IT['text.control_character']({
        character: 'U+0000 (NUL)',
        position: 13,
        context: 'to:sito ciao[U+0000]mondo',
        others: 0,
      }),
    );
    expect(describeTextProblem('en', checked.error)).toContain('U+0000 (NUL), at character 13');
  });

  it('quotes only a few characters around the first control character, and counts the others', () => {
    const checked = checkText(`${'a'.repeat(5000)}\u001b[31m${'b'.repeat(5000)}\r`);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.error.codePoint).toBe(0x1b);
    expect(checked.error.position).toBe(5001);
    expect(checked.error.count).toBe(2);
    expect(checked.error.context).toBe(`…${'a'.repeat(12)}[U+001B][31m${'b'.repeat(8)}…`);
    expect(describeTextProblem('it', checked.error)).toContain('U+001B (ESC)');
    expect(describeTextProblem('it', checked.error)).toContain('altri 1');
    expect(describeTextProblem('en', checked.error)).toContain('1 more');
  });

  it('counts positions in characters, not UTF-16 units', () => {
    const checked = checkText('🚨🚨\u0007');
    expect(!checked.ok && checked.error.position).toBe(3);
  });
});

describe('formatCodePoint', () => {
  it('names the C0 controls and DEL, and gives C1 controls their code', () => {
    expect(formatCodePoint(0x00)).toBe('U+0000 (NUL)');
    expect(formatCodePoint(0x0d)).toBe('U+000D (CR)');
    expect(formatCodePoint(0x7f)).toBe('U+007F (DEL)');
    expect(formatCodePoint(0x85)).toBe('U+0085');
  });
});

describe('quoted', () => {
  it('quotes a 100 KB line as a short excerpt with an ellipsis', () => {
    const shown = quoted(`x${'y'.repeat(100_000)}`);
    expect(Array.from(shown)).toHaveLength(QUOTE_MAX + 1);
    expect(shown.startsWith('xyy')).toBe(true);
    expect(shown.endsWith('…')).toBe(true);
  });

  it('leaves short input as typed, trimmed', () => {
    expect(quoted('  domani alle 25  ')).toBe('domani alle 25');
  });

  it('never cuts inside an emoji', () => {
    const shown = quoted('👩🏽‍🚒'.repeat(10), 3);
    expect(shown).toBe(`${'👩🏽‍🚒'.repeat(3)}…`);
  });

  it('puts the input on one line and shows control characters', () => {
    expect(quoted('a\nb\tc\u0000d')).toBe('a b c[U+0000]d');
  });

  it('quotes one letter under 100 KB of combining marks short', () => {
    const shown = quoted(`a${'\u0301'.repeat(100_000)}`);
    expect(shown.length).toBeLessThanOrEqual(QUOTE_MAX * 8 + 1);
    expect(shown.endsWith('…')).toBe(true);
  });

  it('is bounded and on one line for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (input) => {
        const shown = quoted(input);
        // Each kept UTF-16 unit grows at most to a [U+XXXX] marker of 8.
        expect(shown.length).toBeLessThanOrEqual(QUOTE_MAX * 8 * 8 + 1);
        expect(Array.from(shown.replace(/\[U\+[0-9A-F]{4}\]/g, '')).length).toBeLessThanOrEqual(
          QUOTE_MAX * 8 + 1,
        );
        expect(shown).not.toMatch(/[\n\u0000]/);
      }),
    );
  });
});

describe('the catalogs', () => {
  it('say the same thing about control characters in both languages', () => {
    const params = { character: 'U+0000 (NUL)', position: 3, context: 'ab[U+0000]', others: 2 };
    expect(IT['text.control_character'](params)).toContain('e altri 2');
    expect(EN['text.control_character'](params)).toContain('and 2 more');
  });
});
