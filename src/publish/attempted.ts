import type { PublishOutcome } from '../core/publish-outcome.ts';

/** How a step of a publication that may fail ended: its value, or the outcome the publication ends with. */
export type Attempted<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly outcome: PublishOutcome };
