// ESLint runs typescript-eslint's promise rules (a dropped promise in a chat
// handler is this codebase's likeliest bug) and, for src/core, the half of the
// boundary check that no import shows: the core reaches the world only
// through its ports, so it reads no global clock, timer, network or process.
// Biome does formatting and the rest of linting; dependency-cruiser
// (.dependency-cruiser.cjs) checks imports. test/unit/boundaries.test.ts
// proves that each rule catches what it is for.
import tseslint from 'typescript-eslint';

const viaPort = 'src/core reaches the world only through its ports (src/core/ports.ts)';

/** Globals the core must not touch, with the port to use instead. */
const CORE_FORBIDDEN_GLOBALS = [
  ...['process', 'require', 'module', 'exports', '__dirname', '__filename'].map((name) => ({
    name,
    message: `${viaPort}: settings come from config.ts through main.ts.`,
  })),
  ...[
    'setTimeout',
    'setInterval',
    'setImmediate',
    'clearTimeout',
    'clearInterval',
    'clearImmediate',
    'queueMicrotask',
    'performance',
  ].map((name) => ({ name, message: `${viaPort}: time comes from the injected Clock.` })),
  ...['fetch', 'WebSocket', 'XMLHttpRequest', 'EventSource'].map((name) => ({
    name,
    message: `${viaPort}: network calls belong to the adapters.`,
  })),
  // Whole objects, so that globalThis.setTimeout or global['fetch'] cannot walk around the names above.
  ...['globalThis', 'global', 'self', 'window'].map((name) => ({
    name,
    message: `${viaPort}: no global object access in core.`,
  })),
  { name: 'eval', message: 'No eval in core.' },
];

export default tseslint.config(
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/core/**/*.{ts,mts,cts,js,mjs,cjs}'],
    // An eslint-disable comment would be a walk-around: in core the rules hold for every line.
    linterOptions: { noInlineConfig: true },
    rules: {
      'no-restricted-globals': ['error', ...CORE_FORBIDDEN_GLOBALS],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: `${viaPort}: time comes from the injected Clock.` },
        {
          object: 'AbortSignal',
          property: 'timeout',
          message: `${viaPort}: \`AbortSignal.timeout\` is a timer; time comes from the injected Clock.`,
        },
        { object: 'Math', property: 'random', message: `${viaPort}: randomness is injected.` },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'NewExpression[callee.name="Date"][arguments.length=0]',
          message: `${viaPort}: \`new Date()\` reads the system clock; take the time from the Clock.`,
        },
        {
          selector: 'CallExpression[callee.name="Date"]',
          message: `${viaPort}: \`Date()\` reads the system clock; take the time from the Clock.`,
        },
        {
          // The machine's zone is not the team's: local fields come from luxon
          // or Intl with an explicit timeZone, never from the Date's own zone.
          selector:
            'CallExpression[callee.property.name=/^(get|set)(Hours|Date|Day|Month|FullYear|Year|Minutes|Seconds|Milliseconds)$|^getTimezoneOffset$|^toLocale(Date|Time)?String$|^toDateString$|^toTimeString$/][callee.object.type!="Literal"]',
          message:
            "Core reads no machine time zone: a Date's local getters and toLocale*String use it; use the team's zone (luxon, or Intl with timeZone).",
        },
        {
          selector: 'NewExpression[callee.object.name="Intl"][callee.property.name="DateTimeFormat"]:not(:has(Property[key.name="timeZone"]))',
          message: 'Intl.DateTimeFormat in core names its timeZone: the default is the machine zone.',
        },
        {
          selector: 'ImportExpression[source.type!="Literal"]',
          message: 'Dynamic import() in core takes a plain string literal, so the boundary check can read it.',
        },
        {
          selector: ':matches(VariableDeclaration, TSDeclareFunction, TSModuleDeclaration, ClassDeclaration)[declare=true]',
          message: 'No ambient declarations in core: a `declare` could shadow a forbidden global.',
        },
      ],
      'no-new-func': 'error',
      'no-eval': 'error',
    },
  },
);
