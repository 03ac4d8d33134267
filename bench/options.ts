import { parseArgs } from 'node:util';

/** The figures the bench knows, in the order they run. */
export const FIGURE_NAMES = ['parsing', 'queries', 'engine', 'lateness', 'start', 'memory', 'ack'] as const;

/** One of the figures. */
export type FigureName = (typeof FIGURE_NAMES)[number];

/** Which database every figure runs on: PGlite by default, PostgreSQL with DATABASE_URL. */
export type DatabaseKind = 'pglite' | 'postgres';

/** The sizes of one run; `--quick` shrinks them, BENCH_* variables override them. */
export interface BenchSizes {
  /** how many times each figure (and its floor) is measured */
  readonly repeats: number;
  readonly ackRequests: number;
  readonly ackConcurrency: number;
  readonly ackWarmup: number;
  /** deliveries in the engine's backlog (two targets a post) */
  readonly engineDeliveries: number;
  /** bursts of 50 posts a second in the lateness run, and how long each lasts */
  readonly latenessBursts: number;
  readonly latenessBurstSeconds: number;
  /** the quiet stretch between two bursts, as replayed */
  readonly latenessQuietSeconds: number;
  /** the trickle run of the lateness figure: posts a second and seconds */
  readonly latenessTrickleSeconds: number;
  readonly startRepeats: number;
  readonly memorySmall: number;
  readonly memoryLarge: number;
  readonly queriesPosts: number;
}

/** What the command line and the environment asked for. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly json: boolean;
  readonly explain: boolean;
  readonly only: readonly FigureName[];
  readonly database: DatabaseKind;
  /** the server's URL on PostgreSQL runs: scratch databases are created on it and dropped */
  readonly adminUrl: string | undefined;
  readonly sizes: BenchSizes;
}

const DEFAULT_SIZES: BenchSizes = {
  repeats: 3,
  ackRequests: 2000,
  ackConcurrency: 50,
  ackWarmup: 100,
  engineDeliveries: 1000,
  latenessBursts: 3,
  latenessBurstSeconds: 10,
  latenessQuietSeconds: 5,
  latenessTrickleSeconds: 15,
  startRepeats: 5,
  memorySmall: 1000,
  memoryLarge: 100_000,
  queriesPosts: 5000,
};

const QUICK_SIZES: BenchSizes = {
  repeats: 1,
  ackRequests: 200,
  ackConcurrency: 50,
  ackWarmup: 20,
  engineDeliveries: 200,
  latenessBursts: 1,
  latenessBurstSeconds: 3,
  latenessQuietSeconds: 2,
  latenessTrickleSeconds: 4,
  startRepeats: 2,
  memorySmall: 1000,
  memoryLarge: 10_000,
  queriesPosts: 500,
};

/** BENCH_<NAME> (e.g. BENCH_ACK_REQUESTS) for each size, when set. */
const SIZE_VARIABLES: Readonly<Record<keyof BenchSizes, string>> = {
  repeats: 'BENCH_REPEATS',
  ackRequests: 'BENCH_ACK_REQUESTS',
  ackConcurrency: 'BENCH_ACK_CONCURRENCY',
  ackWarmup: 'BENCH_ACK_WARMUP',
  engineDeliveries: 'BENCH_ENGINE_DELIVERIES',
  latenessBursts: 'BENCH_LATENESS_BURSTS',
  latenessBurstSeconds: 'BENCH_LATENESS_BURST_SECONDS',
  latenessQuietSeconds: 'BENCH_LATENESS_QUIET_SECONDS',
  latenessTrickleSeconds: 'BENCH_LATENESS_TRICKLE_SECONDS',
  startRepeats: 'BENCH_START_REPEATS',
  memorySmall: 'BENCH_MEMORY_SMALL',
  memoryLarge: 'BENCH_MEMORY_LARGE',
  queriesPosts: 'BENCH_QUERIES_POSTS',
};

const USAGE = `usage: npm run bench -- [--quick] [--json] [--explain] [--only ${FIGURE_NAMES.join(',')}]`;

/** Reads the command line and the environment; throws with the usage on anything unknown. */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
  const { values } = parsed;
  const only = values.only ? values.only.split(',').map((name) => name.trim()) : [...FIGURE_NAMES];
  const unknown = only.filter((name) => !(FIGURE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown figure(s): ${unknown.join(', ')}\n${USAGE}`);
  const base = values.quick ? QUICK_SIZES : DEFAULT_SIZES;
  const sizes = { ...base };
  for (const [key, variable] of Object.entries(SIZE_VARIABLES) as [keyof BenchSizes, string][]) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw.replaceAll('_', ''));
    if (!Number.isInteger(value) || value < 1) throw new Error(`${variable} must be a whole number ≥ 1`);
    sizes[key] = value;
  }
  const adminUrl = env.DATABASE_URL || undefined;
  return {
    quick: values.quick ?? false,
    json: values.json ?? false,
    explain: values.explain ?? false,
    only: FIGURE_NAMES.filter((name) => only.includes(name)),
    database: adminUrl ? 'postgres' : 'pglite',
    adminUrl,
    sizes,
  };
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      explain: { type: 'boolean' },
      only: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
}
