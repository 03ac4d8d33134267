import { t } from './i18n/translate.ts';
import type { Language } from './language.ts';
import { err, ok, type Result } from './result.ts';

/**
 * A control character found in a person's text: which one, where, and the
 * text around it as it can be shown back.
 */
export interface ControlCharacterFound {
  readonly code: 'control_character';
  /** the Unicode code point of the first control character, e.g. 0 for NUL */
  readonly codePoint: number;
  /** its 1-based position in the text, counted in code points */
  readonly position: number;
  /** a few characters either side, on one line, control characters written as [U+XXXX] */
  readonly context: string;
  /** how many control characters the text holds in all (at least 1) */
  readonly count: number;
}

/** Why a text from a person cannot be stored. */
export type TextProblem = ControlCharacterFound;

// The ASCII names of the C0 controls and DEL; C1 controls have no common short names.
const C0_NAMES = [
  'NUL',
  'SOH',
  'STX',
  'ETX',
  'EOT',
  'ENQ',
  'ACK',
  'BEL',
  'BS',
  'HT',
  'LF',
  'VT',
  'FF',
  'CR',
  'SO',
  'SI',
  'DLE',
  'DC1',
  'DC2',
  'DC3',
  'DC4',
  'NAK',
  'SYN',
  'ETB',
  'CAN',
  'EM',
  'SUB',
  'ESC',
  'FS',
  'GS',
  'RS',
  'US',
] as const;
/** code points shown either side of the control character in `context` */
const CONTEXT_CHARS = 12;

/**
 * Whether a code point is refused in people's text: every Unicode control
 * character (general category Cc: C0 U+0000–U+001F, DEL U+007F, C1
 * U+0080–U+009F) except line feed and tab, which posts legitimately hold.
 * Carriage return is refused too: chats send line breaks as LF, and a CR
 * mid-text only garbles how the post shows.
 */
export function isRefusedControl(codePoint: number): boolean {
  if (codePoint === 0x09 || codePoint === 0x0a) return false;
  return codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f);
}

/** A code point in Unicode's notation: `U+0000`. */
function unicodeNotation(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A code point as people can read it: `U+0000 (NUL)`, `U+0085`. */
export function formatCodePoint(codePoint: number): string {
  const hex = unicodeNotation(codePoint);
  const name = codePoint === 0x7f ? 'DEL' : C0_NAMES[codePoint];
  return name ? `${hex} (${name})` : hex;
}

/**
 * A text made safe to show on one line: line breaks and tabs become
 * spaces, refused control characters become `[U+XXXX]`.
 */
export function showControls(text: string): string {
  let shown = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint === 0x09 || codePoint === 0x0a) shown += ' ';
    else if (isRefusedControl(codePoint)) shown += `[${unicodeNotation(codePoint)}]`;
    else shown += char;
  }
  return shown;
}

/**
 * Checks a text that came from a person before anything stores it: refused
 * when it holds a control character other than line feed and tab (a NUL
 * cannot even be stored by PostgreSQL). Pure; the text is returned as is.
 */
export function checkText(text: string): Result<string, TextProblem> {
  const chars = Array.from(text);
  let first = -1;
  let count = 0;
  for (let i = 0; i < chars.length; i++) {
    if (!isRefusedControl(chars[i]?.codePointAt(0) ?? 0)) continue;
    if (first === -1) first = i;
    count += 1;
  }
  if (first === -1) return ok(text);
  const from = Math.max(0, first - CONTEXT_CHARS);
  const to = Math.min(chars.length, first + 1 + CONTEXT_CHARS);
  const context = `${from > 0 ? '…' : ''}${showControls(chars.slice(from, to).join(''))}${to < chars.length ? '…' : ''}`;
  return err({
    code: 'control_character',
    codePoint: chars[first]?.codePointAt(0) ?? 0,
    position: first + 1,
    context,
    count,
  });
}

/** The first problem among several texts (form fields), or undefined when all pass. */
export function checkTexts(texts: readonly string[]): TextProblem | undefined {
  for (const text of texts) {
    const checked = checkText(text);
    if (!checked.ok) return checked.error;
  }
  return undefined;
}

/** A text problem in words, in `language`, saying which character, where, and what to do. */
export function describeTextProblem(language: Language, problem: TextProblem): string {
  return t(language, 'text.control_character', {
    character: formatCodePoint(problem.codePoint),
    position: problem.position,
    context: problem.context,
    others: problem.count - 1,
  });
}
