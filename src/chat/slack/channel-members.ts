import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/ports.ts';

/** How long a channel's member list is trusted before asking Slack again. */
const MEMBERS_TTL_MS = 5 * 60_000;
/** Members read per page (Slack's recommended maximum is 200). */
const PAGE = 200;

/**
 * Who is in a team's channel, read with conversations.members and cached
 * for a few minutes. The Home tab shows a team's unpublished proposals,
 * so it is drawn only for the people of the team's channel; when Slack
 * cannot say and nothing is cached, nobody counts as a member.
 */
export class ChannelMembers {
  readonly #client: webApi.WebClient;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #cache = new Map<string, { members: ReadonlySet<string>; fetchedAt: number }>();

  constructor(client: webApi.WebClient, logger: Logger, now: () => number = Date.now) {
    this.#client = client;
    this.#logger = logger;
    this.#now = now;
  }

  async has(channel: string, user: string): Promise<boolean> {
    return (await this.#members(channel)).has(user);
  }

  async #members(channel: string): Promise<ReadonlySet<string>> {
    const cached = this.#cache.get(channel);
    if (cached && this.#now() - cached.fetchedAt < MEMBERS_TTL_MS) return cached.members;
    try {
      const members = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = (await this.#client.conversations.members({
          channel,
          limit: PAGE,
          ...(cursor ? { cursor } : {}),
        })) as { members?: string[]; response_metadata?: { next_cursor?: string } };
        for (const member of page.members ?? []) members.add(member);
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
      this.#cache.set(channel, { members, fetchedAt: this.#now() });
      return members;
    } catch (error) {
      this.#logger.warn({ err: error, channel }, 'conversations.members failed');
      return cached?.members ?? new Set();
    }
  }
}
