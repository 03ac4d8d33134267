// Figures, their floors and aims: the statistics over repeats, the printed
// table and the `--json` object. A figure is never asserted: its mark says
// whether the aim holds in this run, and the run still exits 0.

/** How an aim compares. */
export type AimOp = '<' | '≤' | '≥' | '=';

/** An aim of issue 9, on the figure itself or on its ratio to the floor. */
export interface Aim {
  readonly on: 'value' | 'ratio';
  readonly op: AimOp;
  readonly limit: number;
  /** `worst`: it must hold in every run (e.g. zero late acks); default: on the median */
  readonly of?: 'median' | 'worst';
}

/** One figure: Araldo's measurements and the floor's, from the same runs. */
export interface Figure {
  /** stable name in the JSON, e.g. `ack.p99` (the database is prefixed when reported) */
  readonly key: string;
  /** what a person reads, with the unit, e.g. `ack p99 (ms)` */
  readonly title: string;
  readonly unit: string;
  /** one per run */
  readonly values: readonly number[];
  /** one per run, measured next to the value of the same index; or a single constant floor */
  readonly floors: readonly number[];
  /** whether a lower value is better (times, counts) or a higher one (rates) */
  readonly better: 'lower' | 'higher';
  readonly aim?: Aim;
}

/** A group of figures measured together, with what they measured. */
export interface Section {
  readonly name: string;
  /** the workload, in one line */
  readonly workload: string;
  /** what the floor is, in one line */
  readonly floor: string;
  readonly figures: readonly Figure[];
  /** extra lines printed under the table (breakdowns, caveats) */
  readonly notes: readonly string[];
}

/** min, median and max of a non-empty list. */
export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** min/median/max; the median of an even count is the mean of the middle two. */
export function spreadOf(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted[sorted.length - 1] as number };
}

/** The q-quantile (0…1) of samples, nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The ratios value/floor, run by run when paired, else against the one floor. */
export function ratiosOf(figure: Figure): number[] {
  const ratios: number[] = [];
  for (const [index, value] of figure.values.entries()) {
    const floor = figure.floors.length === figure.values.length ? figure.floors[index] : figure.floors[0];
    if (floor === undefined || floor === 0 || !Number.isFinite(value)) continue;
    ratios.push(value / floor);
  }
  return ratios;
}

/** Whether the aim holds: true, false, or undefined when the figure has no aim or no data. */
export function aimHolds(figure: Figure): boolean | undefined {
  const aim = figure.aim;
  if (!aim) return undefined;
  const measured = aim.on === 'ratio' ? ratiosOf(figure) : figure.values.filter(Number.isFinite);
  const spread = spreadOf(measured);
  if (!spread) return undefined;
  const worst = aim.op === '≥' ? spread.min : spread.max;
  const subject = aim.of === 'worst' ? worst : spread.median;
  switch (aim.op) {
    case '<':
      return subject < aim.limit;
    case '≤':
      return subject <= aim.limit;
    case '≥':
      return subject >= aim.limit;
    case '=':
      return subject === aim.limit;
  }
}

/** Numbers as people read them: thousands separated, three significant digits below 100. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  if (magnitude >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString('en');
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

function formatSpread(spread: Spread | undefined): string {
  if (!spread) return '—';
  if (spread.min === spread.max) return formatNumber(spread.median);
  return `${formatNumber(spread.min)} / ${formatNumber(spread.median)} / ${formatNumber(spread.max)}`;
}

function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? Math.round(ratio).toLocaleString('en') : ratio.toFixed(2)}×`;
}

/** The aim in words: `≤ 1.2× floor`, `< 1,000 ms`, `= 0 every run`. */
export function describeAim(figure: Figure): string {
  const aim = figure.aim;
  if (!aim) return '—';
  const number = aim.limit.toLocaleString('en');
  const limit =
    aim.on === 'ratio'
      ? `${number}× floor`
      : figure.unit === '×'
        ? `${number}×`
        : `${number}${unitSuffix(figure.unit)}`;
  return `${aim.op} ${limit}${aim.of === 'worst' ? ' every run' : ''}`;
}

function unitSuffix(unit: string): string {
  return unit === '' ? '' : ` ${unit}`;
}

function mark(holds: boolean | undefined): string {
  if (holds === undefined) return '';
  return holds ? '✓' : '✗';
}

function pad(text: string, width: number): string {
  const length = [...text].length;
  return length >= width ? text : text + ' '.repeat(width - length);
}

function padStart(text: string, width: number): string {
  const length = [...text].length;
  return length >= width ? text : ' '.repeat(width - length) + text;
}

/** The printed block of a section: heading, table, notes. */
export function formatSection(section: Section, database: string): string {
  const header = ['figure', 'Araldo min / median / max', 'floor min / median / max', 'ratio', 'aim'];
  const rows = section.figures.map((figure) => {
    const ratios = spreadOf(ratiosOf(figure));
    return [
      figure.title,
      formatSpread(spreadOf(figure.values)),
      formatSpread(spreadOf(figure.floors)),
      ratios ? formatRatio(ratios.median) : '—',
      `${describeAim(figure)} ${mark(aimHolds(figure))}`.trim(),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max([...title].length, ...rows.map((row) => [...(row[column] ?? '')].length)),
  );
  const line = (cells: readonly string[]) =>
    `   ${cells
      .map((cell, column) =>
        column === 0 || column === 4 ? pad(cell, widths[column] ?? 0) : padStart(cell, widths[column] ?? 0),
      )
      .join('   ')
      .trimEnd()}`;
  return [
    `── ${section.name} (${database}): ${section.workload}`,
    `   floor: ${section.floor}`,
    line(header),
    ...rows.map(line),
    ...section.notes.map((note) => `   ${note}`),
    '',
  ].join('\n');
}

/** One figure in the `--json` object. */
export interface FigureJson {
  readonly value: number | null;
  readonly floor: number | null;
  readonly ratio: number | null;
  readonly aim: string | null;
  readonly unit: string;
  readonly min: number | null;
  readonly max: number | null;
  readonly runs: number;
  /** whether the aim holds; null without an aim */
  readonly holds: boolean | null;
}

/** A finite number to six significant digits (more is noise here), or null. */
function finite(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value) ? null : Number(value.toPrecision(6));
}

/** The `--json` object: `<database>.<figure key>` → its summary. */
export function toJson(sections: readonly Section[], database: string): Record<string, FigureJson> {
  const out: Record<string, FigureJson> = {};
  for (const section of sections) {
    for (const figure of section.figures) {
      const values = spreadOf(figure.values.filter(Number.isFinite));
      out[`${database}.${figure.key}`] = {
        value: finite(values?.median),
        floor: finite(spreadOf(figure.floors)?.median),
        ratio: finite(spreadOf(ratiosOf(figure))?.median),
        aim: figure.aim ? describeAim(figure) : null,
        unit: figure.unit,
        min: finite(values?.min),
        max: finite(values?.max),
        runs: figure.values.length,
        holds: aimHolds(figure) ?? null,
      };
    }
  }
  return out;
}
