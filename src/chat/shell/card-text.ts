import type { Card } from '../../core/card.ts';
import { t } from '../../core/i18n/translate.ts';

/** The card as plain text lines, as the shell shows it (a terminal has no rich layout). */
export function renderCardText(card: Card): string[] {
  const l = card.language;
  const meters = card.targets.map((target) => {
    const meter =
      target.limit === undefined
        ? `${target.used}, ${t(l, 'card.nolimit')}`
        : `${target.used}/${target.limit}`;
    const alt = target.altTextDropped ? ` (${t(l, 'card.alt_dropped')})` : '';
    return `  • ${target.displayName} (${target.id}) ${meter}${alt}${target.url ? ` → ${target.url}` : ''}`;
  });
  return [
    t(l, 'card.title', { number: card.postNumber, urgent: card.urgent }),
    ...card.text.split('\n').map((line) => `  ${line}`),
    ...card.images.map((image) => t(l, 'card.image', image)),
    t(l, 'card.targets'),
    ...meters,
    card.when === undefined ? t(l, 'card.when.asap') : t(l, 'card.when.at', { when: card.when }),
    t(l, 'card.author', { name: card.author.name }),
    t(l, 'card.status', { status: t(l, `state.${card.state}`) }),
    t(l, 'card.approvals', {
      have: card.approvals.have,
      need: card.approvals.need,
      by: card.approvals.by.join(', '),
    }),
    t(l, 'card.howto', { number: card.postNumber }),
  ];
}

/** The card's title, status and approvals in one line, for in-place updates where redrawing is impossible. */
export function renderCardSummary(card: Card): string {
  const l = card.language;
  return [
    t(l, 'card.title', { number: card.postNumber, urgent: card.urgent }),
    t(l, 'card.status', { status: t(l, `state.${card.state}`) }),
    t(l, 'card.approvals', {
      have: card.approvals.have,
      need: card.approvals.need,
      by: card.approvals.by.join(', '),
    }),
  ].join(' · ');
}
