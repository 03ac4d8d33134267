import type { Language } from '../language.ts';
import { en } from './en.ts';
import { it, type MessageKey, type MessageParams } from './it.ts';

const CATALOGS = { it, en } as const;

/** The catalogs by language, for completeness checks. */
export function catalogs(): Readonly<Record<Language, Readonly<Record<string, unknown>>>> {
  return CATALOGS;
}

/** The arguments after the key: none for messages without parameters. */
export type MessageArgs<K extends MessageKey> = MessageParams<K> extends undefined ? [] : [MessageParams<K>];

/** The message `key` in `language`, filled with its parameters. */
export function t<K extends MessageKey>(language: Language, key: K, ...args: MessageArgs<K>): string {
  const message = CATALOGS[language][key] as (p: MessageParams<K> | undefined) => string;
  return message(args[0]);
}

/** A translator bound to one language. */
export type Translate = <K extends MessageKey>(key: K, ...args: MessageArgs<K>) => string;

/** Binds `t` to a language. */
export function translatorFor(language: Language): Translate {
  return (key, ...args) => t(language, key, ...args);
}
