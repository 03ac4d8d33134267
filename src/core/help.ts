import type { Language } from './language.ts';

const HELP: Readonly<Record<Language, string>> = {
  it: [
    'Comandi di Araldo:',
    '  /propose to:sito at:"domani alle 9" Testo — propone un post (le opzioni vanno prima del testo)',
    '      opzioni: to:ID,ID  at:QUANDO  urgent (subito, basta un supervisore)  img:URL|"testo alternativo"',
    '  /queue — le pubblicazioni dei prossimi 7 giorni',
    '  /status 12 — stato della proposta #12 e di ogni pubblicazione',
    '  /edit 12 Nuovo testo — cambia il testo (serve una nuova approvazione)',
    '  /reschedule 12 lunedì prossimo alle 18:30 — cambia l’orario',
    '  /cancel 12 — annulla la proposta',
    '  /retry 12 — ripete le pubblicazioni fallite',
    '  /audit 12 — la storia completa della proposta',
    '  /digest — il riepilogo di oggi',
    'Reazioni sulla scheda: ✅ approva, ❌ rifiuta, ✏️ chiedi modifiche; togliere ✅ ritira l’approvazione.',
    'Orari: "domani alle 9", "lunedì prossimo alle 18:30", "1 dicembre 9:00", "tra 2 ore", "2026-12-01T09:00+01:00".',
  ].join('\n'),
  en: [
    'Araldo commands:',
    '  /propose to:sito at:"tomorrow 9am" Text — proposes a post (options go before the text)',
    '      options: to:ID,ID  at:WHEN  urgent (at once, one approver is enough)  img:URL|"alt text"',
    '  /queue — publications of the next 7 days',
    '  /status 12 — status of proposal #12 and of each publication',
    '  /edit 12 New text — changes the text (it needs a new approval)',
    '  /reschedule 12 next monday at 18:30 — changes the time',
    '  /cancel 12 — cancels the proposal',
    '  /retry 12 — retries failed publications',
    '  /audit 12 — the whole history of the proposal',
    '  /digest — today’s digest',
    'Reactions on the card: ✅ approve, ❌ reject, ✏️ request changes; removing ✅ withdraws the approval.',
    'Times: "tomorrow 9am", "next monday at 18:30", "december 1 9:00", "in 2 hours", "2026-12-01T09:00+01:00".',
  ].join('\n'),
};

/** The short help of every command, with examples, in the team's language. */
export function helpText(language: Language): string {
  return HELP[language];
}
