import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  EXCEPTION_BURST,
  EXCEPTION_WINDOW_MS,
  installProcessSafety,
  type ProcessEvents,
} from '../../src/process-safety.ts';
import { RecordingLogger } from '../fakes/recording-logger.ts';
import { spawnTsx } from '../support/child-node.ts';

// Issue 7, point 2: the process-level policy for errors nobody caught
// (src/process-safety.ts). The child-process tests prove it against Node
// itself, whose default is to exit on either; the others pin each decision
// with a stand-in for `process`.

const CHILD = 'test/support/process-safety-child.ts';
const SECRET = 'xoxb-process-safety-secret';

function setUp() {
  const events = new EventEmitter();
  const logger = new RecordingLogger();
  const exits: number[] = [];
  const clock = { ms: 0 };
  const safety = installProcessSafety({
    logger,
    events: events as unknown as ProcessEvents,
    exit: (code) => exits.push(code),
    elapsedMs: () => clock.ms,
  });
  return { events, logger, exits, safety, clock };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the process safety policy', () => {
  it('logs an unhandled rejection and keeps running, starting or not', () => {
    const { events, logger, exits, safety } = setUp();
    const reason = new Error('no route');
    events.emit('unhandledRejection', reason);
    safety.started();
    events.emit('unhandledRejection', 'a bare string');

    expect(exits).toEqual([]);
    expect(logger.lines).toEqual([
      {
        level: 'error',
        fields: { err: reason },
        message: 'unhandled promise rejection; Araldo keeps running',
      },
      {
        level: 'error',
        fields: { err: 'a bare string' },
        message: 'unhandled promise rejection; Araldo keeps running',
      },
    ]);
  });

  it('logs an uncaught exception once running and keeps running', () => {
    const { events, logger, exits, safety } = setUp();
    safety.started();
    const error = new Error('boom');
    events.emit('uncaughtException', error, 'uncaughtException');

    expect(exits).toEqual([]);
    expect(logger.lines).toEqual([
      {
        level: 'error',
        fields: { err: error, origin: 'uncaughtException' },
        message: 'uncaught exception; Araldo keeps running',
      },
    ]);
  });

  it('logs an uncaught exception during start-up and exits 1', () => {
    const { events, logger, exits } = setUp();
    events.emit('uncaughtException', new Error('half started'), 'uncaughtException');

    expect(exits).toEqual([1]);
    expect(logger.lines.map((line) => line.message)).toEqual([
      'uncaught exception while starting; Araldo stops',
    ]);
  });

  it('exits 1 when uncaught exceptions keep coming within a minute, and survives them spread out', () => {
    const { events, exits, safety, clock, logger } = setUp();
    safety.started();
    // Spread out: one every window, forever, is survived.
    for (let i = 0; i < EXCEPTION_BURST * 3; i++) {
      clock.ms += EXCEPTION_WINDOW_MS;
      events.emit('uncaughtException', new Error(`isolated ${i}`), 'uncaughtException');
    }
    expect(exits).toEqual([]);
    // A storm: one more than the burst within one window.
    clock.ms += EXCEPTION_WINDOW_MS;
    for (let i = 0; i <= EXCEPTION_BURST; i++) {
      clock.ms += 10;
      events.emit('uncaughtException', new Error(`storm ${i}`), 'uncaughtException');
    }
    expect(exits).toEqual([1]);
    expect(logger.lines.at(-1)?.message).toBe(
      'uncaught exceptions keep coming; Araldo stops so that its supervisor starts it afresh',
    );
  });

  it('stops listening once uninstalled', () => {
    const { events, safety } = setUp();
    safety.uninstall();
    expect(events.listenerCount('uncaughtException')).toBe(0);
    expect(events.listenerCount('unhandledRejection')).toBe(0);
  });
});

describe('the process safety policy in a real Node process', () => {
  it('survives a thrown exception and a rejected promise once running, logging both as JSON with the secret redacted', {
    timeout: 30_000,
  }, async () => {
    const child = spawnTsx(CHILD, ['running', SECRET]);
    const exit = await child.exited;

    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stdout).toBe('still running\n');
    const logs = jsonLines(exit.stderr);
    expect(logs.map((log) => [log.level, log.component, log.msg])).toEqual([
      [50, 'process', 'uncaught exception; Araldo keeps running'],
      [50, 'process', 'unhandled promise rejection; Araldo keeps running'],
    ]);
    expect(logs.map((log) => (log.err as { message?: string } | undefined)?.message)).toEqual([
      'thrown from a timer, token [REDACTED]',
      'rejected, token [REDACTED]',
    ]);
    expect(exit.stderr).not.toContain(SECRET);
  });

  it('exits 1 on an uncaught exception before start-up is over, and says why', {
    timeout: 30_000,
  }, async () => {
    const child = spawnTsx(CHILD, ['starting', SECRET]);
    const exit = await child.exited;

    expect(exit.code).toBe(1);
    expect(exit.stdout).toBe('');
    expect(jsonLines(exit.stderr).map((log) => log.msg)).toEqual([
      'uncaught exception while starting; Araldo stops',
    ]);
    expect(exit.stderr).not.toContain(SECRET);
  });
});
