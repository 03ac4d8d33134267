/** Codes of unexpected failures: outages and broken invariants, never user mistakes. */
export type AppErrorCode =
  | 'config_invalid'
  | 'database_unavailable'
  | 'data_dir_locked'
  | 'invariant_broken'
  | 'chat_unavailable'
  | 'publisher_missing';

/**
 * An unexpected failure with a stable code and the underlying cause.
 * Expected refusals are `Result` values, not AppErrors.
 */
export class AppError extends Error {
  readonly code: AppErrorCode;

  constructor(code: AppErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}
