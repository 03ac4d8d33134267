// The architecture's boundaries (STYLE.md), checked by `npm run boundaries`
// and proven by test/unit/boundaries.test.ts. What the core may reach is an
// allow-list: anything not named here (a Node built-in, an SDK, a file outside
// src/core) is a violation. Type-only imports count like any other import.
// ESLint (eslint.config.js) covers what no import shows: globals in core.

/** Packages the core may use: pure computation only (with their type packages). */
const CORE_PACKAGES = ['luxon', 'twitter-text', '@types/luxon', '@types/twitter-text'];

/** A package as a resolved path (under node_modules/) or, unresolved, as the bare specifier. */
const pkg = (names) => `(^|/)node_modules/(${names.join('|')})(/|$)|^(${names.join('|')})(/|$)`;

const CHAT_SDKS = ['@slack', 'discord\\.js', '@discordjs', 'discord-api-types', '@mattermost', 'matrix-js-sdk'];
const NETWORK_SDKS = [
  'masto',
  'megalodon',
  '@atproto',
  'twitter-api-v2',
  'twit',
  'facebook-nodejs-business-sdk',
  'fb',
  'instagram-graph-api',
  'linkedin-api-client',
  'telegraf',
  'node-telegram-bot-api',
];
const DB_DRIVERS = ['drizzle-orm', 'drizzle-kit', 'postgres', 'pg', '@electric-sql'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-only-core',
      comment: 'src/core is the pure domain: it imports only src/core, luxon and twitter-text.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: [`^src/core/`, pkg(CORE_PACKAGES)] },
    },
    {
      name: 'chat-not-publish',
      comment: 'chat/ and publish/ never import each other; main.ts wires them.',
      severity: 'error',
      from: { path: '^src/chat/' },
      to: { path: '^src/publish/' },
    },
    {
      name: 'publish-not-chat',
      comment: 'publish/ and chat/ never import each other; main.ts wires them.',
      severity: 'error',
      from: { path: '^src/publish/' },
      to: { path: '^src/chat/' },
    },
    {
      name: 'adapters-not-wiring',
      comment: 'Adapters take their settings as arguments: only main.ts reads config.ts, and nothing imports main.ts.',
      severity: 'error',
      from: { path: '^src/(chat|publish)/' },
      to: { path: '^src/(config|main)\\.ts$' },
    },
    {
      name: 'adapters-import-only-core',
      comment: 'Inside src/, chat/ and publish/ import only core/ and their own area.',
      severity: 'error',
      from: { path: '^src/(chat|publish)/' },
      to: { path: '^src/', pathNot: ['^src/(core|chat|publish)/', '^src/(config|main)\\.ts$'] },
    },
    {
      name: 'chat-platforms-apart',
      comment: 'One chat platform folder never imports another (shared code goes in src/chat/ itself).',
      severity: 'error',
      from: { path: '^src/chat/([^/]+)/' },
      to: { path: '^src/chat/[^/]+/', pathNot: '^src/chat/$1/' },
    },
    {
      name: 'publish-networks-apart',
      comment:
        'One network folder never imports another (shared code goes in src/publish/ itself, or in a platform client folder shared by the networks on one API: graph/ for Facebook and Instagram).',
      severity: 'error',
      from: { path: '^src/publish/([^/]+)/' },
      to: { path: '^src/publish/[^/]+/', pathNot: ['^src/publish/$1/', '^src/publish/graph/'] },
    },
    {
      name: 'store-scheduler-no-adapters',
      comment: 'store/ and scheduler/ import no adapter, no web server and not main.ts.',
      severity: 'error',
      from: { path: '^src/(store|scheduler)/' },
      to: { path: ['^src/(chat|publish|web)/', '^src/main\\.ts$'] },
    },
    {
      name: 'store-not-scheduler',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/scheduler/' },
    },
    {
      name: 'scheduler-not-store',
      severity: 'error',
      from: { path: '^src/scheduler/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'src-not-test',
      comment: 'Production code never imports tests, fakes or fixtures.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'nothing-imports-main',
      comment: 'main.ts is the composition root: nothing in src/ imports it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'chat-sdk-only-in-chat',
      comment: 'Chat SDKs (@slack/*, discord.js…) are used only in src/chat.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/chat/' },
      to: { path: pkg(CHAT_SDKS) },
    },
    {
      name: 'network-sdk-only-in-publish',
      comment: 'Social network SDKs are used only in src/publish.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/publish/' },
      to: { path: pkg(NETWORK_SDKS) },
    },
    {
      name: 'db-only-in-store',
      comment: 'drizzle, postgres.js and PGlite are used only in src/store.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/' },
      to: { path: pkg(DB_DRIVERS) },
    },
    {
      name: 'node-schedule-only-in-scheduler',
      comment: 'node-schedule is used only in src/scheduler.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/scheduler/' },
      to: { path: pkg(['node-schedule']) },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that does not resolve cannot be checked: install the package or fix the path.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // `import type` and type-only re-exports count: a type can carry a boundary breach too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // process.getBuiltinModule('node:fs') is an import in disguise.
    detectProcessBuiltinModuleCalls: true,
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
