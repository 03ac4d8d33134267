import { showControls } from './text-check.ts';

/** The first line of a text, cut to `max` characters (whole code points) with an ellipsis. */
export function excerpt(text: string, max = 60): string {
  const line = (text.trim().split('\n')[0] ?? '').trim();
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}

/** How much of a person's input a reply quotes back, in characters (graphemes). */
export const QUOTE_MAX = 60;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** UTF-16 units a quote may hold per grapheme: an emoji sequence fits, a pile of combining marks does not. */
const UNITS_PER_GRAPHEME = 8;

/**
 * A person's input as a reply may quote it back (an unknown command, an
 * unreadable time, a target that does not exist): trimmed, on one line,
 * control characters written as `[U+XXXX]`, and cut after `max` graphemes
 * (never inside an emoji) with an ellipsis. A quote never holds more than
 * `max * 8` UTF-16 units before the markers, however the input is made:
 * a 100 KB line, or one letter under 100 KB of combining marks, is quoted short.
 */
export function quoted(input: string, max = QUOTE_MAX): string {
  const text = input.trim();
  const budget = max * UNITS_PER_GRAPHEME;
  let kept = '';
  let count = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (count === max) return `${showControls(kept).trimEnd()}…`;
    if (kept.length + segment.length > budget) {
      let rest = budget - kept.length;
      for (const char of segment) {
        if (char.length > rest) break;
        kept += char;
        rest -= char.length;
      }
      return `${showControls(kept).trimEnd()}…`;
    }
    kept += segment;
    count += 1;
  }
  return showControls(kept);
}
