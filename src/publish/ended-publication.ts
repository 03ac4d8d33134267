import type { Logger, PublishRequest } from '../core/ports.ts';
import type { PublishOutcome } from '../core/publish-outcome.ts';

/**
 * Logs a publication that did not go through (a warning with the delivery,
 * the outcome's kind and detail, headed by `network`: `x publication did not
 * go through`), then hands its outcome back; a published one is not logged.
 */
export function endedPublication(
  logger: Logger,
  network: string,
  request: PublishRequest,
  outcome: PublishOutcome,
): PublishOutcome {
  if (outcome.kind !== 'published') {
    logger.warn(
      { delivery: request.deliveryId, outcome: outcome.kind, detail: outcome.detail },
      `${network} publication did not go through`,
    );
  }
  return outcome;
}
