import type { Card } from '../../src/core/card.ts';
import type {
  ChatFailure,
  ChatOut,
  ChatResult,
  MessageKey,
  OutMessage,
  PostedCard,
} from '../../src/core/ports.ts';
import { err, ok } from '../../src/core/result.ts';
import type { Team } from '../../src/core/team.ts';

/** One thing the desk said in chat, with the key of the owed message it came from. */
export type ChatRecord = (
  | { readonly kind: 'card'; readonly teamId: string; readonly cardRef: string; readonly card: Card }
  | { readonly kind: 'card_update'; readonly teamId: string; readonly cardRef: string; readonly card: Card }
  | {
      readonly kind: 'thread';
      readonly teamId: string;
      readonly cardRef: string;
      readonly message: OutMessage;
    }
  | { readonly kind: 'channel'; readonly teamId: string; readonly message: OutMessage }
  | {
      readonly kind: 'private';
      readonly teamId: string;
      readonly recipient: string;
      readonly message: OutMessage;
    }
) & { readonly key: MessageKey };

/**
 * ChatOut that records what was said; cards are referenced as `card-<number>`.
 * It can be told to fail: `failWith` refuses every write before it happens
 * (unavailable), `script` answers the next writes with the given failures,
 * each `performed` first or not.
 */
export class InMemoryChat implements ChatOut {
  readonly records: ChatRecord[] = [];
  /** when set, every call fails with this error (a chat outage: nothing is written) */
  failWith: Error | undefined;
  readonly #script: { failure: ChatFailure; performed: boolean }[] = [];

  /** the next writes fail with these failures; `performed` ones are written all the same */
  willFail(...failures: { failure: ChatFailure; performed: boolean }[]): void {
    this.#script.push(...failures);
  }

  #write<T>(record: ChatRecord, value: T): ChatResult<T> {
    if (this.failWith) return err({ code: 'unavailable', detail: this.failWith.message });
    const next = this.#script.shift();
    // A chat that looks before writing finds its earlier message by key.
    const earlier = record.key.mayExist
      ? this.records.find((r) => r.key.messageId === record.key.messageId && r.kind === record.kind)
      : undefined;
    if (earlier) return next && !next.performed ? err(next.failure) : ok(value);
    if (next && !next.performed) return err(next.failure);
    this.records.push(record);
    return next ? err(next.failure) : ok(value);
  }

  async postCard(team: Team, card: Card, key: MessageKey): Promise<ChatResult<PostedCard>> {
    const cardRef = `card-${card.postNumber}`;
    return this.#write(
      { kind: 'card', teamId: team.id, cardRef, card, key },
      { cardRef, link: `https://chat.test/${cardRef}` },
    );
  }

  async updateCard(team: Team, cardRef: string, card: Card, key: MessageKey): Promise<ChatResult<void>> {
    return this.#write(
      { kind: 'card_update', teamId: team.id, cardRef, card, key: { ...key, mayExist: false } },
      undefined,
    );
  }

  async replyInThread(
    team: Team,
    cardRef: string,
    message: OutMessage,
    key: MessageKey,
  ): Promise<ChatResult<void>> {
    return this.#write({ kind: 'thread', teamId: team.id, cardRef, message, key }, undefined);
  }

  async postInChannel(team: Team, message: OutMessage, key: MessageKey): Promise<ChatResult<void>> {
    return this.#write({ kind: 'channel', teamId: team.id, message, key }, undefined);
  }

  async sayPrivately(
    team: Team,
    recipient: string,
    message: OutMessage,
    key: MessageKey,
  ): Promise<ChatResult<void>> {
    return this.#write({ kind: 'private', teamId: team.id, recipient, message, key }, undefined);
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
