import type { z } from 'zod';
import type { NetworkRules } from '../core/network-rules.ts';
import type { Logger, Publisher } from '../core/ports.ts';
import type { Target, TargetPacing } from '../core/target.ts';

/** What a network's factory gets besides its target, from the wiring (main.ts). */
export interface PublisherContext {
  /**
   * Araldo's public base URL, without trailing slash (feed links). A function,
   * since the address is known only once the HTTP server listens: read it when
   * publishing, not when creating.
   */
  readonly publicUrl: () => string;
  /** a logger already carrying the target's id and network */
  readonly logger: Logger;
  /** the fetch to call networks with; the global one when absent (tests inject theirs) */
  readonly fetch?: typeof fetch;
}

/** The fields every network's registry entry has, whether or not its publisher exists yet. */
interface NetworkDefinitionBase {
  /** the name targets use in configuration (`"network": "webhook"`); lower case, unique */
  readonly name: string;
  /**
   * The credential fields a target of this network names in configuration
   * (`"credentials": { "secret": "SITO_WEBHOOK_SECRET" }`), each mapped to an
   * environment variable. Configuration refuses fields the schema does not
   * know and missing required ones, then checks each variable's value
   * against its field's schema; zod messages must never quote the value.
   * Strict: an unknown field is a mistake, not something to ignore.
   */
  readonly credentials: z.ZodObject<Record<string, z.ZodType>, z.core.$strict>;
  /** what the network accepts: limits in its own unit, images, hashtags, and how it counts */
  readonly rules: NetworkRules;
  /**
   * How fast one target of this network may be published to when its
   * configuration says nothing: from the network's documented rate limits
   * (each definition says its source). A target's `pacing` overrides it.
   */
  readonly pacing: TargetPacing;
  /**
   * True when sending the same idempotency key twice can never create two
   * posts on this network, so a delivery interrupted by a crash is simply
   * sent again; false when Araldo must ask in the thread instead.
   */
  readonly idempotent: boolean;
}

/** A network Araldo can publish to: its factory makes one publisher per target. */
export interface PublishingNetwork extends NetworkDefinitionBase {
  /**
   * Makes the publisher of `target`, credentials bound. Called once per
   * target at start, after configuration checked the target's credentials
   * against `credentials`; may throw an AppError for a configuration it
   * cannot use (start-up then stops with its message).
   */
  readonly create: (target: Target, context: PublisherContext) => Publisher;
}

/**
 * A network whose rules are known (proposals are checked against them) but
 * whose publisher is not written yet: configuration refuses its targets at
 * start, naming the issue that brings it.
 */
export interface PlannedNetwork extends NetworkDefinitionBase {
  readonly create?: undefined;
  /** the issue (#10, #11) whose work brings this network's publisher */
  readonly publisherIssue: number;
}

/** One entry of the publisher registry (src/publish/registry.ts): everything Araldo knows of a network. */
export type NetworkDefinition = PublishingNetwork | PlannedNetwork;
