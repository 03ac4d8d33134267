import type { Card } from '../../core/card.ts';
import type { ChatOut, Logger, OutMessage } from '../../core/ports.ts';
import type { Team } from '../../core/team.ts';
import {
  fromCardRef,
  toCardMessage,
  toCardRef,
  toEphemeralText,
  toMessageText,
  toSectionBlocks,
} from './translate.ts';

/** The part of @slack/web-api's WebClient Araldo writes with. */
export interface SlackWriter {
  chat: {
    postMessage(args: Record<string, unknown>): Promise<{ ok?: boolean; ts?: string; channel?: string }>;
    update(args: Record<string, unknown>): Promise<{ ok?: boolean }>;
    postEphemeral(args: Record<string, unknown>): Promise<{ ok?: boolean }>;
    getPermalink(args: Record<string, unknown>): Promise<{ ok?: boolean; permalink?: string }>;
  };
}

/**
 * Spaces messages to one channel at least `paceMs` apart, in order: Slack
 * allows about one message per second per channel, and a burst of thread
 * replies would otherwise be rate limited.
 */
class ChannelPacer {
  readonly #paceMs: number;
  readonly #tails = new Map<string, Promise<unknown>>();

  constructor(paceMs: number) {
    this.#paceMs = paceMs;
  }

  run<T>(channel: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(channel) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result
      .catch(() => undefined)
      .then(() =>
        this.#paceMs > 0 ? new Promise((resolve) => setTimeout(resolve, this.#paceMs)) : undefined,
      );
    this.#tails.set(channel, tail);
    void tail.then(() => {
      if (this.#tails.get(channel) === tail) this.#tails.delete(channel);
    });
    return result;
  }
}

/** Slack's side of ChatOut: Block Kit cards updated in place, thread replies, channel messages. */
export class SlackChat implements ChatOut {
  readonly #client: SlackWriter;
  readonly #pacer: ChannelPacer;
  readonly #logger: Logger;

  constructor(client: SlackWriter, options: { paceMs: number; logger: Logger }) {
    this.#client = client;
    this.#pacer = new ChannelPacer(options.paceMs);
    this.#logger = options.logger;
  }

  async postCard(team: Team, card: Card): Promise<string> {
    const message = toCardMessage(card);
    const posted = await this.#pacer.run(team.channel, () =>
      this.#client.chat.postMessage({ channel: team.channel, ...message, unfurl_links: false }),
    );
    if (!posted.ts) throw new Error('chat.postMessage returned no ts');
    return toCardRef(posted.channel ?? team.channel, posted.ts);
  }

  async updateCard(_team: Team, cardRef: string, card: Card): Promise<void> {
    const { channel, ts } = fromCardRef(cardRef);
    await this.#client.chat.update({ channel, ts, ...toCardMessage(card) });
  }

  async replyInThread(_team: Team, cardRef: string, message: OutMessage): Promise<void> {
    const { channel, ts } = fromCardRef(cardRef);
    await this.#pacer.run(channel, () =>
      this.#client.chat.postMessage({
        channel,
        thread_ts: ts,
        text: toMessageText(message),
        unfurl_links: false,
      }),
    );
  }

  async postInChannel(team: Team, message: OutMessage): Promise<void> {
    const text = toMessageText(message);
    await this.#pacer.run(team.channel, () =>
      this.#client.chat.postMessage({
        channel: team.channel,
        text,
        blocks: toSectionBlocks(text),
        unfurl_links: false,
      }),
    );
  }

  async cardLink(_team: Team, cardRef: string): Promise<string | undefined> {
    const { channel, ts } = fromCardRef(cardRef);
    const result = await this.#client.chat.getPermalink({ channel, message_ts: ts });
    return result.permalink;
  }

  /** a reply only `user` sees, in `channel`; failures are logged, never thrown */
  async sayToUser(channel: string, user: string, text: string): Promise<void> {
    try {
      await this.#client.chat.postEphemeral({ channel, user, text: toEphemeralText(text) });
    } catch (error) {
      this.#logger.error({ err: error, channel }, 'could not send an ephemeral reply');
    }
  }
}
