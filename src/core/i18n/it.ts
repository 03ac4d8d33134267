/** The Italian name of each `/araldo` subcommand, as messages suggest it. */
const ITALIAN_SUBCOMMAND: Readonly<Record<string, string>> = {
  status: 'stato',
  queue: 'coda',
  edit: 'modifica',
  reschedule: 'riprogramma',
  cancel: 'annulla',
  retry: 'riprova',
  audit: 'registro',
  digest: 'riepilogo',
  help: 'aiuto',
};

/**
 * The Italian catalog: the reference for every key. Messages are functions
 * of their parameters so a missing parameter is a type error.
 */
export const it = {
  'card.title': (p: { number: number; urgent: boolean }) => `${p.urgent ? '🚨 ' : ''}Proposta #${p.number}`,
  'card.author': (p: { name: string }) => `Autore: ${p.name}`,
  'card.when.asap': () => 'Quando: appena approvata',
  'card.when.at': (p: { when: string }) => `Quando: ${p.when}`,
  'card.targets': () => 'Destinazioni:',
  'card.status': (p: { status: string }) => `Stato: ${p.status}`,
  'card.approvals': (p: { have: number; need: number; by: string }) =>
    `Approvazioni: ${p.have}/${p.need}${p.by ? ` (${p.by})` : ''}`,
  'card.howto': (p: { number: number }) =>
    `Per decidere reagisci a questo messaggio: ✅ approva, ❌ rifiuta, ✏️ chiedi modifiche. Dettagli: /araldo stato ${p.number}`,
  'card.image': (p: { url: string; alt: string }) => `Immagine: ${p.url} (testo alternativo: ${p.alt})`,
  'card.nolimit': () => 'nessun limite',
  'card.alt_dropped': () => 'questa rete non riporta il testo alternativo delle immagini',
  'state.pending': () => 'in attesa di approvazione',
  'state.changes_requested': () => 'modifiche richieste',
  'state.approved': () => 'approvata',
  'state.scheduled': () => 'programmata',
  'state.publishing': () => 'in pubblicazione',
  'state.published': () => 'pubblicata',
  'state.partially_failed': () => 'pubblicata in parte',
  'state.failed': () => 'pubblicazione fallita',
  'state.rejected': () => 'rifiutata',
  'state.cancelled': () => 'annullata',
  'propose.created': (p: { number: number }) => `Proposta #${p.number} creata: la trovi nel canale.`,
  'propose.duplicate': (p: { number: number }) =>
    `Questa richiesta era già arrivata: è la proposta #${p.number}.`,
  'propose.empty': () =>
    'Il testo del post è vuoto. Scrivi ad esempio: /propose to:sito Domani chiude il ponte di via Roma.',
  'propose.unknown_target': (p: { given: string; valid: string }) =>
    `Destinazione sconosciuta: ${p.given}. Quelle valide sono: ${p.valid}.`,
  'propose.no_target': (p: { valid: string }) =>
    `Indica dove pubblicare con to:, ad esempio to:${p.valid.split(', ')[0] ?? 'sito'}. Destinazioni valide: ${p.valid}.`,
  'propose.over_limit': (p: { target: string; used: number; limit: number; over: number; unit: string }) =>
    `Il testo è troppo lungo per ${p.target}: ${p.used}/${p.limit} ${p.unit}, ${p.over} di troppo.`,
  'propose.image_required': (p: { target: string }) =>
    `${p.target} richiede almeno un'immagine: aggiungi img:URL|testo alternativo.`,
  'propose.too_many_images': (p: { target: string; max: number; given: number }) =>
    `${p.target} accetta al massimo ${p.max} immagini, ne hai indicate ${p.given}.`,
  'propose.too_many_hashtags': (p: { target: string; max: number; given: number }) =>
    `${p.target} accetta al massimo ${p.max} hashtag, ne hai usati ${p.given}.`,
  'propose.too_many_mentions': (p: { target: string; max: number; given: number }) =>
    `${p.target} accetta al massimo ${p.max} menzioni (@), ne hai usate ${p.given}.`,
  'propose.image_format': (p: { target: string; url: string; format: string; accepted: string }) =>
    `${p.target} non accetta immagini ${p.format} (${p.url}): accetta solo ${p.accepted}. Converti l'immagine o usane un'altra.`,
  'propose.image_without_alt': (p: { url: string }) =>
    `L'immagine ${p.url} non ha un testo alternativo. È un obbligo di accessibilità per gli enti pubblici: scrivi img:URL|descrizione dell'immagine.`,
  'propose.image_bad_url': (p: { url: string }) =>
    `L'indirizzo dell'immagine non è valido: ${p.url}. Usa un indirizzo http o https.`,
  'propose.option_after_text': (p: { option: string }) =>
    `L'opzione ${p.option} va scritta prima del testo, ad esempio: /propose to:sito at:"domani alle 9" Testo del post.`,
  'propose.bad_option': (p: { option: string }) => `Non capisco l'opzione ${p.option}.`,
  'time.unreadable': (p: { input: string; examples: string }) =>
    `Non riesco a leggere l'orario "${p.input}". Prova ad esempio: ${p.examples}.`,
  'time.in_past': (p: { input: string; when: string }) =>
    `L'orario "${p.input}" (${p.when}) è già passato: indica un momento futuro.`,
  'time.empty': (p: { examples: string }) => `Manca l'orario. Prova ad esempio: ${p.examples}.`,
  'time.dst_gap': (p: { when: string }) =>
    `Quell'ora non esiste per il cambio all'ora legale: uso ${p.when}.`,
  'time.dst_overlap': (p: { when: string }) =>
    `Quell'ora si ripete per il ritorno all'ora solare: uso la prima, ${p.when}.`,
  'time.day_part_mismatch': (p: { input: string; part: string; from: string; to: string }) =>
    `L'orario "${p.input}" non torna: ${p.part} va dalle ${p.from} alle ${p.to}. Scrivi un'ora di quella fascia, oppure l'ora da 0 a 23 senza la parte del giorno, ad esempio "domani alle 20".`,
  'time.day_part.morning': () => 'la mattina',
  'time.day_part.afternoon': () => 'il pomeriggio',
  'time.day_part.evening': () => 'la sera',
  'time.day_part.night': () => 'la notte',
  'time.day_part.tonight': () => '"tonight" (stasera e stanotte)',
  'command.unknown': (p: { name: string }) =>
    `Comando sconosciuto: /${p.name}. Scrivi /araldo aiuto per l'elenco dei comandi.`,
  'command.not_a_number': (p: { given: string }) =>
    `"${p.given}" non è il numero di una proposta. Esempio: /araldo stato 12.`,
  'command.no_such_post': (p: { number: number }) => `Non esiste la proposta #${p.number}.`,
  'command.not_a_command': () => "I comandi iniziano con /. Scrivi /araldo aiuto per l'elenco.",
  'command.failed': () =>
    "Qualcosa è andato storto e l'operazione non è stata fatta. Riprova tra poco; se succede ancora avvisa l'ufficio IT.",
  'reaction.approved': (p: { name: string; have: number; need: number }) =>
    `✅ Approvata da ${p.name} (${p.have}/${p.need}).`,
  'reaction.approval_counted': (p: { name: string; have: number; need: number }) =>
    `✅ ${p.name} approva (${p.have}/${p.need}): serve ancora ${p.need - p.have} approvazione.`,
  'reaction.withdrawn': (p: { name: string; have: number; need: number }) =>
    `${p.name} ha ritirato l'approvazione (${p.have}/${p.need}).`,
  'reaction.self_approval': (p: { name: string }) =>
    `${p.name}, l'autore non può approvare la propria proposta: serve l'approvazione di un altro supervisore.`,
  'reaction.not_an_approver': (p: { name: string }) =>
    `${p.name}, la tua reazione non conta come approvazione: solo i supervisori configurati possono approvare.`,
  'button.self_approval': (p: { number: number }) =>
    `Non puoi approvare né chiedere modifiche alla tua proposta #${p.number}: serve un altro supervisore.`,
  'button.not_an_approver': (p: { number: number }) =>
    `Solo i supervisori configurati possono approvare o chiedere modifiche alla proposta #${p.number}.`,
  'button.not_waiting': (p: { number: number; status: string }) =>
    `La proposta #${p.number} non è più in attesa di decisione (stato: ${p.status}).`,
  'button.needs_edit': (p: { number: number }) =>
    `Sono state chieste modifiche alla proposta #${p.number}: si potrà approvare dopo che l’autore avrà corretto il testo.`,
  'button.changes_already_requested': (p: { number: number }) =>
    `Le modifiche alla proposta #${p.number} sono già state chieste: ora tocca all’autore correggere il testo.`,
  'button.stale_version': (p: { number: number }) =>
    `Il testo della proposta #${p.number} è cambiato: rileggi la scheda aggiornata e, se va bene, premi di nuovo Approva.`,
  'button.already_approved': (p: { number: number }) =>
    `Hai già approvato la proposta #${p.number}: ora servono gli altri supervisori.`,
  'reaction.already_decided': (p: { name: string; status: string }) =>
    `${p.name}, la proposta è già ${p.status}: la reazione non cambia nulla.`,
  'reaction.rejected': (p: { name: string }) => `❌ Rifiutata da ${p.name}. Non sarà pubblicata.`,
  'reaction.changes_requested': (p: { name: string }) =>
    `✏️ ${p.name} chiede modifiche. L'autore può correggere il testo con il pulsante Modifica della scheda o con /araldo modifica.`,
  'schedule.at': (p: { when: string }) => `Programmata per ${p.when}.`,
  'schedule.now': () => 'La pubblico subito.',
  'publish.published': (p: { target: string; url: string }) => `Pubblicata su ${p.target}: ${p.url}`,
  'publish.published_no_link': (p: { target: string }) => `Inviata a ${p.target}.`,
  'publish.note.private': (p: { target: string }) =>
    `⚠️ Su ${p.target} il post è visibile solo all'account: l'app non è ancora verificata dal social, che per ora pubblica solo in privato. Rendilo pubblico dall'app, o chiedi all'amministratore di completare la verifica.`,
  'publish.note.awaiting_creator': (p: { target: string }) =>
    `📥 Il post è nella casella di ${p.target}: va completato e pubblicato a mano dall'app sul telefono.`,
  'publish.late': (p: { minutes: number; when: string }) =>
    `Pubblicazione in ritardo di ${p.minutes} minuti rispetto a ${p.when}: Araldo era fermo a quell'ora.`,
  'publish.retrying': (p: { target: string; reason: string; when: string }) =>
    `Pubblicazione su ${p.target} non riuscita (${p.reason}). Riprovo alle ${p.when}.`,
  'publish.failed': (p: { target: string; reason: string; number: number }) =>
    `Pubblicazione su ${p.target} fallita: ${p.reason}. Quando il problema è risolto, scrivi /araldo riprova ${p.number}.`,
  'publish.unknown': (p: { target: string; number: number; reason: string }) =>
    `Non so se il post è arrivato su ${p.target}: ${p.reason}. Controlla l'account: se manca, scrivi /araldo riprova ${p.number}.`,
  // Failure codes (publish-outcome.ts) in words, each with what to do; `detail`
  // is the network's own reason or the missing permission, '' when none.
  'failure.token_expired': (p: { detail: string }) =>
    `il token di accesso è scaduto: l'amministratore di Araldo deve rinnovarlo${p.detail ? ` (istruzioni nel README di Araldo, sezione «${p.detail}»)` : ''}`,
  'failure.token_revoked': (p: { detail: string }) =>
    `il token di accesso è stato revocato o non è valido: l'amministratore di Araldo deve ricollegare l'account${p.detail ? ` (istruzioni nel README di Araldo, sezione «${p.detail}»)` : ''}`,
  'failure.permission_missing': (p: { detail: string }) =>
    `all'account manca un permesso${p.detail ? ` (${p.detail})` : ''}: l'amministratore deve concederlo all'app`,
  'failure.content_refused': (p: { detail: string }) =>
    `il social ha rifiutato il contenuto${p.detail ? ` («${p.detail}»)` : ''}: correggi il testo con /araldo modifica`,
  'failure.media_unreachable': (p: { detail: string }) =>
    `un'immagine non si può scaricare o è stata rifiutata${p.detail ? ` («${p.detail}»)` : ''}: controlla il link dell'immagine`,
  'failure.duplicate': () =>
    "il social dice che lo stesso post c'è già: controlla l'account prima di riprovare",
  'failure.misconfigured': (p: { detail: string }) =>
    `la destinazione non è configurata bene${p.detail ? ` (${p.detail})` : ''}: avvisa l'amministratore di Araldo`,
  'failure.no_publisher': () =>
    "per questa destinazione non è configurato nessun servizio di pubblicazione (avvisa l'amministratore di Araldo)",
  'failure.rate_limited': () => 'il social ha chiesto di rallentare (troppe richieste)',
  'failure.unavailable': () => 'il social non risponde o ha un problema temporaneo',
  'failure.unknown': () => "la risposta del social si è persa durante l'invio",
  'failure.interrupted': () => "Araldo si è interrotto durante l'invio",
  'failure.publisher_error': () =>
    'il servizio di pubblicazione ha dato un errore imprevisto (i dettagli sono nel registro di Araldo)',
  'publish.done': () => 'Tutte le pubblicazioni sono andate a buon fine.',
  'command.not_allowed': (p: { number: number }) =>
    `Solo l'autore o un supervisore può farlo sulla proposta #${p.number}.`,
  'command.too_late': (p: { number: number; status: string }) =>
    `La proposta #${p.number} è già ${p.status}: ormai non si può più cambiare.`,
  'cancel.reply': (p: { number: number }) => `Proposta #${p.number} annullata.`,
  'cancel.thread': (p: { name: string }) => `🚫 Annullata da ${p.name}. Non sarà pubblicata.`,
  'edit.usage': () =>
    'Scrivi il nuovo testo dopo il numero, ad esempio: /araldo modifica 12 Nuovo testo del post.',
  'edit.reply': (p: { number: number }) => `Proposta #${p.number} modificata: serve una nuova approvazione.`,
  'edit.thread': (p: { name: string; before: string; after: string }) =>
    `✏️ ${p.name} ha modificato il testo. Le approvazioni precedenti non valgono più: serve una nuova approvazione.\nPrima: ${p.before}\nOra: ${p.after}`,
  'reschedule.usage': () => 'Indica quando, ad esempio: /araldo riprogramma 12 domani alle 9.',
  'reschedule.reply': (p: { number: number; when: string }) => `Proposta #${p.number} spostata a ${p.when}.`,
  'reschedule.thread': (p: { name: string; when: string }) =>
    `🕒 ${p.name} ha spostato la pubblicazione a ${p.when}.`,
  'retry.none': (p: { number: number }) =>
    `La proposta #${p.number} non ha pubblicazioni fallite da ripetere.`,
  'retry.reply': (p: { number: number; count: number }) =>
    `Ripeto ${p.count === 1 ? 'la pubblicazione fallita' : `le ${p.count} pubblicazioni fallite`} della proposta #${p.number}.`,
  'retry.thread': (p: { name: string }) => `🔁 ${p.name} ha chiesto di ripetere le pubblicazioni fallite.`,
  'schedule.quiet_hours': (p: { target: string; from: string; when: string }) =>
    `${p.target}: alle ${p.from} è nelle ore di silenzio, la pubblico ${p.when}.`,
  'schedule.slot': (p: { target: string; when: string }) => `${p.target}: primo spazio libero, ${p.when}.`,
  'schedule.target_at': (p: { target: string; when: string }) => `${p.target}: ${p.when}.`,
  'queue.empty': () => 'Nessuna pubblicazione nei prossimi 7 giorni.',
  'queue.title': (p: { zone: string }) => `Pubblicazioni dei prossimi 7 giorni (ora di ${p.zone}):`,
  'queue.awaiting': () => 'da approvare',
  'audit.title': (p: { number: number }) => `Storia della proposta #${p.number}:`,
  'audit.proposed': () => 'ha proposto il post',
  'audit.edited': () => 'ha modificato il testo',
  'audit.commented': () => 'ha scritto nel thread',
  'audit.reacted': () => 'ha reagito',
  'audit.unreacted': () => 'ha tolto una reazione',
  'audit.approved': () => 'ha approvato',
  'audit.approval_withdrawn': () => "ha ritirato l'approvazione",
  'audit.approval_ignored': () => 'reazione non valida come approvazione',
  'audit.rejected': () => 'ha rifiutato',
  'audit.changes_requested': () => 'ha chiesto modifiche',
  'audit.cancelled': () => 'ha annullato',
  'audit.scheduled': () => 'programmata',
  'audit.rescheduled': () => "ha cambiato l'orario",
  'audit.publish_attempt': () => 'tentativo di pubblicazione',
  'audit.published': () => 'pubblicata',
  'audit.publish_failed': () => 'pubblicazione fallita',
  'audit.publish_retry': () => 'nuovo tentativo programmato',
  'audit.publish_unknown': () => 'esito sconosciuto',
  'audit.retried': () => 'ha chiesto di ripetere',
  'audit.digest_sent': () => 'riepilogo inviato',
  'audit.edit_detail': (p: { before: string; after: string }) => `prima: "${p.before}" → ora: "${p.after}"`,
  'digest.title': (p: { date: string }) => `☀️ Riepilogo di ${p.date}`,
  'digest.credentials': () => '🔑 Accessi da rinnovare:',
  'digest.credentials_expiring': (p: { target: string; days: number; when: string; guide: string }) =>
    `${p.target}: l'accesso scade ${p.days === 1 ? 'entro domani' : `tra ${p.days} giorni`} (${p.when}). L'amministratore di Araldo deve rinnovarlo prima, o le pubblicazioni si fermeranno (istruzioni nel README di Araldo, sezione «${p.guide}»).`,
  'digest.credentials_expired': (p: { target: string; guide: string }) =>
    `${p.target}: l'accesso è scaduto e le pubblicazioni non partono. L'amministratore di Araldo deve rinnovarlo (istruzioni nel README di Araldo, sezione «${p.guide}»).`,
  'digest.credentials_revoked': (p: { target: string; guide: string }) =>
    `${p.target}: l'accesso è stato revocato o non è più valido e le pubblicazioni non partono. L'amministratore di Araldo deve ricollegare l'account (istruzioni nel README di Araldo, sezione «${p.guide}»).`,
  'digest.today': () => 'Oggi in programma:',
  'digest.waiting': () => 'In attesa di una decisione:',
  'digest.waiting_item': (p: { number: number; age: string; author: string; excerpt: string }) =>
    `#${p.number} di ${p.author}, da ${p.age}: ${p.excerpt}`,
  'digest.failed': () => 'Pubblicazioni da sistemare:',
  'digest.failed_item': (p: { number: number; target: string; reason: string }) =>
    `#${p.number} su ${p.target}: ${p.reason} (/araldo riprova ${p.number})`,
  'digest.yesterday': () => 'Pubblicato ieri:',
  'digest.nothing': () => 'Niente in programma, niente in attesa, nessun errore. Buona giornata! 🌤️',
  'age.minutes': (p: { n: number }) => `${p.n} min`,
  'age.hours': (p: { n: number }) => `${p.n} ${p.n === 1 ? 'ora' : 'ore'}`,
  'age.days': (p: { n: number }) => `${p.n} ${p.n === 1 ? 'giorno' : 'giorni'}`,
  'reaction.not_a_review': (p: {
    emoji: string;
    added: boolean;
    approve: string;
    approveAlso: string;
    reject: string;
    rejectAlso: string;
    changes: string;
    changesAlso: string;
  }) =>
    `${p.added ? 'Reazione aggiunta' : 'Reazione tolta'}, ma ${p.emoji} non conta per decidere. Contano: ${p.approve} approva (anche ${p.approveAlso}), ${p.reject} rifiuta (anche ${p.rejectAlso}), ${p.changes} chiedi modifiche (anche ${p.changesAlso}).`,
  'chat.not_configured': () =>
    "Araldo non è configurato per questo canale: chiedi all'ufficio IT di aggiungerlo.",
  'command.needs_number': (p: { command: string }) =>
    `Indica il numero della proposta, ad esempio: /araldo ${ITALIAN_SUBCOMMAND[p.command] ?? p.command} 12.`,
  'command.unknown_subcommand': (p: { name: string }) =>
    `Il comando «${p.name}» non esiste. Ecco i comandi disponibili:`,
  'help.text': () =>
    [
      'Comandi di Araldo:',
      '  /propose to:sito at:"domani alle 9" Testo — propone un post (le opzioni vanno prima del testo)',
      '      opzioni: to:ID,ID  at:QUANDO  urgent (subito, basta un supervisore)  img:URL|"testo alternativo"',
      '  /araldo coda — le pubblicazioni dei prossimi 7 giorni',
      '  /araldo stato 12 — stato della proposta #12 e di ogni pubblicazione',
      '  /araldo modifica 12 Nuovo testo — cambia il testo (serve una nuova approvazione)',
      '  /araldo riprogramma 12 lunedì prossimo alle 18:30 — cambia l’orario',
      '  /araldo annulla 12 — annulla la proposta',
      '  /araldo riprova 12 — ripete le pubblicazioni fallite',
      '  /araldo registro 12 — la storia completa della proposta',
      '  /araldo riepilogo — il riepilogo di oggi',
      '  /araldo aiuto — questo elenco',
      'Valgono anche i nomi inglesi: /araldo status, /araldo queue, /araldo edit, /araldo reschedule, /araldo cancel, /araldo retry, /araldo audit, /araldo digest, /araldo help.',
      'Sulla scheda: le reazioni ✅ approva, ❌ rifiuta, ✏️ chiedi modifiche (o i pulsanti Approva e Chiedi modifiche, se la scheda li ha); togliere ✅ ritira l’approvazione.',
      'Orari: "domani alle 9", "domattina", "stasera alle 21", "alle 9 e mezza", "lunedì prossimo alle 18:30", "1 dicembre 9:00", "tra 2 ore", "2026-12-01T09:00+01:00".',
      'Senza ora: mattina 09:00, pomeriggio 15:00, sera 21:00, notte 23:00; "stasera alle 9" sono le 21:00.',
    ].join('\n'),
  'unit.characters': () => 'caratteri',
  'unit.weighted': () => 'caratteri pesati',
  'unit.graphemes': () => 'caratteri',
  'unit.utf16': () => 'caratteri (le emoji ne valgono 2)',
  'reaction.stale_version': (p: { name: string }) =>
    `${p.name}, il testo è cambiato mentre approvavi: rileggilo e, se va bene, togli e rimetti la ✅.`,
  'reaction.needs_edit': (p: { name: string }) =>
    `${p.name}, sono state chieste modifiche: l'approvazione conta dopo che l'autore avrà corretto il testo con /araldo modifica.`,
  'reaction.withdraw_too_late': (p: { name: string }) =>
    `${p.name}, la pubblicazione è già partita: l'approvazione non si può più ritirare. Se serve, usa /araldo annulla o correggi dopo.`,
  'propose.card_failed': (p: { number: number }) =>
    `Proposta #${p.number} salvata, ma la scheda non è comparsa nel canale per un problema della chat. Riprova tra poco con lo stesso comando oppure controlla con /araldo stato ${p.number}.`,
  // Bad input and states in words (issue 7, points 3 and 5).
  'text.control_character': (p: { character: string; position: number; context: string; others: number }) =>
    `Il testo contiene un carattere di controllo che non si può pubblicare: ${p.character}, al carattere ${p.position} («${p.context}»)${p.others > 0 ? ` e altri ${p.others} come lui` : ''}. Toglilo e riprova: a capo e tabulazioni vanno bene.`,
  'delivery.pending': () => 'in attesa di approvazione',
  'delivery.scheduled': () => 'programmata',
  'delivery.publishing': () => 'in pubblicazione',
  'delivery.published': () => 'pubblicata',
  'delivery.failed': () => 'fallita',
  'delivery.unknown': () => "esito da verificare sull'account",
  'delivery.cancelled': () => 'annullata',
  'audit.reason.self_approval': () => "l'autore non può approvare la propria proposta",
  'audit.reason.stale_version': () => 'il testo era cambiato nel frattempo',
  'audit.reason.not_an_approver': () => 'non è tra i supervisori',
  'status.delivery': (p: { target: string; state: string; attempts: number; detail: string }) =>
    `  • ${p.target}: ${p.state}${p.attempts > 0 ? ` (${p.attempts === 1 ? '1 tentativo' : `${p.attempts} tentativi`})` : ''}${p.detail ? ` — ${p.detail}` : ''}`,
} as const;

/** A key of the message catalog. */
export type MessageKey = keyof typeof it;

/** The parameters a message takes. */
export type MessageParams<K extends MessageKey> = Parameters<(typeof it)[K]>[0];
