import { describe, expect, it } from 'vitest';
import { toHomeView } from '../../src/chat/slack/home-view.ts';
import type { TeamOverview } from '../../src/core/overview.ts';
import { blockTexts } from '../support/block-texts.ts';

function overview(teamId: string, parts: Partial<TeamOverview> = {}): TeamOverview {
  return {
    teamId,
    channel: 'C0SOCIAL',
    language: 'it',
    timeZone: 'Europe/Rome',
    drawnAt: 'lunedì 23 novembre 2026, 09:00 (Europe/Rome, CET)',
    days: [],
    waiting: [],
    failures: [],
    ...parts,
  };
}

/** Every text of the view's blocks, one string. */
function textOf(view: Record<string, unknown>): string {
  return blockTexts(view.blocks).join('\n');
}

describe('the Slack Home tab', () => {
  it('lists failures with the card’s link and how to retry, escaping what people wrote', () => {
    const view = toHomeView(
      [
        overview('comunicazione', {
          failures: [
            {
              number: 4,
              target: 'Canale <allerte> & avvisi',
              reason: 'il social ha rifiutato il contenuto',
              cardLink: 'https://comune.slack.com/archives/C1/p1?a=1&b=2',
            },
            { number: 5, target: 'Sito', reason: 'esito da verificare', cardLink: undefined },
          ],
        }),
      ],
      'it',
    );
    expect(view.type).toBe('home');
    const text = textOf(view);
    expect(text).toContain('*Da sistemare*');
    expect(text).toContain(
      '<https://comune.slack.com/archives/C1/p1?a=1&amp;b=2|#4> su Canale &lt;allerte&gt; &amp; avvisi: il social ha rifiutato il contenuto (/araldo riprova 4)',
    );
    expect(text).toContain('#5 su Sito: esito da verificare (/araldo riprova 5)');
    expect(text).toContain('Nessuna proposta in attesa.');
  });

  it('counts what it leaves out of a long list and never passes Slack’s 100 blocks', () => {
    const waiting = Array.from({ length: 45 }, (_, i) => ({
      number: i + 1,
      author: 'Giulia',
      age: '2 giorni',
      excerpt: `Avviso ${i + 1}`,
      changesRequested: i === 0,
      cardLink: undefined,
    }));
    const one = textOf(toHomeView([overview('comunicazione', { waiting })], 'it'));
    expect(one).toContain('#1 di Giulia, in attesa da 2 giorni (modifiche richieste): Avviso 1');
    expect(one).toContain('#40 di Giulia');
    expect(one).not.toContain('#41 di Giulia');
    expect(one).toContain('… e altre ancora');
    const many = toHomeView(
      Array.from({ length: 20 }, (_, i) => overview(`team-${i}`, { waiting })),
      'it',
    );
    expect((many.blocks as unknown[]).length).toBeLessThanOrEqual(100);
    // Whole teams only: each header present comes with its own parts.
    const headers = (many.blocks as { type: string }[]).filter((block) => block.type === 'header');
    expect(headers.length).toBeGreaterThan(1);
    expect(textOf(many)).toContain('Araldo · team-0');
    expect(textOf(many)).toMatch(/Altri \d+ gruppi non ci stanno/);
    expect(textOf(toHomeView([], 'it'))).toContain('non ne segui nessuno');
  });
});
