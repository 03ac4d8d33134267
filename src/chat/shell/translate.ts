import type { Card } from '../../core/card.ts';
import type { OutMessage } from '../../core/ports.ts';
import {
  fromReviewEmoji,
  REVIEW_EMOJI,
  type ReviewAction,
  type ReviewReactionsShown,
} from '../../core/review-action.ts';
import { bareReactionName, fromShortName, REVIEW_SHORT_NAMES, showShortName } from '../review-short-names.ts';
import { renderCardSummary, renderCardText } from './card-text.ts';

/** What one line typed in the shell asks for. */
export type ShellInput =
  | { readonly kind: 'blank' }
  | { readonly kind: 'as'; readonly name: string }
  | { readonly kind: 'react'; readonly number: number; readonly emoji: string; readonly added: boolean }
  | { readonly kind: 'reply'; readonly number: number; readonly text: string }
  | { readonly kind: 'command'; readonly line: string }
  | { readonly kind: 'message'; readonly text: string }
  | { readonly kind: 'usage'; readonly usage: string };

const USAGE = {
  as: '/as NOME',
  react: '/react ID EMOJI',
  unreact: '/unreact ID EMOJI',
  reply: '/reply ID TESTO',
} as const;

function postNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^#?\d{1,9}$/.test(value)) return undefined;
  return Number.parseInt(value.replace('#', ''), 10);
}

/**
 * Reads one shell line: the shell's own commands (`/as`, `/react`,
 * `/unreact`, `/reply`), any other slash command for the desk, or a plain
 * message in the channel.
 */
export function fromShellLine(line: string): ShellInput {
  const trimmed = line.replace(/\r$/, '').trim();
  if (trimmed === '') return { kind: 'blank' };
  const match = /^\/(as|react|unreact|reply)(?:\s+([\s\S]*))?$/i.exec(trimmed);
  if (!match)
    return trimmed.startsWith('/') ? { kind: 'command', line: trimmed } : { kind: 'message', text: trimmed };
  const name = (match[1] ?? '').toLowerCase() as keyof typeof USAGE;
  const rest = (match[2] ?? '').trim();
  const [first, ...others] = rest.split(/\s+/);
  switch (name) {
    case 'as':
      return /^[\p{L}\p{N}._-]{1,64}$/u.test(rest)
        ? { kind: 'as', name: rest }
        : { kind: 'usage', usage: USAGE.as };
    case 'react':
    case 'unreact': {
      const number = postNumber(first);
      const emoji = others.join(' ').trim();
      if (number === undefined || emoji === '') return { kind: 'usage', usage: USAGE[name] };
      return { kind: 'react', number, emoji, added: name === 'react' };
    }
    case 'reply': {
      const number = postNumber(first);
      const text = rest.slice((first ?? '').length).trim();
      if (number === undefined || text === '') return { kind: 'usage', usage: USAGE.reply };
      return { kind: 'reply', number, text };
    }
  }
}

/**
 * The review action an emoji typed after `/react` stands for, or undefined
 * for any other. People type the emoji (with or without the variation
 * selector U+FE0F) or, used to Slack, its short name with or without
 * colons (`/react 1 ✅`, `/react 1 :white_check_mark:`, `/react 1 x`).
 */
export function fromShellEmoji(typed: string): ReviewAction | undefined {
  return fromReviewEmoji(bareReactionName(typed)) ?? fromShortName(typed);
}

/** The reactions that count in the shell, as the answer to any other lists them: emoji, then short names. */
export const SHELL_REVIEW_REACTIONS: ReviewReactionsShown = {
  approve: [...REVIEW_EMOJI.approve, ...REVIEW_SHORT_NAMES.approve.map(showShortName)],
  reject: [...REVIEW_EMOJI.reject, ...REVIEW_SHORT_NAMES.reject.map(showShortName)],
  request_changes: [
    ...REVIEW_EMOJI.request_changes,
    ...REVIEW_SHORT_NAMES.request_changes.map(showShortName),
  ],
};

/** Prefixes every line of a multi-line text, so each output line says where it is. */
export function prefixLines(prefix: string, text: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix} ${line}`)
    .join('\n');
}

/** The text of a bot message, with its mentions first, as the shell shows it. */
export function toShellText(message: OutMessage): string {
  const mentions = (message.mentions ?? []).map((id) => `@${id}`).join(' ');
  return mentions ? `${mentions} ${message.text}` : message.text;
}

/** The card as shell lines. */
export function toShellCard(card: Card): string {
  return renderCardText(card).join('\n');
}

/** The card's state in one line, for updates. */
export function toShellCardSummary(card: Card): string {
  return renderCardSummary(card);
}
