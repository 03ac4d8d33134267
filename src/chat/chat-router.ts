import type { Card } from '../core/card.ts';
import type { ChatOut, OutMessage } from '../core/ports.ts';
import type { ChatKind, Team } from '../core/team.ts';

/** One ChatOut over several platforms: each call goes to the team's own chat. */
export class ChatRouter implements ChatOut {
  readonly #chats: ReadonlyMap<ChatKind, ChatOut>;

  constructor(chats: ReadonlyMap<ChatKind, ChatOut>) {
    this.#chats = chats;
  }

  #for(team: Team): ChatOut {
    const chat = this.#chats.get(team.chat);
    if (!chat) throw new Error(`team ${team.id} uses ${team.chat}, which is not enabled`);
    return chat;
  }

  postCard(team: Team, card: Card): Promise<string> {
    return this.#for(team).postCard(team, card);
  }

  updateCard(team: Team, cardRef: string, card: Card): Promise<void> {
    return this.#for(team).updateCard(team, cardRef, card);
  }

  replyInThread(team: Team, cardRef: string, message: OutMessage): Promise<void> {
    return this.#for(team).replyInThread(team, cardRef, message);
  }

  postInChannel(team: Team, message: OutMessage): Promise<void> {
    return this.#for(team).postInChannel(team, message);
  }

  async cardLink(team: Team, cardRef: string): Promise<string | undefined> {
    return this.#for(team).cardLink?.(team, cardRef);
  }
}
