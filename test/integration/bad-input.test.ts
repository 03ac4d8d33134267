import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { it as SHELL_IT } from '../../src/chat/shell/i18n/it.ts';
import { en as EN } from '../../src/core/i18n/en.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import { controlChar } from '../support/control-characters.ts';
import { createDeskHarness, type DeskHarness } from '../support/desk-harness.ts';
import { typeInShell } from '../support/shell-session.ts';
import { createTestDatabase, type TestDatabase, testDriver } from '../support/test-database.ts';

// Issue 7, point 3: bad input gets a clear answer, never "something went
// wrong". Every harness starts on Saturday 21 November 2026, 11:00 in Rome.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

const FAILED = IT['command.failed']();

const hex = (char: string) => `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

async function proposeOne(h: DeskHarness, line = '/propose to:sito Chiuso il ponte di via Roma per lavori.') {
  const reply = await h.run('editor', line);
  expect(reply).toContain('Proposta #');
  return Number(/#(\d+)/.exec(reply)?.[1]);
}

async function auditActions(h: DeskHarness, n: number) {
  const entry = await h.store.getPost(h.team.id, n);
  if (!entry) throw new Error(`no post #${n}`);
  return (await h.store.listAudit(entry.post.id)).map((e) => e.action);
}

describe(`bad input at the desk on ${testDriver}`, () => {
  describe('control characters', () => {
    it('refuses a NUL in /propose with the character and where, and stores nothing', async () => {
      const h = createDeskHarness(database);
      const reply = await h.run('editor', '/propose to:sito ciao\u0000mondo');
      expect(reply).toBe(
        IT['text.control_character']({
          character: 'U+0000 (NUL)',
          position: 22,
          context: '…to:sito ciao[U+0000]mondo',
          others: 0,
        }),
      );
      expect(await h.store.getPost(h.team.id, 1)).toBeUndefined();
      expect(h.chat.records).toEqual([]);
      expect(h.logger.lines.filter((e) => e.level === 'error')).toEqual([]);
    });

    it('refuses any control character other than \\n and \\t in a proposal, naming it', async () => {
      const h = createDeskHarness(database);
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 20 }), controlChar, async (before, control) => {
          const reply = await h.run('editor', `/propose to:sito Avviso ${before}${control}fine`);
          expect(reply).toContain(hex(control));
          expect(reply).not.toBe(FAILED);
        }),
        { numRuns: 25 },
      );
      expect(await h.store.getPost(h.team.id, 1)).toBeUndefined();
    });

    it('keeps line breaks and tabs in a proposal', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h, '/propose to:sito Orari:\n\tlunedì 9-12\n\tmartedì 15-18');
      expect((await h.store.getPost(h.team.id, n))?.post.text).toBe('Orari:\n\tlunedì 9-12\n\tmartedì 15-18');
    });

    it('refuses a control character in /edit, /reschedule and any other command, changing nothing', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      const lines = [
        `/edit ${n} Nuovo\u0007testo`,
        `/reschedule ${n} domani\u001b alle 9`,
        `/status ${n}\u0085`,
        '/frobnicate\u0000',
        `/propose to:sito at:"domani\u0000alle 9" Testo.`,
        `/propose to:sito img:https://example.test/a.jpg|"foto\u0008del ponte" Testo.`,
      ];
      for (const line of lines) {
        const reply = await h.run('editor', line);
        expect(reply, line).toMatch(/carattere di controllo .*U\+00[0-9A-F]{2}/);
      }
      const entry = await h.store.getPost(h.team.id, n);
      expect(entry?.post.text).toBe('Chiuso il ponte di via Roma per lavori.');
      expect(entry?.post.requestedAt).toBeUndefined();
      expect(await auditActions(h, n)).toEqual(['proposed']);
      expect(await h.store.getPost(h.team.id, n + 1)).toBeUndefined();
    });

    it('answers in English for an English team', async () => {
      const h = createDeskHarness(database, { team: { language: 'en' } });
      const reply = await h.run('editor', '/propose to:sito hello\u0000world');
      expect(reply).toBe(
        EN['text.control_character']({
          character: 'U+0000 (NUL)',
          position: 23,
          context: '…o:sito hello[U+0000]world',
          others: 0,
        }),
      );
    });

    it('refuses form fields with control characters, each by its field, and stores nothing', async () => {
      const h = createDeskHarness(database);
      const context = { teamId: h.team.id, actor: { id: 'editor', name: 'editor' } };
      const draft = {
        targets: ['sito'],
        at: 'domani\u0000 alle 9',
        urgent: false,
        images: [{ url: 'https://example.test/a.jpg', alt: 'il ponte\u0003' }],
        text: 'Ponte\u0000chiuso',
      };
      const problems = h.desk.checkDraft(h.team.id, draft);
      expect(problems.map((p) => p.field)).toEqual(['text', 'images', 'at']);
      expect(problems.map((p) => p.message)).toEqual([
        expect.stringContaining('U+0000 (NUL), al carattere 6'),
        expect.stringContaining('U+0003 (ETX), al carattere 9'),
        expect.stringContaining('U+0000 (NUL), al carattere 7'),
      ]);
      const outcome = await h.desk.proposeDraft(context, draft);
      expect(outcome.ok).toBe(false);
      expect(await h.store.getPost(h.team.id, 1)).toBeUndefined();
    });

    it('does not record a thread reply holding a control character', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      const reply = { teamId: h.team.id, actor: { id: 'capo', name: 'capo' }, post: { number: n } };
      expect(await h.desk.threadReply({ ...reply, text: 'va\u0000bene' })).toBe('bad_text');
      expect(await h.desk.threadReply({ ...reply, text: 'va bene\n\tgrazie' })).toBe('applied');
      expect(await auditActions(h, n)).toEqual(['proposed', 'commented']);
    });
  });

  describe('echoes of what was typed', () => {
    const HUGE = 'x'.repeat(100_000);

    it('quotes an excerpt with an ellipsis, never the whole input', async () => {
      const h = createDeskHarness(database);
      const n = await proposeOne(h);
      const lines = [
        `/frobnicate${HUGE}`,
        `/status ${HUGE}`,
        `/propose to:${HUGE} Testo.`,
        `/propose to:sito at:${HUGE} Testo.`,
        `/propose to:sito at:"ieri alle 9${'!'.repeat(150)}" Testo.`,
        `/propose to:sito img:${HUGE}|alt Testo.`,
        `/propose to:sito img:https://example.test/${HUGE}.jpg Testo.`,
        `/propose to:sito Testo to:${HUGE}`,
        `/propose to:${HUGE},${HUGE}`,
        `/reschedule ${n} ${HUGE}`,
      ];
      for (const line of lines) {
        const reply = await h.run('editor', line);
        expect(reply.length, line.slice(0, 30)).toBeLessThan(600);
        expect(reply, line.slice(0, 30)).toMatch(/[x!]…/);
        expect(reply).not.toBe(FAILED);
      }
    });

    it('quotes short input whole', async () => {
      const h = createDeskHarness(database);
      expect(await h.run('editor', '/status abc')).toBe(IT['command.not_a_number']({ given: 'abc' }));
      expect(await h.run('editor', '/frobnicate')).toBe(IT['command.unknown']({ name: 'frobnicate' }));
    });
  });
});

describe(`bad input in the shell, in process, on ${testDriver}`, () => {
  it('answers a NUL in /propose and in /reply with the character, and records neither', async () => {
    const h = createDeskHarness(database);
    const n = await proposeOne(h);
    const printed = await typeInShell(h, 'editor', [
      '/propose to:sito ciao\u0000mondo',
      `/reply ${n} a\u0001b`,
    ]);
    expect(printed).toEqual([
      `[only you] ${IT['text.control_character']({ character: 'U+0000 (NUL)', position: 22, context: '…to:sito ciao[U+0000]mondo', others: 0 })}`,
      `[only you] ${IT['text.control_character']({ character: 'U+0001 (SOH)', position: 2, context: 'a[U+0001]b', others: 0 })}`,
    ]);
    expect(await h.store.getPost(h.team.id, n + 1)).toBeUndefined();
    expect(await auditActions(h, n)).toEqual(['proposed']);
  });

  it('reads Slack short names and check marks as review reactions, and always answers', async () => {
    const h = createDeskHarness(database);
    const n = await proposeOne(h);
    const printed = await typeInShell(h, 'editor', [
      `/react ${n} :white_check_mark:`,
      `/react ${n} ✔️`,
      '/as supervisor',
      `/react ${n} ✔️`,
      `/react ${n} :white_check_mark:`,
    ]);
    expect(printed).toEqual([
      `[only you] ${SHELL_IT['shell.reaction_applied']({ emoji: ':white_check_mark:', action: 'approvazione', number: n, added: true })}`,
      `[only you] ${SHELL_IT['shell.reaction_applied']({ emoji: '✔️', action: 'approvazione', number: n, added: true })}`,
      `[only you] ${SHELL_IT['shell.switched']({ name: 'supervisor' })}`,
      `[only you] ${SHELL_IT['shell.reaction_applied']({ emoji: '✔️', action: 'approvazione', number: n, added: true })}`,
      `[only you] ${SHELL_IT['shell.reaction_applied']({ emoji: ':white_check_mark:', action: 'approvazione', number: n, added: true })}`,
    ]);
    // The author's check mark did not count; the approver's did.
    expect(h.chat.thread(n)).toEqual([
      IT['reaction.self_approval']({ name: 'editor' }),
      `${IT['reaction.approved']({ name: 'supervisor', have: 1, need: 1 })}\n${IT['schedule.now']()}`,
    ]);
    expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('approved');
  });

  it('reads :x: and :pencil2: as rejection and changes requested', async () => {
    const h = createDeskHarness(database);
    const a = await proposeOne(h);
    const b = await proposeOne(h);
    await typeInShell(h, 'capo', [`/react ${a} :x:`, `/react ${b} :pencil2:`]);
    expect((await h.store.getPost(h.team.id, a))?.post.state).toBe('rejected');
    expect((await h.store.getPost(h.team.id, b))?.post.state).toBe('changes_requested');
  });

  it('answers any other emoji, added or removed, with the reactions that count', async () => {
    const h = createDeskHarness(database);
    const n = await proposeOne(h);
    const printed = await typeInShell(h, 'supervisor', [
      `/react ${n} 👍`,
      `/unreact ${n} :tada:`,
      `/react ${n} ${'🎉'.repeat(5000)}`,
    ]);
    expect(printed).toHaveLength(3);
    expect(printed[0]).toMatch(
      /^\[only you\] Reazione aggiunta, ma 👍 non conta per decidere\. Contano: ✅ approva/,
    );
    expect(printed[1]).toMatch(/^\[only you\] Reazione tolta, ma :tada: non conta/);
    for (const line of printed) {
      for (const counted of [
        '✅',
        '✔️',
        ':white_check_mark:',
        ':heavy_check_mark:',
        '❌',
        ':x:',
        '✏️',
        ':pencil2:',
      ])
        expect(line).toContain(counted);
    }
    expect(printed[2]?.length).toBeLessThan(600);
    expect(printed[2]).toContain('🎉…');
    expect((await h.store.getPost(h.team.id, n))?.post.state).toBe('pending');
  });
});
