import { randomUUID } from 'node:crypto';
import type { PublishApproval, PublishRequest } from '../../src/core/ports.ts';
import type { Target } from '../../src/core/target.ts';
import type { Team } from '../../src/core/team.ts';

/** The approval a publisher reads when a test says nothing: one supervisor, this target alone. */
export function approvalOf(
  target: Target,
  approvers: PublishApproval['approvers'] = [{ id: 'U0CAPO', name: 'Capo' }],
): PublishApproval {
  return {
    approvers,
    targets: [{ id: target.id, displayName: target.displayName, network: target.network }],
  };
}

/**
 * A publication request as the engine builds it, for publisher tests: a new
 * delivery id (and so idempotency key) unless `overrides` gives one.
 */
export function publishRequestFor(
  target: Target,
  team: Team,
  overrides: Partial<PublishRequest> = {},
): PublishRequest {
  const deliveryId = overrides.deliveryId ?? randomUUID();
  return {
    deliveryId,
    idempotencyKey: `araldo-${deliveryId}`,
    target,
    team,
    postNumber: 1,
    text: 'Domani chiude il ponte di via Roma.',
    images: [],
    author: { id: 'U0EDITOR', name: 'Giulia' },
    publishedAt: new Date('2026-11-21T09:00:00Z'),
    proposedAt: new Date('2026-11-20T15:30:00Z'),
    approval: async () => approvalOf(target),
    checkpoint: undefined,
    saveCheckpoint: async () => true,
    ...overrides,
  };
}
