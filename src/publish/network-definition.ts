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
  /** the current instant (tokens' expiry, quotas' windows); the core's clock, faked in tests */
  readonly now: () => Date;
  /**
   * Waits `ms` between two polls of a network's processing status
   * (Instagram containers, TikTok posts); rejects when `signal` aborts.
   * Tests pass one that does not wait.
   */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** the target's secrets kept in the database (X's rotating refresh token), sealed */
  readonly secrets: TargetSecrets;
}

/**
 * A target's own secret kept in the database, sealed (AES-256-GCM with the
 * key in ARALDO_SECRET_KEY), for credentials the network rotates: X spends
 * a refresh token on every refresh, so the new one must outlive the process
 * and be the one every replica uses. One value per target, opaque (the
 * publisher's own JSON), versioned so two processes never overwrite each
 * other blindly.
 */
export interface TargetSecrets {
  /** whether a key is configured; without one nothing can be stored and `read` finds nothing */
  readonly available: boolean;
  /**
   * The stored value and its version, or undefined when none is stored. A
   * value sealed with another key (ARALDO_SECRET_KEY changed) reads as ''
   * with its version: the publisher starts again from its credentials and
   * writes over it.
   */
  read(): Promise<{ readonly value: string; readonly version: number } | undefined>;
  /**
   * Stores `value` if the stored version is still `version` (0: none stored
   * yet); false when another process wrote first (read again). Throws when
   * no key is configured.
   */
  write(value: string, version: number): Promise<boolean>;
  /**
   * Runs `fn` while this process holds the target's lease, shared by every
   * process on the database, so one refresh token is never spent twice.
   * Waits for another holder up to `waitMs`, then runs anyway (a crashed
   * holder's lease lapses after `leaseMs`); `fn` should read again first.
   */
  exclusively<T>(
    fn: () => Promise<T>,
    options?: { readonly waitMs?: number; readonly leaseMs?: number },
  ): Promise<T>;
}

/** A network Araldo can publish to: everything Araldo knows of it, and its factory of one publisher per target. */
export interface PublishingNetwork {
  /** the name targets use in configuration (`"network": "webhook"`); lower case, unique */
  readonly name: string;
  /**
   * The network's name as people know it (`Facebook Page`): README has a
   * section by this title on setting up and renewing its credentials, which
   * failures and the digest point to. The `name` when absent.
   */
  readonly title?: string;
  /**
   * The credential fields a target of this network names in configuration
   * (`"credentials": { "secret": "SITO_WEBHOOK_SECRET" }`), each mapped to an
   * environment variable. Configuration refuses fields the schema does not
   * know and missing required ones, then checks each variable's value
   * against its field's schema; zod messages must never quote the value.
   * Strict: an unknown field is a mistake, not something to ignore.
   */
  readonly credentials: z.ZodObject<Record<string, z.ZodType>, z.core.$strict>;
  /**
   * The target's settings that are not secrets (`"settings": { "pageId":
   * "1234" }` in configuration: a page id, an API version, a posting mode),
   * checked by configuration against this schema; absent when the network
   * takes none. Strict, like `credentials`. The publisher's factory parses
   * `target.settings` with it again to get them typed.
   */
  readonly settings?: z.ZodObject<Record<string, z.ZodType>, z.core.$strict>;
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
  /**
   * True when the network rotates a token that Araldo must keep in the
   * database (`PublisherContext.secrets`): configuration then requires
   * ARALDO_SECRET_KEY for its targets.
   */
  readonly keepsSecrets?: boolean;
  /**
   * Makes the publisher of `target`, credentials bound. Called once per
   * target at start, after configuration checked the target's credentials
   * against `credentials`; may throw an AppError for a configuration it
   * cannot use (start-up then stops with its message).
   */
  readonly create: (target: Target, context: PublisherContext) => Publisher;
}

/** One entry of the publisher registry (src/publish/registry.ts). */
export type NetworkDefinition = PublishingNetwork;
