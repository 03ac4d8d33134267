import type { Actor } from './actor.ts';
import type { AuditAction, NewAuditEvent } from './audit-event.ts';
import type { MessageKey } from './i18n/it.ts';
import type { MessageArgs } from './i18n/translate.ts';
import { t } from './i18n/translate.ts';
import type { NetworkRules } from './network-rules.ts';
import type { NewOwedMessage } from './owed-message.ts';
import type { ChatOut, Clock, Logger, OutMessage, Publisher, Store } from './ports.ts';
import type { Post } from './post.ts';
import type { Target } from './target.ts';
import type { Team } from './team.ts';

/** What the desk needs from the outside world, wired by main.ts. */
export interface DeskDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly chat: ChatOut;
  readonly logger: Logger;
  readonly teams: readonly Team[];
  readonly targets: readonly Target[];
  /** the publisher of a target, or undefined when none is configured */
  readonly publisherFor: (target: Target) => Publisher | undefined;
  /** what a target's network accepts and how it counts (from the publisher registry, by `target.network`) */
  readonly rulesOf: (target: Target) => NetworkRules;
  /** called when work becomes due at `at`, so the scheduler can wake up then */
  readonly wake?: (at: Date) => void;
  /**
   * called when there is work to start now: a decision owing chat messages
   * has committed, or an attempt ended and made room; the scheduler runs a
   * round soon after
   */
  readonly kick?: () => void;
}

/**
 * What a decision in progress has produced: its audit events and owed
 * messages, written just before it commits, and the wake-ups and nudge to
 * give once it has.
 */
interface DecisionEffects {
  readonly wakes: Date[];
  owed: boolean;
  readonly audit: NewAuditEvent[];
  readonly messages: NewOwedMessage[];
}

/** The system itself as an actor in the audit log. */
export const SYSTEM_ACTOR: Actor = { id: 'araldo', name: 'Araldo' };

/**
 * Shared helpers of the use cases: lookups, audit, and what a decision owes
 * the chat. Inside `decide`, the context is bound to one transaction: its
 * store, audit events and owed messages all commit together.
 */
export class DeskContext {
  readonly deps: DeskDeps;
  readonly #teams: ReadonlyMap<string, Team>;
  readonly #targets: ReadonlyMap<string, Target>;
  /** set inside a decision: what it writes at its end, and what to do once it has committed */
  readonly #afterCommit: DecisionEffects | undefined;

  constructor(
    deps: DeskDeps,
    shared?: { teams: ReadonlyMap<string, Team>; targets: ReadonlyMap<string, Target> },
    afterCommit?: DecisionEffects,
  ) {
    this.deps = deps;
    this.#teams = shared?.teams ?? new Map(deps.teams.map((team) => [team.id, team]));
    this.#targets = shared?.targets ?? new Map(deps.targets.map((target) => [target.id, target]));
    this.#afterCommit = afterCommit;
  }

  /** ids of the teams this desk serves */
  get teamIds(): readonly string[] {
    return [...this.#teams.keys()];
  }

  get store(): Store {
    return this.deps.store;
  }

  now(): Date {
    return this.deps.clock.now();
  }

  team(teamId: string): Team | undefined {
    return this.#teams.get(teamId);
  }

  target(targetId: string): Target | undefined {
    return this.#targets.get(targetId);
  }

  /** the rules of the target's network: its limits, its unit and how it counts */
  rulesOf(target: Target): NetworkRules {
    return this.deps.rulesOf(target);
  }

  /** the targets a team may publish to, in configuration order */
  targetsOf(team: Team): readonly Target[] {
    return team.targets.flatMap((id) => {
      const target = this.#targets.get(id);
      return target ? [target] : [];
    });
  }

  msg<K extends MessageKey>(team: Team, key: K, ...args: MessageArgs<K>): string {
    return t(team.language, key, ...args);
  }

  /**
   * Runs one decision in one transaction: the state change, its audit
   * events and the messages it owes commit together or not at all, so a
   * crash anywhere leaves the audit log matching the state and no owed
   * message forgotten. Wake-ups and the dispatcher's nudge happen after the
   * commit. A decision inside a decision joins the outer one.
   */
  async decide<T>(work: (ctx: DeskContext) => Promise<T>): Promise<T> {
    if (this.#afterCommit) return work(this);
    const after: DecisionEffects = { wakes: [], owed: false, audit: [], messages: [] };
    const result = await this.store.inTransaction(async (store) => {
      const done = await work(
        new DeskContext({ ...this.deps, store }, { teams: this.#teams, targets: this.#targets }, after),
      );
      // Written last, one statement each whatever the decision's size: the
      // order within each is the order the decision produced them in.
      if (after.audit.length > 0) await store.appendAudit(after.audit);
      if (after.messages.length > 0) await store.enqueueMessages(after.messages);
      return done;
    });
    for (const at of after.wakes) this.deps.wake?.(at);
    if (after.owed) this.deps.kick?.();
    return result;
  }

  async audit(
    post: Pick<Post, 'id' | 'teamId'>,
    actor: Actor,
    action: AuditAction,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const event = {
      teamId: post.teamId,
      postId: post.id,
      at: this.now(),
      actorId: actor.id,
      actorName: actor.name,
      action,
      details,
    };
    if (this.#afterCommit) this.#afterCommit.audit.push(event);
    else await this.store.appendAudit([event]);
  }

  /** owes messages to the chat, with the decision in progress */
  async owe(messages: readonly Omit<NewOwedMessage, 'at'>[]): Promise<void> {
    const at = this.now();
    const owed = messages.map((message) => ({ ...message, at }));
    if (this.#afterCommit) {
      this.#afterCommit.messages.push(...owed);
      this.#afterCommit.owed = true;
    } else {
      await this.store.enqueueMessages(owed);
      this.deps.kick?.();
    }
  }

  /** owes a line in the post's thread (in the channel, numbered, if its card never went out) */
  say(post: Pick<Post, 'id' | 'teamId'>, message: OutMessage): Promise<void> {
    return this.owe([{ teamId: post.teamId, postId: post.id, kind: 'thread', message }]);
  }

  /**
   * owes a redraw of the post's card from the post as it is when sent, and
   * of the team's overview where its chat has one; waiting redraws coalesce
   */
  refreshCard(post: Pick<Post, 'id' | 'teamId'>): Promise<void> {
    return this.owe([
      { teamId: post.teamId, postId: post.id, kind: 'card_update' },
      ...this.overviewUpdate(post.teamId),
    ]);
  }

  /** the overview redraw a change in the team owes, when its chat shows one */
  overviewUpdate(teamId: string): Omit<NewOwedMessage, 'at'>[] {
    const team = this.team(teamId);
    return team && this.deps.chat.showsOverview?.(team) ? [{ teamId, kind: 'overview_update' }] : [];
  }

  /** asks for a round at `at`; inside a decision, once it has committed */
  wake(at: Date): void {
    if (this.#afterCommit) this.#afterCommit.wakes.push(at);
    else this.deps.wake?.(at);
  }
}
