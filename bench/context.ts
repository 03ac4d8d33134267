import type { Target } from '../src/core/target.ts';
import type { Team } from '../src/core/team.ts';
import type { FakeSlackChild } from './children.ts';
import type { BenchOptions } from './options.ts';

/** What every figure's module gets from run.ts. */
export interface BenchContext {
  readonly options: BenchOptions;
  /** the desk's configuration file (see desk-kit.ts) */
  readonly configPath: string;
  readonly teams: readonly Team[];
  readonly targets: readonly Target[];
  /** a progress line on stderr (the figures go to stdout) */
  progress(message: string): void;
  /** the FakeSlack process every child Araldo and the Bolt floor talk to, started on first use */
  fakeSlack(): Promise<FakeSlackChild>;
}

/** `PGlite` or `PostgreSQL`, for headings. */
export function databaseName(context: BenchContext): string {
  return context.options.database === 'pglite' ? 'PGlite' : 'PostgreSQL';
}
