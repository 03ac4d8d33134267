import { AppError } from '../core/app-error.ts';
import type { NetworkRules } from '../core/network-rules.ts';
import type { Target } from '../core/target.ts';
import { blueskyNetwork } from './bluesky/network.ts';
import { facebookNetwork } from './facebook/network.ts';
import { feedNetwork } from './feed/network.ts';
import { instagramNetwork } from './instagram/network.ts';
import { linkedinNetwork } from './linkedin/network.ts';
import { mastodonNetwork } from './mastodon/network.ts';
import type { NetworkDefinition } from './network-definition.ts';
import { telegramNetwork } from './telegram/network.ts';
import { tiktokNetwork } from './tiktok/network.ts';
import { webhookNetwork } from './webhook/network.ts';
import { xNetwork } from './x/network.ts';

/**
 * Every network Araldo knows, in the order configuration lists them. Adding a
 * network is a folder under src/publish/ exporting its definition from
 * `<folder>/network.ts`, and one line here.
 */
export const NETWORK_DEFINITIONS: readonly NetworkDefinition[] = Object.freeze([
  feedNetwork,
  webhookNetwork,
  mastodonNetwork,
  blueskyNetwork,
  telegramNetwork,
  facebookNetwork,
  instagramNetwork,
  xNetwork,
  linkedinNetwork,
  tiktokNetwork,
]);

const BY_NAME: ReadonlyMap<string, NetworkDefinition> = new Map(
  NETWORK_DEFINITIONS.map((definition) => [definition.name, definition]),
);

/** The names a target's `network` may take, in registry order. */
export const NETWORK_NAMES: readonly string[] = Object.freeze(NETWORK_DEFINITIONS.map((d) => d.name));

/** The registry entry of the network called `name`, or undefined when Araldo knows none. */
export function networkNamed(name: string): NetworkDefinition | undefined {
  return BY_NAME.get(name);
}

/**
 * The rules of a target's network, for the desk's `rulesOf`. Configuration
 * only lets through targets of known networks, so an unknown one is a bug
 * (a target built by hand) and throws.
 */
export function rulesOf(target: Pick<Target, 'id' | 'network'>): NetworkRules {
  const definition = BY_NAME.get(target.network);
  if (!definition) {
    throw new AppError(
      'invariant_broken',
      `target ${target.id}: no network "${target.network}" in the registry (known: ${NETWORK_NAMES.join(', ')})`,
    );
  }
  return definition.rules;
}
