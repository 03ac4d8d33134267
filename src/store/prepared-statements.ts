import type postgres from 'postgres';

// drizzle sends every statement it builds through postgres.js's `unsafe`
// without preparing it, so PostgreSQL parses and plans each one anew, every
// time: about a third of the server's time for the engine's statements,
// which are few and always the same texts. Preparing them makes postgres.js
// keep one named statement per text and connection (batches of different
// sizes are different texts; their number stays small).

/** `sql` whose `unsafe` statements, in transactions and savepoints too, are prepared. */
export function withPreparedStatements<T extends postgres.Sql | postgres.TransactionSql>(sql: T): T {
  return new Proxy(sql, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'unsafe') {
        return (query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(query, params as never, { ...options, prepare: true });
      }
      if (property === 'begin' || property === 'savepoint') {
        // The callback is always last: begin(options?, cb), savepoint(name?, cb).
        return (...args: unknown[]) => {
          const callback = args.at(-1) as (tx: postgres.TransactionSql) => unknown;
          const rest = args.slice(0, -1);
          return (value as (...a: unknown[]) => unknown).call(
            target,
            ...rest,
            (tx: postgres.TransactionSql) => callback(withPreparedStatements(tx)),
          );
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
