/** The first line of a text, cut to `max` characters (whole code points) with an ellipsis. */
export function excerpt(text: string, max = 60): string {
  const line = (text.trim().split('\n')[0] ?? '').trim();
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}
