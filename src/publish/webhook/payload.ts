import type { PublishApproval, PublishRequest } from '../../core/ports.ts';

/**
 * What a receiver gets: a Standard Webhooks payload (`type`, `timestamp`,
 * `data`), the published post in `data`. Its shape is a contract with the
 * receivers: add fields, never rename or remove one.
 */
export interface WebhookPayload {
  /** always `post.published` */
  readonly type: 'post.published';
  /** when Araldo published the post (ISO 8601, UTC) */
  readonly timestamp: string;
  readonly data: {
    /** the post's number in its team (#12) */
    readonly post: number;
    /** the team's id in Araldo's configuration */
    readonly team: string;
    /** the target this delivery is for (this webhook) */
    readonly target: { readonly id: string; readonly displayName: string };
    /** Araldo's id of this delivery: the same on every attempt */
    readonly deliveryId: string;
    readonly text: string;
    /** every image with its alt text, which receivers must show with it */
    readonly images: readonly { readonly url: string; readonly alt: string }[];
    readonly author: { readonly id: string; readonly name: string };
    /** who approved the published text, in the order they approved */
    readonly approvers: readonly { readonly id: string; readonly name: string }[];
    /** every target the post goes to, this webhook included */
    readonly targets: readonly {
      readonly id: string;
      readonly displayName: string;
      readonly network: string;
    }[];
    /** the same instant as `timestamp` */
    readonly publishedAt: string;
  };
}

/** The payload of a publication request and its approval. Pure. */
export function toWebhookPayload(request: PublishRequest, approval: PublishApproval): WebhookPayload {
  const publishedAt = request.publishedAt.toISOString();
  return {
    type: 'post.published',
    timestamp: publishedAt,
    data: {
      post: request.postNumber,
      team: request.team.id,
      target: { id: request.target.id, displayName: request.target.displayName },
      deliveryId: request.deliveryId,
      text: request.text,
      images: request.images.map((image) => ({ url: image.url, alt: image.alt })),
      author: { id: request.author.id, name: request.author.name },
      approvers: approval.approvers.map((approver) => ({ id: approver.id, name: approver.name })),
      targets: approval.targets.map((target) => ({
        id: target.id,
        displayName: target.displayName,
        network: target.network,
      })),
      publishedAt,
    },
  };
}
