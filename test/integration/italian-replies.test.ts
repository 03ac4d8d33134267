import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCardSummary, renderCardText } from '../../src/chat/shell/card-text.ts';
import { DELIVERY_STATES } from '../../src/core/delivery.ts';
import type { Language } from '../../src/core/language.ts';
import { POST_STATES } from '../../src/core/post.ts';
import type { Target } from '../../src/core/target.ts';
import type { InMemoryPublisher } from '../fakes/in-memory-publisher.ts';
import { createDeskHarness, type DeskHarness } from '../support/desk-harness.ts';
import { typeInShell } from '../support/shell-session.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

// Issue 7, point 5: every word in chat in the team's language. One full
// scenario per language, driven through the real shell adapter, and every
// reply, card, card update, thread message and digest scanned for words of
// the other language and for raw identifiers.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

const TARGETS: readonly Target[] = [
  { id: 'sito', network: 'feed', displayName: 'Sito', credentials: {} },
  { id: 'comune-masto', network: 'mastodon', displayName: 'Mastodon', credentials: {} },
  // Configured, but no publisher exists for it (e.g. a network Araldo cannot publish to yet).
  { id: 'hook', network: 'webhook', displayName: 'Hook', credentials: {} },
];

/** What a person types in each language; the steps are the same. */
const INPUT = {
  it: {
    market: '/propose to:sito,comune-masto at:"domani alle 9" Mercato di Natale in piazza Garibaldi.',
    bridge: '/propose to:sito Chiusura del ponte di via Roma.',
    feast: '/propose to:sito Festa patronale domenica.',
    works: '/propose to:sito,hook Lavori in via Dante da lunedì.',
    concert: '/propose to:comune-masto Concerto in biblioteca stasera.',
    exhibit: '/propose to:sito Mostra fotografica in municipio.',
    edit: '/edit 3 Festa patronale domenica in piazza.',
    reply: '/reply 3 Corretto, grazie.',
    reschedule: '/reschedule 1 23 novembre 18:30',
    past: '/propose to:sito at:"ieri alle 9" Testo.',
    unreadable: '/propose to:sito at:"boh" Testo.',
    noAlt: '/propose to:sito img:https://example.test/ponte.jpg Il ponte.',
    afterText: '/propose to:sito Testo at:"domani alle 9"',
    noTarget: '/propose Testo senza destinazione.',
    unknownTarget: '/propose to:nessuno Testo.',
    plain: 'ciao a tutti',
  },
  en: {
    market: '/propose to:sito,comune-masto at:"tomorrow 9am" Christmas market in the square.',
    bridge: '/propose to:sito The bridge on Via Roma is closed.',
    feast: '/propose to:sito Town festival on Sunday.',
    works: '/propose to:sito,hook Roadworks on Via Dante from Monday.',
    concert: '/propose to:comune-masto Concert at the library tonight.',
    exhibit: '/propose to:sito Photo exhibition at the town hall.',
    edit: '/edit 3 Town festival on Sunday in the square.',
    reply: '/reply 3 Fixed, thanks.',
    reschedule: '/reschedule 1 2026-11-23T18:30+01:00',
    past: '/propose to:sito at:"2026-11-20T09:00+01:00" Text.',
    unreadable: '/propose to:sito at:"whenever" Text.',
    noAlt: '/propose to:sito img:https://example.test/bridge.jpg The bridge.',
    afterText: '/propose to:sito Text at:"tomorrow 9am"',
    noTarget: '/propose Text without a target.',
    unknownTarget: '/propose to:nowhere Text.',
    plain: 'hello everyone',
  },
} as const satisfies Record<Language, Record<string, string>>;

/** Everything the desk and the shell said, as people read it. */
function everythingSaid(h: DeskHarness, typed: readonly string[]): string[] {
  const said = [...typed];
  for (const record of h.chat.records) {
    if (record.kind === 'card') said.push(...renderCardText(record.card));
    else if (record.kind === 'card_update')
      said.push(...renderCardText(record.card), renderCardSummary(record.card));
    else said.push(record.message.text);
  }
  return said;
}

/**
 * The words of a line that come from the catalogs: commands, options,
 * URLs, emoji short names and what people typed (post texts, names,
 * target ids and display names) are taken out first.
 */
function catalogWords(line: string, typed: readonly string[]): string[] {
  let rest = line;
  for (const text of typed) rest = rest.split(text).join(' ');
  return (
    rest
      .replace(/https?:\/\/\S+/g, ' ')
      // A command, with its subcommand: `/araldo riprova` is a name in both languages.
      .replace(/\/araldo\s+[a-z]+\b/g, ' ')
      .replace(/\/[a-z]+\b/g, ' ')
      .replace(/\b(to|at|img):\S*/g, ' ')
      .replace(/:[a-z0-9_+-]+:/g, ' ')
      .replace(/\b(editor|supervisor|capo|stagista|Araldo|sito|comune-masto|hook|Sito|Mastodon|Hook)\b/g, ' ')
      .split(/[^\p{L}_]+/u)
      .filter((word) => word !== '')
  );
}

const RAW_IDENTIFIERS = new Set<string>([
  ...POST_STATES,
  ...DELIVERY_STATES,
  'not_an_approver',
  'self_approval',
  'request_changes',
  'approve',
  'reject',
  'undefined',
  'null',
  'NaN',
]);

// Words that are English only (never Italian), and Italian only (never English).
const ENGLISH = new Set(
  'the and or of for with has have had is are was not no yet by from into this that target targets publisher configured proposal approval approvals approved waiting failed published pending scheduled publishing cancelled rejected unknown partially something went wrong error interrupted while could cannot should please when status author text queue digest help retry edit cancel reschedule audit reaction reactions reacted removed added check tomorrow today yesterday hours minutes days attempt attempts'.split(
    ' ',
  ),
);
const ITALIAN = new Set(
  'il lo la le gli di del della delle dei che non per con una un è sono ha hai proposta pubblicata pubblicazione pubblicazioni approvata approvazione approvazioni annullata rifiutata programmata fallita destinazione destinazioni modifiche riepilogo oggi ieri domani attesa ora ore giorni scrivi comandi stato quando autore tentativo tentativi reazione esito'.split(
    ' ',
  ),
);

/** Runs the whole workflow in `language`; resolves with every line said and everything typed. */
async function runScenario(language: Language): Promise<{ said: string[]; typedTexts: string[] }> {
  const h = createDeskHarness(database, { team: { language }, targets: TARGETS });
  // The harness gives every target a publisher; `hook` must have none.
  (h.publishers as Map<string, InMemoryPublisher>).delete('hook');
  const masto = h.publishers.get('comune-masto');
  if (!masto) throw new Error('no Mastodon publisher');
  const input = INPUT[language];
  const typed: string[] = [];
  const shell = async (user: string, lines: readonly string[]) => {
    typed.push(...(await typeInShell(h, user, lines)));
  };

  await shell('editor', [
    input.market,
    input.bridge,
    input.feast,
    input.works,
    input.concert,
    input.exhibit,
    '/react 1 ✅',
    '/react 1 :white_check_mark:',
  ]);
  await shell('stagista', ['/react 1 ✅']);
  await shell('supervisor', [
    '/react 1 ✔️',
    '/react 2 ❌',
    '/react 3 ✏️',
    '/react 3 ✅',
    '/react 4 ✅',
    '/react 5 ✅',
    '/react 1 👍',
    '/unreact 1 🎉',
  ]);
  await shell('editor', [input.edit, input.reply]);
  await shell('supervisor', ['/react 3 ✅']);

  // The Mastodon account is down, then refuses the post; the site publishes; hook has no publisher.
  masto.willAnswer(
    { kind: 'unavailable', detail: 'HTTP 503' },
    { kind: 'rejected', code: 'content_refused', detail: 'HTTP 422' },
    { kind: 'unknown', detail: 'HTTP 504' },
  );
  await h.tick();
  h.clock.advance(31_000);
  await h.tick();
  await shell('editor', ['/status 3', '/status 4', '/status 5', '/queue', '/digest']);
  await shell('editor', ['/retry 5', '/retry 3']);
  await h.tick();

  await shell('editor', [
    '/status 1',
    '/status 2',
    '/status 5',
    '/cancel 6',
    '/cancel 2',
    '/edit 2 Nuovo testo.',
    input.reschedule,
    '/audit 1',
    '/audit 3',
    '/audit 4',
    '/audit 5',
    '/help',
    '/aiuto',
  ]);

  // Bad input of every kind.
  await shell('editor', [
    '/frobnicate',
    '/status abc',
    '/status 999',
    '/status',
    input.unknownTarget,
    input.noTarget,
    input.past,
    input.unreadable,
    input.noAlt,
    input.afterText,
    `/propose to:comune-masto ${'a'.repeat(520)}`,
    '/propose to:sito ciao\u0000mondo',
    '/propose',
    '/edit 1',
    '/reschedule 1',
    '/react 99 ✅',
    '/react abc ✅',
    '/reply 1 a\u0007b',
    '/as',
    input.plain,
  ]);

  // Monday: the digest goes out at 08:30, the market post at 18:30.
  h.clock.set('2026-11-23T07:31:00Z');
  await h.sendDueDigests();
  h.clock.set('2026-11-23T17:31:00Z');
  await h.tick();
  await shell('editor', ['/status 1', '/digest', '/queue', '/audit 1']);

  const typedTexts = Object.values(input).flatMap((line) => {
    const text = line.replace(/^\/\S+\s*/, '').replace(/^(?:(?:to|at|img):(?:"[^"]*"|\S+)\s*)*/, '');
    return text === '' ? [] : [text];
  });
  typedTexts.push('a'.repeat(520), 'Nuovo testo.', 'HTTP 503', 'HTTP 422', 'HTTP 504');
  return { said: everythingSaid(h, typed), typedTexts };
}

/**
 * The catalog-less words of what was said: raw identifiers, and words of
 * the other language. In English, a state name like `published` is also a
 * plain word, so only identifiers that no sentence holds (with `_`) count.
 */
function findings(said: readonly string[], typed: readonly string[], language: Language) {
  const foreign = language === 'it' ? ENGLISH : ITALIAN;
  const raw = [...RAW_IDENTIFIERS].filter((id) => language === 'it' || /_|undefined|null|NaN/.test(id));
  const found: string[] = [];
  for (const line of said) {
    for (const word of catalogWords(line, typed)) {
      if (raw.includes(word) || foreign.has(word.toLowerCase())) found.push(`${word} in: ${line}`);
    }
  }
  return found;
}

describe(`every reply in the team's language on ${testDriver}`, () => {
  it('says everything in Italian to an Italian team: no English, no raw state names', async () => {
    const { said, typedTexts } = await runScenario('it');
    // The scenario reached what it means to cover.
    const all = said.join('\n');
    for (const expected of [
      'pubblicata in parte',
      'fallita (1 tentativo)',
      'non è configurato nessun servizio di pubblicazione',
      'non conta per decidere',
      'carattere di controllo',
      'Riepilogo',
      'Storia della proposta',
    ])
      expect(all).toContain(expected);
    expect(findings(said, typedTexts, 'it')).toEqual([]);
  });

  it('says everything in English to an English team: no Italian, no raw state names', async () => {
    const { said, typedTexts } = await runScenario('en');
    const all = said.join('\n');
    for (const expected of [
      'partially published',
      'failed (1 attempt)',
      'no publishing service is configured',
      'Digest',
    ])
      expect(all).toContain(expected);
    expect(findings(said, typedTexts, 'en')).toEqual([]);
  });
});
