import type { CredentialCheck, PublishCheckpoint, Publisher, PublishRequest } from '../../src/core/ports.ts';
import type { PublishOutcome } from '../../src/core/publish-outcome.ts';

/**
 * A Publisher that records every request and answers from a script: each
 * call takes the next scripted outcome, then publishes successfully.
 */
export class InMemoryPublisher implements Publisher {
  readonly idempotent: boolean;
  readonly idempotencyWindowMs: number | undefined;
  readonly requests: PublishRequest[] = [];
  readonly #script: PublishOutcome[] = [];
  /** when set, publish waits for this before answering (to hold a claim open) */
  gate: Promise<void> | undefined;
  /** when set, publish saves this checkpoint before waiting on the gate, and records whether it was stored */
  checkpointToSave: PublishCheckpoint | undefined;
  readonly checkpointsSaved: boolean[] = [];
  /** what checkCredentials answers; unknown when not set */
  credentials: CredentialCheck = { kind: 'unknown', detail: 'not scripted' };
  /** how many times checkCredentials was asked */
  credentialChecks = 0;

  constructor(options: { idempotent?: boolean; idempotencyWindowMs?: number } = {}) {
    this.idempotent = options.idempotent ?? false;
    this.idempotencyWindowMs = options.idempotencyWindowMs;
  }

  /** queues outcomes for the next calls */
  willAnswer(...outcomes: PublishOutcome[]): void {
    this.#script.push(...outcomes);
  }

  async publish(request: PublishRequest): Promise<PublishOutcome> {
    this.requests.push(request);
    if (this.checkpointToSave)
      this.checkpointsSaved.push(await request.saveCheckpoint(this.checkpointToSave));
    if (this.gate) await this.gate;
    const next = this.#script.shift();
    if (next) return next;
    const remoteId = `remote-${this.requests.length}`;
    return { kind: 'published', remoteId, url: `https://example.test/${request.target.id}/${remoteId}` };
  }

  async checkCredentials(): Promise<CredentialCheck> {
    this.credentialChecks += 1;
    return this.credentials;
  }
}
