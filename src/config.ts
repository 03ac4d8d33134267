import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from './core/app-error.ts';
import { LANGUAGES } from './core/language.ts';
import {
  isWallClock,
  type PostingPolicy,
  parseDays,
  type QuietHours,
  type Weekday,
} from './core/posting-window.ts';
import { err, ok, type Result } from './core/result.ts';
import { DEFAULT_FEED_ENTRIES, MAX_FEED_ENTRIES, type Target, type TargetPacing } from './core/target.ts';
import type { Team } from './core/team.ts';
import { NETWORK_NAMES, networkNamed } from './publish/registry.ts';
import { parseSecretKey } from './publish/target-secrets.ts';

/** The chat platforms a team can live on (SPEC §4), by the names main.ts gives their chats. */
const CHAT_KINDS = ['shell', 'slack', 'discord'] as const;

/** Slack credentials and endpoints, from the environment. */
export interface SlackSettings {
  readonly botToken: string;
  /** HTTP mode: verifies every request Slack sends */
  readonly signingSecret: string | undefined;
  /** Socket Mode when set (xapp-…) */
  readonly appToken: string | undefined;
  /** Web API base URL, with trailing slash (tests and proxies) */
  readonly apiUrl: string;
  /** see SlackAdapterOptions.ackBudgetMs; not configurable from outside (tests set it) */
  readonly ackBudgetMs?: number;
}

/** Everything Araldo needs to start, validated. */
export interface AppConfig {
  readonly databaseUrl: string | undefined;
  /** where the embedded database (PGlite) lives */
  readonly dataDir: string;
  readonly port: number;
  /** the address people reach this server at, for feed links; undefined: http://localhost:PORT */
  readonly publicUrl: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** the shell's user before any `/as` */
  readonly shellUser: string;
  readonly teams: readonly Team[];
  readonly targets: readonly Target[];
  /** set when a team lives on Slack */
  readonly slack: SlackSettings | undefined;
  /** every secret value, so logs can redact them wherever they appear */
  readonly secrets: readonly string[];
  /** where the teams and targets came from, for the start-up log */
  readonly configSource: string;
  /**
   * ARALDO_CLOCK_START: the instant Araldo's clock reads at start, running at
   * real speed from there. For tests and rehearsals only; undefined in
   * production, where the system clock is used.
   */
  readonly clockStart: Date | undefined;
  /**
   * ARALDO_SECRET_KEY, 32 bytes: seals the tokens a network rotates (X's
   * refresh token) in the database; undefined when not set (networks that
   * need it refuse to start, saying so).
   */
  readonly secretKey?: Buffer | undefined;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const id = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'expected a short id of lower-case letters, digits, - or _ (e.g. comune-fb)',
  );

const wallClock = z.string().refine(isWallClock, 'expected a 24-hour local time like 09:00');
const days = z
  .string()
  .refine((value) => parseDays(value) !== undefined, 'expected days like mon-fri, sat,sun or mon (mon … sun)')
  .transform((value) => parseDays(value) ?? []);

const postingFields = {
  slots: z
    .array(z.strictObject({ days, times: z.array(wallClock).min(1, 'expected at least one time') }))
    .min(1)
    .optional(),
  quietHours: z.strictObject({ from: wallClock, to: wallClock }).optional(),
};

/** The most seconds a target's pacing may ask between two publications: a day. */
const MAX_PACING_INTERVAL_SECONDS = 86_400;

const pacingSchema = z.strictObject({
  minIntervalSeconds: z
    .number('expected a number of seconds')
    .min(0, 'expected 0 seconds or more')
    .max(MAX_PACING_INTERVAL_SECONDS, `expected at most ${MAX_PACING_INTERVAL_SECONDS} seconds (a day)`)
    .optional(),
  maxInFlight: z
    .int('expected a whole number of publications')
    .min(1, 'expected at least 1')
    .max(100, 'expected at most 100')
    .optional(),
});

/**
 * What the network's registry entry asks of a target, reported with the
 * file's other problems: exactly the credential fields its schema knows (values are checked against the
 * environment later, in checkReferences).
 */
function checkNetwork(
  target: { network: string; credentials: Readonly<Record<string, string>> },
  ctx: z.RefinementCtx,
): void {
  const network = networkNamed(target.network);
  if (!network) return; // the enum-like check on `network` already says so
  // Zod hands the refinement what it could parse: credentials may be missing or malformed.
  if (typeof target.credentials !== 'object' || target.credentials === null) return;
  const shape = network.credentials.shape;
  const known = Object.keys(shape);
  for (const field of Object.keys(target.credentials)) {
    if (!Object.hasOwn(shape, field)) {
      ctx.addIssue({
        code: 'custom',
        path: ['credentials', field],
        message: `${network.name} has no credential "${field}" (${known.length > 0 ? `it takes ${known.join(', ')}` : 'it takes none'})`,
      });
    }
  }
  for (const field of known) {
    const optional = shape[field]?.safeParse(undefined).success ?? true;
    if (!optional && !Object.hasOwn(target.credentials, field)) {
      ctx.addIssue({
        code: 'custom',
        path: ['credentials', field],
        message: `${network.name} needs this credential: name the environment variable that holds it`,
      });
    }
  }
}

const targetSchema = z.strictObject({
  id,
  network: z
    .string()
    .refine((name) => networkNamed(name) !== undefined, `expected one of ${NETWORK_NAMES.join(', ')}`),
  displayName: z.string().min(1).max(100).optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  credentials: z
    .record(
      z.string(),
      z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected the NAME of an environment variable, never the secret itself'),
    )
    .default({}),
  approvalsRequired: z.int().min(1).max(10).optional(),
  // Checked against the network's own schema in checkReferences.
  settings: z.record(z.string(), z.unknown()).optional(),
  ...postingFields,
  feed: z
    .strictObject({
      entries: z
        .int('expected a whole number of entries')
        .min(1, 'expected at least 1 entry')
        .max(MAX_FEED_ENTRIES, `expected at most ${MAX_FEED_ENTRIES} entries`)
        .default(DEFAULT_FEED_ENTRIES),
    })
    .optional(),
  pacing: pacingSchema.optional(),
});

const teamSchema = z.strictObject({
  id,
  chat: z.enum(CHAT_KINDS, { error: `expected one of ${CHAT_KINDS.join(', ')}` }),
  channel: z.string().min(1),
  workspace: z.string().min(1).optional(),
  language: z.enum(LANGUAGES, { error: 'expected it or en' }).default('it'),
  timeZone: z
    .string()
    .refine(isTimeZone, 'expected an IANA time zone such as Europe/Rome')
    .default('Europe/Rome'),
  approvers: z.array(z.string().min(1)).min(1, 'expected at least one approver'),
  approvalsRequired: z.int().min(1).max(10).default(1),
  targets: z.array(id).optional(),
  ...postingFields,
  digest: z
    .strictObject({
      time: wallClock.default('08:30'),
      days: days.default(['mon', 'tue', 'wed', 'thu', 'fri']),
    })
    .default({ time: '08:30', days: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
});

const fileSchema = z.strictObject({
  teams: z.array(teamSchema).min(1, 'expected at least one team'),
  targets: z.array(targetSchema.superRefine(checkNetwork)).min(1, 'expected at least one target'),
});

/** The configuration used when ARALDO_CONFIG is not set (SPEC §5). */
export const DEFAULT_CONFIG_FILE: z.input<typeof fileSchema> = {
  teams: [
    {
      id: 'social',
      chat: 'shell',
      channel: 'social',
      language: 'it',
      timeZone: 'Europe/Rome',
      approvers: ['supervisor'],
      approvalsRequired: 1,
    },
  ],
  targets: [{ id: 'sito', network: 'feed', displayName: 'Sito istituzionale' }],
};

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  ARALDO_CONFIG: z.string().min(1).optional(),
  ARALDO_SHELL_USER: z.string().min(1).default('editor'),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-/, 'expected a bot token (xoxb-…)')
    .optional(),
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'expected an app-level token (xapp-…)')
    .optional(),
  ARALDO_SECRET_KEY: z.string().min(1).optional(),
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).default('https://slack.com/api/'),
  ARALDO_CLOCK_START: z.iso
    .datetime({
      offset: true,
      error: 'expected an ISO 8601 instant with its offset, e.g. 2026-12-02T11:00:00+01:00',
    })
    .transform((value) => new Date(value))
    .optional(),
});

function describe(prefix: string, issues: readonly z.core.$ZodIssue[], nested = false): string[] {
  return issues.map((issue) => {
    const path = issue.path
      .map((part, index) =>
        typeof part === 'number' ? `[${part}]` : `${index === 0 && !nested ? '' : '.'}${String(part)}`,
      )
      .join('');
    return `${prefix}${path || (nested ? '' : '(top level)')}: ${issue.message}`;
  });
}

/** Cross-field rules zod cannot express on one field: references and duplicates. */
function checkReferences(
  file: z.output<typeof fileSchema>,
  env: NodeJS.ProcessEnv,
  problems: string[],
): void {
  const targetIds = new Set<string>();
  file.targets.forEach((target, index) => {
    if (targetIds.has(target.id)) problems.push(`targets[${index}].id: "${target.id}" is used twice`);
    targetIds.add(target.id);
    if (target.feed && target.network !== 'feed') {
      problems.push(
        `targets[${index}].feed: only targets of network feed have a feed (this one is ${target.network})`,
      );
    }
    const settingsSchema = networkNamed(target.network)?.settings;
    if (target.settings !== undefined && !settingsSchema) {
      problems.push(`targets[${index}].settings: ${target.network} takes no settings`);
    } else if (settingsSchema) {
      const checked = settingsSchema.safeParse(target.settings ?? {});
      if (!checked.success)
        problems.push(...describe(`targets[${index}].settings`, checked.error.issues, true));
    }
    const shape = networkNamed(target.network)?.credentials.shape;
    for (const [field, variable] of Object.entries(target.credentials)) {
      const value = env[variable];
      if (!value) {
        problems.push(`targets[${index}].credentials.${field}: environment variable ${variable} is not set`);
        continue;
      }
      // The value is a secret: the messages name the variable, never quote it.
      const checked = shape?.[field]?.safeParse(value);
      if (checked && !checked.success) {
        const why = checked.error.issues.map((issue) => issue.message).join('; ');
        problems.push(`targets[${index}].credentials.${field}: environment variable ${variable}: ${why}`);
      }
    }
  });
  const teamIds = new Set<string>();
  file.teams.forEach((team, index) => {
    if (teamIds.has(team.id)) problems.push(`teams[${index}].id: "${team.id}" is used twice`);
    teamIds.add(team.id);
    (team.targets ?? []).forEach((targetId, t) => {
      if (!targetIds.has(targetId)) {
        problems.push(
          `teams[${index}].targets[${t}]: no target "${targetId}" (known: ${[...targetIds].join(', ')})`,
        );
      }
    });
  });
}

/** A target's pacing: its network's defaults, each overridden by the target's configuration. */
function resolvePacing(
  defaults: TargetPacing,
  overrides: { minIntervalSeconds?: number | undefined; maxInFlight?: number | undefined } | undefined,
): TargetPacing {
  return {
    minIntervalMs:
      overrides?.minIntervalSeconds === undefined
        ? defaults.minIntervalMs
        : Math.round(overrides.minIntervalSeconds * 1000),
    maxInFlight: overrides?.maxInFlight ?? defaults.maxInFlight,
  };
}

function toPolicy(fields: {
  slots?: readonly { days: readonly Weekday[]; times: readonly string[] }[] | undefined;
  quietHours?: QuietHours | undefined;
}): PostingPolicy {
  return {
    ...(fields.slots ? { slots: fields.slots } : {}),
    ...(fields.quietHours ? { quietHours: fields.quietHours } : {}),
  };
}

function readConfigFile(path: string): Result<unknown, string> {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    return err(`ARALDO_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return ok(JSON.parse(raw));
  } catch (error) {
    return err(`ARALDO_CONFIG: ${path} is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Reads and validates the whole configuration from `env` and the config
 * file it names. Reports every problem at once, each naming the field and
 * what is expected.
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): Result<AppConfig, string[]> {
  const problems: string[] = [];
  // `NAME=` lines, as in a copied .env.example, mean unset, not an empty value.
  const parsedEnv = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsedEnv.success) problems.push(...describe('', parsedEnv.error.issues));

  const configPath = env.ARALDO_CONFIG ? resolve(cwd, env.ARALDO_CONFIG) : undefined;
  let rawFile: unknown = DEFAULT_CONFIG_FILE;
  if (configPath) {
    const read = readConfigFile(configPath);
    if (read.ok) rawFile = read.value;
    else problems.push(read.error);
  }
  const parsedFile = fileSchema.safeParse(rawFile);
  if (!parsedFile.success) {
    problems.push(...describe('config ', parsedFile.error.issues));
  } else {
    checkReferences(parsedFile.data, env, problems);
  }
  if (parsedFile.success) {
    parsedFile.data.teams.forEach((team, index) => {
      if (team.chat === 'discord') {
        problems.push(
          `config teams[${index}].chat: Discord is not available in this version yet; use slack or shell`,
        );
      }
    });
  }
  if (
    parsedEnv.success &&
    parsedFile.success &&
    parsedFile.data.teams.some((team) => team.chat === 'slack')
  ) {
    // A platform's tokens are required only when a team uses it.
    if (!parsedEnv.data.SLACK_BOT_TOKEN)
      problems.push('SLACK_BOT_TOKEN: a team uses Slack, so the bot token is required');
    if (!parsedEnv.data.SLACK_APP_TOKEN && !parsedEnv.data.SLACK_SIGNING_SECRET) {
      problems.push(
        'SLACK_SIGNING_SECRET: required for Slack in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
      );
    }
  }
  if (parsedEnv.success && parsedFile.success && !parsedEnv.data.ARALDO_SECRET_KEY) {
    parsedFile.data.targets.forEach((target, index) => {
      const network = networkNamed(target.network);
      if (network?.keepsSecrets) {
        problems.push(
          `targets[${index}] (${target.id}): ${network.title ?? network.name} rotates its refresh token, which Araldo keeps sealed in the database: set ARALDO_SECRET_KEY to 32 random bytes (openssl rand -hex 32; README, section "${network.title ?? network.name}")`,
        );
      }
    });
  }
  if (problems.length > 0 || !parsedEnv.success || !parsedFile.success) return err(problems);

  const e = parsedEnv.data;
  const secrets: string[] = [];
  const targets: Target[] = parsedFile.data.targets.map((target) => {
    const credentials = Object.fromEntries(
      Object.entries(target.credentials).map(([field, variable]) => [field, env[variable] ?? '']),
    );
    secrets.push(...Object.values(credentials));
    const network = networkNamed(target.network);
    if (!network) throw new AppError('invariant_broken', `target ${target.id}: network checked, yet unknown`);
    const settings = network.settings?.parse(target.settings ?? {});
    return {
      id: target.id,
      network: target.network,
      displayName: target.displayName ?? target.id,
      networkTitle: network.title ?? network.name,
      credentials,
      ...(target.baseUrl === undefined ? {} : { baseUrl: target.baseUrl }),
      ...(settings === undefined ? {} : { settings }),
      ...(target.approvalsRequired === undefined ? {} : { approvalsRequired: target.approvalsRequired }),
      ...(target.slots || target.quietHours ? { posting: toPolicy(target) } : {}),
      ...(target.feed ? { feed: { entries: target.feed.entries } } : {}),
      pacing: resolvePacing(network.pacing, target.pacing),
    };
  });
  const teams: Team[] = parsedFile.data.teams.map((team) => ({
    id: team.id,
    chat: team.chat,
    channel: team.channel,
    ...(team.workspace === undefined ? {} : { workspace: team.workspace }),
    language: team.language,
    timeZone: team.timeZone,
    approvers: team.approvers,
    approvalsRequired: team.approvalsRequired,
    targets: team.targets ?? targets.map((target) => target.id),
    posting: toPolicy(team),
    digest: team.digest,
  }));
  if (e.DATABASE_URL) {
    const password = new URL(e.DATABASE_URL).password;
    if (password) secrets.push(decodeURIComponent(password));
  }
  const slack: SlackSettings | undefined =
    e.SLACK_BOT_TOKEN && teams.some((team) => team.chat === 'slack')
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET,
          appToken: e.SLACK_APP_TOKEN,
          apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
        }
      : undefined;
  let secretKey: Buffer | undefined;
  if (e.ARALDO_SECRET_KEY) {
    try {
      secretKey = parseSecretKey(e.ARALDO_SECRET_KEY);
    } catch (error) {
      return err([(error as Error).message]);
    }
  }
  for (const secret of [e.SLACK_BOT_TOKEN, e.SLACK_SIGNING_SECRET, e.SLACK_APP_TOKEN, e.ARALDO_SECRET_KEY])
    if (secret) secrets.push(secret);
  const dataDir = isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(cwd, e.DATA_DIR);
  return ok({
    databaseUrl: e.DATABASE_URL,
    dataDir,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    // The shell shares the terminal with the logs: keep it readable unless asked.
    logLevel: e.LOG_LEVEL ?? (teams.some((team) => team.chat === 'shell') ? 'warn' : 'info'),
    shellUser: e.ARALDO_SHELL_USER,
    teams,
    targets,
    slack,
    secrets: secrets.filter((secret) => secret.length >= 4),
    configSource: configPath ?? 'built-in default',
    clockStart: e.ARALDO_CLOCK_START,
    secretKey,
  });
}
