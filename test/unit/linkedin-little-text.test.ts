import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeLittleText, toLittleText } from '../../src/publish/linkedin/little-text.ts';
import { readLittleText } from '../fakes/fake-linkedin.ts';

// LinkedIn's little text (learn.microsoft.com/linkedin/marketing/
// community-management/shares/little-text-format): the reserved characters
// | { } @ [ ] ( ) < > # \ * _ ~ must be backslash-escaped to read as plain text.

describe('escapeLittleText', () => {
  it('escapes each reserved character with a backslash', () => {
    for (const reserved of '|{}@[]()<>#\\*_~') {
      expect(escapeLittleText(reserved), reserved).toBe(`\\${reserved}`);
    }
  });

  it('leaves every other character alone', () => {
    expect(escapeLittleText('Città, caffè & più: 100% “sì”! $ ^ ` ? 🎉')).toBe(
      'Città, caffè & più: 100% “sì”! $ ^ ` ? 🎉',
    );
  });
});

describe('toLittleText', () => {
  it('sends each hashtag as the hashtag template, in any script', () => {
    expect(toLittleText('Festa #Bolzano e #città oggi')).toBe(
      'Festa {hashtag|\\#|Bolzano} e {hashtag|\\#|città} oggi',
    );
  });

  it('escapes a # that opens no hashtag: glued to a word, an HTML entity, alone, doubled', () => {
    expect(toLittleText('C# &#39; # ##tag')).toBe('C\\# &\\#39; \\# \\#{hashtag|\\#|tag}');
  });

  it('ends a hashtag at an underscore, which it escapes', () => {
    expect(toLittleText('#lavori_pubblici')).toBe('{hashtag|\\#|lavori}\\_pubblici');
  });

  it('reads no hashtag inside a link, and escapes its reserved characters', () => {
    expect(toLittleText('Vedi https://www.comune.example.it/a_b/#orari (sportello)')).toBe(
      'Vedi https://www.comune.example.it/a\\_b/\\#orari \\(sportello\\)',
    );
  });

  it('keeps an @name as plain text: a mention needs a URN the post does not carry', () => {
    expect(toLittleText('Grazie @ProtezioneCivile')).toBe('Grazie \\@ProtezioneCivile');
  });

  it('gives a text LinkedIn reads back exactly as written, never cut', () => {
    const piece = fc.constantFrom(
      ...'ab Zè1 .:/,\n'.split(''),
      ...'|{}@[]()<>#\\*_~'.split(''),
      '#tag',
      '#città',
      'https://x.it/a_(b)#c',
      '@[x](urn:li:person:1)',
      '{hashtag|#|x}',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        const read = readLittleText(toLittleText(text));
        expect(read.truncated).toBe(false);
        expect(read.text).toBe(text);
      }),
    );
  });
});
