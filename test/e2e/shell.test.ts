import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { it as SHELL_IT } from '../../src/chat/shell/i18n/it.ts';
import { it as IT } from '../../src/core/i18n/it.ts';
import { formatLocalTime } from '../../src/core/local-time-format.ts';
import {
  type AraldoProcess,
  CHILD_CLOCK_START,
  killAllAraldos,
  startAraldoProcess,
} from '../support/araldo-process.ts';

// SPEC §4 and §5, end to end: the real entry point as a child process, the
// shell on its stdin/stdout, PGlite under a temporary DATA_DIR, the `sito`
// feed over HTTP (rendered from the database: nothing of it is on disk).

const TEXT = 'Prova di pubblicazione: è tutto a posto & <ok>';
const SITE = 'Sito istituzionale';
const CHILD_TEST = { timeout: 60_000 };
/** two start-ups of PGlite plus a wait for a scheduled instant */
const RESTART_TEST = { timeout: 90_000 };
const HOUR = 3_600_000;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  isArray: (name) => name === 'entry' || name === 'link',
});

interface AtomEntry {
  id: string;
  title: { '#text': string };
  content: { '#text': string };
  link: { '@_rel': string; '@_href': string }[];
}

/** the feed document parsed; fails the test when it is not well-formed Atom */
function parseFeed(xml: string): { feed: { '@_xmlns': string; entry?: AtomEntry[] } } {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = parser.parse(xml) as { feed: { '@_xmlns': string; entry?: AtomEntry[] } };
  expect(doc.feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
  return doc;
}

/** the `sito` feed as the running child serves it */
async function fetchFeed(port: number): Promise<string> {
  const served = await fetch(`http://127.0.0.1:${port}/feeds/sito.xml`);
  expect(served.status).toBe(200);
  expect(served.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
  return served.text();
}

/** the entries of the `sito` feed the running child serves */
async function entriesServedBy(port: number): Promise<AtomEntry[]> {
  return parseFeed(await fetchFeed(port)).feed.entry ?? [];
}

function thread(number: number, text: string): (line: string) => boolean {
  return (line) => line.startsWith(`[thread ${number}] `) && line.includes(text);
}

/** the line index of the first line matching, -1 if none */
function indexOf(lines: readonly string[], predicate: (line: string) => boolean): number {
  return lines.findIndex((line) => predicate(line));
}

function hasStackTrace(lines: readonly string[]): boolean {
  return lines.some((line) => /^\s+at /.test(line));
}

let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'araldo-e2e-'));
});

afterEach(async () => {
  await killAllAraldos();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the shell chat with nothing configured', () => {
  it(
    'proposes, approves and publishes to the site feed, then stops cleanly on SIGTERM',
    CHILD_TEST,
    async () => {
      const araldo = startAraldoProcess({ dataDir });
      araldo.write(`/propose to:sito ${TEXT}`);
      araldo.write('/as supervisor');
      araldo.write('/react 1 ✅');
      araldo.endInput();
      const port = await araldo.port();
      const feedUrl = `http://localhost:${port}/feeds/sito.xml`;

      await araldo.waitForLine((line) => line === '[#social] Proposta #1');
      await araldo.waitForLine(thread(1, IT['reaction.approved']({ name: 'supervisor', have: 1, need: 1 })));
      const published = await araldo.waitForLine(
        thread(1, IT['publish.published']({ target: SITE, url: feedUrl })),
      );
      expect(published).toMatch(
        /^\[thread 1\] @editor Pubblicata su Sito istituzionale: http:\/\/localhost:\d+\/feeds\/sito\.xml#/,
      );

      const lines = araldo.stdout;
      const card = indexOf(lines, (line) => line === '[#social] Proposta #1');
      expect(lines[card + 1]).toBe(`[#social]   ${TEXT}`);
      expect(card).toBeLessThan(indexOf(lines, thread(1, 'Approvata da supervisor')));
      expect(indexOf(lines, thread(1, 'Approvata da supervisor'))).toBeLessThan(lines.indexOf(published));

      // stdin is closed and every line handled: Araldo is still serving.
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      await health.arrayBuffer();
      expect(araldo.exit).toBeUndefined();

      const entries = await entriesServedBy(port);
      expect(entries).toHaveLength(1);
      expect(entries[0]?.content['#text']).toBe(TEXT);
      expect(entries[0]?.title['#text']).toBe(TEXT);
      const alternate = entries[0]?.link.find((link) => link['@_rel'] === 'alternate');
      expect(published.endsWith(alternate?.['@_href'] ?? '(no alternate link)')).toBe(true);

      // The feed is a view of the database: no file of it is written.
      expect(existsSync(join(dataDir, 'feeds'))).toBe(false);

      expect(existsSync(join(dataDir, 'araldo.lock'))).toBe(true);
      araldo.kill('SIGTERM');
      const exit = await araldo.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(existsSync(join(dataDir, 'araldo.lock'))).toBe(false);
      expect(hasStackTrace(araldo.stderr)).toBe(false);
    },
  );

  it("ignores the author's own approval and publishes nothing", CHILD_TEST, async () => {
    const araldo = startAraldoProcess({ dataDir });
    araldo.write(`/propose to:sito ${TEXT}`);
    araldo.write('/as editor');
    araldo.write('/react 1 ✅');
    // Lines are handled in order: once /status answers, the reaction is done.
    araldo.write('/status 1');
    araldo.endInput();
    const port = await araldo.port();

    await araldo.waitForLine(thread(1, IT['reaction.self_approval']({ name: 'editor' })));
    await araldo.waitForLine((line) => line === `[only you] #1 — ${IT['state.pending']()}`);

    expect(araldo.stdout.filter((line) => line.includes('Pubblicata su'))).toEqual([]);
    expect(araldo.stdout.filter((line) => line.includes('Approvata da'))).toEqual([]);
    expect(await entriesServedBy(port)).toEqual([]);
  });

  it(
    'publishes a post that fell due while Araldo was killed, exactly once, after a restart',
    RESTART_TEST,
    async () => {
      // The child's clock starts at CHILD_CLOCK_START: the post is due an hour
      // later, and the second Araldo starts two hours later, with no waiting.
      const start = new Date(CHILD_CLOCK_START);
      const first = startAraldoProcess({ dataDir });
      await first.port();
      const at = new Date(start.getTime() + HOUR);
      first.write(`/propose to:sito at:${at.toISOString()} ${TEXT}`);
      first.write('/as supervisor');
      first.write('/react 1 ✅');
      const when = formatLocalTime(at, 'Europe/Rome', 'it');
      await first.waitForLine(thread(1, IT['schedule.at']({ when })));

      first.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(first.stdout.filter((line) => line.includes('Pubblicata su'))).toEqual([]);
      // The dead process's lock is still there: the restart must take it over.
      expect(readFileSync(join(dataDir, 'araldo.lock'), 'utf8').split('\n')[0]).toBe(String(first.pid));

      const second = startAraldoProcess({
        dataDir,
        clockStart: new Date(start.getTime() + 2 * HOUR).toISOString(),
      });
      const port = await second.port();
      const published = await second.waitForLine(
        thread(1, IT['publish.published']({ target: SITE, url: `http://localhost:${port}/feeds/sito.xml` })),
      );
      // The status answer comes after the start-up round has finished.
      second.write('/status 1');
      await second.waitForLine((line) => line === `[only you] #1 — ${IT['state.published']()}`);

      expect(second.stdout.filter((line) => line.includes('Pubblicata su'))).toEqual([published]);
      // Exactly one entry, served by the second process from the database.
      const entries = await entriesServedBy(port);
      expect(entries).toHaveLength(1);
      expect(entries[0]?.content['#text']).toBe(TEXT);
      const alternate = entries[0]?.link.find((link) => link['@_rel'] === 'alternate');
      expect(published.endsWith(alternate?.['@_href'] ?? '(no alternate link)')).toBe(true);
      expect(existsSync(join(dataDir, 'feeds'))).toBe(false);
      expect(readFileSync(join(dataDir, 'araldo.lock'), 'utf8').split('\n')[0]).toBe(String(second.pid));

      second.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    },
  );

  it(
    'refuses a second Araldo on the same data directory with words, not a stack trace',
    CHILD_TEST,
    async () => {
      const first = startAraldoProcess({ dataDir });
      const port = await first.port();

      const second = startAraldoProcess({ dataDir });
      const exit = await second.exited;

      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      const message = second.stderr.join('\n');
      expect(message).toContain('Another Araldo');
      expect(message).toContain(`pid ${first.pid}`);
      expect(hasStackTrace(second.stderr)).toBe(false);
      expect(second.stdout).toEqual([]);

      // The first one is untouched: still serving, still holding the lock.
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      await health.arrayBuffer();
      expect(first.exit).toBeUndefined();
      expect(readFileSync(join(dataDir, 'araldo.lock'), 'utf8').split('\n')[0]).toBe(String(first.pid));
    },
  );

  it('exits with code 2 and names every bad field of the configuration file', CHILD_TEST, async () => {
    const configPath = join(dataDir, 'araldo.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        teams: [
          { id: 'social', chat: 'shell', channel: 'social', timeZone: 'Rome', approvers: ['supervisor'] },
        ],
        targets: [{ id: 'comune-space', network: 'myspace' }],
      }),
    );
    const araldo = startAraldoProcess({ dataDir, env: { ARALDO_CONFIG: configPath } });
    const exit = await araldo.exited;

    expect(exit).toEqual({ code: 2, signal: null });
    const message = araldo.stderr.join('\n');
    expect(message).toContain('teams[0].timeZone');
    expect(message).toContain('targets[0].network');
    expect(message).toContain('Europe/Rome');
    expect(hasStackTrace(araldo.stderr)).toBe(false);
    // Nothing was started: no lock, no database.
    expect(existsSync(join(dataDir, 'araldo.lock'))).toBe(false);
    expect(existsSync(join(dataDir, 'pglite'))).toBe(false);
  });

  describe("the day's digest, by the child's clock", () => {
    const isDigestTitle = (line: string) => line.startsWith('[#social] ☀️ Riepilogo di ');

    /** resolves once every line typed so far has been handled */
    async function settle(araldo: AraldoProcess): Promise<void> {
      const mark = araldo.stdout.length;
      araldo.write('/status 999');
      await araldo.waitForLine((line, index) => index >= mark && line.startsWith('[only you] '));
    }

    it(
      'posts the digest once in #social when started on a weekday after 08:30, and not again after a restart',
      RESTART_TEST,
      async () => {
        // Wednesday 2 December 2026, 11:00 in Rome.
        const first = startAraldoProcess({ dataDir, clockStart: '2026-12-02T11:00:00+01:00' });
        await first.waitForLine(isDigestTitle);
        await settle(first);
        expect(first.stdout.filter(isDigestTitle)).toEqual([
          `[#social] ${IT['digest.title']({ date: 'mercoledì 2 dicembre' })}`,
        ]);
        first.kill('SIGTERM');
        expect((await first.exited).code).toBe(0);

        const second = startAraldoProcess({ dataDir, clockStart: '2026-12-02T12:00:00+01:00' });
        await second.port();
        await settle(second);
        expect(second.stdout.filter(isDigestTitle)).toEqual([]);
      },
    );

    it('posts no digest when started on a Saturday', CHILD_TEST, async () => {
      // Saturday 5 December 2026, 11:00 in Rome: the default digest days are mon-fri.
      const araldo = startAraldoProcess({ dataDir, clockStart: '2026-12-05T11:00:00+01:00' });
      await araldo.port();
      await settle(araldo);
      expect(araldo.stdout.filter((line) => !line.startsWith('[only you] '))).toEqual([]);
    });

    it('posts no digest before its time on a weekday', CHILD_TEST, async () => {
      const araldo = startAraldoProcess({ dataDir, clockStart: '2026-12-02T08:29:00+01:00' });
      await araldo.port();
      await settle(araldo);
      expect(araldo.stdout.filter(isDigestTitle)).toEqual([]);
    });
  });

  describe('bad input', () => {
    /** types `line` and resolves with the `[only you]` lines that answer it */
    async function answerTo(araldo: AraldoProcess, line: string): Promise<string> {
      const mark = araldo.stdout.length;
      araldo.write(line);
      return araldo.waitForLine((out, index) => index >= mark && out.startsWith('[only you] '));
    }

    it('answers unknown commands and malformed ones privately and keeps running', CHILD_TEST, async () => {
      const araldo = startAraldoProcess({ dataDir });
      const port = await araldo.port();

      expect(await answerTo(araldo, '/frobnicate')).toBe(
        `[only you] ${IT['command.unknown']({ name: 'frobnicate' })}`,
      );
      expect(await answerTo(araldo, '/react abc ✅')).toBe('[only you] Uso: /react ID EMOJI');
      expect(await answerTo(araldo, '/propose')).toBe(`[only you] ${IT['propose.empty']()}`);
      expect(await answerTo(araldo, '/propose to:sito    ')).toBe(`[only you] ${IT['propose.empty']()}`);
      expect(await answerTo(araldo, '/status 999')).toBe(
        `[only you] ${IT['command.no_such_post']({ number: 999 })}`,
      );
      expect(await answerTo(araldo, '/status abc')).toBe(
        `[only you] ${IT['command.not_a_number']({ given: 'abc' })}`,
      );

      // Nothing of the above reached the channel or the feed.
      expect(araldo.stdout.filter((line) => !line.startsWith('[only you] '))).toEqual([]);
      expect(await entriesServedBy(port)).toEqual([]);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      await health.arrayBuffer();
      expect(araldo.exit).toBeUndefined();
      expect(hasStackTrace(araldo.stderr)).toBe(false);
    });

    it('answers a line of emoji privately and keeps running', CHILD_TEST, async () => {
      const araldo = startAraldoProcess({ dataDir });
      await araldo.port();

      const mark = araldo.stdout.length;
      araldo.write('😀🎉🙈👍🏽🇮🇹');
      // Lines are handled in order: the answer to the next command marks the
      // point by which the emoji line has had its answer, if any.
      araldo.write('/frobnicate');
      const next = `[only you] ${IT['command.unknown']({ name: 'frobnicate' })}`;
      await araldo.waitForLine((line, index) => index >= mark && line === next);

      const answers = araldo.stdout.slice(mark, araldo.stdout.lastIndexOf(next));
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatch(/^\[only you\] .*\/araldo aiuto/);
      expect(araldo.exit).toBeUndefined();
    });

    it('refuses a NUL in a post with the character and where, and stores nothing', CHILD_TEST, async () => {
      const araldo = startAraldoProcess({ dataDir });
      await araldo.port();

      expect(await answerTo(araldo, '/propose to:sito ciao\u0000mondo')).toBe(
        `[only you] ${IT['text.control_character']({ character: 'U+0000 (NUL)', position: 22, context: '…to:sito ciao[U+0000]mondo', others: 0 })}`,
      );
      // The next proposal is #1: the refused one was never stored.
      expect(await answerTo(araldo, '/propose to:sito ciao mondo')).toBe(
        `[only you] ${IT['propose.created']({ number: 1 })}`,
      );
      expect(await answerTo(araldo, '/reply 1 va\u0007bene')).toContain('U+0007 (BEL)');
      expect(araldo.stdout.some((line) => line.includes(IT['command.failed']()))).toBe(false);
      expect(araldo.exit).toBeUndefined();
      expect(hasStackTrace(araldo.stderr)).toBe(false);
    });

    it('answers Slack short names, check marks and any other emoji in /react', CHILD_TEST, async () => {
      const araldo = startAraldoProcess({ dataDir });
      await araldo.port();
      await answerTo(araldo, `/propose to:sito ${TEXT}`);
      const applied = (emoji: string) =>
        `[only you] ${SHELL_IT['shell.reaction_applied']({ emoji, action: 'approvazione', number: 1, added: true })}`;

      expect(await answerTo(araldo, '/react 1 :white_check_mark:')).toBe(applied(':white_check_mark:'));
      expect(await answerTo(araldo, '/react 1 ✔️')).toBe(applied('✔️'));
      const other = await answerTo(araldo, '/react 1 👍');
      expect(other).toMatch(
        /^\[only you\] Reazione aggiunta, ma 👍 non conta per decidere\. Contano: ✅ approva/,
      );
      expect(other).toContain(':white_check_mark:');
      expect(await answerTo(araldo, '/unreact 1 🎉')).toMatch(
        /^\[only you\] Reazione tolta, ma 🎉 non conta/,
      );

      expect(await answerTo(araldo, '/as supervisor')).toBe(
        `[only you] ${SHELL_IT['shell.switched']({ name: 'supervisor' })}`,
      );
      const approved = await answerTo(araldo, '/react 1 :heavy_check_mark:');
      expect(approved).toBe(applied(':heavy_check_mark:'));
      await araldo.waitForLine(thread(1, IT['reaction.approved']({ name: 'supervisor', have: 1, need: 1 })));
    });

    it('quotes a 100 KB line back as a short excerpt', CHILD_TEST, async () => {
      const araldo = startAraldoProcess({ dataDir });
      await araldo.port();
      const huge = 'x'.repeat(100_000);

      for (const line of [`/frobnicate${huge}`, `/status ${huge}`, `/propose to:${huge} Testo.`]) {
        const answer = await answerTo(araldo, line);
        expect(answer.length).toBeLessThan(400);
        expect(answer).toContain('x…');
      }
      expect(araldo.exit).toBeUndefined();
    });
  });
});
