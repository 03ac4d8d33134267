import type { Store } from '../../src/core/ports.ts';

/**
 * The store, with `method` failing its next `times` calls like a database
 * blip (`connection reset`). The failure reaches into transactions too:
 * the store a decision works with inside `inTransaction` fails the same
 * way, so a test sees the whole decision roll back.
 */
export function failingStore(store: Store, method: keyof Store, times = 1): Store {
  const budget = { left: times };
  return wrap(store, method, budget);
}

function wrap(store: Store, method: keyof Store, budget: { left: number }): Store {
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (typeof value !== 'function') return value;
      if (key === 'inTransaction') {
        return <T>(work: (tx: Store) => Promise<T>) =>
          target.inTransaction((tx) => work(wrap(tx, method, budget)));
      }
      return (...args: unknown[]) => {
        if (key === method && budget.left > 0) {
          budget.left -= 1;
          return Promise.reject(new Error('connection reset'));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
