/**
 * Slack's own words in Italian: the labels of its forms (modals), of the
 * card's buttons and of the Home tab, the reference for every key; the
 * rest comes from the core's catalog.
 */
export const it = {
  'overview.title': (p: { team: string }) => `Araldo · ${p.team}`,
  'overview.drawn_at': (p: { when: string }) => `Ultimo aggiornamento: ${p.when}`,
  'overview.next_days': () => 'Prossimi 7 giorni',
  'overview.nothing_planned': () => 'Nessuna pubblicazione in programma.',
  'overview.waiting': () => 'In attesa di decisione',
  'overview.nothing_waiting': () => 'Nessuna proposta in attesa.',
  'overview.waiting_item': (p: { author: string; age: string; excerpt: string; changesRequested: boolean }) =>
    `di ${p.author}, in attesa da ${p.age}${p.changesRequested ? ' (modifiche richieste)' : ''}: ${p.excerpt}`,
  'overview.failures': () => 'Da sistemare',
  'overview.nothing_failing': () => 'Nessuna pubblicazione da sistemare.',
  'overview.failure_item': (p: { number: number; target: string; reason: string }) =>
    `su ${p.target}: ${p.reason} (/araldo riprova ${p.number})`,
  'overview.more': () => '… e altre ancora: le trovi con /araldo coda e /araldo riepilogo.',
  'overview.teams_left_out': (p: { n: number }) =>
    `Altri ${p.n} gruppi non ci stanno in questa pagina: usa /araldo coda nei loro canali.`,
  'overview.no_team': () =>
    'Qui compaiono i gruppi di Araldo dei canali in cui sei: per ora non ne segui nessuno.',
  'button.approve': () => 'Approva',
  'button.request_changes': () => 'Chiedi modifiche',
  'button.reschedule': () => 'Riprogramma',
  'button.cancel': () => 'Annulla',
  'button.retry': () => 'Riprova',
  'button.cancel_confirm_title': () => 'Annullare la proposta?',
  'button.cancel_confirm_text': (p: { number: number }) =>
    `La proposta #${p.number} non sarà pubblicata. Le pubblicazioni già uscite restano online.`,
  'button.cancel_confirm_yes': () => 'Sì, annulla',
  'button.cancel_confirm_no': () => 'No',
  'modal.reschedule_title': (p: { number: number }) => `Riprogramma #${p.number}`,
  'modal.reschedule_or': () => 'Oppure scrivi quando',
  'modal.reschedule_or_hint': () =>
    'Per esempio: domani alle 9, lunedì prossimo alle 18:30. Se compili questo campo, giorno e ora sopra non contano.',
  'modal.reschedule_date': () => 'Giorno (vuoto: oggi)',
  'modal.close': () => 'Chiudi',
  'modal.reschedule_missing': () => 'Scegli il giorno e l’ora, oppure scrivi quando.',
  'modal.propose_title': () => 'Nuova proposta',
  'modal.edit_title': (p: { number: number }) => `Modifica #${p.number}`,
  'modal.edit_button': () => 'Modifica',
  'modal.submit': () => 'Invia',
  'modal.cancel': () => 'Annulla',
  'modal.text': () => 'Testo del post',
  'modal.targets': () => 'Dove pubblicare',
  'modal.date': () => 'Giorno (vuoto: appena approvata)',
  'modal.time': () => 'Ora',
  'modal.image_url': () => "Indirizzo dell'immagine",
  'modal.image_alt': () => "Testo alternativo dell'immagine",
  'modal.image_alt_hint': () =>
    "Obbligatorio con un'immagine: descrivi cosa mostra, per chi non può vederla.",
  'modal.urgent_label': () => 'Urgenza',
  'modal.urgent': () => '🚨 Urgente: pubblica subito con una sola approvazione',
} as const;
