import type { Logger } from '../../src/core/ports.ts';

/** A logger that keeps what it was told, for assertions, and prints nothing. */
export class RecordingLogger implements Logger {
  readonly lines: { level: string; fields: Record<string, unknown>; message: string }[];

  constructor(lines: RecordingLogger['lines'] = []) {
    this.lines = lines;
  }

  debug(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'debug', fields, message });
  }

  info(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'info', fields, message });
  }

  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'warn', fields, message });
  }

  error(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'error', fields, message });
  }

  child(): Logger {
    return new RecordingLogger(this.lines);
  }
}
