import type { MessageKey } from '../core/i18n/it.ts';
import { t as coreT, type MessageArgs } from '../core/i18n/translate.ts';
import type { Language } from '../core/language.ts';

/**
 * A chat adapter's own messages in one language: the words of its widgets
 * (forms, buttons, usage lines), functions of their parameters as in the
 * core's catalogs. Its keys are never the core's.
 */
export type ChatMessages = Readonly<Record<string, (p: never) => string>>;

/** The arguments after an adapter's key: none for messages without parameters. */
export type ChatMessageArgs<C extends ChatMessages, K extends keyof C> = Parameters<C[K]>[0] extends undefined
  ? []
  : [Parameters<C[K]>[0]];

/**
 * `t` of an adapter: the message `key` in `language`, from the adapter's
 * catalog for its own keys and from the core's for the rest (card,
 * command and review messages).
 */
export type ChatTranslate<C extends ChatMessages> = <K extends (keyof C & string) | MessageKey>(
  language: Language,
  key: K,
  ...args: K extends keyof C ? ChatMessageArgs<C, K> : K extends MessageKey ? MessageArgs<K> : never
) => string;

/** The adapter's `t` over its catalogs (one per language, same keys) and the core's. */
export function chatTranslator<C extends ChatMessages>(
  catalogs: Readonly<Record<Language, C>>,
): ChatTranslate<C> {
  const translate = (language: Language, key: string, ...args: unknown[]): string => {
    const own = catalogs[language];
    if (Object.hasOwn(own, key)) return (own[key] as (p: unknown) => string)(args[0]);
    return (coreT as (language: Language, key: string, ...rest: unknown[]) => string)(language, key, ...args);
  };
  return translate as ChatTranslate<C>;
}
