import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { parseProposeArgs } from '../src/core/command-grammar.ts';
import { parseWhen } from '../src/core/time-reader.ts';
import type { BenchContext } from './context.ts';
import type { Section } from './report.ts';

// Parsing: the `/propose` option grammar and the time reader, operations per
// second in this process (no aim: both run once per command, far below the
// ack's budget). Floors: one regular expression finding where the line's
// leading `name:value` options end (the least reading the grammar must
// do), and luxon reading an ISO 8601 time in the team's zone (the
// library under the time reader).

const LINES = [
  'to:sito,albo at:"domani alle 9" urgent Allerta meteo: scuole chiuse',
  'img:https://comune.example.it/ponte.jpg|"Il ponte chiuso" to:sito Chiuso il ponte',
  'Testo senza opzioni ma lungo '.repeat(20),
];
const TIMES = ['domani alle 9', 'lunedì prossimo alle 18:30', '1 dicembre 9:00', 'tra 2 ore', 'tomorrow 9am'];
const ROUNDS = 20_000;
/** Where the leading `name:value` options end: the least reading the grammar must do. */
const LEADING_OPTIONS = /^(?:\s*(?:[a-z]+:(?:"[^"]*"|\S+)|urgent))*/;

function perSecond(work: (index: number) => unknown): number {
  // One untimed round first: the timed one measures compiled code.
  for (let i = 0; i < ROUNDS / 10; i++) work(i);
  const began = performance.now();
  for (let i = 0; i < ROUNDS; i++) work(i);
  return ROUNDS / ((performance.now() - began) / 1000);
}

/** The parsing figures, per second, beside their floors. */
export async function measureParsing(context: BenchContext): Promise<Section> {
  const now = new Date('2026-11-21T10:00:00Z');
  const grammar: number[] = [];
  const grammarFloor: number[] = [];
  const time: number[] = [];
  const timeFloor: number[] = [];
  for (let run = 0; run < context.options.sizes.repeats; run++) {
    grammar.push(perSecond((i) => parseProposeArgs(LINES[i % LINES.length] ?? '')));
    grammarFloor.push(perSecond((i) => LEADING_OPTIONS.exec(LINES[i % LINES.length] ?? '')));
    time.push(
      perSecond((i) =>
        parseWhen(TIMES[i % TIMES.length] ?? '', { now, timeZone: 'Europe/Rome', language: 'it' }),
      ),
    );
    timeFloor.push(
      perSecond((i) => DateTime.fromISO(`2026-12-0${(i % 9) + 1}T09:00`, { zone: 'Europe/Rome' })),
    );
  }
  return {
    name: 'parsing',
    workload: `${ROUNDS.toLocaleString('en')} calls a run, in the bench's process`,
    floor: 'one regular expression finding the leading options; luxon DateTime.fromISO in Europe/Rome',
    figures: [
      {
        key: 'parsing.propose_args_per_s',
        title: 'parseProposeArgs/s',
        unit: 'calls/s',
        values: grammar,
        floors: grammarFloor,
        better: 'higher',
      },
      {
        key: 'parsing.parse_when_per_s',
        title: 'parseWhen/s',
        unit: 'calls/s',
        values: time,
        floors: timeFloor,
        better: 'higher',
      },
    ],
    notes: [],
  };
}
