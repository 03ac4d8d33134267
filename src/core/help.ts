import type { Language } from './language.ts';

const HELP: Readonly<Record<Language, string>> = {
  it: [
    'Comandi di Araldo:',
    '  /propose to:sito at:"domani alle 9" Testo del post — propone un post (opzioni prima del testo)',
    '      altre opzioni: urgent (pubblica subito con una sola approvazione), img:URL|"testo alternativo"',
    '  /status 12 — stato della proposta #12',
    '  /help — questo aiuto',
    'Per decidere reagisci alla scheda: ✅ approva, ❌ rifiuta, ✏️ chiedi modifiche. Togliere ✅ ritira l’approvazione.',
    'Orari: "domani alle 9", "lunedì prossimo alle 18:30", "1 dicembre 9:00", "tra 2 ore", 2026-12-01T09:00+01:00.',
  ].join('\n'),
  en: [
    'Araldo commands:',
    '  /propose to:sito at:"tomorrow 9am" Text of the post — proposes a post (options before the text)',
    '      more options: urgent (publish at once with a single approval), img:URL|"alt text"',
    '  /status 12 — status of proposal #12',
    '  /help — this help',
    'To decide, react to the card: ✅ approve, ❌ reject, ✏️ request changes. Removing ✅ withdraws the approval.',
    'Times: "tomorrow 9am", "next monday at 18:30", "december 1 9:00", "in 2 hours", 2026-12-01T09:00+01:00.',
  ].join('\n'),
};

/** The short help of every command, with examples, in the team's language. */
export function helpText(language: Language): string {
  return HELP[language];
}
