import { t } from './i18n/translate.ts';
import type { Language } from './language.ts';

/** The short help of every command, with examples, in the team's language (from the catalog). */
export function helpText(language: Language): string {
  return t(language, 'help.text');
}
