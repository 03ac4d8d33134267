import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkContent as checkRules,
  measure as measureRules,
  type NetworkRules,
} from '../../src/core/network-rules.ts';
import { NETWORK_NAMES, networkNamed } from '../../src/publish/registry.ts';

// The core checks against a rules object; each network's figures live in its
// folder under src/publish/, reached here through the registry by name.
type Network = string;
const NETWORKS = NETWORK_NAMES;

function rulesFor(network: Network): NetworkRules {
  const definition = networkNamed(network);
  if (!definition) throw new Error(`no network ${network} in the registry`);
  return definition.rules;
}

const checkContent = (network: Network, text: string, images: number | readonly { url: string }[]) =>
  checkRules(rulesFor(network), text, images);
const measure = (network: Network, text: string, images: number) =>
  measureRules(rulesFor(network), text, images);

const LIMITED = NETWORKS.filter((n) => rulesFor(n).textLimit !== undefined);

/** The fewest images that make a post acceptable on `network`. */
function minImages(network: Network): number {
  return rulesFor(network).requiresImage ? 1 : 0;
}

/** A URL of exactly 100 UTF-16 units (all ASCII). */
const URL_100 = `https://www.comune.bolzano.it/it/servizi/${'a'.repeat(59)}`;

const count = (network: Network, text: string): number => rulesFor(network).count(text);

describe('the rules of each network', () => {
  it('returns frozen rules, so no caller can change them for everyone', () => {
    for (const network of NETWORKS) expect(Object.isFrozen(rulesFor(network))).toBe(true);
  });

  it('holds the chosen figures', () => {
    const figures = Object.fromEntries(
      NETWORKS.map((n) => {
        const r = rulesFor(n);
        return [n, [r.textLimit, r.textLimitWithImage, r.unit, r.requiresImage, r.maxImages, r.maxHashtags]];
      }),
    );
    expect(figures).toEqual({
      feed: [undefined, undefined, 'characters', false, 10, undefined],
      webhook: [undefined, undefined, 'characters', false, 10, undefined],
      mastodon: [500, 500, 'graphemes', false, 4, undefined],
      bluesky: [300, 300, 'graphemes', false, 4, undefined],
      telegram: [4096, 1024, 'utf16', false, 1, undefined],
      facebook: [63_206, 63_206, 'characters', false, 10, undefined],
      instagram: [2200, 2200, 'characters', true, 10, 30],
      x: [280, 280, 'weighted', false, 4, undefined],
      linkedin: [3000, 3000, 'characters', false, 20, undefined],
      tiktok: [4000, 4000, 'utf16', true, 35, undefined],
    });
  });
});

describe('count', () => {
  it('counts an Italian accented letter as 1 on every network', () => {
    for (const network of NETWORKS) expect(count(network, 'è')).toBe(1);
    expect(count('mastodon', 'Perché così è più città')).toBe(23);
  });

  it('counts a decomposed accent (e + U+0301) in each network’s own unit', () => {
    const decomposed = 'e\u0301';
    expect(count('bluesky', decomposed)).toBe(1);
    expect(count('mastodon', decomposed)).toBe(1);
    expect(count('x', decomposed)).toBe(1); // twitter-text normalises to NFC first
    expect(count('instagram', decomposed)).toBe(2);
    expect(count('telegram', decomposed)).toBe(2);
  });

  it('weighs an emoji 2 on X', () => {
    expect(count('x', '😀')).toBe(2);
    expect(count('x', 'Buona Pasqua 🐣')).toBe(15);
  });

  it('counts a family emoji as one grapheme on Bluesky and Mastodon', () => {
    const family = '👨‍👩‍👧';
    expect(family.length).toBe(8);
    expect(count('bluesky', family)).toBe(1);
    expect(count('mastodon', family)).toBe(1);
  });

  it('counts UTF-16 units on Telegram, so 😀 is 2', () => {
    expect(count('telegram', '😀')).toBe(2);
    expect(count('telegram', '👨‍👩‍👧')).toBe(8);
  });

  it('counts code points on Instagram, Facebook and LinkedIn, so 😀 is 1', () => {
    for (const network of ['instagram', 'facebook', 'linkedin'] as const)
      expect(count(network, '😀')).toBe(1);
  });

  it('counts a 100-character URL as 23 on X and Mastodon', () => {
    expect(URL_100.length).toBe(100);
    expect(count('x', URL_100)).toBe(23);
    expect(count('mastodon', URL_100)).toBe(23);
    expect(count('mastodon', `Lavori in corso: ${URL_100} grazie`)).toBe(17 + 23 + 7);
  });

  it('counts a URL in full on Bluesky, Telegram and Instagram', () => {
    for (const network of ['bluesky', 'telegram', 'instagram'] as const)
      expect(count(network, URL_100)).toBe(100);
  });

  it('counts a URL without scheme in full on Mastodon, as its validator does', () => {
    expect(count('mastodon', 'www.comune.bolzano.it/orari')).toBe(27);
  });

  it('counts a Mastodon mention with its domain as the bare username', () => {
    expect(count('mastodon', 'Grazie @sindaco@mastodon.uno!')).toBe('Grazie @sindaco!'.length);
    expect(count('mastodon', 'scrivi a info@comune.it')).toBe(23); // an e-mail address is no mention
  });

  it('counts the empty text as 0 on every network', () => {
    for (const network of NETWORKS) expect(count(network, '')).toBe(0);
  });

  it('counts long texts in graphemes exactly as one whole segmentation does', () => {
    const segmenter = new Intl.Segmenter('it', { granularity: 'grapheme' });
    const text = 'Città 👨‍👩‍👧 e\u0301 🇮🇹 1️⃣ a\r\nb '.repeat(150);
    expect(count('bluesky', text)).toBe([...segmenter.segment(text)].length);
  });
});

describe('measure', () => {
  it('reports used, limit and nothing over for a text within the limit', () => {
    expect(measure('bluesky', 'Ciao Bolzano!', 0)).toEqual({ used: 13, limit: 300, over: 0 });
  });

  it('uses the caption limit on Telegram when the post carries an image', () => {
    const text = 'a'.repeat(1025);
    expect(measure('telegram', text, 0)).toEqual({ used: 1025, limit: 4096, over: 0 });
    expect(measure('telegram', text, 1)).toEqual({ used: 1025, limit: 1024, over: 1 });
  });

  it('reports no limit and nothing over on the feed and the webhook', () => {
    const text = 'è'.repeat(100_000);
    for (const network of ['feed', 'webhook'] as const) {
      expect(measure(network, text, 3)).toEqual({ used: 100_000, limit: undefined, over: 0 });
    }
  });
});

describe('checkContent', () => {
  it('accepts a text of exactly the limit on every limited network', () => {
    for (const network of LIMITED) {
      const limit = rulesFor(network).textLimit ?? 0;
      expect(checkContent(network, 'a'.repeat(limit), minImages(network)), network).toEqual([]);
      expect(checkContent(network, 'è'.repeat(limit), minImages(network)), network).toEqual([]);
    }
  });

  it('refuses a text one past the limit with over = 1, in the network’s unit', () => {
    for (const network of LIMITED) {
      const rules = rulesFor(network);
      const limit = rules.textLimit ?? 0;
      expect(checkContent(network, 'a'.repeat(limit + 1), minImages(network)), network).toEqual([
        { code: 'over_limit', used: limit + 1, limit, over: 1, unit: rules.unit },
      ]);
    }
  });

  it('refuses on X a text that fits in characters but not in weight', () => {
    const text = `${'a'.repeat(270)} 😀😀😀😀😀`; // 276 characters, weight 281
    expect(checkContent('x', text, 0)).toEqual([
      { code: 'over_limit', used: 281, limit: 280, over: 1, unit: 'weighted' },
    ]);
  });

  it('accepts on Mastodon 500 characters made of text and long URLs counted as 23', () => {
    const text = `${URL_100} ${'a'.repeat(476)}`; // 23 + 1 + 476 = 500
    expect(checkContent('mastodon', text, 0)).toEqual([]);
    expect(checkContent('mastodon', `${text}a`, 0)).toEqual([
      { code: 'over_limit', used: 501, limit: 500, over: 1, unit: 'graphemes' },
    ]);
  });

  it('accepts on Telegram a caption of 1024 with an image and refuses 1025', () => {
    expect(checkContent('telegram', 'a'.repeat(1024), 1)).toEqual([]);
    expect(checkContent('telegram', 'a'.repeat(1025), 1)).toEqual([
      { code: 'over_limit', used: 1025, limit: 1024, over: 1, unit: 'utf16' },
    ]);
  });

  it('counts Telegram’s caption in UTF-16, so 512 emoji fill it', () => {
    expect(checkContent('telegram', '😀'.repeat(512), 1)).toEqual([]);
    expect(checkContent('telegram', `${'😀'.repeat(512)}a`, 1)).toEqual([
      { code: 'over_limit', used: 1025, limit: 1024, over: 1, unit: 'utf16' },
    ]);
  });

  it('refuses Instagram without an image', () => {
    expect(checkContent('instagram', 'Mercatino di Natale in piazza Walther', 0)).toEqual([
      { code: 'image_required' },
    ]);
  });

  it('accepts a text-only post on every network but Instagram and TikTok', () => {
    for (const network of NETWORKS.filter((n) => n !== 'instagram' && n !== 'tiktok')) {
      expect(checkContent(network, 'Avviso: uffici chiusi il 2 giugno.', 0), network).toEqual([]);
    }
  });

  it('refuses more images than the network takes', () => {
    expect(checkContent('x', 'Foto', 5)).toEqual([{ code: 'too_many_images', max: 4, given: 5 }]);
    expect(checkContent('telegram', 'Foto', 2)).toEqual([{ code: 'too_many_images', max: 1, given: 2 }]);
    expect(checkContent('instagram', 'Foto', 11)).toEqual([{ code: 'too_many_images', max: 10, given: 11 }]);
    expect(checkContent('linkedin', 'Foto', 20)).toEqual([]);
    expect(checkContent('tiktok', 'Foto', 36)).toEqual([{ code: 'too_many_images', max: 35, given: 36 }]);
  });

  it('counts mentions where the network limits them, and leaves e-mail addresses alone', () => {
    const mentions = (n: number) => Array.from({ length: n }, (_, i) => `@ente_${i}`).join(' ');
    expect(checkContent('instagram', `Grazie a ${mentions(20)} e a ufficio@comune.it`, 1)).toEqual([]);
    expect(checkContent('instagram', `Grazie a ${mentions(21)}`, 1)).toEqual([
      { code: 'too_many_mentions', max: 20, given: 21 },
    ]);
    expect(checkContent('x', `Grazie a ${mentions(30)}`, 0)).toEqual([]);
  });

  it('refuses an image format the network does not take, read from the URL when it names one', () => {
    const image = (url: string) => ({ url });
    expect(
      checkContent('tiktok', 'Foto', [
        image('https://www.comune.example.it/img/piazza.jpg'),
        image('https://www.comune.example.it/img/mappa.PNG?v=2'),
        image('https://www.comune.example.it/media/12345'),
      ]),
    ).toEqual([
      {
        code: 'image_format',
        url: 'https://www.comune.example.it/img/mappa.PNG?v=2',
        format: 'png',
        accepted: ['jpeg', 'webp'],
      },
    ]);
    expect(checkContent('mastodon', 'Foto', [image('https://www.comune.example.it/img/mappa.png')])).toEqual(
      [],
    );
  });

  it('accepts 30 hashtags on Instagram and refuses 31', () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `#città${i}`).join(' ');
    expect(checkContent('instagram', tags(30), 1)).toEqual([]);
    expect(checkContent('instagram', tags(31), 1)).toEqual([
      { code: 'too_many_hashtags', max: 30, given: 31 },
    ]);
  });

  it('counts as hashtags #Bolzano, #città and #_2025 but not a#b, &#39; or a lone #', () => {
    const base = Array.from({ length: 28 }, (_, i) => `#t${i}`).join(' ');
    expect(checkContent('instagram', `${base} #Bolzano #città`, 1)).toEqual([]);
    expect(checkContent('instagram', `${base} #Bolzano #città #_2025`, 1)).toEqual([
      { code: 'too_many_hashtags', max: 30, given: 31 },
    ]);
    expect(checkContent('instagram', `${base} #Bolzano #città a#b l&#39;ora # ##`, 1)).toEqual([]);
  });

  it('leaves hashtags alone on networks that set no maximum', () => {
    const many = Array.from({ length: 40 }, (_, i) => `#t${i}`).join(' ');
    expect(checkContent('mastodon', many, 0)).toEqual([]);
  });

  it('reports every problem at once, in a fixed order', () => {
    const tags = Array.from({ length: 31 }, (_, i) => `#t${i}`).join(' ');
    const text = `${tags} ${'a'.repeat(2200)}`;
    expect(checkContent('instagram', text, 0).map((p) => p.code)).toEqual([
      'over_limit',
      'image_required',
      'too_many_hashtags',
    ]);
    expect(checkContent('instagram', text, 11).map((p) => p.code)).toEqual([
      'over_limit',
      'too_many_images',
      'too_many_hashtags',
    ]);
  });
});

describe('properties', () => {
  // Pieces that exercise URLs, mentions, hashtags, accents, emoji sequences,
  // CR LF and lone surrogates; joined at random they make hostile texts.
  const piece = fc.constantFrom(
    'https://',
    'http://www.comune.it/',
    'www.',
    '.it',
    '/',
    ':',
    '#',
    '#città',
    '@',
    '@sindaco@mastodon.uno',
    '&#39;',
    'è',
    'e\u0301',
    '😀',
    '👨‍👩‍👧',
    '🇮🇹',
    '1️⃣',
    '\u200d',
    '\ufe0f',
    'क्ष',
    '\u0600',
    '한',
    '\r',
    '\n',
    ' ',
    'a',
    '\ud800',
    '\udc00',
    '\ufeff',
  );
  const socialText = fc.array(piece, { maxLength: 400 }).map((parts) => parts.join(''));
  const loneSurrogates = fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  });
  const anyText = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme' }),
    loneSurrogates,
    socialText,
  );
  const network = fc.constantFrom(...NETWORKS);

  it('counts any string on any network without throwing, as a whole number ≥ 0', () => {
    fc.assert(
      fc.property(network, anyText, (n, text) => {
        const used = rulesFor(n).count(text);
        expect(Number.isInteger(used)).toBe(true);
        expect(used).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('checks any content without throwing, whatever the image count', () => {
    fc.assert(
      fc.property(network, anyText, fc.integer({ min: -5, max: 50 }), (n, text, images) => {
        expect(Array.isArray(checkContent(n, text, images))).toBe(true);
      }),
    );
  });

  it('measures over as max(0, used - limit), with used the network’s count', () => {
    fc.assert(
      fc.property(network, anyText, fc.integer({ min: 0, max: 12 }), (n, text, images) => {
        const meter = measure(n, text, images);
        expect(meter.used).toBe(rulesFor(n).count(text));
        expect(meter.over).toBe(meter.limit === undefined ? 0 : Math.max(0, meter.used - meter.limit));
      }),
    );
  });

  it('reports over_limit exactly when the meter is over', () => {
    fc.assert(
      fc.property(network, anyText, fc.integer({ min: 0, max: 12 }), (n, text, images) => {
        const overLimit = checkContent(n, text, images).find((p) => p.code === 'over_limit');
        const meter = measure(n, text, images);
        expect(overLimit === undefined).toBe(meter.over === 0);
      }),
    );
  });

  it('counts graphemes in chunks exactly as one whole segmentation does', () => {
    const segmenter = new Intl.Segmenter('it', { granularity: 'grapheme' });
    const longText = fc.array(piece, { minLength: 100, maxLength: 1500 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        fc.oneof(longText, fc.string({ unit: 'binary', minLength: 300, maxLength: 2000 })),
        (text) => {
          expect(rulesFor('bluesky').count(text)).toBe([...segmenter.segment(text)].length);
        },
      ),
    );
  });
});
