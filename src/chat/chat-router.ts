import type { Card } from '../core/card.ts';
import type { TeamOverview } from '../core/overview.ts';
import type { ChatOut, ChatResult, MessageKey, OutMessage, PostedCard } from '../core/ports.ts';
import { err } from '../core/result.ts';
import type { ChatKind, Team } from '../core/team.ts';

/** One ChatOut over several platforms: each call goes to the team's own chat. */
export class ChatRouter implements ChatOut {
  readonly #chats: ReadonlyMap<ChatKind, ChatOut>;

  constructor(chats: ReadonlyMap<ChatKind, ChatOut>) {
    this.#chats = chats;
  }

  /** the team's chat; a team on a chat this process has not enabled gets a permanent refusal */
  #route<T>(team: Team, call: (chat: ChatOut) => Promise<ChatResult<T>>): Promise<ChatResult<T>> {
    const chat = this.#chats.get(team.chat);
    if (!chat)
      return Promise.resolve(
        err({ code: 'rejected', detail: `team ${team.id} uses ${team.chat}, which is not enabled` }),
      );
    return call(chat);
  }

  postCard(team: Team, card: Card, key: MessageKey): Promise<ChatResult<PostedCard>> {
    return this.#route(team, (chat) => chat.postCard(team, card, key));
  }

  updateCard(team: Team, cardRef: string, card: Card, key: MessageKey): Promise<ChatResult<void>> {
    return this.#route(team, (chat) => chat.updateCard(team, cardRef, card, key));
  }

  replyInThread(
    team: Team,
    cardRef: string,
    message: OutMessage,
    key: MessageKey,
  ): Promise<ChatResult<void>> {
    return this.#route(team, (chat) => chat.replyInThread(team, cardRef, message, key));
  }

  postInChannel(team: Team, message: OutMessage, key: MessageKey): Promise<ChatResult<void>> {
    return this.#route(team, (chat) => chat.postInChannel(team, message, key));
  }

  sayPrivately(
    team: Team,
    recipient: string,
    message: OutMessage,
    key: MessageKey,
  ): Promise<ChatResult<void>> {
    return this.#route(team, (chat) => chat.sayPrivately(team, recipient, message, key));
  }

  showsOverview(team: Team): boolean {
    return this.#chats.get(team.chat)?.showsOverview?.(team) ?? false;
  }

  publishOverview(
    team: Team,
    viewer: string,
    overviews: readonly TeamOverview[],
    key: MessageKey,
  ): Promise<ChatResult<void>> {
    return this.#route(team, (chat) =>
      chat.publishOverview
        ? chat.publishOverview(team, viewer, overviews, key)
        : Promise.resolve(err({ code: 'rejected', detail: `${team.chat} has no overview` })),
    );
  }
}
