import { z } from 'zod';
import { countCodePoints } from '../../core/network-rules.ts';
import { DEFAULT_PACING } from '../../core/target.ts';
import type { PublishingNetwork } from '../network-definition.ts';
import { FeedPublisher } from './feed-publisher.ts';

/**
 * The `feed` network: the Atom feed of published posts for the institutional
 * website, rendered from the database (see feed-publisher.ts).
 */
export const feedNetwork: PublishingNetwork = Object.freeze<PublishingNetwork>({
  name: 'feed',
  title: 'The feed',
  // Nothing to authenticate: the feed is Araldo's own document.
  credentials: z.strictObject({}),
  // The feed carries whatever we give it; 10 images is our own bound, to keep
  // an entry reasonable.
  rules: Object.freeze({
    textLimit: undefined,
    textLimitWithImage: undefined,
    unit: 'characters',
    requiresImage: false,
    maxImages: 10,
    maxHashtags: undefined,
    carriesAltText: true,
    count: countCodePoints,
  }),
  // No interval: publishing writes nothing and no remote service is called.
  pacing: DEFAULT_PACING,
  // The entry's id and link depend only on the delivery (feed-publisher.ts).
  idempotent: true,
  create: (target, context) => new FeedPublisher({ targetId: target.id, publicUrl: context.publicUrl }),
});
