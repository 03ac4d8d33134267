import { type Logger as BoltLogger, LogLevel, webApi } from '@slack/bolt';
import type { Card } from '../../core/card.ts';
import type { TeamOverview } from '../../core/overview.ts';
import type {
  ChatFailure,
  ChatOut,
  ChatResult,
  Logger,
  MessageKey,
  OutMessage,
  PostedCard,
} from '../../core/ports.ts';
import { err, ok } from '../../core/result.ts';
import type { Team } from '../../core/team.ts';
import { ChannelMembers } from './channel-members.ts';
import { toHomeView } from './home-view.ts';
import {
  type AraldoMessageKind,
  araldoMarkOf,
  fromCardRef,
  fromRecipient,
  messagePageSchema,
  type SlackMessage,
  toCardMessage,
  toCardRef,
  toChatFailure,
  toEphemeralText,
  toMessageMetadata,
  toMessageText,
  toSectionBlocks,
} from './translate.ts';

/** How SlackChat reaches Slack. */
export interface SlackChatOptions {
  /** the bot token (xoxb-…): never logged, never in a failure's detail */
  readonly botToken: string;
  /** Web API base URL with trailing slash (`https://slack.com/api/`, or a fake's) */
  readonly apiUrl: string;
  readonly logger: Logger;
  /** how long one call may take before its outcome counts as uncertain; default 10 s */
  readonly timeoutMs?: number;
  /** messages asked for per page when looking for an earlier write; default 200 (Slack's advice) */
  readonly lookupPageSize?: number;
  /** pages read at most when looking for an earlier write; default 5 */
  readonly lookupMaxPages?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_LOOKUP_PAGE_SIZE = 200;
const DEFAULT_LOOKUP_MAX_PAGES = 5;

/** Our Logger as the one @slack/web-api and Bolt take. */
export function toSlackLogger(logger: Logger): BoltLogger {
  const log = logger.child({ platform: 'slack' });
  const join = (parts: unknown[]) =>
    parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...parts: unknown[]) => log.debug({}, join(parts)),
    info: (...parts: unknown[]) => log.info({}, join(parts)),
    warn: (...parts: unknown[]) => log.warn({}, join(parts)),
    error: (...parts: unknown[]) => log.error({}, join(parts)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/**
 * Slack's side of ChatOut: Block Kit cards updated in place, thread replies, channel messages and
 * ephemeral answers, each one attempt, failures returned as values.
 *
 * Writes go through a WebClient of its own with no retries and `rejectRateLimitedCalls`: the outbox
 * owns retries and pacing, and a client retrying a 5xx by itself would turn one lost answer into a
 * second message. Every message carries metadata naming its outbox row, so an attempt with
 * `mayExist` first looks for the earlier one (conversations.history for the channel,
 * conversations.replies for a thread) and writes only if it is not there. An ephemeral answer
 * cannot be looked up: after an uncertain attempt it is not sent again (at most once).
 *
 * The outbox must keep `mayExist` once an attempt was uncertain, until one succeeds: a later
 * attempt that fails `rate_limited` (in its look-up or its write) says nothing of the earlier one.
 */
export class SlackChat implements ChatOut {
  readonly #client: webApi.WebClient;
  readonly #members: ChannelMembers;
  readonly #secrets: readonly string[];
  readonly #logger: Logger;
  readonly #pageSize: number;
  readonly #maxPages: number;

  constructor(options: SlackChatOptions) {
    this.#client = new webApi.WebClient(options.botToken, {
      slackApiUrl: options.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: toSlackLogger(options.logger),
    });
    this.#secrets = [options.botToken];
    this.#logger = options.logger.child({ platform: 'slack' });
    this.#members = new ChannelMembers(this.#client, this.#logger);
    this.#pageSize = options.lookupPageSize ?? DEFAULT_LOOKUP_PAGE_SIZE;
    this.#maxPages = options.lookupMaxPages ?? DEFAULT_LOOKUP_MAX_PAGES;
  }

  async postCard(team: Team, card: Card, key: MessageKey): Promise<ChatResult<PostedCard>> {
    if (key.mayExist) {
      const found = await this.#findInChannel(team.channel, key);
      if (!found.ok) return found;
      if (found.value) return ok(await this.#postedCard(team.channel, found.value.ts));
    }
    const posted = await this.#post(key, 'card', {
      channel: team.channel,
      ...toCardMessage(card),
      unfurl_links: false,
    });
    if (!posted.ok) return posted;
    return ok(await this.#postedCard(posted.value.channel ?? team.channel, posted.value.ts));
  }

  /** chat.update is idempotent (the same card twice shows once): no look-up; the metadata stays. */
  async updateCard(_team: Team, cardRef: string, card: Card, key: MessageKey): Promise<ChatResult<void>> {
    const { channel, ts } = fromCardRef(cardRef);
    const updated = await this.#call(key, 'chat.update', { channel, ts, ...toCardMessage(card) });
    return updated.ok ? ok(undefined) : updated;
  }

  async replyInThread(
    _team: Team,
    cardRef: string,
    message: OutMessage,
    key: MessageKey,
  ): Promise<ChatResult<void>> {
    const { channel, ts } = fromCardRef(cardRef);
    if (key.mayExist) {
      const found = await this.#findInThread(channel, ts, key);
      if (!found.ok) return found;
      if (found.value) return ok(undefined);
    }
    const posted = await this.#post(key, 'thread', {
      channel,
      thread_ts: ts,
      text: toMessageText(message),
      unfurl_links: false,
    });
    return posted.ok ? ok(undefined) : posted;
  }

  async postInChannel(team: Team, message: OutMessage, key: MessageKey): Promise<ChatResult<void>> {
    if (key.mayExist) {
      const found = await this.#findInChannel(team.channel, key);
      if (!found.ok) return found;
      if (found.value) return ok(undefined);
    }
    const text = toMessageText(message);
    const posted = await this.#post(key, 'channel', {
      channel: team.channel,
      text,
      blocks: toSectionBlocks(text),
      unfurl_links: false,
    });
    return posted.ok ? ok(undefined) : posted;
  }

  /**
   * chat.postEphemeral to `recipient` (`channel:user`, as the adapter gave it in `replyTo`).
   * Slack keeps no ephemeral message to look up, so with `mayExist` nothing is sent again: the
   * person may miss one answer rather than read it twice.
   */
  async sayPrivately(
    _team: Team,
    recipient: string,
    message: OutMessage,
    key: MessageKey,
  ): Promise<ChatResult<void>> {
    const to = fromRecipient(recipient);
    if (!to) return err({ code: 'rejected', detail: `chat.postEphemeral: recipient is not channel:user` });
    if (key.mayExist) {
      this.#log(key).warn(
        { channel: to.channel },
        'private answer not sent again: an earlier attempt may have shown it, and Slack cannot tell',
      );
      return ok(undefined);
    }
    const sent = await this.#call(key, 'chat.postEphemeral', {
      channel: to.channel,
      user: to.user,
      text: toMessageText(message),
    });
    return sent.ok ? ok(undefined) : sent;
  }

  /** Every Slack team has its App Home. */
  showsOverview(_team: Team): boolean {
    return true;
  }

  /** whether `user` is in `channel` (cached a few minutes; false when Slack cannot say) */
  isMember(channel: string, user: string): Promise<boolean> {
    return this.#members.has(channel, user);
  }

  /**
   * The viewer's Home tab, replaced whole (views.publish is idempotent):
   * one part per team they follow and are still in the channel of, so
   * someone who left a team's channel stops seeing its drafts.
   */
  async publishOverview(
    team: Team,
    viewer: string,
    overviews: readonly TeamOverview[],
    key: MessageKey,
  ): Promise<ChatResult<void>> {
    const shown: TeamOverview[] = [];
    for (const overview of overviews) {
      if (await this.#members.has(overview.channel, viewer)) shown.push(overview);
    }
    const published = await this.#call(key, 'views.publish', {
      user_id: viewer,
      view: toHomeView(shown, team.language),
    });
    return published.ok ? ok(undefined) : published;
  }

  /**
   * An answer no decision owes, sent at once and only once: the adapter's own words (the channel
   * is not configured, the request failed after its ack, a thread reply was not recorded). There
   * is no outbox row behind it, so a failure is logged and dropped, never thrown.
   */
  async sayToUserNow(channel: string, user: string, text: string): Promise<void> {
    try {
      await this.#client.chat.postEphemeral({ channel, user, text: toEphemeralText(text) });
    } catch (error) {
      const failure = toChatFailure(error, 'chat.postEphemeral', this.#secrets);
      this.#logger.error({ channel, failure }, 'could not send an ephemeral answer');
    }
  }

  /** The card at `ts` with its permalink; without one when chat.getPermalink fails. */
  async #postedCard(channel: string, ts: string): Promise<PostedCard> {
    const cardRef = toCardRef(channel, ts);
    try {
      const answer = await this.#client.chat.getPermalink({ channel, message_ts: ts });
      return answer.permalink ? { cardRef, link: answer.permalink } : { cardRef };
    } catch (error) {
      const failure = toChatFailure(error, 'chat.getPermalink', this.#secrets);
      this.#logger.warn({ cardRef, failure }, 'card posted without a link: chat.getPermalink failed');
      return { cardRef };
    }
  }

  /** chat.postMessage marked with the key's metadata; the answer's ts and channel. */
  async #post(
    key: MessageKey,
    kind: AraldoMessageKind,
    args: Record<string, unknown>,
  ): Promise<ChatResult<{ ts: string; channel: string | undefined }>> {
    const answer = await this.#call(key, 'chat.postMessage', {
      ...args,
      metadata: toMessageMetadata(key, kind),
    });
    if (!answer.ok) return answer;
    const { ts, channel } = answer.value;
    // ok without a ts is no answer Slack documents; the message may be there all the same.
    if (typeof ts !== 'string' || ts === '')
      return err({ code: 'uncertain', detail: 'chat.postMessage: answered ok without a ts' });
    return ok({ ts, channel: typeof channel === 'string' ? channel : undefined });
  }

  /** One Web API call; every failure as a ChatFailure, logged with the key. */
  async #call(
    key: MessageKey,
    method: string,
    args: Record<string, unknown>,
  ): Promise<ChatResult<Record<string, unknown>>> {
    try {
      const answer = await this.#client.apiCall(method, args);
      return ok({ ...answer });
    } catch (error) {
      const failure = toChatFailure(error, method, this.#secrets);
      this.#log(key).warn({ failure }, 'Slack call failed');
      return err(failure);
    }
  }

  #findInChannel(channel: string, key: MessageKey): Promise<ChatResult<SlackMessage | undefined>> {
    return this.#find(key, 'conversations.history', { channel });
  }

  #findInThread(
    channel: string,
    threadTs: string,
    key: MessageKey,
  ): Promise<ChatResult<SlackMessage | undefined>> {
    return this.#find(key, 'conversations.replies', { channel, ts: threadTs });
  }

  /**
   * Pages through `method`, newest first, looking for the message marked with `key.messageId`.
   * No `oldest` bound: `key.owedAt` is Araldo's clock, which need not be Slack's (a rehearsal
   * clock, a skewed host), and a bound from it could hide the very message looked for. An
   * uncertain write is recent, so it is among the newest pages. Past `lookupMaxPages` pages (a
   * channel busier than any team's) it gives up and reports none, so the message is written
   * again rather than never.
   */
  async #find(
    key: MessageKey,
    method: 'conversations.history' | 'conversations.replies',
    args: Record<string, string>,
  ): Promise<ChatResult<SlackMessage | undefined>> {
    let cursor: string | undefined;
    for (let page = 0; page < this.#maxPages; page += 1) {
      const answer = await this.#call(key, method, {
        ...args,
        include_all_metadata: true,
        limit: this.#pageSize,
        ...(cursor === undefined ? {} : { cursor }),
      });
      if (!answer.ok) return err(asLookupFailure(answer.error));
      const parsed = messagePageSchema.safeParse(answer.value);
      if (!parsed.success)
        return err({ code: 'uncertain', detail: `${method}: an answer Araldo cannot read` });
      const mine = parsed.data.messages.find((m) => araldoMarkOf(m)?.messageId === key.messageId);
      if (mine) {
        this.#log(key).info({ ts: mine.ts }, 'earlier attempt found in Slack; not written again');
        return ok(mine);
      }
      cursor = parsed.data.response_metadata?.next_cursor || undefined;
      if (!parsed.data.has_more || cursor === undefined) return ok(undefined);
    }
    this.#log(key).warn({ pages: this.#maxPages }, 'look-up stopped at its page bound; writing again');
    return ok(undefined);
  }

  #log(key: MessageKey): Logger {
    return this.#logger.child({ messageId: key.messageId, ...(key.postId ? { postId: key.postId } : {}) });
  }
}

/**
 * A look-up that failed leaves the earlier attempt as unknown as before: a transient failure
 * stays `uncertain` (so the next attempt looks again), never `unavailable` (which says nothing
 * could be there). A 429 keeps its wait; a permanent refusal (no history scope, channel gone)
 * needs a person either way.
 */
function asLookupFailure(failure: ChatFailure): ChatFailure {
  const detail = `looking for the earlier attempt: ${failure.detail}`;
  switch (failure.code) {
    case 'rate_limited':
      return { ...failure, detail };
    case 'rejected':
      return { code: 'rejected', detail };
    case 'unavailable':
    case 'uncertain':
      return { code: 'uncertain', detail };
  }
}
