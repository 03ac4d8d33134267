import { parentPort, workerData } from 'node:worker_threads';
import { type ParserOptions, PGlite, type QueryOptions, type Transaction } from '@electric-sql/pglite';
import type {
  PgliteReply,
  PgliteRequest,
  PgliteWorkerData,
  PortableDump,
  PortableError,
  PortableQueryOptions,
} from './pglite-protocol.ts';

// The worker thread that runs PGlite. PGlite is WebAssembly and holds its
// thread for the whole of a statement; here it holds this thread, and the
// main thread keeps answering Slack. pglite-client.ts is the other end.

if (!parentPort)
  throw new Error('pglite-worker.ts runs only as a worker thread (pglite-client.ts starts it).');
const port = parentPort;
const data = workerData as PgliteWorkerData;

function send(reply: PgliteReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(reply, transfer);
}

/** The error's own fields that survive a structured clone: PostgreSQL's code, detail, constraint, query… */
function toPortableError(error: unknown): PortableError {
  if (!(error instanceof Error)) return { message: String(error), name: 'Error', fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'function') continue;
    try {
      fields[key] = structuredClone(value);
    } catch {
      // e.g. the query options PGlite attaches, with their parser functions
    }
  }
  return {
    message: error.message,
    name: error.name,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    fields,
  };
}

/** Counts what PGlite runs: every query and exec goes through `_runExclusiveQuery`, BEGIN and COMMIT too. */
function observe(pg: PGlite): void {
  const instance = pg as unknown as { _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T> };
  const run = instance._runExclusiveQuery.bind(pg);
  instance._runExclusiveQuery = (fn) => {
    send({ kind: 'statement' });
    return run(fn);
  };
}

const keepText = (value: unknown): unknown => value;
const parsersByKey = new Map<string, ParserOptions>();

/** Identity parsers for the types asked to stay text (drizzle parses dates and intervals itself). */
function unparsed(types: readonly number[]): ParserOptions {
  const key = types.join(',');
  let parsers = parsersByKey.get(key);
  if (!parsers) {
    parsers = Object.fromEntries(types.map((oid) => [oid, keepText]));
    parsersByKey.set(key, parsers);
  }
  return parsers;
}

function toQueryOptions(options: PortableQueryOptions): QueryOptions {
  return {
    ...(options.rowMode ? { rowMode: options.rowMode } : {}),
    ...(options.unparsedTypes?.length ? { parsers: unparsed(options.unparsedTypes) } : {}),
    ...(options.paramTypes ? { paramTypes: [...options.paramTypes] } : {}),
  };
}

interface OpenTransaction {
  readonly tx: Transaction;
  /** lets PGlite's transaction callback return: commit, or roll back first */
  readonly end: (outcome: 'commit' | 'rollback') => void;
}

/** Transactions begun and not yet ended, by the main thread's id. */
const transactions = new Map<number, OpenTransaction>();
/** Each transaction's outcome as PGlite reports it (COMMIT can fail too). */
const finishing = new Map<number, Promise<void>>();

function inTransaction(txId: number): Transaction {
  const open = transactions.get(txId);
  if (!open) throw new Error(`No open transaction ${txId} in the embedded database.`);
  return open.tx;
}

/** Begins a transaction; resolves once BEGIN has run, and keeps it open until `end`. */
function begin(pg: PGlite, txId: number): Promise<void> {
  return new Promise((begun, failed) => {
    let started = false;
    const finished = pg.transaction(async (tx) => {
      const outcome = new Promise<'commit' | 'rollback'>((end) => transactions.set(txId, { tx, end }));
      started = true;
      begun();
      if ((await outcome) === 'rollback') await tx.rollback();
    });
    finishing.set(txId, finished);
    finished.catch((error: unknown) => {
      if (started) return; // the `end` call reports it
      finishing.delete(txId);
      failed(error);
    });
  });
}

async function end(txId: number, outcome: 'commit' | 'rollback'): Promise<void> {
  const open = transactions.get(txId);
  const finished = finishing.get(txId);
  if (!open || !finished) throw new Error(`No open transaction ${txId} in the embedded database.`);
  open.end(outcome);
  try {
    await finished;
  } finally {
    transactions.delete(txId);
    finishing.delete(txId);
  }
}

async function dump(pg: PGlite, compression: 'none' | 'gzip' | 'auto'): Promise<PortableDump> {
  const blob = await pg.dumpDataDir(compression);
  const bytes = await blob.arrayBuffer();
  return { bytes, type: blob.type, ...(blob instanceof File ? { name: blob.name } : {}) };
}

async function answer(pg: PGlite, request: PgliteRequest): Promise<void> {
  switch (request.kind) {
    case 'query': {
      const on = request.txId === undefined ? pg : inTransaction(request.txId);
      const value = await on.query(request.text, [...request.params], toQueryOptions(request.options));
      send({ kind: 'done', id: request.id, value });
      return;
    }
    case 'exec': {
      const on = request.txId === undefined ? pg : inTransaction(request.txId);
      send({ kind: 'done', id: request.id, value: await on.exec(request.text) });
      return;
    }
    case 'begin':
      await begin(pg, request.txId);
      send({ kind: 'done', id: request.id, value: undefined });
      return;
    case 'end':
      await end(request.txId, request.outcome);
      send({ kind: 'done', id: request.id, value: undefined });
      return;
    case 'dump': {
      const value = await dump(pg, request.compression);
      send({ kind: 'done', id: request.id, value }, [value.bytes]);
      return;
    }
    case 'close':
      await pg.close();
      send({ kind: 'done', id: request.id, value: undefined });
      return;
  }
}

async function open(): Promise<PGlite> {
  const settings = {
    startParams: [...data.startParams],
    ...(data.dump ? { loadDataDir: new Blob([data.dump]) } : {}),
  };
  const pg = data.dir === 'memory' ? new PGlite(settings) : new PGlite(data.dir, settings);
  await pg.waitReady;
  if (data.countStatements) observe(pg);
  return pg;
}

try {
  const pg = await open();
  // Calls run concurrently, as on a PGlite in the main thread: PGlite queues
  // them itself, and a query outside a transaction waits for the open one.
  port.on('message', (request: PgliteRequest) => {
    answer(pg, request).catch((error: unknown) => {
      send({ kind: 'failed', id: request.id, error: toPortableError(error) });
    });
  });
  send({ kind: 'ready' });
} catch (error) {
  send({ kind: 'open_failed', error: toPortableError(error) });
}
