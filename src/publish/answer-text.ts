// A network's answer as the team may read it: networks' bodies are parsed
// leniently and their words shown in chat on one line, cut to a bound.

/** The most of a network's own words shown in chat. */
const MAX_REASON_LENGTH = 300;

/** The JSON of a body; undefined when it is empty or no JSON (an HTML error page). */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One line of printable text, at most 300 characters; undefined when nothing is left. */
export function oneLine(text: string): string | undefined {
  const line = text
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (line === '') return undefined;
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH - 1)}…` : line;
}
