/**
 * The boundary check, run the way `npm run boundaries` and `npm run lint` run
 * it (the repository's own .dependency-cruiser.cjs and eslint.config.js), on
 * a throwaway tree that mirrors src/: each file below is one way to walk
 * around a boundary, or one legitimate import that must stay allowed, and
 * each test names the rules it must trip (none for the legitimate ones).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Files every case may import, so that the cases' imports resolve. */
const BASE: Record<string, string> = {
  'src/core/ports.ts': 'export interface Clock {\n  now(): Date;\n}\n',
  'src/core/post.ts': 'export interface Post {\n  readonly text: string;\n}\n',
  'src/system-clock.ts':
    "import type { Clock } from './core/ports.ts';\n\nexport const systemClock: Clock = { now: () => new Date() };\n",
  'src/config.ts': 'export const config = { port: 3000 };\n',
  'src/main.ts': 'export const started = true;\n',
  'src/chat/shell/translate.ts': 'export const toShellText = (text: string): string => text;\n',
  'src/chat/shell/shell-chat.ts': 'export class ShellChat {}\n',
  'src/publish/feed/feed-publisher.ts':
    "import { writeFile } from 'node:fs/promises';\n\nexport class FeedPublisher {\n  readonly write = writeFile;\n}\n",
  'src/store/database.ts': "import { sql } from 'drizzle-orm';\n\nexport const ping = sql`select 1`;\n",
  'src/scheduler/scheduler.ts':
    "import schedule from 'node-schedule';\n\nexport const cancel = schedule.gracefulShutdown;\n",
  'test/fakes/fake-clock.ts': 'export const fakeNow = 0;\n',
};

/** Each case: a file in the mirrored tree and the dependency-cruiser rules it breaks. */
const IMPORT_CASES: ReadonlyArray<{ what: string; file: string; source: string; rules: string[] }> = [
  {
    what: 'a side-effect import of node:fs in core',
    file: 'src/core/side-effect-fs.ts',
    source: "import 'node:fs';\n",
    rules: ['core-imports-only-core'],
  },
  {
    what: 'a template dynamic import of a built-in in core',
    file: 'src/core/template-import.ts',
    source: 'export const load = () => import(`node:fs`);\n',
    rules: ['core-imports-only-core'],
  },
  {
    what: 'core importing ../system-clock.ts',
    file: 'src/core/reads-system-clock.ts',
    source: "import { systemClock } from '../system-clock.ts';\n\nexport const at = systemClock;\n",
    rules: ['core-imports-only-core'],
  },
  {
    what: 'a type-only import of a Node built-in in core',
    file: 'src/core/type-only-builtin.ts',
    source: "import type { Readable } from 'node:stream';\n\nexport type Input = Readable;\n",
    rules: ['core-imports-only-core'],
  },
  {
    what: 'core importing a package outside its allow-list',
    file: 'src/core/uses-zod.ts',
    source: "import { z } from 'zod';\n\nexport const id = z.string();\n",
    rules: ['core-imports-only-core'],
  },
  {
    what: 'core loading a built-in through process.getBuiltinModule',
    file: 'src/core/get-builtin.ts',
    source: "export const fs = process.getBuiltinModule('node:fs');\n",
    rules: ['core-imports-only-core'],
  },
  {
    what: 'publish importing @slack/web-api',
    file: 'src/publish/feed/notify-slack.ts',
    source: "import { WebClient } from '@slack/web-api';\n\nexport const client = WebClient;\n",
    rules: ['chat-sdk-only-in-chat'],
  },
  {
    what: 'chat importing ../config.ts',
    file: 'src/chat/reads-config.ts',
    source: "import { config } from '../config.ts';\n\nexport const port = config.port;\n",
    rules: ['adapters-not-wiring'],
  },
  {
    what: 'a chat platform re-exporting config.ts',
    file: 'src/chat/shell/re-exports-config.ts',
    source: "export { config } from '../../config.ts';\n",
    rules: ['adapters-not-wiring'],
  },
  {
    what: 'publish importing main.ts',
    file: 'src/publish/feed/imports-main.ts',
    source: "import { started } from '../../main.ts';\n\nexport const up = started;\n",
    rules: ['adapters-not-wiring', 'nothing-imports-main'],
  },
  {
    what: 'a type-only import of publish from chat',
    file: 'src/chat/slack/types-from-publish.ts',
    source:
      "import type { FeedPublisher } from '../../publish/feed/feed-publisher.ts';\n\nexport type P = FeedPublisher;\n",
    rules: ['chat-not-publish'],
  },
  {
    what: 'a type-only import of chat from publish',
    file: 'src/publish/feed/types-from-chat.ts',
    source:
      "import type { ShellChat } from '../../chat/shell/shell-chat.ts';\n\nexport type C = ShellChat;\n",
    rules: ['publish-not-chat'],
  },
  {
    what: 'one chat platform importing another',
    file: 'src/chat/slack/uses-shell.ts',
    source: "import { toShellText } from '../shell/translate.ts';\n\nexport const text = toShellText;\n",
    rules: ['chat-platforms-apart'],
  },
  {
    what: 'one network importing another',
    file: 'src/publish/mastodon/uses-feed.ts',
    source:
      "import { FeedPublisher } from '../feed/feed-publisher.ts';\n\nexport const base = FeedPublisher;\n",
    rules: ['publish-networks-apart'],
  },
  {
    what: 'chat importing the store',
    file: 'src/chat/slack/uses-store.ts',
    source: "import { ping } from '../../store/database.ts';\n\nexport const p = ping;\n",
    rules: ['adapters-import-only-core'],
  },
  {
    what: 'src importing test/',
    file: 'src/web/uses-fake.ts',
    source: "import { fakeNow } from '../../test/fakes/fake-clock.ts';\n\nexport const now = fakeNow;\n",
    rules: ['src-not-test'],
  },
  {
    what: 'drizzle outside src/store',
    file: 'src/web/uses-drizzle.ts',
    source: "import { sql } from 'drizzle-orm';\n\nexport const q = sql;\n",
    rules: ['db-only-in-store'],
  },
  {
    what: 'node-schedule outside src/scheduler',
    file: 'src/chat/uses-node-schedule.ts',
    source: "import schedule from 'node-schedule';\n\nexport const s = schedule;\n",
    rules: ['node-schedule-only-in-scheduler'],
  },
  {
    what: 'a network SDK outside src/publish (not even installed)',
    file: 'src/chat/uses-masto.ts',
    source: "import { createRestAPIClient } from 'masto';\n\nexport const m = createRestAPIClient;\n",
    rules: ['network-sdk-only-in-publish', 'no-unresolvable'],
  },
  {
    what: 'core using only core (with .ts extensions and import type), luxon and twitter-text',
    file: 'src/core/allowed.ts',
    source: [
      "import { DateTime } from 'luxon';",
      "import twitterText from 'twitter-text';",
      "import type { Clock } from './ports.ts';",
      "import type { Post } from './post.ts';",
      '',
      'export const weight = (post: Post, clock: Clock) => [twitterText.parseTweet(post.text), DateTime.fromJSDate(clock.now())];',
      "export const later = () => import('./post.ts');",
      '',
    ].join('\n'),
    rules: [],
  },
  {
    what: 'a chat platform importing a port from core with import type, its own files and its SDK',
    file: 'src/chat/slack/allowed.ts',
    source: [
      "import { App } from '@slack/bolt';",
      "import type { Clock } from '../../core/ports.ts';",
      "import { reply } from './allowed-reply.ts';",
      '',
      'export const wire = (clock: Clock) => [App, clock, reply];',
      '',
    ].join('\n'),
    rules: [],
  },
  {
    what: 'a file of the same platform',
    file: 'src/chat/slack/allowed-reply.ts',
    source: "export const reply = 'ok';\n",
    rules: [],
  },
  {
    what: 'main.ts wiring config, adapters, store and scheduler',
    file: 'src/main-wiring.ts',
    source: [
      "import { ShellChat } from './chat/shell/shell-chat.ts';",
      "import { config } from './config.ts';",
      "import { FeedPublisher } from './publish/feed/feed-publisher.ts';",
      "import { cancel } from './scheduler/scheduler.ts';",
      "import { ping } from './store/database.ts';",
      "import { systemClock } from './system-clock.ts';",
      '',
      'export const all = [ShellChat, config, FeedPublisher, cancel, ping, systemClock];',
      '',
    ].join('\n'),
    rules: [],
  },
];

/** Each case: a file in the mirrored tree and the ESLint rules it breaks. */
const GLOBAL_CASES: ReadonlyArray<{ what: string; file: string; source: string; rules: string[] }> = [
  {
    what: 'process.env in core',
    file: 'src/core/reads-env.ts',
    source: 'export const level = process.env.LOG_LEVEL;\n',
    rules: ['no-restricted-globals'],
  },
  {
    what: 'setTimeout in core',
    file: 'src/core/timer.ts',
    source: 'export const later = (run: () => void) => setTimeout(run, 10);\n',
    rules: ['no-restricted-globals'],
  },
  {
    what: 'setInterval and clearInterval in core',
    file: 'src/core/interval.ts',
    source: 'export const tick = (run: () => void) => clearInterval(setInterval(run, 10));\n',
    rules: ['no-restricted-globals'],
  },
  {
    what: 'fetch in core',
    file: 'src/core/calls-network.ts',
    source: "export const get = () => fetch('http://127.0.0.1/');\n",
    rules: ['no-restricted-globals'],
  },
  {
    what: 'performance.now() in core',
    file: 'src/core/performance.ts',
    source: 'export const started = performance.now();\n',
    rules: ['no-restricted-globals'],
  },
  {
    what: "a Date's local hour in core, which reads the machine's zone",
    file: 'src/core/machine-zone.ts',
    source: 'export const hour = (at: Date) => at.getHours();\n',
    rules: ['no-restricted-syntax'],
  },
  {
    what: 'Intl.DateTimeFormat without a timeZone in core',
    file: 'src/core/machine-format.ts',
    source: "export const format = new Intl.DateTimeFormat('it');\n",
    rules: ['no-restricted-syntax'],
  },
  {
    what: 'globalThis.setTimeout in core',
    file: 'src/core/global-this-timer.ts',
    source: 'export const later = (run: () => void) => globalThis.setTimeout(run, 10);\n',
    rules: ['no-restricted-globals'],
  },
  {
    what: "global['fetch'] in core",
    file: 'src/core/global-fetch.ts',
    source: "export const get = () => global['fetch']('http://127.0.0.1/');\n",
    rules: ['no-restricted-globals'],
  },
  {
    what: 'Date.now() in core',
    file: 'src/core/date-now.ts',
    source: 'export const at = Date.now();\n',
    rules: ['no-restricted-properties'],
  },
  {
    what: 'a bare new Date() in core',
    file: 'src/core/bare-date.ts',
    source: 'export const at = new Date();\n',
    rules: ['no-restricted-syntax'],
  },
  {
    what: 'Math.random in core, destructured',
    file: 'src/core/random.ts',
    source: 'const { random } = Math;\nexport const pick = random();\n',
    rules: ['no-restricted-properties'],
  },
  {
    what: 'AbortSignal.timeout in core',
    file: 'src/core/abort-timeout.ts',
    source: 'export const signal = AbortSignal.timeout(1000);\n',
    rules: ['no-restricted-properties'],
  },
  {
    what: 'require in core',
    file: 'src/core/requires.ts',
    source: "export const fs: unknown = require('node:fs');\n",
    rules: ['no-restricted-globals'],
  },
  {
    what: 'a template dynamic import in core',
    file: 'src/core/template-import-name.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture is source text that holds a template literal
    source: 'export const load = (name: string) => import(`./${name}.ts`);\n',
    rules: ['no-restricted-syntax'],
  },
  {
    what: 'a dynamic import of a variable in core',
    file: 'src/core/variable-import.ts',
    source: 'export const load = (name: string) => import(name);\n',
    rules: ['no-restricted-syntax'],
  },
  {
    what: 'an eslint-disable comment in core',
    file: 'src/core/disabled.ts',
    source: '// eslint-disable-next-line no-restricted-globals\nexport const env = process.env;\n',
    rules: ['no-restricted-globals'],
  },
  {
    what: 'a declare that shadows a global in core',
    file: 'src/core/shadowed.ts',
    source:
      'declare const setTimeout: (run: () => void, ms: number) => unknown;\nexport const later = (run: () => void) => setTimeout(run, 10);\n',
    rules: ['no-restricted-syntax'],
  },
  {
    what: 'new Date(ms) and a literal dynamic import in core',
    file: 'src/core/allowed-globals.ts',
    source:
      "export const at = (ms: number) => new Date(ms);\nexport const later = () => import('./ports.ts');\n",
    rules: [],
  },
  {
    what: 'setTimeout and process.env in an adapter',
    file: 'src/chat/shell/adapter-timer.ts',
    source: 'export const later = (run: () => void) => setTimeout(run, Number(process.env.DELAY));\n',
    rules: [],
  },
];

let dir: string;
let cruised: ICruiseResult;
let linted: Map<string, ESLint.LintResult>;

function write(file: string, source: string): void {
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), source);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'araldo-boundaries-'));
  // The repository's compiler options, so that `.ts` extension imports and import type read as in src/.
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['src', 'test'] }));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [file, source] of Object.entries(BASE)) write(file, source);
  for (const { file, source } of [...IMPORT_CASES, ...GLOBAL_CASES]) write(file, source);

  const options = await extractDepcruiseOptions(join(ROOT, '.dependency-cruiser.cjs'));
  const result = await cruise(['src'], { ...options, baseDir: dir }, undefined, {
    tsConfig: extractTSConfig(join(dir, 'tsconfig.json')),
  });
  cruised = result.output as ICruiseResult;

  const eslint = new ESLint({ cwd: dir, overrideConfigFile: join(ROOT, 'eslint.config.js') });
  const results = await eslint.lintFiles(GLOBAL_CASES.map(({ file }) => file));
  linted = new Map(results.map((result) => [relative(dir, result.filePath), result]));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function rulesBrokenBy(file: string): string[] {
  const names = cruised.summary.violations.filter((v) => v.from === file).map((v) => v.rule.name);
  return [...new Set(names)].sort();
}

describe('the import boundaries (dependency-cruiser)', () => {
  it('cruises every file of the mirrored tree and resolves its imports', () => {
    const sources = cruised.modules.filter((m) => m.source.startsWith('src/')).map((m) => m.source);
    for (const { file } of IMPORT_CASES) expect(sources).toContain(file);
    const allowed = cruised.modules.find((m) => m.source === 'src/core/allowed.ts');
    expect([...new Set(allowed?.dependencies.map((d) => d.resolved))].sort()).toEqual([
      expect.stringMatching(/node_modules\/luxon\//),
      expect.stringMatching(/node_modules\/twitter-text\//),
      'src/core/ports.ts',
      'src/core/post.ts',
    ]);
  });

  it.each(IMPORT_CASES)('judges $what', ({ file, rules }) => {
    expect(rulesBrokenBy(file)).toEqual([...rules].sort());
  });

  it('reports nothing for the base files every case builds on', () => {
    for (const file of Object.keys(BASE)) expect(rulesBrokenBy(file)).toEqual([]);
  });
});

describe('the globals of core (ESLint)', () => {
  it.each(GLOBAL_CASES)('judges $what', ({ file, rules }) => {
    const result = linted.get(file);
    expect(result, `${file} was not linted`).toBeDefined();
    const messages = result?.messages ?? [];
    expect(messages.filter((m) => m.fatal)).toEqual([]);
    const errors = messages.filter((m) => m.severity === 2).map((m) => m.ruleId ?? '');
    expect([...new Set(errors)].sort()).toEqual([...rules].sort());
  });
});
