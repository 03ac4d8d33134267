import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeMrkdwn,
  fromProposeSubmission,
  slashCommandSchema,
  toCardMessage,
  toEphemeralText,
  toMessageText,
  toModalErrors,
  toSectionBlocks,
  unescapeSlackText,
} from '../../src/chat/slack/translate.ts';
import type { Card } from '../../src/core/card.ts';

const card: Card = {
  language: 'it',
  postNumber: 7,
  text: 'Chiuso il ponte di via Roma <fino alle 18> & deviazioni',
  images: [{ url: 'https://comune.example.it/ponte.jpg', alt: 'Il ponte transennato' }],
  targets: [
    { id: 'sito', displayName: 'Sito', network: 'feed', used: 55, limit: undefined, url: undefined },
    {
      id: 'comune-x',
      displayName: 'X',
      network: 'x',
      used: 55,
      limit: 280,
      url: 'https://x.com/i/web/status/1',
    },
  ],
  when: undefined,
  author: { id: 'U0EDITOR', name: 'Giulia' },
  state: 'pending',
  urgent: true,
  approvals: { have: 0, need: 1, by: [] },
};

describe('Slack translation', () => {
  it('renders the card with escaped text, alt text, meters, author mention and an edit button', () => {
    const message = toCardMessage(card);
    const json = JSON.stringify(message.blocks);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🚨 Proposta #7', emoji: true },
    });
    expect(json).toContain('Chiuso il ponte di via Roma &lt;fino alle 18&gt; &amp; deviazioni');
    expect(json).toContain('"alt_text":"Il ponte transennato"');
    expect(json).toContain('X `55/280` <https://x.com/i/web/status/1|↗>');
    expect(json).toContain('<@U0EDITOR>');
    expect(json).toContain('"action_id":"araldo_edit"');
    expect(message.text.startsWith('🚨 Proposta #7: ')).toBe(true);
  });

  it('drops the edit button once the post can no longer change', () => {
    expect(JSON.stringify(toCardMessage({ ...card, state: 'published' }).blocks)).not.toContain(
      'araldo_edit',
    );
  });

  it('splits a long text into sections within Slack’s 3,000-character cap', () => {
    const message = toCardMessage({ ...card, text: 'è'.repeat(7000) });
    const sections = message.blocks.filter(
      (b) => b.type === 'section' && (b.text as { text?: string } | undefined)?.text?.startsWith('è'),
    );
    expect(sections.map((b) => [...(b.text as { text: string }).text].length)).toEqual([3000, 3000, 1000]);
  });

  it('keeps every line of a long digest, in sections under the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 400 }), { maxLength: 60 }), (lines) => {
        const text = lines.join('\n');
        const blocks = toSectionBlocks(text);
        const parts = blocks.map((b) => (b.text as { text: string }).text);
        for (const part of parts) expect([...part].length).toBeLessThanOrEqual(3000);
        const joined = parts.map((part) => (part === '\u200b' ? '' : part)).join('\n');
        expect(joined).toBe(text);
      }),
    );
  });

  describe('escaping (Slack formatting reference: escape &, < and > in mrkdwn, nothing else)', () => {
    const hostile = 'Lavori & Servizi <!channel> <@U123> <https://evil.example|clicca> 1 < 2 > 0 &amp;';
    const escaped =
      'Lavori &amp; Servizi &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|clicca&gt; 1 &lt; 2 &gt; 0 &amp;amp;';

    /** every mrkdwn text of a message: section texts and fields, context elements */
    function mrkdwnTexts(blocks: readonly Record<string, unknown>[]): string[] {
      const texts: string[] = [];
      const visit = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(visit);
        else if (typeof value === 'object' && value !== null) {
          const object = value as Record<string, unknown>;
          if (object.type === 'mrkdwn' && typeof object.text === 'string') texts.push(object.text);
          Object.values(object).forEach(visit);
        }
      };
      visit(blocks);
      return texts;
    }

    it('escapes the card’s fallback text as its blocks are escaped', () => {
      const message = toCardMessage({ ...card, text: hostile, urgent: false });
      expect(message.text).toBe(`Proposta #7: ${escaped}`);
      expect(mrkdwnTexts(message.blocks)).toContain(escaped);
      const wire = JSON.stringify(message);
      expect(wire).not.toContain('<!channel>');
      expect(wire).not.toContain('<@U123>');
      expect(wire).not.toContain('<https://evil.example');
    });

    it('leaves plain_text and alt text unescaped, since Slack shows them as written', () => {
      const message = toCardMessage({
        ...card,
        text: hostile,
        images: [{ url: 'https://comune.example.it/a.jpg', alt: 'Ponte <chiuso> & transenne' }],
      });
      const image = message.blocks.find((b) => b.type === 'image');
      expect(image?.alt_text).toBe('Ponte <chiuso> & transenne');
      expect(message.blocks[0]).toEqual({
        type: 'header',
        text: { type: 'plain_text', text: '🚨 Proposta #7', emoji: true },
      });
      const wire = JSON.stringify(message);
      for (const twice of ['&amp;amp;amp;', '&amp;lt;', '&amp;gt;']) expect(wire).not.toContain(twice);
    });

    it('never leaves half an entity at the end of the fallback text', () => {
      const text = `${'a'.repeat(199)}&<>`;
      expect(toCardMessage({ ...card, text, urgent: false }).text).toBe(
        `Proposta #7: ${'a'.repeat(199)}&amp;`,
      );
    });

    it('cuts the card’s text into sections between entities, never inside one', () => {
      fc.assert(
        fc.property(
          fc
            .array(fc.constantFrom('&', '<', '>', 'a', 'è', '𝄞', '\n'), { minLength: 2990, maxLength: 7000 })
            .map((parts) => parts.join('')),
          (text) => {
            const sections = toCardMessage({ ...card, text })
              .blocks.filter((b) => b.type === 'section' && (b.text as { verbatim?: boolean })?.verbatim)
              .map((b) => (b.text as { text: string }).text);
            for (const section of sections) {
              expect([...section].length).toBeLessThanOrEqual(3000);
              expect(section).not.toMatch(/&(?!amp;|lt;|gt;)|&[a-z]*$/);
            }
            expect(unescapeSlackText(sections.join(''))).toBe(text);
          },
        ),
        { numRuns: 30 },
      );
    });

    it('escapes thread replies and channel messages, keeping the mentions Araldo adds', () => {
      expect(toMessageText({ text: hostile, mentions: ['U0EDITOR'] })).toBe(`<@U0EDITOR> ${escaped}`);
      expect(toMessageText({ text: hostile })).toBe(escaped);
    });

    it('escapes ephemeral replies, which quote what the person typed', () => {
      expect(toEphemeralText(`Destinazione sconosciuta: ${hostile}`)).toBe(
        `Destinazione sconosciuta: ${escaped}`,
      );
    });

    it('keeps entities and mentions whole when a digest is cut into sections', () => {
      const text = toMessageText({ text: `${'x'.repeat(2990)}&&&&<!here>`, mentions: ['U0EDITOR'] });
      const parts = toSectionBlocks(text).map((b) => (b.text as { text: string }).text);
      expect(parts.join('')).toBe(text);
      for (const part of parts) {
        expect([...part].length).toBeLessThanOrEqual(3000);
        expect(part).not.toMatch(/&(?!amp;|lt;|gt;)|&[a-z]*$|<@U0EDITOR$|^U0EDITOR>/);
      }
      const mentioned = toSectionBlocks(`${'y'.repeat(2995)}<@U0EDITOR>`).map(
        (b) => (b.text as { text: string }).text,
      );
      expect(mentioned).toEqual(['y'.repeat(2995), '<@U0EDITOR>']);
    });

    it('escapes the URL of a published post inside its link', () => {
      const message = toCardMessage({
        ...card,
        targets: [
          {
            id: 'sito',
            displayName: 'Sito & blog',
            network: 'feed',
            used: 1,
            limit: undefined,
            url: 'https://comune.example.it/feed?a=1&b=2|x>y',
          },
        ],
      });
      expect(mrkdwnTexts(message.blocks)).toContain(
        'Destinazioni: Sito &amp; blog `1` <https://comune.example.it/feed?a=1&amp;b=2%7Cx%3Ey|↗>',
      );
    });
  });

  it('reads slash command text as typed, undoing Slack’s escaping', () => {
    expect(unescapeSlackText('Lavori &amp; Servizi &lt;ok&gt; &amp;lt;')).toBe('Lavori & Servizi <ok> &lt;');
    const parsed = slashCommandSchema.parse({
      command: '/propose',
      text: 'to:sito A &amp; B',
      user_id: 'U1',
      channel_id: 'C1',
      trigger_id: 'T1',
    });
    expect(parsed.text).toBe('to:sito A & B');
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(unescapeSlackText(escapeMrkdwn(text))).toBe(text);
      }),
    );
  });

  it('turns a submitted form into a draft: date and time read in the team zone', () => {
    const state = {
      text: { value: { type: 'plain_text_input', value: 'Concerto' } },
      targets: {
        value: { type: 'multi_static_select', selected_options: [{ value: 'sito' }, { value: 'comune-x' }] },
      },
      date: { value: { type: 'datepicker', selected_date: '2026-12-01' } },
      time: { value: { type: 'timepicker', selected_time: '21:00' } },
      image_url: { value: { type: 'url_text_input', value: ' https://comune.example.it/a.jpg ' } },
      image_alt: { value: { type: 'plain_text_input', value: 'Il palco' } },
      urgent: { value: { type: 'checkboxes', selected_options: [] } },
    };
    expect(fromProposeSubmission(state)).toEqual({
      text: 'Concerto',
      targets: ['sito', 'comune-x'],
      at: '2026-12-01 21:00',
      urgent: false,
      images: [{ url: 'https://comune.example.it/a.jpg', alt: 'Il palco' }],
    });
    expect(fromProposeSubmission({}).at).toBeUndefined();
  });

  it('shows each problem under its own field, several joined', () => {
    expect(
      toModalErrors([
        { field: 'text', message: 'Troppo lungo per X.' },
        { field: 'text', message: 'Troppo lungo per Mastodon.' },
        { field: 'at', message: 'Orario passato.' },
        { field: 'images', message: 'Manca il testo alternativo.' },
      ]),
    ).toEqual({
      text: 'Troppo lungo per X. Troppo lungo per Mastodon.',
      date: 'Orario passato.',
      image_url: 'Manca il testo alternativo.',
    });
  });
});
