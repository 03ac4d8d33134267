import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseCommand,
  parseProposeArgs,
  resolveCommand,
  SUBCOMMANDS,
} from '../../src/core/command-grammar.ts';

describe('parseCommand', () => {
  it('splits the name from the rest, keeping line breaks', () => {
    expect(parseCommand('/Propose  to:sito Riga 1\nRiga 2 ')).toEqual({
      name: 'propose',
      rest: 'to:sito Riga 1\nRiga 2',
    });
    expect(parseCommand('/help')).toEqual({ name: 'help', rest: '' });
  });

  it('is undefined for lines that are not commands', () => {
    expect(parseCommand('ciao')).toBeUndefined();
    expect(parseCommand('/')).toBeUndefined();
    expect(parseCommand('')).toBeUndefined();
  });
});

describe('resolveCommand', () => {
  it('reads /araldo subcommands by their English and Italian names, in any case', () => {
    expect(resolveCommand('/araldo stato 12')).toEqual({ kind: 'command', name: 'status', rest: '12' });
    expect(resolveCommand('/araldo STATUS #12')).toEqual({ kind: 'command', name: 'status', rest: '#12' });
    expect(resolveCommand('/Araldo modifica 12 Nuovo\ntesto')).toEqual({
      kind: 'command',
      name: 'edit',
      rest: '12 Nuovo\ntesto',
    });
    expect(resolveCommand('/araldo riprogramma 3 domani alle 9')).toEqual({
      kind: 'command',
      name: 'reschedule',
      rest: '3 domani alle 9',
    });
    expect(resolveCommand('/araldo coda')).toEqual({ kind: 'command', name: 'queue', rest: '' });
  });

  it('asks for help for /araldo alone and names an unknown subcommand', () => {
    expect(resolveCommand('/araldo')).toEqual({ kind: 'command', name: 'help', rest: '' });
    expect(resolveCommand('/araldo   ')).toEqual({ kind: 'command', name: 'help', rest: '' });
    expect(resolveCommand('/araldo pubblica 12')).toEqual({
      kind: 'unknown_subcommand',
      subcommand: 'pubblica',
    });
  });

  it('leaves the short forms as they are', () => {
    expect(resolveCommand('/status 12')).toEqual({ kind: 'command', name: 'status', rest: '12' });
    expect(resolveCommand('not a command')).toBeUndefined();
  });

  it('gives every subcommand the same command and rest as its short form', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(SUBCOMMANDS)),
        fc.string({ unit: 'binary', maxLength: 80 }),
        (subcommand, rest) => {
          const long = resolveCommand(`/araldo ${subcommand} ${rest}`);
          const short = parseCommand(`/${SUBCOMMANDS[subcommand]} ${rest}`);
          expect(long).toEqual({ kind: 'command', ...short });
        },
      ),
    );
  });

  it('never throws on any line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (tail) => {
        const resolved = resolveCommand(`/araldo ${tail}`);
        if (resolved?.kind === 'command') expect(Object.values(SUBCOMMANDS)).toContain(resolved.name);
      }),
    );
  });
});

describe('parseProposeArgs', () => {
  it('reads options before the text and keeps the text as typed', () => {
    const parsed = parseProposeArgs(
      'to:comune-fb,comune-ig at:"domani alle 9" urgent Allerta   meteo:\nscuole chiuse',
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        targets: ['comune-fb', 'comune-ig'],
        at: 'domani alle 9',
        urgent: true,
        images: [],
        text: 'Allerta   meteo:\nscuole chiuse',
      },
    });
  });

  it('reads repeated images with quoted alt text, and typographic quotes', () => {
    const parsed = parseProposeArgs(
      'img:https://x.it/a.jpg|"Il ponte chiuso" img:“https://x.it/b.png|La piazza” at:“tra 2 ore” Testo',
    );
    expect(parsed.ok && parsed.value.images).toEqual([
      { url: 'https://x.it/a.jpg', alt: 'Il ponte chiuso' },
      { url: 'https://x.it/b.png', alt: 'La piazza' },
    ]);
    expect(parsed.ok && parsed.value.at).toBe('tra 2 ore');
  });

  it('gives an image without a bar an empty alt text, to be refused later', () => {
    const parsed = parseProposeArgs('img:https://x.it/a.jpg Testo');
    expect(parsed.ok && parsed.value.images).toEqual([{ url: 'https://x.it/a.jpg', alt: '' }]);
  });

  it('never makes a post urgent because of a word inside its text', () => {
    const parsed = parseProposeArgs('to:sito Avviso urgente per i residenti');
    expect(parsed.ok && parsed.value.urgent).toBe(false);
    expect(parsed.ok && parsed.value.text).toBe('Avviso urgente per i residenti');
  });

  it('accepts :rotating_light:, as Slack sends 🚨 in a slash command, as the urgent option', () => {
    expect(parseProposeArgs(':rotating_light: to:sito Allerta meteo')).toMatchObject({
      ok: true,
      value: { urgent: true, targets: ['sito'], text: 'Allerta meteo' },
    });
  });

  it('accepts 🚨 and urgente as the urgent option', () => {
    expect(parseProposeArgs('🚨 Testo').ok && parseProposeArgs('🚨 Testo')).toMatchObject({
      value: { urgent: true },
    });
    expect(parseProposeArgs('urgente Testo')).toMatchObject({ value: { urgent: true, text: 'Testo' } });
  });

  it('refuses an option written after the text', () => {
    expect(parseProposeArgs('Testo del post to:sito')).toEqual({
      ok: false,
      error: { code: 'option_after_text', option: 'to:sito' },
    });
  });

  it('refuses empty or repeated options', () => {
    expect(parseProposeArgs('to: Testo')).toMatchObject({ ok: false, error: { code: 'bad_option' } });
    expect(parseProposeArgs('at:domani at:oggi Testo')).toMatchObject({
      ok: false,
      error: { code: 'bad_option' },
    });
    expect(parseProposeArgs('img:|alt Testo')).toMatchObject({ ok: false, error: { code: 'bad_option' } });
  });

  it('does not take URLs in the text for options', () => {
    const parsed = parseProposeArgs('to:sito Leggi https://comune.example.it/avviso e mailto:urp@comune.it');
    expect(parsed.ok && parsed.value.text).toBe(
      'Leggi https://comune.example.it/avviso e mailto:urp@comune.it',
    );
  });

  it('never throws, and a success keeps the text a substring of the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (input) => {
        const parsed = parseProposeArgs(input);
        if (parsed.ok) expect(input).toContain(parsed.value.text);
        else expect(['bad_option', 'option_after_text']).toContain(parsed.error.code);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back any options it is given', () => {
    const id = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(
        fc.array(id, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.stringMatching(/^[A-Za-zÀ-ú][A-Za-zÀ-ú .,!]{0,40}$/),
        (targets, urgent, text) => {
          const line = `to:${targets.join(',')} ${urgent ? 'urgent ' : ''}${text}`;
          const parsed = parseProposeArgs(line);
          expect(parsed).toMatchObject({
            ok: true,
            value: { targets: [...new Set(targets)], urgent, text: text.trim() },
          });
        },
      ),
    );
  });
});
