import type { Actor } from './actor.ts';
import type { AuditAction } from './audit-event.ts';
import type { MessageKey } from './i18n/it.ts';
import type { MessageArgs } from './i18n/translate.ts';
import { t } from './i18n/translate.ts';
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
  /** called when work becomes due at `at`, so the scheduler can wake up then */
  readonly wake?: (at: Date) => void;
}

/** The system itself as an actor in the audit log. */
export const SYSTEM_ACTOR: Actor = { id: 'araldo', name: 'Araldo' };

/**
 * Shared helpers of the use cases: lookups, audit, and chat output that
 * never lets a chat outage break the workflow (it is logged instead).
 */
export class DeskContext {
  readonly deps: DeskDeps;
  readonly #teams: ReadonlyMap<string, Team>;
  readonly #targets: ReadonlyMap<string, Target>;

  constructor(deps: DeskDeps) {
    this.deps = deps;
    this.#teams = new Map(deps.teams.map((team) => [team.id, team]));
    this.#targets = new Map(deps.targets.map((target) => [target.id, target]));
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

  async audit(
    post: Pick<Post, 'id' | 'teamId'>,
    actor: Actor,
    action: AuditAction,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.store.appendAudit({
      teamId: post.teamId,
      postId: post.id,
      at: this.now(),
      actorId: actor.id,
      actorName: actor.name,
      action,
      details,
    });
  }

  /** writes in the post's thread, or in the channel when its card was never posted */
  async sayInThread(team: Team, post: Post, message: OutMessage): Promise<void> {
    try {
      if (post.cardRef !== undefined) {
        await this.deps.chat.replyInThread(team, post.cardRef, message);
      } else {
        await this.deps.chat.postInChannel(team, { ...message, text: `#${post.number}: ${message.text}` });
      }
    } catch (error) {
      this.deps.logger.error(
        { err: error, teamId: team.id, post: post.number },
        'could not write in the thread',
      );
    }
  }

  wake(at: Date): void {
    this.deps.wake?.(at);
  }
}
