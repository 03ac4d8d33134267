import { chatTranslator } from '../../chat-catalog.ts';
import { en } from './en.ts';
import { it } from './it.ts';

/** The shell's catalogs by language, for completeness checks. */
export const SHELL_CATALOGS = { it, en } as const;

/** The shell's messages: its own words, then the core's. */
export const t = chatTranslator(SHELL_CATALOGS);
