import { err, ok, type Result } from './result.ts';

/** A slash command split into its name (lower case, no slash) and the rest. */
export interface ParsedCommand {
  readonly name: string;
  /** everything after the name, with its line breaks, trimmed */
  readonly rest: string;
}

/** Splits `/name rest`; undefined when the line is not a command. */
export function parseCommand(line: string): ParsedCommand | undefined {
  const match = /^\s*\/([\p{L}\p{N}_-]+)(?:\s+([\s\S]*))?$/u.exec(line);
  if (!match) return undefined;
  return { name: (match[1] ?? '').toLowerCase(), rest: (match[2] ?? '').trim() };
}

/**
 * The one command that holds all the others where command names are shared
 * with other apps (a platform may have `/status` built in, and `/queue` or
 * `/cancel` may belong to another app): `/araldo stato 12` is `/status 12`.
 */
export const UMBRELLA_COMMAND = 'araldo';

/** Each subcommand of `/araldo`, by its English name and its Italian alias, → the command it stands for. */
export const SUBCOMMANDS: Readonly<Record<string, string>> = {
  propose: 'propose',
  proponi: 'propose',
  status: 'status',
  stato: 'status',
  queue: 'queue',
  coda: 'queue',
  edit: 'edit',
  modifica: 'edit',
  reschedule: 'reschedule',
  riprogramma: 'reschedule',
  cancel: 'cancel',
  annulla: 'cancel',
  retry: 'retry',
  riprova: 'retry',
  audit: 'audit',
  registro: 'audit',
  digest: 'digest',
  riepilogo: 'digest',
  help: 'help',
  aiuto: 'help',
};

/** A command line read: the command it stands for, or an `/araldo` subcommand that does not exist. */
export type ResolvedCommand =
  | (ParsedCommand & { readonly kind: 'command' })
  | { readonly kind: 'unknown_subcommand'; readonly subcommand: string };

/**
 * Reads a command line in either form: `/status 12` or `/araldo stato 12`
 * (`/araldo` alone asks for help). Undefined when the line is not a command.
 */
export function resolveCommand(line: string): ResolvedCommand | undefined {
  const parsed = parseCommand(line);
  if (!parsed) return undefined;
  if (parsed.name !== UMBRELLA_COMMAND) return { kind: 'command', ...parsed };
  const match = /^(\S+)(?:\s+([\s\S]*))?$/u.exec(parsed.rest);
  if (!match) return { kind: 'command', name: 'help', rest: '' };
  const subcommand = (match[1] ?? '').toLowerCase();
  const name = Object.hasOwn(SUBCOMMANDS, subcommand) ? SUBCOMMANDS[subcommand] : undefined;
  if (name === undefined) return { kind: 'unknown_subcommand', subcommand: match[1] ?? '' };
  return { kind: 'command', name, rest: (match[2] ?? '').trim() };
}

/** An image option: `img:URL|alt text`. */
export interface ImageOption {
  readonly url: string;
  /** empty when the proposer gave none: refused later with a clear message */
  readonly alt: string;
}

/** The inline options and text of `/propose` (SPEC §3.1). */
export interface ProposeArgs {
  /** target ids from `to:a,b`; undefined when no `to:` was given */
  readonly targets: readonly string[] | undefined;
  /** the raw time expression of `at:` */
  readonly at: string | undefined;
  readonly urgent: boolean;
  readonly images: readonly ImageOption[];
  /** the post text, as typed, without the options */
  readonly text: string;
}

/** Why `/propose` options could not be read. */
export type GrammarError =
  | { readonly code: 'bad_option'; readonly option: string }
  | { readonly code: 'option_after_text'; readonly option: string };

interface Token {
  /** the token with its quotes removed */
  readonly value: string;
  /** the token as typed */
  readonly raw: string;
  readonly end: number;
}

// Straight and typographic quotes: phones and office suites turn " into “ ”.
const QUOTE_PAIRS: Readonly<Record<string, string>> = { '"': '"', '“': '”', '«': '»' };
const OPTION_PREFIX = /^(to|at|img):/i;
// A chat that names emoji by short name sends 🚨 typed in a slash command as `:rotating_light:`.
const URGENT_WORDS = new Set(['urgent', 'urgente', '🚨', ':rotating_light:']);

/** Reads one whitespace-separated token starting at `start`, honouring quotes. */
function readToken(input: string, start: number): Token | undefined {
  let i = start;
  while (i < input.length && /\s/.test(input[i] ?? '')) i++;
  if (i >= input.length) return undefined;
  const from = i;
  let value = '';
  let closing: string | undefined;
  while (i < input.length) {
    const ch = input[i] ?? '';
    if (closing !== undefined) {
      if (ch === closing) closing = undefined;
      else value += ch;
    } else if (/\s/.test(ch)) {
      break;
    } else if (QUOTE_PAIRS[ch] !== undefined) {
      closing = QUOTE_PAIRS[ch];
    } else {
      value += ch;
    }
    i++;
  }
  return { value, raw: input.slice(from, i), end: i };
}

/** Whether a token is a `/propose` option rather than the start of the text. */
function isOption(token: Token): boolean {
  return OPTION_PREFIX.test(token.value) || URGENT_WORDS.has(token.value.toLowerCase());
}

/**
 * Reads `/propose` arguments. Options come first, the rest is the text, so
 * a word like "urgente" inside a sentence never makes a post urgent; an
 * option-looking token after the text is refused with a hint instead of
 * being published by mistake. `img:` may be repeated.
 */
export function parseProposeArgs(input: string): Result<ProposeArgs, GrammarError> {
  let targets: string[] | undefined;
  let at: string | undefined;
  let urgent = false;
  const images: ImageOption[] = [];
  let position = 0;
  for (let token = readToken(input, 0); token && isOption(token); token = readToken(input, position)) {
    position = token.end;
    const prefix = OPTION_PREFIX.exec(token.value)?.[1]?.toLowerCase();
    const value = token.value.slice((prefix?.length ?? 0) + 1).trim();
    if (prefix === undefined) {
      urgent = true;
    } else if (prefix === 'to') {
      const ids = value
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '');
      if (ids.length === 0) return err({ code: 'bad_option', option: token.raw });
      targets = [...(targets ?? []), ...ids];
    } else if (prefix === 'at') {
      if (value === '' || at !== undefined) return err({ code: 'bad_option', option: token.raw });
      at = value;
    } else {
      const bar = value.indexOf('|');
      const url = (bar === -1 ? value : value.slice(0, bar)).trim();
      if (url === '') return err({ code: 'bad_option', option: token.raw });
      images.push({ url, alt: bar === -1 ? '' : value.slice(bar + 1).trim() });
    }
  }
  const text = input.slice(position).trim();
  for (let token = readToken(text, 0); token; token = readToken(text, token.end)) {
    if (OPTION_PREFIX.test(token.value) && token.value.length > 3) {
      return err({ code: 'option_after_text', option: token.raw });
    }
  }
  return ok({ targets: targets ? [...new Set(targets)] : undefined, at, urgent, images, text });
}
