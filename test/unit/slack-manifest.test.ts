import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  buildManifest,
  CREATE_APP_URL,
  checkAppName,
  createAppLink,
  normalizePublicUrl,
  parseManifestArgs,
  readManifestTemplate,
  runSlackManifest,
  type SlackManifest,
  UsageError,
} from '../../scripts/slack-manifest-lib.ts';
import { spawnTsx } from '../support/child-node.ts';

const SLACK_DIR = fileURLToPath(new URL('../../src/chat/slack/', import.meta.url));
const ADAPTER = join(SLACK_DIR, 'slack-adapter.ts');

// ---------------------------------------------------------------------------
// What Slack's docs say each Web API method and bot event needs. A call the
// code makes that is missing here fails the test below: add the method with
// the bot scopes its reference page lists (and the page), then the manifest.
// ---------------------------------------------------------------------------

interface ScopeEntry {
  /** the bot scopes Araldo needs for it; [] when the docs say "No scope required" */
  readonly scopes: readonly string[];
  /** where the docs say so */
  readonly source: string;
}

const CHAT_WRITE = 'https://docs.slack.dev/reference/scopes/chat.write (compatible methods)';

/**
 * conversations.history and .replies take the *:history scope of the kind of
 * conversation read: a team's channel may be public (channels:history) or
 * private (groups:history); Araldo reads no DMs, so not im:/mpim:history.
 */
const CHANNEL_HISTORY = ['channels:history', 'groups:history'] as const;

const METHOD_SCOPES: Readonly<Record<string, ScopeEntry>> = {
  'chat.postMessage': { scopes: ['chat:write'], source: CHAT_WRITE },
  'chat.update': { scopes: ['chat:write'], source: CHAT_WRITE },
  'chat.postEphemeral': { scopes: ['chat:write'], source: CHAT_WRITE },
  'chat.getPermalink': {
    scopes: [],
    source: 'https://api.slack.com/methods/chat.getPermalink (Bot tokens: No scope required)',
  },
  'conversations.history': {
    scopes: CHANNEL_HISTORY,
    source:
      'https://docs.slack.dev/reference/methods/conversations.history (Bot token: channels/groups/im/mpim:history)',
  },
  'conversations.replies': {
    scopes: CHANNEL_HISTORY,
    source:
      'https://api.slack.com/methods/conversations.replies (the *:history scope of the conversation type); ' +
      'https://docs.slack.dev/reference/scopes/channels.history lists it for Bot tokens',
  },
  'conversations.members': {
    scopes: ['channels:read', 'groups:read'],
    source:
      'https://docs.slack.dev/reference/methods/conversations.members (Bot token: channels:read, groups:read, im:read, mpim:read; Araldo reads public and private channels)',
  },
  'users.info': {
    scopes: ['users:read'],
    source: 'https://api.slack.com/scopes/users:read (compatible methods)',
  },
  'usergroups.users.list': {
    scopes: ['usergroups:read'],
    source: 'https://api.slack.com/scopes/usergroups:read (compatible methods)',
  },
  'views.open': {
    scopes: [],
    source: 'https://docs.slack.dev/reference/methods/views.open (No scopes required)',
  },
  'views.publish': {
    scopes: [],
    source:
      'https://api.slack.com/methods/views.publish (no scopes; slack_kit views.publish.json "scopes": {})',
  },
  'views.update': {
    scopes: [],
    source: 'https://api.slack.com/methods/views.update (no scopes; slack-chat-api: "Requires scope: none")',
  },
  'auth.test': {
    scopes: [],
    source: 'https://docs.slack.dev/reference/methods/auth.test (No scopes required)',
  },
};

/** Methods Bolt calls on its own: App.init() checks the token with auth.test. */
const BOLT_CALLS = ['auth.test'] as const;

const EVENT_SCOPES: Readonly<Record<string, ScopeEntry>> = {
  reaction_added: {
    scopes: ['reactions:read'],
    source: 'https://docs.slack.dev/reference/scopes/reactions.read (compatible events)',
  },
  reaction_removed: {
    scopes: ['reactions:read'],
    source: 'https://docs.slack.dev/reference/scopes/reactions.read (compatible events)',
  },
  'message.channels': {
    scopes: ['channels:history'],
    source: 'https://docs.slack.dev/reference/scopes/channels.history (compatible events)',
  },
  'message.groups': {
    scopes: ['groups:history'],
    source: 'https://docs.slack.dev/reference/events/message (Required scopes)',
  },
  app_home_opened: {
    scopes: [],
    source: 'https://api.slack.com/events/app_home_opened (needs a bot user, no scope)',
  },
};

/** A slash command in the manifest needs `commands`. */
const SLASH_COMMAND_SCOPE = 'commands';

// ---------------------------------------------------------------------------
// Reading the source: the Web API methods a file calls.
// ---------------------------------------------------------------------------

/** The families of Slack's Web API methods (the part before the first dot). */
const WEB_API_FAMILIES = new Set([
  'admin',
  'api',
  'apps',
  'assistant',
  'auth',
  'bookmarks',
  'bots',
  'calls',
  'canvases',
  'chat',
  'conversations',
  'dialog',
  'dnd',
  'emoji',
  'entity',
  'files',
  'functions',
  'migration',
  'oauth',
  'openid',
  'pins',
  'reactions',
  'reminders',
  'rtm',
  'search',
  'stars',
  'team',
  'tooling',
  'usergroups',
  'users',
  'views',
  'workflows',
]);

/** WebClient methods that take the Web API method's name as their first argument. */
const BY_NAME = new Set(['apiCall', 'paginate']);

/** `a.b.c` of a property chain, with `this`/`#private` names as written; undefined past anything else. */
function chainNames(expression: ts.Expression): string[] | undefined {
  if (ts.isPropertyAccessExpression(expression)) {
    const base = chainNames(expression.expression);
    return base === undefined ? undefined : [...base, expression.name.text];
  }
  if (ts.isIdentifier(expression)) return [expression.text];
  if (expression.kind === ts.SyntaxKind.ThisKeyword) return ['this'];
  return undefined;
}

function isMethodName(text: string): boolean {
  const match = /^([a-z]+)\.[a-zA-Z]+(\.[a-zA-Z]+)*$/.exec(text);
  return match?.[1] !== undefined && WEB_API_FAMILIES.has(match[1]);
}

/**
 * The Web API methods `source` calls: `<…>client.<family>.<method>(` (Bolt's
 * `app.client`, a WebClient kept as `#client`, a handler's `client`), a
 * `client.apiCall('x.y', …)`, and any string literal that is a method name
 * (`this.#call(key, 'chat.postMessage', …)`, a `'conversations.history'`
 * type). Comments are not code, so a method named only in a comment does not
 * count.
 */
function webApiCallsIn(source: string, fileName = 'source.ts'): Set<string> {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const names = chainNames(node.expression);
      const clientAt = names ? Math.max(names.lastIndexOf('client'), names.lastIndexOf('#client')) : -1;
      if (names && clientAt >= 0) {
        const rest = names.slice(clientAt + 1);
        const [first] = node.arguments;
        if (rest.length === 1 && BY_NAME.has(rest[0] ?? '')) {
          if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)))
            found.add(first.text);
        } else if (rest.length >= 2) {
          found.add(rest.join('.'));
        }
      }
    }
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && isMethodName(node.text)) {
      found.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function slackSources(): { path: string; text: string }[] {
  return readdirSync(SLACK_DIR, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => ({ path: join(SLACK_DIR, name), text: readFileSync(join(SLACK_DIR, name), 'utf8') }));
}

function methodsCalledBySlackCode(): Set<string> {
  const methods = new Set<string>(BOLT_CALLS);
  for (const { path, text } of slackSources())
    for (const method of webApiCallsIn(text, path)) methods.add(method);
  return methods;
}

/** The scopes each needed scope comes from, for the failure messages. */
function neededScopes(manifest: SlackManifest, methods: ReadonlySet<string>): Map<string, string[]> {
  const needs = new Map<string, string[]>();
  const need = (scope: string, why: string) => needs.set(scope, [...(needs.get(scope) ?? []), why]);
  for (const method of methods) for (const scope of METHOD_SCOPES[method]?.scopes ?? []) need(scope, method);
  for (const event of manifest.settings.event_subscriptions?.bot_events ?? []) {
    for (const scope of EVENT_SCOPES[event]?.scopes ?? []) need(scope, `event ${event}`);
  }
  if ((manifest.features.slash_commands ?? []).length > 0) need(SLASH_COMMAND_SCOPE, 'slash commands');
  return needs;
}

// ---------------------------------------------------------------------------
// Reading the adapter: the slash commands it registers.
// ---------------------------------------------------------------------------

/** `/a`, or `^\/(a|b)$` as a regex literal: the commands it names; undefined for any other shape. */
function commandsOf(node: ts.Expression): string[] | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isArrayLiteralExpression(node)) {
    const all = node.elements.map((element) => commandsOf(element));
    return all.every((part) => part !== undefined) ? all.flat() : undefined;
  }
  if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
    const match = /^\/\^\\\/(?:\(([a-z0-9_|-]+)\)|([a-z0-9_-]+))\$\/[a-z]*$/.exec(node.getText());
    const names = match?.[1] ?? match?.[2];
    return names?.split('|').map((name) => `/${name}`);
  }
  return undefined;
}

/**
 * Every `app.command(matcher, …)` (Bolt's App, as `app` or `this.#app`) in the adapter, the matcher
 * followed to its `const` when it is a name.
 */
function registeredCommands(source: string): string[] {
  const file = ts.createSourceFile(
    'slack-adapter.ts',
    source,
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.TS,
  );
  const constants = new Map<string, ts.Expression>();
  const matchers: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      constants.set(node.name.text, node.initializer);
    }
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'command' &&
      ['app', '#app'].includes(chainNames(node.expression.expression)?.at(-1) ?? '') &&
      node.arguments[0]
    ) {
      matchers.push(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  expect(matchers.length, 'the adapter registers its slash commands with app.command(…)').toBeGreaterThan(0);
  return matchers.flatMap((matcher) => {
    const resolved = ts.isIdentifier(matcher) ? constants.get(matcher.text) : matcher;
    const commands = resolved ? commandsOf(resolved) : undefined;
    if (!commands) {
      throw new Error(
        `cannot read the commands of app.command(${matcher.getText()}): ` +
          'teach registeredCommands() this shape (string, array of strings, /^\\/(a|b)$/)',
      );
    }
    return commands;
  });
}

/** Every string in `value` that is an address. */
function urlsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^[a-z]+:\/\//i.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(urlsIn);
  return [];
}

const template = readManifestTemplate();

describe('the app manifest declares exactly the scopes the code needs', () => {
  it('reads the Web API calls the way the Slack code writes them, and not comments', () => {
    const source = `
      // chat.delete is only mentioned here, and /** \`files.upload\` */ in a doc comment
      async function f(this: any, app: any, client: any) {
        await this.#app.client.users.info({ user: 'U1' });
        await app.client.usergroups.users.list({ usergroup: 'S1' });
        await client.views.open({ trigger_id: 't', view: {} });
        await this.#client.apiCall('chat.postMessage', {});
        await this.#client
          .apiCall(
            'reactions.add',
            {},
          );
        await this.#call(key, 'chat.update', {});
        const labels = ['card.title', 'modal.submit', 'usergroups.users.list failed'];
        const find = (method: 'conversations.history' | 'conversations.replies') => method;
      }`;
    expect([...webApiCallsIn(source)].sort()).toEqual([
      'chat.postMessage',
      'chat.update',
      'conversations.history',
      'conversations.replies',
      'reactions.add',
      'usergroups.users.list',
      'users.info',
      'views.open',
    ]);
  });

  it('knows the scopes of every Web API method the Slack code calls', () => {
    const methods = methodsCalledBySlackCode();
    // a scanner that finds nothing would make every check below pass
    expect(methods).toContain('chat.postMessage');
    const unknown = [...methods].filter((method) => !(method in METHOD_SCOPES)).sort();
    expect(
      unknown,
      `methods called in src/chat/slack/ without an entry in METHOD_SCOPES: look up their bot scopes in Slack's docs`,
    ).toEqual([]);
  });

  it('knows the scopes of every bot event the manifest subscribes to', () => {
    const events = template.settings.event_subscriptions?.bot_events ?? [];
    expect(events.filter((event) => !(event in EVENT_SCOPES))).toEqual([]);
  });

  it('asks for every scope the code needs', () => {
    const declared = new Set(template.oauth_config.scopes.bot);
    const missing = [...neededScopes(template, methodsCalledBySlackCode())]
      .filter(([scope]) => !declared.has(scope))
      .map(([scope, why]) => `${scope} (for ${why.join(', ')})`);
    expect(missing, 'scopes to add to oauth_config.scopes.bot in app-manifest.json').toEqual([]);
  });

  it('asks for no scope nothing needs', () => {
    const needed = neededScopes(template, methodsCalledBySlackCode());
    const extra = template.oauth_config.scopes.bot.filter((scope) => !needed.has(scope));
    expect(extra, 'scopes in app-manifest.json that no call, event or command needs').toEqual([]);
    expect(new Set(template.oauth_config.scopes.bot).size).toBe(template.oauth_config.scopes.bot.length);
  });
});

describe('the app manifest declares the slash commands the adapter registers', () => {
  it('reads the registration shapes the adapter may use', () => {
    expect(registeredCommands('const C = /^\\/(propose|araldo)$/; app.command(C, h);')).toEqual([
      '/propose',
      '/araldo',
    ]);
    expect(registeredCommands("app.command('/propose', h); app.command(['/a', '/b'], h);")).toEqual([
      '/propose',
      '/a',
      '/b',
    ]);
    expect(() => registeredCommands('app.command(/^\\/.*$/, h);')).toThrow(/cannot read the commands/);
    // the desk's own command() is not a Slack registration
    expect(
      registeredCommands("this.#app.command('/propose', h); this.#desk.command({ x: 1 }, 'text');"),
    ).toEqual(['/propose']);
  });

  it('has one manifest entry for each registered command, and no other', () => {
    const registered = registeredCommands(readFileSync(ADAPTER, 'utf8'));
    const declared = (template.features.slash_commands ?? []).map((entry) => entry.command);
    expect(new Set(declared).size).toBe(declared.length);
    expect([...declared].sort()).toEqual([...new Set(registered)].sort());
  });
});

describe('slack:manifest', () => {
  const http = buildManifest(template, { mode: { kind: 'http', publicUrl: 'https://x.example.it' } });
  const socket = buildManifest(template, { mode: { kind: 'socket' } });

  it('fills the public URL into every request URL', () => {
    const expected = 'https://x.example.it/slack/events';
    const urls = urlsIn(http);
    // every slash command, events and interactivity
    expect(urls).toHaveLength((template.features.slash_commands ?? []).length + 2);
    expect(new Set(urls)).toEqual(new Set([expected]));
    expect(http.settings.event_subscriptions?.request_url).toBe(expected);
    expect(http.settings.interactivity?.request_url).toBe(expected);
    for (const command of http.features.slash_commands ?? []) expect(command.url).toBe(expected);
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(JSON.stringify(http)).not.toContain('araldo.example.it');
  });

  it('in Socket Mode turns the socket on and drops every request URL', () => {
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(urlsIn(socket)).toEqual([]);
    for (const command of socket.features.slash_commands ?? []) expect(command).not.toHaveProperty('url');
    expect(socket.settings.event_subscriptions).not.toHaveProperty('request_url');
    expect(socket.settings.interactivity).not.toHaveProperty('request_url');
    expect(socket.settings.interactivity?.is_enabled).toBe(true);
    // the rest is the template's
    expect(socket.settings.event_subscriptions?.bot_events).toEqual(
      template.settings.event_subscriptions?.bot_events,
    );
    expect(socket.oauth_config).toEqual(template.oauth_config);
  });

  it('leaves the template as it was', () => {
    expect(readManifestTemplate()).toEqual(template);
  });

  it('names the app and the bot when asked', () => {
    const named = buildManifest(template, { mode: { kind: 'socket' }, name: 'Araldo Comune di X' });
    expect(named.display_information.name).toBe('Araldo Comune di X');
    expect(named.features.bot_user.display_name).toBe('Araldo Comune di X');
    expect(checkAppName('  Araldo Comune di Castelfranco  ')).toBe('Araldo Comune di Castelfranco');
    expect(() => checkAppName('Araldo Comune di Sant’Angelo a Cupolo')).toThrow(/35 caratteri/);
    expect(() => checkAppName('  ')).toThrow(UsageError);
  });

  it('builds a create-app link that decodes back to the same manifest', () => {
    for (const manifest of [http, socket]) {
      const link = createAppLink(manifest);
      expect(link.startsWith(CREATE_APP_URL)).toBe(true);
      const url = new URL(link);
      expect(url.origin + url.pathname).toBe('https://api.slack.com/apps');
      expect(url.searchParams.get('new_app')).toBe('1');
      expect(JSON.parse(url.searchParams.get('manifest_json') ?? '')).toEqual(manifest);
      expect(JSON.parse(decodeURIComponent(link.slice(CREATE_APP_URL.length)))).toEqual(manifest);
    }
  });

  it('tolerates a trailing slash or /slack/events in the URL', () => {
    for (const typed of [
      'https://x.example.it',
      'https://x.example.it/',
      'https://x.example.it/slack/events',
      'https://x.example.it/slack/events/',
      ' https://X.Example.it// ',
    ]) {
      expect(normalizePublicUrl(typed)).toBe('https://x.example.it');
    }
    expect(normalizePublicUrl('https://x.example.it:8443/araldo/')).toBe('https://x.example.it:8443/araldo');
    expect(normalizePublicUrl('http://localhost:3000')).toBe('http://localhost:3000');
    expect(normalizePublicUrl('http://127.0.0.1:3000/slack/events')).toBe('http://127.0.0.1:3000');
  });

  it('refuses what Slack cannot call', () => {
    for (const typed of [
      'http://x.example.it',
      'x.example.it',
      'ftp://x.example.it',
      'https://user:pw@x.example.it',
      'https://x.example.it/?a=1',
      'https://x.example.it/#top',
      '',
    ]) {
      expect(() => normalizePublicUrl(typed), typed).toThrow(UsageError);
    }
    expect(() => normalizePublicUrl('http://x.example.it')).toThrow(/solo per localhost e 127\.0\.0\.1/);
  });

  it('reads the command line', () => {
    expect(parseManifestArgs(['--url', 'https://x.example.it/slack/events', '--json'])).toEqual({
      mode: { kind: 'http', publicUrl: 'https://x.example.it' },
      jsonOnly: true,
    });
    expect(parseManifestArgs(['--socket', '--name=Araldo Comune di X'])).toEqual({
      mode: { kind: 'socket' },
      jsonOnly: false,
      name: 'Araldo Comune di X',
    });
    expect(parseManifestArgs(['-h'])).toBe('help');
    for (const argv of [[], ['--url', 'https://x.example.it', '--socket'], ['--socket', '--bogus'], ['x']]) {
      expect(() => parseManifestArgs(argv), argv.join(' ')).toThrow(UsageError);
    }
  });

  it('answers a command line without --url or --socket with the usage on stderr and exit code 2', () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (text: string) => out.push(text), err: (text: string) => err.push(text) };
    expect(runSlackManifest([], io)).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('')).toContain('manca --url oppure --socket');
    expect(err.join('')).toContain('Usage:');
    expect(runSlackManifest(['--socket', '--json'], io)).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual(socket);
  });

  it('runs as a script: the manifest, a blank line, the link', async () => {
    const child = spawnTsx('scripts/slack-manifest.ts', ['--url', 'https://x.example.it']);
    const { code, stdout } = await child.exited;
    expect(code).toBe(0);
    const [manifestJson, link, ...rest] = stdout.split('\n\n');
    expect(rest).toEqual([]);
    expect(JSON.parse(manifestJson ?? '')).toEqual(http);
    expect(link).toBe(`${createAppLink(http)}\n`);
  });
});
