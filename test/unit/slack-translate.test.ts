import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  araldoMarkOf,
  escapeMrkdwn,
  fromButtonValue,
  fromPlatformError,
  fromProposeSubmission,
  fromRecipient,
  messagePageSchema,
  redactSecrets,
  slashCommandSchema,
  toCardMessage,
  toChatFailure,
  toEphemeralText,
  toMessageMetadata,
  toMessageText,
  toModalErrors,
  toRecipient,
  toSectionBlocks,
  unescapeSlackText,
} from '../../src/chat/slack/translate.ts';
import type { Card } from '../../src/core/card.ts';

const card: Card = {
  language: 'it',
  postNumber: 7,
  version: 1,
  text: 'Chiuso il ponte di via Roma <fino alle 18> & deviazioni',
  images: [{ url: 'https://comune.example.it/ponte.jpg', alt: 'Il ponte transennato' }],
  targets: [
    {
      id: 'sito',
      displayName: 'Sito',
      network: 'feed',
      used: 55,
      limit: undefined,
      url: undefined,
      altTextDropped: false,
    },
    {
      id: 'comune-x',
      displayName: 'X',
      network: 'x',
      used: 55,
      limit: 280,
      url: 'https://x.com/i/web/status/1',
      altTextDropped: false,
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

  it('offers the buttons each state allows, each carrying the number and the version of the text', () => {
    const buttonsIn = (state: Card['state']) => {
      const blocks = toCardMessage({ ...card, state, version: 3 }).blocks as {
        type: string;
        elements?: { action_id: string; value: string; confirm?: unknown }[];
      }[];
      const buttons = blocks
        .filter((block) => block.type === 'actions')
        .flatMap((block) => block.elements ?? []);
      for (const button of buttons) expect(fromButtonValue(button.value)).toEqual({ number: 7, version: 3 });
      const cancel = buttons.find((button) => button.action_id === 'araldo_cancel');
      if (cancel) expect(cancel.confirm).toMatchObject({ style: 'danger' });
      return buttons.map((button) => button.action_id);
    };
    const changes = ['araldo_edit', 'araldo_reschedule', 'araldo_cancel'];
    expect(buttonsIn('pending')).toEqual(['araldo_approve', 'araldo_request_changes', ...changes]);
    expect(buttonsIn('changes_requested')).toEqual(['araldo_request_changes', ...changes]);
    expect(buttonsIn('scheduled')).toEqual(changes);
    expect(buttonsIn('partially_failed')).toEqual(['araldo_retry']);
    expect(buttonsIn('failed')).toEqual(['araldo_retry']);
    expect(buttonsIn('published')).toEqual([]);
    expect(buttonsIn('cancelled')).toEqual([]);
  });

  it('reads button values old and new, and nothing else', () => {
    expect(fromButtonValue('12')).toEqual({ number: 12 });
    expect(fromButtonValue('12:4')).toEqual({ number: 12, version: 4 });
    for (const bad of ['', 'x', '12:', ':4', '1:2:3', '-1', undefined])
      expect(fromButtonValue(bad)).toBeUndefined();
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
            altTextDropped: false,
          },
        ],
      });
      expect(mrkdwnTexts(message.blocks)).toContain(
        'Destinazioni: Sito &amp; blog `1` <https://comune.example.it/feed?a=1&amp;b=2%7Cx%3Ey|↗>',
      );
    });

    it('makes no link of words a network gives instead of an address (a private Telegram channel)', () => {
      const message = toCardMessage({
        ...card,
        targets: [
          {
            id: 'allerte',
            displayName: 'Canale allerte',
            network: 'telegram',
            used: 12,
            limit: 4096,
            url: 'messaggio 42 nel canale privato «Interno», che non ha un indirizzo pubblico',
            altTextDropped: true,
          },
        ],
      });
      const text = mrkdwnTexts(message.blocks).join('\n');
      expect(text).toContain('Canale allerte `12/4096`');
      expect(text).not.toContain('↗');
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

describe('Slack outbox translation', () => {
  const key = { messageId: '123', postId: '7', mayExist: false, owedAt: new Date(0) };

  it('marks a message with its row, post and kind, and reads the mark back', () => {
    const metadata = toMessageMetadata(key, 'card');
    expect(metadata).toEqual({
      event_type: 'araldo_message',
      event_payload: { message_id: '123', post_id: '7', kind: 'card' },
    });
    expect(araldoMarkOf({ ts: '1.000001', metadata })).toEqual({
      messageId: '123',
      postId: '7',
      kind: 'card',
    });
    expect(
      toMessageMetadata({ messageId: '5', mayExist: false, owedAt: new Date(0) }, 'channel').event_payload
        .post_id,
    ).toBe('');
  });

  it('reads no mark from other apps, malformed payloads or unknown kinds', () => {
    expect(araldoMarkOf({ ts: '1.1' })).toBeUndefined();
    expect(
      araldoMarkOf({
        ts: '1.1',
        metadata: { event_type: 'task_created', event_payload: { message_id: '1' } },
      }),
    ).toBeUndefined();
    expect(
      araldoMarkOf({
        ts: '1.1',
        metadata: { event_type: 'araldo_message', event_payload: { post_id: '7' } },
      }),
    ).toBeUndefined();
    expect(
      araldoMarkOf({
        ts: '1.1',
        metadata: { event_type: 'araldo_message', event_payload: { message_id: '1', kind: 'x' } },
      }),
    ).toEqual({ messageId: '1', postId: undefined, kind: undefined });
  });

  it('reads a history page as slack-api-specs shows it, metadata and all', () => {
    const page = messagePageSchema.parse({
      ok: true,
      has_more: true,
      pin_count: 0,
      messages: [{ type: 'message', user: 'U1', text: 'hi', ts: '1512085950.000216', bot_id: null }],
      response_metadata: { next_cursor: 'bmV4dF90czoxNTEyMDg1ODYxMDAwNTQz' },
    });
    expect(page.messages[0]?.ts).toBe('1512085950.000216');
    expect(page.response_metadata?.next_cursor).toBe('bmV4dF90czoxNTEyMDg1ODYxMDAwNTQz');
    expect(messagePageSchema.parse({ ok: true }).messages).toEqual([]);
  });

  it('addresses a private answer as channel:user and reads it back', () => {
    expect(fromRecipient(toRecipient('C0SOCIAL', 'U0EDITOR'))).toEqual({
      channel: 'C0SOCIAL',
      user: 'U0EDITOR',
    });
    for (const bad of ['', 'C0SOCIAL', 'C0SOCIAL:', ':U1', 'C0:U1:x', 'C 0:U1'])
      expect(fromRecipient(bad)).toBeUndefined();
  });

  it('sorts platform errors into rejected, unavailable and uncertain', () => {
    const code = (error: string) => fromPlatformError(error, 'chat.postMessage').code;
    for (const error of [
      'channel_not_found',
      'not_in_channel',
      'is_archived',
      'invalid_auth',
      'account_inactive',
    ])
      expect(code(error)).toBe('rejected');
    for (const error of ['token_revoked', 'missing_scope', 'msg_too_long', 'no_text', 'some_new_error'])
      expect(code(error)).toBe('rejected');
    for (const error of ['ratelimited', 'rate_limited', 'service_unavailable', 'request_timeout'])
      expect(code(error)).toBe('unavailable');
    for (const error of ['internal_error', 'fatal_error']) expect(code(error)).toBe('uncertain');
    expect(fromPlatformError('missing_scope', 'conversations.history', 'channels:history').detail).toBe(
      'conversations.history: Slack answered missing_scope (needs channels:history)',
    );
  });

  it('sorts what the WebClient throws by whether the request may have landed', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    });
    const reset = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const request = (original: unknown) => ({ code: 'slack_webapi_request_error', original });

    expect(toChatFailure(request(refused), 'chat.update', []).code).toBe('unavailable');
    expect(toChatFailure(request(reset), 'chat.update', []).code).toBe('uncertain');
    expect(toChatFailure(request(timeout), 'chat.update', []).detail).toContain('no answer in time');
    expect(toChatFailure({ code: 'slack_webapi_http_error', statusCode: 502 }, 'm', []).code).toBe(
      'uncertain',
    );
    expect(toChatFailure({ code: 'slack_webapi_http_error', statusCode: 404 }, 'm', []).code).toBe(
      'rejected',
    );
    expect(toChatFailure({ code: 'slack_webapi_rate_limited_error', retryAfter: 30 }, 'm', [])).toMatchObject(
      {
        code: 'rate_limited',
        retryAfterMs: 30_000,
      },
    );
    expect(
      toChatFailure(new Error('Retry header did not contain a valid timeout (url: x)'), 'm', []).code,
    ).toBe('rate_limited');
    expect(toChatFailure(new Error('something else'), 'm', []).code).toBe('uncertain');
  });

  it('keeps tokens out of every detail', () => {
    const secret = 'xoxb-111-222-abcdef';
    const leaky = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error(`bad header Bearer ${secret}`), { code: 'ECONNRESET' }),
    });
    const failure = toChatFailure(
      { code: 'slack_webapi_request_error', original: leaky },
      'chat.postMessage',
      [secret],
    );
    expect(failure.detail).not.toContain(secret);
    expect(redactSecrets('token xoxp-9-9-zz and xapp-1-A-2-b here', [])).toBe(
      'token [redacted] and [redacted] here',
    );
  });
});
