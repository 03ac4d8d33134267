import type { Language } from '../../core/language.ts';
import type { TeamOverview } from '../../core/overview.ts';
import { t } from './i18n/translate.ts';
import { type Block, escapeMrkdwn, linkUrl, toSectionBlocks } from './translate.ts';

/** Slack's cap on a Home tab: 100 blocks. */
const HOME_BLOCKS_MAX = 100;
/** Lines listed per part of a team's overview; the rest are counted. */
const LINES_MAX = 40;

/** `#12`, linked to the card when the card's address is known. */
function numbered(number: number, cardLink: string | undefined): string {
  return cardLink && /^https?:\/\//i.test(cardLink) ? `<${linkUrl(cardLink)}|#${number}>` : `#${number}`;
}

/** At most LINES_MAX lines, then a line saying there are more (the lists read are capped too). */
function capped(language: Language, lines: readonly string[]): string[] {
  if (lines.length <= LINES_MAX) return [...lines];
  return [...lines.slice(0, LINES_MAX), escapeMrkdwn(t(language, 'overview.more'))];
}

/** One team's part of the Home tab: its next 7 days, what waits for a decision, what failed. */
function teamBlocks(overview: TeamOverview): Block[] {
  const l = overview.language;
  const heading = (key: 'overview.next_days' | 'overview.waiting' | 'overview.failures') =>
    `*${escapeMrkdwn(t(l, key))}*`;
  const planned = overview.days.flatMap((day) => [
    `_${escapeMrkdwn(day.label)}_`,
    ...day.items.map(
      (item) =>
        `${item.time}  ${item.urgent ? '🚨 ' : ''}${numbered(item.number, item.cardLink)} → ${escapeMrkdwn(item.target)}: ${escapeMrkdwn(item.excerpt)}`,
    ),
  ]);
  const waiting = overview.waiting.map(
    (post) =>
      `${numbered(post.number, post.cardLink)} ${escapeMrkdwn(
        t(l, 'overview.waiting_item', {
          author: post.author,
          age: post.age,
          excerpt: post.excerpt,
          changesRequested: post.changesRequested,
        }),
      )}`,
  );
  const failures = overview.failures.map(
    (failure) =>
      `${numbered(failure.number, failure.cardLink)} ${escapeMrkdwn(
        t(l, 'overview.failure_item', {
          number: failure.number,
          target: failure.target,
          reason: failure.reason,
        }),
      )}`,
  );
  const part = (title: string, lines: readonly string[], empty: string) =>
    toSectionBlocks([title, ...(lines.length > 0 ? capped(l, lines) : [escapeMrkdwn(empty)])].join('\n'));
  return [
    {
      type: 'header',
      text: { type: 'plain_text', text: t(l, 'overview.title', { team: overview.teamId }).slice(0, 150) },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: escapeMrkdwn(t(l, 'overview.drawn_at', { when: overview.drawnAt })),
        },
      ],
    },
    ...part(heading('overview.next_days'), planned, t(l, 'overview.nothing_planned')),
    { type: 'divider' },
    ...part(heading('overview.waiting'), waiting, t(l, 'overview.nothing_waiting')),
    { type: 'divider' },
    ...part(heading('overview.failures'), failures, t(l, 'overview.nothing_failing')),
  ];
}

/**
 * The Home tab of a person: the overview of each team they follow, one
 * after the other, within Slack's 100 blocks (a team that does not fit is
 * left out whole rather than cut in the middle).
 */
export function toHomeView(overviews: readonly TeamOverview[], language: Language): Record<string, unknown> {
  const blocks: Block[] = [];
  // One block kept for the line that says some teams did not fit.
  const room = HOME_BLOCKS_MAX - 1;
  let left = 0;
  for (const overview of overviews) {
    const own = [...(blocks.length > 0 ? [{ type: 'divider' }] : []), ...teamBlocks(overview)];
    if (left > 0 || blocks.length + own.length > room) {
      left += 1;
      continue;
    }
    blocks.push(...own);
  }
  const note = (text: string) => ({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: escapeMrkdwn(text) }],
  });
  if (left > 0) blocks.push(note(t(language, 'overview.teams_left_out', { n: left })));
  if (overviews.length === 0) blocks.push(note(t(language, 'overview.no_team')));
  return { type: 'home', blocks };
}
