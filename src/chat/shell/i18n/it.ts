/**
 * The shell's own words in Italian (its usage lines and answers to the
 * typist), the reference for every key; the rest comes from the core's catalog.
 */
export const it = {
  'shell.switched': (p: { name: string }) => `Ora scrivi come ${p.name}.`,
  'shell.usage': (p: { usage: string }) => `Uso: ${p.usage}`,
  'shell.plain_message': () =>
    "Messaggio scritto nel canale. I comandi iniziano con /: scrivi /araldo aiuto per l'elenco.",
  'shell.internal_error': () => 'Errore interno: la riga non è stata elaborata. Riprova.',
  'shell.reaction_applied': (p: { emoji: string; action: string; number: number; added: boolean }) =>
    p.added
      ? `Hai reagito con ${p.emoji} (${p.action}) alla proposta #${p.number}.`
      : `Hai tolto ${p.emoji} (${p.action}) dalla proposta #${p.number}.`,
  'review.approve': () => 'approvazione',
  'review.reject': () => 'rifiuto',
  'review.request_changes': () => 'richiesta di modifiche',
} as const;
