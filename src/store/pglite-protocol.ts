// The messages between the main thread's PGlite client (pglite-client.ts)
// and the worker thread that runs PGlite (pglite-worker.ts). Everything in
// them crosses by structured clone: no functions, so a query's parsers
// travel as the type OIDs they apply to.

/** What the worker needs to open PGlite, passed as `workerData`. */
export interface PgliteWorkerData {
  /** a directory, or 'memory' */
  readonly dir: string;
  readonly startParams: readonly string[];
  /** a dump to start from (transferred, not copied) */
  readonly dump?: ArrayBuffer;
  /** whether to send a `statement` message for every statement run */
  readonly countStatements: boolean;
}

/** Options of a query that can cross a thread. */
export interface PortableQueryOptions {
  readonly rowMode?: 'array' | 'object';
  /** type OIDs whose values come back as PostgreSQL's text, unparsed */
  readonly unparsedTypes?: readonly number[];
  readonly paramTypes?: readonly number[];
}

/** A call from the main thread; `id` pairs it with its answer. */
export type PgliteRequest =
  | {
      readonly kind: 'query';
      readonly id: number;
      /** run inside this open transaction, else on the database */
      readonly txId?: number;
      readonly text: string;
      readonly params: readonly unknown[];
      readonly options: PortableQueryOptions;
    }
  | { readonly kind: 'exec'; readonly id: number; readonly txId?: number; readonly text: string }
  | { readonly kind: 'begin'; readonly id: number; readonly txId: number }
  | {
      readonly kind: 'end';
      readonly id: number;
      readonly txId: number;
      readonly outcome: 'commit' | 'rollback';
    }
  | { readonly kind: 'dump'; readonly id: number; readonly compression: 'none' | 'gzip' | 'auto' }
  | { readonly kind: 'close'; readonly id: number };

/** A request before the client numbers it. */
export type PgliteCall = PgliteRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** An error as it crosses: its message, name, stack and PostgreSQL's fields (code, detail, constraint…). */
export interface PortableError {
  readonly message: string;
  readonly name: string;
  readonly stack?: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A dump as it crosses: the bytes (transferred) and what makes it a File again. */
export interface PortableDump {
  readonly bytes: ArrayBuffer;
  readonly type: string;
  /** set when PGlite returned a File */
  readonly name?: string;
}

/** A message from the worker. */
export type PgliteReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'open_failed'; readonly error: PortableError }
  | { readonly kind: 'done'; readonly id: number; readonly value: unknown }
  | { readonly kind: 'failed'; readonly id: number; readonly error: PortableError }
  | { readonly kind: 'statement' };
