// The pure half of `npm run slack:manifest`: the app manifest
// (src/chat/slack/app-manifest.json) with the admin's public URL filled in, or
// set up for Socket Mode, and the link that opens Slack's create-app dialog
// with it. scripts/slack-manifest.ts is only the process around it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';

export const MANIFEST_PATH = fileURLToPath(new URL('../src/chat/slack/app-manifest.json', import.meta.url));

/** Where Araldo serves Slack (HTTPReceiver's endpoint in slack-adapter.ts). */
export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * Slack's create-app page; `new_app=1` opens the create dialog and
 * `manifest_json` prefills it with a URL-encoded JSON manifest.
 */
export const CREATE_APP_URL = 'https://api.slack.com/apps?new_app=1&manifest_json=';

/** display_information.name: "Maximum length is 35 characters" (Slack's app manifest reference). */
export const APP_NAME_MAX = 35;

/** Hosts an `http:` URL may name: local trials only, Slack itself calls only `https:`. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1']);

const slashCommandSchema = z.looseObject({
  command: z.string().startsWith('/'),
  url: z.string().optional(),
});

/** The parts of a manifest this script reads or writes; everything else passes through unchanged. */
const manifestSchema = z.looseObject({
  display_information: z.looseObject({ name: z.string() }),
  features: z.looseObject({
    bot_user: z.looseObject({ display_name: z.string() }),
    slash_commands: z.array(slashCommandSchema).optional(),
  }),
  oauth_config: z.looseObject({ scopes: z.looseObject({ bot: z.array(z.string()) }) }),
  settings: z.looseObject({
    event_subscriptions: z
      .looseObject({ request_url: z.string().optional(), bot_events: z.array(z.string()).optional() })
      .optional(),
    interactivity: z.looseObject({ is_enabled: z.boolean(), request_url: z.string().optional() }).optional(),
    socket_mode_enabled: z.boolean().optional(),
  }),
});

export type SlackManifest = z.infer<typeof manifestSchema>;

/** How Slack reaches Araldo: at `<publicUrl>/slack/events`, or over Socket Mode. */
export type ManifestMode =
  | { readonly kind: 'http'; readonly publicUrl: string }
  | { readonly kind: 'socket' };

export interface ManifestOptions {
  readonly mode: ManifestMode;
  /** app name and bot display name; the template's when absent */
  readonly name?: string;
}

/** A mistake in what the admin typed: the message is for them (Italian), the exit code is 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Uso / Usage:
  npm run slack:manifest -- --url https://INDIRIZZO-PUBBLICO [--name "Araldo Comune di X"] [--json]
  npm run slack:manifest -- --socket [--name "Araldo Comune di X"] [--json]

  --url URL    l'indirizzo pubblico di Araldo (PUBLIC_URL), in https: Slack chiamerà URL/slack/events
               Araldo's public address (PUBLIC_URL), https: Slack will call URL/slack/events
  --socket     Socket Mode: nessun indirizzo pubblico, serve un token SLACK_APP_TOKEN (xapp-…)
               Socket Mode: no public address, needs a SLACK_APP_TOKEN (xapp-…)
  --name NOME  nome dell'app e del bot, al massimo ${APP_NAME_MAX} caratteri
               app and bot name, at most ${APP_NAME_MAX} characters
  --json       stampa solo il manifest (per copiarlo o salvarlo in un file)
               print only the manifest (to paste it or save it to a file)

Senza --json stampa il manifest e il link che apre la creazione dell'app su Slack già compilata.
Without --json it prints the manifest and the link that opens Slack's create-app dialog prefilled.
`;

/**
 * The base address Slack should call, from what the admin typed: `https:`
 * (or `http:` on localhost, for local trials), without a trailing slash or
 * `/slack/events`, which are tolerated and dropped.
 */
export function normalizePublicUrl(input: string): string {
  const typed = input.trim();
  let url: URL;
  try {
    url = new URL(typed);
  } catch {
    throw new UsageError(
      `«${typed}» non è un indirizzo valido: scrivilo intero, per esempio https://araldo.comune.esempio.it`,
    );
  }
  if (url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname)) {
    throw new UsageError(
      `«${typed}» usa http: Slack chiama solo indirizzi https. ` +
        'http è ammesso solo per localhost e 127.0.0.1, per le prove in locale.',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`«${typed}» non è un indirizzo web: serve un indirizzo https://…`);
  }
  if (url.username || url.password) {
    throw new UsageError(`«${typed}» contiene un nome utente o una password: togli la parte prima di @.`);
  }
  if (url.search || url.hash) {
    throw new UsageError(`«${typed}» contiene ? o #: serve solo l'indirizzo pubblico di Araldo.`);
  }
  let path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith(SLACK_EVENTS_PATH)) path = path.slice(0, -SLACK_EVENTS_PATH.length).replace(/\/+$/, '');
  return `${url.origin}${path}`;
}

/** The app name as typed, checked against Slack's limit. */
export function checkAppName(input: string): string {
  const name = input.trim();
  if (name === '')
    throw new UsageError('--name è vuoto: scrivi il nome dell\'app, per esempio "Araldo Comune di X".');
  const length = [...name].length;
  if (length > APP_NAME_MAX) {
    throw new UsageError(
      `«${name}» è lungo ${length} caratteri: Slack accetta nomi di app di al massimo ${APP_NAME_MAX} caratteri.`,
    );
  }
  return name;
}

/**
 * The manifest template, checked to have the parts this script fills in. The
 * parsed JSON itself is returned, not zod's copy, so the keys keep the
 * template's order.
 */
export function parseManifest(json: string): SlackManifest {
  const manifest: unknown = JSON.parse(json);
  manifestSchema.parse(manifest);
  return manifest as SlackManifest;
}

export function readManifestTemplate(path: string = MANIFEST_PATH): SlackManifest {
  return parseManifest(readFileSync(path, 'utf8'));
}

/**
 * A copy of `template` for one installation. HTTP mode: every request URL
 * (each slash command, events, interactivity) is `<publicUrl>/slack/events`.
 * Socket Mode: `socket_mode_enabled` and no request URL at all, which is how
 * Slack's manifest says that commands, events and interactivity come over the
 * socket; interactivity stays enabled.
 */
export function buildManifest(template: SlackManifest, options: ManifestOptions): SlackManifest {
  const manifest = structuredClone(template);
  const { mode } = options;
  const requestUrl = mode.kind === 'http' ? `${mode.publicUrl}${SLACK_EVENTS_PATH}` : undefined;
  const { settings } = manifest;
  for (const command of manifest.features.slash_commands ?? []) {
    if (requestUrl === undefined) delete command.url;
    else command.url = requestUrl;
  }
  if (settings.event_subscriptions) {
    if (requestUrl === undefined) delete settings.event_subscriptions.request_url;
    else settings.event_subscriptions.request_url = requestUrl;
  }
  if (settings.interactivity) {
    if (requestUrl === undefined) delete settings.interactivity.request_url;
    else settings.interactivity.request_url = requestUrl;
  }
  settings.socket_mode_enabled = mode.kind === 'socket';
  if (options.name !== undefined) {
    manifest.display_information.name = options.name;
    manifest.features.bot_user.display_name = options.name;
  }
  return manifest;
}

/** The link that opens Slack's create-app dialog prefilled with `manifest`. */
export function createAppLink(manifest: SlackManifest): string {
  return `${CREATE_APP_URL}${encodeURIComponent(JSON.stringify(manifest))}`;
}

export interface ManifestRequest extends ManifestOptions {
  /** print only the manifest */
  readonly jsonOnly: boolean;
}

/** The command line, or 'help'; a UsageError for anything else. */
export function parseManifestArgs(argv: readonly string[]): ManifestRequest | 'help' {
  let values: { url?: string; socket?: boolean; name?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        socket: { type: 'boolean' },
        name: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new UsageError(`argomenti non validi (${detail})`);
  }
  if (values.help) return 'help';
  if (values.url !== undefined && values.socket) {
    throw new UsageError('scegli --url oppure --socket, non tutti e due.');
  }
  let mode: ManifestMode;
  if (values.url !== undefined) mode = { kind: 'http', publicUrl: normalizePublicUrl(values.url) };
  else if (values.socket) mode = { kind: 'socket' };
  else throw new UsageError('manca --url oppure --socket (missing --url or --socket).');
  return {
    mode,
    jsonOnly: values.json ?? false,
    ...(values.name === undefined ? {} : { name: checkAppName(values.name) }),
  };
}

export interface Output {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * The whole command: writes to `io`, returns the exit code (0; 2 for a usage
 * mistake; 1 when the manifest template cannot be read).
 */
export function runSlackManifest(argv: readonly string[], io: Output, templatePath?: string): number {
  let request: ManifestRequest | 'help';
  try {
    request = parseManifestArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`Errore: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (request === 'help') {
    io.out(USAGE);
    return 0;
  }
  let template: SlackManifest;
  try {
    template = readManifestTemplate(templatePath);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    io.err(`Errore: non riesco a leggere il manifest ${templatePath ?? MANIFEST_PATH}: ${detail}\n`);
    return 1;
  }
  const manifest = buildManifest(template, request);
  io.out(`${JSON.stringify(manifest, null, 2)}\n`);
  if (request.jsonOnly) return 0;
  io.out(`\n${createAppLink(manifest)}\n`);
  io.err(nextSteps(request.mode));
  return 0;
}

/** What to do with the link, for the person at the terminal (stderr, so stdout stays manifest + link). */
function nextSteps(mode: ManifestMode): string {
  const lines = [
    '',
    "Apri il link qui sopra: Slack chiede l'area di lavoro, mostra il riepilogo dell'app e la crea con «Create».",
  ];
  if (mode.kind === 'http') {
    lines.push(
      `Slack chiamerà ${mode.publicUrl}${SLACK_EVENTS_PATH}: se segnala l'indirizzo come non verificato,`,
      "verificalo dalla pagina «App Manifest» dell'app quando Araldo è in funzione a quell'indirizzo.",
    );
    if (mode.publicUrl.startsWith('http:')) {
      lines.push('Attenzione: Slack accetta solo indirizzi https; http va bene solo per le prove in locale.');
    }
  } else {
    lines.push(
      'Poi in «Basic Information → App-Level Tokens» crea un token con connections:write (xapp-…) per SLACK_APP_TOKEN.',
    );
  }
  return `${lines.join('\n')}\n`;
}
