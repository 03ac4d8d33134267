import type { Logger } from './core/ports.ts';

// What Araldo does with an error nobody caught. Node's default is to print
// the stack and exit, so one request that reaches a library bug (Bolt's
// HTTP receiver threw synchronously on a GET; its async handler rejected on
// a body of `null`) stopped the desk for every team. The policy:
//
// - unhandledRejection: log it and keep serving, always. In Araldo such a
//   promise belongs to one unit of work — one request, one chat event after
//   its ack, one scheduler round — that was abandoned; nothing else waits on
//   it. State lives in the database, changed by conditional transitions in
//   transactions, so an abandoned unit leaves no half-written post behind.
// - uncaughtException once Araldo is running: log it and keep serving. Node
//   warns that the process may be in an undefined state after one; here the
//   only state outside the database is caches (user names, approver groups,
//   event ids seen) and timers, which a lost callback cannot corrupt into a
//   wrong decision: a cache misses and is refilled, the next scheduler round
//   picks up what a lost one left. Exiting instead would let anyone who finds
//   one more such bug stop the desk with one request, which is the outage
//   this policy exists to prevent; the error log line is loud enough to alert.
//   A storm is another matter: more than EXCEPTION_BURST uncaught exceptions
//   within EXCEPTION_WINDOW_MS means something is broken for good (a driver
//   emitting errors nobody listens to, a timer throwing on every tick), so
//   Araldo exits 1 and lets its supervisor start a clean process.
// - uncaughtException while Araldo is starting: log it and exit 1. Nothing is
//   serving yet, a half-started process (an HTTP port open, no chat, no
//   scheduler) must not look alive to a supervisor, and the operator sees the
//   failure at once instead of an Araldo that never comes up.
//
// Errors are logged through the pino logger built from the configuration, so
// every secret value (tokens, the signing secret) is redacted from them.

/** Uncaught exceptions survived within one window before Araldo gives up and exits. */
export const EXCEPTION_BURST = 10;
/** The window of EXCEPTION_BURST, in milliseconds. */
export const EXCEPTION_WINDOW_MS = 60_000;

/** The process events the policy listens to (a fake in tests). */
export interface ProcessEvents {
  on(event: 'uncaughtException', listener: (error: Error, origin: string) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'uncaughtException', listener: (error: Error, origin: string) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

/** Where the policy acts. */
export interface ProcessSafetyOptions {
  readonly logger: Logger;
  /** default `process` */
  readonly events?: ProcessEvents;
  /** default `process.exit` */
  readonly exit?: (code: number) => void;
  /** milliseconds of a monotonic clock, for the burst window; default `performance.now` */
  readonly elapsedMs?: () => number;
}

/** The installed policy. */
export interface ProcessSafety {
  /** start-up is over: from now on an uncaught exception is logged and survived */
  started(): void;
  /** removes the listeners */
  uninstall(): void;
}

/**
 * Installs the `unhandledRejection` / `uncaughtException` policy described
 * above. Install it once, as early as a logger exists, and call `started()`
 * when Araldo is serving.
 */
export function installProcessSafety(options: ProcessSafetyOptions): ProcessSafety {
  const events = options.events ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const logger = options.logger.child({ component: 'process' });
  const elapsedMs = options.elapsedMs ?? (() => performance.now());
  let running = false;
  const recent: number[] = [];

  const onRejection = (reason: unknown) => {
    logger.error({ err: reason }, 'unhandled promise rejection; Araldo keeps running');
  };
  const onException = (error: Error, origin: string) => {
    if (running) {
      const now = elapsedMs();
      recent.push(now);
      while (recent.length > 0 && (recent[0] ?? now) <= now - EXCEPTION_WINDOW_MS) recent.shift();
      if (recent.length <= EXCEPTION_BURST) {
        logger.error({ err: error, origin }, 'uncaught exception; Araldo keeps running');
        return;
      }
      logger.error(
        { err: error, origin, exceptions: recent.length, windowMs: EXCEPTION_WINDOW_MS },
        'uncaught exceptions keep coming; Araldo stops so that its supervisor starts it afresh',
      );
      exit(1);
      return;
    }
    logger.error({ err: error, origin }, 'uncaught exception while starting; Araldo stops');
    exit(1);
  };
  events.on('unhandledRejection', onRejection);
  events.on('uncaughtException', onException);
  return {
    started: () => {
      running = true;
    },
    uninstall: () => {
      events.off('unhandledRejection', onRejection);
      events.off('uncaughtException', onException);
    },
  };
}
