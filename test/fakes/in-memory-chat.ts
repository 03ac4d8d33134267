import type { Card } from '../../src/core/card.ts';
import type { ChatOut, OutMessage } from '../../src/core/ports.ts';
import type { Team } from '../../src/core/team.ts';

/** One thing the desk said in chat. */
export type ChatRecord =
  | { readonly kind: 'card'; readonly teamId: string; readonly cardRef: string; readonly card: Card }
  | { readonly kind: 'card_update'; readonly teamId: string; readonly cardRef: string; readonly card: Card }
  | {
      readonly kind: 'thread';
      readonly teamId: string;
      readonly cardRef: string;
      readonly message: OutMessage;
    }
  | { readonly kind: 'channel'; readonly teamId: string; readonly message: OutMessage };

/** ChatOut that records what was said; cards are referenced as `card-<number>`. */
export class InMemoryChat implements ChatOut {
  readonly records: ChatRecord[] = [];
  /** when set, every call fails with this error (a chat outage) */
  failWith: Error | undefined;

  async postCard(team: Team, card: Card): Promise<string> {
    if (this.failWith) throw this.failWith;
    const cardRef = `card-${card.postNumber}`;
    this.records.push({ kind: 'card', teamId: team.id, cardRef, card });
    return cardRef;
  }

  async updateCard(team: Team, cardRef: string, card: Card): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.records.push({ kind: 'card_update', teamId: team.id, cardRef, card });
  }

  async replyInThread(team: Team, cardRef: string, message: OutMessage): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.records.push({ kind: 'thread', teamId: team.id, cardRef, message });
  }

  async postInChannel(team: Team, message: OutMessage): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.records.push({ kind: 'channel', teamId: team.id, message });
  }

  /** texts written in the thread of post `number`, in order */
  thread(number: number): string[] {
    return this.records.flatMap((r) =>
      r.kind === 'thread' && r.cardRef === `card-${number}` ? [r.message.text] : [],
    );
  }

  /** the latest card of post `number` (posted or updated) */
  latestCard(number: number): Card | undefined {
    const cards = this.records.flatMap((r) =>
      (r.kind === 'card' || r.kind === 'card_update') && r.cardRef === `card-${number}` ? [r.card] : [],
    );
    return cards.at(-1);
  }
}
