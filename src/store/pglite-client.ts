import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { QueryOptions, Results } from '@electric-sql/pglite';
import { AppError } from '../core/app-error.ts';
import type {
  PgliteCall,
  PgliteReply,
  PgliteRequest,
  PgliteWorkerData,
  PortableDump,
  PortableError,
  PortableQueryOptions,
} from './pglite-protocol.ts';

// PGlite in a worker thread, and on this side the part of PGlite's interface
// that drizzle's pglite driver calls: query(text, params, {rowMode,
// parsers}) and transaction(callback) with tx.query (drizzle-orm 0.45
// pglite/session.js; its migrator goes through the same session). Each call
// crosses to pglite-worker.ts as a message. PGlite is WebAssembly and holds
// its thread for the whole of a statement: in the main thread, 50 concurrent
// Slack commands starve the event loop that must answer Slack within 3 s.

/** What a PGlite transaction offers inside `transaction(callback)`, here across the thread. */
export interface PgliteWorkerTransaction {
  query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(text: string): Promise<Results[]>;
  /** rolls back now; the transaction is closed after it */
  rollback(): Promise<void>;
  readonly closed: boolean;
}

/** PGlite's options that this client can send. */
export interface PgliteWorkerOptions {
  readonly startParams: readonly string[];
  readonly fromDump?: Blob;
  /** called for every statement PGlite runs, transaction control included */
  readonly onStatement?: (sql: string) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** An Error carrying what PostgreSQL said (code, detail, constraint…), as PGlite threw it in the worker. */
function fromPortableError(portable: PortableError): Error {
  const error = new Error(portable.message);
  Object.assign(error, portable.fields);
  error.name = portable.name;
  if (portable.stack !== undefined) error.stack = portable.stack;
  return error;
}

/**
 * The parsers drizzle passes keep dates, timestamps, intervals and numeric
 * arrays as PostgreSQL's text (drizzle parses them itself). Functions
 * cannot cross a thread, so the worker applies identity parsers to the same
 * type OIDs; anything but an identity parser would silently be lost, so it
 * is refused.
 */
function toPortableOptions(options: QueryOptions | undefined): PortableQueryOptions {
  if (!options) return {};
  const { rowMode, parsers, paramTypes, ...rest } = options;
  const unsupported = Object.keys(rest).filter((key) => (rest as Record<string, unknown>)[key] !== undefined);
  if (unsupported.length > 0) {
    throw new Error(`The embedded database worker cannot take the query options ${unsupported.join(', ')}.`);
  }
  const unparsedTypes: number[] = [];
  for (const [oid, parser] of Object.entries(parsers ?? {})) {
    const probe = '2024-01-02 03:04:05+00';
    if (parser(probe, Number(oid)) !== probe) {
      throw new Error(`The embedded database worker applies only identity parsers; type ${oid} has another.`);
    }
    unparsedTypes.push(Number(oid));
  }
  return {
    ...(rowMode ? { rowMode } : {}),
    ...(unparsedTypes.length > 0 ? { unparsedTypes } : {}),
    ...(paramTypes ? { paramTypes } : {}),
  };
}

function fromPortableDump(dump: PortableDump): Blob | File {
  const options = dump.type ? { type: dump.type } : {};
  return dump.name === undefined
    ? new Blob([dump.bytes], options)
    : new File([new Uint8Array(dump.bytes)], dump.name, options);
}

/**
 * Where the worker's code is, and how to load it. Built (dist/*.js), it is a
 * plain module. From the sources (vitest, `node --import tsx`), it is
 * TypeScript: Node 20 applies no `--import` hooks to a worker's entry
 * module, so a small bootstrap registers tsx in the worker and imports it.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith('.ts'))
    return { entry: new URL('./pglite-worker.js', import.meta.url), eval: false };
  const worker = new URL('./pglite-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApiUrl())}).then((tsx) => tsx.tsImport(${JSON.stringify(worker)}, ${JSON.stringify(worker)}))`;
  return { entry: bootstrap, eval: true };
}

/**
 * The ESM entry of tsx's API, read from its package.json: require.resolve
 * would give the CommonJS one, and vitest's module runner has no
 * import.meta.resolve. tsx is a devDependency: only the sources need it, and
 * they never run without it.
 */
function tsxApiUrl(): string {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  const entry = manifest.exports['./esm/api']?.import.default;
  if (!entry) throw new Error(`tsx at ${manifestPath} has no ESM API entry ('./esm/api').`);
  return new URL(entry, pathToFileURL(manifestPath)).href;
}

/**
 * A PGlite database running in a worker thread, with the calls drizzle's
 * pglite driver makes. Calls made after close() or after the worker died
 * reject with AppError 'database_unavailable'; none waits forever.
 */
export class PgliteWorkerClient {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #nextTxId = 1;
  /** set once the worker cannot answer any more: closed, crashed or exited */
  #gone: AppError | undefined;
  #closing: Promise<void> | undefined;

  private constructor(worker: Worker, onStatement: ((sql: string) => void) | undefined) {
    this.#worker = worker;
    worker.on('message', (reply: PgliteReply) => {
      if (reply.kind === 'statement') onStatement?.('(pglite)');
      else if (reply.kind === 'done' || reply.kind === 'failed') this.#settle(reply);
    });
    worker.on('error', (cause) => {
      this.#stop(new AppError('database_unavailable', 'The embedded database worker crashed.', { cause }));
    });
    worker.on('exit', (code) => {
      this.#stop(new AppError('database_unavailable', `The embedded database worker exited (code ${code}).`));
    });
    // Like PGlite in the main thread, an idle database does not keep the
    // process alive; a call in flight does (see #call).
    worker.unref();
  }

  /** Starts the worker and opens PGlite in it; rejects with the reason PGlite gave. */
  static async open(dir: string | 'memory', options: PgliteWorkerOptions): Promise<PgliteWorkerClient> {
    const dump = options.fromDump ? await options.fromDump.arrayBuffer() : undefined;
    const data: PgliteWorkerData = {
      dir,
      startParams: options.startParams,
      countStatements: options.onStatement !== undefined,
      ...(dump ? { dump } : {}),
    };
    const { entry, eval: isEval } = workerEntry();
    const worker = new Worker(entry, {
      eval: isEval,
      workerData: data,
      transferList: dump ? [dump] : [],
      // The worker's own name in inspectors and crash reports.
      name: 'araldo-pglite',
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (reply: PgliteReply): void => {
        if (reply.kind === 'ready') done(undefined);
        else if (reply.kind === 'open_failed') done(fromPortableError(reply.error));
      };
      const onError = (error: Error): void => done(error);
      const onExit = (code: number): void =>
        done(new Error(`the worker exited (code ${code}) before PGlite was ready`));
      const done = (error: Error | undefined): void => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (error) {
          void worker.terminate();
          reject(error);
        } else resolve();
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
    return new PgliteWorkerClient(worker, options.onStatement);
  }

  query<T>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
    return this.#query(undefined, text, params, options);
  }

  exec(text: string): Promise<Results[]> {
    return this.#call({ kind: 'exec', text }) as Promise<Results[]>;
  }

  /**
   * Runs `callback` in a transaction held open in the worker: committed when
   * the callback resolves, rolled back when it throws (and the same error
   * rethrown). Other calls wait for it, as PGlite makes them.
   */
  async transaction<T>(callback: (tx: PgliteWorkerTransaction) => Promise<T>): Promise<T> {
    const txId = this.#nextTxId++;
    await this.#call({ kind: 'begin', txId });
    let closed = false;
    const end = async (outcome: 'commit' | 'rollback'): Promise<void> => {
      closed = true;
      await this.#call({ kind: 'end', txId, outcome });
    };
    const open = (): void => {
      if (closed) throw new Error('Transaction is closed');
    };
    const tx: PgliteWorkerTransaction = {
      query: <R>(text: string, params: unknown[] = [], options?: QueryOptions) => {
        open();
        return this.#query<R>(txId, text, params, options);
      },
      exec: (text: string) => {
        open();
        return this.#call({ kind: 'exec', txId, text }) as Promise<Results[]>;
      },
      rollback: () => {
        open();
        return end('rollback');
      },
      get closed() {
        return closed;
      },
    };
    let result: T;
    try {
      result = await callback(tx);
    } catch (error) {
      if (!closed) {
        // The callback's error is the one that matters; a failed rollback
        // means the worker is gone, and later calls will say so.
        await end('rollback').catch(() => {});
      }
      throw error;
    }
    if (!closed) await end('commit');
    return result;
  }

  /** The whole database as a tarball, as PGlite's dumpDataDir. */
  async dumpDataDir(compression: 'none' | 'gzip' | 'auto' = 'auto'): Promise<Blob | File> {
    return fromPortableDump((await this.#call({ kind: 'dump', compression })) as PortableDump);
  }

  /** Closes PGlite in the worker, then ends the worker; calls after it reject, and so does nothing else. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#gone) return;
    try {
      await this.#call({ kind: 'close' });
    } finally {
      this.#stop(new AppError('database_unavailable', 'The embedded database is closed.'));
      await this.#worker.terminate();
    }
  }

  #query<T>(
    txId: number | undefined,
    text: string,
    params: unknown[],
    options: QueryOptions | undefined,
  ): Promise<Results<T>> {
    let portable: PortableQueryOptions;
    try {
      portable = toPortableOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#call({
      kind: 'query',
      ...(txId === undefined ? {} : { txId }),
      text,
      params,
      options: portable,
    }) as Promise<Results<T>>;
  }

  /** Sends a request, numbered here, and waits for its answer. */
  #call(request: PgliteCall): Promise<unknown> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      try {
        // e.g. a parameter that cannot be cloned (a function, a class instance's private state)
        this.#worker.postMessage({ ...request, id } satisfies PgliteRequest);
      } catch (error) {
        reject(error);
        return;
      }
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
    });
  }

  #settle(reply: Extract<PgliteReply, { kind: 'done' | 'failed' }>): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.kind === 'done') pending.resolve(reply.value);
    else pending.reject(fromPortableError(reply.error));
  }

  /** No more answers will come: every call in flight, and every later one, rejects with `reason`. */
  #stop(reason: AppError): void {
    this.#gone ??= reason;
    for (const pending of this.#pending.values()) pending.reject(this.#gone);
    this.#pending.clear();
    this.#worker.unref();
  }
}
