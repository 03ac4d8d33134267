import { AppError } from '../../core/app-error.ts';
import type { Logger, PublishApproval, Publisher, PublishRequest } from '../../core/ports.ts';
import type { PublishOutcome } from '../../core/publish-outcome.ts';
import { readAnswerBody } from '../response-body.ts';
import { fromReceiverAnswer, fromRequestError } from './outcome.ts';
import { toWebhookPayload } from './payload.ts';
import { signMessage } from './signature.ts';

/** A webhook target's settings, resolved from its configuration. */
export interface WebhookPublisherOptions {
  /** where the receiver listens (http or https) */
  readonly url: string;
  /** the HMAC key: the decoded `whsec_` secret (signature.ts `parseSecret`) */
  readonly key: Buffer;
  readonly logger: Logger;
  /** the fetch to send with; the global one by default */
  readonly fetch?: typeof fetch;
  /**
   * The real time of an attempt, for `webhook-timestamp`. Not Araldo's clock:
   * receivers compare the header with their own clock to refuse replays (the
   * reference libraries allow 5 minutes), and a rehearsal clock
   * (ARALDO_CLOCK_START) would make every request look replayed.
   */
  readonly now?: () => Date;
}

/** The most of a response body read: a receiver's answer is a small JSON object. */
const MAX_RESPONSE_BYTES = 64 * 1024;

// Standard Webhooks: the message id must not be user-controlled and must hold
// no `.`, the separator of the signed content. Araldo's keys are `araldo-<uuid>`.
const WEBHOOK_ID = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * The `webhook` network: one signed JSON POST per delivery, in the Standard
 * Webhooks form (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
 * `webhook-id` is the delivery's idempotency key, the same on every attempt,
 * so a receiver that drops ids it has seen (as the spec asks) never shows a
 * post twice: the network counts as idempotent, and a delivery a crash
 * interrupted is simply sent again. Redirects are not followed (the spec:
 * update the URL instead).
 */
export class WebhookPublisher implements Publisher {
  readonly idempotent = true;
  readonly #options: WebhookPublisherOptions;

  constructor(options: WebhookPublisherOptions) {
    this.#options = options;
  }

  async publish(request: PublishRequest, signal: AbortSignal): Promise<PublishOutcome> {
    const id = request.idempotencyKey;
    if (!WEBHOOK_ID.test(id)) {
      throw new AppError(
        'invariant_broken',
        'an idempotency key is no valid webhook-id (letters, digits, - and _)',
      );
    }
    if (signal.aborted) return { kind: 'unavailable', detail: 'the attempt’s time ran out before sending' };
    let approval: PublishApproval;
    try {
      approval = await request.approval();
    } catch (error) {
      // Nothing left: the database could not say who approved; try again later.
      this.#options.logger.warn({ delivery: request.deliveryId, err: error }, 'could not read the approval');
      return { kind: 'unavailable', detail: 'could not read the post’s approvers' };
    }
    const now = this.#options.now ?? (() => new Date());
    const body = JSON.stringify(toWebhookPayload(request, approval));
    const timestamp = Math.floor(now().getTime() / 1000);
    const send = this.#options.fetch ?? fetch;
    let response: Response;
    try {
      response = await send(this.#options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Araldo',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signMessage(this.#options.key, id, timestamp, body),
        },
        body,
        signal,
        redirect: 'manual',
      });
    } catch (error) {
      const outcome = fromRequestError(error, signal.aborted);
      this.#options.logger.warn({ delivery: request.deliveryId, err: error }, 'webhook request failed');
      return outcome;
    }
    // A body that breaks off after the status is lost alone: a 2xx still counts as delivered.
    const text = await readAnswerBody(response, MAX_RESPONSE_BYTES);
    return fromReceiverAnswer(
      { status: response.status, retryAfter: response.headers.get('retry-after'), body: text },
      { webhookId: id, language: request.team.language, now: now() },
    );
  }
}
